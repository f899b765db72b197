// npm run bench: docknet against docker compose, the plain Docker CLI and the engine's own floor (raw
// API calls) doing the same work, in the same run. 50 networks and 100 containers: apply, a no-op
// apply, destroy. Figures are printed as ratios.
import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const NETWORKS = Number(process.env.BENCH_NETWORKS ?? 50);
const CONTAINERS = Number(process.env.BENCH_CONTAINERS ?? 100);
const IMAGE = 'docknet/busybox:latest';
const DOCKNET = resolve(__dirname, '..', '..', 'bin', 'docknet');

function timed(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const subnet = (i: number) => `10.210.${i}.0/24`;

function cliApply(prefix: string): void {
  for (let i = 0; i < NETWORKS; i++) sh('docker', ['network', 'create', '--subnet', subnet(i), `${prefix}-net-${i}`]);
  for (let i = 0; i < CONTAINERS; i++) sh('docker', ['run', '-d', '--name', `${prefix}-c-${i}`, '--network', `${prefix}-net-${i % NETWORKS}`, IMAGE, 'sleep', '86400']);
}

/** What a script does to check that everything is there: inspect each object. */
function cliCheck(prefix: string): void {
  for (let i = 0; i < NETWORKS; i++) sh('docker', ['network', 'inspect', `${prefix}-net-${i}`]);
  for (let i = 0; i < CONTAINERS; i++) sh('docker', ['container', 'inspect', `${prefix}-c-${i}`]);
}

function cliDestroy(prefix: string): void {
  for (let i = 0; i < CONTAINERS; i++) sh('docker', ['rm', '-f', `${prefix}-c-${i}`]);
  for (let i = 0; i < NETWORKS; i++) sh('docker', ['network', 'rm', `${prefix}-net-${i}`]);
}

function specText(): string {
  const lines = ['version: 1', 'stack: bench', 'networks:'];
  for (let i = 0; i < NETWORKS; i++) lines.push(`  bench-net-${i}:`, `    ipv4: { subnet: ${subnet(i)} }`);
  lines.push('containers:');
  for (let i = 0; i < CONTAINERS; i++) {
    lines.push(`  bench-c-${i}:`, `    image: ${IMAGE}`, '    command: [sleep, "86400"]', `    networks: [bench-net-${i % NETWORKS}]`);
  }
  return `${lines.join('\n')}\n`;
}

/** The same objects as a compose project: named networks with their subnets, one service per container. */
function composeText(): string {
  const lines = ['name: benchcompose', 'networks:'];
  for (let i = 0; i < NETWORKS; i++) lines.push(`  n${i}:`, `    name: compose-net-${i}`, '    ipam:', '      config:', `        - subnet: ${subnet(i)}`);
  lines.push('services:');
  for (let i = 0; i < CONTAINERS; i++) {
    lines.push(`  c${i}:`, `    image: ${IMAGE}`, `    container_name: compose-c-${i}`, '    command: [sleep, "86400"]', `    networks: [n${i % NETWORKS}]`);
  }
  return `${lines.join('\n')}\n`;
}

/** One raw Engine API call on the unix socket: the engine's own floor, without any client library. */
function engineCall(method: string, path: string, body?: unknown): Promise<void> {
  const socketPath = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');
  return new Promise((done, fail) => {
    const req = request({ socketPath, method, path, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => ((res.statusCode ?? 500) < 400 ? done() : fail(new Error(`${method} ${path}: HTTP ${res.statusCode}`))));
    });
    req.on('error', fail);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Runs tasks with at most `limit` at once (docknet's concurrency), in order of the list. */
async function bounded(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < tasks.length) await tasks[next++]();
  }));
}

const CONCURRENCY = Number(process.env.DOCKNET_CONCURRENCY ?? 4);

