// Progress of an apply on stderr. Steps are one line each. An image pull is long work: on a terminal it
// is one live line, rewritten as layers and bytes arrive; piped to a file or a log it stays
// line-oriented and quiet: a line when it starts, one every PULL_INTERVAL_MS, one when it ends.
import { PHASES, type ProgressEvent } from '../lib/apply/apply';
import type { PullEvent } from '../lib/apply/images';

/** Where progress goes (stderr), and whether a person watches it on a terminal. */
export interface ProgressOut {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Lines of a pull when nobody watches a terminal: this often at most, between its start and end. */
export const PULL_INTERVAL_MS = 10_000;
/** Redraws of the live line on a terminal: this often at most. */
const REDRAW_MS = 100;

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** What Docker says of a pull's layers, summed: layers done of those known, bytes downloaded of those announced. */
export class PullState {
  private readonly layers = new Map<string, { done: boolean; current: number; total: number }>();

  add(e: Extract<PullEvent, { type: 'pull' }>): void {
    // Messages about the image as a whole ("Pulling from …", "Digest: …") name no layer or name the tag.
    if (!e.layer || /^Pulling from|^Digest|^Status/.test(e.status)) return;
    const layer = this.layers.get(e.layer) ?? { done: false, current: 0, total: 0 };
    if (e.status === 'Downloading' && e.total) Object.assign(layer, { current: e.current ?? 0, total: e.total });
    if (e.status === 'Download complete') layer.current = layer.total;
    if (e.status === 'Pull complete' || e.status === 'Already exists') Object.assign(layer, { done: true, current: layer.total });
    this.layers.set(e.layer, layer);
  }

  /** Whether Docker has named any layer yet (before that there is nothing to count). */
  get started(): boolean {
    return this.layers.size > 0;
  }

  /** "1 of 3 layers, 1.2 of 4.0 MB (30%)". */
  summary(): string {
    const all = [...this.layers.values()];
    const done = all.filter((l) => l.done).length;
    const total = all.reduce((n, l) => n + l.total, 0);
    const current = all.reduce((n, l) => n + l.current, 0);
    const bytes = total > 0 ? `, ${mb(current)} of ${mb(total)} (${Math.floor((current / total) * 100)}%)` : '';
    return `${done} of ${all.length} layers${bytes}`;
  }

  /** "3 layers, 4.0 MB" once it is over. */
  totals(): string {
    const all = [...this.layers.values()];
    const total = all.reduce((n, l) => n + l.total, 0);
    return `${all.length} ${all.length === 1 ? 'layer' : 'layers'}${total > 0 ? `, ${mb(total)} downloaded` : ''}`;
  }
}

/** A printer of pull events: a live line on a terminal, a few plain lines otherwise. */
export function pullPrinter(out: ProgressOut, now: () => number = Date.now): { onPull(e: PullEvent): void; line(text: string): void } {
  const pulls = new Map<string, { state: PullState; started: number; printed: number }>();
  let live = '';
  const clear = () => {
    if (live) out.write('\r\x1b[K');
    live = '';
  };
  const draw = (text: string) => {
    const width = (out.columns ?? 80) - 1;
    out.write(`\r\x1b[K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    live = text;
  };
  return {
    line(text) {
      const again = live;
      clear();
      out.write(`${text}\n`);
      if (again) draw(again);
    },
    onPull(e) {
      const t = now();
      if (e.type === 'pull-start') {
        pulls.set(e.image, { state: new PullState(), started: t, printed: t });
        if (out.isTTY) draw(`  ↓ pulling ${e.image}…`);
        else out.write(`  ↓ pulling ${e.image}…\n`);
        return;
      }
      const pull = pulls.get(e.image);
      if (!pull) return;
      if (e.type === 'pull') {
        pull.state.add(e);
        const due = t - pull.printed >= (out.isTTY ? REDRAW_MS : PULL_INTERVAL_MS);
        if (!due || !pull.state.started) return;
        pull.printed = t;
        const text = `  ↓ pulling ${e.image}: ${pull.state.summary()}, ${seconds(t - pull.started)}`;
        if (out.isTTY) draw(text);
        else out.write(`${text}\n`);
        return;
      }
      pulls.delete(e.image);
      clear();
      out.write(e.error ? `  ✗ pull ${e.image} failed after ${seconds(e.ms)}: ${e.error}\n` : `  ↓ pulled ${e.image}: ${pull.state.totals()} in ${seconds(e.ms)}\n`);
    },
  };
}

/** The printer of an apply's progress events: step lines, rollbacks, verification, pulls, dependency waits. */
export function progressPrinter(out: ProgressOut, now: () => number = Date.now): (e: ProgressEvent) => void {
  const pulls = pullPrinter(out, now);
  return (e) => {
    if (e.type === 'pull-start' || e.type === 'pull' || e.type === 'pull-end') pulls.onPull(e);
    // A failed step's reason comes once, in the error at the end.
    else if (e.type === 'step-done' || e.type === 'step-failed') pulls.line(`  ${e.type === 'step-done' ? '✓' : '✗'} ${e.phase}/${PHASES} ${e.label} (${(e.ms / 1000).toFixed(2)}s)`);
    else if (e.type === 'rollback') pulls.line(e.error ? `  ✗ rollback failed: ${e.what}: ${e.error}` : `  ↺ rolled back: ${e.what}`);
    else if (e.type === 'verify') pulls.line('  verifying the host against the spec…');
    else if (e.type === 'wait') pulls.line(`  … ${e.text}`);
  };
}
