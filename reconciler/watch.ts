// `docknet watch`: wires a spec source, the reconcile loop, Docker's event stream, timers and the
// HTTP endpoint together, and shuts down cleanly on SIGTERM.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { Docknet } from '../lib/docknet';
import { describeEndpoint } from '../lib/drivers/endpoint';
import { durationNs } from '../lib/model/normalize';
import { ReconcilerMetrics } from './metrics';
import { Reconciler } from './reconciler';
import { readToken, reconcilerServer } from './server';
import { ALLOW_PRUNE_TRAILER, DirSource, GitSource, type Revision, type SpecSource } from './source';

export interface WatchOptions {
  repo?: string;
  dir?: string;
  branch: string;
  /** Folders of specs inside the repository: one, or several (a host's own folder and shared ones). */
  path: string | string[];
  /** The engine (-H/--host, --context), resolved as the docker CLI does; default DOCKER_HOST, DOCKER_CONTEXT, … */
  host?: string;
  context?: string;
  /** For a tcp:// engine: the firewall helper image (see docknet --help). */
  firewallHelper?: string;
  interval: string;
  resync: string;
  listen: string;
  webhookSecretFile?: string;
  tokenFile?: string;
  requireSignedCommits?: boolean;
  allowedSigners?: string;
  stateDir?: string;
  allowEmpty?: boolean;
  maxPrune?: string;
  debounce?: string;
  gitTimeout?: string;
  takeOverFrom?: string[];
}

export function parseDuration(text: string, what: string): number {
  if (!/^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/.test(text)) throw new Error(`${what} "${text}" is not a duration such as 500ms, 30s or 5m`);
  return durationNs(text) / 1e6;
}

