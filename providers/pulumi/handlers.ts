// What the Pulumi dynamic providers do, loaded at run time by the serialized providers (see
// provider.ts) with require('docknet/dist/providers/pulumi/handlers'). Every call goes through the
// core: one resource is a one-object spec document, converged with a prune scope of that object only.
import type { ContainerDoc, NetworkDoc, RouteDoc, SpecDoc } from '../../lib/model/schema';
import { BridgeNetwork, BridgeRoute, Container, IpvlanNetwork, MacvlanNetwork, OverlayNetwork, PluginNetwork } from '../../lib/model/resources';
import type { Stack } from '../../lib/model/types';
import { loadDocuments } from '../../lib/spec/load';
import { SpecError } from '../../lib/spec/errors';
import { Docknet } from '../../lib/docknet';
import { stableJson } from '../../lib/plan/desired';
import type { PruneScope } from '../../lib/plan/planner';
import type { Action } from '../../lib/plan/actions';
import { routeId } from '../../lib/model/normalize';

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

function section(kind: Kind): 'networks' | 'containers' | 'routes' {
  return kind === 'container' ? 'containers' : kind === 'route' ? 'routes' : 'networks';
}

/** The spec document holding this one resource, built by the core's own typed classes. */
export function documentOf(inputs: Inputs): SpecDoc {
  const p = propsOf(inputs) as never;
  const doc: SpecDoc = { version: 1, stack: inputs.stack };
  switch (inputs.kind) {
    case 'bridge':
      doc.networks = { [inputs.name]: new BridgeNetwork(inputs.name, p).toDoc() };
      break;
    case 'macvlan':
      doc.networks = { [inputs.name]: new MacvlanNetwork(inputs.name, p).toDoc() };
      break;
    case 'ipvlan':
      doc.networks = { [inputs.name]: new IpvlanNetwork(inputs.name, p).toDoc() };
      break;
    case 'overlay':
      doc.networks = { [inputs.name]: new OverlayNetwork(inputs.name, p).toDoc() };
      break;
    case 'plugin':
      doc.networks = { [inputs.name]: new PluginNetwork(inputs.name, p).toDoc() };
      break;
    case 'container':
      doc.containers = { [inputs.name]: new Container(inputs.name, p).toDoc() };
      break;
    case 'route':
      doc.routes = [new BridgeRoute(p).toDoc()];
      break;
  }
  return doc;
}

function stackOf(inputs: Inputs): Stack {
  return loadDocuments([{ file: `pulumi:${inputs.kind}:${inputs.name}`, doc: documentOf(inputs) }], { partial: true })[0];
}

function idOfRoute(inputs: Inputs): string {
  const r = documentOf(inputs).routes![0] as RouteDoc;
  return r.between ? routeId(r.between[0], r.between[1], true) : routeId(r.from ?? '', r.to ?? '', false);
}

/** Only this resource's objects may be removed when it is converged or deleted. */
function scopeOf(inputs: Inputs): PruneScope {
  if (inputs.kind === 'container') return { services: [inputs.name] };
  if (inputs.kind === 'route') return { routes: [idOfRoute(inputs)] };
  return { networks: [inputs.name] };
}

export interface CheckFailure {
  property: string;
  reason: string;
}

