// Seed scenario: an attachable overlay network on a one-node swarm, with containers on it.
import { cleanup, docker, docknet, expectOk, ping, stack } from '../helpers';

const SPEC = stack('overlay.yaml');
let startedSwarm = false;

describe('attachable overlay network on a one-node swarm', () => {
  beforeAll(async () => {
    const state = (await docker('info', '--format', '{{.Swarm.LocalNodeState}}')).stdout.trim();
    if (state !== 'active') {
      expectOk(await docker('swarm', 'init', '--advertise-addr', '127.0.0.1'));
      startedSwarm = true;
    }
    await cleanup(SPEC);
  });
  afterAll(async () => {
    await cleanup(SPEC);
    if (startedSwarm) await docker('swarm', 'leave', '--force');
  });

  test('containers attach to the overlay and reach each other by name', async () => {
    expectOk(await docknet('apply', SPEC, '--yes'));
    const r = await ping('ov-one', 'ov-two');
    expect(r.stdout).toMatch(/64 bytes from 10\.105\.0\.\d+/);
    expect((await docknet('plan', SPEC, '--detailed-exitcode')).code).toBe(0);
  });
});
