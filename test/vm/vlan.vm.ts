// 802.1Q VLAN segments for real, inside the test VM (scripts/vm/run.sh): Debian's kernel has 8021q.
// The parent is one end of a veth pair the tests make (dn-mv0, as stacks/vlan-segment.yaml names it);
// the other end (dn-mv1) carries VLAN sub-interfaces in network namespaces the tests make, standing for
// other machines on each VLAN: a frame only reaches them across the veth, tagged.
import { docker, docknet, exec, expectOk, stack, vethPair } from '../helpers';
import { describeWithKernel } from '../kernel';
import {
  docknetSlow,
  expectNoReply,
  hostPing,
  inNs,
  ip,
  ipOk,
  linkExists,
  macvlanOn,
  netns,
  networkExists,
  pingEventually,
  removeLeftovers,
  sleeper,
  specFile,
  sysNet,
} from './vm-helpers';

// The bundled stack, as it is: VLAN 10 on dn-mv0, two containers, the host shim dn-shim10.
const BUNDLED = stack('vlan-segment.yaml');

// Two VLAN segments on the same parent, in one spec. Docker's address management refuses overlapping
// subnets even on different VLANs ("Pool overlaps with other one on this address space"), so VLAN 20
// has its own; the machine on VLAN 20 (namespace dnvm-t20) answers in VLAN 10's range as well.
const TWO = specFile('vm-vlan2.yaml', {
  stack: 'vm-vlan2',
  networks: {
    'vm-w10': macvlanOn('dn-mv0', 10, '192.168.10.0/24', { ipv4: { gateway: '192.168.10.1' } }),
    'vm-w20': macvlanOn('dn-mv0', 20, '192.168.20.0/24', { ipv4: { gateway: '192.168.20.1' } }),
  },
  containers: { 'vm-wa': sleeper('vm-w10', '192.168.10.10'), 'vm-wb': sleeper('vm-w10', '192.168.10.11'), 'vm-wc': sleeper('vm-w20', '192.168.20.10') },
});

// A sub-interface the operator made by hand before the spec was applied.
const HAND = specFile('vm-vlan-hand.yaml', {
  stack: 'vm-vlan-hand',
  networks: { 'vm-v30': macvlanOn('dn-mv0', 30, '192.168.30.0/24') },
  containers: { 'vm-h1': sleeper('vm-v30', '192.168.30.10'), 'vm-h2': sleeper('vm-v30', '192.168.30.11') },
});

// A hand-made link with the name the spec implies (dn-mv0.31) but another VLAN id (99).
const WRONG_ID = specFile('vm-vlan-wrong.yaml', { stack: 'vm-vlan-wrong', networks: { 'vm-v31': macvlanOn('dn-mv0', 31, '192.168.31.0/24') } });

const CONTAINERS = ['vlan-one', 'vlan-two', 'vm-wa', 'vm-wb', 'vm-wc', 'vm-h1', 'vm-h2'];
const NETWORKS = ['vlan10', 'vm-w10', 'vm-w20', 'vm-v30', 'vm-v31'];

