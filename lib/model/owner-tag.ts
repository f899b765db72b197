// The tag that marks what docknet owns outside Docker, where there are no labels: `docknet:<stack>:<id>`,
// the comment of a firewall rule (id: the route) and the alias of a host link (id: the network).
// Stack names hold no ":", so the first one after the prefix ends the stack.

const PREFIX = 'docknet:';

export interface Owner {
  stack: string;
  id: string;
}

export function ownerTag(stack: string, id: string): string {
  return `${PREFIX}${stack}:${id}`;
}

/** The owner a tag names; undefined for any other text (not docknet's). */
export function parseOwnerTag(text: string | undefined): Owner | undefined {
  if (!text?.startsWith(PREFIX)) return undefined;
  const rest = text.slice(PREFIX.length);
  const colon = rest.indexOf(':');
  if (colon <= 0 || colon === rest.length - 1) return undefined;
  return { stack: rest.slice(0, colon), id: rest.slice(colon + 1) };
}
