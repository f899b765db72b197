// Where the specs come from: a git repository (the reconciler keeps its own bare mirror and exports
// each commit it applies into a folder of its own), or a plain working folder watched live.
// Every git and gpg call is bounded in time: a fetch that hangs is stopped and reported, never waited
// for forever.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isSpecFile } from '../lib/spec/load';

/** One revision of the specs: an id (commit) and a folder holding its spec files. */
export interface Revision {
  id: string;
  /** The folder of spec files inside the revision (may not exist: a moved folder, a mistyped path). */
  specDir: string;
  /** Where the revision's files are, to make error paths relative to it. */
  root: string;
  /** The spec folder as a person names it: `folder "specs" of commit 1a2b3c4d5e6f`. */
  where: string;
  /** More folders of spec files loaded with specDir (docknet watch --path given several times: a host's own and shared ones). */
  extraSpecDirs?: string[];
}

export interface SpecSource {
  describe(): string;
  /** The newest revision (fetches first). */
  latest(): Promise<Revision>;
  /** Why a revision may not be applied (signature policy), or undefined. */
  refusal(rev: Revision): Promise<string | undefined>;
  /** Frees revisions other than the ones to keep. */
  prune(keep: string[]): void;
  /** Stacks the revision itself allows to be pruned (a `Docknet-Allow-Prune:` trailer of the commit). */
  pruneAllowances?(rev: Revision): Promise<string[]>;
  /** A live folder: a spec file must stay absent this long before its stack is removed (editors delete and re-write). */
  readonly removalDelayMs?: number;
}

/** The trailer that allows a commit to remove more stacks than --max-prune: stack names, or `*`. */
export const ALLOW_PRUNE_TRAILER = 'Docknet-Allow-Prune';

/** Runs a program with a deadline; the error names the command, what it printed, and a timeout as such. */
export function runBounded(program: string, args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs: number; what?: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(program, args, { env: { ...process.env, ...options.env }, maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (!error) return resolve(String(stdout).trim());
      const what = options.what ?? `${program} ${args.join(' ')}`;
      const e = error as NodeJS.ErrnoException & { killed?: boolean; signal?: string };
      if (e.killed && e.signal === 'SIGKILL') return reject(new Error(`${what}: no answer within ${options.timeoutMs / 1000}s; stopped it (--git-timeout sets the limit)`));
      if (e.code === 'ENOENT') return reject(new Error(`${what}: ${program} is not installed`));
      reject(new Error(`${what}: ${(String(stderr) || e.message).trim()}`));
    });
  });
}

/** git never asks a person for anything: no terminal prompts, ssh in batch mode. */
const GIT_ENV: NodeJS.ProcessEnv = { GIT_TERMINAL_PROMPT: '0', ...(process.env.GIT_SSH_COMMAND ? {} : { GIT_SSH_COMMAND: 'ssh -o BatchMode=yes' }) };

export const DEFAULT_TIMEOUT_MS = 60_000;

export function git(args: string[], env?: NodeJS.ProcessEnv, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
  return runBounded('git', args, { env: { ...GIT_ENV, ...env }, timeoutMs, what: `git ${args.filter((a) => !a.startsWith('gpg.')).join(' ')}` });
}

export interface GitSourceOptions {
  url: string;
  branch: string;
  /** Folder of specs inside the repository; '' for its root. */
  path: string;
  stateDir: string;
  /** With this file, only commits signed by one of its keys are applied (SSH allowed signers or PGP keys). */
  allowedSigners?: string;
  /** Limit for each git and gpg call. */
  timeoutMs?: number;
}

