// What a person reads when a spec does not fit the schema: what the file says and what belongs there,
// never zod's own words ("Invalid input: expected 1"); for a mistyped key, the key most likely meant.
import { writeFileSync } from 'node:fs';
import { loadSpecs } from '../../lib/spec/load';
import { SpecError } from '../../lib/spec/errors';
import { keysAt } from '../../lib/spec/messages';
import { closest } from '../../lib/spec/suggest';
import { tempSpec } from '../helpers';

function problems(text: string, name = 'bad.yaml'): string[] {
  const file = tempSpec(name, text);
  try {
    loadSpecs([file]);
  } catch (e) {
    if (e instanceof SpecError) return e.message.split('\n').map((l) => l.replace(file, name));
    throw e;
  }
  return [];
}

describe('schema messages', () => {
  test('an empty file, or one of comments only, is said to be empty', () => {
    expect(problems('')).toEqual(['bad.yaml: (root): the file is empty: a spec starts with version: 1']);
    expect(problems('# networks to come\n')).toEqual(['bad.yaml: (root): the file is empty: a spec starts with version: 1']);
  });

  test('another version, or none, is named as such', () => {
    expect(problems('version: 2\n')).toEqual(['bad.yaml:1:10: version: this file says version 2; docknet reads version 1']);
    expect(problems('version: "1"\n')).toEqual(['bad.yaml:1:10: version: this file says version "1"; docknet reads version 1']);
    expect(problems('networks: {}\n')).toEqual(['bad.yaml:1:1: version: the file has no version: write version: 1 at its top']);
  });

  test('a file that is not a map says what it is', () => {
    expect(problems('- version: 1\n')).toEqual(['bad.yaml:1:1: (root): a spec is a map of keys (version: 1, networks: …), not a list']);
  });

  test('wrong types, bounds, choices and formats say what the file holds and what belongs there', () => {
    const text = [
      'version: 1',
      'stack: "Bad Name"',
      'networks:',
      '  n1:',
      '    internal: "yes"',
      '    bridge: { mtu: 40 }',
      '    macvlan: { parent: eth0, mode: bridgee }',
      'containers:',
      '  c1:',
      '    image: busybox',
      '    restart: allways',
      '    replicas: 1.5',
      '    publish: [5]',
      '    healthcheck: { test: [], interval: "5 s" }',
      'routes:',
      '  - between: [a, b]',
      '    allow: [http]',
      '',
    ].join('\n');
    expect(problems(text)).toEqual([
      'bad.yaml:2:8: stack: "Bad Name" is not valid here; expected letters, digits, _ . - (start with a letter or digit, at most 63)',
      'bad.yaml:5:15: networks.n1.internal: expected true or false, not "yes"',
      'bad.yaml:6:20: networks.n1.bridge.mtu: must be at least 68, not 40',
      'bad.yaml:7:36: networks.n1.macvlan.mode: "bridgee" is not one of: bridge, vepa, passthru, private; did you mean bridge?',
      'bad.yaml:12:15: containers.c1.replicas: expected a whole number, not 1.5',
      'bad.yaml:13:15: containers.c1.publish[0]: expected text or a map of keys, not 5',
      'bad.yaml:14:26: containers.c1.healthcheck.test: needs at least 1 entry',
      'bad.yaml:14:40: containers.c1.healthcheck.interval: "5 s" is not valid here; expected a duration such as 500ms, 5s or 1m30s',
      'bad.yaml:11:14: containers.c1.restart: "allways" is not one of: no, always, unless-stopped, on-failure; did you mean always?',
      'bad.yaml:17:13: routes[0].allow[0]: "http" is not valid here; expected icmp, tcp, udp/53, tcp/8000-8080…',
    ]);
  });

  test('a missing required key is named', () => {
    expect(problems('version: 1\ncontainers:\n  c1: { command: [sleep, "1"] }\n')).toEqual(['bad.yaml:3:7: containers.c1.image: missing: text is required here']);
  });

  test('an unknown key gets the key most likely meant, at every depth, or the keys allowed there', () => {
    const text = [
      'version: 1',
      'netwroks: {}',
      'networks:',
      '  n1:',
      '    ipv4: { subnet: 10.9.0.0/24, gatway: 10.9.0.1, ip_range: 10.9.0.0/25 }',
      '    bridge: { colour: red }',
      'containers:',
      '  c1:',
      '    imgae: busybox',
      '    networks: { n1: { alias: [x] } }',
      '    publish: [{ containerPort: 80, hostport: 8080 }]',
      'routes:',
      '  - betwen: [n1, n1]',
      '',
    ].join('\n');
    expect(problems(text)).toEqual([
      'bad.yaml:5:42: networks.n1.ipv4.gatway: unknown key; did you mean gateway?',
      'bad.yaml:5:62: networks.n1.ipv4.ip_range: unknown key; did you mean ipRange?',
      'bad.yaml:6:23: networks.n1.bridge.colour: unknown key (allowed here: name, icc, masquerade, hostBindingIpv4, mtu, ifacePrefix)',
      'bad.yaml:9:5: containers.c1.image: missing: text is required here',
      'bad.yaml:10:30: containers.c1.networks.n1.alias: unknown key; did you mean aliases?',
      'bad.yaml:11:46: containers.c1.publish[0].hostport: unknown key; did you mean hostPort?',
      'bad.yaml:9:12: containers.c1.imgae: unknown key; did you mean image?',
      'bad.yaml:13:13: routes[0].betwen: unknown key; did you mean between?',
      'bad.yaml:2:11: netwroks: unknown key; did you mean networks?',
    ]);
  });

  test('the keys of a place come from the schema, through lists, maps of names and unions', () => {
    expect(keysAt([])).toEqual(['version', 'stack', 'networks', 'containers', 'endpoints', 'routes']);
    expect(keysAt(['containers', 'web', 'networks', 'front'])).toEqual(['ipv4', 'ipv6', 'aliases', 'mac']);
    expect(keysAt(['containers', 'web', 'publish', 0])).toEqual(['hostIp', 'hostPort', 'containerPort', 'protocol']);
    expect(keysAt(['routes', 3])).toEqual(['between', 'from', 'to', 'allow']);
  });

  test('"did you mean" only for a slip of the fingers', () => {
    expect(closest('subent', ['subnet', 'gateway'])).toBe('subnet');
    expect(closest('IP-Range', ['ipRange'])).toBe('ipRange');
    expect(closest('colour', ['name', 'icc', 'mtu'])).toBeUndefined();
    expect(closest('ic', ['icc', 'mtu'])).toBe('icc');
  });

  test('a JSON spec gets the same words', () => {
    const file = tempSpec('bad.json', '');
    writeFileSync(file, JSON.stringify({ version: 3, networks: { n: { drivr: 'bridge' } } }));
    let message = '';
    try {
      loadSpecs([file]);
    } catch (e) {
      message = (e as Error).message.replaceAll(file, 'bad.json');
    }
    expect(message.split('\n')).toEqual(['bad.json:1:12: version: this file says version 3; docknet reads version 1', 'bad.json:1:39: networks.n.drivr: unknown key; did you mean driver?']);
  });
});
