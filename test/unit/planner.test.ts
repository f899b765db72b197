// The planner is pure: these plans are computed from a host described by hand, no engine involved.
import { loadDocuments } from '../../lib/spec/load';
import { dependencyOrder, planStacks } from '../../lib/plan/planner';
import { SpecError } from '../../lib/spec/errors';
import { containerCreateRequest, hashOf, LABEL, networkDefinition } from '../../lib/plan/desired';
import type { ObservedContainer, ObservedNetwork } from '../../lib/plan/observe';
import type { NetworkInfo } from '../../lib/drivers/docker';
import type { Stack } from '../../lib/model/types';
import { ENGINE, observedHost } from './observed';

const stacks = (doc: object): Stack[] => loadDocuments([{ file: 'lab.yaml', doc: { version: 1, stack: 'lab', ...doc } }]);

function network(name: string, subnet: string, labels: Record<string, string>): ObservedNetwork {
  const info = { Name: name, Id: `${name}-id-0000000000`, Driver: 'bridge', Internal: false, Attachable: false, EnableIPv6: false, Options: {}, Labels: labels, IPAM: { Config: [{ Subnet: subnet }] } } as unknown as NetworkInfo;
  return { id: info.Id, name, info, labels, bridgeInterface: `br-${name}`, subnets: { ipv4: subnet } };
}

function owned(stack: Stack, name: string, subnet: string): ObservedNetwork {
  const desired = stack.networks.find((n) => n.name === name)!;
  return network(name, subnet, { [LABEL.managed]: 'true', [LABEL.stack]: 'lab', [LABEL.hash]: hashOf(networkDefinition(desired)) });
}

