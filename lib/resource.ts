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
import { LABEL } from './plan/desired';
import { containerDocFromDefinition, networkDocFromHost, routeDocFromRules } from './spec/from-host';
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
  // The resource's own objects: a network whose shim is missing still exists.
  const creates = plan.actions.filter((a) => a.op === 'create' && a.kind === ref.kind).length;
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
  const restart = detail.HostConfig?.RestartPolicy?.Name || 'no';
  const doc: ContainerDoc = { ...containerDocFromDefinition({ ...def, image: def.image ?? detail.Config.Image }, networks, restart), ...(replicas.length > 1 ? { replicas: replicas.length } : {}) };
  const addresses = Object.fromEntries([...first.endpoints].map(([net, e]) => [net, e.ipv4]));
  return { name: service, stack, doc, ids: replicas.map((c) => c.id), addresses };
}

/** A route docknet wrote (any manager), read back from its rules: `a=b` or `a>b`, optionally `stack:` before it. */
export async function routeFromHost(dn: Docknet, wanted: string): Promise<{ stack: string; doc: RouteDoc; id: string }> {
  const host = await dn.observe([]);
  const [stackPart, idPart] = wanted.includes(':') ? wanted.split(/:(.*)/s) : [undefined, wanted];
  const rules = (host.rules ?? []).filter((r) => r.route === idPart && (stackPart === undefined || r.stack === stackPart));
  const stacks = [...new Set(rules.map((r) => r.stack))];
  if (stacks.length === 0) throw new Error(host.firewallProblem ? host.firewallProblem.message : `no rules of a route ${wanted} on the engine's host (ids look like a=b, both ways, or a>b, one way; stack:a=b names the stack)`);
  if (stacks.length > 1) throw new Error(`route ${idPart} exists in stacks ${stacks.join(', ')}: name one, e.g. ${stacks[0]}:${idPart}`);
  return { stack: stacks[0], doc: routeDocFromRules(idPart, rules), id: idPart };
}

export { Docknet, networkDocFromHost };
