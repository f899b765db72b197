// Property-based fuzzing of the spec loader (fast-check): whatever the input, loading either returns
// stacks that are consistent, or throws a SpecError whose every issue names the file, the spec path
// and (when the offending node is in the text) its line:col; it is deterministic, and it never touches
// the host. A fixed seed keeps CI reproducible; FUZZ_RUNS (total runs) and FUZZ_SEED explore further:
//
//   FUZZ_RUNS=100000 FUZZ_SEED=7 npx jest dist/test/unit/loader-fuzz.test.js
import fc from 'fast-check';
import childProcess = require('node:child_process');
import dgram = require('node:dgram');
import http = require('node:http');
import https = require('node:https');
import net = require('node:net');
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ipaddr from 'ipaddr.js';
import { isMap, isNode, isScalar, isSeq, parseDocument, stringify, type Document } from 'yaml';
import { loadDocuments, loadSpecs, type SpecDocument } from '../../lib/spec/load';
import { formatIssue, SpecError } from '../../lib/spec/errors';
import { validateStacks } from '../../lib/spec/validate';
import type { Stack } from '../../lib/model/types';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20240611;
const TOTAL_RUNS = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : 6000;
const EXPLORING = process.env.FUZZ_RUNS !== undefined || process.env.FUZZ_SEED !== undefined;
// Share of the runs each property gets.
const SHARE = { wellFormed: 0.2, mutatedObject: 0.2, mutatedYaml: 0.3, mutatedJson: 0.1, bytes: 0.1, anyDocument: 0.1 };
const runsOf = (p: keyof typeof SHARE) => Math.max(1, Math.round(TOTAL_RUNS * SHARE[p]));
const TIMEOUT = EXPLORING ? 24 * 3600 * 1000 : 120_000;
// Exploring: inputs whose first load takes longer than this are copied to FUZZ_SLOW_DIR (no assertion).
const SLOW_MS = Number(process.env.FUZZ_SLOW_MS ?? Infinity);
const SLOW_DIR = process.env.FUZZ_SLOW_DIR ?? join(tmpdir(), 'docknet-fuzz-slow');
let slowCount = 0;
function noteSlow(started: number, what: () => string): void {
  const ms = Date.now() - started;
  if (ms <= SLOW_MS) return;
  mkdirSync(SLOW_DIR, { recursive: true });
  writeFileSync(join(SLOW_DIR, `slow-${process.pid}-${++slowCount}-${ms}ms.txt`), what());
}
const done: string[] = [];

// ---------------------------------------------------------------------------------------------------
// Outcomes and the properties every outcome must have.

type Outcome = { ok: true; stacks: Stack[] } | { ok: false; error: SpecError };

/** (a) The call returns stacks or throws a SpecError; anything else escapes and fails the property. */
function attempt(load: () => Stack[]): Outcome {
  try {
    return { ok: true, stacks: load() };
  } catch (e) {
    if (e instanceof SpecError) return { ok: false, error: e };
    throw e;
  }
}

/** What a person would see (functions such as position lookups are left out). */
const fingerprint = (o: Outcome) => (o.ok ? JSON.stringify(o.stacks, shortLists) : JSON.stringify(o.error.issues));
/** Replicas share long lists (65535 publishes): compare their ends and length, not every item again. */
function shortLists(_key: string, value: unknown): unknown {
  return Array.isArray(value) && value.length > 64 ? [value.length, ...value.slice(0, 8), ...value.slice(-8)] : value;
}

/** A spec file as the loader reads it: the text, and our own parse of it for positions and counts. */
interface TextInput {
  file: string;
  doc: Document;
}

const POSITION = /^\d+:\d+$/;

/** The JS key yaml gives a scalar map key (null ⇒ ""), as toJS does. */
function keyText(key: unknown): string | undefined {
  if (!isScalar(key)) return undefined;
  const v = key.value;
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? undefined : String(v);
}

/** The node at the longest prefix of `path` that exists in the YAML text (the offending node or its nearest parent). */
function expectedPosition(input: TextInput, path: (string | number)[]): string | undefined {
  let node: unknown = input.doc.contents;
  if (!isNode(node) || !node.range) return undefined;
  let found = node;
  for (const part of path) {
    let next: unknown;
    if (isMap(node)) next = node.items.find((pair) => keyText(pair.key) === String(part))?.value;
    else if (isSeq(node)) {
      const i = typeof part === 'number' ? part : /^\d+$/.test(part) ? Number(part) : -1;
      next = node.items[i];
    }
    if (!isNode(next) || !next.range) break;
    node = found = next;
  }
  return linePos(input, found.range![0]);
}

const lineCounters = new WeakMap<Document, number[]>();
function linePos(input: TextInput, offset: number): string {
  let starts = lineCounters.get(input.doc);
  if (!starts) {
    const text = readFileSync(input.file, 'utf8');
    starts = [0];
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
    lineCounters.set(input.doc, starts);
  }
  let line = 0;
  while (line + 1 < starts.length && starts[line + 1] <= offset) line++;
  return `${line + 1}:${offset - starts[line] + 1}`;
}

/** A failed property, with what was seen (expect() is too slow for the inner loops of thousands of runs). */
function must(ok: boolean, what: string, seen?: unknown): void {
  if (!ok) throw new Error(`${what}${seen === undefined ? '' : `: ${JSON.stringify(seen)}`}`);
}

/** (b) Every issue names its file (one of the inputs), a path, a message and, when the node is in the text, its line:col. */
function checkError(error: SpecError, files: string[], texts: Map<string, TextInput>): void {
  must(error.issues.length > 0, 'a SpecError without issues');
  for (const line of error.message.split('\n')) must(files.some((f) => line.startsWith(f)), 'a line of the error does not start with the file', line);
  for (const issue of error.issues) {
    const shown = formatIssue(issue);
    must(files.includes(issue.file), 'an issue names another file', issue);
    must(Array.isArray(issue.path) && issue.path.every((p) => typeof p === 'string' || typeof p === 'number'), 'an issue without a path', issue);
    must(typeof issue.message === 'string' && issue.message.length > 0, 'an issue without a message', issue);
    must(shown.startsWith(issue.file) && !shown.includes('\n'), 'a formatted issue does not start with its file or spans lines', shown);
    const text = texts.get(issue.file);
    if (!text) must(issue.position === undefined, 'a position for a document without text', issue);
    else if (issue.message.startsWith('malformed ')) must(POSITION.test(issue.position ?? ''), 'malformed input without line:col', issue);
    else {
      const expected = expectedPosition(text, issue.path);
      must(issue.position === expected, `issue "${shown}" is at ${issue.position}, the node of its path at ${expected}`);
    }
  }
}

