// Terraform values ↔ the core's one-resource API: building the spec document from a resource's
// attributes, planning (what replaces, what is unknown until apply), and the state after apply/read.
import type { ContainerDoc, NetworkDoc, RouteDoc } from '../../lib/model/schema';
import type { ResourceReading, ResourceRef, ResourceState } from '../../lib/resource';
import type { SpecIssue } from '../../lib/spec/errors';
import { stableJson } from '../../lib/plan/desired';
import { UNKNOWN, type ObjectValue, type Value } from './cty';
import { RESOURCES, type Block, type NestedBlock } from './schema';
import { camel, containerAttributes, renameKeys, routeAttributes, snake } from './attributes';
import { endpointReplacingKey } from '../../lib/model/fields';

export type ResourceType = 'docknet_network' | 'docknet_container' | 'docknet_route';

/** Terraform values → spec documents: nulls and unknowns dropped, names camelCase. */
function toDoc(v: Value): unknown {
  return renameKeys(v, camel, (x) => x === UNKNOWN);
}

const META = ['id', 'name', 'stack', 'bridge_interface', 'adopted', 'container_ids', 'addresses', 'route_id', 'drift'];

function withoutMeta(v: ObjectValue): ObjectValue {
  return Object.fromEntries(Object.entries(v).filter(([k]) => !META.includes(k)));
}

export function stackOf(v: ObjectValue, providerStack: string): string {
  return typeof v.stack === 'string' ? v.stack : providerStack;
}

/** The core's view of a Terraform resource value. */
export function refOf(type: ResourceType, v: ObjectValue, providerStack: string): ResourceRef {
  const stack = stackOf(v, providerStack);
  const name = typeof v.name === 'string' ? v.name : '';
  if (type === 'docknet_network') return { kind: 'network', name, stack, doc: toDoc(withoutMeta(v)) as NetworkDoc };
  if (type === 'docknet_route') return { kind: 'route', name: 'route', stack, doc: toDoc(withoutMeta(v)) as RouteDoc };
  const { network, ...rest } = withoutMeta(v);
  const doc = toDoc(rest) as ContainerDoc;
  const endpoints = (Array.isArray(network) ? network : []) as ObjectValue[];
  if (endpoints.length > 0) {
    doc.networks = Object.fromEntries(endpoints.map((e) => {
      const { name: net, ...settings } = e;
      return [String(net), (toDoc(settings) ?? {}) as object];
    }));
  }
  return { kind: 'container', name, stack, doc };
}

/** A core validation issue as a Terraform attribute path (snake_case, block indexes). */
export function attributePath(type: ResourceType, v: ObjectValue, issue: SpecIssue): (string | number)[] {
  const rest = issue.path.slice(2);
  if (type === 'docknet_container' && rest[0] === 'networks') {
    const endpoints = (Array.isArray(v.network) ? v.network : []) as ObjectValue[];
    const index = endpoints.findIndex((e) => e.name === rest[1]);
    return ['network', Math.max(index, 0), ...rest.slice(2).map((p) => (typeof p === 'string' ? snake(p) : p))];
  }
  return rest.map((p) => (typeof p === 'string' && !/[.\s]/.test(p) ? snake(p) : p));
}

const same = (a: Value | undefined, b: Value | undefined) => stableJson(a ?? null) === stableJson(b ?? null);

function unknownComputed(block: Block, v: ObjectValue): ObjectValue {
  const out: ObjectValue = { ...v };
  for (const [name, a] of Object.entries(block.attributes)) if (a.computed && (out[name] === null || out[name] === undefined)) out[name] = UNKNOWN;
  for (const [name, b] of Object.entries(block.blocks ?? {})) {
    const x = out[name];
    if (b.nesting === 'single' && x && x !== UNKNOWN && typeof x === 'object' && !Array.isArray(x)) out[name] = unknownComputed(b.block, x);
  }
  return out;
}

/** Inside a block list that changes in place (endpoints), what still replaces (the MAC), by element name. */
function replacingInside(b: NestedBlock, items: Value | undefined): string {
  const fields = Object.entries(b.block.attributes).filter(([, a]) => a.replace).map(([n]) => n);
  return endpointReplacingKey(((Array.isArray(items) ? items : []) as ObjectValue[]).map((e) => [String(e.name), Object.fromEntries(fields.map((f) => [camel(f), e[f]]))]));
}

export interface PlannedChange {
  planned: ObjectValue | null;
  requiresReplace: string[];
  /** The update recreates the object (a network whose definition changes). */
  recreated?: boolean;
}

