// Running a plan: phases in order, steps of a phase in parallel (bounded), then verification that the
// host equals the spec. A failure stops before the next phase and says what still differs.
import type { Stack } from '../model/types';
import type { Plan } from '../plan/actions';
import { observeHost } from '../plan/observe';
import { planStacks, type PlanOptions } from '../plan/planner';
import { actionTitle } from '../plan/render';
import { runBounded } from './pool';
import type { RollbackOutcome } from './rollback';
import { dependencyOrder } from './dependencies';
import { stepsFor, type ApplyContext, type Step } from './steps';

/** Phases of an apply: what goes away (1, 2), then what comes (3, 4, 5). */
export const PHASES = 5;

export type ProgressEvent =
  | { type: 'step-start'; label: string; phase: number }
  | { type: 'step-done'; label: string; phase: number; ms: number }
  | { type: 'step-failed'; label: string; phase: number; ms: number; error: string }
  | { type: 'pull'; image: string; status: string; layer?: string; current?: number; total?: number }
  | { type: 'rollback'; what: string; error?: string }
  | { type: 'wait'; text: string }
  | { type: 'verify' };

export interface ApplyOptions {
  concurrency: number;
  onProgress?: (e: ProgressEvent) => void;
  /** Aborting lets the running phase finish, then stops before the next one. */
  signal?: AbortSignal;
}

export class ApplyError extends Error {
  constructor(
    readonly failures: { label: string; error: string }[],
    readonly remaining: Plan | undefined,
    readonly rolledBack: RollbackOutcome[] = [],
  ) {
    const lines = failures.map((f) => `  ${f.label}: ${f.error}`);
    for (const r of rolledBack) lines.push(r.error ? `rollback failed: ${r.what}: ${r.error}` : `rolled back: ${r.what}`);
    if (remaining && remaining.actions.length > 0) {
      lines.push('the host still differs from the spec:');
      for (const a of remaining.actions) lines.push(`  ${actionTitle(a)}: ${a.reasons.join('; ')}`);
    }
    super(failures.length > 0 ? `apply failed:\n${lines.join('\n')}` : `apply did not converge:\n${lines.join('\n')}`);
    this.name = 'ApplyError';
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Every image the plan's containers need, present before anything changes: a replacement whose image
 * cannot be had fails here, with the old container still serving.
 */
export async function prepareImages(plan: Plan, engine: ApplyContext['engine'], onProgress?: (e: ProgressEvent) => void): Promise<void> {
  const images = new Set(plan.actions.flatMap((a) => (a.kind === 'container' && (a.op === 'create' || a.op === 'replace') ? [a.desired!.image] : [])));
  const failures: { label: string; error: string }[] = [];
  for (const image of images) {
    if (await engine.hasImage(image)) continue;
    try {
      await engine.pullImage(image, (p) => onProgress?.({ type: 'pull', image, ...p }));
    } catch (e) {
      failures.push({ label: `pull image ${image}`, error: `${message(e)} — nothing was changed` });
    }
  }
  if (failures.length > 0) throw new ApplyError(failures, undefined);
}

export async function executePlan(plan: Plan, ctx: ApplyContext, options: ApplyOptions): Promise<{ label: string; error: string }[]> {
  const steps: Step[] = plan.actions.flatMap(stepsFor);
  const phases = [...new Set(steps.map((s) => s.phase))].sort((a, b) => a - b);
  const failures: { label: string; error: string }[] = [];
  for (const phase of phases) {
    const batch = dependencyOrder(steps.filter((s) => s.phase === phase));
    const failed = await runBounded(batch, options.concurrency, async (s) => {
      const started = Date.now();
      options.onProgress?.({ type: 'step-start', label: s.label, phase });
      try {
        await s.run(ctx);
      } catch (e) {
        options.onProgress?.({ type: 'step-failed', label: s.label, phase, ms: Date.now() - started, error: message(e) });
        throw e;
      }
      options.onProgress?.({ type: 'step-done', label: s.label, phase, ms: Date.now() - started });
    });
    failures.push(...failed.map((f) => ({ label: f.item.label, error: message(f.error) })));
    if (failures.length > 0) break;
    if (options.signal?.aborted && phase !== phases[phases.length - 1]) {
      failures.push({ label: 'apply', error: 'interrupted before the next phase (shutting down); the next run converges the rest' });
      break;
    }
  }
  return failures;
}

/** Re-reads the host and plans again: a converged host leaves nothing to do. */
export async function remainingDifferences(stacks: Stack[], ctx: Pick<ApplyContext, 'engine' | 'firewall'>, options: PlanOptions = {}): Promise<Plan> {
  return planStacks(stacks, await observeHost(ctx.engine, ctx.firewall, stacks), options);
}
