// One resource of a stack at a time: what Pulumi and Terraform need. A resource is a one-object spec
// document; it is validated partially (the networks it names may be declared by other resources),
// converged with a prune scope of that object only, read back as drift, adopted or removed.
import type { ContainerDoc, NetworkDoc, RouteDoc, SpecDoc } from './model/schema';
import { routeId } from './model/normalize';
import type { Stack } from './model/types';
import { loadDocuments } from './spec/load';
import type { Action } from './plan/actions';
import type { PruneScope } from './plan/planner';
import { networkDifferences } from './plan/differences';
import type { NetworkInfo } from './drivers/docker';
import { BRIDGE_OPTION } from './model/normalize';
import { Docknet } from './docknet';

export type ResourceRef =
  | { kind: 'network'; name: string; stack: string; doc: NetworkDoc }
  | { kind: 'container'; name: string; stack: string; doc: ContainerDoc }
  | { kind: 'route'; name: string; stack: string; doc: RouteDoc };

/** What a front-end exposes after create/update: ids, interfaces, addresses. */
export interface ResourceState {
  id: string;
  networkId?: string;
  bridgeInterface?: string;
  subnet?: string;
  containerIds?: string[];
  addresses?: Record<string, string>;
  routeId?: string;
  /** Networks: the network as it is on the host, written as a spec document. */
  network?: NetworkDoc;
}

export function specDocOfResource(ref: ResourceRef): SpecDoc {
  const doc: SpecDoc = { version: 1, stack: ref.stack };
  if (ref.kind === 'network') doc.networks = { [ref.name]: ref.doc };
  else if (ref.kind === 'container') doc.containers = { [ref.name]: ref.doc };
  else doc.routes = [ref.doc];
  return doc;
}

/** The resource as a stack, validated; throws SpecError with paths inside the one-object document. */
export function resourceStack(ref: ResourceRef, origin: string): Stack {
  return loadDocuments([{ file: origin, doc: specDocOfResource(ref) }], { partial: true })[0];
}

export function routeIdOf(doc: RouteDoc): string {
  return doc.between ? routeId(doc.between[0], doc.between[1], true) : routeId(doc.from ?? '', doc.to ?? '', false);
}

/** Only this resource's objects may be removed when it is converged or deleted. */
export function resourceScope(ref: ResourceRef): PruneScope {
  if (ref.kind === 'container') return { services: [ref.name] };
  if (ref.kind === 'route') return { routes: [routeIdOf(ref.doc)] };
  return { networks: [ref.name] };
}

function ipv4Subnet(info: NetworkInfo): string {
  return ((info.IPAM?.Config ?? []) as { Subnet?: string }[]).map((c) => c.Subnet).find((s) => s && !s.includes(':')) ?? '';
}

export async function resourceState(dn: Docknet, ref: ResourceRef, stack: Stack): Promise<ResourceState> {
  if (ref.kind === 'route') return { id: `${ref.stack}:${routeIdOf(ref.doc)}`, routeId: routeIdOf(ref.doc) };
  const host = await dn.observe([stack]);
  if (ref.kind === 'container') {
    const containers = stack.containers.map((c) => host.containers.get(c.name)).filter((c) => c !== undefined);
    const first = containers[0];
    const addresses = first ? Object.fromEntries([...first.endpoints].map(([net, e]) => [net, e.ipv4])) : {};
    return { id: first?.id ?? '', containerIds: containers.map((c) => c.id), addresses };
  }
  const seen = host.networks.get(ref.name);
  if (!seen) throw new Error(`network ${ref.name} is not on the host`);
  return { id: seen.id, networkId: seen.id, bridgeInterface: seen.bridgeInterface ?? '', subnet: ipv4Subnet(seen.info), network: networkDocFromHost(seen.info) };
}

/** Creates or updates the resource's objects, and only them. */
export async function applyResource(dn: Docknet, ref: ResourceRef, origin: string): Promise<ResourceState> {
  const stack = resourceStack(ref, origin);
  await dn.apply([stack], { prune: resourceScope(ref) });
  return resourceState(dn, ref, stack);
}

export interface ResourceReading {
  /** False when the resource's objects are gone from the host. */
  exists: boolean;
  /** What differs from the spec, as plan actions (empty when in sync). */
  drift: Action[];
}