/** The value without what changes in place (single nested blocks so marked, at any depth): what a change recreates. */
function recreating(block: Block, v: ObjectValue): ObjectValue {
  const out: ObjectValue = { ...v };
  for (const [name, b] of Object.entries(block.blocks ?? {})) {
    const x = out[name];
    if (b.nesting !== 'single') continue;
    if (b.inPlace) delete out[name];
    else if (x && x !== UNKNOWN && typeof x === 'object' && !Array.isArray(x)) out[name] = recreating(b.block, x);
  }
  return out;
}

/** How a drift line of a network's host shim begins: mending only those leaves the network as it is. */
const SHIM_DRIFT = /^(create|replace|remove) shim /;

/**
 * Whether a network's update recreates it: a change of its definition (not of what changes in place,
 * its host shim), or drift to mend other than its host shim's.
 */
function networkRecreated(block: Block, prior: ObjectValue, proposed: ObjectValue, mending: string[]): boolean {
  const definition = (v: ObjectValue) => ({ ...recreating(block, v), drift: null });
  return mending.some((d) => !SHIM_DRIFT.test(d)) || !same(definition(prior), definition(proposed));
}

/** Computed values the configuration does not set become unknown: a recreated object gets new ones. */
function recomputed(block: Block, proposed: ObjectValue, config: ObjectValue | null): ObjectValue {
  const out: ObjectValue = { ...proposed };
  for (const [name, a] of Object.entries(block.attributes)) if (a.computed && (config?.[name] ?? null) === null) out[name] = UNKNOWN;
  for (const [name, b] of Object.entries(block.blocks ?? {})) {
    const x = out[name];
    const c = config?.[name];
    if (b.nesting === 'single' && x && x !== UNKNOWN && typeof x === 'object' && !Array.isArray(x)) out[name] = recomputed(b.block, x, c && typeof c === 'object' && !Array.isArray(c) ? (c as ObjectValue) : null);
  }
  return out;
}

/**
 * Plans a resource: config values as they are, computed ones unknown where apply decides them. A
 * network whose definition changes is an update that docknet carries out by recreating it in one step
 * (its containers reconnected, its routes following): its id, bridge and Docker-picked values are new.
 */
export function planChange(type: ResourceType, prior: ObjectValue | null, proposed: ObjectValue | null, config: ObjectValue | null = proposed): PlannedChange {
  if (proposed === null) return { planned: null, requiresReplace: [] };
  const block = RESOURCES[type];
  if (prior === null) return { planned: { ...unknownComputed(block, proposed), ...(type === 'docknet_network' ? { adopted: false } : {}), drift: [] }, requiresReplace: [] };
  // Drift found by the refresh is a change to make: an update (a network recreated), or a replacement
  // when the container itself must be new — the plan shows the reasons as the drift going away.
  const drift = Array.isArray(prior.drift) ? (prior.drift as string[]) : [];
  const mending = prior.adopted !== true ? drift : [];
  if (mending.length > 0) proposed = { ...proposed, drift: [] };
  const replace: string[] = [];
  for (const [name, a] of Object.entries(block.attributes)) if (a.replace && !same(prior[name], proposed[name])) replace.push(name);
  if (type === 'docknet_container' && drift.some((d) => d.startsWith(REPLACED))) replace.push('drift');
  for (const [name, b] of Object.entries(block.blocks ?? {})) {
    if (b.replace ? !same(prior[name], proposed[name]) : b.nesting === 'list' && replacingInside(b, prior[name]) !== replacingInside(b, proposed[name])) replace.push(name);
  }
  const changed = Object.keys(proposed).some((k) => !same(prior[k], proposed[k]));
  if (replace.length > 0) return { planned: { ...unknownComputed(block, stripComputed(block, proposed)), ...(type === 'docknet_network' ? { adopted: false } : {}) }, requiresReplace: replace };
  if (changed && type === 'docknet_container') return { planned: { ...proposed, addresses: UNKNOWN, container_ids: UNKNOWN }, requiresReplace: [] };
  if (changed && type === 'docknet_network' && networkRecreated(block, prior, proposed, mending)) return { planned: { ...recomputed(block, proposed, config), adopted: prior.adopted ?? false, drift: [] }, requiresReplace: [], recreated: true };
  return { planned: proposed, requiresReplace: [] };
}

/** Purely computed attributes (not settable) reset to null, so a replacement recomputes them. */
function stripComputed(block: Block, v: ObjectValue): ObjectValue {
  const out: ObjectValue = { ...v };
  for (const [name, a] of Object.entries(block.attributes)) if (a.computed && !a.optional) out[name] = null;
  return out;
}

