// npm run bench: docknet against the plain Docker CLI doing the same work serially, in the same run.
// 50 networks and 100 containers: apply, a no-op apply, destroy. Figures are printed as ratios.
import { execFileSync } from 'node:child_process';
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

function apiCalls(output: string): string {
  return /\((\d+) Docker API calls\)/.exec(output)?.[1] ?? '?';
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'docknet-bench-'));
  const spec = join(dir, 'bench.yaml');
  writeFileSync(spec, specText());
  const docknet = (...args: string[]) => sh(DOCKNET, args);
  // Leftovers of an interrupted run would distort both sides.
  docknet('destroy', spec, '--yes');
  try { cliDestroy('cli'); } catch { /* nothing left over */ }

  console.log(`benchmark: ${NETWORKS} networks, ${CONTAINERS} containers (${process.env.DOCKNET_CONCURRENCY ?? 4} steps at once for docknet)`);
  const cli = { apply: timed(() => cliApply('cli')), noop: timed(() => cliCheck('cli')), destroy: timed(() => cliDestroy('cli')) };
  const out = { apply: '', noop: '', destroy: '' };
  const dn = {
    apply: timed(() => (out.apply = docknet('apply', spec, '--yes'))),
    noop: timed(() => (out.noop = docknet('apply', spec, '--yes'))),
    destroy: timed(() => (out.destroy = docknet('destroy', spec, '--yes'))),
  };
  const row = (name: string, d: number, c: number, calls: string) =>
    console.log(`${name.padEnd(16)} docknet ${d.toFixed(2).padStart(7)}s   docker CLI ${c.toFixed(2).padStart(7)}s   ratio ${(d / c).toFixed(2)}   docknet API calls ${calls}`);
  row('apply', dn.apply, cli.apply, apiCalls(out.apply));
  row('no-op apply', dn.noop, cli.noop, apiCalls(out.noop));
  row('destroy', dn.destroy, cli.destroy, apiCalls(out.destroy));
  console.log('ratio = docknet time / docker CLI time in this run (below 1: docknet is faster). The CLI no-op is an inspect of each object, as a script checking the host would do.');
}

main();
