// From actions to steps on the host, in phases that respect dependencies: what goes away first
// (routes, containers, endpoints, host shims, then networks), then what comes (networks, containers,
// endpoints and host shims, then routes). Steps inside one phase are independent and run in parallel.
import type Docker from 'dockerode';
import { EngineError } from '../drivers/docker';
import { ruleKey, type Rule } from '../drivers/firewall';
import type { EndpointSpec, NetworkSpec } from '../model/types';
import { endpointRecordLabels, endpointRecordName } from '../plan/ownership';
import type { Action } from '../plan/actions';
import { containerCreateRequest, endpointRequest, networkCreateRequest, primaryEndpoint } from '../plan/desired';
import { bridgeInterfaceOf, routeEndOf, subnetsOf, type HostAccess, type ObservedHost } from '../plan/observe';
import { followRule, routeRules, type RouteEnd } from '../plan/route-rules';
import { awaitDependencies } from './dependencies';
import { finishReplacement, rememberEndpoint, removeForReplacement, restoreEndpoint, setAside, type SetAside } from './replace';
import type { Rollback } from './rollback';

export interface ApplyContext extends HostAccess {
  host: ObservedHost;
  /** Bridge networks created during this apply, as route ends. */
  created: Map<string, RouteEnd>;
  /** The manager whose objects these become. */
  manager: string;
  /** What to undo if the apply fails (set-aside containers, removed networks). */
  rollback: Rollback;
  /** Containers renamed aside for their replacement, by name. */
  aside: Map<string, SetAside>;
  /** Networks this apply recreates. */
  renewing: Set<string>;
  /** Remove the anonymous volumes of containers that go away (destroy --volumes). */
  removeVolumes: boolean;
  /** Endpoints taken off networks being recreated, as they were: a failed replacement puts them back. */
  detached: Map<string, { container: string; name: string; settings: Docker.EndpointSettings }[]>;
  /** Containers being made or started in this apply, by service: what a dependent container waits for. */
  starting: Map<string, Promise<unknown>[]>;
  /** The container names of a service of the stack (its replicas). */
  serviceContainers(service: string): string[];
  /** Says what a step is waiting for (a dependency's health). */
  onWait?: (text: string) => void;
}

export interface Step {
  phase: number;
  action: Action;
  /** What the step does, for progress lines: "create network lab-a". */
  label: string;
  run(ctx: ApplyContext): Promise<void>;
}

async function createNetwork(ctx: ApplyContext, stack: string, n: NetworkSpec): Promise<void> {
  const id = await ctx.engine.createNetwork(networkCreateRequest({ stack, manager: ctx.manager }, n));
  const bridge = bridgeInterfaceOf({ Id: id, Driver: n.driver, Options: n.options });
  if (!bridge) return;
  // Routes need the subnets; ask Docker only for those it picked itself.
  const picked = !n.ipv4?.subnet || (n.ipv6 !== undefined && !n.ipv6.subnet);
  const subnets = picked ? subnetsOf(await ctx.engine.inspectNetwork(id)) : { ipv4: n.ipv4?.subnet, ...(n.ipv6 ? { ipv6: n.ipv6.subnet } : {}) };
  ctx.created.set(n.name, { bridge, ...subnets });
}

async function createContainer(ctx: ApplyContext, stack: string, action: Extract<Action, { kind: 'container' }>): Promise<void> {
  const c = action.desired!;
  await awaitDependencies(ctx, c);
  const request = containerCreateRequest({ stack, manager: ctx.manager }, c);
  // A replacement keeps the anonymous volumes (and so the data) of the container it replaces.
  const inherited = ctx.aside.get(c.name)?.mounts ?? [];
  if (inherited.length > 0) request.HostConfig = { ...request.HostConfig, Mounts: [...(request.HostConfig?.Mounts ?? []), ...inherited] };
  const id = await ctx.engine.createContainer(request);
  const primary = primaryEndpoint(c);
  try {
    for (const e of c.endpoints) if (e !== primary) await ctx.engine.connect(e.network, id, endpointRequest(e));
    await ctx.engine.startContainer(id);
  } catch (e) {
    // Leave nothing half-made: the next apply creates the container afresh.
    await ctx.engine.removeContainer(id, inherited.length === 0).catch(() => undefined);
    throw e;
  }
}

/** The rules a route needs now: from its spec, or (a route outside the plan's spec) its rules moved to a recreated network. */
function desiredRules(ctx: ApplyContext, action: Extract<Action, { kind: 'route' }>): Rule[] {
  const end = (net: string): RouteEnd => {
    const seen = ctx.host.networks.get(net);
    const found = ctx.created.get(net) ?? (seen && routeEndOf(seen));
    if (!found) throw new Error(`route ${action.name}: network ${net} has no bridge interface`);
    return found;
  };
  if (action.follows) {
    const seen = ctx.host.networks.get(action.follows);
    const before = seen && routeEndOf(seen);
    if (!before) throw new Error(`route ${action.name}: network ${action.follows} had no bridge interface`);
    return action.existing.map((rule) => followRule(rule, before, end(action.follows!)));
  }
  const route = action.desired!;
  return routeRules(action.stack, route, end(route.from), end(route.to), ctx.host.layout);
}

/** Puts a route's rules on the host: the missing ones first, then away with those no longer needed, so a
 * changing route never passes through a moment without rules. */