export async function readResource(dn: Docknet, ref: ResourceRef, origin: string): Promise<ResourceReading> {
  const stack = resourceStack(ref, origin);
  const plan = await dn.plan([stack], { prune: resourceScope(ref) });
  const creates = plan.actions.filter((a) => a.op === 'create').length;
  const total = ref.kind === 'container' ? stack.containers.length : 1;
  return { exists: creates < total, drift: plan.actions };
}

export async function removeResource(dn: Docknet, ref: ResourceRef): Promise<void> {
  await dn.destroy([ref.stack], resourceScope(ref));
}

/**
 * Adoption of a network docknet does not own: it must exist and match the spec. docknet then tracks
 * it without owning it — it is never changed or removed.
 */
export async function adoptNetwork(dn: Docknet, ref: Extract<ResourceRef, { kind: 'network' }>, origin: string): Promise<ResourceState> {
  const stack = resourceStack(ref, origin);
  const host = await dn.observe([stack]);
  const seen = host.networks.get(ref.name);
  if (!seen) throw new Error(`network ${ref.name} does not exist on the host, so it cannot be adopted`);
  const desired = stack.networks[0];
  const differences = networkDifferences(desired, { ...seen.info, Labels: { ...(seen.info.Labels ?? {}), ...desired.labels } });
  if (differences.length > 0) throw new Error(`network ${ref.name} cannot be adopted, it differs from the spec: ${differences.join('; ')}`);
  return resourceState(dn, ref, stack);
}

const TYPED_BRIDGE = Object.entries(BRIDGE_OPTION) as [keyof typeof BRIDGE_OPTION, string][];

/** A network on the host written as a spec document (for import/adoption). */
export function networkDocFromHost(info: NetworkInfo): NetworkDoc {
  const doc: NetworkDoc = { driver: info.Driver };
  const options: Record<string, string> = { ...(info.Options ?? {}) };
  for (const c of (info.IPAM?.Config ?? []) as { Subnet?: string; IPRange?: string; Gateway?: string; AuxiliaryAddresses?: Record<string, string> }[]) {
    if (!c.Subnet) continue;
    const ipam = { subnet: c.Subnet, ...(c.IPRange ? { ipRange: c.IPRange } : {}), ...(c.Gateway ? { gateway: c.Gateway } : {}), ...(c.AuxiliaryAddresses && Object.keys(c.AuxiliaryAddresses).length ? { auxAddresses: c.AuxiliaryAddresses } : {}) };
    if (c.Subnet.includes(':')) doc.ipv6 = ipam;
    else doc.ipv4 = ipam;
  }
  if (info.Internal) doc.internal = true;
  if (info.Attachable) doc.attachable = true;
  const labels = Object.fromEntries(Object.entries(info.Labels ?? {}).filter(([k]) => !k.startsWith('io.docknet.')));
  if (Object.keys(labels).length > 0) doc.labels = labels;
  if (info.Driver === 'bridge') {
    const bridge: Record<string, unknown> = {};
    for (const [key, option] of TYPED_BRIDGE) {
      if (!(option in options)) continue;
      const v = options[option];
      bridge[key] = key === 'icc' || key === 'masquerade' ? v === 'true' : key === 'mtu' ? Number(v) : v;
      delete options[option];
    }
    if (Object.keys(bridge).length > 0) doc.bridge = bridge;
  } else if (info.Driver === 'macvlan' || info.Driver === 'ipvlan') {
    const [parent, vlan] = (options.parent ?? '').split('.');
    const mode = options[`${info.Driver}_mode`];
    const segment = { parent, ...(vlan ? { vlan: Number(vlan) } : {}), ...(mode ? { mode } : {}) };
    if (info.Driver === 'macvlan') doc.macvlan = segment as NetworkDoc['macvlan'];
    else doc.ipvlan = segment as NetworkDoc['ipvlan'];
    delete options.parent;
    delete options[`${info.Driver}_mode`];
  } else if (info.Driver === 'overlay') {
    if ('encrypted' in options) doc.overlay = { encrypted: true };
    delete options.encrypted;
    for (const k of Object.keys(options)) if (k.startsWith('com.docker.network.driver.overlay.')) delete options[k];
  }
  if (Object.keys(options).length > 0 && !['bridge', 'macvlan', 'ipvlan', 'overlay'].includes(info.Driver)) doc.options = options;
  return doc;
}

export { Docknet };
