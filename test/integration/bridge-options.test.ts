// Seed scenario: typed bridge options — ipRange, interface prefix, masquerade off, ICC off.
import { cleanup, docknet, exec, expectOk, ping, run, stack } from '../helpers';

const SPEC = stack('bridge-options.yaml');

describe('bridge 172.25.0.0/16 with ipRange, ifacePrefix intf, masquerade off, ICC off', () => {
  beforeAll(async () => {
    await cleanup(SPEC);
    expectOk(await docknet('apply', SPEC, '--yes'));
  });
  afterAll(() => cleanup(SPEC));

  test('the container sees intf0 with an address from the ipRange', async () => {
    const r = await exec('opts-one', 'ip', '-4', 'addr', 'show', 'intf0');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/inet 172\.25\.100\.\d+\/16/);
  });

  test('the host bridge carries the name from the spec', async () => {
    expect((await run('ip', ['link', 'show', 'br-dnopts'])).code).toBe(0);
  });

  test('no MASQUERADE rule for the subnet, while the default bridge has one', async () => {
    const nat = await run('iptables', ['-w', '-t', 'nat', '-S', 'POSTROUTING']);
    expect(nat.stdout).toMatch(/-s 172\.17\.0\.0\/16 .*MASQUERADE/);
    expect(nat.stdout).not.toContain('172.25.0.0/16');
  });

  test('with ICC off the two containers cannot reach each other', async () => {
    const address = (await exec('opts-two', 'ip', '-4', '-o', 'addr', 'show', 'intf0')).stdout.match(/inet ([\d.]+)/)![1];
    const r = await ping('opts-one', address);
    expect(r.stdout).toContain('0 packets received');
    expect(r.code).not.toBe(0);
  });
});
