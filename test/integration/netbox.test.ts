// The seed's compose scenario, bundled as stacks/netbox/: a NetBox-shaped compose file, imported by
// docknet and converged on the real engine. The app waits for its postgres- and redis-like
// dependencies to be healthy, the worker waits for the app, and the worker scales 1 → 8 → 3 without
// touching anything else.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerId, docker, docknet, exec, expectOk, httpGetEventually, run, tempSpec, DOCKNET, ROOT } from '../helpers';

const COMPOSE = join(ROOT, 'stacks', 'netbox', 'compose.yaml');
const PORT = 18290;
const OTHERS = ['netbox-netbox', 'netbox-postgres', 'netbox-redis'];

/** The spec `docknet import` makes of the bundled compose file with this many workers. */
async function imported(workers: number): Promise<string> {
  const r = await run(DOCKNET, ['import', COMPOSE], 60_000, { ...process.env, NETBOX_WORKERS: String(workers), NETBOX_PORT: String(PORT) });
  expectOk(r);
  return tempSpec('netbox.yaml', r.stdout);
}

const workers = async (): Promise<string[]> =>
  (await docker('ps', '-a', '--filter', 'label=io.docknet.stack=netbox', '--format', '{{.Names}}')).stdout
    .split('\n').filter((n) => n.startsWith('netbox-netbox-worker')).sort();

const ids = (names: string[]) => Object.fromEntries(names.map((n) => [n, containerId(n)]));

describe('the bundled NetBox-shaped compose stack', () => {
  const removeAll = async () => {
    await docknet('destroy', '--stack', 'netbox', '--yes', '--take-over');
    await docker('volume', 'rm', 'netbox_netbox-media-files', 'netbox_netbox-postgres-data', 'netbox_netbox-redis-data');
  };
  beforeAll(removeAll);
  afterAll(removeAll);

  test('stacks/netbox/netbox.yaml is what docknet import makes of stacks/netbox/compose.yaml', async () => {
    const env = { ...process.env };
    delete env.NETBOX_WORKERS;
    delete env.NETBOX_PORT;
    const r = await run(DOCKNET, ['import', 'stacks/netbox/compose.yaml'], 60_000, env);
    expectOk(r);
    expect(r.stdout).toBe(readFileSync(join(ROOT, 'stacks', 'netbox', 'netbox.yaml'), 'utf8'));
  }, 60_000);

  test('one worker: the app waits for healthy dependencies, the worker for a healthy app; the app answers on its publish and to the worker by name', async () => {
    const r = await run(DOCKNET, ['apply', await imported(1), '--yes'], 180_000);
    expectOk(r);
    expect(r.stderr).toMatch(/netbox-netbox waits for netbox-(postgres|redis) to be healthy/);
    expect(r.stderr).toMatch(/netbox-netbox-worker waits for netbox-netbox to be healthy/);
    const healthyAt = (await docker('inspect', '-f', '{{range .State.Health.Log}}{{if eq .ExitCode 0}}{{.End}}|{{end}}{{end}}', 'netbox-netbox')).stdout.split('|')[0];
    const workerStarted = (await docker('inspect', '-f', '{{.State.StartedAt}}', 'netbox-netbox-worker')).stdout.trim();
    expect(Date.parse(workerStarted)).toBeGreaterThanOrEqual(Date.parse(healthyAt.trim()));
    expect(await httpGetEventually('127.0.0.1', PORT, 'netbox')).toContain('netbox');
    expect((await exec('netbox-netbox-worker', 'wget', '-q', '-O', '-', 'http://netbox:8080/')).stdout.trim()).toBe('netbox');
    expect(await workers()).toEqual(['netbox-netbox-worker']);
  }, 240_000);

  test('1 → 8 workers: seven more, the first one and the others untouched, all eight answer DNS as netbox-worker', async () => {
    const before = ids([...OTHERS, 'netbox-netbox-worker']);
    expectOk(await run(DOCKNET, ['apply', await imported(8), '--yes'], 180_000));
    expect(ids(Object.keys(before))).toEqual(before);
    const names = await workers();
    expect(names).toHaveLength(8);
    const answer = (await exec('netbox-netbox', 'nslookup', 'netbox-worker', '127.0.0.11')).stdout;
    for (const name of names) {
      const ip = (await docker('inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', name)).stdout.trim();
      expect(ip).not.toBe('');
      expect(answer).toContain(ip);
      expect((await exec(name, 'wget', '-q', '-O', '-', 'http://netbox:8080/')).stdout.trim()).toBe('netbox');
    }
  }, 240_000);

  test('8 → 3 workers: five removed, the three kept and the others untouched; then nothing to do', async () => {
    const eight = await workers();
    const kept = eight.filter((n) => n === 'netbox-netbox-worker' || /-worker-[23]$/.test(n));
    expect(kept).toHaveLength(3);
    const before = ids([...OTHERS, ...kept]);
    const spec = await imported(3);
    expectOk(await run(DOCKNET, ['apply', spec, '--yes'], 180_000));
    expect(ids(Object.keys(before))).toEqual(before);
    expect(await workers()).toEqual(kept);
    expect((await docknet('plan', spec, '--detailed-exitcode')).code).toBe(0);
  }, 240_000);
});