const plainIp = (text: string, family: 4 | 6) => /^[0-9A-Fa-f:.]+$/.test(text) && net.isIP(text) === family;

function inside(address: string, subnet: string): boolean {
  const [range, bits] = ipaddr.parseCIDR(subnet);
  const a = ipaddr.parse(address);
  return a.kind() === range.kind() && a.match(range, bits);
}

/** (c) A valid result is consistent: references resolve, addresses sit in their subnets, no subnets overlap. */
function checkStacks(stacks: Stack[], partial: boolean): void {
  try {
    validateStacks(stacks, undefined, { partial });
  } catch (e) {
    must(false, 'validateStacks refuses what the loader returned', (e as Error).message);
  }
  const subnets: { name: string; family: 4 | 6; cidr: string }[] = [];
  for (const stack of stacks) {
    const nets = new Map(stack.networks.map((n) => [n.name, n]));
    for (const n of stack.networks) {
      for (const [family, ipam] of [[4, n.ipv4], [6, n.ipv6]] as const) {
        if (!ipam?.subnet) continue;
        const [base, bits] = ipam.subnet.split('/');
        must(plainIp(base, family) && /^\d{1,3}$/.test(bits), 'an accepted subnet is not address/prefix', ipam.subnet);
        const [range, prefix] = ipaddr.parseCIDR(ipam.subnet);
        const network = family === 4 ? ipaddr.IPv4.networkAddressFromCIDR(ipam.subnet) : ipaddr.IPv6.networkAddressFromCIDR(ipam.subnet);
        must(range.toString() === network.toString() && prefix <= (family === 4 ? 32 : 128), 'an accepted subnet has host bits', ipam.subnet);
        for (const a of [ipam.gateway, ...Object.values(ipam.auxAddresses ?? {})]) {
          if (a !== undefined) must(plainIp(a, family) && inside(a, ipam.subnet), 'an accepted gateway or aux address is outside its subnet', [a, ipam.subnet]);
        }
        if (ipam.ipRange !== undefined) must(inside(ipam.ipRange.split('/')[0], ipam.subnet), 'an accepted ipRange is outside its subnet', [ipam.ipRange, ipam.subnet]);
        for (const other of subnets) {
          if (other.family !== family) continue;
          must(!inside(other.cidr.split('/')[0], ipam.subnet) && !inside(base, other.cidr), 'accepted subnets overlap', [ipam.subnet, other.cidr]);
        }
        subnets.push({ name: n.name, family, cidr: ipam.subnet });
      }
    }
    const publishes = new Set<unknown>();
    for (const c of stack.containers) {
      for (const e of c.endpoints) {
        const n = nets.get(e.network);
        must(partial || n !== undefined, 'an endpoint names a network that is not in its stack', [c.name, e.network]);
        for (const [family, address] of [[4, e.ipv4], [6, e.ipv6]] as const) {
          if (address === undefined || !n) continue;
          const subnet = (family === 4 ? n.ipv4 : n.ipv6)?.subnet;
          must(subnet !== undefined && plainIp(address, family) && inside(address, subnet), 'an accepted static address is outside its subnet', [address, subnet]);
        }
      }
      if (publishes.has(c.publish)) continue; // replicas share them
      publishes.add(c.publish);
      for (const p of c.publish) {
        const ports = [p.containerPort, ...(p.hostPort === '' ? [] : p.hostPort.split('-').map(Number))];
        must(ports.every((port) => Number.isInteger(port) && port >= 1 && port <= 65535), 'an accepted publish has a port outside 1–65535', p);
        must(p.hostIp === '' || net.isIP(p.hostIp) !== 0, 'an accepted publish has a host address that is not an IP', p);
      }
    }
    for (const r of stack.routes) {
      for (const end of [r.from, r.to]) {
        const n = nets.get(end);
        must(partial || n !== undefined, 'a route names a network that is not in its stack', [r.id, end]);
        must(!n || n.driver === 'bridge', 'a route joins a network that is not a bridge', [r.id, end]);
      }
    }
  }
}

/** (e) Nothing declared is dropped: every network, container and route of a valid input is in the result. */
interface Declared {
  file: string;
  networks?: number;
  containers?: number;
  routes?: number;
}

function checkComplete(stacks: Stack[], declared: Declared[]): void {
  for (const d of declared) {
    const mine = <T extends { source: { file: string } }>(xs: T[]) => xs.filter((x) => x.source.file === d.file);
    const found = {
      networks: mine(stacks.flatMap((s) => s.networks)).length,
      containers: new Set(mine(stacks.flatMap((s) => s.containers)).map((c) => c.service)).size,
      routes: mine(stacks.flatMap((s) => s.routes)).length,
    };
    for (const kind of ['networks', 'containers', 'routes'] as const) {
      if (d[kind] !== undefined) must(found[kind] === d[kind], `${d.file} declares ${d[kind]} ${kind}, the result has ${found[kind]}`);
    }
  }
}

function declaredInText(input: TextInput): Declared {
  const out: Declared = { file: input.file };
  const root = input.doc.contents;
  if (!isMap(root)) return out;
  const section = (name: string) => root.items.find((p) => keyText(p.key) === name)?.value;
  const simpleMap = (node: unknown) => isMap(node) && node.items.every((p) => keyText(p.key) !== undefined && keyText(p.key) !== '<<');
  const nets = section('networks');
  if (simpleMap(nets)) out.networks = (nets as { items: unknown[] }).items.length;
  const ctrs = section('containers');
  if (simpleMap(ctrs)) out.containers = (ctrs as { items: unknown[] }).items.length;
  const routes = section('routes');
  if (isSeq(routes)) out.routes = routes.items.length;
  return out;
}

