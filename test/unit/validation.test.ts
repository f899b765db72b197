// Bad input is refused before anything touches the host, with the file and the spec path named.
import { loadSpecs } from '../../lib/spec/load';
import { SpecError } from '../../lib/spec/errors';
import { tempSpec } from '../helpers';

function problems(...files: string[]): string[] {
  try {
    loadSpecs(files);
  } catch (e) {
    if (e instanceof SpecError) return e.message.split('\n');
    throw e;
  }
  return [];
}

const spec = (body: string, name = 'bad.yaml') => tempSpec(name, `version: 1\n${body}`);

describe('spec validation', () => {
  test('malformed YAML names the file and the line', () => {
    const file = tempSpec('broken.yaml', 'version: 1\nnetworks:\n  a: {subnet: [\n');
    const [p] = problems(file);
    expect(p).toMatch(new RegExp(`^${file}:\\d+:\\d+: \\(root\\): malformed YAML`));
  });

  test('an unknown key is named with its path and line', () => {
    const file = spec('networks:\n  net1:\n    ipv4: { subnet: 10.9.0.0/24, gatway: 10.9.0.1 }\n');
    expect(problems(file)).toEqual([`${file}:4:42: networks.net1.ipv4.gatway: unknown key; did you mean gateway?`]);
  });

  test('invalid CIDR, and gateway, ipRange and aux addresses outside the subnet', () => {
    const file = spec(
      'networks:\n  n1:\n    ipv4: { subnet: 10.9.0.0/33 }\n  n2:\n    ipv4: { subnet: 10.8.0.0/24, gateway: 10.7.0.1, ipRange: 10.8.1.0/25, auxAddresses: { r: 10.6.0.2 } }\n  n3:\n    ipv4: { subnet: 10.5.0.1/24 }\n',
    );
    const out = problems(file).join('\n');
    expect(out).toContain('networks.n1.ipv4.subnet: "10.9.0.0/33" is not an IPv4 CIDR block');
    expect(out).toContain('networks.n2.ipv4.gateway: 10.7.0.1 is outside the subnet 10.8.0.0/24');
    expect(out).toContain('networks.n2.ipv4.ipRange: 10.8.1.0/25 is outside the subnet 10.8.0.0/24');
    expect(out).toContain('networks.n2.ipv4.auxAddresses.r: 10.6.0.2 is outside the subnet 10.8.0.0/24');
    expect(out).toContain('networks.n3.ipv4.subnet: "10.5.0.1/24" is not an IPv4 CIDR block');
  });

  test('overlapping subnets across two spec files', () => {
    const a = spec('stack: one\nnetworks:\n  x1:\n    ipv4: { subnet: 10.60.0.0/16 }\n', 'one.yaml');
    const b = spec('stack: two\nnetworks:\n  x2:\n    ipv4: { subnet: 10.60.5.0/24 }\n', 'two.yaml');
    expect(problems(a, b)).toEqual([expect.stringMatching(new RegExp(`^${b}:5:\\d+: networks.x2.ipv4.subnet: 10.60.5.0/24 overlaps 10.60.0.0/16 of network x1 \\(${a}\\)$`))]);
  });

  test('static addresses outside the network or taken twice, and replicas with a static address', () => {
    const file = spec(
      [
        'networks:',
        '  n:',
        '    ipv4: { subnet: 10.61.0.0/24, gateway: 10.61.0.1 }',
        '  m: {}',
        'containers:',
        '  a: { image: i, networks: { n: { ipv4: 10.62.0.5 } } }',
        '  b: { image: i, networks: { n: { ipv4: 10.61.0.5 } } }',
        '  c: { image: i, networks: { n: { ipv4: 10.61.0.5 } } }',
        '  d: { image: i, networks: { n: { ipv4: 10.61.0.1 } } }',
        '  e: { image: i, networks: { m: { ipv4: 10.63.0.2 } } }',
        '  r: { image: i, replicas: 2, networks: { n: { ipv4: 10.61.0.9 } } }',
      ].join('\n'),
    );
    const out = problems(file).join('\n');
    expect(out).toContain('containers.a.networks.n.ipv4: 10.62.0.5 is outside the subnet 10.61.0.0/24 of network n');
    expect(out).toContain('containers.c.networks.n.ipv4: 10.61.0.5 is taken twice: also by container b');
    expect(out).toContain('containers.d.networks.n.ipv4: 10.61.0.1 is the gateway of network n');
    expect(out).toContain('containers.e.networks.m.ipv4: a static address needs networks.m.ipv4.subnet');
    expect(out).toContain('containers.r.networks.n.ipv4: 10.61.0.9 is taken twice: also by replica r-1 (a static address cannot serve replicas)');
  });

  test('a host port published twice, also across stacks', () => {
    const a = spec('stack: p1\ncontainers:\n  w1: { image: i, publish: ["8080:80"] }\n', 'p1.yaml');
    const b = spec('stack: p2\ncontainers:\n  w2: { image: i, publish: [{ hostPort: 8080, containerPort: 81 }, "127.0.0.1:9000:90/udp", "127.0.0.2:9000:90/udp"] }\n', 'p2.yaml');
    expect(problems(a, b)).toEqual([`${b}:4:28: containers.w2.publish: host port 8080/tcp is published twice: also by container w1`]);
  });

  test('unknown networks referenced by containers and routes, and routes on non-bridge networks', () => {
    const file = spec(
      'networks:\n  mv: { driver: macvlan, macvlan: { parent: eth0 } }\n  br: {}\ncontainers:\n  c: { image: i, networks: [nope] }\nroutes:\n  - between: [br, ghost]\n  - from: br\n    to: mv\n  - from: br\n',
    );
    const out = problems(file).join('\n');
    expect(out).toContain('containers.c.networks.nope: unknown network "nope"');
    expect(out).toContain('routes[0].between: unknown network "ghost"');
    expect(out).toContain('routes[1].to: network "mv" has driver macvlan; routes join bridge networks only');
    expect(out).toContain('routes[2]: needs between: [a, b] or both from and to');
  });

  test('external networks: used by containers and routes without a declaration; nothing else may be said of them, nor may the stack also declare one', () => {
    const fine = spec('networks:\n  ov: { external: true }\n  br: {}\n  shop_default: { external: true }\ncontainers:\n  c: { image: i, networks: { ov: { ipv4: 10.233.0.9 } } }\nroutes:\n  - between: [br, shop_default]\n', 'fine.yaml');
    expect(problems(fine)).toEqual([]);
    const [stack] = loadSpecs([fine]);
    expect(stack.networks.map((n) => n.name)).toEqual(['br']);
    expect(stack.externals.map((n) => n.name)).toEqual(['ov', 'shop_default']);
    const mixed = spec('networks:\n  ov: { external: true, driver: overlay }\n', 'mixed.yaml');
    expect(problems(mixed)).toEqual([`${mixed}:3:33: networks.ov.driver: an external network is made elsewhere: docknet does not define it (remove driver)`]);
    const twice = spec('stack: both\nnetworks:\n  ov: { external: true }\n', 'twice-a.yaml');
    const owner = spec('stack: both\nnetworks:\n  ov: { driver: overlay, attachable: true }\n', 'twice-b.yaml');
    expect(problems(twice, owner).join('\n')).toContain(`networks.ov.external: network "ov" is declared by stack both at ${owner}: networks.ov; a stack does not both own a network and refer to it as external`);
  });

  test('VLAN ids outside 1–4094 and invalid interface names', () => {
    const file = spec(
      'networks:\n  v0: { driver: macvlan, macvlan: { parent: eth0, vlan: 4095 } }\n  v1: { driver: macvlan, macvlan: { parent: "eth 0" } }\n  b1: { bridge: { name: br-this-is-too-long } }\n  b2: { bridge: { name: "br/x" } }\n  v2: { driver: macvlan, macvlan: { parent: enp0s31f6long, vlan: 100 } }\n',
    );
    const out = problems(file).join('\n');
    expect(out).toContain('networks.v0.macvlan.vlan: VLAN id 4095 is outside 1–4094');
    expect(out).toContain('networks.v1.macvlan.parent: parent interface "eth 0" may hold only letters');
    expect(out).toContain('networks.b1.bridge.name: bridge name "br-this-is-too-long" is 19 bytes long; Linux allows at most 15');
    expect(out).toContain('networks.b2.bridge.name: bridge name "br/x" may hold only');
    expect(out).toContain('networks.v2.macvlan.vlan: parent interface "enp0s31f6long.100" is 17 bytes long');
  });

  test('networkMode combined with networks or publishes; typed options on the wrong driver', () => {
    const file = spec(
      'networks:\n  n: { driver: macvlan, macvlan: { parent: eth0 }, bridge: { icc: false } }\ncontainers:\n  h: { image: i, networkMode: host, networks: [n], publish: ["80:80"] }\n',
    );
    const out = problems(file).join('\n');
    expect(out).toContain('containers.h.networkMode: networkMode host cannot be combined with networks');
    expect(out).toContain('containers.h.networkMode: networkMode host cannot be combined with publish');
    expect(out).toContain("networks.n.bridge: applies to driver bridge only; this network's driver is macvlan");
  });

  test('bad publishes and durations', () => {
    const file = spec('containers:\n  w: { image: i, publish: ["80:81-82", "1.2.3.4:x:80", "80/icmp"] }\n');
    const out = problems(file).join('\n');
    expect(out).toContain('containers.w.publish[0]: host range 80 and container range 81-82 differ in length');
    expect(out).toContain('containers.w.publish[1]: host port "x" is not a port or port range');
    expect(out).toContain('containers.w.publish[2]: protocol "icmp" is not tcp, udp or sctp');
    const timing = spec('containers:\n  w: { image: i, healthcheck: { test: [CMD, "true"], interval: 5 seconds } }\n');
    expect(problems(timing).join('\n')).toContain('containers.w.healthcheck.interval: "5 seconds" is not valid here; expected a duration such as 500ms, 5s or 1m30s');
  });

  test('every bundled stack is valid', () => {
    expect(problems(`${__dirname}/../../../stacks`)).toEqual([]);
  });
});