function fill(target: Value, actual: unknown): Value {
  if (target === UNKNOWN) return actual === undefined ? null : (actual as Value);
  return target;
}

/** The state after apply: planned values with the unknowns filled from the host. */
export function appliedState(type: ResourceType, planned: ObjectValue, state: ResourceState): ObjectValue {
  const out: ObjectValue = { ...planned, id: state.id, drift: [] };
  if (type === 'docknet_container') {
    out.container_ids = state.containerIds ?? [];
    out.addresses = state.addresses ?? {};
    return out;
  }
  if (type === 'docknet_route') {
    out.route_id = state.routeId ?? null;
    return out;
  }
  const net = state.network ?? {};
  out.bridge_interface = state.bridgeInterface || null;
  out.adopted = planned.adopted === UNKNOWN ? false : planned.adopted ?? false;
  out.driver = fill(out.driver, net.driver ?? 'bridge');
  out.internal = fill(out.internal, net.internal ?? false);
  out.attachable = fill(out.attachable, net.attachable ?? false);
  for (const family of ['ipv4', 'ipv6'] as const) {
    const b = out[family];
    if (!b || b === UNKNOWN || typeof b !== 'object' || Array.isArray(b)) continue;
    const seen = net[family];
    out[family] = { ...b, gateway: fill(b.gateway, seen?.gateway?.split('/')[0]), ip_range: fill(b.ip_range, seen?.ipRange) };
  }
  return out;
}

/** How a drift line of a container that needs a new container begins (Terraform then plans a replacement). */
const REPLACED = 'replace container';

/**
 * The state after a refresh: null only when the objects are gone. Anything else that differs (a stopped
 * container, a detached endpoint, a rule deleted by hand, a network changed by hand) is kept in `drift`
 * as the plan's own words, so the next plan shows an update — or a replacement, with its reason — and
 * never a create of what is still there.
 */
export function refreshedState(current: ObjectValue, reading: ResourceReading): ObjectValue | null {
  if (!reading.exists) return null;
  return { ...current, drift: reading.drift.map((a) => `${a.op} ${a.kind} ${a.name}: ${a.reasons.join('; ')}`) };
}

/** A service docknet made, as Terraform state (import); its stack stays unset when it is the provider's. */
export function importedContainer(c: { name: string; stack: string; doc: ContainerDoc; ids: string[]; addresses: Record<string, string> }, providerStack: string): ObjectValue {
  return { ...(containerAttributes(c.name, c.doc) as ObjectValue), id: c.ids[0], stack: c.stack === providerStack ? null : c.stack, container_ids: c.ids, addresses: c.addresses, drift: [] };
}

/** A route docknet wrote, as Terraform state (import). */
export function importedRoute(r: { stack: string; doc: RouteDoc; id: string }, providerStack: string): ObjectValue {
  return { ...(routeAttributes(r.doc) as ObjectValue), id: `${r.stack}:${r.id}`, stack: r.stack === providerStack ? null : r.stack, route_id: r.id, drift: [] };
}

/**
 * An existing network as Terraform state (import). `stack` undefined: not docknet's, so adopted —
 * never changed or removed; else docknet made it (null: in the provider's stack) and Terraform takes it over.
 */
export function importedNetwork(name: string, id: string, doc: NetworkDoc, bridgeInterface: string | undefined, stack?: string | null): ObjectValue {
  const snakeObject = (o: object | undefined): Value => (o ? Object.fromEntries(Object.entries(o).map(([k, x]) => [snake(k), x as Value])) : null);
  const ipam = (i: NetworkDoc['ipv4']) => (i ? { subnet: i.subnet ?? null, ip_range: i.ipRange ?? null, gateway: i.gateway ?? null, aux_addresses: i.auxAddresses ?? null } : null);
  return {
    id,
    name,
    driver: doc.driver ?? 'bridge',
    internal: doc.internal ?? false,
    attachable: doc.attachable ?? false,
    labels: doc.labels ?? null,
    options: doc.options ?? null,
    stack: stack ?? null,
    bridge_interface: bridgeInterface ?? null,
    adopted: stack === undefined,
    drift: [],
    ipv4: ipam(doc.ipv4),
    ipv6: ipam(doc.ipv6),
    bridge: snakeObject(doc.bridge),
    macvlan: snakeObject(doc.macvlan),
    ipvlan: snakeObject(doc.ipvlan),
    overlay: snakeObject(doc.overlay),
  };
}