function declaredInDocument(file: string, doc: unknown): Declared {
  const out: Declared = { file };
  if (!isPlain(doc)) return out;
  const count = (v: unknown) => (isPlain(v) ? Object.keys(v).length : undefined);
  out.networks = count(doc.networks);
  out.containers = count(doc.containers);
  if (Array.isArray(doc.routes)) out.routes = doc.routes.length;
  return out;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

// ---------------------------------------------------------------------------------------------------
// "Never a host change": no process, no socket, no HTTP request while loading.

const GUARDED: [object, string][] = [
  ...['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'].map((k) => [childProcess, k] as [object, string]),
  [net, 'connect'],
  [net, 'createConnection'],
  [net.Socket.prototype, 'connect'],
  [http, 'request'],
  [http, 'get'],
  [https, 'request'],
  [https, 'get'],
  [dgram, 'createSocket'],
];

function withoutHost<T>(fn: () => T): T {
  const env = { DOCKER_HOST: process.env.DOCKER_HOST, PATH: process.env.PATH };
  process.env.DOCKER_HOST = 'unix:///nonexistent/docknet-fuzz/docker.sock';
  process.env.PATH = '/nonexistent/docknet-fuzz';
  const spies = GUARDED.map(([obj, key]) =>
    jest.spyOn(obj as Record<string, () => unknown>, key).mockImplementation(() => {
      throw new Error(`the loader touched the host: ${key}`);
    }),
  );
  // yaml warns through process.emitWarning (e.g. for collection keys); that is not the loader's output.
  const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  let failed = true;
  try {
    const result = fn();
    failed = false;
    return result;
  } finally {
    const calls = spies.flatMap((s, i) => (s.mock.calls.length > 0 ? [`${GUARDED[i][1]} ×${s.mock.calls.length}`] : []));
    for (const s of spies) s.mockRestore();
    warn.mockRestore();
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    if (!failed) expect(calls).toEqual([]);
  }
}

// ---------------------------------------------------------------------------------------------------
// Generators: well-formed specs following the schema (values often invalid on purpose).

const NAMES = ['a', 'b', 'lab-a', 'lab-b', 'net1', 'web', 'db', 'x.y', 'x_y', 'n0'];
const WEIRD_NAMES = [
  '', ' ', '-a', '.', '..', 'ünï', 'a b', 'a/b', 'a:b', 'a\nb', '\u0000', '\t', 'é'.repeat(20), 'x'.repeat(201), 'y'.repeat(64),
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '1', '10', '0x10', '1.0', 'true', 'null', '~', 'yes',
  '*a', '&a', '!tag', '#c', "'q'", '"q"', '- x', '? k', '<<', '\u202e', '😀', '%', '@x', '`x`', '{a}', '[b]',
];
const nameArb = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(...NAMES) },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9_.-]{0,12}$/) },
  { weight: 1, arbitrary: fc.constantFrom(...WEIRD_NAMES) },
);
const textArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('x', 'busybox:latest', 'nginx', 'team', 'net', '1', 'true', '') },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12, unit: fc.integer({ min: 0xa0, max: 0x2ffff }).filter((c) => c < 0xd800 || c > 0xdfff).map((c) => String.fromCodePoint(c)) }) },
);
/** Any code point, lone surrogates included (fc's 'binary' unit costs seconds to set up). */
const anyChar = fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c));

/** undefined one time in `freq` (roughly), else a value. */
const opt = <T>(arb: fc.Arbitrary<T>, freq = 2): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: 10, arbitrary: fc.constant(undefined) }, { weight: Math.round(10 * (freq - 1)), arbitrary: arb });

/** Drops undefined properties, so the same document goes to YAML, JSON and loadDocuments unchanged. */
function compact<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

const u32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

interface V4 {
  net: number;
  prefix: number;
  size: number;
}
interface V6 {
  net: bigint;
  prefix: number;
  size: bigint;
}

const v4BlockArb: fc.Arbitrary<V4> = fc
  .record({ k: fc.integer({ min: 0, max: 15 }), prefix: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 16, max: 30 }) }, fc.constantFrom(8, 31, 32)), r: fc.nat(0xffff) })
  .map(({ k, prefix, r }) => {
    const size = 2 ** (32 - prefix);
    return { net: Math.floor((0x0a000000 + k * 0x10000 + r) / size) * size, prefix, size };
  });

const v6Text = (v: bigint) => {
  const bytes: number[] = [];
  for (let i = 15; i >= 0; i--) bytes.push(Number((v >> BigInt(i * 8)) & 255n));
  return ipaddr.fromByteArray(bytes).toString();
};

const v6BlockArb: fc.Arbitrary<V6> = fc
  .record({ k: fc.integer({ min: 0, max: 15 }), prefix: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 48, max: 124 }) }, fc.constantFrom(8, 127, 128)), r: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) })
  .map(({ k, prefix, r }) => {
    const size = 1n << BigInt(128 - prefix);
    const raw = (0xfd00n << 112n) | (BigInt(k) << 64n) | r;
    return { net: (raw / size) * size, prefix, size };
  });

const BAD_V4_CIDRS = ['', ' ', '10.0.0.0/24 ', '10.0.0/24', '10.0.0.0/-1', '10.0.0.0/024', '010.0.0.0/8', '0.0.0.0/0', '255.255.255.255/32', '10.0.0.0/8', 'abc', '10.0.0.0/24/24', '::/0', '10.0.0.0%eth0/24', '1e3/8', '10.0.0.0/', '/24', '10.0.0.0/1.5', '10.0.0.0/ 24', '１０.0.0.0/8'];
const BAD_V6_CIDRS = ['fd00::/64 ', 'fd00:::/64', 'gd00::/64', '::ffff:10.0.0.0/120', '::/0', 'fd00::/064', 'fe80::%eth0/64', 'FD00::/129', 'fd00::/-1', '10.0.0.0/24', 'fd00::1', '[fd00::]/64', 'fd00::/64%lo'];
const BAD_ADDRESSES = ['', '10.0.0', '1.2.3.256', 'fd00::1', '10.0.0.1/24', ' 10.0.0.1', '010.0.0.1', '10.0.0.1%lo', 'localhost', 'fe80::1%eth0', '::ffff:10.0.0.1', '0x0a.0.0.1', '10.0.0.01', '::', '0.0.0.0'];

function v4SubnetArb(b: V4): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant(`${u32(b.net)}/${b.prefix}`) },
    { weight: 1, arbitrary: fc.constant(`${u32(b.net + 1)}/${b.prefix}`) },
    { weight: 1, arbitrary: fc.constant(`${u32(b.net)}/33`) },
    { weight: 2, arbitrary: fc.constantFrom(...BAD_V4_CIDRS) },
  );
}
function v6SubnetArb(b: V6): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 10, arbitrary: fc.constant(`${v6Text(b.net)}/${b.prefix}`) },
    { weight: 1, arbitrary: fc.constant(`${ipaddr.parse(v6Text(b.net)).toNormalizedString().toUpperCase()}/${b.prefix}`) },
    { weight: 1, arbitrary: fc.constant(`${v6Text(b.net + 1n)}/${b.prefix}`) },
    { weight: 2, arbitrary: fc.constantFrom(...BAD_V6_CIDRS) },
  );
}
function v4AddressArb(b: V4 | undefined): fc.Arbitrary<string> {
  const inBlock = b ? fc.nat().map((off) => u32(b.net + 1 + (off % Math.max(1, b.size - 2)))) : fc.constant('10.0.0.5');
  return fc.oneof(
    { weight: 10, arbitrary: inBlock },
    { weight: 1, arbitrary: fc.constant(b ? u32(b.net + 1) : '10.0.0.1') },
    { weight: 2, arbitrary: fc.nat(0xffff).map((r) => u32(0x0a100000 + r)) },
    { weight: 2, arbitrary: fc.constantFrom(...BAD_ADDRESSES) },
  );
}
function v6AddressArb(b: V6 | undefined): fc.Arbitrary<string> {
  const inBlock = b ? fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((off) => v6Text(b.net + 1n + (b.size > 2n ? off % (b.size - 2n) : 0n))) : fc.constant('fd00::5');
  return fc.oneof(
    { weight: 10, arbitrary: inBlock },
    { weight: 2, arbitrary: fc.constantFrom('fd99::1', 'fd00:0:0:ff::1', '2001:db8::1') },
    { weight: 2, arbitrary: fc.constantFrom(...BAD_ADDRESSES) },
  );
}

