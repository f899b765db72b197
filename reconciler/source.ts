// Where the specs come from: a git repository (the reconciler keeps its own bare mirror and exports
// each commit it applies into a folder of its own), or a plain working folder watched live.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isSpecFile } from '../lib/spec/load';

const run = promisify(execFile);

/** One revision of the specs: an id (commit) and a folder holding its spec files. */
export interface Revision {
  id: string;
  /** The folder of spec files inside the revision (may not exist: no stacks). */
  specDir: string;
  /** Where the revision's files are, to make error paths relative to it. */
  root: string;
}

export interface SpecSource {
  describe(): string;
  /** The newest revision (fetches first). */
  latest(): Promise<Revision>;
  /** Why a revision may not be applied (signature policy), or undefined. */
  refusal(rev: Revision): Promise<string | undefined>;
  /** Frees revisions other than the ones to keep. */
  prune(keep: string[]): void;
}

export async function git(args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await run('git', args, { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
    return stdout.trim();
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`git ${args.join(' ')}: ${(err.stderr ?? err.message).trim()}`);
  }
}

export interface GitSourceOptions {
  url: string;
  branch: string;
  /** Folder of specs inside the repository; '' for its root. */
  path: string;
  stateDir: string;
  /** With this file, only commits signed by one of its keys are applied (SSH allowed signers or PGP keys). */
  allowedSigners?: string;
}

export class GitSource implements SpecSource {
  private readonly mirror: string;
  private readonly checkouts: string;

  constructor(private readonly options: GitSourceOptions) {
    this.mirror = join(options.stateDir, 'mirror.git');
    this.checkouts = join(options.stateDir, 'checkouts');
  }

  describe(): string {
    return `${this.options.url}#${this.options.branch}${this.options.path ? `:${this.options.path}` : ''}`;
  }

  private async ensureMirror(): Promise<void> {
    if (existsSync(join(this.mirror, 'HEAD'))) return;
    mkdirSync(this.mirror, { recursive: true });
    await git(['init', '--quiet', '--bare', this.mirror]);
  }

  async latest(): Promise<Revision> {
    await this.ensureMirror();
    const ref = `refs/heads/${this.options.branch}`;
    await git(['-C', this.mirror, 'fetch', '--quiet', '--force', '--prune', this.options.url, `+${ref}:${ref}`]);
    const id = await git(['-C', this.mirror, 'rev-parse', `${ref}^{commit}`]);
    const root = join(this.checkouts, id);
    if (!existsSync(join(root, '.complete'))) {
      rmSync(root, { recursive: true, force: true });
      mkdirSync(root, { recursive: true });
      await exportCommit(this.mirror, id, root);
    }
    return { id, root, specDir: join(root, this.options.path) };
  }

  async refusal(rev: Revision): Promise<string | undefined> {
    const signers = this.options.allowedSigners;
    if (!signers) return undefined;
    const text = readFileSync(signers, 'utf8');
    const env: NodeJS.ProcessEnv = {};
    const config = ['-c', `gpg.ssh.allowedSignersFile=${signers}`];
    if (text.includes('BEGIN PGP PUBLIC KEY BLOCK')) {
      // PGP keys: verify against a keyring holding only the allowed keys.
      const home = join(this.options.stateDir, 'gnupg');
      mkdirSync(home, { recursive: true, mode: 0o700 });
      await run('gpg', ['--batch', '--quiet', '--import', signers], { env: { ...process.env, GNUPGHOME: home } });
      env.GNUPGHOME = home;
    }
    try {
      await git([...config, '-C', this.mirror, 'verify-commit', rev.id], env);
      return undefined;
    } catch (e) {
      const detail = (e as Error).message.split('\n').slice(-1)[0];
      return `commit ${rev.id.slice(0, 12)} is not signed by a key in ${signers} (${detail})`;
    }
  }

  prune(keep: string[]): void {
    if (!existsSync(this.checkouts)) return;
    for (const dir of readdirSync(this.checkouts)) if (!keep.includes(dir)) rmSync(join(this.checkouts, dir), { recursive: true, force: true });
  }
}

/** `git archive | tar -x`: the commit's files, and nothing left over from another commit. */
function exportCommit(mirror: string, id: string, dest: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const archive = spawn('git', ['-C', mirror, 'archive', '--format=tar', id], { stdio: ['ignore', 'pipe', 'pipe'] });
    const tar = spawn('tar', ['-x', '-C', dest], { stdio: ['pipe', 'ignore', 'pipe'] });
    archive.stdout.pipe(tar.stdin);
    let errors = '';
    archive.stderr.on('data', (d) => (errors += d));
    tar.stderr.on('data', (d) => (errors += d));
    tar.on('close', (code) => {
      if (code !== 0) return reject(new Error(`exporting ${id}: ${errors.trim()}`));
      spawn('touch', [join(dest, '.complete')]).on('close', () => resolve());
    });
  });
}

/** A plain folder of specs, edited live; a revision is the hash of its spec files. */
export class DirSource implements SpecSource {
  constructor(private readonly dir: string) {}

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
    return { id: `dir:${hash.digest('hex').slice(0, 12)}`, root: this.dir, specDir: this.dir };
  }

  async refusal(): Promise<string | undefined> {
    return undefined;
  }

  prune(): void {}
}
