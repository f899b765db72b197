// The macvlan host shim and the host checks of segment networks, without an engine: plans computed from
// a host described by hand (its links as `ip -d -j address show` prints them), validation of specs,
// and the `ip` argument arrays that make a shim.
import { loadDocuments } from '../../lib/spec/load';
import { planStacks } from '../../lib/plan/planner';
import { SpecError } from '../../lib/spec/errors';
import { hashOf, LABEL, networkDefinition } from '../../lib/plan/desired';
import type { ObservedHost, ObservedNetwork } from '../../lib/plan/observe';
import type { NetworkInfo } from '../../lib/drivers/docker';
import { parseIpJsonLinks, parseIpJsonRoutes, shimCommands, type HostLink, type HostRoute } from '../../lib/drivers/links';
import type { Stack } from '../../lib/model/types';
import { MacvlanNetwork } from '../../lib/model/resources';
import { networkAttributes } from '../../providers/terraform/attributes';
import { refOf } from '../../providers/terraform/resources';
import { protoBlock, RESOURCES } from '../../providers/terraform/schema';
import { actionSource } from '../../lib/plan/actions';
import { planJson, renderPlan } from '../../lib/plan/render';
import { formatIssue, issueAt } from '../../lib/spec/errors';
import { inventory } from '../../lib/inventory/inventory';
import { renderInventory } from '../../lib/inventory/report';
import { stackNames } from '../../lib/plan/ownership';
import { topology } from '../../lib/graph/topology';
import { observedHost } from './observed';

const load = (doc: object, file = 'seg.yaml'): Stack[] => loadDocuments([{ file, doc: { version: 1, stack: 'seg', ...doc } }]);

/** A VLAN segment with a shim: the shape README documents. */
const SEGMENT = {
  driver: 'macvlan',
  macvlan: { parent: 'eth9', vlan: 10, hostShim: { name: 'dn-shim10', address: '192.168.10.254' } },
  ipv4: { subnet: '192.168.10.0/24', ipRange: '192.168.10.0/25', gateway: '192.168.10.1' },
};
const withShim = (shim: object | undefined, extra: object = {}) => load({ networks: { seg10: { ...SEGMENT, macvlan: { parent: 'eth9', vlan: 10, ...(shim ? { hostShim: shim } : {}) }, ...extra } } });

/** The segment network as docknet made it (owned, same definition), using parent `parent`. */
function segmentNetwork(stack: Stack | undefined, labels: Record<string, string> = {}, name = 'seg10', parent = 'eth9.10'): ObservedNetwork {
  const desired = stack?.networks.find((n) => n.name === name);
  const owner = desired ? { [LABEL.managed]: 'true', [LABEL.stack]: 'seg', [LABEL.hash]: hashOf(networkDefinition(desired)) } : {};
  const info = {
    Name: name, Id: `${name}-id-0000000000`, Driver: 'macvlan', Internal: false, Attachable: false, EnableIPv6: false,
    Options: desired?.options ?? { parent }, Labels: { ...owner, ...labels }, IPAM: { Config: [{ Subnet: '192.168.10.0/24', IPRange: '192.168.10.0/25', Gateway: '192.168.10.1' }] },
  } as unknown as NetworkInfo;
  return { id: info.Id, name, info, labels: info.Labels ?? {}, subnets: { ipv4: '192.168.10.0/24' } };
}

const link = (name: string, extra: Partial<HostLink> = {}): HostLink => ({ name, up: true, ipv4: [], ...extra });
const ETH9 = link('eth9', { kind: 'veth' });
const ETH9_10 = link('eth9.10', { kind: 'vlan', parent: 'eth9', vlanId: 10 });
/** The shim as docknet leaves it. */
const SHIM = link('dn-shim10', { kind: 'macvlan', parent: 'eth9.10', mode: 'bridge', alias: 'docknet:seg:seg10', ipv4: ['192.168.10.254/32'] });
const SHIM_ROUTE: HostRoute = { dst: '192.168.10.0/25', dev: 'dn-shim10' };