interface Net {
  name: string;
  doc: Record<string, unknown>;
  v4?: V4;
  v6?: V6;
}

const labelsArb = fc.dictionary(fc.oneof(fc.constantFrom('team', 'tier', 'io.docknet.x', 'a=b', '', '__proto__'), fc.string({ maxLength: 6 })), textArb, { maxKeys: 3 });
const durationArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('5s', '1m30s', '500ms', '1.5h', '2h45m', '10us', '7ns', '0s') },
  { weight: 1, arbitrary: fc.constantFrom('5 seconds', '', '5', 's', '1.s', '-5s', '1d', '9'.repeat(400) + 's') },
);
const interfaceArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('eth0', 'enp0s3', 'dn-mv0', 'br-lab001', 'intf') },
  { weight: 1, arbitrary: fc.constantFrom('eth 0', 'x'.repeat(16), '', 'a.b', '..', '.', 'a/b', 'ä', 'e:0', 'enp0s31f6long') },
);
const ipamArb = (family: 4 | 6) =>
  ((family === 4 ? v4BlockArb : v6BlockArb) as fc.Arbitrary<V4 | V6>).chain((b) => {
    const addr = family === 4 ? v4AddressArb(b as V4) : v6AddressArb(b as V6);
    const subnet = family === 4 ? v4SubnetArb(b as V4) : v6SubnetArb(b as V6);
    const range = family === 4 ? fc.constant(`${u32((b as V4).net)}/${Math.min(32, b.prefix + 1)}`) : fc.constant(`${v6Text((b as V6).net)}/${Math.min(128, b.prefix + 1)}`);
    return fc
      .record({
        subnet: opt(subnet, 12),
        ipRange: opt(fc.oneof(range, subnet), 3),
        gateway: opt(addr, 2),
        auxAddresses: opt(fc.dictionary(fc.constantFrom('router', 'dns', 'x', ''), addr, { maxKeys: 2 }), 4),
      })
      .map((doc) => ({ doc: compact(doc), block: b }));
  });

const networkArb: fc.Arbitrary<Omit<Net, 'name'>> = fc
  .record({
    driver: opt(fc.constantFrom('bridge', 'bridge', 'bridge', 'macvlan', 'ipvlan', 'overlay', 'weave', 'custom/plugin:latest', ''), 2),
    v4: opt(ipamArb(4), 4),
    v6: opt(ipamArb(6), 1.5),
    internal: opt(fc.boolean(), 1.3),
    attachable: opt(fc.boolean(), 1.3),
    labels: opt(labelsArb, 1.3),
    bridge: opt(
      fc.record({
        name: opt(interfaceArb),
        icc: opt(fc.boolean()),
        masquerade: opt(fc.boolean()),
        hostBindingIpv4: opt(fc.oneof(fc.constantFrom('0.0.0.0', '127.0.0.1'), fc.constantFrom(...BAD_ADDRESSES))),
        mtu: opt(fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 68, max: 65535 }) }, fc.constantFrom(0, 67, 65536, 9000))),
        ifacePrefix: opt(fc.oneof(fc.constantFrom('intf', 'eth', 'x'.repeat(13), 'x'.repeat(14), ''), interfaceArb)),
      }),
      1.5,
    ),
    macvlan: opt(fc.record({ parent: interfaceArb, vlan: opt(fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 4094 }) }, fc.constantFrom(0, -1, 4095, 99999))), mode: opt(fc.constantFrom('bridge', 'vepa', 'passthru', 'private')) })),
    ipvlan: opt(fc.record({ parent: interfaceArb, vlan: opt(fc.integer({ min: -2, max: 5000 })), mode: opt(fc.constantFrom('l2', 'l3', 'l3s')) })),
    overlay: opt(fc.record({ encrypted: opt(fc.boolean()) })),
    options: opt(fc.dictionary(fc.constantFrom('some.key', 'parent', 'com.docker.network.bridge.host_binding_ipv4', 'com.docker.network.container_iface_prefix'), textArb, { maxKeys: 2 }), 4),
    wrongSections: fc.nat(9),
  })
  .map(({ v4, v6, wrongSections, ...r }) => {
    const driver = r.driver ?? 'bridge';
    const doc: Record<string, unknown> = { driver: r.driver, internal: r.internal, attachable: r.attachable, labels: r.labels, options: r.options };
    for (const section of ['bridge', 'macvlan', 'ipvlan', 'overlay'] as const) {
      const value = r[section] === undefined ? undefined : compact({ ...(r[section] as Record<string, unknown>) });
      if (section === driver || wrongSections === 0) doc[section] = value;
    }
    if (v4) doc.ipv4 = v4.doc;
    if (v6) doc.ipv6 = v6.doc;
    return { doc: compact(doc), v4: v4?.block as V4 | undefined, v6: v6?.block as V6 | undefined };
  });

const portArb = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 65535 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 65536, 99999, -1) });
const rangeArb = fc.oneof(
  { weight: 6, arbitrary: portArb.map(String) },
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 1, max: 65000 }), fc.integer({ min: 0, max: 8 })).map(([s, n]) => `${s}-${s + n}`) },
  { weight: 1, arbitrary: fc.constantFrom('1-65535', '1000-1', '80-', '-80', 'x', '', '080', '8080.0', '１２') },
);
const hostIpArb = fc.constantFrom('127.0.0.1', '0.0.0.0', '::1', '::', '1.2.3.4', 'bad', '');
const publishArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .record({ ip: opt(hostIpArb), host: opt(rangeArb, 1.5), container: rangeArb, proto: opt(fc.constantFrom('tcp', 'udp', 'sctp', 'icmp', '', 'TCP'), 1.5) })
      .map(({ ip, host, container, proto }) => {
        const ipText = ip === undefined ? '' : ip.includes(':') ? `[${ip}]:` : `${ip}:`;
        return `${ipText}${host === undefined ? (ip === undefined ? '' : ':') : `${host}:`}${container}${proto === undefined ? '' : `/${proto}`}`;
      }),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ hostIp: opt(hostIpArb), hostPort: opt(fc.oneof(portArb, rangeArb)), containerPort: fc.oneof(portArb, rangeArb), protocol: opt(fc.constantFrom('tcp', 'udp', 'sctp')) })
      .map((p) => compact(p)),
  },
);
const macArb = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 }).map((b) => b.map((x) => x.toString(16).padStart(2, '0')).join(':')) },
  { weight: 1, arbitrary: fc.constantFrom('02:42:ac:11:00:02', '02:42:AC:11:00:02', '02-42-ac-11-00-02', '02:42:ac:11:00', 'zz:zz:zz:zz:zz:zz', '') },
);
const aliasArb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('web', 'db.local', 'a-b', 'x1') }, { weight: 1, arbitrary: fc.constantFrom('', '-a', 'a b', 'ä', 'a_', '.') });