async function convergeRoute(ctx: ApplyContext, action: Extract<Action, { kind: 'route' }>): Promise<void> {
  const desired = desiredRules(ctx, action);
  const have = new Set(action.existing.map(ruleKey));
  const want = new Set(desired.map(ruleKey));
  // Inserting at the top in reverse keeps the rules in the order they were written.
  for (const rule of [...desired].reverse()) if (!have.has(ruleKey(rule))) await ctx.firewall.insert(rule);
  for (const rule of action.existing) if (!want.has(ruleKey(rule))) await ctx.firewall.delete(rule);
}

/** A container docknet does not own, connected, and the fact recorded (it cannot take a label). */
async function connectForeign(ctx: ApplyContext, stack: string, network: string, container: string, containerId: string, endpoint: EndpointSpec): Promise<void> {
  await ctx.engine.connect(network, containerId, endpointRequest(endpoint));
  const record = endpointRecordName(stack, containerId, network);
  await ctx.engine.createVolume(record, endpointRecordLabels(stack, containerId, container, network)).catch((e: unknown) => {
    // A record left by an earlier connect of the same endpoint: it says the same.
    if (!(e instanceof EngineError && e.statusCode === 409)) throw e;
  });
}

/** Taken off the network (if it is still there) and its record dropped; the container is never touched otherwise. */
async function disconnectForeign(ctx: ApplyContext, network: string, foreign: { containerId: string; record?: string }): Promise<void> {
  try {
    await ctx.engine.disconnect(network, foreign.containerId);
  } catch (e) {
    // Gone already (the container removed, compose down, disconnected by hand): nothing to undo.
    if (!(e instanceof EngineError && (e.statusCode === 404 || /not connected|no such container/i.test(e.engineMessage)))) throw e;
  }
  if (foreign.record) await ctx.engine.removeVolume(foreign.record);
}

export function stepsFor(action: Action): Step[] {
  const step = (phase: number, verb: string, run: Step['run']): Step => ({ phase, action, label: `${verb} ${action.kind} ${action.name}`, run });
  switch (action.kind) {
    case 'network': {
      const create = step(3, 'create', async (ctx) => {
        await createNetwork(ctx, action.stack, action.desired!);
        ctx.rollback.settle(`network ${action.name}`);
      });
      if (action.op === 'create') return [create];
      if (action.op === 'remove') return [step(2, 'remove', (ctx) => ctx.engine.removeNetwork(action.observedId!, ctx.host.networks.get(action.name)?.info.Scope === 'swarm'))];
      return [step(2, 'remove', (ctx) => removeForReplacement(ctx, action.name, action.observedId!)), create];
    }
    case 'container': {
      // Phase 4 steps of a service register themselves: a container depending on it waits for them.
      const registered = (run: Step['run']): Step['run'] => (ctx) => {
        const p = run(ctx);
        const service = action.desired?.service ?? action.name;
        ctx.starting.set(service, [...(ctx.starting.get(service) ?? []), p.catch(() => undefined)]);
        return p;
      };
      if (action.op === 'create') return [step(4, 'create', registered((ctx) => createContainer(ctx, action.stack, action)))];
      if (action.op === 'remove') return [step(1, 'remove', (ctx) => ctx.engine.removeContainer(action.observedId!, ctx.removeVolumes))];
      if (action.op === 'replace') {
        return [
          step(1, 'set aside', (ctx) => setAside(ctx, action.desired!, action.observedId!)),
          step(4, 'create', registered(async (ctx) => {
            await createContainer(ctx, action.stack, action);
            await finishReplacement(ctx, action.name);
          })),
        ];
      }
      if (action.op === 'start') return [step(4, 'start', registered((ctx) => ctx.engine.startContainer(action.observedId!)))];
      return [step(4, 'update', (ctx) => ctx.engine.updateRestartPolicy(action.observedId!, action.desired!.restart))];
    }
    case 'endpoint':
      if (action.foreign) {
        const foreign = action.foreign;
        return action.op === 'disconnect'
          ? [step(1, 'disconnect', (ctx) => disconnectForeign(ctx, action.network, foreign))]
          : [step(4, 'connect', (ctx) => connectForeign(ctx, action.stack, action.network, action.container, foreign.containerId, action.endpoint!))];
      }
      return action.op === 'disconnect'
        ? [step(1, 'disconnect', async (ctx) => {
            await rememberEndpoint(ctx, action.network, action.container);
            await ctx.engine.disconnect(action.network, action.container);
          })]
        : [step(4, 'connect', (ctx) => (action.restore ? restoreEndpoint(ctx, action.network, action.container) : ctx.engine.connect(action.network, action.container, endpointRequest(action.endpoint!))))];
    case 'shim': {
      // Away before the networks go (Docker may remove the VLAN sub-interface it hangs off), back once they are there.
      const make = step(4, 'create', (ctx) => ctx.links.addShim(action.desired!));
      const remove = step(1, 'remove', (ctx) => ctx.links.remove(action.name));
      return action.op === 'create' ? [make] : action.op === 'remove' ? [remove] : [remove, make];
    }
    case 'route':
      return action.op === 'remove'
        ? [step(1, 'remove', async (ctx) => { for (const rule of action.existing) await ctx.firewall.delete(rule); })]
        : [step(5, action.op, (ctx) => convergeRoute(ctx, action))];
  }
}