function host(networks: ObservedNetwork[], links: HostLink[] | undefined, routes: HostRoute[] = [SHIM_ROUTE], detailed = true): ObservedHost {
  return observedHost(networks, { links: links && { byName: new Map(links.map((l) => [l.name, l])), detailed, routes } });
}

const ops = (stacks: Stack[], h: ObservedHost, prune?: { networks: string[] }) => planStacks(stacks, h, prune ? { prune } : {}).actions.map((a) => `${a.op} ${a.kind} ${a.name}`);

function planError(stacks: Stack[], h: ObservedHost): string {
  try {
    planStacks(stacks, h);
  } catch (e) {
    if (e instanceof SpecError) return e.message;
    throw e;
  }
  throw new Error('planned without an error');
}

describe('planning a host shim', () => {
  const spec = withShim(SEGMENT.macvlan.hostShim);

  test('a new segment: the network, then its shim on parent.vlan, /32 address, the ipRange routed through it, owner in the alias', () => {
    const plan = planStacks(spec, host([], [ETH9], []));
    expect(plan.actions.map((a) => `${a.op} ${a.kind} ${a.name}`)).toEqual(['create network seg10', 'create shim dn-shim10']);
    expect(plan.actions[1]).toMatchObject({
      network: 'seg10',
      desired: { name: 'dn-shim10', parent: 'eth9.10', address: '192.168.10.254', route: '192.168.10.0/25', alias: 'docknet:seg:seg10' },
      reasons: ['host shim dn-shim10 of network seg10 does not exist'],
    });
  });

  test('a shim as docknet left it plans nothing', () => {
    expect(ops(spec, host([segmentNetwork(spec[0])], [ETH9, ETH9_10, SHIM]))).toEqual([]);
  });

  test('drift: a wrong address, a missing route, a link that is down → the shim is made again, saying why; the network stays', () => {
    const drifted = { ...SHIM, ipv4: ['192.168.10.250/32'], up: false };
    const plan = planStacks(spec, host([segmentNetwork(spec[0])], [ETH9, ETH9_10, drifted], []));
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]).toMatchObject({
      kind: 'shim',
      op: 'replace',
      name: 'dn-shim10',
      reasons: [
        'hostShim.address 192.168.10.250/32 → 192.168.10.254/32: the shim is made again',
        'hostShim.state down → up: the shim is made again',
        'hostShim.route (none) → 192.168.10.0/25 through dn-shim10: the shim is made again',
      ],
    });
  });

  test('a missing shim is created again, the network left alone', () => {
    expect(ops(spec, host([segmentNetwork(spec[0])], [ETH9, ETH9_10]))).toEqual(['create shim dn-shim10']);
  });

  test('a recreated VLAN network takes its shim along: removed before, made after (Docker may remake parent.vlan)', () => {
    const relabelled = withShim(SEGMENT.macvlan.hostShim, { labels: { team: 'net' } });
    const plan = planStacks(relabelled, host([segmentNetwork(spec[0])], [ETH9, ETH9_10, SHIM]));
    expect(plan.actions.map((a) => `${a.op} ${a.kind} ${a.name}`)).toEqual(['replace network seg10', 'replace shim dn-shim10']);
    expect(plan.actions[1].reasons).toEqual(['network seg10 is recreated: Docker may remove and make again eth9.10, and the shim on it with it']);
  });

  test('removed with its network, when the spec drops it, and renamed as a removal and a creation; a prune scope protects other networks\' shims', () => {
    const net = segmentNetwork(spec[0]);
    expect(ops(load({}), host([net], [ETH9, ETH9_10, SHIM]))).toEqual(['remove network seg10', 'remove shim dn-shim10']);
    const without = withShim(undefined);
    expect(ops(without, host([segmentNetwork(without[0])], [ETH9, ETH9_10, SHIM]))).toEqual(['remove shim dn-shim10']);
    const renamed = withShim({ name: 'dn-seg10', address: '192.168.10.254' });
    expect(ops(renamed, host([segmentNetwork(renamed[0])], [ETH9, ETH9_10, SHIM]))).toEqual(['remove shim dn-shim10', 'create shim dn-seg10']);
    expect(ops(load({}), host([net], [ETH9, ETH9_10, SHIM]), { networks: ['other'] })).toEqual([]);
  });

  test('a link of that name that docknet does not own, or another stack owns, is an error against the spec', () => {
    const foreign = link('dn-shim10', { kind: 'dummy' });
    expect(planError(spec, host([], [ETH9, foreign]))).toContain('seg.yaml: networks.seg10.macvlan.hostShim.name: interface dn-shim10 already exists on this host and docknet does not own it (its alias is not docknet:seg:seg10)');
    const theirs = { ...SHIM, alias: 'docknet:other:net9' };
    expect(planError(spec, host([], [ETH9, theirs]))).toContain('interface dn-shim10 already exists on this host and belongs to network net9 of docknet stack "other"');
  });

  test('a prefix the host already routes elsewhere is refused: the shim\'s route would lose', () => {
    const noRange = withShim(SEGMENT.macvlan.hostShim, { ipv4: { subnet: '192.168.10.0/24', gateway: '192.168.10.1', auxAddresses: { host: '192.168.10.254' } } });
    expect(planError(noRange, host([], [ETH9], [{ dst: '192.168.10.0/24', dev: 'eth9' }]))).toContain(
      'networks.seg10.macvlan.hostShim: the host already routes 192.168.10.0/24 through eth9, so the shim\'s route would not be used: give the network an ipv4.ipRange',
    );
  });

  test('links that cannot be read, or only by name, are an error for a shim (never a guess)', () => {
    expect(planError(spec, host([], undefined))).toContain("networks.seg10.macvlan.hostShim: the links of the engine's host cannot be read");
    expect(planError(spec, host([], [ETH9], [], false))).toContain("the engine's host has no `ip` that reads links as JSON");
  });

  test('a note for containers whose static address the shim does not route', () => {
    const stacks = load({ networks: { seg10: SEGMENT }, containers: { far: { image: 'i', networks: { seg10: { ipv4: '192.168.10.200' } } } } });
    expect(planStacks(stacks, host([], [ETH9], [])).notes.map((n) => n.message)).toEqual([
      'host shim dn-shim10 routes 192.168.10.0/25: container far (192.168.10.200) is outside it, so the host does not reach it through the shim',
    ]);
  });
});