function containerArb(nets: Net[]): fc.Arbitrary<Record<string, unknown>> {
  const netName = nets.length > 0 ? fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...nets.map((n) => n.name)) }, { weight: 1, arbitrary: nameArb }) : nameArb;
  const endpointArb = (name: string) => {
    const n = nets.find((x) => x.name === name);
    return fc
      .record({ ipv4: opt(v4AddressArb(n?.v4), 2), ipv6: opt(v6AddressArb(n?.v6), 3), aliases: opt(fc.array(aliasArb, { maxLength: 2 }), 3), mac: opt(macArb, 4) })
      .map((e) => compact(e));
  };
  const networksArb = fc.oneof(
    { weight: 2, arbitrary: fc.array(netName, { maxLength: 3 }) },
    {
      weight: 3,
      arbitrary: fc.uniqueArray(netName, { maxLength: 3 }).chain((names) =>
        fc.tuple(...names.map((name) => fc.option(endpointArb(name), { nil: null, freq: 6 }))).map((eps) => Object.fromEntries(names.map((name, i) => [name, eps[i]]))),
      ),
    },
  );
  return fc
    .record({
      image: fc.oneof({ weight: 9, arbitrary: fc.constantFrom('busybox:latest', 'nginx', 'docknet/busybox:latest') }, { weight: 1, arbitrary: textArb }),
      command: opt(fc.array(textArb, { maxLength: 3 }), 3),
      env: opt(fc.dictionary(fc.constantFrom('MODE', 'A', 'a=b', '', 'PATH'), fc.oneof(textArb, fc.integer(), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true })), { maxKeys: 2 }), 3),
      replicas: opt(fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 4 }) }, fc.constantFrom(0, -1, 1000, 1001, 1.5)), 3),
      networks: opt(networksArb, 1.3),
      networkMode: opt(fc.constantFrom('host', 'none'), 8),
      publish: opt(fc.array(publishArb, { maxLength: 3 }), 2),
      healthcheck: opt(
        fc.record({ test: fc.array(textArb, { minLength: 0, maxLength: 3 }), interval: opt(durationArb), timeout: opt(durationArb), retries: opt(fc.integer({ min: -1, max: 10 })), startPeriod: opt(durationArb) }).map((h) => compact(h)),
        4,
      ),
      restart: opt(fc.constantFrom('no', 'always', 'unless-stopped', 'on-failure'), 3),
      labels: opt(labelsArb, 3),
    })
    .map((c) => compact(c));
}

function routeArb(nets: Net[]): fc.Arbitrary<Record<string, unknown>> {
  const end = nets.length > 0 ? fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...nets.map((n) => n.name)) }, { weight: 1, arbitrary: nameArb }) : nameArb;
  const allow = fc.array(
    fc.oneof({ weight: 5, arbitrary: fc.constantFrom('icmp', 'tcp', 'udp', 'sctp', 'tcp/80', 'udp/53', 'tcp/8000-8080') }, { weight: 1, arbitrary: fc.constantFrom('tcp/0', 'tcp/99999', 'tcp/90-80', 'http', 'icmp/1', '') }),
    { maxLength: 3 },
  );
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ between: fc.tuple(end, end), allow: opt(allow, 3) }) },
    { weight: 3, arbitrary: fc.record({ from: end, to: end, allow: opt(allow, 3) }) },
    { weight: 1, arbitrary: fc.record({ between: opt(fc.tuple(end, end)), from: opt(end), to: opt(end) }) },
  ).map((r) => compact(r as Record<string, unknown>));
}

/** A whole spec document; some sub-objects are shared, which YAML writes as anchors and aliases. */
const specArb: fc.Arbitrary<Record<string, unknown>> = fc
  .uniqueArray(fc.tuple(nameArb, networkArb), { maxLength: 4, selector: ([name]) => name })
  .map((pairs) => pairs.map(([name, n]) => ({ name, ...n }) as Net))
  .chain((nets) =>
    fc
      .record({
        version: fc.oneof({ weight: 30, arbitrary: fc.constant(1 as unknown) }, fc.constantFrom(2, '1', 1.5, 0)),
        stack: opt(fc.oneof(fc.constantFrom('lab', 'one', 'two'), nameArb), 3),
        withNetworks: fc.nat(9),
        containers: opt(fc.dictionary(nameArb, containerArb(nets), { maxKeys: 4 }), 1.3),
        routes: opt(fc.array(routeArb(nets), { maxLength: 3 }), 2),
        share: fc.nat(3),
      })
      .map(({ withNetworks, share, ...r }) => {
        const doc: Record<string, unknown> = { version: r.version, stack: r.stack, containers: r.containers, routes: r.routes };
        if (nets.length > 0 || withNetworks === 0) doc.networks = Object.fromEntries(nets.map((n) => [n.name, n.doc]));
        const ctrs = Object.values((r.containers ?? {}) as Record<string, Record<string, unknown>>);
        if (share === 0 && ctrs.length > 1) for (const c of ctrs.slice(1)) if (ctrs[0].labels) c.labels = ctrs[0].labels;
        if (share === 1 && ctrs.length > 1 && ctrs[0].healthcheck) ctrs[ctrs.length - 1].healthcheck = ctrs[0].healthcheck;
        return compact(doc);
      }),
  );

// ---------------------------------------------------------------------------------------------------
// Mutations of documents: deleted keys, wrong types, unknown keys, huge and negative numbers, shared
// and circular references.

const garbageArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, -0, 1.5, 1e308, -1e308, 2 ** 53 + 2, Number.NaN, Infinity, -Infinity, '', ' ', 'NaN', '-0', '0x1F', 'Infinity', '1e999', '.nan', '~', '\u0000', '\u202e', '\ud800', 'é', 'x'.repeat(5000), [], {}, [[[]]], { a: { b: { c: [] } } }, [null], { '': '' }, { __proto__: null }),
  fc.string({ maxLength: 10, unit: anyChar }),
  fc.integer(),
  fc.double(),
  fc.nat(400).map((d) => JSON.parse('['.repeat(d + 1) + ']'.repeat(d + 1)) as unknown),
  fc.jsonValue({ maxDepth: 3 }),
);