function parseListen(listen: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(listen);
  if (!m) throw new Error(`--listen "${listen}" is not host:port`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** The reconciler's identity (its manager name is watch:<id>): what it follows. */
export function watcherId(origin: string, branch: string, path: string): string {
  return createHash('sha256').update(`${origin}#${branch}:${path}`).digest('hex').slice(0, 12);
}

/**
 * Several folders of one repository as one source (a fleet: `--path hosts/h1 --path shared`): the
 * revision's first folder is specDir and the others extraSpecDirs. A folder missing from a commit is
 * reported as the revision's folder, so the reconciler refuses the commit as it refuses a missing --path.
 */
export class FoldersSource implements SpecSource {
  constructor(private readonly inner: GitSource, private readonly url: string, private readonly branch: string, private readonly paths: string[]) {}

  describe(): string {
    return `${this.url}#${this.branch}:${this.paths.join('+')}`;
  }

  async latest(): Promise<Revision> {
    const rev = await this.inner.latest();
    const dirs = this.paths.map((p) => join(rev.root, p));
    const commit = rev.id.slice(0, 12);
    const missing = this.paths.find((_, i) => !existsSync(dirs[i]));
    if (missing !== undefined) return { ...rev, specDir: join(rev.root, missing), where: `folder "${missing}" of commit ${commit}` };
    return { ...rev, specDir: dirs[0], extraSpecDirs: dirs.slice(1), where: `folders ${this.paths.map((p) => `"${p}"`).join(', ')} of commit ${commit}` };
  }

  refusal(rev: Revision): Promise<string | undefined> {
    return this.inner.refusal(rev);
  }

  prune(keep: string[]): void {
    this.inner.prune(keep);
  }

  pruneAllowances(rev: Revision): Promise<string[]> {
    return this.inner.pruneAllowances(rev);
  }
}

export async function watch(options: WatchOptions): Promise<void> {
  if (!options.repo === !options.dir) throw new Error('give exactly one of --repo URL or --dir DIR');
  if (options.requireSignedCommits && !options.allowedSigners) throw new Error('--require-signed-commits needs --allowed-signers FILE');
  if (options.requireSignedCommits && options.dir) throw new Error('--require-signed-commits works with --repo only');
  const intervalMs = parseDuration(options.interval, '--interval');
  const resyncMs = parseDuration(options.resync, '--resync');
  const debounceMs = parseDuration(options.debounce ?? '2s', '--debounce');
  const gitTimeoutMs = parseDuration(options.gitTimeout ?? '60s', '--git-timeout');
  const maxPrune = Number(options.maxPrune ?? '1');
  if (!Number.isInteger(maxPrune) || maxPrune < 0) throw new Error(`--max-prune "${options.maxPrune}" is not a number of stacks (0 or more)`);
  const { host, port } = parseListen(options.listen);
  // Secrets are checked before anything starts: a typo in a path is an error now, not a 401 later.
  const webhookSecret = options.webhookSecretFile ? readToken(options.webhookSecretFile, '--webhook-secret-file') : undefined;
  const tokenFile = options.tokenFile ? resolve(options.tokenFile) : undefined;
  if (tokenFile) readToken(tokenFile, '--token-file');
  const origin = options.repo ?? resolve(options.dir!);
  const paths = ([] as string[]).concat(options.path ?? []).filter((p) => p !== '');
  if (paths.length > 1 && !options.repo) throw new Error('several --path work with --repo only');
  // One folder keeps the identity it always had; an engine named on the command line is part of it, so
  // that reconcilers of one repository for several engines on one machine stay apart.
  const engineKey = options.host || options.context ? `@${options.host ?? `context:${options.context}`}` : '';
  const id = watcherId(origin, options.branch, `${paths.join('+')}${engineKey}`);
  const stateDir = options.stateDir ?? join(homedir(), '.docknet', 'watch', id);
  const logger = pino({ base: { service: 'docknet-watch' }, timestamp: pino.stdTimeFunctions.isoTime });
  const git = (path: string) => new GitSource({ url: options.repo!, branch: options.branch, path, stateDir, allowedSigners: options.requireSignedCommits ? resolve(options.allowedSigners!) : undefined, timeoutMs: gitTimeoutMs });
  const source: SpecSource = options.repo
    ? paths.length > 1
      ? new FoldersSource(git(''), options.repo, options.branch, paths)
      : git(paths[0] ?? '')
    : new DirSource(resolve(options.dir!), debounceMs);
  const metrics = new ReconcilerMetrics();
  const docknet = new Docknet({ manager: `watch:${id}`, command: 'docknet watch', dockerHost: options.host, dockerHostSource: '--host', context: options.context, firewallHelper: options.firewallHelper });
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const allowHint = (commit: string) =>
    `docknet watch allow-prune ${commit} --watch-url ${url}${tokenFile ? ` --token-file ${tokenFile}` : ''}` + (options.repo ? `, or a commit with the trailer "${ALLOW_PRUNE_TRAILER}: <stacks>"` : '');
  const reconciler = new Reconciler({ source, docknet, stateDir, logger, metrics, allowEmpty: options.allowEmpty, maxPrune, takeOverFrom: options.takeOverFrom, allowHint });
  const server = reconcilerServer({ reconciler, metrics, logger, webhookSecret, tokenFile });

  // Listen first: a port that is taken ends the command at once, before anything else has started.
  await new Promise<void>((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      fail(new Error(`cannot listen on ${host}:${port}: ${e.code === 'EADDRINUSE' ? 'the address is already in use (another docknet watch? choose another with --listen)' : e.code === 'EACCES' ? 'permission denied' : e.message}`)),
    );
    server.listen(port, host, () => ok());
  });
  if (!isLoopback(host)) {
    logger.warn(
      { event: 'listening-beyond-loopback', listen: `${host}:${port}` },
      `listening on ${host}:${port}, beyond this machine: the HTTP endpoint has no TLS — put a reverse proxy with TLS in front of it; state-changing calls need the token${tokenFile || webhookSecret ? '' : ' (none is configured: they are all refused)'}`,
    );
  }

  const timers: NodeJS.Timeout[] = [];
  let stopWatching: (() => Promise<void>) | undefined;
  if (options.dir) {
    const { watch: chokidar } = await import('chokidar');
    const watcher = chokidar(resolve(options.dir), { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 150, pollInterval: 50 } });
    // Ready before anyone is told we run: an edit made before the first scan would be missed.
    await new Promise<void>((ok) => watcher.once('ready', ok));
    watcher.on('all', () => reconciler.trigger('change'));
    stopWatching = () => watcher.close();
  } else {
    timers.push(setInterval(() => reconciler.trigger('poll'), intervalMs));
  }
  logger.info(
    { event: 'started', source: source.describe(), engine: describeEndpoint(docknet.engine.target), manager: docknet.manager, listen: `${host}:${port}`, stateDir, interval: options.interval, resync: options.resync, maxPrune, allowEmpty: Boolean(options.allowEmpty) },
    'docknet watch started',
  );
  // Firewall rules have no events: re-check everything on an interval (level-triggered resync).
  timers.push(setInterval(() => reconciler.trigger('resync'), resyncMs));

  const stopEvents = new AbortController();
  const followEngine = async () => {
    let first = true;
    while (!stopEvents.signal.aborted) {
      // Whether the event stream was open: its end is the engine lost (even when a reconcile noticed first).
      let following = false;
      try {
        await docknet.engine.ping();
        if (!first) {
          docknet.engine.forgetFacts();
          logger.warn({ event: 'engine-back' }, 'Docker engine answers again: re-checking everything');
          reconciler.engineBack();
        }
        first = false;
        following = true;
        await docknet.engine.events((e) => reconciler.onEngineEvent(e), stopEvents.signal);
      } catch {
        // not answering yet
      }
      if (stopEvents.signal.aborted) break;
      if (following) logger.warn({ event: 'engine-lost' }, 'the Docker engine stopped answering (its event stream ended): reconnecting');
      reconciler.status.engine = 'reconnecting';
      first = false;
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  const following = followEngine();
  reconciler.trigger('startup');

  await new Promise<void>((done) => {
    const shutdown = async (signal: string) => {
      logger.info({ event: 'stopping', signal }, 'finishing the current step, then exiting');
      for (const t of timers) clearInterval(t);
      stopEvents.abort();
      await stopWatching?.();
      await reconciler.stop();
      server.close();
      await following;
      logger.info({ event: 'stopped' }, 'docknet watch stopped');
      done();
    };
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
    process.once('SIGINT', () => void shutdown('SIGINT'));
  });
}