const host = (networks: ObservedNetwork[], containers: ObservedContainer[] = []) => observedHost(networks, { containers });

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

  test('an external network is used, never made or removed; a missing one is an error against the spec', () => {
    const ext = stacks({ networks: { 'shop_default': { external: true } } });
    expect(() => planStacks(ext, host([]))).toThrow('lab.yaml: networks.shop_default.external: network shop_default is external (made elsewhere) but does not exist on the engine');
    expect(planStacks(ext, host([network('shop_default', '10.7.0.0/24', {})])).actions).toEqual([]);
    // Even one this stack made before it was declared external stays.
    expect(planStacks(ext, host([network('shop_default', '10.7.0.0/24', { [LABEL.managed]: 'true', [LABEL.stack]: 'lab' })])).actions).toEqual([]);
  });

  test('endpoints of containers docknet does not own: by name and by selector, connected; a record whose endpoint left is disconnected', () => {
    const foreign = (name: string, id: string, labels: Record<string, string>, networks: string[]): ObservedContainer => ({
      id, name, labels, state: 'running', networkMode: 'default', ports: [],
      endpoints: new Map(networks.map((n) => [n, { networkId: `${n}-id`, ipv4: '', ipv6: '', mac: '' }])),
    });
    const spec = stacks({
      networks: { mon: { ipv4: { subnet: '10.8.0.0/24' } } },
      endpoints: [
        { container: 'billing-1', network: 'mon', ipv4: '10.8.0.20' },
        { selector: { 'com.docker.compose.project': 'shop' }, network: 'mon' },
      ],
    });
    const current = host(
      [owned(spec[0], 'mon', '10.8.0.0/24')],
      [
        foreign('billing-1', 'b1', {}, ['billing_default']),
        foreign('shop-web-1', 's1', { 'com.docker.compose.project': 'shop' }, ['shop_default', 'mon']),
        foreign('shop-web-2', 's2', { 'com.docker.compose.project': 'shop' }, ['shop_default']),
        foreign('other', 'o1', {}, ['mon']),
      ],
    );
    current.endpointRecords = [
      { stack: 'lab', container: 's1', containerName: 'shop-web-1', network: 'mon', volume: 'rec-s1' },
      { stack: 'lab', container: 'o1', containerName: 'other', network: 'mon', volume: 'rec-o1' },
      { stack: 'lab', container: 'gone', containerName: 'old-one', network: 'mon', volume: 'rec-gone' },
    ];
    const plan = planStacks(spec, current);
    expect(plan.actions.map((a) => `${a.op} ${a.name}`)).toEqual(['connect billing-1 → mon', 'connect shop-web-2 → mon', 'disconnect other → mon', 'disconnect old-one → mon']);
    expect(plan.actions[0]).toMatchObject({ endpoint: { network: 'mon', ipv4: '10.8.0.20' }, foreign: { containerId: 'b1' } });
    expect(plan.actions[2]).toMatchObject({ foreign: { containerId: 'o1', record: 'rec-o1' }, reasons: ['other → mon is no longer in the spec'] });
    expect(plan.actions[3]).toMatchObject({ foreign: { record: 'rec-gone' }, reasons: ['container old-one is gone'] });
  });

  test('scaling keeps what runs: one container svc is the first of three, and svc-1 the only one of one', () => {
    const three = stacks({ containers: { svc: { image: 'busybox:1', replicas: 3 } } });
    // As docknet made them: the labels of its own create request.
    const labels = containerCreateRequest({ stack: 'lab', manager: 'cli' }, three[0].containers[0]).Labels!;
    const svc = (name: string): ObservedContainer => ({
      id: `${name}-id`, name, labels, state: 'running', networkMode: 'bridge', ports: [], endpoints: new Map([['bridge', { networkId: 'b', ipv4: '', ipv6: '', mac: '' }]]),
    });
    expect(planStacks(three, host([], [svc('svc')])).actions.map((a) => `${a.op} ${a.name}`)).toEqual(['create svc-2', 'create svc-3']);
    const one = stacks({ containers: { svc: { image: 'busybox:1' } } });
    expect(planStacks(one, host([], [svc('svc-1'), svc('svc-2')])).actions.map((a) => `${a.op} ${a.name}`)).toEqual(['remove svc-2']);
  });

  test('an external network is used, never created or removed; one missing is an error, except on a swarm node that gets it when a container attaches', () => {
    const worker = stacks({ networks: { ov: { external: true } }, containers: { c: { image: 'busybox:1', networks: ['ov'] } } });
    expect(() => planStacks(worker, host([]))).toThrow('lab.yaml: networks.ov.external: network ov is external (made elsewhere) but does not exist on the engine');
    const onWorker = { ...host([]), engine: { ...ENGINE, swarm: 'worker' as const } };
    const plan = planStacks(worker, onWorker);
    expect(plan.actions.map((a) => `${a.op} ${a.kind} ${a.name}`)).toEqual(['create container c']);
    expect(plan.notes[0].message).toContain('external network ov is not on this engine yet: as a swarm worker it gets a swarm network when a container attaches to it');
    // Declared by another stack planned with it (a fleet host's stack using a shared network): made first.
    const shared = loadDocuments([
      { file: 'shared.yaml', doc: { version: 1, stack: 'shared', networks: { ov: { ipv4: { subnet: '10.233.0.0/24' } } } } },
      { file: 'h1.yaml', doc: { version: 1, stack: 'h1', networks: { ov: { external: true } }, containers: { c: { image: 'busybox:1', networks: ['ov'] } } } },
    ]);
    expect(planStacks(shared, host([])).actions.map((a) => `${a.op} ${a.kind} ${a.name}`)).toEqual(['create network ov', 'create container c']);
    // Converged one stack at a time (the reconciler): the stack that makes the network goes first.
    expect(dependencyOrder([...shared].reverse()).map((s) => s.name)).toEqual(['shared', 'h1']);
    // Made by this stack before it called it external: kept.
    const made = network('ov', '10.233.0.0/24', { [LABEL.managed]: 'true', [LABEL.stack]: 'lab' });
    expect(planStacks(worker, host([made])).actions.map((a) => `${a.op} ${a.kind}`)).toEqual(['create container']);
  });

  test('a subnet overlapping a network already on the host is refused', () => {
    expect(() => planStacks(spec, host([network('their-net', '10.1.0.0/16', {})]))).toThrow('networks.lab-a.ipv4.subnet: 10.1.0.0/24 overlaps 10.1.0.0/16 of network their-net already on the host');
  });
});