describe('host checks of segment parents', () => {
  const plain = load({ networks: { seg10: { driver: 'macvlan', macvlan: { parent: 'eth9', vlan: 10 }, ipv4: { subnet: '192.168.10.0/24' } } } });

  test('an existing parent.vlan that is another VLAN, another link\'s, or no VLAN at all is refused: Docker would use it as it is', () => {
    expect(planError(plain, host([], [ETH9, { ...ETH9_10, vlanId: 99 }]))).toContain('seg.yaml: networks.seg10.macvlan.vlan: interface eth9.10 already exists on this host as VLAN 99 on eth9, not VLAN 10 on eth9');
    expect(planError(plain, host([], [ETH9, { ...ETH9_10, parent: 'eth8' }]))).toContain('as VLAN 10 on eth8, not VLAN 10 on eth9');
    expect(planError(plain, host([], [ETH9, link('eth9.10', { kind: 'dummy' })]))).toContain('interface eth9.10 already exists on this host and is not an 802.1Q sub-interface (it is a dummy link)');
    expect(ops(plain, host([], [ETH9, ETH9_10]))).toEqual(['create network seg10']);
  });

  test('a parent another network (of another stack, or not docknet\'s) already hangs off is refused, naming that network', () => {
    const held = segmentNetwork(undefined, { [LABEL.managed]: 'true', [LABEL.stack]: 'other' }, 'held');
    expect(planError(plain, host([held], [ETH9, ETH9_10]))).toContain('seg.yaml: networks.seg10.macvlan.vlan: parent interface eth9.10 is already used by macvlan network held: one macvlan or ipvlan network per parent interface');
    expect(planError(plain, host([segmentNetwork(undefined, {}, 'by-hand')], [ETH9, ETH9_10]))).toContain('parent interface eth9.10 is already used by macvlan network by-hand');
  });
});

