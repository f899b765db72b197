// The planner is pure: these plans are computed from a host described by hand, no engine involved.
import { loadDocuments } from '../../lib/spec/load';
import { planStacks } from '../../lib/plan/planner';
import { SpecError } from '../../lib/spec/errors';
import { hashOf, LABEL, networkDefinition } from '../../lib/plan/desired';
import type { ObservedContainer, ObservedHost, ObservedNetwork } from '../../lib/plan/observe';
import type { NetworkInfo } from '../../lib/drivers/docker';
import type { Stack } from '../../lib/model/types';

const stacks = (doc: object): Stack[] => loadDocuments([{ file: 'lab.yaml', doc: { version: 1, stack: 'lab', ...doc } }]);

function network(name: string, subnet: string, labels: Record<string, string>): ObservedNetwork {
  const info = { Name: name, Id: `${name}-id-0000000000`, Driver: 'bridge', Internal: false, Attachable: false, EnableIPv6: false, Options: {}, Labels: labels, IPAM: { Config: [{ Subnet: subnet }] } } as unknown as NetworkInfo;
  return { id: info.Id, name, info, labels, bridgeInterface: `br-${name}`, subnets: { ipv4: subnet } };
}

function owned(stack: Stack, name: string, subnet: string): ObservedNetwork {
  const desired = stack.networks.find((n) => n.name === name)!;
  return network(name, subnet, { [LABEL.managed]: 'true', [LABEL.stack]: 'lab', [LABEL.hash]: hashOf(networkDefinition(desired)) });
}

const ENGINE = { id: 'TEST', endpoint: 'unix:///var/run/docker.sock', name: 'test-host', version: '20.10.24', firewallBackend: 'iptables' };

const host = (networks: ObservedNetwork[], containers: ObservedContainer[] = []): ObservedHost => ({
  engine: ENGINE,
  layout: { rawExemptions: false, ipv6: false },
  networks: new Map(networks.map((n) => [n.name, n])),
  containers: new Map(containers.map((c) => [c.name, c])),
  records: new Map(),
  rules: [],
  links: undefined,
});

describe('planner', () => {
  const spec = stacks({ networks: { 'lab-a': { ipv4: { subnet: '10.1.0.0/24' } } } });

  test('a host equal to the spec plans nothing', () => {
    expect(planStacks(spec, host([owned(spec[0], 'lab-a', '10.1.0.0/24')])).actions).toEqual([]);
  });

  test('a changed subnet replaces the network and says why', () => {
    const [action] = planStacks(spec, host([owned(spec[0], 'lab-a', '10.9.0.0/24')])).actions;
    expect(action).toMatchObject({ kind: 'network', op: 'replace', name: 'lab-a', reasons: ['ipv4.subnet 10.9.0.0/24 → 10.1.0.0/24 cannot change in place'] });
  });

  test('a same-named network docknet does not own is an error against the spec, not a takeover', () => {
    expect(() => planStacks(spec, host([network('lab-a', '10.1.0.0/24', {})]))).toThrow(SpecError);
    expect(() => planStacks(spec, host([network('lab-a', '10.1.0.0/24', {})]))).toThrow('lab.yaml: networks.lab-a: a network named "lab-a" already exists and docknet does not own it');
  });

  test('pruning removes what the stack owns and nothing else; a prune scope narrows it', () => {
    const stray = network('lab-old', '10.2.0.0/24', { [LABEL.managed]: 'true', [LABEL.stack]: 'lab' });
    const foreign = network('their-net', '10.3.0.0/24', {});
    const other = network('other-net', '10.4.0.0/24', { [LABEL.managed]: 'true', [LABEL.stack]: 'other' });
    const current = host([owned(spec[0], 'lab-a', '10.1.0.0/24'), stray, foreign, other]);
    expect(planStacks(spec, current).actions.map((a) => `${a.op} ${a.name}`)).toEqual(['remove lab-old']);
    expect(planStacks(spec, current, { prune: { networks: [] } }).actions).toEqual([]);
  });

  test('a subnet overlapping a network already on the host is refused', () => {
    expect(() => planStacks(spec, host([network('their-net', '10.1.0.0/16', {})]))).toThrow('networks.lab-a.ipv4.subnet: 10.1.0.0/24 overlaps 10.1.0.0/16 of network their-net already on the host');
  });
});
