// A real bare git repository, a working clone that pushes with real `git push`, and a real
// `docknet watch` process, for the reconciler's tests.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOCKNET } from '../helpers';
import type { ReconcilerStatus } from '../../reconciler/reconciler';

export class SpecRepo {
  readonly root = mkdtempSync(join(tmpdir(), 'docknet-watch-'));
  readonly bare = join(this.root, 'specs.git');
  readonly work = join(this.root, 'work');

  constructor() {
    execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', this.bare]);
    execFileSync('git', ['init', '--quiet', '--initial-branch=main', this.work]);
    this.git('remote', 'add', 'origin', this.bare);
    mkdirSync(join(this.work, 'specs'));
  }

  git(...args: string[]): string {
    return execFileSync('git', ['-C', this.work, '-c', 'user.email=ops@example.test', '-c', 'user.name=ops', ...args]).toString().trim();
  }

  /** Writes (or with null removes) spec files, commits and pushes; returns the commit. */
  push(files: Record<string, string | null>, message = 'change specs', signArgs: string[] = []): string {
    for (const [name, text] of Object.entries(files)) {
      const file = join(this.work, 'specs', name);
      if (text === null) rmSync(file, { force: true });
      else writeFileSync(file, text);
    }
    this.git('add', '-A');
    this.git(...signArgs, 'commit', '--quiet', '--allow-empty', '-m', message);
    this.git('push', '--quiet', 'origin', 'HEAD:main');
    return this.git('rev-parse', 'HEAD');
  }
}

export class Watcher {
  process: ChildProcess | undefined;
  log = '';
  readonly url: string;

  constructor(readonly args: string[], readonly port: number) {
    this.url = `http://127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    this.process = spawn(DOCKNET, ['watch', ...this.args, '--listen', `127.0.0.1:${this.port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.process.stdout!.on('data', (d) => (this.log += d));
    this.process.stderr!.on('data', (d) => (this.log += d));
    await waitFor(async () => (await fetch(`${this.url}/healthz`).then((r) => r.ok).catch(() => false)) || undefined, 15_000, 'the reconciler to listen');
  }

  async status(): Promise<ReconcilerStatus> {
    return (await fetch(`${this.url}/status`)).json() as Promise<ReconcilerStatus>;
  }

  /** Waits until the commit is applied and nothing is queued or running. */
  async converged(commit: string, timeoutMs = 30_000): Promise<ReconcilerStatus> {
    return waitFor(async () => {
      const s = await this.status();
      return s.lastAppliedCommit === commit && !s.queue.running && s.queue.pending.length === 0 ? s : undefined;
    }, timeoutMs, `commit ${commit.slice(0, 12)} to be applied`);
  }

  webhook(payload: string, secret: string | undefined): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-github-event': 'push' };
    if (secret !== undefined) headers['x-hub-signature-256'] = `sha256=${createHmac('sha256', secret).update(payload).digest('hex')}`;
    return fetch(`${this.url}/webhook`, { method: 'POST', headers, body: payload });
  }

  /** SIGTERM (or another signal); resolves with the exit code. */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const p = this.process;
    if (!p || p.exitCode !== null) return Promise.resolve(p?.exitCode ?? null);
    return new Promise((resolve) => {
      p.once('exit', (code) => resolve(code));
      p.kill(signal);
    });
  }
}

/** Polls until fn gives a value, bounded in time; the failure names what was awaited. */
export async function waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
