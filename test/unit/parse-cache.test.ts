// The parse cache: a large spec file parsed once is read from the cache the next time, and what the
// loader says about it — the stacks, or the errors with their lines — is the same either way.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSpecs } from '../../lib/spec/load';

const cacheHome = mkdtempSync(join(tmpdir(), 'docknet-parse-cache-'));
const parsed = join(cacheHome, 'docknet', 'parsed');
const entries = () => { try { return readdirSync(parsed); } catch { return []; } };
const dir = mkdtempSync(join(tmpdir(), 'docknet-parse-spec-'));

/** A spec of n containers, large enough to be cached; `bad` puts a mistake into the last one. */
function bigSpec(n: number, bad = ''): string {
  const lines = ['version: 1', 'stack: pc', 'networks:', '  pc-net: { ipv4: { subnet: 10.99.0.0/16 } }', 'containers:'];
  for (let i = 0; i < n; i++) lines.push(`  pc-c-${i}:`, '    image: docknet/busybox:latest', '    command: [sleep, "3600"]', '    networks: [pc-net]');
  if (bad) lines.push(bad);
  return `${lines.join('\n')}\n`;
}

/** What loading says: the stacks as JSON, or the error's text. */
function outcome(file: string): string {
  try {
    return JSON.stringify(loadSpecs([file]));
  } catch (e) {
    return (e as Error).message;
  }
}

describe('the parse cache', () => {
  const saved = { home: process.env.XDG_CACHE_HOME, off: process.env.DOCKNET_PARSE_CACHE };
  beforeAll(() => {
    process.env.XDG_CACHE_HOME = cacheHome;
    delete process.env.DOCKNET_PARSE_CACHE;
  });
  afterAll(() => {
    for (const [k, v] of [['XDG_CACHE_HOME', saved.home], ['DOCKNET_PARSE_CACHE', saved.off]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(cacheHome, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  test('a large file is parsed once; the second load, from the cache, gives the same stacks', () => {
    const file = join(dir, 'valid.yaml');
    writeFileSync(file, bigSpec(60));
    const first = outcome(file);
    expect(entries()).toHaveLength(1);
    const second = outcome(file);
    expect(entries()).toHaveLength(1);
    expect(second).toBe(first);
    expect(JSON.parse(second)[0].containers).toHaveLength(60);
  });

  test('errors read from the cache name the same lines as errors from the parser', () => {
    const file = join(dir, 'invalid.yaml');
    // The last container: a key that does not exist, and an address outside the network.
    writeFileSync(file, bigSpec(60, '  pc-bad:\n    image: docknet/busybox:latest\n    netwrks: [pc-net]\n    networks: { pc-net: { ipv4: 10.100.0.5 } }'));
    const before = entries().length;
    const first = outcome(file);
    expect(first).toMatch(/invalid\.yaml:248:\d+: containers\.pc-bad\.netwrks: unknown key; did you mean networks\?/);
    expect(entries()).toHaveLength(before + 1);
    expect(outcome(file)).toBe(first);
  });

  test('a small file, and DOCKNET_PARSE_CACHE=0, leave no entry', () => {
    const before = entries().length;
    const small = join(dir, 'small.yaml');
    writeFileSync(small, bigSpec(2));
    outcome(small);
    expect(entries()).toHaveLength(before);
    process.env.DOCKNET_PARSE_CACHE = '0';
    const other = join(dir, 'other.yaml');
    writeFileSync(other, bigSpec(61));
    expect(JSON.parse(outcome(other))[0].containers).toHaveLength(61);
    expect(entries()).toHaveLength(before);
    delete process.env.DOCKNET_PARSE_CACHE;
  });

  test('a value JSON cannot carry exactly (-0) is not cached, and still loads as it did', () => {
    const file = join(dir, 'inf.yaml');
    writeFileSync(file, bigSpec(60, '  pc-env:\n    image: docknet/busybox:latest\n    env: { B: -0 }'));
    const before = entries().length;
    const first = outcome(file);
    expect(entries()).toHaveLength(before);
    expect(outcome(file)).toBe(first);
    expect(JSON.parse(first)[0].containers).toHaveLength(61);
  });
});
