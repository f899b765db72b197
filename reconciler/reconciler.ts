// The GitOps loop: fetch → validate → plan → apply → verify, one reconcile at a time, triggers
// coalesced so the newest commit wins. Level-triggered: every reconcile recomputes from the whole
// desired and observed state, so a missed event or a crash costs nothing but the next reconcile.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Logger } from 'pino';
import type { Docknet } from '../lib/docknet';
import { isSpecFile, loadSpecs } from '../lib/spec/load';
import { SpecError, formatPath } from '../lib/spec/errors';
import type { Stack } from '../lib/model/types';
import type { EngineEvent } from '../lib/drivers/docker';
import { LABEL } from '../lib/plan/desired';
import { actionTitle } from '../lib/plan/render';
import type { ReconcilerMetrics } from './metrics';
import type { Revision, SpecSource } from './source';

/** Why a reconcile runs. The first four fetch the source; the rest re-apply the last good revision. */
export type Trigger = 'startup' | 'push' | 'webhook' | 'poll' | 'change' | 'event' | 'resync' | 'engine-restart' | 'resume';
const FETCHING: ReadonlySet<Trigger> = new Set(['startup', 'push', 'webhook', 'poll', 'change', 'resume']);
const DRIFT: ReadonlySet<Trigger> = new Set(['event', 'resync', 'engine-restart']);

export interface StackStatus {
  name: string;
  state: 'synced' | 'failed' | 'removed';
  lastError?: string;
  driftRepairs: number;
  /** Set while repairs of this stack are held back (flapping or failing). */
  backoff?: { seconds: number; until: string; reason: string };
}

export interface RepairRecord {
  at: string;
  stack: string;
  found: string[];
  done: string;
}

export interface ReconcilerStatus {
  source: string;
  suspended: boolean;
  lastAppliedCommit: string | null;
  lastAppliedAt: string | null;
  lastAttemptedCommit: string | null;
  lastError: null | { commit: string | null; file?: string; path?: string; message: string; at: string };
  stacks: StackStatus[];
  driftRepairs: RepairRecord[];
  queue: { running: boolean; pending: Trigger[] };
  engine: 'connected' | 'reconnecting';
}

interface SavedState {
  /** Stacks this reconciler applied and so owns: a stack gone from git is destroyed, and only those. */
  managedStacks: string[];
  lastAppliedCommit: string | null;
  lastAppliedAt: string | null;
}

interface StackHealth {
  repairs: number[];
  failures: number;
  until: number;
  seconds: number;
  reason: string;
}

const REPAIR_WINDOW_MS = 60_000;
const MAX_BACKOFF_S = 300;

export interface ReconcilerOptions {
  source: SpecSource;
  docknet: Docknet;
  stateDir: string;
  logger: Logger;
  metrics: ReconcilerMetrics;
}

export class Reconciler {
  private readonly docknet: Docknet;
  private readonly statePath: string;
  private state: SavedState;
  private readonly pending = new Set<Trigger>();
  private readonly driftStacks = new Set<string>();
  private running: Promise<void> | undefined;
  private lastGood: { rev: Revision; stacks: Stack[] } | undefined;
  private readonly health = new Map<string, StackHealth>();
  private readonly stackStatus = new Map<string, StackStatus>();
  private readonly repairs: RepairRecord[] = [];
  private stopping = new AbortController();
  readonly status: ReconcilerStatus;

  constructor(private readonly options: ReconcilerOptions) {
    this.docknet = options.docknet;
    mkdirSync(options.stateDir, { recursive: true });
    this.statePath = join(options.stateDir, 'state.json');
    this.state = existsSync(this.statePath) ? (JSON.parse(readFileSync(this.statePath, 'utf8')) as SavedState) : { managedStacks: [], lastAppliedCommit: null, lastAppliedAt: null };
    this.status = {
      source: options.source.describe(),
      suspended: false,
      lastAppliedCommit: this.state.lastAppliedCommit,
      lastAppliedAt: this.state.lastAppliedAt,
      lastAttemptedCommit: null,
      lastError: null,
      stacks: [],
      driftRepairs: this.repairs,
      queue: { running: false, pending: [] },
      engine: 'connected',
    };
  }

  private save(): void {
    // Written atomically: a crash leaves the old file or the new one, never half of one.
    writeFileSync(`${this.statePath}.tmp`, JSON.stringify(this.state, null, 2));
    renameSync(`${this.statePath}.tmp`, this.statePath);
  }

  /** Asks for a reconcile; triggers arriving while one runs are coalesced into the next one. */
  trigger(reason: Trigger, stack?: string): void {
    if (this.stopping.signal.aborted) return;
    this.pending.add(reason);
    if (stack) this.driftStacks.add(stack);
    this.status.queue.pending = [...this.pending];
    if (!this.running && !this.status.suspended) this.running = this.loop();
  }

  suspend(): void {
    this.status.suspended = true;
    this.options.logger.info({ event: 'suspended' }, 'reconciliation suspended');
  }

