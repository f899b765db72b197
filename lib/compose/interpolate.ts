// Compose's variables: $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}, ${VAR?message},
// ${VAR:+other}, ${VAR+other}, and $$ for a "$" — in every string value of a compose file (never in
// keys), as compose-go's template package reads them. An unset variable stands for "" (compose warns);
// where an address must be, docknet refuses the empty value instead of binding or attaching at random.
import type { SpecPath } from '../model/types';
import type { ComposeIssues } from './issues';
import { isTree, pathMatches, type Tree, type Value } from './read';

/** The value of a variable, undefined when it is not set. */
export type Lookup = (name: string) => string | undefined;

export class TemplateError extends Error {}

export interface Substituted {
  value: string;
  /** Variables used without a default that are not set. */
  unset: string[];
}

const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*/;
const OPERATORS = [':?', '?', ':-', '-', ':+', '+'] as const;

/** Where the "}" of the "${" at the start of text is: only "${" opens (as compose counts). */
function closingBrace(text: string): number {
  let open = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '}' && --open === 0) return i;
    if (text.startsWith('${', i)) {
      open++;
      i++;
    }
  }
  return -1;
}

function braced(content: string, lookup: Lookup, unset: string[]): string {
  const name = NAME.exec(content)?.[0];
  const rest = name === undefined ? content : content.slice(name.length);
  const op = OPERATORS.find((o) => rest.startsWith(o));
  if (name === undefined || (rest !== '' && !op)) throw new TemplateError(`invalid variable "\${${content}}"`);
  const value = lookup(name);
  if (!op) {
    if (value === undefined) unset.push(name);
    return value ?? '';
  }
  const arg = () => substituteInto(rest.slice(op.length), lookup, unset);
  const present = op.startsWith(':') ? value !== undefined && value !== '' : value !== undefined;
  if (op.endsWith('?')) {
    if (present) return value!;
    const reason = arg();
    throw new TemplateError(`required variable ${name} is missing a value${reason ? `: ${reason}` : ''}`);
  }
  if (op.endsWith('-')) return present ? value! : arg();
  return present ? arg() : '';
}

function substituteInto(text: string, lookup: Lookup, unset: string[]): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar < 0) break;
    out += text.slice(i, dollar);
    const next = text.slice(dollar + 1);
    if (next.startsWith('$')) {
      out += '$';
      i = dollar + 2;
    } else if (next.startsWith('{')) {
      const end = closingBrace(text.slice(dollar));
      if (end < 0) throw new TemplateError(`"\${" without its "}" in "${text}"`);
      out += braced(text.slice(dollar + 2, dollar + end), lookup, unset);
      i = dollar + end + 1;
    } else {
      const name = NAME.exec(next)?.[0];
      if (name === undefined) out += '$';
      else {
        const value = lookup(name);
        if (value === undefined) unset.push(name);
        out += value ?? '';
      }
      i = dollar + 1 + (name?.length ?? 0);
    }
  }
  return out + text.slice(i);
}

/** One string with its variables replaced; throws TemplateError for a bad template or a missing required one. */
export function substitute(text: string, lookup: Lookup): Substituted {
  const unset: string[] = [];
  const value = substituteInto(text, lookup, unset);
  return { value, unset };
}

/** Compose paths where an address must be: an empty one would bind to every address or attach at random. */
const ADDRESS_PATHS = [
  'services.*.networks.*.ipv4_address',
  'services.*.networks.*.ipv6_address',
  'services.*.networks.*.mac_address',
  'services.*.mac_address',
  'services.*.ports.*.host_ip',
  'services.*.dns',
  'services.*.dns.*',
  'networks.*.ipam.config.*.subnet',
  'networks.*.ipam.config.*.ip_range',
  'networks.*.ipam.config.*.gateway',
  'networks.*.ipam.config.*.aux_addresses.*',
];

/** Whether an interpolated value lacks the address its place needs ("" for an address, ":80:80" for a port). */
function missingAddress(path: SpecPath, value: string): boolean {
  if (ADDRESS_PATHS.some((p) => pathMatches(path, p))) return value === '';
  // The short syntax of ports and extra_hosts: "ip:host:container", "name:address" / "name=address".
  if (pathMatches(path, 'services.*.ports.*')) return /^(\[\])?:[^:]*:/.test(value);
  if (pathMatches(path, 'services.*.extra_hosts.*')) return /^[^:=]*[:=]$/.test(value) || value === '';
  return false;
}

/** Replaces the variables in every string value of a file's tree, reporting what compose would say. */
export function interpolateTree(tree: Tree, lookup: Lookup, file: string, issues: ComposeIssues): Tree {
  const walk = (value: Value, path: SpecPath): Value => {
    if (typeof value === 'string') {
      try {
        const { value: out, unset } = substitute(value, lookup);
        const names = [...new Set(unset)];
        if (names.length > 0 && missingAddress(path, out)) {
          const shown = out === '' ? 'is empty' : `is "${out}"`;
          issues.error(path, `${shown}: ${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} not set`, file);
        } else if (names.length > 0) issues.warn(path, `${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} not set: taken as "" (as compose does)`, file);
        return out;
      } catch (e) {
        if (!(e instanceof TemplateError)) throw e;
        issues.error(path, e.message, file);
        return value;
      }
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i]));
    if (isTree(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...path, k])]));
    return value;
  };
  return walk(tree, []) as Tree;
}
