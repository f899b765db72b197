// What a route needs on each engine, from recorded GET /info answers: bookworm's 20.10 and sid's 28.5
// (recorded on these machines) and Docker 29 with the nftables backend (constructed from the Engine
// API schema: that backend is experimental and cannot run here).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { factsFromInfo } from '../../lib/drivers/docker';
import { firewallLayout, followRule, routeRules, type FirewallLayout } from '../../lib/plan/route-rules';
import { planStacks } from '../../lib/plan/planner';
import { loadDocuments } from '../../lib/spec/load';
import { SpecError } from '../../lib/spec/errors';
import type { ObservedHost, ObservedNetwork } from '../../lib/plan/observe';
import type { NetworkInfo } from '../../lib/drivers/docker';
import type { RouteSpec } from '../../lib/model/types';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'unit', 'fixtures');
const info = (name: string) => factsFromInfo('unix:///var/run/docker.sock', JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')));

const route = (between: boolean, allow: RouteSpec['allow'] = []): RouteSpec => ({ source: { file: 'lab.yaml', path: ['routes', 0] }, id: between ? 'a=b' : 'a>b', from: 'a', to: 'b', bidirectional: between, allow });
const A = { bridge: 'br-a', ipv4: '10.1.0.0/24', ipv6: 'fd00:0001:0000::/64' };
const B = { bridge: 'br-b', ipv4: '10.2.0.0/24', ipv6: 'fd00:2::/64' };

describe('the firewall layout of an engine, from its GET /info', () => {
  test('Docker 20.10 (no FirewallBackend field): iptables, no raw filtering', () => {
    const facts = info('info-20.10.json');
    expect(facts).toMatchObject({ version: '20.10.24+dfsg1', firewallBackend: 'iptables', name: 'vm' });
    expect(firewallLayout(facts, false)).toEqual({ rawExemptions: false, ipv6: false });
  });

  test('Docker 28.5: iptables with raw filtering', () => {
    const facts = info('info-28.5.json');
    expect(facts).toMatchObject({ version: '28.5.2+dfsg4', firewallBackend: 'iptables' });
    expect(firewallLayout(facts, true)).toEqual({ rawExemptions: true, ipv6: true });
  });

  test('Docker 29 on the nftables backend: routes are refused, naming the backend and what to do', () => {
    const layout = firewallLayout(info('info-29.0-nftables.constructed.json'), false);
    expect(layout.refusal).toContain('Docker 29.0.2) uses the nftables firewall backend');
    expect(layout.refusal).toContain('remove "firewall-backend": "nftables"');
  });

  test('firewalld on the iptables backend is still the iptables layout', () => {
    expect(firewallLayout({ version: '28.3.0', firewallBackend: 'iptables+firewalld' }, true).refusal).toBeUndefined();
  });
});

describe('the rules a route needs', () => {
  const old: FirewallLayout = { rawExemptions: false, ipv6: false };
  const current: FirewallLayout = { rawExemptions: true, ipv6: true };

  test('20.10: two DOCKER-USER ACCEPTs for a two-way route, nothing in raw, no IPv6', () => {
    expect(routeRules('lab', route(true), A, B, old).map((r) => `${r.family} ${r.table} ${r.chain} ${r.spec}`)).toEqual([
      'ipv4 filter DOCKER-USER -i br-a -o br-b -m comment --comment "docknet:lab:a=b" -j ACCEPT',
      'ipv4 filter DOCKER-USER -i br-b -o br-a -m comment --comment "docknet:lab:a=b" -j ACCEPT',
    ]);
  });

  test('28+: raw exemptions both ways, for IPv4 and IPv6, with subnets as iptables prints them', () => {
    const rules = routeRules('lab', route(true), A, B, current).map((r) => `${r.family} ${r.table} ${r.chain} ${r.spec}`);
    expect(rules).toContain('ipv4 raw PREROUTING -d 10.2.0.0/24 -i br-a -m comment --comment "docknet:lab:a=b" -j ACCEPT');
    expect(rules).toContain('ipv4 raw PREROUTING -d 10.1.0.0/24 -i br-b -m comment --comment "docknet:lab:a=b" -j ACCEPT');
    expect(rules).toContain('ipv6 raw PREROUTING -d fd00:1::/64 -i br-b -m comment --comment "docknet:lab:a=b" -j ACCEPT');
    expect(rules).toContain('ipv6 filter DOCKER-USER -i br-a -o br-b -m comment --comment "docknet:lab:a=b" -j ACCEPT');
    expect(rules).toHaveLength(8);
  });

  test('a one-way filtered route: the filter, conntrack for replies, icmp as ipv6-icmp in IPv6; the exemption both ways', () => {
    const rules = routeRules('lab', route(false, [{ protocol: 'icmp' }, { protocol: 'tcp', port: '80-90' }]), A, B, current).map((r) => `${r.family} ${r.table} ${r.spec}`);
    expect(rules).toEqual([
      'ipv4 filter -i br-a -o br-b -p icmp -m comment --comment "docknet:lab:a>b" -j ACCEPT',
      'ipv4 filter -i br-a -o br-b -p tcp -m tcp --dport 80:90 -m comment --comment "docknet:lab:a>b" -j ACCEPT',
      'ipv4 filter -i br-b -o br-a -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "docknet:lab:a>b" -j ACCEPT',
      'ipv4 raw -d 10.2.0.0/24 -i br-a -m comment --comment "docknet:lab:a>b" -j ACCEPT',
      'ipv4 raw -d 10.1.0.0/24 -i br-b -m comment --comment "docknet:lab:a>b" -j ACCEPT',
      'ipv6 filter -i br-a -o br-b -p ipv6-icmp -m comment --comment "docknet:lab:a>b" -j ACCEPT',
      'ipv6 filter -i br-a -o br-b -p tcp -m tcp --dport 80:90 -m comment --comment "docknet:lab:a>b" -j ACCEPT',
      'ipv6 filter -i br-b -o br-a -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "docknet:lab:a>b" -j ACCEPT',
      'ipv6 raw -d fd00:2::/64 -i br-a -m comment --comment "docknet:lab:a>b" -j ACCEPT',
      'ipv6 raw -d fd00:1::/64 -i br-b -m comment --comment "docknet:lab:a>b" -j ACCEPT',
    ]);
  });

  test('IPv6 only when both ends have it', () => {
    const { ipv6: _none, ...v4only } = B;
    expect(routeRules('lab', route(true), A, v4only, current).every((r) => r.family === 'ipv4')).toBe(true);
  });
});

describe('planning a route on an nftables engine', () => {
  const network = (name: string, subnet: string): ObservedNetwork => {
    const netInfo = { Name: name, Id: `${name}-id-0000000000`, Driver: 'bridge', Options: {}, Labels: {}, IPAM: { Config: [{ Subnet: subnet }] } } as unknown as NetworkInfo;
    return { id: netInfo.Id, name, info: netInfo, labels: {}, bridgeInterface: `br-${name}`, subnets: { ipv4: subnet } };
  };
  const facts = info('info-29.0-nftables.constructed.json');
  const host: ObservedHost = {
    engine: facts,
    layout: firewallLayout(facts, false),
    networks: new Map([['shop', network('shop', '10.5.0.0/24')], ['db', network('db', '10.6.0.0/24')]]),
    containers: new Map(),
    records: new Map(),
    endpointRecords: [],
    rules: [],
    links: undefined,
  };

  test('is refused before anything changes, with the route\'s file and path', () => {
    const stacks = loadDocuments([{ file: 'lab.yaml', doc: { version: 1, stack: 'lab', routes: [{ between: ['shop', 'db'] }] } }], { partial: true });
    expect(() => planStacks(stacks, host)).toThrow(SpecError);
    expect(() => planStacks(stacks, host)).toThrow(/lab\.yaml: routes\[0\]: this engine \(Docker 29\.0\.2\) uses the nftables firewall backend/);
  });
});

describe('a route following its recreated network', () => {
  test('its rules move to the new bridge and subnet, word for word; the other end stays', () => {
    const rule = { family: 'ipv4' as const, table: 'raw' as const, chain: 'PREROUTING', spec: '-d 10.9.0.0/24 -i br-bbbb -m comment --comment "docknet:lab:a=b" -j ACCEPT', stack: 'lab', route: 'a=b' };
    const moved = followRule(rule, { bridge: 'br-aaaa', ipv4: '10.9.0.0/24' }, { bridge: 'br-cccc', ipv4: '10.1.0.0/24' });
    expect(moved.spec).toBe('-d 10.1.0.0/24 -i br-bbbb -m comment --comment "docknet:lab:a=b" -j ACCEPT');
    const forward = { ...rule, table: 'filter' as const, chain: 'DOCKER-USER', spec: '-i br-aaaa -o br-bbbb -m comment --comment "docknet:lab:a=b" -j ACCEPT' };
    expect(followRule(forward, { bridge: 'br-aaaa', ipv4: '10.9.0.0/24' }, { bridge: 'br-cccc', ipv4: '10.1.0.0/24' }).spec).toBe('-i br-cccc -o br-bbbb -m comment --comment "docknet:lab:a=b" -j ACCEPT');
  });
});
