// What the Pulumi dynamic providers do, loaded at run time by the serialized providers (see
// provider.ts) with require('docknet/dist/providers/pulumi/handlers'). Every call goes through the
// core's one-resource API (lib/resource.ts).
import type { ContainerDoc, NetworkDoc, RouteDoc } from '../../lib/model/schema';
import { BridgeNetwork, BridgeRoute, Container, IpvlanNetwork, MacvlanNetwork, OverlayNetwork, PluginNetwork } from '../../lib/model/resources';
import { SpecError } from '../../lib/spec/errors';
import { Docknet } from '../../lib/docknet';
import { stableJson } from '../../lib/plan/desired';
import { endpointReplacingKey, FIELD_RULES, frontEndReplaces, type Section } from '../../lib/model/fields';
import { adoptContainer, adoptNetwork, applyResource, readResource, removeResource, resourceStack, type ResourceRef, type ResourceState } from '../../lib/resource';

export type Kind = 'bridge' | 'macvlan' | 'ipvlan' | 'overlay' | 'plugin' | 'container' | 'route';

/** Inputs every docknet Pulumi resource carries besides its typed props. */
export interface MetaInputs {
  kind: Kind;
  /** Docker object name (networks, containers); for routes unused. */
  name: string;
  /** docknet stack (ownership scope). */
  stack: string;
  dockerHost?: string;
  /** Take over an existing network that docknet does not own, instead of creating it. */
  adopt?: boolean;
}

type Inputs = MetaInputs & Record<string, unknown>;

const META = new Set(['kind', 'name', 'stack', 'dockerHost', 'adopt', '__provider']);
const OUTPUTS = new Set(['networkId', 'bridgeInterface', 'subnet', 'containerIds', 'addresses', 'routeId', 'drift', 'adopted']);

/** The typed props of a resource, without meta inputs and outputs. */
export function propsOf(inputs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(inputs).filter(([k, v]) => !META.has(k) && !OUTPUTS.has(k) && v !== undefined));
}

/** The resource as the core sees it, built by the core's own typed classes. */
export function refOf(inputs: Inputs): ResourceRef {
  const p = propsOf(inputs) as never;
  const base = { name: inputs.name, stack: inputs.stack };
  switch (inputs.kind) {
    case 'container':
      return { ...base, kind: 'container', doc: new Container(inputs.name, p).toDoc() };
    case 'route':
      return { ...base, kind: 'route', doc: new BridgeRoute(p).toDoc() };
    case 'bridge':
      return { ...base, kind: 'network', doc: new BridgeNetwork(inputs.name, p).toDoc() };
    case 'macvlan':
      return { ...base, kind: 'network', doc: new MacvlanNetwork(inputs.name, p).toDoc() };
    case 'ipvlan':
      return { ...base, kind: 'network', doc: new IpvlanNetwork(inputs.name, p).toDoc() };
    case 'overlay':
      return { ...base, kind: 'network', doc: new OverlayNetwork(inputs.name, p).toDoc() };
    case 'plugin':
      return { ...base, kind: 'network', doc: new PluginNetwork(inputs.name, p).toDoc() };
  }
}

const origin = (inputs: Inputs) => `pulumi:${inputs.kind}:${inputs.name}`;

export interface CheckFailure {
  property: string;
  reason: string;
}

/** Validation through the core; failures carry the property path inside the resource. */
export function check(news: Inputs): CheckFailure[] {
  try {
    resourceStack(refOf(news), origin(news));
    return [];
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    return e.issues.map((i) => {
      // ['networks', name, 'macvlan', 'parent'] → 'parent'; ['containers', name, 'publish', 0] → 'publish[0]'
      let path = i.path.slice(news.kind === 'route' ? 2 : 2);
      if (['macvlan', 'ipvlan', 'overlay'].includes(String(path[0]))) path = path.slice(1);
      const property = path.map((p, n) => (typeof p === 'number' ? `[${p}]` : n === 0 ? p : `.${p}`)).join('') || 'name';
      return { property, reason: i.message };
    });
  }
}

export interface DiffResult {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
}

/**
 * The table's section of a resource kind's prop: the typed network classes flatten their driver's
 * options (parent, vlan, mode, encrypted) into their props.
 */
function sectionOf(kind: Kind, prop: string): Section | undefined {
  const section: Section = kind === 'container' ? 'container' : kind === 'route' ? 'route' : 'network';
  if (prop in FIELD_RULES[section]) return section;
  if ((kind === 'macvlan' || kind === 'ipvlan' || kind === 'overlay') && prop in FIELD_RULES[kind]) return kind;
  return undefined;
}