describe('validating a host shim', () => {
  const problems = (stacks: () => unknown): string => {
    try {
      stacks();
    } catch (e) {
      if (e instanceof SpecError) return e.message;
      throw e;
    }
    return '';
  };
  const shim = (hostShim: object, ipv4: object = SEGMENT.ipv4, extra: object = {}) => problems(() => load({ networks: { seg10: { ...SEGMENT, macvlan: { parent: 'eth9', vlan: 10, hostShim, ...extra }, ipv4 } } }));

  test('the documented shape is valid', () => {
    expect(shim(SEGMENT.macvlan.hostShim)).toBe('');
    expect(shim({ name: 'dn-shim10', address: '192.168.10.5' }, { subnet: '192.168.10.0/24', auxAddresses: { host: '192.168.10.5' } })).toBe('');
  });

  test('the name is an interface name', () => {
    expect(shim({ name: 'dn-shim-of-vlan-10', address: '192.168.10.254' })).toContain('networks.seg10.macvlan.hostShim.name: interface name "dn-shim-of-vlan-10" is 18 bytes long; Linux allows at most 15');
    expect(shim({ name: 'dn shim', address: '192.168.10.254' })).toContain('may hold only letters, digits');
  });

  test('the address is an IPv4 address of the subnet, not its network, broadcast or gateway address', () => {
    expect(shim({ name: 's', address: 'fd00::1' })).toContain('networks.seg10.macvlan.hostShim.address: "fd00::1" is not an IPv4 address');
    expect(shim({ name: 's', address: '192.168.11.254' })).toContain('192.168.11.254 is outside the subnet 192.168.10.0/24');
    expect(shim({ name: 's', address: '192.168.10.255' })).toContain('192.168.10.255 is the broadcast address of the subnet 192.168.10.0/24');
    expect(shim({ name: 's', address: '192.168.10.1' })).toContain('192.168.10.1 is the gateway of network seg10');
    expect(shim({ name: 's', address: '192.168.10.254' }, {})).toContain('a host shim needs networks.seg10.ipv4.subnet');
  });

  test('an address Docker may hand to a container is refused unless reserved', () => {
    expect(shim({ name: 's', address: '192.168.10.20' })).toContain('Docker may hand 192.168.10.20 to a container: it is inside ipv4.ipRange 192.168.10.0/25; keep it outside ipv4.ipRange or reserve it in ipv4.auxAddresses');
    expect(shim({ name: 's', address: '192.168.10.254' }, { subnet: '192.168.10.0/24' })).toContain('it is inside the subnet (no ipv4.ipRange)');
  });

  test('macvlan modes other than bridge cannot reach the containers from the host', () => {
    expect(shim(SEGMENT.macvlan.hostShim, SEGMENT.ipv4, { mode: 'vepa' })).toContain('networks.seg10.macvlan.hostShim: a host shim reaches the containers only in macvlan mode bridge; this network\'s mode is vepa');
  });

  test('a container with the shim\'s address, and a shim name used twice', () => {
    const out = problems(() =>
      load({
        networks: {
          seg10: SEGMENT,
          seg20: { ...SEGMENT, macvlan: { parent: 'eth9', vlan: 20, hostShim: { name: 'dn-shim10', address: '192.168.20.254' } }, ipv4: { subnet: '192.168.20.0/24', ipRange: '192.168.20.0/25' } },
        },
        containers: { c: { image: 'i', networks: { seg10: { ipv4: '192.168.10.254' } } } },
      }),
    );
    expect(out).toContain('containers.c.networks.seg10.ipv4: 192.168.10.254 is the address of the host shim dn-shim10 of network seg10');
    expect(out).toContain('networks.seg20.macvlan.hostShim.name: interface dn-shim10 is also the host shim of network seg10');
  });

  test('two segment networks on one parent interface, in one spec', () => {
    const out = problems(() => load({ networks: { a: { driver: 'macvlan', macvlan: { parent: 'eth9', vlan: 10 } }, b: { driver: 'ipvlan', ipvlan: { parent: 'eth9', vlan: 10 } } } }));
    expect(out).toContain('networks.b.ipvlan.vlan: parent interface eth9.10 is also the parent of macvlan network a: one macvlan or ipvlan network per parent interface');
  });
});