type ObjectMutation = { kind: number; at: number; other: number; key: string; garbage: unknown };
const objectMutationArb: fc.Arbitrary<ObjectMutation> = fc.record({
  kind: fc.nat(9),
  at: fc.nat(),
  other: fc.nat(),
  key: fc.oneof(fc.constantFrom('x', 'subnet', 'driver', '__proto__', 'constructor', '<<', ''), fc.string({ maxLength: 5 })),
  garbage: garbageArb,
});

type Slot = { parent: Record<string | number, unknown>; key: string | number };

function slots(root: Record<string, unknown>): Slot[] {
  const out: Slot[] = [];
  const seen = new Set<unknown>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null || seen.has(v)) continue;
    seen.add(v);
    for (const key of Array.isArray(v) ? v.keys() : Object.keys(v)) {
      out.push({ parent: v as Record<string | number, unknown>, key });
      stack.push((v as Record<string | number, unknown>)[key]);
    }
  }
  return out;
}

function mutate(root: Record<string, unknown>, m: ObjectMutation): void {
  const all = slots(root);
  if (all.length === 0) {
    root[m.key] = structuredClone(m.garbage);
    return;
  }
  const { parent, key } = all[m.at % all.length];
  const value = parent[key];
  switch (m.kind) {
    case 0:
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      break;
    case 1:
    case 2:
      parent[key] = structuredClone(m.garbage);
      break;
    case 3:
      Object.defineProperty(typeof value === 'object' && value !== null && !Array.isArray(value) ? value : parent, m.key, { value: structuredClone(m.garbage), enumerable: true, writable: true, configurable: true });
      break;
    case 4:
      parent[key] = [value];
      break;
    case 5:
      parent[key] = typeof value === 'object' && value !== null ? (Array.isArray(value) ? Object.fromEntries(value.entries()) : Object.values(value)) : { [String(value)]: value };
      break;
    case 6:
      parent[key] = typeof value === 'string' ? Number(value) : (toJson(value, 0) ?? String(value));
      break;
    case 7:
      parent[key] = all[m.other % all.length].parent[all[m.other % all.length].key];
      break;
    case 8:
      parent[key] = parent;
      break;
    default:
      parent[key] = typeof value === 'number' ? [2 ** 31, -(2 ** 31), 1e21, -value, value + 0.5][m.other % 5] : `${String(value)}${'\u0000\u0085\u2028é'[m.other % 4]}`;
  }
}

const mutatedSpecArb = fc.tuple(specArb, fc.array(objectMutationArb, { minLength: 1, maxLength: 4 })).map(([spec, mutations]) => {
  const doc = structuredClone(spec);
  for (const m of mutations) mutate(doc, m);
  return doc;
});

// ---------------------------------------------------------------------------------------------------
// Mutations of YAML and JSON text: duplicate keys, anchors and aliases, tags, deep nesting, several
// documents, BOMs, control characters, truncation…

const TEXT_KINDS = [
  'truncate', 'insert', 'delete', 'dup-line', 'swap-lines', 'indent', 'bom', 'multi-doc', 'tag', 'yaml11', 'anchor-alias',
  'merge', 'alias-bomb', 'deep', 'control', 'newlines', 'tabs', 'unquote', 'requote-key', 'comment', 'directive', 'number-forms',
] as const;
type TextMutation = { kind: (typeof TEXT_KINDS)[number]; pos: number; pos2: number; n: number; choice: number; payload: string };
const textMutationArb: fc.Arbitrary<TextMutation> = fc.record({
  kind: fc.constantFrom(...TEXT_KINDS),
  pos: fc.nat(),
  pos2: fc.nat(),
  n: fc.nat(),
  choice: fc.nat(),
  payload: fc.oneof(
    fc.string({ maxLength: 6, unit: anyChar }),
    fc.constantFrom(':', ': ', ' ', '\n', '- ', '? ', '{', '}', '[', ']', ',', '&a ', '*a', '!', '|', '>', '%', '@', '`', '"', "'", '#', '\t', '---', '...', '<<: ', '\n  ', '\n- ', '\\'),
  ),
});

const TAGS = ['!!binary', '!!set', '!!omap', '!!pairs', '!!str', '!!int', '!!float', '!!bool', '!!null', '!!map', '!!seq', '!custom', '!<tag:yaml.org,2002:str>', '!!timestamp', '!e!x', '!', '!!python/object'];
const MERGES = ['*x', '[*x]', '1', '{a: 1}', '[1, 2]', 'null', '*nope', '[*x, 1]'];
const CONTROLS = ['\u0000', '\u0007', '\u0008', '\u001b', '\u007f', '\u0085', '\u2028', '\u2029', '\ufeff', '\ud800', '\t', '\r', '\v', '\f'];
const DIRECTIVES = ['%YAML 1.1\n---\n', '%YAML 1.2\n---\n', '%YAML 1.3\n---\n', '%YAML 2.0\n---\n', '%TAG !e! tag:example.com,2000:\n---\n', '%FOO bar\n---\n', '%YAML 1.1\n'];
const NUMBER_FORMS = ['0x10', '0o17', '1e3', '.inf', '-.inf', '.nan', '1_000', '+1', '01', '1.0', '99999999999999999999999', '-0', '0b1', '1:20'];

/** Offsets just after ": " (where a value starts). */
function valueStarts(text: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf(': '); i >= 0; i = text.indexOf(': ', i + 1)) out.push(i + 2);
  return out;
}

