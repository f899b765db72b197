// ipvlan for real, inside the test VM (scripts/vm/run.sh): Debian's kernel has ipvlan. Each mode gets
// its own veth parent, since Docker allows one ipvlan network per parent.
import { exec, expectOk, vethPair } from '../helpers';
import { describeWithKernel } from '../kernel';
import { containerLink, docknetSlow, inNs, ip, ipOk, netns, networkExists, pingEventually, removeLeftovers, sleeper, specFile, sysNet } from './vm-helpers';

/** An ipvlan network in that mode on its own parent, with two containers at .10 and .11 of the /24. */
const ipvlanSpec = (mode: 'l2' | 'l3', parent: string, net: string) =>
  specFile(`vm-ipvlan-${mode}.yaml`, {
    stack: `vm-ipvlan-${mode}`,
    networks: { [`vm-i${mode}`]: { driver: 'ipvlan', ipvlan: { parent, mode }, ipv4: { subnet: `${net}.0/24` } } },
    containers: { [`vm-${mode}a`]: sleeper(`vm-i${mode}`, `${net}.10`), [`vm-${mode}b`]: sleeper(`vm-i${mode}`, `${net}.11`) },
  });
const L2 = ipvlanSpec('l2', 'dnvm2', '10.78.2');
const L3 = ipvlanSpec('l3', 'dnvm4', '10.78.4');

describeWithKernel('ipvlan', 'ipvlan networks on a veth parent', () => {
  const containers = ['vm-l2a', 'vm-l2b', 'vm-l3a', 'vm-l3b'];
  const networks = ['vm-il2', 'vm-il3'];
  beforeAll(() => removeLeftovers(containers, networks));
  afterAll(async () => {
    await removeLeftovers(containers, networks);
    await ip('link', 'del', 'dnvm2');
    await ip('link', 'del', 'dnvm4');
    await ip('netns', 'del', 'dnvm-l3');
  });

  test('L2: containers get their addresses, reach each other, and both carry the parent\'s MAC', async () => {
    await vethPair('dnvm2', 'dnvm3');
    const parentMac = sysNet('dnvm2', 'address');
    try {
      expectOk(await docknetSlow('apply', L2, '--yes'));
      expect((await exec('vm-l2a', 'ip', '-4', 'addr', 'show', 'eth0')).stdout).toContain('inet 10.78.2.10/24');
      expect((await exec('vm-l2b', 'ip', '-4', 'addr', 'show', 'eth0')).stdout).toContain('inet 10.78.2.11/24');
      expect((await pingEventually('vm-l2a', '10.78.2.11')).stdout).toContain('64 bytes from 10.78.2.11');

      // ipvlan slaves share the parent's MAC (macvlan would give each its own)…
      const a = await containerLink('vm-l2a');
      const b = await containerLink('vm-l2b');
      expect(a.mac).toBe(parentMac);
      expect(b.mac).toBe(parentMac);
      // …and L2 mode resolves neighbours with ARP: the answer for vm-l2b's address carries that MAC.
      expect(a.flags).not.toContain('NOARP');
      const arp = await exec('vm-l2a', 'busybox', 'arping', '-c', '1', '-w', '3', '-I', 'eth0', '10.78.2.11');
      expect(arp.stdout.toLowerCase()).toContain(`reply from 10.78.2.11 [${parentMac}]`);
    } finally {
      expectOk(await docknetSlow('destroy', L2, '--yes'));
      await ip('link', 'del', 'dnvm2');
    }
    expect(await networkExists('vm-il2')).toBe(false);
  });

  test('L3: no ARP at all, no gateway, and a subnet behind the parent is reached through its routing', async () => {
    // Behind the parent dnvm4 (10.99.0.1): a namespace of the test's own at 10.99.0.2, another subnet,
    // which knows the way back to the containers' subnet through dnvm4.
    await vethPair('dnvm4', 'dnvm5');
    await netns('dnvm-l3');
    await ipOk('link', 'set', 'dnvm5', 'netns', 'dnvm-l3');
    await ipOk('addr', 'add', '10.99.0.1/24', 'dev', 'dnvm4');
    await inNs('dnvm-l3', 'addr', 'add', '10.99.0.2/24', 'dev', 'dnvm5');
    await inNs('dnvm-l3', 'link', 'set', 'dnvm5', 'up');
    await inNs('dnvm-l3', 'route', 'add', '10.78.4.0/24', 'via', '10.99.0.1');
    const parentMac = sysNet('dnvm4', 'address');
    try {
      expectOk(await docknetSlow('apply', L3, '--yes'));
      expect((await pingEventually('vm-l3a', '10.78.4.11')).stdout).toContain('64 bytes from 10.78.4.11');

      // The container's interface is NOARP (ipvlan L3 sets it on every slave), shares the parent's MAC,
      // and ARP cannot even be tried on it.
      const link = await containerLink('vm-l3a');
      expect(link.flags).toContain('NOARP');
      expect(link.mac).toBe(parentMac);
      const arp = await exec('vm-l3a', 'busybox', 'arping', '-c', '1', '-w', '2', '-I', 'eth0', '10.78.4.11');
      expect(arp.code).not.toBe(0);
      expect(arp.stdout + arp.stderr).toContain('not ARPable');

      // No gateway: everything leaves through eth0 and the parent routes it.
      const routes = (await exec('vm-l3a', 'ip', 'route')).stdout;
      expect(routes).toMatch(/^default dev eth0/m);
      expect(routes).not.toContain('via');
      expect((await pingEventually('vm-l3a', '10.99.0.2')).stdout).toContain('64 bytes from 10.99.0.2');
      // Those replies came without a single neighbour entry in the container.
      expect((await exec('vm-l3a', 'ip', 'neigh', 'show')).stdout.trim()).toBe('');
    } finally {
      expectOk(await docknetSlow('destroy', L3, '--yes'));
      await ip('link', 'del', 'dnvm4');
      await ip('netns', 'del', 'dnvm-l3');
    }
    expect(await networkExists('vm-il3')).toBe(false);
  });
});
