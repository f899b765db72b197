// docknet watch through a restart of the Docker engine, as an operator (or a package upgrade) does it:
// the containers stop with the daemon, the reconciler sees the engine go and come back, starts them
// again, and the route carries traffic and is repaired from drift as before — all without a push.
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { containerId, deleteStackRule, docker, engineFiltersRaw, expectOk, ping, ROOT, run, ttlOf } from '../helpers';
import { removeStacks, SpecRepo, Watcher, waitFor } from './helpers';

const SPEC = `version: 1
networks:
  er-a: { ipv4: { subnet: 10.169.1.0/24 } }
  er-b: { ipv4: { subnet: 10.169.2.0/24 } }
containers:
  er-ca:
    image: docknet/busybox:latest
    command: [sleep, "3600"]
    networks: { er-a: { ipv4: 10.169.1.10 } }
  er-cb:
    image: docknet/busybox:latest
    command: [sleep, "3600"]
    networks: { er-b: { ipv4: 10.169.2.10 } }
routes:
  - between: [er-a, er-b]
`;

/** Waits until a ping from er-ca crosses the route to er-cb with one routed hop. */
const routed = (what: string) =>
  waitFor(async () => (ttlOf(await ping('er-ca', '10.169.2.10')) === 63 ? true : undefined), 90_000, what);

describe('docknet watch: the Docker engine restarted under it', () => {
  const repo = new SpecRepo();
  const watcher = new Watcher(['--repo', repo.bare, '--path', 'specs', '--state-dir', mkdtempSync(join(tmpdir(), 'docknet-watch-state-')), '--interval', '1h', '--resync', '2s'], 19513);

  beforeAll(async () => {
    await removeStacks('er');
    await watcher.start();
  });
  afterAll(async () => {
    await watcher.stop();
    await removeStacks('er');
  });

  test('the stopped containers are started again and the route carries traffic, without a push', async () => {
    await watcher.converged(repo.push({ 'er.yaml': SPEC }, 'a route'));
    await routed('the route before the restart');
    const id = containerId('er-ca');

    expectOk(await run('bash', [join(ROOT, 'scripts', 'restart-engine.sh')], 180_000, process.env));
    // The daemon stops its containers: until the reconciler acts, er-ca is not running.
    await routed('the route after the restart');
    const s = await watcher.status();
    expect(s.engine).toBe('connected');
    expect(watcher.events('engine-lost').length).toBeGreaterThanOrEqual(1);
    expect(watcher.events('engine-back').length).toBeGreaterThanOrEqual(1);
    // Started again, not recreated.
    expect(containerId('er-ca')).toBe(id);
    expect((await docker('inspect', '-f', '{{.State.Running}}', 'er-cb')).stdout.trim()).toBe('true');
  });

  test('after the restart, drift is still repaired at the resync: a deleted rule comes back with traffic', async () => {
    const repairs = watcher.events('drift-repaired').length;
    await deleteStackRule('er', engineFiltersRaw() ? 'raw' : 'filter', engineFiltersRaw() ? 'PREROUTING' : 'DOCKER-USER');
    await waitFor(async () => (watcher.events('drift-repaired').length > repairs ? true : undefined), 60_000, 'the deleted rule to be repaired');
    await routed('traffic across the repaired route');
  });
});
