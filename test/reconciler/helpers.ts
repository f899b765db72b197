// A real bare git repository, a working clone that pushes with real `git push`, and a real
// `docknet watch` process, for the reconciler's tests.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DOCKNET, docknet, tempSpec } from '../helpers';
import type { ReconcilerStatus } from '../../reconciler/reconciler';

export class SpecRepo {
  readonly root = mkdtempSync(join(tmpdir(), 'docknet-watch-'));
  readonly bare = join(this.root, 'specs.git');
  readonly work = join(this.root, 'work');
  /** Environment of git commands (GNUPGHOME for PGP signing). */
  env: NodeJS.ProcessEnv = {};

  constructor() {
    execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', this.bare]);
    execFileSync('git', ['init', '--quiet', '--initial-branch=main', this.work]);
    this.git('remote', 'add', 'origin', this.bare);
    mkdirSync(join(this.work, 'specs'));
  }

  git(...args: string[]): string {
    return execFileSync('git', ['-C', this.work, '-c', 'user.email=ops@example.test', '-c', 'user.name=ops', ...args], { env: { ...process.env, ...this.env } }).toString().trim();
  }

  /** Writes (or with null removes) files under specs/ (or `folder`), commits and pushes; returns the commit. */
  push(files: Record<string, string | null>, message = 'change specs', signArgs: string[] = [], folder = 'specs'): string {
    for (const [name, text] of Object.entries(files)) {
      const file = join(this.work, folder, name);
      if (text === null) rmSync(file, { force: true });
      else {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, text);
      }
    }
    this.git('add', '-A');
    this.git(...signArgs, 'commit', '--quiet', '--allow-empty', '-m', message);
    this.git('push', '--quiet', 'origin', 'HEAD:main');
    return this.git('rev-parse', 'HEAD');
  }

  /** `git mv FROM TO`, committed and pushed; returns the commit. */
  move(from: string, to: string, message = `move ${from} to ${to}`): string {
    this.git('mv', from, to);
    return this.push({}, message, [], to);
  }
}

export class Watcher {
  process: ChildProcess | undefined;
  log = '';
  readonly url: string;

  /** `env`: the environment of the docknet watch process (default this one's). */
  constructor(readonly args: string[], readonly port: number, private readonly env?: NodeJS.ProcessEnv) {
    this.url = `http://127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    this.log = '';
    const p = spawn(DOCKNET, ['watch', ...this.args, '--listen', `127.0.0.1:${this.port}`], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = p;
    p.stdout!.on('data', (d) => (this.log += d));
    p.stderr!.on('data', (d) => (this.log += d));
    await waitFor(async () => {
      if (p.exitCode !== null) throw new Error(`docknet watch exited with ${p.exitCode} before listening:\n${this.log}`);
      return (await fetch(`${this.url}/healthz`).then((r) => r.ok).catch(() => false)) || undefined;
    }, 30_000, 'the reconciler to listen');
  }

  async status(): Promise<ReconcilerStatus> {
    // A kept-alive connection the server closed while this process was busy (a synchronous git push)
    // fails the next request once: ask again on a fresh one.
    const ask = () => fetch(`${this.url}/status`);
    return (await ask().catch(ask)).json() as Promise<ReconcilerStatus>;
  }

  /** Waits until the commit is applied and nothing is queued or running. */
  async converged(commit: string, timeoutMs = 60_000): Promise<ReconcilerStatus> {
    return waitFor(async () => {
      const s = await this.status();
      return s.lastAppliedCommit === commit && !s.queue.running && s.queue.pending.length === 0 ? s : undefined;
    }, timeoutMs, `commit ${commit.slice(0, 12)} to be applied`);
  }

  /** Waits until the commit was attempted and the reconciler is idle; returns the status then. */
  async attempted(commit: string, timeoutMs = 60_000): Promise<ReconcilerStatus> {
    return waitFor(async () => {
      const s = await this.status();
      return s.lastAttemptedCommit === commit && !s.queue.running && s.lastError?.commit === commit ? s : undefined;
    }, timeoutMs, `commit ${commit.slice(0, 12)} to be attempted and reported`);
  }

  /** Waits until at least `n` more reconciles have finished (any result). */
  async reconciles(n: number, timeoutMs = 60_000): Promise<void> {
    const count = async () => {
      const text = await (await fetch(`${this.url}/metrics`)).text();
      return [...text.matchAll(/^docknet_reconciles_total\{result="[^"]+"\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    };
    const start = await count();
    await waitFor(async () => ((await count()) >= start + n ? true : undefined), timeoutMs, `${n} more reconciles`);
  }

  /** A POST, with a bearer token when given. */
  post(path: string, token?: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    return fetch(`${this.url}${path}`, { method: 'POST', headers, body: body === undefined ? '' : JSON.stringify(body) });
  }

  webhook(payload: string, secret: string | undefined): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-github-event': 'push' };
    if (secret !== undefined) headers['x-hub-signature-256'] = `sha256=${createHmac('sha256', secret).update(payload).digest('hex')}`;
    return fetch(`${this.url}/webhook`, { method: 'POST', headers, body: payload });
  }

  /** Log lines (JSON) of one event. */
  events(event: string): Record<string, unknown>[] {
    return this.log
      .split('\n')
      .filter((l) => l.includes(`"event":"${event}"`))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /** SIGTERM (or another signal); resolves with the exit code. */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const p = this.process;
    if (!p || p.exitCode !== null || p.signalCode !== null) return Promise.resolve(p?.exitCode ?? null);
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

/**
 * Removes every object of these stacks and their records, whoever manages them: a destroy that takes
 * a stack over leaves a record naming the CLI (so that a running reconciler does not make it again);
 * the second destroy, by the CLI as the manager of an empty stack, releases it.
 */
export async function removeStacks(...names: string[]): Promise<void> {
  for (const name of names) {
    const spec = tempSpec(`${name}.yaml`, `version: 1\nstack: ${name}\n`);
    await docknet('destroy', spec, '--yes', '--take-over');
    await docknet('destroy', spec, '--yes', '--take-over');
  }
}

/** A temporary file holding a secret (token, webhook secret). */
export function secretFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'docknet-secret-')), 'token');
  writeFileSync(file, `${text}\n`, { mode: 0o600 });
  return file;
}
