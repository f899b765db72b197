// Running a plan: phases in order, steps of a phase in parallel (bounded), then verification that the
// host equals the spec. A failure stops before the next phase and says what still differs.
import { EngineError, EngineUnreachable, errorText } from '../drivers/docker';
import { explainEngineError, type FailedObject } from '../drivers/engine-errors';
import type { Stack } from '../model/types';
import { actionSource, type Action, type Plan } from '../plan/actions';
import { observeHost, type HostAccess } from '../plan/observe';
import { planStacks, type PlanOptions } from '../plan/planner';
import { actionTitle } from '../plan/render';
import { formatIssue, issueAt } from '../spec/errors';
import { missingImages, pullImage, type PullEvent } from './images';
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
  | PullEvent
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

/**
 * Every image the plan's containers need, present before anything changes: a replacement whose image
 * cannot be had fails here, with the old container still serving.
 */
export async function prepareImages(plan: Plan, engine: ApplyContext['engine'], onProgress?: (e: ProgressEvent) => void): Promise<void> {
  const failures: { label: string; error: string }[] = [];
  for (const image of await missingImages(plan, engine)) {
    try {
      await pullImage(engine, image, onProgress);
    } catch (e) {
      failures.push({ label: `pull image ${image}`, error: `${errorText(e)} — nothing was changed` });
    }
  }
  if (failures.length > 0) throw new ApplyError(failures, undefined);
}

/** A failed step as a person reads it: where in the spec, and Docker's refusal in plain words. */
async function explainFailure(ctx: ApplyContext, action: Action, e: unknown): Promise<string> {
  const explained =
    e instanceof EngineError && !(e instanceof EngineUnreachable)
      ? await explainEngineError({ engine: ctx.engine, host: ctx.firewall.host }, failedObject(action), e.engineMessage)
      : { path: [], message: errorText(e) };
  const source = actionSource(action);
  return source ? formatIssue(issueAt(source, explained.path, explained.message)) : explained.message;
}

function failedObject(a: Action): FailedObject {
  if (a.kind === 'network') return { kind: a.kind, name: a.name, network: a.desired };
  if (a.kind === 'container') return { kind: a.kind, name: a.name, container: a.desired };
  if (a.kind === 'endpoint') return { kind: a.kind, name: a.network, endpoint: a.endpoint };
  return { kind: a.kind, name: a.name };
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
        const error = await explainFailure(ctx, s.action, e);
        options.onProgress?.({ type: 'step-failed', label: s.label, phase, ms: Date.now() - started, error });
        throw new Error(error);
      }
      options.onProgress?.({ type: 'step-done', label: s.label, phase, ms: Date.now() - started });
    });
    failures.push(...failed.map((f) => ({ label: f.item.label, error: errorText(f.error) })));
    if (failures.length > 0) break;
    if (options.signal?.aborted && phase !== phases[phases.length - 1]) {
      failures.push({ label: 'apply', error: 'interrupted before the next phase (shutting down); the next run converges the rest' });
      break;
    }
  }
  return failures;
}

/** Re-reads the host and plans again: a converged host leaves nothing to do. */
export async function remainingDifferences(stacks: Stack[], ctx: HostAccess, options: PlanOptions = {}): Promise<Plan> {
  return planStacks(stacks, await observeHost(ctx, stacks), options);
}