  resume(): void {
    this.status.suspended = false;
    this.options.logger.info({ event: 'resumed' }, 'reconciliation resumed');
    this.trigger('resume');
  }

  /** Resolves when the queue is empty (used by shutdown and tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** SIGTERM: the running apply finishes its current phase, nothing new starts. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.idle();
  }

  private async loop(): Promise<void> {
    this.status.queue.running = true;
    try {
      while (this.pending.size > 0 && !this.status.suspended && !this.stopping.signal.aborted) {
        const reasons = new Set(this.pending);
        const stacks = new Set(this.driftStacks);
        this.pending.clear();
        this.driftStacks.clear();
        this.status.queue.pending = [];
        await this.reconcile(reasons, stacks);
      }
    } finally {
      this.status.queue.running = false;
      this.running = undefined;
    }
  }

  private fail(commit: string | null, message: string, where: { file?: string; path?: string } = {}): void {
    this.status.lastError = { commit, ...where, message, at: new Date().toISOString() };
  }

  private async reconcile(reasons: Set<Trigger>, driftStacks: Set<string>): Promise<void> {
    const started = process.hrtime.bigint();
    const log = this.options.logger.child({ triggers: [...reasons] });
    let result = 'unchanged';
    try {
      const fetching = [...reasons].some((r) => FETCHING.has(r)) || !this.lastGood;
      let target = this.lastGood;
      if (fetching) {
        const rev = await this.options.source.latest();
        this.status.lastAttemptedCommit = rev.id;
        const refusal = await this.options.source.refusal(rev);
        if (refusal) {
          result = 'refused';
          this.fail(rev.id, refusal);
          log.warn({ event: 'refused', commit: rev.id, reason: refusal }, 'commit refused');
          return;
        }
        let stacks: Stack[];
        try {
          // A stack named after its file is that file of the source, whatever commit it comes from.
          const origin = (file: string) => `${this.options.source.describe()}:${relative(rev.root, file)}`;
          stacks = existsSync(rev.specDir) && hasSpecs(rev.specDir) ? loadSpecs([rev.specDir], { origin }) : [];
        } catch (e) {
          if (!(e instanceof SpecError)) throw e;
          result = 'invalid';
          const first = e.issues[0];
          this.fail(rev.id, e.issues.map((i) => `${relative(rev.root, i.file)}${i.position ? `:${i.position}` : ''}: ${formatPath(i.path)}: ${i.message}`).join('\n'), { file: relative(rev.root, first.file), path: formatPath(first.path) });
          log.warn({ event: 'invalid', commit: rev.id, issues: e.issues.length, error: this.status.lastError?.message }, 'commit refused: invalid specs, nothing changed');
          return;
        }
        if (target?.rev.id !== rev.id) this.health.clear(); // a new commit gets a fresh chance
        target = { rev, stacks };
      }
      result = await this.converge(target!, reasons, driftStacks, log);
    } catch (e) {
      result = 'failed';
      this.fail(this.status.lastAttemptedCommit, (e as Error).message);
      log.error({ event: 'failed', error: (e as Error).message }, 'reconcile failed');
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.options.metrics.duration.observe(seconds);
      this.options.metrics.reconciles.inc({ result });
      log.info({ event: 'reconciled', result, seconds: Number(seconds.toFixed(3)), commit: this.status.lastAttemptedCommit }, `reconcile ${result}`);
    }
  }

  private backedOff(stack: string, driftOnly: boolean): boolean {
    const h = this.health.get(stack);
    return driftOnly && h !== undefined && h.until > Date.now();
  }

  private holdBack(stack: string, reason: string): void {
    const h = this.health.get(stack) ?? { repairs: [], failures: 0, until: 0, seconds: 0, reason };
    h.seconds = Math.min(MAX_BACKOFF_S, h.seconds === 0 ? 2 : h.seconds * 2);
    h.until = Date.now() + h.seconds * 1000;
    h.reason = reason;
    this.health.set(stack, h);
    const s = this.stackStatus.get(stack);
    if (s) s.backoff = { seconds: h.seconds, until: new Date(h.until).toISOString(), reason };
    setTimeout(() => this.trigger('resync', stack), h.seconds * 1000).unref();
  }

  private async converge(target: { rev: Revision; stacks: Stack[] }, reasons: Set<Trigger>, driftStacks: Set<string>, log: Logger): Promise<string> {
    const driftOnly = [...reasons].every((r) => DRIFT.has(r));
    const names = target.stacks.map((s) => s.name);
    const removed = this.state.managedStacks.filter((n) => !names.includes(n));
    // Remember every stack before touching the host: a crash mid-apply still knows what it owns.
    this.state.managedStacks = [...new Set([...this.state.managedStacks, ...names])];
    this.save();
    let changed = false;
    const errors: string[] = [];
    for (const stack of target.stacks) {
      if (driftOnly && driftStacks.size > 0 && !driftStacks.has(stack.name) && !reasons.has('resync') && !reasons.has('engine-restart')) continue;
      if (this.backedOff(stack.name, driftOnly)) continue;
      const status = this.stackStatus.get(stack.name) ?? { name: stack.name, state: 'synced', driftRepairs: 0 };
      this.stackStatus.set(stack.name, status);
      try {
        // Planned under the engine's lock, from a fresh observation: no other writer in between.
        const { plan } = await this.docknet.apply([stack], { signal: this.stopping.signal });
        if (plan.actions.length === 0) {
          status.state = 'synced';
          delete status.lastError;
          continue;
        }
        changed = true;
        const found = plan.actions.map((a) => `${actionTitle(a)}: ${a.reasons.join('; ')}`);
        status.state = 'synced';
        delete status.lastError;
        if (driftOnly || this.status.lastAppliedCommit === target.rev.id) this.recordRepair(stack.name, found, status, log);
        else log.info({ event: 'applied', stack: stack.name, commit: target.rev.id, actions: found }, `stack ${stack.name} converged`);
      } catch (e) {
        status.state = 'failed';
        status.lastError = (e as Error).message;
        errors.push(`stack ${stack.name}: ${(e as Error).message}`);
        this.holdBack(stack.name, 'apply failed');
        log.error({ event: 'apply-failed', stack: stack.name, error: status.lastError }, `stack ${stack.name} failed`);
      }
    }
    for (const name of removed) {
      try {
        const result = await this.docknet.destroy([name]);
        changed ||= result.plan.actions.length > 0;
        this.stackStatus.set(name, { name, state: 'removed', driftRepairs: 0 });
        log.info({ event: 'pruned', stack: name, actions: result.plan.actions.length }, `stack ${name} removed from git: its objects are gone`);
      } catch (e) {
        errors.push(`removing stack ${name}: ${(e as Error).message}`);
      }
    }
    this.lastGood = target;
    this.options.source.prune([target.rev.id]);
    if (errors.length > 0) {
      this.fail(target.rev.id, errors.join('\n'));
      this.status.stacks = [...this.stackStatus.values()];
      return 'failed';
    }
    this.state.managedStacks = names;
    if (this.state.lastAppliedCommit !== target.rev.id) {
      this.state.lastAppliedCommit = target.rev.id;
      this.state.lastAppliedAt = new Date().toISOString();
      this.options.metrics.lastAppliedTime.set(Date.now() / 1000);
    }
    this.save();
    this.status.lastAppliedCommit = this.state.lastAppliedCommit;
    this.status.lastAppliedAt = this.state.lastAppliedAt;
    // A drift repair of the last good commit leaves the report of a newer, refused commit standing.
    if (this.status.lastAttemptedCommit === target.rev.id) this.status.lastError = null;
    this.status.stacks = [...this.stackStatus.values()].filter((s) => s.state !== 'removed' || removed.includes(s.name));
    return changed ? 'applied' : 'unchanged';
  }

  private recordRepair(stack: string, found: string[], status: StackStatus, log: Logger): void {
    status.driftRepairs++;
    this.options.metrics.driftRepairs.inc({ stack });
    const record = { at: new Date().toISOString(), stack, found, done: `applied ${found.length} change(s) and verified` };
    this.repairs.unshift(record);
    this.repairs.splice(20);
    log.warn({ event: 'drift-repaired', stack, found }, `drift in stack ${stack} repaired`);
    // Flapping: many repairs in a short time back off instead of fighting in a tight loop.
    const h = this.health.get(stack) ?? { repairs: [], failures: 0, until: 0, seconds: 0, reason: '' };
    const now = Date.now();
    h.repairs = [...h.repairs.filter((t) => now - t < REPAIR_WINDOW_MS), now];
    this.health.set(stack, h);
    if (h.repairs.length >= 3) this.holdBack(stack, `flapping: ${h.repairs.length} repairs within ${REPAIR_WINDOW_MS / 1000}s`);
  }

  /** Docker events about objects of the last good revision trigger a reconcile of their stack. */
  onEngineEvent(e: EngineEvent): void {
    // Events from docknet's own applies only cost one more (no-op) reconcile, coalesced: none is ignored.
    if (!this.lastGood) return;
    const interesting = (e.Type === 'container' && ['die', 'destroy', 'stop', 'kill', 'oom'].includes(e.Action)) || (e.Type === 'network' && ['disconnect', 'destroy'].includes(e.Action));
    if (!interesting) return;
    const attributes = e.Actor.Attributes ?? {};
    const stack =
      e.Type === 'container'
        ? attributes[LABEL.stack]
        : this.lastGood.stacks.find((s) => s.networks.some((n) => n.name === attributes.name))?.name;
    if (stack && this.lastGood.stacks.some((s) => s.name === stack)) {
      this.options.logger.info({ event: 'engine-event', type: e.Type, action: e.Action, stack, object: attributes.name }, 'drift event');
      this.trigger('event', stack);
    }
  }
}

function hasSpecs(dir: string): boolean {
  return readdirSync(dir).some(isSpecFile);
}
