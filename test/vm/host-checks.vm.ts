// The planner's host checks for segment networks, on a kernel where the real thing works (the test VM,
// scripts/vm/run.sh): what docknet refuses before anything changes, and what Docker 20.10 refuses.
import { docknet, expectOk, IMAGE, tempSpec, vethPair } from '../helpers';
import { describeWithKernel } from '../kernel';
import { containerExists, docknetSlow, ip, linkExists, macvlanOn, networkExists, removeLeftovers, sleeper, specFile } from './vm-helpers';

const ABSENT = tempSpec(
  'vm-absent.yaml',
  `version: 1
stack: vm-absent
networks:
  vm-np:
    driver: macvlan
    macvlan: { parent: dnvm-absent0 }
  vm-np10:
    driver: macvlan
    macvlan: { parent: dnvm-absent1, vlan: 10 }
containers:
  vm-np-c:
    image: ${IMAGE}
    command: [sleep, "3600"]
    networks: [vm-np]
`,
);

const BAD_VLAN = specFile('vm-badvlan.yaml', {
  stack: 'vm-badvlan',
  networks: { 'vm-v4095': { driver: 'macvlan', macvlan: { parent: 'dnvm6', vlan: 4095 } }, 'vm-v0': { driver: 'ipvlan', ipvlan: { parent: 'dnvm7', vlan: 0 } } },
});

// Two macvlan networks on the same parent and VLAN, in one spec.
const DUP = specFile('vm-dup.yaml', {
  stack: 'vm-dup',
  networks: { 'vm-dup-a': macvlanOn('dnvm6', 10, '10.79.1.0/24'), 'vm-dup-b': macvlanOn('dnvm6', 10, '10.79.2.0/24') },
  containers: { 'vm-dup-c': sleeper('vm-dup-b', '10.79.2.5') },
});

// A network of another stack already holds dnvm6.10; a second stack asks for the same parent.
const HELD = specFile('vm-held.yaml', { stack: 'vm-held', networks: { 'vm-held': macvlanOn('dnvm6', 10, '10.79.3.0/24') } });
const SECOND = specFile('vm-second.yaml', {
  stack: 'vm-second',
  networks: { 'vm-second': macvlanOn('dnvm6', 10, '10.79.4.0/24') },
  containers: { 'vm-second-c': sleeper('vm-second') },
});

const CONTAINERS = ['vm-np-c', 'vm-dup-c', 'vm-second-c'];
const NETWORKS = ['vm-np', 'vm-np10', 'vm-v4095', 'vm-v0', 'vm-dup-a', 'vm-dup-b', 'vm-second', 'vm-held'];

describeWithKernel('vlan', 'host checks for segment networks', () => {
  beforeAll(async () => {
    await removeLeftovers(CONTAINERS, NETWORKS);
    await vethPair('dnvm6', 'dnvm7');
  });
  afterAll(async () => {
    await removeLeftovers(CONTAINERS, NETWORKS);
    await ip('link', 'del', 'dnvm6');
  });

  test('a parent that does not exist is refused before anything changes', async () => {
    const r = await docknetSlow('apply', ABSENT, '--yes');
    expect(r.code).toBe(1);
    // Each error names the file, the line and the path; for a VLAN segment the missing link is the base.
    expect(r.stderr).toMatch(new RegExp(`${ABSENT}:6:\\d+: networks\\.vm-np\\.macvlan\\.parent: interface dnvm-absent0 does not exist on this host`));
    expect(r.stderr).toMatch(new RegExp(`${ABSENT}:9:\\d+: networks\\.vm-np10\\.macvlan\\.parent: interface dnvm-absent1 does not exist on this host`));
    expect(await networkExists('vm-np')).toBe(false);
    expect(await networkExists('vm-np10')).toBe(false);
    expect(await containerExists('vm-np-c')).toBe(false);
    expect(await linkExists('dnvm-absent1.10')).toBe(false);
  });

  test('VLAN ids 4095 and 0 are refused by validation', async () => {
    const v = await docknet('validate', BAD_VLAN);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(new RegExp(`${BAD_VLAN}:\\d+:\\d+: networks\\.vm-v4095\\.macvlan\\.vlan: VLAN id 4095 is outside 1–4094`));
    expect(v.stderr).toMatch(new RegExp(`${BAD_VLAN}:\\d+:\\d+: networks\\.vm-v0\\.ipvlan\\.vlan: VLAN id 0 is outside 1–4094`));
    const a = await docknetSlow('apply', BAD_VLAN, '--yes');
    expect(a.code).toBe(1);
    expect(a.stderr).toContain('VLAN id 4095 is outside 1–4094');
    expect(await networkExists('vm-v4095')).toBe(false);
    expect(await linkExists('dnvm6.4095')).toBe(false);
    expect(await linkExists('dnvm7.0')).toBe(false);
  });

  // Docker 20.10 allows one macvlan (or ipvlan) network per parent interface: a second one on dnvm6.10
  // is refused with "network dm-<id> is already using parent interface dnvm6.10".
  test('two macvlan networks on the same parent and VLAN in one spec: a clear error, nothing made', async () => {
    try {
      const r = await docknetSlow('apply', DUP, '--yes');
      expect(r.code).toBe(1);
      const left = [
        (await networkExists('vm-dup-a')) && 'network vm-dup-a',
        (await networkExists('vm-dup-b')) && 'network vm-dup-b',
        (await containerExists('vm-dup-c')) && 'container vm-dup-c',
        (await linkExists('dnvm6.10')) && 'link dnvm6.10',
      ].filter(Boolean);
      // The spec asks for what Docker cannot do: that is a spec error, found before the host changes.
      expect({ stderr: r.stderr, left }).toEqual({
        stderr: expect.stringMatching(new RegExp(`${DUP}:\\d+:\\d+: networks\\.vm-dup-b\\.macvlan\\.(parent|vlan): .*dnvm6\\.10.*vm-dup-a`)),
        left: [],
      });
    } finally {
      await docknetSlow('destroy', DUP, '--yes');
    }
  });

  test('a parent already used by another stack\'s network: a clear error naming it, nothing left behind', async () => {
    try {
      expectOk(await docknetSlow('apply', HELD, '--yes'));
      const r = await docknetSlow('apply', SECOND, '--yes');
      expect(r.code).toBe(1);
      // Nothing of the refused stack is left, and the network holding the parent is untouched.
      expect(await networkExists('vm-second')).toBe(false);
      expect(await containerExists('vm-second-c')).toBe(false);
      expect(await networkExists('vm-held')).toBe(true);
      expect(await linkExists('dnvm6.10')).toBe(true);
      // The error says where in the spec, which parent, and which network holds it, by its name (Docker
      // names it by an internal link name, dm-<network id>).
      expect(r.stderr).toMatch(new RegExp(`${SECOND}:\\d+:\\d+: networks\\.vm-second\\.macvlan\\.(parent|vlan): .*dnvm6\\.10.*vm-held`));
    } finally {
      await docknetSlow('destroy', SECOND, '--yes');
      await docknetSlow('destroy', HELD, '--yes');
    }
    expect(await linkExists('dnvm6.10')).toBe(false);
  });
});
