// npm run bench (reconciler part): latency from `git push` returning to the host verified, over 20
// pushes of a one-network change; and the cost of a no-op reconcile with 100 networks and 200
// containers declared in one stack and in ten, beside the Docker CLI listing the same objects.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { Docknet } from '../lib/docknet';
import { ReconcilerMetrics } from '../reconciler/metrics';
import { Reconciler } from '../reconciler/reconciler';
import { DirSource } from '../reconciler/source';

const DOCKNET = resolve(__dirname, '..', '..', 'bin', 'docknet');
const PUSHES = Number(process.env.BENCH_PUSHES ?? 20);
const NETWORKS = Number(process.env.BENCH_WATCH_NETWORKS ?? 100);
const CONTAINERS = Number(process.env.BENCH_WATCH_CONTAINERS ?? 200);
const sh = (cmd: string, args: string[], cwd?: string) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];

async function pushLatency(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'docknet-bench-watch-'));
  const bare = join(root, 'specs.git');
  const work = join(root, 'work');
  sh('git', ['init', '--quiet', '--bare', '--initial-branch=main', bare]);
  sh('git', ['init', '--quiet', '--initial-branch=main', work]);
  mkdirSync(join(work, 'specs'));
  const git = (...args: string[]) => sh('git', ['-c', 'user.email=b@b', '-c', 'user.name=b', ...args], work);
  git('remote', 'add', 'origin', bare);
  const push = (i: number) => {
    writeFileSync(join(work, 'specs', 'benchpush.yaml'), `version: 1\nnetworks:\n  bp-net:\n    ipv4: { subnet: 10.230.${i % 2}.0/24 }\n`);
    git('add', '-A');
    git('commit', '--quiet', '-m', `push ${i}`);
    git('push', '--quiet', 'origin', 'HEAD:main');
    return git('rev-parse', 'HEAD');
  };
  const url = 'http://127.0.0.1:19490';
  // /notify needs the reconciler's token: the hook sends it.
  const token = join(root, 'token');
  writeFileSync(token, 'bench-token\n', { mode: 0o600 });
  sh(DOCKNET, ['hook', 'install', bare, '--url', url, '--token-file', token]);
  push(0);
  const watcher = spawn(DOCKNET, ['watch', '--repo', bare, '--path', 'specs', '--listen', '127.0.0.1:19490', '--state-dir', join(root, 'state'), '--interval', '1h', '--resync', '1h', '--token-file', token], { stdio: 'ignore' });
  const status = async () => (await fetch(`${url}/status`).then((r) => r.json()).catch(() => ({}))) as { lastAppliedCommit?: string; queue?: { running: boolean } };
  const until = async (commit: string) => {
    for (;;) {
      const s = await status();
      if (s.lastAppliedCommit === commit) return;
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  try {
    await until(git('rev-parse', 'HEAD'));
    const latencies: number[] = [];
    for (let i = 1; i <= PUSHES; i++) {
      const commit = push(i); // returns when `git push` has returned
      const start = process.hrtime.bigint();
      await until(commit);
      latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    console.log(`push → converged   p50 ${percentile(latencies, 50).toFixed(0)} ms   p95 ${percentile(latencies, 95).toFixed(0)} ms   over ${PUSHES} pushes of a one-network change (each replaces the network: new subnet)`);
  } finally {
    watcher.kill('SIGTERM');
    const spec = join(root, 'empty', 'benchpush.yaml');
    mkdirSync(join(root, 'empty'));
    writeFileSync(spec, 'version: 1\n');
    // The reconciler managed it: take it over to remove it, then let go of its record.
    sh(DOCKNET, ['destroy', spec, '--yes', '--take-over']);
    sh(DOCKNET, ['destroy', spec, '--yes']);
  }
}

/** The no-op reconcile of the same objects spread over `stacks` spec files: its Docker API calls and time. */
async function noopCost(stacks: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'docknet-bench-noop-'));
  const names = Array.from({ length: stacks }, (_, k) => `benchwatch-${k}`);
  for (const [k, stack] of names.entries()) {
    const lines = ['version: 1', `stack: ${stack}`, 'networks:'];
    for (let i = k; i < NETWORKS; i += stacks) lines.push(`  bw-net-${i}:`, `    ipv4: { subnet: 10.${240 + Math.floor(i / 250)}.${i % 250}.0/24 }`);
    lines.push('containers:');
    for (let i = 0; i < CONTAINERS; i++) if ((i % NETWORKS) % stacks === k) lines.push(`  bw-c-${i}:`, '    image: docknet/busybox:latest', '    command: [sleep, "86400"]', `    networks: [bw-net-${i % NETWORKS}]`);
    writeFileSync(join(dir, `${stack}.yaml`), `${lines.join('\n')}\n`);
  }
  const docknet = new Docknet({ concurrency: 8 });
  const reconciler = new Reconciler({ source: new DirSource(dir), docknet, stateDir: join(dir, '.state'), logger: pino({ level: 'silent' }), metrics: new ReconcilerMetrics(), maxPrune: stacks, allowEmpty: true });
  try {
    reconciler.trigger('startup');
    await reconciler.idle();
    const runs: { ms: number; calls: number }[] = [];
    for (let i = 0; i < 5; i++) {
      const calls = docknet.engine.callCount;
      const start = process.hrtime.bigint();
      reconciler.trigger('change');
      await reconciler.idle();
      runs.push({ ms: Number(process.hrtime.bigint() - start) / 1e6, calls: docknet.engine.callCount - calls });
    }
    const ms = percentile(runs.map((r) => r.ms), 50);
    const cliStart = process.hrtime.bigint();
    sh('docker', ['network', 'ls', '--filter', 'label=io.docknet.managed=true', '-q']);
    sh('docker', ['ps', '-a', '--filter', 'label=io.docknet.managed=true', '-q']);
    const cliMs = Number(process.hrtime.bigint() - cliStart) / 1e6;
    console.log(`no-op reconcile    ${runs[runs.length - 1].calls} Docker API calls, ${ms.toFixed(0)} ms median of 5 (fetch, validate, plan) with ${NETWORKS} networks and ${CONTAINERS} containers in ${stacks} stack${stacks === 1 ? '' : 's'}   ratio ${(ms / cliMs).toFixed(2)} × \`docker network ls\` + \`docker ps -a\``);
  } finally {
    for (const stack of names) writeFileSync(join(dir, `${stack}.yaml`), `version: 1\nstack: ${stack}\n`);
    reconciler.trigger('change');
    await reconciler.idle();
  }
}

async function main(): Promise<void> {
  await pushLatency();
  // The same objects in one stack and in ten: a no-op observes the engine once, whatever the number.
  await noopCost(1);
  await noopCost(10);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
