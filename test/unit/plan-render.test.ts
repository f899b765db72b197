// Plans that show what is built: under each create and replace the values the object will have, as
// the spec writes them; under a route its rules as iptables -S prints them; in JSON the desired and
// current values. From hosts described by hand (the planner is pure); the same against a real engine
// is in test/integration/plan-output.test.ts.
import { loadDocuments } from '../../lib/spec/load';
import { planStacks } from '../../lib/plan/planner';
import { planJson, renderPlan } from '../../lib/plan/render';
import { hashOf, LABEL, networkDefinition } from '../../lib/plan/desired';
import type { ObservedNetwork } from '../../lib/plan/observe';
import type { OwnedRule } from '../../lib/drivers/firewall';
import { ENGINE, observedHost } from './observed';
import type { NetworkInfo } from '../../lib/drivers/docker';
import type { Stack } from '../../lib/model/types';

const stacks = (doc: object): Stack[] => loadDocuments([{ file: 'lab.yaml', doc: { version: 1, stack: 'lab', ...doc } }]);
const ENGINE_28 = { ...ENGINE, version: '28.5.2' };

/** A network of the stack on the host, as the spec has it but for its subnet and gateway. */
function owned(stack: Stack, name: string, subnet: string, bridge: string, gateway = stack.networks.find((n) => n.name === name)!.ipv4?.gateway): ObservedNetwork {
  const desired = stack.networks.find((n) => n.name === name)!;
  const labels = { ...desired.labels, [LABEL.managed]: 'true', [LABEL.stack]: 'lab', [LABEL.hash]: hashOf(networkDefinition(desired)) };
  const ipam = { Subnet: subnet, ...(gateway ? { Gateway: gateway } : {}) };
  const info = { Name: name, Id: `${name}-id`, Driver: 'bridge', Internal: false, Attachable: false, EnableIPv6: false, Options: desired.options, Labels: labels, IPAM: { Driver: 'default', Config: [ipam] } } as unknown as NetworkInfo;
  return { id: info.Id, name, info, labels, bridgeInterface: bridge, subnets: { ipv4: subnet } };
}

// Docker 28: exemptions in raw PREROUTING too.
const host = (networks: ObservedNetwork[], rules: OwnedRule[] = []) => observedHost(networks, { rules, engine: ENGINE_28, layout: { rawExemptions: true, ipv6: false } });

const SPEC = {
  networks: {
    'lab-a': { ipv4: { subnet: '10.1.0.0/24', gateway: '10.1.0.1' }, bridge: { name: 'br-laba', icc: false }, labels: { team: 'net' } },
    'lab-b': { ipv4: { subnet: '10.2.0.0/24' } },
  },
  containers: {
    web: { image: 'busybox:latest', command: ['httpd', '-f'], env: { MODE: 'lab' }, networks: { 'lab-b': { ipv4: '10.2.0.10', aliases: ['www'] } }, publish: ['127.0.0.1:8080:80'], restart: 'unless-stopped' },
  },
  routes: [{ between: ['lab-a', 'lab-b'], allow: ['icmp'] }],
};

