// The GitOps loop: fetch → validate → plan → apply → verify, one reconcile at a time, triggers
// coalesced so the newest commit wins. Level-triggered: every reconcile recomputes from the whole
// desired and observed state, so a missed event or a crash costs nothing but the next reconcile.
//
// Nothing is destroyed because something is absent: a missing spec folder is an error that changes
// nothing, an empty one prunes only with allowEmpty, a commit that would remove more than maxPrune
// stacks is held until a person allows it, a file of a live folder must stay deleted for a moment
// before its stack goes, and a stack another manager owns is left alone (shown as managed-elsewhere).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Logger } from 'pino';
import type { Docknet } from '../lib/docknet';
import { isSpecFile, loadSpecs } from '../lib/spec/load';
import { SpecError, formatPath } from '../lib/spec/errors';
import type { Stack } from '../lib/model/types';
import { EngineUnreachable, type EngineEvent } from '../lib/drivers/docker';
import { describeEndpoint } from '../lib/drivers/endpoint';
import { LABEL } from '../lib/plan/desired';
import { ManagerConflict, stackManager } from '../lib/plan/ownership';
import { dependencyOrder } from '../lib/plan/planner';
import type { ObservedHost } from '../lib/plan/observe';
import type { Plan } from '../lib/plan/actions';
import { actionTitle } from '../lib/plan/render';
import type { ReconcilerMetrics } from './metrics';
import { ALLOW_PRUNE_TRAILER, type Revision, type SpecSource } from './source';

/** Why a reconcile runs. The fetching ones read the source; the rest re-apply the last good revision. */
export type Trigger = 'startup' | 'push' | 'webhook' | 'poll' | 'change' | 'event' | 'resync' | 'engine-restart' | 'resume' | 'allow-prune';
const FETCHING: ReadonlySet<Trigger> = new Set(['startup', 'push', 'webhook', 'poll', 'change', 'resume', 'allow-prune']);
const DRIFT: ReadonlySet<Trigger> = new Set(['event', 'resync', 'engine-restart']);

export interface StackStatus {
  name: string;
  /**
   * synced: converged and verified; failed: the last apply failed (see lastError, backoff);
   * removed: gone from the source, its objects removed; managed-elsewhere: another manager (the CLI,
   * Terraform, Pulumi, another reconciler) owns it: never changed or removed by this reconciler;
   * prune-held: gone from the source, but removing it is held (see pruneHold);
   * removal-pending: its file just disappeared from a live folder: removed if it stays away.
   */
  state: 'synced' | 'failed' | 'removed' | 'managed-elsewhere' | 'prune-held' | 'removal-pending';
  lastError?: string;
  driftRepairs: number;
  /** Set while repairs of this stack are held back (flapping or failing). */
  backoff?: { seconds: number; until: string; reason: string };
  /** managed-elsewhere: its manager (cli, terraform, pulumi, watch:<id>) and since when. */
  manager?: string;
  since?: string;
}

export interface RepairRecord {
  at: string;
  stack: string;
  found: string[];
  done: string;
}

/** A commit that would remove more stacks than allowed: nothing of it is removed until a person allows it. */
export interface PruneHold {
  commit: string;
  stacks: string[];
  maxPrune: number;
  since: string;
  /** How to allow it, for a person. */
  allow: string;
}

export type ProblemReason = 'invalid' | 'unsigned' | 'missing-folder' | 'empty-folder' | 'prune-held' | 'source-failed' | 'failed';

export interface ReconcilerStatus {
  source: string;
  /** The manager this reconciler acts as: watch:<id>. */
  manager: string;
  suspended: boolean;
  lastAppliedCommit: string | null;
  lastAppliedAt: string | null;
  lastAttemptedCommit: string | null;
  lastError: null | { commit: string | null; reason: ProblemReason; file?: string; path?: string; message: string; at: string };
  pruneHold: PruneHold | null;
  stacks: StackStatus[];
  driftRepairs: RepairRecord[];
  queue: { running: boolean; pending: Trigger[] };
  engine: 'connected' | 'reconnecting';
  /** The engine's endpoint and how it was chosen: ssh://ops@h1 (from --host). */
  endpoint: string;
  /** Things a person should know that are not errors of a commit (a corrupt state file set aside). */
  warnings: string[];
}