function mutateText(text: string, m: TextMutation): string {
  const len = text.length;
  const p = m.pos % (len + 1);
  const lines = text.split('\n');
  const li = m.pos % lines.length;
  const starts = valueStarts(text);
  const vs = starts.length > 0 ? starts[m.pos % starts.length] : p;
  const lineEnd = (at: number) => (text.indexOf('\n', at) < 0 ? len : text.indexOf('\n', at));
  switch (m.kind) {
    case 'truncate':
      return text.slice(0, p);
    case 'insert':
      return text.slice(0, p) + m.payload + text.slice(p);
    case 'delete':
      return text.slice(0, p) + text.slice(p + (m.n % 40));
    case 'dup-line': {
      const to = m.pos2 % (lines.length + 1);
      lines.splice(to, 0, lines[li]);
      return lines.join('\n');
    }
    case 'swap-lines': {
      const lj = m.pos2 % lines.length;
      [lines[li], lines[lj]] = [lines[lj], lines[li]];
      return lines.join('\n');
    }
    case 'indent':
      lines[li] = m.choice % 2 === 0 ? ' '.repeat(1 + (m.n % 4)) + lines[li] : lines[li].replace(/^ {1,2}/, '');
      return lines.join('\n');
    case 'bom':
      return m.choice % 3 === 0 ? `\ufeff\ufeff${text}` : `\ufeff${text}`;
    case 'multi-doc':
      return [`${text}\n---\n${text}`, `${text}\n---\nversion: 1\n`, `---\n${text}\n...\n`, `${text}\n...\n`, `---\n---\n${text}`][m.choice % 5];
    case 'tag':
      return `${text.slice(0, vs)}${TAGS[m.choice % TAGS.length]} ${text.slice(vs)}`;
    case 'yaml11':
      return `%YAML 1.1\n---\n${text}`;
    case 'anchor-alias': {
      if (starts.length === 0) return `${text}\nx: *x\n`;
      const a = starts[m.pos % starts.length];
      const b = starts[m.pos2 % starts.length];
      const alias = ['*x', '*y', '*x ', '[*x]', '{k: *x}'][m.choice % 5];
      if (a === b) return `${text.slice(0, a)}&x ${text.slice(a)}`;
      const [first, second] = a < b ? [a, b] : [b, a];
      // anchor at a, alias replaces the value at b (before or after the anchor: forward aliases are unresolved)
      const withAlias = (t: string, at: number) => t.slice(0, at) + alias + t.slice(lineEnd(at));
      if (a < b) return `${text.slice(0, first)}&x ${withAlias(text.slice(first), second - first)}`;
      const t = withAlias(text, first);
      const shift = t.length - text.length;
      return `${t.slice(0, second + shift)}&x ${t.slice(second + shift)}`;
    }
    case 'merge': {
      const indent = /^\s*/.exec(lines[li])![0];
      lines.splice(li, 0, `${indent}<<: ${MERGES[m.choice % MERGES.length]}`);
      const body = lines.join('\n');
      return m.n % 2 === 0 ? `%YAML 1.1\n---\n${body}` : body;
    }
    case 'alias-bomb': {
      const count = m.n % 400;
      return `${text}\nzz: &b [x, x, x, x]\nzy: [${Array(count).fill('*b').join(', ')}]\n`;
    }
    case 'deep': {
      // yaml overflows its stack near 1000 levels (reported as malformed); deep inputs are slow, so mostly shallow.
      const d = m.n % [40, 40, 40, 40, 400, 400, 1200][m.pos2 % 7];
      const shape = m.choice % 4;
      if (shape === 3) {
        const depth = m.n % 300;
        return `version: 1\nnetworks:\n${Array.from({ length: depth }, (_, i) => `${'  '.repeat(i + 1)}a:`).join('\n')}\n`;
      }
      const deep = shape === 0 ? '['.repeat(d) + ']'.repeat(d) : shape === 1 ? '{a: '.repeat(d) + '1' + '}'.repeat(d) : '[{'.repeat(d) + '}]'.repeat(d);
      return text.slice(0, vs) + deep + text.slice(lineEnd(vs));
    }
    case 'control':
      return text.slice(0, p) + CONTROLS[m.choice % CONTROLS.length] + text.slice(p);
    case 'newlines':
      return text.replace(/\n/g, ['\r\n', '\r', '\n\n', '\u2028'][m.choice % 4]);
    case 'tabs':
      lines[li] = lines[li].replace(/^ {2}/, '\t');
      return lines.join('\n');
    case 'unquote':
      return text.replace(m.choice % 2 === 0 ? /"([^"\n]*)"/ : /'([^'\n]*)'/, '$1');
    case 'requote-key': {
      const km = /^(\s*(?:- )?)([^\s:#"'][^:]*?):(\s|$)/.exec(lines[li]);
      if (km) lines[li] = `${km[1]}${['"', "'"][m.choice % 2]}${km[2]}${['"', "'"][m.choice % 2]}:${lines[li].slice(km[0].length - km[3].length)}`;
      return lines.join('\n');
    }
    case 'comment':
      return text.slice(0, p) + [' # x', '#', ' #\n', '// x'][m.choice % 4] + text.slice(p);
    case 'directive':
      return DIRECTIVES[m.choice % DIRECTIVES.length] + text;
    case 'number-forms':
      return text.replace(/\b\d+\b/, NUMBER_FORMS[m.choice % NUMBER_FORMS.length]);
  }
}

function toYaml(doc: unknown, style: number): string | undefined {
  try {
    return stringify(doc, { aliasDuplicateObjects: true, ...(style % 3 === 1 ? { defaultCollectionType: 'flow' } : style % 3 === 2 ? { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' } : {}) }) as string;
  } catch {
    return undefined; // circular or otherwise unwritable: not an input
  }
}

function toJson(doc: unknown, indent: number): string | undefined {
  try {
    return JSON.stringify(doc, null, indent % 3);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------
// Running inputs through the real entry points.

let dir: string;
let fileCounter = 0;

/** Loads spec texts from files (twice: (d) determinism) and checks (a)–(c), (e). */
function checkFiles(texts: { ext: string; text: string | Uint8Array }[]): Outcome {
  const files = texts.map(({ ext }, i) => join(dir, `fuzz${i === 0 ? '' : `-${i}`}${ext}`));
  texts.forEach(({ text }, i) => writeFileSync(files[i], text));
  fileCounter += files.length;
  const started = Date.now();
  const first = attempt(() => loadSpecs(files));
  noteSlow(started, () => files.map((f) => `== ${f}\n${readFileSync(f, 'utf8')}`).join('\n'));
  const second = attempt(() => loadSpecs(files));
  must(fingerprint(second) === fingerprint(first), 'two loads of the same input differ');
  const inputs = new Map<string, TextInput>();
  for (const file of files) inputs.set(file, { file, doc: parseDocument(readFileSync(file, 'utf8'), { uniqueKeys: false }) });
  if (!first.ok) checkError(first.error, files, inputs);
  else {
    checkStacks(first.stacks, false);
    checkComplete(first.stacks, [...inputs.values()].map(declaredInText));
  }
  return first;
}

/** Loads in-memory documents (twice) and checks the same properties. */
function checkDocuments(docs: unknown[], partial: boolean): Outcome {
  const documents: SpecDocument[] = docs.map((doc, i) => ({ file: `fuzz${i === 0 ? '' : `-${i}`}.yaml`, doc }));
  const started = Date.now();
  const first = attempt(() => loadDocuments(documents, { partial }));
  noteSlow(started, () => documents.map((d) => `== ${d.file}\n${toYaml(d.doc, 0) ?? String(d.doc)}`).join('\n'));
  const second = attempt(() => loadDocuments(documents, { partial }));
  must(fingerprint(second) === fingerprint(first), 'two loads of the same input differ');
  if (!first.ok) checkError(first.error, documents.map((d) => d.file), new Map());
  else {
    checkStacks(first.stacks, partial);
    checkComplete(first.stacks, documents.map((d) => declaredInDocument(d.file, d.doc)));
  }
  return first;
}

const verdict = (o: Outcome) => (o.ok ? 'valid' : o.error.issues.map((i) => `${i.file} ${JSON.stringify(i.path)} ${i.message}`).join('\n'));

function run(name: keyof typeof SHARE, property: Parameters<typeof fc.assert>[0]): void {
  const numRuns = runsOf(name);
  const started = Date.now();
  // FUZZ_SHRINK=0 reports the first failure as found (shrinking inputs that take 0.5 s each can take long).
  withoutHost(() => fc.assert(property, { seed: SEED, numRuns, endOnFailure: process.env.FUZZ_SHRINK === '0' }));
  done.push(`${name}: ${numRuns} runs in ${Date.now() - started} ms`);
}

describe('spec loader fuzz', () => {
  beforeAll(() => {
    // Thousands of small files: in memory where the system has it.
    dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'docknet-fuzz-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    // eslint-disable-next-line no-console
    console.log(`loader fuzz (seed ${SEED}, FUZZ_RUNS=${TOTAL_RUNS}): ${done.join('; ')}; ${fileCounter} spec files written`);
  });

  test(
    'well-formed specs: YAML, JSON and in-memory documents agree, and each is valid or refused well',
    () =>
      run(
        'wellFormed',
        fc.property(fc.array(specArb, { minLength: 1, maxLength: 2 }), fc.nat(), fc.boolean(), (specs, style, partial) => {
          const yaml = checkFiles(specs.map((s) => ({ ext: style % 2 ? '.yml' : '.yaml', text: toYaml(s, style)! })));
          const json = checkFiles(specs.map((s) => ({ ext: '.json', text: toJson(s, style)! })));
          const docs = checkDocuments(specs, false);
          // The same document reads the same from YAML, from JSON and from memory (positions aside).
          const names = (o: Outcome) => verdict(o).split(`${dir}/`).join('').replace(/\.(yaml|yml|json)\b/g, '');
          must(names(yaml) === names(docs), 'YAML and the document disagree', [names(yaml), names(docs)]);
          must(names(json) === names(docs), 'JSON and the document disagree', [names(json), names(docs)]);
          if (partial) checkDocuments(specs, true);
        }),
      ),
    TIMEOUT,
  );

  test(
    'mutated documents: deleted keys, wrong types, unknown keys, odd numbers, shared and circular values',
    () =>
      run(
        'mutatedObject',
        fc.property(mutatedSpecArb, fc.nat(), fc.boolean(), (doc, style, partial) => {
          const yaml = toYaml(doc, style);
          if (yaml !== undefined) checkFiles([{ ext: '.yaml', text: yaml }]);
          const json = toJson(doc, style);
          if (json !== undefined) checkFiles([{ ext: '.json', text: json }]);
          checkDocuments([doc], partial);
        }),
      ),
    TIMEOUT,
  );

  test(
    'mutated YAML text: duplicate keys, anchors, aliases, merges, tags, deep nesting, several documents, BOMs, control characters',
    () =>
      run(
        'mutatedYaml',
        fc.property(specArb, fc.nat(), fc.array(textMutationArb, { minLength: 1, maxLength: 4 }), (spec, style, mutations) => {
          let text = toYaml(spec, style)!;
          for (const m of mutations) text = mutateText(text, m);
          checkFiles([{ ext: '.yaml', text }]);
        }),
      ),
    TIMEOUT,
  );

  test(
    'mutated JSON text',
    () =>
      run(
        'mutatedJson',
        fc.property(specArb, fc.nat(), fc.array(textMutationArb, { minLength: 0, maxLength: 3 }), (spec, indent, mutations) => {
          let text = toJson(spec, indent)!;
          for (const m of mutations) text = mutateText(text, m);
          checkFiles([{ ext: '.json', text }]);
        }),
      ),
    TIMEOUT,
  );

  test(
    'files that are not YAML at all: random bytes and strings',
    () =>
      run(
        'bytes',
        fc.property(
          fc.oneof(
            fc.uint8Array({ maxLength: 600 }),
            fc.string({ maxLength: 300, unit: anyChar }),
            fc.string({ maxLength: 300, unit: anyChar }).map((s) => `version: 1\n${s}`),
            fc.string({ maxLength: 300, unit: fc.constantFrom('{', '}', '[', ']', ':', ' ', '\n', '-', '?', ',', '&a', '*a', '!', '|', '>', '"', "'", '#', 'a', '1', '%', '\t') }),
          ),
          fc.constantFrom('.yaml', '.json'),
          (bytes, ext) => {
            checkFiles([{ ext, text: bytes }]);
          },
        ),
      ),
    TIMEOUT,
  );

  test(
    'any in-memory document (maps, sets, dates, typed arrays, null prototypes, big ints, boxed values…)',
    () =>
      run(
        'anyDocument',
        fc.property(
          fc.oneof(
            fc.anything({ maxDepth: 4, withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withObjectString: true, withTypedArray: true, withSparseArray: true }),
            fc.tuple(specArb, fc.anything({ maxDepth: 2, withMap: true, withSet: true, withNullPrototype: true, withTypedArray: true, withBigInt: true }), fc.nat()).map(([spec, value, at]) => {
              const doc = structuredClone(spec);
              const all = slots(doc);
              if (all.length > 0) all[at % all.length].parent[all[at % all.length].key] = value;
              return doc;
            }),
          ),
          fc.boolean(),
          (doc, partial) => {
            checkDocuments([doc], partial);
          },
        ),
      ),
    TIMEOUT,
  );

  test('the loader cannot reach the host: its module graph holds no driver, process or socket module', () => {
    const FORBIDDEN = /^(node:)?(child_process|net|http|https|http2|dgram|tls|cluster|worker_threads)$|^(dockerode|docker-modem|ssh2)$|\/(drivers|apply|plan|probe)\/|\/(docknet|resource)$/;
    const seen = new Set<string>();
    const externals = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(/require\("([^"]+)"\)/g)) {
        if (spec.startsWith('.')) {
          expect(spec).not.toMatch(FORBIDDEN);
          visit(resolve(file, '..', `${spec}.js`));
        } else externals.add(spec);
      }
    };
    visit(resolve(__dirname, '../../lib/spec/load.js'));
    expect([...externals].filter((e) => FORBIDDEN.test(e))).toEqual([]);
    expect(seen.size).toBeGreaterThan(3);
  });
});
