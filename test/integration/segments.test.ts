// Seed scenario: macvlan on a parent interface (a veth end the test creates); an 802.1Q VLAN segment
// and an ipvlan network, which need kernel features these machines may lack.
import { cleanup, docker, docknet, exec, expectOk, ping, run, stack, tempSpec } from '../helpers';

const MACVLAN = stack('macvlan.yaml');
const VLAN = stack('vlan-segment.yaml');
const IPVLAN = tempSpec(
  'ipvlan-seg.yaml',
  `version: 1
networks:
  ipv-net:
    driver: ipvlan
    ipvlan: { parent: dn-mv0, mode: l2 }
    ipv4: { subnet: 192.168.160.0/24 }
containers:
  ipv-one:
    image: docknet/busybox:latest
    command: [sleep, "3600"]
    networks: [ipv-net]
`,
);

/** Whether the kernel can make a link of this type: try it on the test's own veth, then remove it. */
async function kernelCan(type: string[]): Promise<boolean> {
  const r = await run('ip', ['link', 'add', 'link', 'dn-mv0', 'name', 'dn-probe', 'type', ...type]);
  if (r.code === 0) await run('ip', ['link', 'del', 'dn-probe']);
  return r.code === 0;
}

describe('macvlan and VLAN segments', () => {
  beforeAll(async () => {
    await cleanup(MACVLAN, VLAN, IPVLAN);
    await run('ip', ['link', 'del', 'dn-mv0']);
    expectOk(await run('ip', ['link', 'add', 'dn-mv0', 'type', 'veth', 'peer', 'name', 'dn-mv1']));
    expectOk(await run('ip', ['link', 'set', 'dn-mv0', 'up']));
    expectOk(await run('ip', ['link', 'set', 'dn-mv1', 'up']));
  });
  afterAll(async () => {
    await cleanup(MACVLAN, VLAN, IPVLAN);
    await run('ip', ['link', 'del', 'dn-mv0']);
  });

  test('containers get their addresses and MACs in the segment and reach each other', async () => {
    expectOk(await docknet('apply', MACVLAN, '--yes'));
    expect((await ping('mv-one', '192.168.150.11')).stdout).toContain('64 bytes from 192.168.150.11');
    // The neighbour entry learnt from that traffic carries the MAC the spec gave mv-two.
    const neigh = await exec('mv-one', 'ip', 'neigh', 'show', '192.168.150.11');
    expect(neigh.stdout).toContain('lladdr 02:42:c0:a8:96:0b');
    expect((await docknet('plan', MACVLAN, '--detailed-exitcode')).code).toBe(0);
  });

  test('a parent that does not exist is refused before anything changes', async () => {
    const spec = tempSpec('noparent.yaml', 'version: 1\nnetworks:\n  np-net:\n    driver: macvlan\n    macvlan: { parent: dn-absent0 }\n');
    const r = await docknet('apply', spec, '--yes');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${spec}:5:\\d+: networks\\.np-net\\.macvlan\\.parent: interface dn-absent0 does not exist on this host`));
    expect((await docker('network', 'ls', '-q', '--filter', 'name=^np-net$')).stdout.trim()).toBe('');
  });

  test('vlan: 10 asks Docker for the sub-interface dn-mv0.10', async () => {
    const supported = await kernelCan(['vlan', 'id', '99']);
    const r = await docknet('apply', VLAN, '--yes');
    if (supported) {
      expectOk(r);
      expect((await run('ip', ['link', 'show', 'dn-mv0.10'])).code).toBe(0);
    } else {
      // This kernel has no 802.1Q: the request reached Docker and the failure names the missing feature.
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('Docker could not create sub-interface dn-mv0.10: this kernel lacks 802.1Q VLAN sub-interfaces (kernel module 8021q)');
      expect((await docker('network', 'ls', '-q', '--filter', 'name=^vlan10$')).stdout.trim()).toBe('');
    }
  });

  test('an ipvlan network either carries a container or fails naming ipvlan', async () => {
    const supported = await kernelCan(['ipvlan', 'mode', 'l2']);
    const r = await docknet('apply', IPVLAN, '--yes');
    if (supported) expectOk(r);
    else {
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('this kernel lacks ipvlan links (kernel module ipvlan)');
      expect((await docker('ps', '-aq', '--filter', 'name=^ipv-one$')).stdout.trim()).toBe('');
    }
  });
});