describe('plans that show what is built', () => {
  test('a create lists the values of each object; a route its exact rules, with a placeholder for a bridge Docker names', () => {
    expect(renderPlan(planStacks(stacks(SPEC), host([])))).toBe(
      [
        'engine unix:///var/run/docker.sock (Docker 28.5.2 on test-host, firewall iptables)',
        'stack lab: 4 to create',
        '  + network lab-a',
        '      network lab-a does not exist',
        '      driver: bridge',
        '      ipv4: { subnet: 10.1.0.0/24, gateway: 10.1.0.1 }',
        '      labels: { team: net }',
        '      bridge: { name: br-laba, icc: false }',
        '  + network lab-b',
        '      network lab-b does not exist',
        '      driver: bridge',
        '      ipv4: { subnet: 10.2.0.0/24 }',
        '      interface: br-<network id>, named by Docker',
        '  + container web',
        '      container web does not exist',
        '      image: busybox:latest',
        '      command: [ httpd, -f ]',
        '      env: { MODE: lab }',
        '      networks: { lab-b: { ipv4: 10.2.0.10, aliases: [ www ] } }',
        '      publish: [ 127.0.0.1:8080:80/tcp ]',
        '      restart: unless-stopped',
        '  + route lab-a=lab-b',
        '      lab-a ⇄ lab-b (icmp): network lab-a is new',
        '      iptables -t filter -A DOCKER-USER -i br-laba -o <bridge of lab-b> -p icmp -m comment --comment "docknet:lab:lab-a=lab-b" -j ACCEPT',
        '      iptables -t filter -A DOCKER-USER -i <bridge of lab-b> -o br-laba -p icmp -m comment --comment "docknet:lab:lab-a=lab-b" -j ACCEPT',
        '      iptables -t filter -A DOCKER-USER -i <bridge of lab-b> -o br-laba -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "docknet:lab:lab-a=lab-b" -j ACCEPT',
        '      iptables -t filter -A DOCKER-USER -i br-laba -o <bridge of lab-b> -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "docknet:lab:lab-a=lab-b" -j ACCEPT',
        '      iptables -t raw -A PREROUTING -d 10.2.0.0/24 -i br-laba -m comment --comment "docknet:lab:lab-a=lab-b" -j ACCEPT',
        '      iptables -t raw -A PREROUTING -d 10.1.0.0/24 -i <bridge of lab-b> -m comment --comment "docknet:lab:lab-a=lab-b" -j ACCEPT',
        'plan: 4 to create',
      ].join('\n'),
    );
  });

  test('a route whose filter changes shows the rules it adds and removes, not those that stay', () => {
    const spec = stacks({ networks: SPEC.networks, routes: [{ between: ['lab-a', 'lab-b'], allow: ['icmp', 'tcp/80'] }] });
    const comment = '-m comment --comment "docknet:lab:lab-a=lab-b" -j ACCEPT';
    const rule = (table: 'filter' | 'raw', spec: string) => ({ family: 'ipv4' as const, table, chain: table === 'filter' ? 'DOCKER-USER' : 'PREROUTING', spec: `${spec} ${comment}`, stack: 'lab', route: 'lab-a=lab-b' });
    const existing = [
      rule('filter', '-i br-laba -o br-labb -p icmp'),
      rule('filter', '-i br-labb -o br-laba -p icmp'),
      rule('filter', '-i br-labb -o br-laba -m conntrack --ctstate RELATED,ESTABLISHED'),
      rule('filter', '-i br-laba -o br-labb -m conntrack --ctstate RELATED,ESTABLISHED'),
      rule('raw', '-d 10.2.0.0/24 -i br-laba'),
      rule('raw', '-d 10.1.0.0/24 -i br-labb'),
    ];
    const text = renderPlan(planStacks(spec, host([owned(spec[0], 'lab-a', '10.1.0.0/24', 'br-laba'), owned(spec[0], 'lab-b', '10.2.0.0/24', 'br-labb')], existing)));
    expect(text.split('\n').slice(2)).toEqual([
      '-/+ route lab-a=lab-b (replace)',
      '      lab-a ⇄ lab-b (icmp, tcp/80): missing DOCKER-USER (IPv4): -i br-laba -o br-labb -p tcp -m tcp --dport 80 -j ACCEPT; missing DOCKER-USER (IPv4): -i br-labb -o br-laba -p tcp -m tcp --dport 80 -j ACCEPT',
      `      + iptables -t filter -A DOCKER-USER -i br-laba -o br-labb -p tcp -m tcp --dport 80 ${comment}`,
      `      + iptables -t filter -A DOCKER-USER -i br-labb -o br-laba -p tcp -m tcp --dport 80 ${comment}`,
      'plan: 1 to replace',
    ]);
  });

  test('JSON carries the desired and the current values of a replaced network; null where there is none', () => {
    const spec = stacks({ networks: { 'lab-a': SPEC.networks['lab-a'] } });
    const before = owned(spec[0], 'lab-a', '10.9.0.0/24', 'br-laba', '10.9.0.1');
    const json = planJson(planStacks(spec, host([before]))) as { actions: unknown[] };
    expect(json.actions).toEqual([
      {
        stack: 'lab',
        kind: 'network',
        op: 'replace',
        name: 'lab-a',
        reasons: ['ipv4.subnet 10.9.0.0/24 → 10.1.0.0/24 cannot change in place', 'ipv4.gateway 10.9.0.1 → 10.1.0.1 cannot change in place'],
        desired: { driver: 'bridge', ipv4: { subnet: '10.1.0.0/24', gateway: '10.1.0.1' }, labels: { team: 'net' }, bridge: { name: 'br-laba', icc: false } },
        current: { driver: 'bridge', ipv4: { subnet: '10.9.0.0/24', gateway: '10.9.0.1' }, labels: { team: 'net' }, bridge: { name: 'br-laba', icc: false } },
      },
    ]);
    const created = planJson(planStacks(stacks({ networks: { 'lab-c': {} } }), host([]))) as { actions: { desired: unknown; current: unknown }[] };
    expect(created.actions[0]).toMatchObject({ desired: { driver: 'bridge' }, current: null });
  });
});