/** The floor: the same objects made, checked and removed with raw API calls, as many at once as docknet. */
const floor = {
  apply: async () => {
    await bounded(Array.from({ length: NETWORKS }, (_, i) => () => engineCall('POST', '/networks/create', { Name: `floor-net-${i}`, IPAM: { Config: [{ Subnet: subnet(i) }] } })), CONCURRENCY);
    await bounded(Array.from({ length: CONTAINERS }, (_, i) => async () => {
      await engineCall('POST', `/containers/create?name=floor-c-${i}`, { Image: IMAGE, Cmd: ['sleep', '86400'], HostConfig: { NetworkMode: `floor-net-${i % NETWORKS}` } });
      await engineCall('POST', `/containers/floor-c-${i}/start`);
    }), CONCURRENCY);
  },
  // What a no-op plan cannot do without: the engine's facts and the listings.
  noop: () => Promise.all(['/info', '/networks', '/containers/json?all=1', '/volumes'].map((path) => engineCall('GET', path))).then(() => undefined),
  destroy: async () => {
    await bounded(Array.from({ length: CONTAINERS }, (_, i) => () => engineCall('DELETE', `/containers/floor-c-${i}?force=1`)), CONCURRENCY);
    await bounded(Array.from({ length: NETWORKS }, (_, i) => () => engineCall('DELETE', `/networks/floor-net-${i}`)), CONCURRENCY);
  },
};

async function timedAsync(fn: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** A no-op takes a fraction of a second: one run is mostly noise, the median of a few is not. */
const NOOP_RUNS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function medianOf(fn: () => void | Promise<void>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < NOOP_RUNS; i++) times.push(await timedAsync(async () => fn()));
  return median(times);
}

function apiCalls(output: string): string {
  return /\((\d+) Docker API calls\)/.exec(output)?.[1] ?? '?';
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'docknet-bench-'));
  const spec = join(dir, 'bench.yaml');
  writeFileSync(spec, specText());
  const composeFile = join(dir, 'compose.yaml');
  writeFileSync(composeFile, composeText());
  const docknet = (...args: string[]) => sh(DOCKNET, args);
  const compose = (...args: string[]) => sh('docker', ['compose', '-f', composeFile, ...args]);
  // Leftovers of an interrupted run would distort every side.
  docknet('destroy', spec, '--yes');
  try { cliDestroy('cli'); } catch { /* nothing left over */ }
  try { compose('down'); } catch { /* nothing left over */ }
  await floor.destroy().catch(() => undefined);

  console.log(`benchmark: ${NETWORKS} networks, ${CONTAINERS} containers (${CONCURRENCY} steps at once for docknet and the floor)`);
  const cli = { apply: timed(() => cliApply('cli')), noop: timed(() => cliCheck('cli')), destroy: timed(() => cliDestroy('cli')) };
  const raw = { apply: await timedAsync(floor.apply), noop: await medianOf(floor.noop), destroy: await timedAsync(floor.destroy) };
  const cmp = { apply: timed(() => compose('up', '-d', '--quiet-pull')), noop: await medianOf(() => void compose('up', '-d')), destroy: timed(() => compose('down')) };
  const out = { apply: '', noop: '', destroy: '' };
  const dn = {
    apply: timed(() => (out.apply = docknet('apply', spec, '--yes'))),
    noop: await medianOf(() => void (out.noop = docknet('apply', spec, '--yes'))),
    destroy: timed(() => (out.destroy = docknet('destroy', spec, '--yes'))),
  };
  const ratio = (a: number, b: number) => (a / b).toFixed(2).padStart(5);
  console.log(`${''.padEnd(12)} ${'docknet'.padStart(8)} ${'compose'.padStart(8)} ${'CLI'.padStart(8)} ${'floor'.padStart(8)}   ÷compose  ÷CLI  ÷floor   docknet API calls`);
  for (const what of ['apply', 'noop', 'destroy'] as const) {
    const name = what === 'noop' ? 'no-op apply' : what;
    console.log(`${name.padEnd(12)} ${dn[what].toFixed(2).padStart(7)}s ${cmp[what].toFixed(2).padStart(7)}s ${cli[what].toFixed(2).padStart(7)}s ${raw[what].toFixed(2).padStart(7)}s   ${ratio(dn[what], cmp[what])}   ${ratio(dn[what], cli[what])}  ${ratio(dn[what], raw[what])}   ${apiCalls(out[what])}`);
  }
  console.log(`ratios = docknet time / the other's time in this run (below 1: docknet is faster). no-op: the median of ${NOOP_RUNS} runs (the CLI's: one). compose: docker compose 2.40 up -d / up -d again / down of the same objects; CLI: docker commands one by one (its no-op is an inspect of each object, as a script checking the host would do); floor: raw Engine API calls on the socket, as many at once as docknet (its no-op: /info and the three listings).`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