describe('host links through ip', () => {
  test('a shim is made with argument arrays: macvlan bridge on the parent, owner alias, /32, up, its route', () => {
    expect(shimCommands({ name: 'dn-shim10', parent: 'eth9.10', address: '192.168.10.254', route: '192.168.10.0/25', alias: 'docknet:seg:seg10' })).toEqual([
      ['ip', 'link', 'add', 'link', 'eth9.10', 'name', 'dn-shim10', 'type', 'macvlan', 'mode', 'bridge'],
      ['ip', 'link', 'set', 'dev', 'dn-shim10', 'alias', 'docknet:seg:seg10'],
      ['ip', 'address', 'add', '192.168.10.254/32', 'dev', 'dn-shim10'],
      ['ip', 'link', 'set', 'dev', 'dn-shim10', 'up'],
      ['ip', 'route', 'add', '192.168.10.0/25', 'dev', 'dn-shim10', 'src', '192.168.10.254'],
    ]);
  });

  test('links and routes read from ip\'s JSON (iproute2 6.1 as bookworm has it)', () => {
    const links = parseIpJsonLinks(
      JSON.stringify([
        { ifindex: 7, ifname: 'eth9.10', link: 'eth9', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], linkinfo: { info_kind: 'vlan', info_data: { protocol: '802.1Q', id: 10, flags: ['REORDER_HDR'] } }, addr_info: [] },
        { ifindex: 8, ifname: 'dn-shim10', link: 'eth9.10', flags: ['BROADCAST', 'MULTICAST', 'UP'], ifalias: 'docknet:seg:seg10', linkinfo: { info_kind: 'macvlan', info_data: { mode: 'bridge' } }, addr_info: [{ family: 'inet', local: '192.168.10.254', prefixlen: 32 }, { family: 'inet6', local: 'fe80::1', prefixlen: 64 }] },
        { ifindex: 9, ifname: 'eth0', flags: ['BROADCAST'], link_netnsid: 0 },
      ]),
    );
    expect(links).toEqual([ETH9_10, SHIM, { name: 'eth0', up: false, ipv4: [] }]);
    expect(parseIpJsonLinks('1: lo: <LOOPBACK> mtu 65536')).toBeUndefined();
    expect(parseIpJsonRoutes(JSON.stringify([{ dst: 'default', gateway: '10.0.0.1', dev: 'eth0' }, { dst: '192.168.10.0/25', dev: 'dn-shim10', scope: 'link' }, { dst: '10.0.0.5', dev: 'eth0' }]))).toEqual([
      { dst: 'default', dev: 'eth0' },
      SHIM_ROUTE,
      { dst: '10.0.0.5/32', dev: 'eth0' },
    ]);
  });
});

