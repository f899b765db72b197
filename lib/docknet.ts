// The core's front door: what the command line, the Terraform provider, the Pulumi resources and the
// reconciler call. Reading (observe, plan) takes no lock; every change holds the engine's lock for the
// whole plan → apply → verify, plans afresh under it, and works only for the stack's manager.
import { Engine } from './drivers/docker';
import { resolveEndpoint, type Endpoint } from './drivers/endpoint';
import { engineHost } from './drivers/engine-host';
import { Firewall } from './drivers/firewall';
import { HostLinks } from './drivers/links';
import { withEngineLock, type LockHolder } from './drivers/lock';
import type { Stack } from './model/types';
import type { Plan } from './plan/actions';
import { observeHost, type ObservedHost } from './plan/observe';
import { recordLabels, recordVolumeName, ownedBy, ownedShims } from './plan/ownership';
import { emptyStack, planStacks, type PlanOptions, type PruneScope } from './plan/planner';
import { LABEL } from './plan/desired';
import { describeEngine } from './plan/render';
import { ApplyError, executePlan, prepareImages, remainingDifferences, type ProgressEvent } from './apply/apply';
import { Rollback } from './apply/rollback';

/** Whether a stack owns any network, container, rule, endpoint record or host shim on the host. */
function ownsAnything(host: ObservedHost, stack: string): boolean {
  return (
    [...host.networks.values(), ...host.containers.values()].some((o) => ownedBy(o.labels) === stack) ||
    (host.rules ?? []).some((r) => r.stack === stack) ||
    host.endpointRecords.some((r) => r.stack === stack) ||
    ownedShims(host.links, stack).length > 0
  );
}

export interface DocknetOptions {
  /**
   * Docker endpoint in DOCKER_HOST syntax (unix://, tcp://, ssh://), like the CLI's -H; default: resolved
   * as the docker CLI resolves it (DOCKER_HOST, DOCKER_CONTEXT, the current context, the local socket).
   */
  dockerHost?: string;
  /** How a person gave `dockerHost`, for messages ("--host", "docker_host of the provider"). */
  dockerHostSource?: string;
  /** A docker context by name, like the CLI's --context (not together with dockerHost). */
  context?: string;
  /** An endpoint resolved already (instead of dockerHost and context). */
  endpoint?: Endpoint;
  /**
   * For tcp:// engines: the image of a privileged helper container that runs the host's iptables there
   * (it needs nsenter); default DOCKNET_FIREWALL_HELPER. Without it, routes on a tcp engine are refused.
   */
  firewallHelper?: string;
  /** Steps run at once inside a phase. */
  concurrency?: number;
  onProgress?: (e: ProgressEvent) => void;
  /** Who changes the engine: cli (default), terraform, pulumi, watch:<id>. Objects and stacks carry it. */
  manager?: string;
  /** What runs, for a writer that has to wait for this one: "docknet apply". */
  command?: string;
  /** Called when another writer holds the engine and this one starts waiting for it. */
  onLockWait?: (holder: LockHolder | undefined) => void;
}

export interface ApplyOptions extends PlanOptions {
  /** The plan a person confirmed: when the host has changed since, StalePlanError carries the plan now. */
  confirmed?: Plan;
  /** Called with the plan about to be carried out (made under the lock, from a fresh observation). */
  onPlan?: (plan: Plan) => void;
  /** Aborting lets the running phase finish, then stops before the next one (and rolls back). */
  signal?: AbortSignal;
  /** Remove the anonymous volumes of containers that go away (by default they stay, as with compose). */
  removeVolumes?: boolean;
}

export interface ApplyResult {
  plan: Plan;
  /** Docker API calls made, including planning and verification. */
  apiCalls: number;
}

/** The host changed between the plan a person confirmed and the moment of applying it. */
export class StalePlanError extends Error {
  constructor(readonly fresh: Plan) {
    super('the host changed since the plan was made: nothing was applied; the plan now is different');
    this.name = 'StalePlanError';
  }
}

