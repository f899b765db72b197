// The progress printer of the command line, fed with the progress events of a real pull, recorded
// from Docker 20.10 pulling from a loopback test registry (test/registry.ts; the same pull runs for real
// in test/integration/progress.test.ts): what a person sees on a terminal and in a log.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PullEvent } from '../../lib/apply/images';
import { progressPrinter, type ProgressOut } from '../../bin/progress';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'unit', 'fixtures');
const recorded = (JSON.parse(readFileSync(join(FIXTURES, 'pull-events-20.10.json'), 'utf8')) as { events: ({ ms: number } & Omit<Extract<PullEvent, { type: 'pull' }>, 'type' | 'image'>)[] }).events;
const IMAGE = '127.0.0.1:5000/docknet/pulltest:1';

/** Plays the recorded pull into a printer, `slower` times as slow, and returns what it wrote. */
function play(out: { isTTY: boolean; columns?: number }, slower = 1): string {
  let now = 0;
  let text = '';
  const sink: ProgressOut = { ...out, write: (s: string) => (text += s) };
  const print = progressPrinter(sink, () => now);
  print({ type: 'pull-start', image: IMAGE });
  for (const { ms, ...e } of recorded) {
    now = ms * slower;
    print({ type: 'pull', image: IMAGE, ...e });
  }
  now = recorded[recorded.length - 1].ms * slower;
  print({ type: 'pull-end', image: IMAGE, ms: now });
  return text;
}

/** What a terminal shows in the end: "\r\x1b[K" erases the line being written, "\n" ends it. */
function screen(text: string): { lines: string[]; drawn: string[] } {
  const lines: string[] = [];
  const drawn: string[] = [];
  let current = '';
  for (const part of text.split(/(\r\x1b\[K|\n)/)) {
    if (part === '\r\x1b[K') current = '';
    else if (part === '\n') {
      lines.push(current);
      current = '';
    } else if (part) {
      current += part;
      drawn.push(current);
    }
  }
  if (current) lines.push(current);
  return { lines, drawn };
}

describe('progress of an image pull', () => {
  test('piped (not a terminal): a line when it starts and one when it ends, nothing between for a short pull', () => {
    expect(play({ isTTY: false })).toBe(`  ↓ pulling ${IMAGE}…\n  ↓ pulled ${IMAGE}: 2 layers, 3.0 MB downloaded in 4.8s\n`);
  });

  test('piped: a long pull adds a line every 10 s with layers and bytes done', () => {
    expect(play({ isTTY: false }, 3).split('\n')).toEqual([
      `  ↓ pulling ${IMAGE}…`,
      `  ↓ pulling ${IMAGE}: 1 of 2 layers, 2.1 MB of 3.0 MB (70%), 10.2s`,
      `  ↓ pulled ${IMAGE}: 2 layers, 3.0 MB downloaded in 14.5s`,
      '',
    ]);
  });

  test('on a terminal: one live line, redrawn at most every 100 ms, then the result in its place', () => {
    const { lines, drawn } = screen(play({ isTTY: true, columns: 120 }));
    expect(lines).toEqual([`  ↓ pulled ${IMAGE}: 2 layers, 3.0 MB downloaded in 4.8s`]);
    const live = drawn.filter((d) => d.includes(': 1 of 2 layers'));
    expect(live.length).toBeGreaterThan(20);
    expect(live.length).toBeLessThan(recorded.length);
    for (const d of live) expect(d).toMatch(new RegExp(`^  ↓ pulling ${IMAGE.replace(/\./g, '\\.')}: 1 of 2 layers, \\d\\.\\d MB of 3\\.0 MB \\(\\d+%\\), \\d+\\.\\ds$`));
    const percents = live.map((d) => Number(/\((\d+)%\)/.exec(d)![1]));
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents[percents.length - 1]).toBeGreaterThanOrEqual(90);
  });

  test('on a narrow terminal the live line is cut to its width, never wrapped', () => {
    const live = screen(play({ isTTY: true, columns: 40 })).drawn.filter((d) => d.includes('pulling'));
    expect(live.every((d) => d.length <= 39)).toBe(true);
    expect(live).toContain('  ↓ pulling 127.0.0.1:5000/docknet/pul…');
  });

  test('a pull that fails ends its line with the reason', () => {
    let text = '';
    const print = progressPrinter({ isTTY: false, write: (s: string) => (text += s) }, () => 0);
    print({ type: 'pull-start', image: IMAGE });
    print({ type: 'pull-end', image: IMAGE, ms: 40, error: `manifest for ${IMAGE} not found: manifest unknown: manifest unknown` });
    expect(text).toBe(`  ↓ pulling ${IMAGE}…\n  ✗ pull ${IMAGE} failed after 0.0s: manifest for ${IMAGE} not found: manifest unknown: manifest unknown\n`);
  });

  test('steps between redraws keep the live line below them', () => {
    let text = '';
    const print = progressPrinter({ isTTY: true, columns: 120, write: (s: string) => (text += s) }, () => 0);
    print({ type: 'pull-start', image: IMAGE });
    print({ type: 'step-done', label: 'create network lab-a', phase: 3, ms: 120 });
    print({ type: 'step-failed', label: 'create container lab-web', phase: 4, ms: 300, error: 'explained in the error at the end' });
    expect(screen(text).lines).toEqual(['  ✓ 3/5 create network lab-a (0.12s)', '  ✗ 4/5 create container lab-web (0.30s)', `  ↓ pulling ${IMAGE}…`]);
  });
});