describe('the host shim in the front-ends', () => {
  test('the typed class (Pulumi, CDKTF) carries it into the spec document, Terraform as a nested host_shim block, and back', () => {
    const doc = new MacvlanNetwork('seg10', { parent: 'eth9', vlan: 10, hostShim: { name: 'dn-shim10', address: '192.168.10.254' }, ipv4: SEGMENT.ipv4 }).toDoc();
    expect(doc.macvlan).toEqual(SEGMENT.macvlan);
    const attributes = networkAttributes('seg10', doc);
    expect(attributes.macvlan).toEqual({ parent: 'eth9', vlan: 10, host_shim: { name: 'dn-shim10', address: '192.168.10.254' } });
    expect(refOf('docknet_network', attributes as never, 'seg')).toMatchObject({ kind: 'network', doc: { macvlan: SEGMENT.macvlan } });
    const macvlan = (protoBlock(RESOURCES.docknet_network).block_types as { type_name: string; block: { block_types: { type_name: string; nesting: string }[] } }[]).find((b) => b.type_name === 'macvlan');
    expect(macvlan?.block.block_types).toEqual([expect.objectContaining({ type_name: 'host_shim', nesting: 'SINGLE' })]);
  });
});

describe('the host shim in plans, apply errors, ls and graph', () => {
  const spec = withShim(SEGMENT.macvlan.hostShim);

  test('a plan shows what a shim builds (its spec values, parent and route), its JSON the network, desired and current', () => {
    const plan = planStacks(spec, host([segmentNetwork(spec[0])], [ETH9, ETH9_10, { ...SHIM, up: false }]));
    expect(renderPlan(plan).split('\n')).toEqual(expect.arrayContaining([
      '-/+ shim dn-shim10 (replace)',
      '      hostShim.state down → up: the shim is made again',
      '      name: dn-shim10',
      '      address: 192.168.10.254',
      '      parent: eth9.10',
      '      route: 192.168.10.0/25',
    ]));
    expect((planJson(plan) as { actions: unknown[] }).actions).toEqual([
      expect.objectContaining({
        kind: 'shim',
        op: 'replace',
        name: 'dn-shim10',
        network: 'seg10',
        desired: { name: 'dn-shim10', address: '192.168.10.254', parent: 'eth9.10', route: '192.168.10.0/25' },
        current: { name: 'dn-shim10', address: '192.168.10.254', parent: 'eth9.10', route: '192.168.10.0/25', kind: 'macvlan', mode: 'bridge', state: 'down' },
      }),
    ]);
  });

  test("a failed shim step points at the network's hostShim in the spec file", () => {
    const [create] = planStacks(spec, host([segmentNetwork(spec[0])], [ETH9, ETH9_10])).actions;
    expect(formatIssue(issueAt(actionSource(create)!, [], 'host shim dn-shim10: RTNETLINK answers: File exists'))).toBe('seg.yaml: networks.seg10.macvlan.hostShim: host shim dn-shim10: RTNETLINK answers: File exists');
  });

  test('ls lists a stack\'s shims, a shim whose network is gone as drift, and a stack that only has a shim left', () => {
    const h = host([], [ETH9, ETH9_10, SHIM, link('dn-other', { kind: 'macvlan', parent: 'eth9', alias: 'docknet:gone:seg30' })]);
    expect(stackNames(h)).toEqual(['gone', 'seg']);
    const found = inventory(h);
    expect(found.stacks.find((x) => x.name === 'seg')).toMatchObject({
      shims: [{ name: 'dn-shim10', network: 'seg10', parent: 'eth9.10', addresses: ['192.168.10.254/32'] }],
      drift: ['host shim dn-shim10: network seg10 is gone, the shim remains: docknet destroy --stack seg removes it'],
    });
    expect(renderInventory(found)).toContain('  shim       dn-shim10  network seg10  192.168.10.254/32  on eth9.10');
    const upAndOwned = inventory(host([segmentNetwork(spec[0])], [ETH9, ETH9_10, SHIM]));
    expect(upAndOwned.stacks.map((x) => x.drift)).toEqual([[]]);
  });

  test('the graph names the shim in its network', () => {
    const [graph] = topology(spec).stacks;
    expect(graph.nodes.find((n) => n.name === 'seg10')?.lines.map((l) => l.text)).toContain('host shim dn-shim10 192.168.10.254');
  });
});