interface SavedState {
  /** Stacks this reconciler applied and so owns: a stack gone from git is destroyed, and only those. */
  managedStacks: string[];
  lastAppliedCommit: string | null;
  lastAppliedAt: string | null;
  /** Stacks a person allowed to be removed beyond --max-prune (POST /allow-prune). */
  allowedPrune?: string[];
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
  /** A revision whose spec folder holds no spec file may remove stacks (default: refused). */
  allowEmpty?: boolean;
  /** A revision may remove at most this many stacks without a person allowing it (default 1). */
  maxPrune?: number;
  /** Stacks managed by one of these (e.g. an earlier watch:<id>) are taken over instead of left alone. */
  takeOverFrom?: string[];
  /** How a person allows a held prune, given the commit (for /status and logs). */
  allowHint?: (commit: string) => string;
}

/** The engine is not answering (stopped, restarting): nothing to hold against a stack. */
function engineUnreachable(e: unknown): boolean {
  return e instanceof EngineUnreachable;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function hasSpecs(dir: string): boolean {
  return readdirSync(dir).some(isSpecFile);
}

/** Folders of a revision (two levels deep) that hold spec files: where a moved spec folder went. */
function specFolders(root: string): string[] {
  const found: string[] = [];
  const visit = (dir: string, depth: number) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const p = join(dir, entry.name);
      if (hasSpecs(p)) found.push(relative(root, p));
      if (depth < 2) visit(p, depth + 1);
    }
  };
  try {
    if (hasSpecs(root)) found.push('.');
    visit(root, 1);
  } catch {
    // an unreadable folder: no hint
  }
  return found.slice(0, 5);
}

export class Reconciler {
  private readonly docknet: Docknet;
  private readonly statePath: string;
  private state: SavedState;
  private readonly pending = new Set<Trigger>();
  private readonly driftStacks = new Set<string>();
  private running: Promise<void> | undefined;
  private lastGood: { rev: Revision; stacks: Stack[]; allowPrune: string[] } | undefined;
  private readonly health = new Map<string, StackHealth>();
  private readonly stackStatus = new Map<string, StackStatus>();
  private readonly repairs: RepairRecord[] = [];
  /** Stacks another manager owns: left alone, checked again only at a resync or a new commit. */
  private readonly elsewhere = new Map<string, { manager: string; since: string }>();
  /** Stacks whose file disappeared from a live folder, and since when. */
  private readonly absentSince = new Map<string, number>();
  /** Whether this reconciler's stacks recorded on the engine were added to the state (once). */
  private adopted = false;
  private readonly maxPrune: number;
  private stopping = new AbortController();
  readonly status: ReconcilerStatus;

  constructor(private readonly options: ReconcilerOptions) {
    this.docknet = options.docknet;
    this.maxPrune = options.maxPrune ?? 1;
    mkdirSync(options.stateDir, { recursive: true });
    this.statePath = join(options.stateDir, 'state.json');
    const warnings: string[] = [];
    this.state = this.load(warnings);
    this.status = {
      source: options.source.describe(),
      manager: this.docknet.manager,
      suspended: false,
      lastAppliedCommit: this.state.lastAppliedCommit,
      lastAppliedAt: this.state.lastAppliedAt,
      lastAttemptedCommit: null,
      lastError: null,
      pruneHold: null,
      stacks: [],
      driftRepairs: this.repairs,
      queue: { running: false, pending: [] },
      engine: 'connected',
      endpoint: describeEndpoint(this.docknet.engine.target),
      warnings,
    };
  }

