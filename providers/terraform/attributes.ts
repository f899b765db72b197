// The spec's camelCase documents and Terraform's snake_case attributes, both ways. The provider reads
// configurations with it; the CDKTF constructs write them with it, so the two cannot drift apart.
import type { ContainerDoc, NetworkDoc, RouteDoc } from '../../lib/model/schema';
import { formatPublish, parsePublish } from '../../lib/model/publish';

export const camel = (k: string) => k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
export const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Attributes whose value is a map: their keys are data, not field names. */
export const MAP_ATTRIBUTES = new Set(['labels', 'options', 'env', 'aux_addresses', 'auxAddresses']);

/** Renames the keys of a document recursively, leaving the keys of map attributes alone. */
export function renameKeys(v: unknown, rename: (k: string) => string, skip: (v: unknown) => boolean = () => false, mapKeys = false): unknown {
  if (v === null || v === undefined || skip(v)) return undefined;
  if (Array.isArray(v)) return v.map((x) => renameKeys(x, rename, skip));
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const r = renameKeys(x, rename, skip, MAP_ATTRIBUTES.has(k));
      if (r !== undefined) out[mapKeys ? k : rename(k)] = r;
    }
    return out;
  }
  return v;
}

export type Attributes = Record<string, unknown>;

export function networkAttributes(name: string, doc: NetworkDoc): Attributes {
  return { name, ...(renameKeys(doc, snake) as Attributes) };
}

/** Container endpoints become `network` blocks; publishes become short-syntax strings. */
export function containerAttributes(name: string, doc: ContainerDoc): Attributes {
  const { networks, publish, ...rest } = doc;
  const out: Attributes = { name, ...(renameKeys(rest, snake) as Attributes) };
  if (networks) {
    const entries: [string, object | null][] = Array.isArray(networks) ? networks.map((n) => [n, null]) : Object.entries(networks);
    out.network = entries.map(([net, e]) => ({ name: net, ...((renameKeys(e ?? {}, snake) as object) ?? {}) }));
  }
  if (publish) {
    out.publish = publish.flatMap((p) => {
      if (typeof p === 'string') return [p];
      const parsed = parsePublish(p);
      return typeof parsed === 'string' ? [] : parsed.map(formatPublish);
    });
  }
  return out;
}

export function routeAttributes(doc: RouteDoc): Attributes {
  return renameKeys(doc, snake) as Attributes;
}
