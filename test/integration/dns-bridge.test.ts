// Seed scenario: a user-defined bridge with embedded DNS, against the default bridge without it.
import { cleanup, docker, docknet, expectOk, ping, stack } from '../helpers';

const SPEC = stack('dns-bridge.yaml');

describe('user-defined bridge 10.20.30.0/24 with embedded DNS', () => {
  beforeAll(async () => {
    await cleanup(SPEC);
    expectOk(await docknet('apply', SPEC, '--yes'));
  });
  afterAll(() => cleanup(SPEC));

  test('a second plan after apply shows no changes', async () => {
    const r = await docknet('plan', SPEC, '--detailed-exitcode');
    expect(r.stdout).toContain('no changes');
    expect(r.code).toBe(0);
  });

  test('the two containers ping each other by name', async () => {
    const there = await ping('dns-one', 'dns-two');
    expect(there.stdout).toMatch(/64 bytes from 10\.20\.30\.\d+/);
    const back = await ping('dns-two', 'dns-one');
    expect(back.code).toBe(0);
  });

  test('a container on the default bridge cannot resolve them', async () => {
    const r = await ping('dns-outsider', 'dns-one');
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toMatch(/bad address/);
  });

  test('destroy removes everything the stack owns', async () => {
    expectOk(await docknet('destroy', SPEC, '--yes'));
    const left = await docker('ps', '-aq', '--filter', 'label=io.docknet.stack=dns-bridge');
    const nets = await docker('network', 'ls', '-q', '--filter', 'label=io.docknet.stack=dns-bridge');
    expect(left.stdout.trim()).toBe('');
    expect(nets.stdout.trim()).toBe('');
  });
});