  /** The saved state; a file that cannot be read is set aside (for a person to look at) and reported, never a crash. */
  private load(warnings: string[]): SavedState {
    const fresh: SavedState = { managedStacks: [], lastAppliedCommit: null, lastAppliedAt: null, allowedPrune: [] };
    if (!existsSync(this.statePath)) return fresh;
    try {
      const s = JSON.parse(readFileSync(this.statePath, 'utf8')) as SavedState;
      const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
      const nullableString = (v: unknown) => v === null || typeof v === 'string';
      if (typeof s !== 'object' || s === null || !strings(s.managedStacks) || !nullableString(s.lastAppliedCommit) || !nullableString(s.lastAppliedAt) || (s.allowedPrune !== undefined && !strings(s.allowedPrune))) {
        throw new Error('not a state file of docknet watch (managedStacks, lastAppliedCommit, lastAppliedAt)');
      }
      return { ...s, allowedPrune: s.allowedPrune ?? [] };
    } catch (e) {
      const aside = `${this.statePath}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      renameSync(this.statePath, aside);
      const message = `the state file ${this.statePath} could not be read (${(e as Error).message}); it was kept as ${aside} and the reconciler started from a clean state (the stacks it manages are read back from their records on the engine)`;
      warnings.push(message);
      this.options.logger.error({ event: 'state-corrupt', file: this.statePath, keptAs: aside, error: (e as Error).message }, message);
      return fresh;
    }
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

  /** The engine answers again after an outage: every stack gets a fresh chance at once. */
  engineBack(): void {
    this.health.clear();
    for (const s of this.stackStatus.values()) delete s.backoff;
    this.status.engine = 'connected';
    this.trigger('engine-restart');
  }

  /**
   * A person allows the held prune of `commit` (its id, or a prefix of at least 7 characters).
   * Returns what was allowed, or why nothing was.
   */
  allowPrune(commit: string): { allowed: PruneHold } | { refused: string } {
    const hold = this.status.pruneHold;
    if (!hold) return { refused: 'no prune is held' };
    if (commit.length < 7 || !hold.commit.startsWith(commit)) return { refused: `the held prune is of commit ${hold.commit}, not ${commit}` };
    this.state.allowedPrune = [...new Set([...(this.state.allowedPrune ?? []), ...hold.stacks])];
    this.save();
    this.options.logger.warn({ event: 'prune-allowed', commit: hold.commit, stacks: hold.stacks }, `a person allowed commit ${hold.commit.slice(0, 12)} to remove ${hold.stacks.join(', ')}`);
    this.trigger('allow-prune');
    return { allowed: hold };
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

  private fail(commit: string | null, reason: ProblemReason, message: string, where: { file?: string; path?: string } = {}): void {
    this.status.lastError = { commit, reason, ...where, message, at: new Date().toISOString() };
  }

  private async reconcile(reasons: Set<Trigger>, driftStacks: Set<string>): Promise<void> {
    const started = process.hrtime.bigint();
    const log = this.options.logger.child({ triggers: [...reasons] });
    let result = 'unchanged';
    try {
      const fetching = [...reasons].some((r) => FETCHING.has(r)) || !this.lastGood;
      let target = this.lastGood;
      if (fetching) {
        let rev: Revision;
        try {
          rev = await this.options.source.latest();
        } catch (e) {
          // A fetch that fails or hangs (stopped at --git-timeout) changes nothing: the last good commit stays.
          result = 'source-failed';
          this.fail(this.status.lastAttemptedCommit, 'source-failed', `reading ${this.options.source.describe()} failed; nothing changed: ${(e as Error).message}`);
          log.error({ event: 'source-failed', error: (e as Error).message }, 'reading the source failed');
          return;
        }
        this.status.lastAttemptedCommit = rev.id;
        const refusal = await this.options.source.refusal(rev);
        if (refusal) {
          result = 'refused';
          this.fail(rev.id, 'unsigned', refusal);
          log.warn({ event: 'refused', commit: rev.id, reason: refusal }, 'commit refused');
          return;
        }
        if (!isDirectory(rev.specDir)) {
          // A moved folder (git mv specs net), a mistyped --path, an unmounted --dir: never "every stack removed".
          result = 'refused';
          const moved = specFolders(rev.root);
          this.fail(rev.id, 'missing-folder', `the spec ${rev.where} does not exist: nothing was changed, no stack removed${moved.length > 0 ? ` (spec files are in: ${moved.join(', ')} — was the folder moved, or is --path wrong?)` : ' (is --path or --dir wrong, or the folder not mounted?)'}`);
          log.error({ event: 'missing-folder', commit: rev.id, folder: rev.specDir, specFolders: moved }, this.status.lastError!.message);
          return;
        }
        let stacks: Stack[];
        try {
          // A stack named after its file is that file of the source, whatever commit it comes from.
          const origin = (file: string) => `${this.options.source.describe()}:${relative(rev.root, file)}`;
          const dirs = [rev.specDir, ...(rev.extraSpecDirs ?? [])].filter(hasSpecs);
          stacks = dirs.length > 0 ? loadSpecs(dirs, { origin }) : [];
        } catch (e) {
          if (!(e instanceof SpecError)) throw e;
          result = 'invalid';
          const first = e.issues[0];
          this.fail(rev.id, 'invalid', e.issues.map((i) => `${relative(rev.root, i.file)}${i.position ? `:${i.position}` : ''}: ${formatPath(i.path)}: ${i.message}`).join('\n'), { file: relative(rev.root, first.file), path: formatPath(first.path) });
          log.warn({ event: 'invalid', commit: rev.id, issues: e.issues.length, error: this.status.lastError?.message }, 'commit refused: invalid specs, nothing changed');
          return;
        }
        if (stacks.length === 0 && !this.options.allowEmpty) {
          await this.adoptRecorded(log);
          const wouldRemove = this.ours();
          if (wouldRemove.length > 0) {
            result = 'refused';
            this.fail(rev.id, 'empty-folder', `the spec ${rev.where} holds no spec file: it would remove every stack (${wouldRemove.join(', ')}); nothing was changed. To remove them all, start docknet watch with --allow-empty`);
            log.error({ event: 'empty-folder', commit: rev.id, stacks: wouldRemove }, this.status.lastError!.message);
            return;
          }
        }
        const allowPrune = this.options.source.pruneAllowances ? await this.options.source.pruneAllowances(rev) : [];
        if (target?.rev.id !== rev.id) {
          // A new commit gets a fresh chance, also with stacks managed elsewhere.
          this.health.clear();
          for (const s of this.stackStatus.values()) delete s.backoff;
          // Another manager's stack that the new commit no longer has is none of this reconciler's business.
          for (const n of [...this.elsewhere.keys()]) if (!stacks.some((s) => s.name === n)) this.elsewhere.delete(n);
        }
        target = { rev, stacks, allowPrune };
      }
      result = await this.converge(target!, reasons, driftStacks, log);
    } catch (e) {
      result = 'failed';
      this.fail(this.status.lastAttemptedCommit, 'failed', (e as Error).message);
      log.error({ event: 'failed', error: (e as Error).message }, 'reconcile failed');
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.options.metrics.duration.observe(seconds);
      this.options.metrics.reconciles.inc({ result });
      log.info({ event: 'reconciled', result, seconds: Number(seconds.toFixed(3)), commit: this.status.lastAttemptedCommit }, `reconcile ${result}`);
    }
  }

  /** The stacks this reconciler manages now (applied by it, not taken over by another manager since). */
  private ours(): string[] {
    return this.state.managedStacks.filter((n) => !this.elsewhere.has(n));
  }

  /**
   * Once: the stacks whose record on the engine names this reconciler are its own, whatever the state
   * file says (lost, or set aside as corrupt). Only this reconciler's exact identity counts.
   */
  private async adoptRecorded(log: Logger): Promise<void> {
    if (this.adopted) return;
    const host = await this.docknet.observe([]);
    const mine = [...host.records.values()].filter((r) => r.manager === this.docknet.manager).map((r) => r.stack);
    const added = mine.filter((n) => !this.state.managedStacks.includes(n));
    if (added.length > 0) {
      this.state.managedStacks = [...this.state.managedStacks, ...added];
      this.save();
      log.info({ event: 'adopted-records', stacks: added }, `stacks recorded on the engine as managed by ${this.docknet.manager}: ${added.join(', ')}`);
    }
    this.adopted = true;
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

  /** Reports a stack another manager owns; it is left alone (and logged once, when that starts). */
  private managedElsewhere(name: string, host: ObservedHost | undefined, conflict: string | undefined, log: Logger): void {
    const objects = host ? [...host.networks.values(), ...host.containers.values()] : [];
    const current = host ? stackManager(name, host.records, objects) : undefined;
    const manager = current?.manager ?? 'another manager';
    const since = current?.since ?? '';
    const status = this.stackStatus.get(name) ?? { name, state: 'managed-elsewhere', driftRepairs: 0 };
    status.state = 'managed-elsewhere';
    status.manager = manager;
    status.since = since || undefined;
    delete status.backoff;
    status.lastError = `managed by ${manager}${since ? ` since ${since}` : ''}: this reconciler does not change or remove it`;
    this.stackStatus.set(name, status);
    const before = this.elsewhere.get(name);
    this.elsewhere.set(name, { manager, since });
    if (!before || before.manager !== manager) {
      log.warn({ event: 'managed-elsewhere', stack: name, manager, since, conflict }, `stack ${name} is managed by ${manager}${since ? ` since ${since}` : ''}: left alone (it is checked again at each resync and new commit)`);
    }
  }

  private async converge(target: { rev: Revision; stacks: Stack[]; allowPrune: string[] }, reasons: Set<Trigger>, driftStacks: Set<string>, log: Logger): Promise<string> {
    const driftOnly = [...reasons].every((r) => DRIFT.has(r));
    const atResync = reasons.has('resync') || reasons.has('engine-restart');
    await this.adoptRecorded(log);
    const names = target.stacks.map((s) => s.name);
    // Remember every stack before touching the host: a crash mid-apply still knows what it owns.
    this.state.managedStacks = [...new Set([...this.state.managedStacks, ...names])];
    this.save();
    let changed = false;
    let engineDown = false;
    const errors: string[] = [];
    // One observation for every stack: a stack with nothing to do costs no lock and no further call.
    const quick = await this.docknet.planEach(target.stacks).catch(() => undefined);
    for (const stack of dependencyOrder(target.stacks)) {
      if (driftOnly && driftStacks.size > 0 && !driftStacks.has(stack.name) && !atResync) continue;
      if (this.backedOff(stack.name, driftOnly)) continue;
      // Another manager's stack: not retried on every event, only at a resync or a new commit.
      if (this.elsewhere.has(stack.name) && driftOnly && !atResync) continue;
      const status = this.stackStatus.get(stack.name) ?? { name: stack.name, state: 'synced', driftRepairs: 0 };
      this.stackStatus.set(stack.name, status);
      const planned = quick?.get(stack.name);
      if (planned && !(planned instanceof Error) && this.docknet.settled(stack.name, planned)) {
        status.state = 'synced';
        delete status.lastError;
        continue;
      }
      try {
        // Planned under the engine's lock, from a fresh observation: no other writer in between.
        const { plan, takenOver } = await this.applyStack(stack);
        const record = plan.observed.records.get(stack.name);
        if (plan.actions.length === 0 && record && record.manager !== this.docknet.manager && !takenOver) {
          // Nothing to change, but the stack is another manager's (it applied the same spec).
          this.managedElsewhere(stack.name, plan.observed, undefined, log);
          continue;
        }
        if (this.elsewhere.delete(stack.name)) log.info({ event: 'managed-here', stack: stack.name }, `stack ${stack.name} is managed by this reconciler again`);
        delete status.manager;
        delete status.since;
        status.state = 'synced';
        delete status.lastError;
        if (plan.actions.length === 0) continue;
        changed = true;
        const found = plan.actions.map((a) => `${actionTitle(a)}: ${a.reasons.join('; ')}`);
        if (driftOnly || this.status.lastAppliedCommit === target.rev.id) this.recordRepair(stack.name, found, status, log);
        else log.info({ event: 'applied', stack: stack.name, commit: target.rev.id, actions: found }, `stack ${stack.name} converged`);
      } catch (e) {
        if (e instanceof ManagerConflict) {
          this.managedElsewhere(stack.name, await this.docknet.observe([]).catch(() => undefined), e.message, log);
          continue;
        }
        if (engineUnreachable(e)) {
          // Not the stack's fault: nothing is held against it; the engine's return triggers a reconcile.
          engineDown = true;
          this.status.engine = 'reconnecting';
          errors.push(`the Docker engine does not answer: ${(e as Error).message}`);
          log.error({ event: 'engine-unreachable', error: (e as Error).message }, 'the Docker engine does not answer');
          break;
        }
        status.state = 'failed';
        status.lastError = (e as Error).message;
        errors.push(`stack ${stack.name}: ${(e as Error).message}`);
        this.holdBack(stack.name, 'apply failed');
        log.error({ event: 'apply-failed', stack: stack.name, error: status.lastError }, `stack ${stack.name} failed`);
      }
    }
    const { kept, removed } = engineDown ? { kept: this.state.managedStacks, removed: [] } : await this.prune(target, names, errors, log);
    changed ||= removed.length > 0;
    this.lastGood = target;
    this.options.source.prune([target.rev.id]);
    // What it owns now: the stacks of the revision and those not removed (held, pending, failed), never another manager's.
    this.state.managedStacks = [...new Set([...names, ...kept])].filter((n) => !this.elsewhere.has(n));
    this.save();
    // Shown: the revision's stacks, those not removed yet, those removed just now, and other managers' stacks.
    const shown = new Set([...names, ...kept, ...removed, ...this.elsewhere.keys()]);
    for (const name of [...this.stackStatus.keys()]) if (!shown.has(name)) this.stackStatus.delete(name);
    this.status.stacks = [...this.stackStatus.values()];
    if (errors.length > 0) {
      this.fail(target.rev.id, 'failed', errors.join('\n'));
      return 'failed';
    }
    if (this.status.pruneHold) {
      this.fail(target.rev.id, 'prune-held', this.holdMessage(this.status.pruneHold));
      return 'held';
    }
    if (kept.some((n) => this.absentSince.has(n))) return changed ? 'applied' : 'unchanged'; // not all of it yet
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
    return changed ? 'applied' : 'unchanged';
  }

  private holdMessage(hold: PruneHold): string {
    return (
      `commit ${hold.commit.slice(0, 12)} would remove ${hold.stacks.length} stacks (${hold.stacks.join(', ')}), more than --max-prune ${hold.maxPrune}: ` +
      `none of them is removed until a person allows it (${hold.allow}); the other stacks are kept converged meanwhile`
    );
  }

  /** Stacks this reconciler owns that the revision no longer has, removed within the guards. Returns those kept. */
  private async prune(target: { rev: Revision; stacks: Stack[]; allowPrune: string[] }, names: string[], errors: string[], log: Logger): Promise<{ kept: string[]; removed: string[] }> {
    const gone = this.ours().filter((n) => !names.includes(n));
    const kept: string[] = [];
    const removed: string[] = [];
    // A stack back in the revision ends its pending removal and any allowance to remove it.
    for (const n of [...this.absentSince.keys()]) if (!gone.includes(n)) this.absentSince.delete(n);
    const allowed = (this.state.allowedPrune ?? []).filter((n) => !names.includes(n));
    if (allowed.length !== (this.state.allowedPrune ?? []).length) this.state.allowedPrune = allowed;

    // A live folder: a file deleted and written again by an editor is not a removal.
    let due = gone;
    const delay = this.options.source.removalDelayMs ?? 0;
    if (delay > 0) {
      const now = Date.now();
      for (const n of gone) if (!this.absentSince.has(n)) this.absentSince.set(n, now);
      due = gone.filter((n) => now - this.absentSince.get(n)! >= delay);
      const waiting = gone.filter((n) => !due.includes(n));
      for (const n of waiting) {
        kept.push(n);
        this.stackStatus.set(n, { ...(this.stackStatus.get(n) ?? { name: n, driftRepairs: 0 }), state: 'removal-pending', lastError: `its file is gone from the folder: removed if it stays away ${delay / 1000}s` });
      }
      if (waiting.length > 0) {
        const next = Math.min(...waiting.map((n) => this.absentSince.get(n)! + delay - now));
        setTimeout(() => this.trigger('change'), Math.max(next, 50)).unref();
        log.info({ event: 'removal-pending', stacks: waiting, seconds: delay / 1000 }, `spec files gone: ${waiting.join(', ')} removed if they stay away ${delay / 1000}s`);
      }
    }

    // More removals than --max-prune: all of them are held until a person allows it.
    const allowedNow = new Set([...(this.state.allowedPrune ?? []), ...target.allowPrune]);
    const unallowed = due.filter((n) => !allowedNow.has(n) && !allowedNow.has('*'));
    if (unallowed.length > this.maxPrune) {
      const previous = this.status.pruneHold;
      const same = previous?.commit === target.rev.id && previous.stacks.join() === due.join();
      const hold: PruneHold = same
        ? previous!
        : { commit: target.rev.id, stacks: due, maxPrune: this.maxPrune, since: new Date().toISOString(), allow: this.options.allowHint?.(target.rev.id) ?? `POST /allow-prune {"commit":"${target.rev.id}"}` };
      this.status.pruneHold = hold;
      for (const n of due) {
        kept.push(n);
        this.stackStatus.set(n, { ...(this.stackStatus.get(n) ?? { name: n, driftRepairs: 0 }), state: 'prune-held', lastError: `removed from the source in ${target.rev.id.slice(0, 12)}; removal held (${hold.stacks.length} stacks > --max-prune ${hold.maxPrune})` });
      }
      if (!same) log.error({ event: 'prune-held', commit: target.rev.id, stacks: due, maxPrune: this.maxPrune }, this.holdMessage(hold));
      return { kept, removed };
    }
    this.status.pruneHold = null;

    for (const name of due) {
      try {
        const result = await this.docknet.destroy([name], 'all', { signal: this.stopping.signal });
        const record = result.plan.observed.records.get(name);
        if (result.plan.actions.length === 0 && record && record.manager !== this.docknet.manager) {
          // It owns nothing that is ours to remove: another manager keeps it.
          this.managedElsewhere(name, result.plan.observed, undefined, log);
          continue;
        }
        removed.push(name);
        this.absentSince.delete(name);
        this.state.allowedPrune = (this.state.allowedPrune ?? []).filter((n) => n !== name);
        this.stackStatus.set(name, { name, state: 'removed', driftRepairs: 0 });
        log.info({ event: 'pruned', stack: name, actions: result.plan.actions.length }, `stack ${name} removed from the source: its objects are gone`);
      } catch (e) {
        if (e instanceof ManagerConflict) {
          // Pruning another manager's stack is refused: it stays, and is no longer this reconciler's.
          this.managedElsewhere(name, await this.docknet.observe([]).catch(() => undefined), e.message, log);
          continue;
        }
        kept.push(name);
        errors.push(`removing stack ${name}: ${(e as Error).message}`);
      }
    }
    return { kept, removed };
  }

  /**
   * Applies one stack. When another manager owns it and that manager is one this reconciler was told
   * to take stacks over from (--take-over-from, e.g. its own earlier identity), it takes it over.
   */
  private async applyStack(stack: Stack): Promise<{ plan: Plan; takenOver?: boolean }> {
    const from = this.options.takeOverFrom ?? [];
    const takeOver = (manager: string) => {
      this.options.logger.warn({ event: 'take-over', stack: stack.name, from: manager }, `taking stack ${stack.name} over from ${manager} (--take-over-from)`);
      return this.docknet.apply([stack], { signal: this.stopping.signal, takeOver: true }).then((r) => ({ ...r, takenOver: true }));
    };
    let result: { plan: Plan };
    try {
      result = await this.docknet.apply([stack], { signal: this.stopping.signal });
    } catch (e) {
      if (!(e instanceof ManagerConflict) || from.length === 0) throw e;
      const host = await this.docknet.observe([]);
      const current = stackManager(stack.name, host.records, [...host.networks.values(), ...host.containers.values()]);
      if (!current || !from.includes(current.manager)) throw e;
      return takeOver(current.manager);
    }
    // Nothing to change, but recorded for a manager it may take over from: it becomes this reconciler's.
    const record = result.plan.observed.records.get(stack.name);
    if (result.plan.actions.length === 0 && record && record.manager !== this.docknet.manager && from.includes(record.manager)) return takeOver(record.manager);
    return result;
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

export { ALLOW_PRUNE_TRAILER };
