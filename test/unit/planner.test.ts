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

  test('one resource at a time: a recreated network takes the stack\'s other containers and routes along', () => {
    const both = stacks({ networks: { 'lab-a': { ipv4: { subnet: '10.1.0.0/24' } }, 'lab-b': { ipv4: { subnet: '10.2.0.0/24' } } } });
    const client: ObservedContainer = {
      id: 'client-id', name: 'lab-client', labels: { [LABEL.managed]: 'true', [LABEL.stack]: 'lab', [LABEL.service]: 'lab-client' }, state: 'running', networkMode: 'lab-a', ports: [],
      endpoints: new Map([['lab-a', { networkId: 'lab-a-id-0000000000', ipv4: '10.9.0.2', ipv6: '', mac: '02:42:0a:09:00:02' }]]),
    };
    const current = host([owned(both[0], 'lab-a', '10.9.0.0/24'), owned(both[0], 'lab-b', '10.2.0.0/24')], [client]);
    current.rules = [
      { family: 'ipv4', table: 'filter', chain: 'DOCKER-USER', spec: '-i br-lab-a -o br-lab-b -m comment --comment "docknet:lab:lab-a=lab-b" -j ACCEPT', stack: 'lab', route: 'lab-a=lab-b' },
      { family: 'ipv4', table: 'filter', chain: 'DOCKER-USER', spec: '-i br-lab-b -o br-lab-a -m comment --comment "docknet:lab:lab-a=lab-b" -j ACCEPT', stack: 'lab', route: 'lab-a=lab-b' },
    ];
    // The network alone, as Terraform and Pulumi converge it.
    const alone = stacks({ networks: { 'lab-a': { ipv4: { subnet: '10.1.0.0/24' } } } });
    const plan = planStacks(alone, current, { prune: { networks: ['lab-a'] } });
    expect(plan.actions.map((a) => `${a.op} ${a.kind} ${a.name}`)).toEqual([
      'replace network lab-a',
      'disconnect endpoint lab-client → lab-a',
      'connect endpoint lab-client → lab-a',
      'replace route lab-a=lab-b',
    ]);
    expect(plan.actions[2]).toMatchObject({ restore: true, reasons: ['network lab-a is recreated: lab-client is reconnected to it as it was'] });
    expect(plan.actions[3]).toMatchObject({ follows: 'lab-a', existing: current.rules });
    // The whole stack: its own spec says what the container and the route become; nothing follows.
    expect(planStacks(alone, current).actions.map((a) => `${a.op} ${a.kind} ${a.name}`)).toEqual(expect.arrayContaining(['remove container lab-client', 'remove route lab-a=lab-b']));
  });

  test('a subnet overlapping a network already on the host is refused', () => {
    expect(() => planStacks(spec, host([network('their-net', '10.1.0.0/16', {})]))).toThrow('networks.lab-a.ipv4.subnet: 10.1.0.0/24 overlaps 10.1.0.0/16 of network their-net already on the host');
  });
});
