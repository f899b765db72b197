// The macvlan host shim for real, inside the test VM (scripts/vm/run.sh). macvlan keeps a parent apart
// from its children: the host, even with an address in the segment on the parent, does not reach the
// containers. docknet's shim is the host's own macvlan link in the segment. The parent is one end of a
// veth pair the test makes (dnvm8, VLAN 40); a namespace on the other end (VLAN 40 of dnvm9) stands for
// another machine in the segment and shows the container answers everyone but the host.
import { docker, docknet, expectOk, vethPair } from '../helpers';
import { describeWithKernel } from '../kernel';
import { docknetSlow, hostPing, inNs, ip, ipOk, linkExists, macvlanOn, netns, networkExists, pingEventually, removeLeftovers, sleeper, specFile } from './vm-helpers';

// One segment, VLAN 40 of dnvm8, a container at 10.77.40.10: without a shim, then with one.
const segment = (hostShim?: object) => ({
  stack: 'vm-shim',
  networks: { 'vm-s40': macvlanOn('dnvm8', 40, '10.77.40.0/24', { macvlan: hostShim ? { hostShim } : {}, ipv4: { ipRange: '10.77.40.0/25', gateway: '10.77.40.1' } }) },
  containers: { 'vm-s1': sleeper('vm-s40', '10.77.40.10') },
});
const WITHOUT = specFile('vm-shim.yaml', segment());
const WITH = specFile('vm-shim.yaml', segment({ name: 'dn-shim40', address: '10.77.40.254' }));

const networkId = async () => (await docker('network', 'inspect', '-f', '{{.Id}}', 'vm-s40')).stdout.trim();

describeWithKernel('vlan', 'the macvlan host shim', () => {
  beforeAll(async () => {
    await removeLeftovers(['vm-s1'], ['vm-s40']);
    await ip('link', 'del', 'dn-shim40');
    await vethPair('dnvm8', 'dnvm9');
    await netns('dnvm-s40');
    await ipOk('link', 'add', 'link', 'dnvm9', 'name', 'dnvm9.40', 'type', 'vlan', 'id', '40');
    await ipOk('link', 'set', 'dnvm9.40', 'netns', 'dnvm-s40');
    await inNs('dnvm-s40', 'addr', 'add', '10.77.40.99/24', 'dev', 'dnvm9.40');
    await inNs('dnvm-s40', 'link', 'set', 'dnvm9.40', 'up');
  });
  afterAll(async () => {
    await docknetSlow('destroy', WITH, '--yes');
    await removeLeftovers(['vm-s1'], ['vm-s40']);
    await ip('link', 'del', 'dn-shim40');
    await ip('netns', 'del', 'dnvm-s40');
    await ip('link', 'del', 'dnvm8');
  });

  test('without a shim the host cannot reach a container of its segment; with one it can, and the network stays as it was', async () => {
    expectOk(await docknetSlow('apply', WITHOUT, '--yes'));
    // The host has an address in the segment, on the sub-interface Docker made, as a LAN host would on eth0.
    await ipOk('addr', 'add', '10.77.40.253/24', 'dev', 'dnvm8.40');
    expect(await ipOk('route', 'get', '10.77.40.10')).toContain('dev dnvm8.40');
    // The container is there for everyone else in the segment…
    const other = await ip('netns', 'exec', 'dnvm-s40', 'busybox', 'ping', '-c', '1', '-W', '3', '10.77.40.10');
    expect(other.stdout).toContain('64 bytes from 10.77.40.10');
    // …but not for its own host: macvlan does not pass frames between a parent and its children.
    expect((await hostPing('10.77.40.10')).stdout).toContain('2 packets transmitted, 0 packets received');
    const before = await networkId();

    expectOk(await docknetSlow('apply', WITH, '--yes'));
    // The shim: a macvlan link in bridge mode on the segment's parent, docknet's by its alias, a /32,
    // and the ipRange routed through it (more specific than the parent's /24).
    const shim = await ipOk('-d', 'link', 'show', 'dn-shim40');
    expect(shim).toContain('dn-shim40@dnvm8.40');
    expect(shim).toContain('macvlan mode bridge');
    expect(shim).toContain('alias docknet:vm-shim:vm-s40');
    expect(await ipOk('-4', 'addr', 'show', 'dn-shim40')).toContain('inet 10.77.40.254/32');
    expect(await ipOk('route', 'get', '10.77.40.10')).toMatch(/dev dn-shim40 src 10\.77\.40\.254/);
    expect((await hostPing('10.77.40.10')).stdout).toContain('64 bytes from 10.77.40.10');
    // Both ways: the container reaches the host at the shim's address.
    expect((await pingEventually('vm-s1', '10.77.40.254')).stdout).toContain('64 bytes from 10.77.40.254');
    // The shim changed in place: same network, and nothing left to do.
    expect(await networkId()).toBe(before);
    expect((await docknet('plan', WITH, '--detailed-exitcode')).code).toBe(0);
  });

  test('drift: a wrong address and a missing shim show in status, and apply repairs them', async () => {
    await ipOk('addr', 'del', '10.77.40.254/32', 'dev', 'dn-shim40');
    await ipOk('addr', 'add', '10.77.40.250/32', 'dev', 'dn-shim40');
    const changed = await docknet('status', WITH);
    expect(changed.code).toBe(2);
    expect(changed.stdout).toContain('changed  vm-shim/shim dn-shim40: hostShim.address 10.77.40.250/32 → 10.77.40.254/32: the shim is made again');
    expectOk(await docknetSlow('apply', WITH, '--yes'));
    expect(await ipOk('-4', 'addr', 'show', 'dn-shim40')).toContain('inet 10.77.40.254/32');
    expect((await hostPing('10.77.40.10')).stdout).toContain('64 bytes from 10.77.40.10');

    await ipOk('link', 'del', 'dn-shim40');
    const missing = await docknet('status', WITH);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toContain('missing  vm-shim/shim dn-shim40: host shim dn-shim40 of network vm-s40 does not exist');
    expectOk(await docknetSlow('apply', WITH, '--yes'));
    expect((await hostPing('10.77.40.10')).stdout).toContain('64 bytes from 10.77.40.10');
  });

  test('destroy removes the shim with the network', async () => {
    expect(await linkExists('dn-shim40')).toBe(true);
    expectOk(await docknetSlow('destroy', WITH, '--yes'));
    expect(await networkExists('vm-s40')).toBe(false);
    expect(await linkExists('dnvm8.40')).toBe(false);
    expect(await linkExists('dn-shim40')).toBe(false);
  });
});