const actionKey = (a: Plan['actions'][number]) => `${a.stack}|${a.kind}|${a.op}|${a.name}`;

/** Whether two plans would do the same things. */
export function samePlan(a: Plan, b: Plan): boolean {
  const x = a.actions.map(actionKey).sort();
  const y = b.actions.map(actionKey).sort();
  return x.length === y.length && x.every((k, i) => k === y[i]);
}

export class Docknet {
  readonly engine: Engine;
  readonly firewall: Firewall;
  readonly links: HostLinks;
  readonly manager: string;

  constructor(private readonly options: DocknetOptions = {}) {
    // The engine, and the firewall and links of its host, from one resolved endpoint: they can never disagree.
    const endpoint = options.endpoint ?? resolveEndpoint({ host: options.dockerHost, hostSource: options.dockerHostSource ?? 'dockerHost', context: options.context });
    this.engine = new Engine(endpoint);
    const host = engineHost(endpoint, { helperImage: options.firewallHelper || process.env.DOCKNET_FIREWALL_HELPER || undefined });
    this.firewall = new Firewall(host);
    this.links = new HostLinks(host);
    this.manager = options.manager ?? 'cli';
  }

  observe(stacks: Stack[]): Promise<ObservedHost> {
    return observeHost(this, stacks);
  }

  private planOptions(options: PlanOptions): PlanOptions {
    return { ...options, manager: this.manager };
  }

  /** What apply would do now, and why. Reads only. */
  async plan(stacks: Stack[], options: PlanOptions = {}): Promise<Plan> {
    return planStacks(stacks, await this.observe(stacks), this.planOptions(options));
  }

  /**
   * Plans each stack on its own against one observation of the host: per stack its plan, or the error
   * that stops it (another manager's stack, a conflict with the host). Reads only, takes no lock.
   */
  async planEach(stacks: Stack[], options: PlanOptions = {}): Promise<Map<string, Plan | Error>> {
    const host = await this.observe(stacks);
    return new Map(stacks.map((s): [string, Plan | Error] => {
      try {
        return [s.name, planStacks([s], host, this.planOptions(options))];
      } catch (e) {
        return [s.name, e as Error];
      }
    }));
  }

  /** Whether a plan leaves nothing to do at all: no change, and the stack recorded as this writer's and owning something (apply would not touch its record). */
  settled(stack: string, plan: Plan): boolean {
    return plan.actions.length === 0 && plan.observed.records.get(stack)?.manager === this.manager && ownsAnything(plan.observed, stack);
  }