export class GitSource implements SpecSource {
  private readonly mirror: string;
  private readonly checkouts: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: GitSourceOptions) {
    this.mirror = join(options.stateDir, 'mirror.git');
    this.checkouts = join(options.stateDir, 'checkouts');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // Earlier versions kept a persistent keyring here (a key removed from the file stayed trusted); a
    // keyring of one check is left only when the process was killed during that check.
    if (existsSync(options.stateDir)) {
      for (const f of readdirSync(options.stateDir)) if (/^gnupg(-|$)/.test(f)) rmSync(join(options.stateDir, f), { recursive: true, force: true });
    }
  }

  describe(): string {
    return `${this.options.url}#${this.options.branch}${this.options.path ? `:${this.options.path}` : ''}`;
  }

  private async ensureMirror(): Promise<void> {
    if (existsSync(join(this.mirror, 'HEAD'))) return;
    mkdirSync(this.mirror, { recursive: true });
    await git(['init', '--quiet', '--bare', this.mirror], undefined, this.timeoutMs);
  }

  async latest(): Promise<Revision> {
    await this.ensureMirror();
    const ref = `refs/heads/${this.options.branch}`;
    await git(['-C', this.mirror, 'fetch', '--quiet', '--force', '--prune', this.options.url, `+${ref}:${ref}`], undefined, this.timeoutMs);
    const id = await git(['-C', this.mirror, 'rev-parse', `${ref}^{commit}`], undefined, this.timeoutMs);
    const root = join(this.checkouts, id);
    if (!existsSync(join(root, '.complete'))) {
      rmSync(root, { recursive: true, force: true });
      mkdirSync(root, { recursive: true });
      await exportCommit(this.mirror, id, root, this.timeoutMs);
    }
    return { id, root, specDir: join(root, this.options.path), where: `folder "${this.options.path || '.'}" of commit ${id.slice(0, 12)}` };
  }

  async refusal(rev: Revision): Promise<string | undefined> {
    const signers = this.options.allowedSigners;
    if (!signers) return undefined;
    let text: string;
    try {
      text = readFileSync(signers, 'utf8');
    } catch (e) {
      return `commit ${rev.id.slice(0, 12)} is not applied: the allowed signers file cannot be read (${(e as Error).message})`;
    }
    // A keyring made for this check only, from the file as it is now, and thrown away afterwards: a key
    // removed from the file is not trusted any more, and nothing else on the machine (~/.gnupg) counts.
    const home = mkdtempSync(join(this.options.stateDir, 'gnupg-'));
    try {
      if (text.includes('BEGIN PGP PUBLIC KEY BLOCK')) {
        try {
          await runBounded('gpg', ['--batch', '--quiet', '--no-autostart', '--import', signers], { env: { GNUPGHOME: home }, timeoutMs: this.timeoutMs, what: `gpg --import ${signers}` });
        } catch (e) {
          return `commit ${rev.id.slice(0, 12)} is not applied: the PGP keys in ${signers} cannot be imported (${(e as Error).message})`;
        }
      }
      try {
        await git(['-c', `gpg.ssh.allowedSignersFile=${signers}`, '-C', this.mirror, 'verify-commit', rev.id], { GNUPGHOME: home }, this.timeoutMs);
        return undefined;
      } catch (e) {
        const detail = (e as Error).message.split('\n').slice(-1)[0];
        return `commit ${rev.id.slice(0, 12)} is not signed by a key in ${signers} (${detail})`;
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }

  async pruneAllowances(rev: Revision): Promise<string[]> {
    const text = await git(['-C', this.mirror, 'log', '-1', `--format=%(trailers:key=${ALLOW_PRUNE_TRAILER},valueonly,separator=%x2C)`, rev.id], undefined, this.timeoutMs);
    return text.split(/[\s,]+/).filter(Boolean);
  }

  prune(keep: string[]): void {
    if (!existsSync(this.checkouts)) return;
    for (const dir of readdirSync(this.checkouts)) if (!keep.includes(dir)) rmSync(join(this.checkouts, dir), { recursive: true, force: true });
  }
}

/** `git archive | tar -x`: the commit's files, and nothing left over from another commit. */
function exportCommit(mirror: string, id: string, dest: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const archive = spawn('git', ['-C', mirror, 'archive', '--format=tar', id], { stdio: ['ignore', 'pipe', 'pipe'] });
    const tar = spawn('tar', ['-x', '-C', dest], { stdio: ['pipe', 'ignore', 'pipe'] });
    archive.stdout.pipe(tar.stdin);
    let errors = '';
    const timer = setTimeout(() => {
      errors += `no end within ${timeoutMs / 1000}s; stopped`;
      archive.kill('SIGKILL');
      tar.kill('SIGKILL');
    }, timeoutMs);
    archive.stderr.on('data', (d) => (errors += d));
    tar.stderr.on('data', (d) => (errors += d));
    tar.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`exporting ${id}: ${errors.trim()}`));
      spawn('touch', [join(dest, '.complete')]).on('close', () => resolve());
    });
  });
}

/** A plain folder of specs, edited live; a revision is the hash of its spec files. */
export class DirSource implements SpecSource {
  constructor(private readonly dir: string, readonly removalDelayMs = 0) {}

  describe(): string {
    return this.dir;
  }

  async latest(): Promise<Revision> {
    const hash = createHash('sha256');
    if (existsSync(this.dir)) {
      for (const f of readdirSync(this.dir).sort()) {
        const p = join(this.dir, f);
        if (isSpecFile(f) && statSync(p).isFile()) hash.update(f).update(readFileSync(p));
      }
    }
    const id = `dir:${hash.digest('hex').slice(0, 12)}`;
    return { id, root: this.dir, specDir: this.dir, where: `folder ${this.dir}` };
  }

  async refusal(): Promise<string | undefined> {
    return undefined;
  }

  prune(): void {}
}
