// docknet ls from hosts described by hand: what shows as drift without a spec on engines this machine
// does not run here (Docker 28's raw exemptions), leftovers of interrupted runs, a route to a network
// that is gone. The same against a real engine: test/integration/inventory.test.ts.
import { inventory } from '../../lib/inventory/inventory';
import { LABEL } from '../../lib/plan/desired';
import type { ObservedContainer, ObservedNetwork } from '../../lib/plan/observe';
import { ENGINE, observedHost } from './observed';
import type { NetworkInfo } from '../../lib/drivers/docker';
import type { OwnedRule } from '../../lib/drivers/firewall';

const mine = { [LABEL.managed]: 'true', [LABEL.stack]: 'lab', [LABEL.manager]: 'cli' };

function network(name: string, subnet: string): ObservedNetwork {
  const info = { Name: name, Id: `${name}-id`, Driver: 'bridge', Options: {}, Labels: mine, IPAM: { Config: [{ Subnet: subnet }] } } as unknown as NetworkInfo;
  return { id: info.Id, name, info, labels: mine, bridgeInterface: `br-${name}`, subnets: { ipv4: subnet } };
}

function container(name: string, state: string, labels: Record<string, string> = {}): ObservedContainer {
  return { id: `${name}-id`, name, labels: { ...mine, [LABEL.service]: name, ...labels }, state, networkMode: 'bridge', endpoints: new Map(), ports: [] };
}

const rule = (table: 'filter' | 'raw', spec: string, route = 'a=b'): OwnedRule => ({
  family: 'ipv4', table, chain: table === 'filter' ? 'DOCKER-USER' : 'PREROUTING', spec: `${spec} -m comment --comment "docknet:lab:${route}" -j ACCEPT`, stack: 'lab', route,
});

// Docker 28: exemptions in raw PREROUTING too.
const host = (networks: ObservedNetwork[], containers: ObservedContainer[], rules: OwnedRule[]) => observedHost(networks, { containers, rules, engine: { ...ENGINE, version: '28.5.2' }, layout: { rawExemptions: true, ipv6: false } });

describe('docknet ls: drift without a spec', () => {
  test("Docker 28: a route whose raw exemption was deleted; leftovers of a probe and of a replacement; a route to a network that is gone", () => {
    const found = inventory(
      host(
        [network('a', '10.1.0.0/24'), network('b', '10.2.0.0/24')],
        [container('web', 'running'), container('web.docknet-old', 'exited', { [LABEL.service]: 'web' }), container('docknet-probe-x', 'running', { [LABEL.probe]: 'run1' })],
        [rule('filter', '-i br-a -o br-b'), rule('filter', '-i br-b -o br-a'), rule('raw', '-d 10.2.0.0/24 -i br-a'), rule('filter', '-i br-a -o br-gone', 'a=gone')],
      ),
    );
    expect(found.stacks.map((s) => [s.name, s.manager?.manager, s.drift])).toEqual([
      [
        'lab',
        'cli',
        [
          'container web.docknet-old was set aside by an interrupted replacement: the next apply removes it',
          'container docknet-probe-x was left behind by an interrupted docknet probe: the next apply removes it',
          'route a=b: rule missing: iptables -t raw -A PREROUTING -d 10.1.0.0/24 -i br-b -m comment --comment "docknet:lab:a=b" -j ACCEPT',
          'route a=gone: network gone is gone, its rules remain: docknet destroy --stack lab removes them',
        ],
      ],
    ]);
  });
});