/** Endpoint fields that need a new container (the MAC), per network: a change inside `networks` that replaces. */
function endpointReplacing(networks: unknown): string {
  if (!networks || Array.isArray(networks)) return endpointReplacingKey([]);
  return endpointReplacingKey(Object.entries(networks as Record<string, Record<string, unknown> | null>));
}

/** Which changes are updates (in place, or a network recreated in one step), as the table of field rules says; everything else replaces. */
export function diff(olds: Inputs, news: Inputs): DiffResult {
  const a = propsOf(olds);
  const b = propsOf(news);
  const changed = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => stableJson(a[k] ?? null) !== stableJson(b[k] ?? null));
  for (const k of ['name', 'stack', 'dockerHost'] as const) if ((olds[k] ?? null) !== (news[k] ?? null)) changed.push(k);
  const drift = (olds.drift as string[] | undefined) ?? [];
  const updates = (k: string) => {
    const section = sectionOf(news.kind, k);
    return section !== undefined && !frontEndReplaces(section, k) && !(k === 'networks' && endpointReplacing(a.networks) !== endpointReplacing(b.networks));
  };
  // A network that drifted on the host is recreated by the update, like any change of its definition.
  const replaces = changed.filter((k) => !updates(k));
  return {
    changes: changed.length > 0 || drift.length > 0,
    replaces,
    // Same Docker name or the same host port: the old object must go first.
    deleteBeforeReplace: news.kind !== 'route',
  };
}

function docknet(inputs: Inputs, dockerHost?: string): Docknet {
  // Unset: resolved as the docker CLI resolves it (DOCKER_HOST, DOCKER_CONTEXT, the current context).
  return new Docknet({ dockerHost: inputs.dockerHost || dockerHost || undefined, dockerHostSource: inputs.dockerHost ? 'the dockerHost argument' : 'docknet:dockerHost', manager: 'pulumi', command: 'pulumi (docknet provider)' });
}

/** What a resource exposes: ids, interfaces, addresses (the host's view of a network stays inside). */
function outputs(state: ResourceState): Record<string, unknown> {
  const { id: _id, network: _network, ...rest } = state;
  return rest;
}

export async function create(inputs: Inputs, dockerHost?: string): Promise<{ id: string; outs: Record<string, unknown> }> {
  const dn = docknet(inputs, dockerHost);
  const ref = refOf(inputs);
  if (inputs.adopt && ref.kind === 'network') {
    const state = await adoptNetwork(dn, ref, origin(inputs));
    return { id: state.id, outs: { ...inputs, ...outputs(state), adopted: true } };
  }
  // A container docknet made elsewhere becomes Pulumi's (changed only in place); not "adopted" read-only.
  if (inputs.adopt && ref.kind === 'container') {
    const state = await adoptContainer(dn, ref, origin(inputs));
    return { id: state.id, outs: { ...inputs, ...outputs(state) } };
  }
  const state = await applyResource(dn, ref, origin(inputs));
  return { id: state.id, outs: { ...inputs, ...outputs(state) } };
}

export async function update(olds: Inputs, news: Inputs, dockerHost?: string): Promise<{ outs: Record<string, unknown> }> {
  if (olds.adopted) throw new Error(`network ${news.name} is adopted, not owned by docknet: it cannot be changed; drop adopt to let docknet recreate it`);
  const { outs } = await create(news, dockerHost);
  return { outs };
}

/** The host's real state: gone (empty id), or the props with the drift found. */
export async function read(id: string, props: Inputs, dockerHost?: string): Promise<{ id: string; props: Record<string, unknown> }> {
  const dn = docknet(props, dockerHost);
  const ref = refOf(props);
  if (props.adopted) {
    const host = await dn.observe([resourceStack(ref, origin(props))]);
    return host.networks.has(props.name) ? { id, props } : { id: '', props: {} };
  }
  const reading = await readResource(dn, ref, origin(props));
  if (!reading.exists) return { id: '', props: {} };
  const drift = reading.drift.map((a) => `${a.op} ${a.kind} ${a.name}: ${a.reasons.join('; ')}`);
  const { drift: _previous, ...rest } = props;
  return { id, props: drift.length > 0 ? { ...rest, drift } : rest };
}

export async function remove(props: Inputs, dockerHost?: string): Promise<void> {
  if (props.adopted) return; // docknet never removes what it does not own
  await removeResource(docknet(props, dockerHost), refOf(props));
}

export type { NetworkDoc, ContainerDoc, RouteDoc };
