// `docknet watch`: wires a spec source, the reconcile loop, Docker's event stream, timers and the
// HTTP endpoint together, and shuts down cleanly on SIGTERM.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { Docknet } from '../lib/docknet';
import { durationNs } from '../lib/model/normalize';
import { ReconcilerMetrics } from './metrics';
import { Reconciler } from './reconciler';
import { reconcilerServer } from './server';
import { DirSource, GitSource, type SpecSource } from './source';

export interface WatchOptions {
  repo?: string;
  dir?: string;
  branch: string;
  path: string;
  interval: string;
  resync: string;
  listen: string;
  webhookSecretFile?: string;
  requireSignedCommits?: boolean;
  allowedSigners?: string;
  stateDir?: string;
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

export async function watch(options: WatchOptions): Promise<void> {
  if (!options.repo === !options.dir) throw new Error('give exactly one of --repo URL or --dir DIR');
  if (options.requireSignedCommits && !options.allowedSigners) throw new Error('--require-signed-commits needs --allowed-signers FILE');
  if (options.requireSignedCommits && options.dir) throw new Error('--require-signed-commits works with --repo only');
  const intervalMs = parseDuration(options.interval, '--interval');
  const resyncMs = parseDuration(options.resync, '--resync');
  const { host, port } = parseListen(options.listen);
  const origin = options.repo ?? resolve(options.dir!);
  const id = createHash('sha256').update(`${origin}#${options.branch}:${options.path}`).digest('hex').slice(0, 12);
  const stateDir = options.stateDir ?? join(homedir(), '.docknet', 'watch', id);
  const logger = pino({ base: { service: 'docknet-watch' }, timestamp: pino.stdTimeFunctions.isoTime });
  const source: SpecSource = options.repo
    ? new GitSource({ url: options.repo, branch: options.branch, path: options.path, stateDir, allowedSigners: options.requireSignedCommits ? resolve(options.allowedSigners!) : undefined })
    : new DirSource(resolve(options.dir!));
  const metrics = new ReconcilerMetrics();
  const docknet = new Docknet({ manager: `watch:${id}`, command: 'docknet watch' });
  const reconciler = new Reconciler({ source, docknet, stateDir, logger, metrics });
  const webhookSecret = options.webhookSecretFile ? readFileSync(options.webhookSecretFile, 'utf8').trim() : undefined;
  const server = reconcilerServer({ reconciler, metrics, logger, webhookSecret });

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
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(port, host, ok));
  logger.info({ event: 'started', source: source.describe(), listen: `${host}:${port}`, stateDir, interval: options.interval, resync: options.resync }, 'docknet watch started');
  // Firewall rules have no events: re-check everything on an interval (level-triggered resync).
  timers.push(setInterval(() => reconciler.trigger('resync'), resyncMs));

  const stopEvents = new AbortController();
  const followEngine = async () => {
    let first = true;
    while (!stopEvents.signal.aborted) {
      try {
        await docknet.engine.ping();
        if (!first) {
          reconciler.status.engine = 'connected';
          docknet.engine.forgetFacts();
          logger.warn({ event: 'engine-back' }, 'Docker engine answers again: re-checking everything');
          reconciler.trigger('engine-restart');
        }
        first = false;
        await docknet.engine.events((e) => reconciler.onEngineEvent(e), stopEvents.signal);
      } catch {
        // not answering yet
      }
      if (stopEvents.signal.aborted) break;
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
