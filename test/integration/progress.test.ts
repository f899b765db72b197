// Progress of a real image pull, from a registry on loopback (test/registry.ts) through the real engine:
// piped, a line when the pull starts and one when it ends; on a terminal (a pty made by script(1)), a
// live line with layers and bytes; a pull that fails, its reason once, and nothing changed.
import { docker, docknet, DOCKNET, ENGINE_ERROR_LINE, expectOk, run, tempSpec } from '../helpers';
import { startRegistry, type TestRegistry } from '../registry';

const spec = (image: string) =>
  tempSpec('pull.yaml', `version: 1\nstack: pull\nnetworks:\n  pull-net: { ipv4: { subnet: 10.220.0.0/24 } }\ncontainers:\n  pull-box:\n    image: ${image}\n    command: [sleep, "3600"]\n    init: true\n    networks: [pull-net]\n`);
const quoted = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('progress of an image pull', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    await docknet('destroy', '--stack', 'pull', '--yes', '--take-over');
    // About 4 MB at about 1.3 MB/s: a pull of a few seconds, well under the 10 s between lines when piped.
    registry = await startRegistry('docknet/pulltest', 'progress', { extraBytes: 3_000_000, chunk: 128 * 1024, pauseMs: 100 });
  });
  afterEach(async () => {
    await docknet('destroy', '--stack', 'pull', '--yes', '--take-over');
    await docker('rmi', registry.image);
  });
  afterAll(() => registry.close());

  test('piped: one line when the pull starts, one when it ends, then the steps', async () => {
    const r = await docknet('apply', spec(registry.image), '--yes');
    expectOk(r);
    const lines = r.stderr.split('\n');
    const pull = lines.filter((l) => l.includes('↓'));
    expect(pull[0]).toBe(`  ↓ pulling ${registry.image}…`);
    const last = new RegExp(`^  ↓ pulled ${quoted(registry.image)}: 2 layers, \\d\\.\\d MB downloaded in (\\d+\\.\\d)s$`).exec(pull[pull.length - 1]);
    expect(last).not.toBeNull();
    // A slow machine may take more than 10 s: then, and only then, a line every 10 s between them.
    const between = pull.slice(1, -1);
    expect(between.length).toBeLessThanOrEqual(Math.floor(Number(last![1]) / 10));
    for (const l of between) expect(l).toMatch(new RegExp(`^  ↓ pulling ${quoted(registry.image)}: \\d of 2 layers, \\d\\.\\d MB of \\d\\.\\d MB \\(\\d+%\\), \\d+\\.\\ds$`));
    expect(lines.indexOf(pull[pull.length - 1])).toBe(pull.length - 1);
    expect(lines).toContain('  verifying the host against the spec…');
    expect((await docker('inspect', '-f', '{{.State.Running}}', 'pull-box')).stdout.trim()).toBe('true');
  });

  test('on a terminal: a live line with layers, bytes and percent, redrawn in place, then the result', async () => {
    // A terminal wide enough for the whole line (narrower ones cut it: test/unit/progress.test.ts).
    const command = `stty cols 200 && "${DOCKNET}" apply "${spec(registry.image)}" --yes`;
    const r = await run('script', ['-qefc', command, '/dev/null'], 120_000);
    expect(r.code).toBe(0);
    const draws = r.stdout.split('\r\x1b[K').filter((d) => d.startsWith(`  ↓ pulling ${registry.image}: `));
    expect(draws.length).toBeGreaterThan(3);
    for (const d of draws) expect(d).toMatch(new RegExp(`^  ↓ pulling ${quoted(registry.image)}: \\d of 2 layers, \\d\\.\\d MB of \\d\\.\\d MB \\(\\d+%\\), \\d+\\.\\ds$`));
    expect(r.stdout).toMatch(new RegExp(`\\r\\x1b\\[K  ↓ pulled ${quoted(registry.image)}: 2 layers, \\d\\.\\d MB downloaded in \\d\\.\\ds\\r?\\n`));
    // Piped output never carries terminal controls; a terminal's carries no line per progress message.
    expect(r.stdout.split('\n').filter((l) => l.includes('↓ pulling')).length).toBe(1);
  });

  test('a pull that fails: its reason once, and nothing changed', async () => {
    const missing = `${registry.address}/docknet/nothing:1`;
    const r = await docknet('apply', spec(missing), '--yes');
    expect(r.code).toBe(1);
    const reason = /✗ pull \S+ failed after \d+\.\ds: (.*)\n/.exec(r.stderr)?.[1] ?? '';
    expect(reason).toContain('manifest unknown');
    const [said, engineLine] = [r.stderr.replace(/[^\n]*\n$/, ''), r.stderr.replace(/^[^]*\n([^\n]*)\n$/, '$1')];
    expect(said).toBe(`  ↓ pulling ${missing}…\n  ✗ pull ${missing} failed after ${/failed after (\d+\.\ds)/.exec(r.stderr)![1]}: ${reason}\nerror: apply failed:\nerror:   pull image ${missing}: ${reason} — nothing was changed\n`);
    expect(engineLine).toMatch(ENGINE_ERROR_LINE);
    expect((await docker('network', 'inspect', 'pull-net')).code).not.toBe(0);
  });
});
