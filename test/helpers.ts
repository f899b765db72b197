// Test helpers: run the real command line, the real docker CLI and the real firewall.
import { execFile, execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { splitRule } from '../lib/drivers/firewall';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
export const DOCKNET = join(ROOT, 'bin', 'docknet');
export const IMAGE = 'docknet/busybox:latest';

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], timeoutMs = 120_000, env?: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((done) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024, env }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      done({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export const docknet = (...args: string[]) => run(DOCKNET, args);
export const docker = (...args: string[]) => run('docker', args);

/** Runs a command inside a test container. */
export const exec = (container: string, ...args: string[]) => docker('exec', container, ...args);

export async function ping(from: string, target: string, family: '-4' | '-6' = '-4'): Promise<Result> {
  return exec(from, 'ping', family, '-c', '1', '-W', '2', target);
}

/** The TTL a ping reply carried, or undefined when there was none. */
export function ttlOf(r: Result): number | undefined {
  const m = /ttl=(\d+)/.exec(r.stdout);
  return m ? Number(m[1]) : undefined;
}

export function tempSpec(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'docknet-test-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

export function stack(name: string): string {
  return join(ROOT, 'stacks', name);
}

export function containerId(name: string): string {
  return execFileSync('docker', ['inspect', '-f', '{{.Id}}', name]).toString().trim();
}

export function firewallRules(): string {
  return chainRules('filter', 'DOCKER-USER');
}

/** Deletes, by hand as an operator would, the first rule of a docknet stack in a chain (default DOCKER-USER). */
export async function deleteStackRule(stack: string, table: 'filter' | 'raw' = 'filter', chain = 'DOCKER-USER', binary: 'iptables' | 'ip6tables' = 'iptables'): Promise<void> {
  const line = chainRules(table, chain, binary).split('\n').find((l) => l.includes(`docknet:${stack}:`));
  if (!line) throw new Error(`no ${table} ${chain} rule of stack ${stack}`);
  expectOk(await run(binary, ['-w', '-t', table, '-D', ...splitRule(line.replace(/^-A /, ''))]));
}

/** Makes sure every object of a stack is gone, whatever a failed test left and whoever manages it. */
export async function cleanup(...specs: string[]): Promise<void> {
  for (const spec of specs) await docknet('destroy', spec, '--yes', '--take-over');
}

export function expectOk(r: Result): void {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
}

/** A veth pair of the test's own, both ends up, made fresh: its first end serves as a macvlan/ipvlan parent. */
export async function vethPair(a: string, b: string): Promise<void> {
  await run('ip', ['link', 'del', a]);
  for (const args of [['link', 'add', a, 'type', 'veth', 'peer', 'name', b], ['link', 'set', a, 'up'], ['link', 'set', b, 'up']]) expectOk(await run('ip', args));
}

/** Opens a TCP connection, sends an HTTP GET and returns what came back, or "error <code>". */
export function httpGet(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 3000 });
    let data = '';
    socket.on('connect', () => socket.write(`GET /index.html HTTP/1.0\r\nHost: ${host}\r\n\r\n`));
    socket.on('data', (d) => (data += d));
    socket.on('end', () => resolve(data));
    socket.on('timeout', () => {
      socket.destroy();
      resolve('error ETIMEDOUT');
    });
    socket.on('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code}`));
  });
}

/** HTTP GET until the answer holds `expected` (a server may need a moment after start), bounded. */
export async function httpGetEventually(host: string, port: number, expected: string): Promise<string> {
  let last = '';
  for (let i = 0; i < 20; i++) {
    last = await httpGet(host, port);
    if (last.includes(expected)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  return last;
}

/** The last line of a failed command: the engine it ran against (every error names it). */
export const ENGINE_ERROR_LINE = /^error: on engine unix:\/\/\S+ \(Docker \S+ on \S+, firewall iptables\)$/;

/** The engine the tests run against (DOCKER_HOST): its version, as `docker version` reports it. */
export function engineVersion(): string {
  return execFileSync('docker', ['version', '--format', '{{.Server.Version}}']).toString().trim();
}

/** Whether the engine drops direct access to containers in the raw table (Docker 28 and later). */
export function engineFiltersRaw(): boolean {
  return Number(/^(\d+)/.exec(engineVersion())?.[1] ?? 0) >= 28;
}

/** Whether the engine manages ip6tables: its DOCKER-USER chain exists there. */
export function engineManagesIp6tables(): boolean {
  try {
    execFileSync('ip6tables', ['-w', '-S', 'DOCKER-USER'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A chain's rules as iptables (or ip6tables) prints them. */
export function chainRules(table: 'filter' | 'raw', chain: string, binary: 'iptables' | 'ip6tables' = 'iptables'): string {
  return execFileSync(binary, ['-w', '-t', table, '-S', chain]).toString();
}