/** Validation through the core; failures carry the property path inside the resource. */
export function check(news: Inputs): CheckFailure[] {
  try {
    stackOf(news);
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

const CONTAINER_IN_PLACE = new Set(['networks', 'restart', 'replicas']);
const ROUTE_IN_PLACE = new Set(['allow']);

export interface DiffResult {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
}

function macs(networks: unknown): string {
  if (!networks || Array.isArray(networks)) return '';
  return stableJson(Object.entries(networks as Record<string, { mac?: string } | null>).map(([n, e]) => [n, e?.mac ?? null]));
}

/** Which changes Docker can make in place; everything else replaces. */
export function diff(olds: Inputs, news: Inputs): DiffResult {
  const a = propsOf(olds);
  const b = propsOf(news);
  const changed = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => stableJson(a[k] ?? null) !== stableJson(b[k] ?? null));
  for (const k of ['name', 'stack', 'dockerHost'] as const) if ((olds[k] ?? null) !== (news[k] ?? null)) changed.push(k);
  const drift = (olds.drift as string[] | undefined) ?? [];
  const inPlace = news.kind === 'container' ? CONTAINER_IN_PLACE : news.kind === 'route' ? ROUTE_IN_PLACE : new Set<string>();
  const replaces = changed.filter((k) => !inPlace.has(k) || (k === 'networks' && macs(a.networks) !== macs(b.networks)));
  // A network that drifted on the host can only be put right by recreating it.
  if (drift.length > 0 && section(news.kind) === 'networks' && !olds.adopted) replaces.push('drift');
  return {
    changes: changed.length > 0 || drift.length > 0,
    replaces,
    // Same Docker name or the same host port: the old object must go first.
    deleteBeforeReplace: news.kind !== 'route',
  };
}

function docknet(inputs: Inputs, dockerHost?: string): Docknet {
  return new Docknet({ dockerHost: inputs.dockerHost ?? dockerHost });
}

/** What users chain on: ids, the bridge interface, subnets, addresses. */
async function outputsOf(dn: Docknet, inputs: Inputs, stack: Stack): Promise<{ id: string; outs: Record<string, unknown> }> {
  const host = await dn.observe([stack]);
  if (inputs.kind === 'route') return { id: `${inputs.stack}:${idOfRoute(inputs)}`, outs: { routeId: idOfRoute(inputs) } };
  if (inputs.kind === 'container') {
    const containers = stack.containers.map((c) => host.containers.get(c.name)).filter((c) => c !== undefined);
    const first = containers[0];
    const addresses = first ? Object.fromEntries([...first.endpoints].map(([net, e]) => [net, e.ipv4])) : {};
    return { id: first?.id ?? '', outs: { containerIds: containers.map((c) => c.id), addresses } };
  }
  const seen = host.networks.get(inputs.name);
  if (!seen) throw new Error(`network ${inputs.name} is not on the host after apply`);
  const subnet = ((seen.info.IPAM?.Config ?? []) as { Subnet?: string }[]).map((c) => c.Subnet).find((s) => s && !s.includes(':')) ?? '';
  return { id: seen.id, outs: { networkId: seen.id, bridgeInterface: seen.bridgeInterface ?? '', subnet } };
}

/** Adoption: the network exists and matches the props; docknet reads it and will never remove it. */
async function adopt(dn: Docknet, inputs: Inputs, stack: Stack): Promise<{ id: string; outs: Record<string, unknown> }> {
  const host = await dn.observe([stack]);
  const seen = host.networks.get(inputs.name);
  if (!seen) throw new Error(`adopt: network ${inputs.name} does not exist on the host`);
  const { networkDifferences } = await import('../../lib/plan/differences');
  const differences = networkDifferences(stack.networks[0], { ...seen.info, Labels: { ...(seen.info.Labels ?? {}), ...stack.networks[0].labels } });
  if (differences.length > 0) throw new Error(`adopt: network ${inputs.name} differs from the props: ${differences.join('; ')}`);
  const { outs } = await outputsOf(dn, inputs, stack);
  return { id: seen.id, outs: { ...outs, adopted: true } };
}

export async function create(inputs: Inputs, dockerHost?: string): Promise<{ id: string; outs: Record<string, unknown> }> {
  const dn = docknet(inputs, dockerHost);
  const stack = stackOf(inputs);
  if (inputs.adopt && section(inputs.kind) === 'networks') {
    const { id, outs } = await adopt(dn, inputs, stack);
    return { id, outs: { ...inputs, ...outs } };
  }
  await dn.apply([stack], { prune: scopeOf(inputs) });
  const { id, outs } = await outputsOf(dn, inputs, stack);
  return { id, outs: { ...inputs, ...outs } };
}

export async function update(olds: Inputs, news: Inputs, dockerHost?: string): Promise<{ outs: Record<string, unknown> }> {
  if (olds.adopted) throw new Error(`network ${news.name} is adopted, not owned by docknet: it cannot be changed; drop adopt to let docknet recreate it`);
  const { outs } = await create(news, dockerHost);
  return { outs };
}

/** The host's real state: gone (empty id), or the props with the drift found. */
export async function read(id: string, props: Inputs, dockerHost?: string): Promise<{ id: string; props: Record<string, unknown> }> {
  const dn = docknet(props, dockerHost);
  const stack = stackOf(props);
  if (props.adopted) {
    const host = await dn.observe([stack]);
    return host.networks.has(props.name) ? { id, props } : { id: '', props: {} };
  }
  const plan = await dn.plan([stack], { prune: scopeOf(props) });
  const mine = (a: Action) => a.op === 'create' && (a.kind === 'network' || a.kind === 'route' || a.kind === 'container');
  const creates = plan.actions.filter(mine).length;
  const total = props.kind === 'container' ? stack.containers.length : 1;
  if (creates >= total) return { id: '', props: {} };
  const drift = plan.actions.map((a) => `${a.op} ${a.kind} ${a.name}: ${a.reasons.join('; ')}`);
  const { drift: _previous, ...rest } = props;
  void _previous;
  return { id, props: drift.length > 0 ? { ...rest, drift } : rest };
}

export async function remove(props: Inputs, dockerHost?: string): Promise<void> {
  if (props.adopted) return; // docknet never removes what it does not own
  await docknet(props, dockerHost).destroy([props.stack], scopeOf(props));
}

export type { NetworkDoc, ContainerDoc };
