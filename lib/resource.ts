// One resource of a stack at a time: what Pulumi and Terraform need. A resource is a one-object spec
// document; it is validated partially (the networks it names may be declared by other resources),
// converged with a prune scope of that object only, read back as drift, adopted or removed.
import type { ContainerDoc, NetworkDoc, RouteDoc, SpecDoc } from './model/schema';
import { routeEnds, routeId } from './model/normalize';
import type { Stack } from './model/types';
import { loadDocuments } from './spec/load';
import type { Action } from './plan/actions';
import type { PruneScope } from './plan/planner';
import { networkDifferences } from './plan/differences';
import type { NetworkInfo } from './drivers/docker';
import type { OwnedRule } from './drivers/firewall';
import { LABEL } from './plan/desired';
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

/** Creates or updates the resource's objects, and only them; `takeOver` after an import makes this front-end their manager. */
export async function applyResource(dn: Docknet, ref: ResourceRef, origin: string, options: { takeOver?: boolean } = {}): Promise<ResourceState> {
  const stack = resourceStack(ref, origin);
  await dn.apply([stack], { prune: resourceScope(ref), takeOver: options.takeOver });
  return resourceState(dn, ref, stack);
}

/**
 * Adoption of a container docknet made (by the CLI, docknet watch, Terraform): it becomes this
 * front-end's, changed only in place (endpoints, restart policy). One that would need a new container
 * to match the spec is refused with the reasons: adoption never makes a container.
 */
export async function adoptContainer(dn: Docknet, ref: Extract<ResourceRef, { kind: 'container' }>, origin: string): Promise<ResourceState> {
  const stack = resourceStack(ref, origin);
  const plan = await dn.plan([stack], { prune: resourceScope(ref), takeOver: true });
  const remade = plan.actions.filter((a) => a.kind === 'container' && (a.op === 'create' || a.op === 'replace'));
  if (remade.length > 0) {
    throw new Error(`container ${ref.name} of stack ${ref.stack} cannot be adopted, adoption never makes a new container: ${remade.map((a) => `${a.op} ${a.name}: ${a.reasons.join('; ')}`).join('; ')}`);
  }
  await dn.apply([stack], { prune: resourceScope(ref), takeOver: true });
  return resourceState(dn, ref, stack);
}

export interface ResourceReading {
  /** False when the resource's objects are gone from the host. */
  exists: boolean;
  /** What differs from the spec, as plan actions (empty when in sync). */
  drift: Action[];
}

/** `takeOver`: the resource is being taken over (imported), so another manager's record is no conflict. */
export async function readResource(dn: Docknet, ref: ResourceRef, origin: string, options: { takeOver?: boolean } = {}): Promise<ResourceReading> {
  const stack = resourceStack(ref, origin);
  const plan = await dn.plan([stack], { prune: resourceScope(ref), takeOver: options.takeOver });
  const creates = plan.actions.filter((a) => a.op === 'create').length;
  const total = ref.kind === 'container' ? stack.containers.length : 1;
  return { exists: creates < total, drift: plan.actions };
}

