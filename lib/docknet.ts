// The core's front door: what the command line, the Terraform provider, the Pulumi resources and the
// reconciler call. Each operation reads the host fresh (the host is the state).
import { Engine } from './drivers/docker';
import { Firewall } from './drivers/firewall';
import type { Stack } from './model/types';
import type { Plan } from './plan/actions';
import { observeHost, type ObservedHost } from './plan/observe';
import { emptyStack, planStacks, type PlanOptions, type PruneScope } from './plan/planner';
import { ApplyError, executePlan, remainingDifferences, type ProgressEvent } from './apply/apply';

export interface DocknetOptions {
  /** Docker endpoint in DOCKER_HOST syntax; default: DOCKER_HOST, else the local unix socket. */
  dockerHost?: string;
  /** Steps run at once inside a phase. */
  concurrency?: number;
  onProgress?: (e: ProgressEvent) => void;
}

export interface ApplyResult {
  plan: Plan;
  /** Docker API calls made, including planning and verification. */
  apiCalls: number;
}

export class Docknet {
  readonly engine: Engine;
  readonly firewall: Firewall;

  constructor(private readonly options: DocknetOptions = {}) {
    this.engine = new Engine(options.dockerHost);
    this.firewall = new Firewall();
  }

  observe(stacks: Stack[]): Promise<ObservedHost> {
    return observeHost(this.engine, this.firewall, stacks);
  }

  async plan(stacks: Stack[], options: PlanOptions = {}): Promise<Plan> {
    return planStacks(stacks, await this.observe(stacks), options);
  }

  /**
   * Converges the host to the stacks and verifies it; throws ApplyError when it could not.
   * `options.prune` limits what is removed (a front-end converging one resource of a stack).
   */
  async apply(stacks: Stack[], options: PlanOptions & { plan?: Plan; signal?: AbortSignal } = {}): Promise<ApplyResult> {
    const todo = options.plan ?? planStacks(stacks, await this.observe(stacks), options);
    const host = todo.observed;
    const ctx = { engine: this.engine, firewall: this.firewall, host, created: new Map() };
    const failures = await executePlan(todo, ctx, { concurrency: this.options.concurrency ?? 4, onProgress: this.options.onProgress, signal: options.signal });
    if (todo.actions.length > 0 || failures.length > 0) {
      this.options.onProgress?.({ type: 'verify' });
      let remaining: Plan | undefined;
      try {
        remaining = await remainingDifferences(stacks, ctx, options);
      } catch (e) {
        if (failures.length === 0) throw e;
      }
      if (failures.length > 0 || (remaining && remaining.actions.length > 0)) throw new ApplyError(failures, remaining);
    }
    return { plan: todo, apiCalls: this.engine.callCount };
  }

  /** Removes everything the named stacks own, or only the objects in `prune` of one stack. */
  async destroy(stackNames: string[], prune: PruneScope = 'all'): Promise<ApplyResult> {
    return this.apply(stackNames.map(emptyStack), { prune });
  }
}
