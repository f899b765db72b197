// Seed scenario: macvlan on a parent interface (a veth end the test creates); an 802.1Q VLAN segment
// and an ipvlan network, which need kernel features these machines lack: here the failure is proven
// to name the missing feature, and what needs the feature reports a skip with the reason. The test VM
// (npm run test:vm, test/vm/) proves the segments with traffic on a kernel that has them.
import { cleanup, docker, docknet, exec, expectOk, ping, run, stack, tempSpec, vethPair } from '../helpers';
import { testWithKernel, testWithoutKernel } from '../kernel';

const MACVLAN = stack('macvlan.yaml');
const VLAN = stack('vlan-segment.yaml');
const IPVLAN = tempSpec(
  'ipvlan-seg.yaml',
  `version: 1
networks:
  ipv-net:
    driver: ipvlan
    ipvlan: { parent: dn-iv0, mode: l2 }
    ipv4: { subnet: 192.168.160.0/24 }
containers:
  ipv-one:
    image: docknet/busybox:latest
    command: [sleep, "3600"]
    networks: [ipv-net]
`,
);

describe('macvlan and VLAN segments', () => {
  beforeAll(async () => {
    await cleanup(MACVLAN, VLAN, IPVLAN);
    await vethPair('dn-mv0', 'dn-mv1');
    await vethPair('dn-iv0', 'dn-iv1');
  });
  afterAll(async () => {
    await cleanup(MACVLAN, VLAN, IPVLAN);
    await run('ip', ['link', 'del', 'dn-mv0']);
    await run('ip', ['link', 'del', 'dn-iv0']);
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

  const absent = async (kind: 'network' | 'container', name: string) => (await docker(...(kind === 'network' ? ['network', 'ls'] : ['ps', '-a']), '-q', '--filter', `name=^${name}$`)).stdout.trim() === '';

  testWithoutKernel('vlan', 'stacks/vlan-segment.yaml without 802.1Q: the failure names the missing kernel feature, nothing is left', async () => {
    const r = await docknet('apply', VLAN, '--yes');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Docker could not create sub-interface dn-mv0.10: this kernel lacks 802.1Q VLAN sub-interfaces (kernel module 8021q)');
    expect(await absent('network', 'vlan10')).toBe(true);
    expect((await run('ip', ['link', 'show', 'dn-shim10'])).code).not.toBe(0);
  });

  testWithKernel('vlan', 'stacks/vlan-segment.yaml: Docker makes dn-mv0.10, docknet the host shim dn-shim10', async () => {
    expectOk(await docknet('apply', VLAN, '--yes'));
    expect((await run('ip', ['-d', 'link', 'show', 'dn-mv0.10'])).stdout).toContain('vlan protocol 802.1Q id 10');
    expect((await run('ip', ['-d', 'link', 'show', 'dn-shim10'])).stdout).toContain('alias docknet:vlan-segment:vlan10');
  });

  testWithoutKernel('ipvlan', 'an ipvlan network without the kernel module: the failure names ipvlan, the half-made container is gone', async () => {
    const r = await docknet('apply', IPVLAN, '--yes');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('this kernel lacks ipvlan links (kernel module ipvlan)');
    expect(await absent('container', 'ipv-one')).toBe(true);
  });

  testWithKernel('ipvlan', 'an ipvlan network carries a container', async () => {
    expectOk(await docknet('apply', IPVLAN, '--yes'));
    expect((await exec('ipv-one', 'ip', '-4', 'addr', 'show', 'eth0')).stdout).toContain('inet 192.168.160.');
  });
});
