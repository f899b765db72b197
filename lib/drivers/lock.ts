// One writer per engine. Every docknet process that changes an engine (the CLI, the Terraform and
// Pulumi providers, docknet watch) holds this lock for the whole plan → apply → verify. It is a kernel
// lock (flock) on a file named after the engine's id, held by a small `flock … cat` child whose stdin
// is a pipe from this process: when this process ends, however it ends (even kill -9), the pipe
// closes, `cat` exits and the kernel releases the lock. Nothing stale is ever left to clean up.
// Writers in one process (a provider serving parallel calls) queue in memory first.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { numberSetting } from '../settings';

/** Who holds (or wants) the lock, as shown to whoever waits. */
export interface LockHolder {
  /** What runs: "docknet apply", "docknet watch", "terraform provider". */
  command: string;
  /** The manager the writer acts as (cli, terraform, pulumi, watch:<id>). */
  manager: string;
  pid: number;
  host: string;
  since: string;
}

export class LockTimeout extends Error {
  constructor(readonly holder: LockHolder | undefined, seconds: number, engine: string) {
    super(`another docknet is changing engine ${engine}${holder ? `: ${describeHolder(holder)}` : ''}; gave up after waiting ${seconds}s (DOCKNET_LOCK_WAIT sets how long to wait)`);
    this.name = 'LockTimeout';
  }
}

export function describeHolder(h: LockHolder): string {
  return `${h.command} (${h.manager}), pid ${h.pid} on ${h.host}, since ${h.since}`;
}

function lockDir(): string {
  const dir = process.env.DOCKNET_LOCK_DIR ?? '/run/lock/docknet';
  mkdirSync(dir, { recursive: true });
  // Shared by every user who may write to the engine (root, the docker group).
  try {
    chmodSync(dir, 0o1777);
  } catch {
    // not ours to change: someone else made it with the right mode
  }
  return dir;
}

/** The file an engine's lock is held on, named after the engine's id. It stays after use (empty). */
export function engineLockFile(engineId: string): string {
  return join(lockDir(), `${engineId.replace(/[^A-Za-z0-9_.-]/g, '_') || 'unknown-engine'}.lock`);
}

const queues = new Map<string, Promise<void>>();

export interface EngineLockOptions {
  /** Engine identity (GET /info ID): the same engine is one lock, however it is addressed. */
  engineId: string;
  /** The engine as a person names it, for messages. */
  engineName: string;
  holder: Omit<LockHolder, 'pid' | 'host' | 'since'>;
  waitSeconds?: number;
  /** Called once when another writer holds the lock and this one starts waiting. */
  onWait?: (holder: LockHolder | undefined) => void;
}

/** Holds the engine's lock while `work` runs. */
export async function withEngineLock<T>(options: EngineLockOptions, work: () => Promise<T>): Promise<T> {
  const file = engineLockFile(options.engineId);
  // In-process queue: parallel calls of one provider take turns before asking the kernel.
  const before = queues.get(file) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((r) => (done = r));
  const tail = before.then(() => mine);
  queues.set(file, tail);
  await before;
  try {
    const lock = await acquire(file, options);
    try {
      return await work();
    } finally {
      await lock.release();
    }
  } finally {
    done();
    if (queues.get(file) === tail) queues.delete(file);
  }
}

interface HeldLock {
  release(): Promise<void>;
}

function readHolder(file: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

async function acquire(file: string, options: EngineLockOptions): Promise<HeldLock> {
  const holderFile = file.replace(/\.lock$/, '.holder.json');
  const wait = options.waitSeconds ?? numberSetting('DOCKNET_LOCK_WAIT');
  const child: ChildProcess = spawn('flock', ['--exclusive', '--timeout', String(wait), file, 'sh', '-c', 'echo locked; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const waiting = setTimeout(() => options.onWait?.(readHolder(holderFile)), 200);
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('locked')) resolve();
      });
      child.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? new Error('flock (util-linux) is not installed: docknet needs it to keep one writer per engine') : e));
      child.once('exit', (code) => {
        if (code === 1 && !out.includes('locked')) reject(new LockTimeout(readHolder(holderFile), wait, options.engineName));
        else reject(new Error(`flock ${file} exited with ${code}: ${stderr.trim()}`));
      });
    });
  } finally {
    clearTimeout(waiting);
  }
  const holder: LockHolder = { ...options.holder, pid: process.pid, host: hostname(), since: new Date().toISOString() };
  writeFileSync(holderFile, JSON.stringify(holder));
  return {
    async release() {
      // Still holding the lock: nobody else writes the holder file meanwhile.
      rmSync(holderFile, { force: true });
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.stdin!.end();
      await exited;
    },
  };
}
