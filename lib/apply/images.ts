// Images, present before anything changes. A pull reports its start, Docker's progress messages
// (per layer: status, bytes) and its end, so a front-end can show progress on long downloads.
import { errorText, type Engine } from '../drivers/docker';
import type { Plan } from '../plan/actions';

export type PullEvent =
  | { type: 'pull-start'; image: string }
  | { type: 'pull'; image: string; status: string; layer?: string; current?: number; total?: number }
  | { type: 'pull-end'; image: string; ms: number; error?: string };

/** Pulls an image, telling `onProgress` how it goes; throws what the engine answered. */
export async function pullImage(engine: Pick<Engine, 'pullImage'>, image: string, onProgress?: (e: PullEvent) => void): Promise<void> {
  const started = Date.now();
  onProgress?.({ type: 'pull-start', image });
  try {
    await engine.pullImage(image, (p) => onProgress?.({ type: 'pull', image, ...p }));
  } catch (e) {
    onProgress?.({ type: 'pull-end', image, ms: Date.now() - started, error: errorText(e) });
    throw e;
  }
  onProgress?.({ type: 'pull-end', image, ms: Date.now() - started });
}

/** The images a plan's new containers need that the engine does not have yet. */
export async function missingImages(plan: Plan, engine: Pick<Engine, 'hasImage'>): Promise<string[]> {
  const images = new Set(plan.actions.flatMap((a) => (a.kind === 'container' && (a.op === 'create' || a.op === 'replace') ? [a.desired!.image] : [])));
  const missing: string[] = [];
  for (const image of images) if (!(await engine.hasImage(image))) missing.push(image);
  return missing;
}