export async function removeResource(dn: Docknet, ref: ResourceRef, options: { takeOver?: boolean } = {}): Promise<void> {
  await dn.destroy([ref.stack], resourceScope(ref), { takeOver: options.takeOver });
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

/** A duration as the spec writes it (5s, 500ms), from Docker's nanoseconds. */
function durationText(ns: number): string {
  return ns % 1e9 === 0 ? `${ns / 1e9}s` : ns % 1e6 === 0 ? `${ns / 1e6}ms` : `${ns}ns`;
}

/**
 * A service docknet made (by any manager), read back from the host as its spec document: what needs a
 * new container from its definition label, the rest (replicas, endpoints with static addresses and
 * aliases, restart policy) from what the engine reports now. For import into a front-end.
 */
export async function containerFromHost(dn: Docknet, wanted: string): Promise<{ name: string; stack: string; doc: ContainerDoc; ids: string[]; addresses: Record<string, string> }> {
  const host = await dn.observe([]);
  const all = [...host.containers.values()].filter((c) => c.labels[LABEL.managed] === 'true' && !c.labels[LABEL.probe]);
  const first = all.find((c) => c.name === wanted || c.id.startsWith(wanted)) ?? all.find((c) => c.labels[LABEL.service] === wanted);
  if (!first) {
    const foreign = host.containers.get(wanted);
    throw new Error(foreign
      ? `container ${wanted} was not made by docknet (it has no io.docknet labels, and Docker cannot add labels to a container after it is made): declare it in the configuration and let docknet make it, or attach it to networks as an endpoint`
      : `no container named ${wanted} (or a service of that name) on the Docker host`);
  }
  const service = first.labels[LABEL.service] ?? first.name;
  const stack = first.labels[LABEL.stack];
  const replicas = all.filter((c) => c.labels[LABEL.stack] === stack && (c.labels[LABEL.service] ?? c.name) === service).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  const detail = await dn.engine.inspectContainer(first.id);
  const def = JSON.parse(first.labels[LABEL.definition] ?? '{}') as Record<string, unknown>;
  const own = new Set([detail.Id.slice(0, 12), first.name]);
  const networks: NonNullable<ContainerDoc['networks']> = {};
  for (const [net, e] of Object.entries(detail.NetworkSettings?.Networks ?? {})) {
    if (def.networkMode) break;
    const aliases = ((e.Aliases ?? []) as string[]).filter((a) => !own.has(a) && a !== service);
    const endpoint = {
      ...(e.IPAMConfig?.IPv4Address ? { ipv4: e.IPAMConfig.IPv4Address } : {}),
      ...(e.IPAMConfig?.IPv6Address ? { ipv6: e.IPAMConfig.IPv6Address } : {}),
      ...(aliases.length > 0 ? { aliases } : {}),
      ...(def.mac && e.MacAddress === def.mac ? { mac: String(def.mac) } : {}),
    };
    networks[net] = Object.keys(endpoint).length > 0 ? endpoint : null;
  }
  const hc = def.healthcheck as { test: string[]; intervalNs?: number; timeoutNs?: number; retries?: number; startPeriodNs?: number } | null;
  const restart = (detail.HostConfig?.RestartPolicy?.Name || 'no') as NonNullable<ContainerDoc['restart']>;
  const doc: ContainerDoc = {
    image: String(def.image ?? detail.Config.Image),
    ...(def.command ? { command: def.command as string[] } : {}),
    ...(def.env && Object.keys(def.env).length > 0 ? { env: def.env as Record<string, string> } : {}),
    ...(replicas.length > 1 ? { replicas: replicas.length } : {}),
    ...(def.networkMode ? { networkMode: def.networkMode as 'host' | 'none' } : { networks }),
    ...(Array.isArray(def.publish) && def.publish.length > 0 ? { publish: def.publish as string[] } : {}),
    ...(hc ? { healthcheck: { test: hc.test, ...(hc.intervalNs ? { interval: durationText(hc.intervalNs) } : {}), ...(hc.timeoutNs ? { timeout: durationText(hc.timeoutNs) } : {}), ...(hc.retries !== undefined ? { retries: hc.retries } : {}), ...(hc.startPeriodNs ? { startPeriod: durationText(hc.startPeriodNs) } : {}) } } : {}),
    ...(restart !== 'no' ? { restart } : {}),
    ...(def.labels && Object.keys(def.labels).length > 0 ? { labels: def.labels as Record<string, string> } : {}),
    ...(def.init ? { init: true } : {}),
    ...(typeof def.stopGracePeriod === 'number' ? { stopGracePeriod: `${def.stopGracePeriod}s` } : {}),
  };
  const addresses = Object.fromEntries([...first.endpoints].map(([net, e]) => [net, e.ipv4]));
  return { name: service, stack, doc, ids: replicas.map((c) => c.id), addresses };
}

/** The filter of a route, read back from its forwarding rules (`-p tcp -m tcp --dport 80` → tcp/80). */
function allowOf(rules: OwnedRule[]): string[] {
  const allow = new Set<string>();
  for (const r of rules) {
    if (r.table !== 'filter' || r.spec.includes('--ctstate')) continue;
    const m = / -p (\S+)(?: -m \S+ --dport (\S+))?/.exec(r.spec);
    if (!m) return []; // a rule without a protocol: everything passes
    const protocol = m[1] === 'ipv6-icmp' ? 'icmp' : m[1];
    allow.add(m[2] ? `${protocol}/${m[2].replace(':', '-')}` : protocol);
  }
  return [...allow].sort();
}

/** A route docknet wrote (any manager), read back from its rules: `a=b` or `a>b`, optionally `stack:` before it. */
export async function routeFromHost(dn: Docknet, wanted: string): Promise<{ stack: string; doc: RouteDoc; id: string }> {
  const host = await dn.observe([]);
  const [stackPart, idPart] = wanted.includes(':') ? wanted.split(/:(.*)/s) : [undefined, wanted];
  const rules = (host.rules ?? []).filter((r) => r.route === idPart && (stackPart === undefined || r.stack === stackPart));
  const stacks = [...new Set(rules.map((r) => r.stack))];
  if (stacks.length === 0) throw new Error(host.firewallProblem ? host.firewallProblem.message : `no rules of a route ${wanted} on the engine's host (ids look like a=b, both ways, or a>b, one way; stack:a=b names the stack)`);
  if (stacks.length > 1) throw new Error(`route ${idPart} exists in stacks ${stacks.join(', ')}: name one, e.g. ${stacks[0]}:${idPart}`);
  const [from, to] = routeEnds(idPart);
  const allow = allowOf(rules);
  const doc: RouteDoc = { ...(idPart.includes('=') ? { between: [from, to] as [string, string] } : { from, to }), ...(allow.length > 0 ? { allow } : {}) };
  return { stack: stacks[0], doc, id: idPart };
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