describeWithKernel('vlan', 'VLAN segments (802.1Q) on a veth parent', () => {
  beforeAll(async () => {
    await removeLeftovers(CONTAINERS, NETWORKS);
    await ip('link', 'del', 'dn-shim10');
    await vethPair('dn-mv0', 'dn-mv1');
    // The machines on the far side of the "wire": VLAN 10 answers at 192.168.10.99; VLAN 20 answers at
    // 192.168.10.98 (VLAN 10's range: only the tag keeps VLAN 10 from it) and at 192.168.20.98.
    await netns('dnvm-t10');
    await netns('dnvm-t20');
    await ipOk('link', 'add', 'link', 'dn-mv1', 'name', 'dn-mv1.10', 'type', 'vlan', 'id', '10');
    await ipOk('link', 'add', 'link', 'dn-mv1', 'name', 'dn-mv1.20', 'type', 'vlan', 'id', '20');
    await ipOk('link', 'set', 'dn-mv1.10', 'netns', 'dnvm-t10');
    await ipOk('link', 'set', 'dn-mv1.20', 'netns', 'dnvm-t20');
    await inNs('dnvm-t10', 'addr', 'add', '192.168.10.99/24', 'dev', 'dn-mv1.10');
    await inNs('dnvm-t10', 'link', 'set', 'dn-mv1.10', 'up');
    await inNs('dnvm-t20', 'addr', 'add', '192.168.10.98/24', 'dev', 'dn-mv1.20');
    await inNs('dnvm-t20', 'addr', 'add', '192.168.20.98/24', 'dev', 'dn-mv1.20');
    await inNs('dnvm-t20', 'link', 'set', 'dn-mv1.20', 'up');
  });

  afterAll(async () => {
    await removeLeftovers(CONTAINERS, NETWORKS);
    await ip('link', 'del', 'dn-shim10');
    await ip('netns', 'del', 'dnvm-t10');
    await ip('netns', 'del', 'dnvm-t20');
    await ip('link', 'del', 'dn-mv0'); // and with it dn-mv1 and every sub-interface left on dn-mv0
  });

  test('stacks/vlan-segment.yaml: Docker creates dn-mv0.10, traffic is tagged 10 only, the host reaches the containers through its shim; destroy removes all', async () => {
    try {
      expectOk(await docknetSlow('apply', BUNDLED, '--yes'));

      // The sub-interface Docker made is an 802.1Q link with id 10 on dn-mv0.
      const link = await ipOk('-d', 'link', 'show', 'dn-mv0.10');
      expect(link).toContain('dn-mv0.10@dn-mv0');
      expect(link).toContain('vlan protocol 802.1Q id 10');

      // Two containers on the segment reach each other.
      expect((await pingEventually('vlan-one', '192.168.10.11')).stdout).toContain('64 bytes from 192.168.10.11');
      expect((await pingEventually('vlan-two', '192.168.10.10')).stdout).toContain('64 bytes from 192.168.10.10');

      // Across the veth, tagged: the machine on VLAN 10 answers…
      expect((await pingEventually('vlan-one', '192.168.10.99')).stdout).toContain('64 bytes from 192.168.10.99');
      // …the machine on VLAN 20 answers at 192.168.10.98 to whoever asks in VLAN 20 from the same
      // parent (a namespace of the test's own, on a VLAN 20 sub-interface of dn-mv0)…
      await netns('dnvm-p20');
      try {
        await ipOk('link', 'add', 'link', 'dn-mv0', 'name', 'dn-mv0.20', 'type', 'vlan', 'id', '20');
        await ipOk('link', 'set', 'dn-mv0.20', 'netns', 'dnvm-p20');
        await inNs('dnvm-p20', 'addr', 'add', '192.168.10.97/24', 'dev', 'dn-mv0.20');
        await inNs('dnvm-p20', 'link', 'set', 'dn-mv0.20', 'up');
        const control = await ip('netns', 'exec', 'dnvm-p20', 'busybox', 'ping', '-c', '1', '-W', '3', '192.168.10.98');
        expect(control.stdout).toContain('64 bytes from 192.168.10.98');
      } finally {
        await ip('-n', 'dnvm-p20', 'link', 'del', 'dn-mv0.20');
        await ip('netns', 'del', 'dnvm-p20');
      }
      // …but not to vlan-one, for which 192.168.10.98 is on-link in the same subnet: only the tag separates them.
      await expectNoReply('vlan-one', '192.168.10.98');

      // The host side reaches a container through the shim docknet made (see host-shim.vm.ts for the
      // same ping failing without it).
      expect(await ipOk('route', 'get', '192.168.10.10')).toMatch(/dev dn-shim10 src 192\.168\.10\.254/);
      expect((await hostPing('192.168.10.10')).stdout).toContain('64 bytes from 192.168.10.10');

      expect((await docknet('plan', BUNDLED, '--detailed-exitcode')).code).toBe(0);
    } finally {
      expectOk(await docknetSlow('destroy', BUNDLED, '--yes'));
    }
    // Destroy removed the network, the sub-interface Docker had made for it, and the host shim.
    expect(await networkExists('vlan10')).toBe(false);
    expect(await linkExists('dn-mv0.10')).toBe(false);
    expect(await linkExists('dn-shim10')).toBe(false);
  });

  test('two VLAN segments on one parent in one spec: both links made, each VLAN reaches only its own', async () => {
    try {
      expectOk(await docknetSlow('apply', TWO, '--yes'));
      expect(await ipOk('-d', 'link', 'show', 'dn-mv0.10')).toContain('vlan protocol 802.1Q id 10');
      expect(await ipOk('-d', 'link', 'show', 'dn-mv0.20')).toContain('vlan protocol 802.1Q id 20');

      expect((await pingEventually('vm-wa', '192.168.10.11')).stdout).toContain('64 bytes from 192.168.10.11');
      // The container on VLAN 20 reaches the machine on VLAN 20, at an address in VLAN 20's subnet…
      expect((await pingEventually('vm-wc', '192.168.20.98')).stdout).toContain('64 bytes from 192.168.20.98');
      // …while VLAN 10 cannot reach that same machine at its address in VLAN 10's subnet.
      await expectNoReply('vm-wa', '192.168.10.98');

      // At layer 2, regardless of subnets: an ARP request for vm-wa's address is answered on VLAN 10
      // (vm-wb) and never reaches vm-wa from VLAN 20 (vm-wc).
      const same = await exec('vm-wb', 'busybox', 'arping', '-c', '1', '-w', '3', '-I', 'eth0', '192.168.10.10');
      expect(same.stdout).toMatch(/reply from 192\.168\.10\.10/i);
      const other = await exec('vm-wc', 'busybox', 'arping', '-c', '2', '-w', '3', '-I', 'eth0', '192.168.10.10');
      expect(other.stdout).toContain('Received 0 response');
      await expectNoReply('vm-wc', '192.168.10.10');
    } finally {
      expectOk(await docknetSlow('destroy', TWO, '--yes'));
    }
    expect(await networkExists('vm-w10')).toBe(false);
    expect(await networkExists('vm-w20')).toBe(false);
    expect(await linkExists('dn-mv0.10')).toBe(false);
    expect(await linkExists('dn-mv0.20')).toBe(false);
  });

  test('a sub-interface made by hand is adopted as it is, and survives destroy', async () => {
    // As an operator would: the link exists (and is down) before the spec is applied.
    await ip('link', 'del', 'dn-mv0.30');
    await ipOk('link', 'add', 'link', 'dn-mv0', 'name', 'dn-mv0.30', 'type', 'vlan', 'id', '30');
    const ifindex = sysNet('dn-mv0.30', 'ifindex');
    try {
      expectOk(await docknetSlow('apply', HAND, '--yes'));
      // Docker 20.10 uses the existing link: same link (same ifindex), still VLAN 30, and left as it
      // was: down. It does not bring a link it did not make up…
      expect((await docker('network', 'inspect', '-f', '{{index .Options "parent"}}', 'vm-v30')).stdout.trim()).toBe('dn-mv0.30');
      expect(sysNet('dn-mv0.30', 'ifindex')).toBe(ifindex);
      expect(await ipOk('-d', 'link', 'show', 'dn-mv0.30')).toContain('vlan protocol 802.1Q id 30');
      expect(sysNet('dn-mv0.30', 'operstate')).toBe('down');
      // …so until the operator does, the containers on it cannot reach each other.
      await expectNoReply('vm-h1', '192.168.30.11');
      await ipOk('link', 'set', 'dn-mv0.30', 'up');
      expect((await pingEventually('vm-h1', '192.168.30.11')).stdout).toContain('64 bytes from 192.168.30.11');
    } finally {
      expectOk(await docknetSlow('destroy', HAND, '--yes'));
    }
    // Removing the network leaves the operator's link alone (Docker deletes only links it made).
    expect(await networkExists('vm-v30')).toBe(false);
    expect(await linkExists('dn-mv0.30')).toBe(true);
    expect(sysNet('dn-mv0.30', 'ifindex')).toBe(ifindex);
    await ipOk('link', 'del', 'dn-mv0.30');
  });

  test('an existing dn-mv0.31 that is VLAN 99 is refused, not adopted as VLAN 31', async () => {
    // Docker adopts any link named parent.vlan without looking at its VLAN id, so a spec asking for
    // VLAN 31 would put its containers on VLAN 99. docknet can see this before anything changes.
    await ip('link', 'del', 'dn-mv0.31');
    await ipOk('link', 'add', 'link', 'dn-mv0', 'name', 'dn-mv0.31', 'type', 'vlan', 'id', '99');
    try {
      const r = await docknetSlow('apply', WRONG_ID, '--yes');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`${WRONG_ID}:\\d+:\\d+: networks\\.vm-v31\\.macvlan\\.vlan: interface dn-mv0\\.31 already exists on this host as VLAN 99 on dn-mv0, not VLAN 31 on dn-mv0`));
      expect(await networkExists('vm-v31')).toBe(false);
    } finally {
      await docknetSlow('destroy', WRONG_ID, '--yes');
    }
    // The operator's link is untouched either way.
    expect(await ipOk('-d', 'link', 'show', 'dn-mv0.31')).toContain('vlan protocol 802.1Q id 99');
    await ipOk('link', 'del', 'dn-mv0.31');
  });
});