  /** Runs `work` as the engine's only writer. */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    const facts = await this.engine.facts();
    return withEngineLock(
      {
        engineId: facts.id || facts.endpoint,
        engineName: describeEngine(facts),
        holder: { command: this.options.command ?? `docknet (${this.manager})`, manager: this.manager },
        onWait: this.options.onLockWait,
      },
      work,
    );
  }

  /**
   * Converges the host to the stacks and verifies it; throws ApplyError when it could not.
   * `options.prune` limits what is removed (a front-end converging one resource of a stack).
   */
  async apply(stacks: Stack[], options: ApplyOptions = {}): Promise<ApplyResult> {
    return this.exclusive(async () => {
      const plan = planStacks(stacks, await this.observe(stacks), this.planOptions(options));
      if (options.confirmed && !samePlan(options.confirmed, plan)) throw new StalePlanError(plan);
      options.onPlan?.(plan);
      if (plan.actions.length > 0) await this.carryOut(stacks, plan, options);
      else {
        // Taking over a stack that needs no change still makes this writer its manager.
        if (options.takeOver) await this.claim(stacks.filter((s) => (plan.observed.records.get(s.name)?.manager ?? this.manager) !== this.manager), plan.observed);
        // A stack of this manager that owns nothing lets go of its record (a second destroy releases a take-over's record).
        await this.releaseEmpty(stacks.filter((s) => plan.observed.records.get(s.name)?.manager === this.manager), plan.observed);
      }
      return { plan, apiCalls: this.engine.callCount };
    });
  }

  /** Removes everything the named stacks own, or only the objects in `prune` of one stack. */
  async destroy(stackNames: string[], prune: PruneScope = 'all', options: Omit<ApplyOptions, 'prune'> = {}): Promise<ApplyResult> {
    return this.apply(stackNames.map(emptyStack), { ...options, prune });
  }

  private async carryOut(stacks: Stack[], plan: Plan, options: ApplyOptions): Promise<void> {
    const host = plan.observed;
    await prepareImages(plan, this.engine, this.options.onProgress);
    await this.claim(stacks.filter((s) => plan.actions.some((a) => a.stack === s.name)), host);
    const ctx = {
      engine: this.engine,
      firewall: this.firewall,
      links: this.links,
      host,
      created: new Map(),
      manager: this.manager,
      rollback: new Rollback(),
      aside: new Map(),
      renewing: new Set(plan.actions.filter((a) => a.kind === 'network' && a.op === 'replace').map((a) => a.name)),
      detached: new Map(),
      removeVolumes: options.removeVolumes ?? false,
      starting: new Map(),
      // A service's containers after this apply: those it makes, and those on the host it keeps.
      serviceContainers: (service: string) => {
        const made = plan.actions.flatMap((a) => (a.kind === 'container' && a.desired?.service === service && a.op !== 'remove' ? [a.desired.name] : []));
        const removed = new Set(plan.actions.filter((a) => a.kind === 'container' && a.op === 'remove').map((a) => a.name));
        const kept = [...host.containers.values()].filter((c) => c.labels[LABEL.service] === service && stacks.some((s) => ownedBy(c.labels) === s.name) && !removed.has(c.name)).map((c) => c.name);
        return [...new Set([...made, ...kept])];
      },
      onWait: (text: string) => this.options.onProgress?.({ type: 'wait', text }),
    };
    const failures = await executePlan(plan, ctx, { concurrency: this.options.concurrency ?? 4, onProgress: this.options.onProgress, signal: options.signal });
    const rolledBack = failures.length > 0 ? await ctx.rollback.run() : [];
    for (const r of rolledBack) this.options.onProgress?.({ type: 'rollback', ...r });
    this.options.onProgress?.({ type: 'verify' });
    let remaining: Plan | undefined;
    try {
      remaining = await remainingDifferences(stacks, ctx, this.planOptions(options));
    } catch (e) {
      if (failures.length === 0) throw e;
    }
    // Also after a failure: a stack left owning nothing keeps no record to stand in another manager's way —
    // unless it was taken over from another manager just now: its record then names the new manager, so
    // the old one (a running docknet watch) does not make it again.
    const takenOver = (s: Stack) => (host.records.get(s.name)?.manager ?? this.manager) !== this.manager;
    if (remaining) await this.releaseEmpty(stacks.filter((s) => !takenOver(s)), remaining.observed);
    if (failures.length > 0 || (remaining && remaining.actions.length > 0)) throw new ApplyError(failures, remaining, rolledBack);
  }

  /** Records this manager as the manager of the stacks it is about to change (before anything changes). */
  private async claim(stacks: Stack[], host: ObservedHost): Promise<void> {
    for (const stack of stacks) {
      const record = host.records.get(stack.name);
      const origin = stack.origin ?? record?.origin ?? '';
      if (record && record.manager === this.manager && record.origin === origin) continue;
      // The stack is being emptied: no need to claim what is about to go away.
      if (!record && stack.networks.length + stack.containers.length + stack.routes.length === 0) continue;
      if (record) await this.engine.removeVolume(record.volume);
      await this.engine.createVolume(recordVolumeName(stack.name), recordLabels(stack.name, this.manager, origin));
    }
  }

  /** A stack that owns nothing any more loses its record. */
  private async releaseEmpty(stacks: Stack[], host: ObservedHost): Promise<void> {
    for (const stack of stacks) {
      const record = host.records.get(stack.name);
      if (!record) continue;
      if (!ownsAnything(host, stack.name)) await this.engine.removeVolume(record.volume);
    }
  }
}
