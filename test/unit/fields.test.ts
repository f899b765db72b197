// The table of field rules (lib/model/fields.ts) is the one place that says what changes in place.
// This test fails when anything disagrees with it: the spec schema, the core's planner, the Terraform
// schema and plans, the Pulumi diff, and the prop docs of the typed classes that Pulumi and CDKTF expose.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { FIELD_RULES, changesInPlace, fieldDoc, frontEndReplaces, type Section } from '../../lib/model/fields';
import * as schema from '../../lib/model/schema';
import { loadDocuments } from '../../lib/spec/load';
import { planStacks } from '../../lib/plan/planner';
import { containerCreateRequest, networkCreateRequest } from '../../lib/plan/desired';
import type { ObservedContainer, ObservedHost, ObservedNetwork } from '../../lib/plan/observe';
import type { NetworkInfo } from '../../lib/drivers/docker';
import { RESOURCES, type Block, type NestedBlock } from '../../providers/terraform/schema';
import { planChange } from '../../providers/terraform/resources';
import { containerAttributes, networkAttributes, routeAttributes, camel } from '../../providers/terraform/attributes';
import { diff } from '../../providers/pulumi/handlers';
import { UNKNOWN, type ObjectValue } from '../../providers/terraform/cty';

const SCHEMAS: Record<Section, { shape: Record<string, { description?: string }> }> = {
  network: schema.networkSchema,
  ipam: schema.ipamSchema,
  bridge: schema.bridgeOptionsSchema,
  macvlan: schema.macvlanOptionsSchema,
  hostShim: schema.hostShimSchema,
  ipvlan: schema.ipvlanOptionsSchema,
  overlay: schema.overlayOptionsSchema,
  container: schema.containerSchema,
  endpoint: schema.endpointSchema,
  healthcheck: schema.healthcheckSchema,
  publish: schema.publishObjectSchema,
  route: schema.routeSchema,
};

const sections = Object.keys(FIELD_RULES) as Section[];

describe('the spec schema', () => {
  test.each(sections)('%s: the same fields as the table, each described by its rule', (section) => {
    const shape = SCHEMAS[section].shape;
    expect(Object.keys(shape).sort()).toEqual(Object.keys(FIELD_RULES[section]).sort());
    for (const field of Object.keys(shape)) expect(shape[field].description).toBe(fieldDoc(section, field));
  });
});

// Two env files for envFile's variants (read when a spec is loaded).
const ENV_DIR = mkdtempSync(join(tmpdir(), 'docknet-fields-'));
const ENV_A = join(ENV_DIR, 'a.env');
const ENV_B = join(ENV_DIR, 'b.env');
writeFileSync(ENV_A, 'A=1\n');
writeFileSync(ENV_B, 'A=2\n');

// Two values of every container field, the first the base spec's, to change one field at a time.
const CONTAINER_VARIANTS: Record<string, [unknown, unknown]> = {
  image: ['busybox:1', 'busybox:2'],
  command: [['sleep', '1'], ['sleep', '2']],
  env: [{ A: '1' }, { A: '2' }],
  replicas: [undefined, 2],
  networks: [['fa'], ['fa', 'fb']],
  networkMode: [undefined, 'none'],
  publish: [['8081:80'], ['8082:80']],
  healthcheck: [undefined, { test: ['CMD', 'true'] }],
  restart: ['always', 'no'],
  labels: [{ a: '1' }, { a: '2' }],
  init: [undefined, true],
  stopGracePeriod: [undefined, '20s'],
  volumes: [['data:/data'], ['data:/other']],
  envFile: [[ENV_A], [ENV_B]],
  user: ['1000', '1001'],
  workingDir: ['/a', '/b'],
  entrypoint: [['sh'], ['ash']],
  capAdd: [['NET_ADMIN'], ['NET_RAW']],
  capDrop: [['ALL'], ['NET_RAW']],
  sysctls: [{ 'net.ipv4.ip_forward': '1' }, { 'net.ipv4.ip_forward': '0' }],
  tmpfs: [['/run'], ['/tmp']],
  readOnly: [undefined, true],
  dns: [['10.0.0.2'], ['10.0.0.3']],
  extraHosts: [['a:10.0.0.1'], ['a:10.0.0.2']],
  hostname: ['a', 'b'],
  memory: ['64m', '128m'],
  cpus: [0.5, 1],
  dependsOn: [undefined, ['d']],
};
const ENDPOINT_VARIANTS: Record<string, [unknown, unknown]> = {
  ipv4: ['10.99.1.10', '10.99.1.11'],
  ipv6: ['fd00:99::10', 'fd00:99::11'],
  aliases: [['x'], ['y']],
  mac: ['02:42:0a:63:01:0a', '02:42:0a:63:01:0b'],
};
const NETWORK_VARIANTS: Record<string, [Record<string, unknown>, Record<string, unknown>]> = {
  driver: [{}, { driver: 'weave' }],
  ipv4: [{ ipv4: { subnet: '10.99.1.0/24' } }, { ipv4: { subnet: '10.99.2.0/24' } }],
  ipv6: [{}, { ipv6: { subnet: 'fd00:99::/64' } }],
  internal: [{}, { internal: true }],
  attachable: [{}, { attachable: true }],
  labels: [{}, { labels: { a: '1' } }],
  bridge: [{}, { bridge: { icc: false } }],
  macvlan: [{ driver: 'macvlan', macvlan: { parent: 'eth0' } }, { driver: 'macvlan', macvlan: { parent: 'eth1' } }],
  ipvlan: [{ driver: 'ipvlan', ipvlan: { parent: 'eth0' } }, { driver: 'ipvlan', ipvlan: { parent: 'eth0', mode: 'l3' } }],
  overlay: [{ driver: 'overlay' }, { driver: 'overlay', overlay: { encrypted: true } }],
  options: [{ driver: 'weave' }, { driver: 'weave', options: { k: 'v' } }],
};

const ENGINE = { id: 'T', endpoint: 'unix:///var/run/docker.sock', name: 't', version: '20.10.24', firewallBackend: 'iptables' };
const DUAL = { fa: { ipv4: { subnet: '10.99.1.0/24' }, ipv6: { subnet: 'fd00:99::/64' } }, fb: { ipv4: { subnet: '10.99.2.0/24' } } };

/** The host as docknet would have left it after applying `doc` (networks and containers labelled). */
function hostAfter(doc: object): ObservedHost {
  const [stack] = loadDocuments([{ file: 't.yaml', doc: { version: 1, stack: 't', ...doc } }]);
  const owner = { stack: 't', manager: 'cli' };
  const networks = new Map<string, ObservedNetwork>();
  for (const n of stack.networks) {
    const req = networkCreateRequest(owner, n) as unknown as Record<string, unknown>;
    const info = { ...req, Id: `${n.name}-id-0000000000`, IPAM: req.IPAM } as unknown as NetworkInfo;
    networks.set(n.name, { id: info.Id, name: n.name, info, labels: info.Labels ?? {}, bridgeInterface: `br-${n.name}`, subnets: {} });
  }
  const containers = new Map<string, ObservedContainer>();
  for (const c of stack.containers) {
    const req = containerCreateRequest(owner, c);
    const endpoints = new Map(c.endpoints.map((e) => [e.network, { networkId: `${e.network}-id`, staticIpv4: e.ipv4, staticIpv6: e.ipv6, ipv4: e.ipv4 ?? '', ipv6: e.ipv6 ?? '', mac: e.mac ?? '' }]));
    if (!c.networkMode && endpoints.size === 0) endpoints.set('bridge', { networkId: 'bridge-id', staticIpv4: undefined, staticIpv6: undefined, ipv4: '', ipv6: '', mac: '' });
    const aliases = new Map(c.endpoints.map((e) => [e.network, [...e.aliases].sort()]));
    containers.set(c.name, { id: `${c.name}-id`, name: c.name, labels: req.Labels ?? {}, state: 'running', networkMode: c.networkMode ?? '', endpoints, ports: [], detail: { restart: c.restart, aliases } });
  }
  return { engine: ENGINE, layout: { rawExemptions: false, ipv6: false }, networks, containers, records: new Map(), endpointRecords: [], rules: [], links: undefined };
}

const opsFor = (before: object, after: object) =>
  planStacks(loadDocuments([{ file: 't.yaml', doc: { version: 1, stack: 't', ...after } }]), hostAfter(before)).actions.map((a) => `${a.op} ${a.kind}`);

describe("the core's planner", () => {
  test.each(Object.keys(FIELD_RULES.container))('container.%s', (field) => {
    const [a, b] = CONTAINER_VARIANTS[field] ?? [];
    expect(CONTAINER_VARIANTS[field]).toBeDefined();
    // d: a container for c to depend on.
    const box = (v: unknown) => ({ networks: DUAL, containers: { d: { image: 'busybox:1', networks: ['fa'] }, c: { image: 'busybox:1', restart: 'always', networks: ['fa'], ...(v === undefined ? {} : { [field]: v }), ...(field === 'networkMode' && v ? { networks: undefined } : {}) } } });
    const ops = opsFor(box(a), box(b));
    expect(ops.includes('replace container')).toBe(!changesInPlace('container', field));
    // dependsOn only orders creation and waits: a running container has nothing to change.
    if (field !== 'dependsOn') expect(ops.length).toBeGreaterThan(0);
  });

  test.each(Object.keys(FIELD_RULES.endpoint))('endpoint.%s', (field) => {
    const [a, b] = ENDPOINT_VARIANTS[field];
    const box = (v: unknown) => ({ networks: DUAL, containers: { c: { image: 'busybox:1', networks: { fa: { [field]: v } } } } });
    const ops = opsFor(box(a), box(b));
    expect(ops.includes('replace container')).toBe(!changesInPlace('endpoint', field));
    expect(ops.length).toBeGreaterThan(0);
  });

  // An external network is not docknet's to change: declaring one is tested with the host (planner.test).
  test.each(Object.keys(FIELD_RULES.network).filter((f) => f !== 'external'))('network.%s', (field) => {
    const [a, b] = NETWORK_VARIANTS[field];
    expect(opsFor({ networks: { n: a } }, { networks: { n: b } })).toEqual(changesInPlace('network', field) ? expect.not.arrayContaining(['replace network']) : ['replace network']);
  });
});

/** The spec fields under a Terraform block, with their sections: attribute → [section, field]. */
function terraformFields(type: string): [Block, string, Section, string][] {
  const block = RESOURCES[type];
  const top: Section = type === 'docknet_network' ? 'network' : type === 'docknet_container' ? 'container' : 'route';
  const out: [Block, string, Section, string][] = [];
  for (const name of Object.keys(block.attributes)) if (camel(name) in FIELD_RULES[top]) out.push([block, name, top, camel(name)]);
  const nested: Record<string, Section> = { ipv4: 'ipam', ipv6: 'ipam', bridge: 'bridge', macvlan: 'macvlan', host_shim: 'hostShim', ipvlan: 'ipvlan', overlay: 'overlay', network: 'endpoint', healthcheck: 'healthcheck' };
  const visit = (blocks: Block['blocks']) => {
    for (const [name, b] of Object.entries(blocks ?? {})) {
      for (const attr of Object.keys(b.block.attributes)) if (camel(attr) in FIELD_RULES[nested[name]]) out.push([b.block, attr, nested[name], camel(attr)]);
      visit(b.block.blocks);
    }
  };
  visit(block.blocks);
  return out;
}

/** Every nested block of a Terraform block, at any depth, by name. */
function nestedBlocks(block: Block): [string, NestedBlock][] {
  return Object.entries(block.blocks ?? {}).flatMap(([name, b]) => [[name, b] as [string, NestedBlock], ...nestedBlocks(b.block)]);
}

describe('the Terraform schema', () => {
  test.each(['docknet_network', 'docknet_container', 'docknet_route'])('%s: replace flags and descriptions of every spec field come from the table', (type) => {
    const seen = terraformFields(type);
    expect(seen.length).toBeGreaterThan(3);
    for (const [block, attr, section, field] of seen) {
      expect([`${section}.${field}`, block.attributes[attr].replace ?? false]).toEqual([`${section}.${field}`, frontEndReplaces(section, field)]);
      expect(block.attributes[attr].description).toBe(fieldDoc(section, field));
    }
    const parent: Record<string, [Section, string]> = { ipv4: ['network', 'ipv4'], ipv6: ['network', 'ipv6'], bridge: ['network', 'bridge'], macvlan: ['network', 'macvlan'], host_shim: ['macvlan', 'hostShim'], ipvlan: ['network', 'ipvlan'], overlay: ['network', 'overlay'], network: ['container', 'networks'], healthcheck: ['container', 'healthcheck'] };
    for (const [name, b] of nestedBlocks(RESOURCES[type])) expect([name, b.replace ?? false]).toEqual([name, frontEndReplaces(...parent[name])]);
  });

  const tfValue = (attrs: Record<string, unknown>): ObjectValue => {
    const out: ObjectValue = {};
    for (const [k, v] of Object.entries(attrs)) out[k] = v as ObjectValue[string];
    return out;
  };

  test.each(Object.keys(FIELD_RULES.container).filter((f) => f !== 'networks' && f !== 'networkMode' && f !== 'healthcheck'))('a Terraform plan of a change to container.%s', (field) => {
    const [a, b] = CONTAINER_VARIANTS[field];
    const attrs = (v: unknown) => tfValue(containerAttributes('c', { image: 'busybox:1', ...(v === undefined ? {} : { [field]: v }) } as never));
    const planned = planChange('docknet_container', attrs(a), attrs(b));
    expect(planned.requiresReplace.length > 0).toBe(frontEndReplaces('container', field));
  });

  test.each(Object.keys(FIELD_RULES.endpoint))('a Terraform plan of a change to endpoint.%s', (field) => {
    const [a, b] = ENDPOINT_VARIANTS[field];
    const attrs = (v: unknown) => tfValue(containerAttributes('c', { image: 'busybox:1', networks: { fa: { [field]: v } } } as never));
    expect(planChange('docknet_container', attrs(a), attrs(b)).requiresReplace.length > 0).toBe(frontEndReplaces('endpoint', field));
  });

  test('a Terraform plan that attaches a network (map or list of endpoints) is in place; one that sets a MAC replaces', () => {
    const attrs = (networks: unknown) => tfValue(containerAttributes('c', { image: 'busybox:1', networks } as never));
    expect(planChange('docknet_container', attrs({ fa: null }), attrs({ fa: null, fb: { ipv4: '10.0.0.2' } })).requiresReplace).toEqual([]);
    expect(planChange('docknet_container', attrs(['fa']), attrs(['fa', 'fb'])).requiresReplace).toEqual([]);
    expect(planChange('docknet_container', attrs({ fa: null }), attrs({ fa: { mac: '02:42:ac:11:00:09' } })).requiresReplace).toEqual(['network']);
  });

  test.each(Object.keys(FIELD_RULES.route))('a Terraform plan of a change to route.%s', (field) => {
    const docs: Record<string, [object, object]> = { between: [{ between: ['a', 'b'] }, { between: ['a', 'c'] }], from: [{ from: 'a', to: 'b' }, { from: 'c', to: 'b' }], to: [{ from: 'a', to: 'b' }, { from: 'a', to: 'c' }], allow: [{ between: ['a', 'b'] }, { between: ['a', 'b'], allow: ['icmp'] }] };
    const [a, b] = docs[field];
    expect(planChange('docknet_route', tfValue(routeAttributes(a)), tfValue(routeAttributes(b))).requiresReplace.length > 0).toBe(frontEndReplaces('route', field));
  });

  test('a Terraform plan of a change to macvlan.hostShim: an update in place, the network keeps its id', () => {
    const attrs = (address: string) => ({ ...tfValue(networkAttributes('n', { driver: 'macvlan', macvlan: { parent: 'eth0', hostShim: { name: 'dn-shim', address } } })), id: 'n-id' });
    const planned = planChange('docknet_network', attrs('10.0.0.5'), attrs('10.0.0.6'));
    expect(changesInPlace('macvlan', 'hostShim')).toBe(true);
    expect(planned).toMatchObject({ requiresReplace: [], planned: { id: 'n-id', macvlan: { host_shim: { address: '10.0.0.6' } } } });
    expect(planned.recreated).toBeUndefined();
  });

  test('a Terraform plan that mends drift of a network\'s host shim only keeps the network; any other drift recreates it', () => {
    const attrs = (drift: string[]) => ({ ...tfValue(networkAttributes('n', { driver: 'macvlan', macvlan: { parent: 'eth0', hostShim: { name: 'dn-shim', address: '10.0.0.5' } } })), id: 'n-id', drift });
    const shimOnly = planChange('docknet_network', attrs(['create shim dn-shim: host shim dn-shim of network n does not exist']), attrs([]));
    expect(shimOnly).toMatchObject({ requiresReplace: [], planned: { id: 'n-id', drift: [] } });
    expect(shimOnly.recreated).toBeUndefined();
    const remade = planChange('docknet_network', attrs(['create shim dn-shim: gone', 'replace network n: options.parent eth1 → eth0']), attrs([]), { ...attrs([]), id: null });
    expect(remade).toMatchObject({ requiresReplace: [], recreated: true, planned: { id: UNKNOWN } });
  });

  // An external network is Terraform's data source docknet_network, not a resource.
  test.each(Object.keys(FIELD_RULES.network).filter((f) => f !== 'external'))('a Terraform plan of a change to network.%s: an update that recreates it (new id and bridge)', (field) => {
    const [a, b] = NETWORK_VARIANTS[field];
    const planned = planChange('docknet_network', tfValue(networkAttributes('n', a)), tfValue(networkAttributes('n', b)));
    expect(FIELD_RULES.network[field].change).toBe('recreate');
    expect(planned.requiresReplace).toEqual([]);
    expect(planned.recreated).toBe(true);
    expect(planned.planned!.id).toBe(UNKNOWN);
    expect(planned.planned!.bridge_interface).toBe(UNKNOWN);
  });
});

describe('the Pulumi diff', () => {
  const inputs = (kind: string, props: Record<string, unknown>) => ({ kind, name: 'c', stack: 't', ...props }) as never;

  test.each(Object.keys(FIELD_RULES.container))('container.%s', (field) => {
    const [a, b] = CONTAINER_VARIANTS[field];
    const d = diff(inputs('container', { image: 'busybox:1', [field]: a }), inputs('container', { image: 'busybox:1', [field]: b }));
    expect(d.changes).toBe(true);
    expect(d.replaces.includes(field)).toBe(frontEndReplaces('container', field));
  });

  test.each(Object.keys(FIELD_RULES.endpoint))('endpoint.%s (inside networks)', (field) => {
    const [a, b] = ENDPOINT_VARIANTS[field];
    const d = diff(inputs('container', { image: 'x', networks: { fa: { [field]: a } } }), inputs('container', { image: 'x', networks: { fa: { [field]: b } } }));
    expect(d.replaces.includes('networks')).toBe(frontEndReplaces('endpoint', field));
  });

  test('attaching a network is in place; setting a MAC replaces', () => {
    expect(diff(inputs('container', { image: 'x', networks: { fa: null } }), inputs('container', { image: 'x', networks: { fa: null, fb: { ipv4: '10.0.0.2' } } })).replaces).toEqual([]);
    expect(diff(inputs('container', { image: 'x', networks: ['fa'] }), inputs('container', { image: 'x', networks: { fa: null, fb: null } })).replaces).toEqual([]);
    expect(diff(inputs('container', { image: 'x', networks: { fa: null } }), inputs('container', { image: 'x', networks: { fa: { mac: '02:42:ac:11:00:09' } } })).replaces).toEqual(['networks']);
  });

  test.each(Object.keys(FIELD_RULES.route))('route.%s', (field) => {
    const d = diff(inputs('route', { [field]: ['a', 'b'] }), inputs('route', { [field]: ['a', 'c'] }));
    expect(d.replaces.includes(field)).toBe(frontEndReplaces('route', field));
  });

  test('every network prop, flattened driver options too, is an update that recreates the network in one step', () => {
    for (const field of ['ipv4', 'internal', 'labels', 'bridge']) expect(diff(inputs('bridge', { [field]: 1 }), inputs('bridge', { [field]: 2 }))).toMatchObject({ changes: true, replaces: [] });
    for (const field of ['parent', 'vlan', 'mode', 'hostShim']) expect(diff(inputs('macvlan', { [field]: 1 }), inputs('macvlan', { [field]: 2 }))).toMatchObject({ changes: true, replaces: [] });
    expect(diff(inputs('overlay', { encrypted: false }), inputs('overlay', { encrypted: true }))).toMatchObject({ changes: true, replaces: [] });
    // Its name is what it is: another name is another network.
    expect(diff(inputs('bridge', {}), { ...(inputs('bridge', {}) as object), name: 'other' } as never).replaces).toEqual(['name']);
  });
});

describe('the prop docs of the typed classes (Pulumi and CDKTF)', () => {
  const PROPS: Record<string, Record<string, [Section, string]>> = {
    IpamProps: { subnet: ['ipam', 'subnet'], ipRange: ['ipam', 'ipRange'], gateway: ['ipam', 'gateway'], auxAddresses: ['ipam', 'auxAddresses'] },
    BridgeOptionsProps: { name: ['bridge', 'name'], icc: ['bridge', 'icc'], masquerade: ['bridge', 'masquerade'], hostBindingIpv4: ['bridge', 'hostBindingIpv4'], mtu: ['bridge', 'mtu'], ifacePrefix: ['bridge', 'ifacePrefix'] },
    NetworkCommonProps: { ipv4: ['network', 'ipv4'], ipv6: ['network', 'ipv6'], internal: ['network', 'internal'], labels: ['network', 'labels'] },
    BridgeNetworkProps: { bridge: ['network', 'bridge'] },
    SegmentProps: { parent: ['macvlan', 'parent'], vlan: ['macvlan', 'vlan'] },
    MacvlanNetworkProps: { mode: ['macvlan', 'mode'], hostShim: ['macvlan', 'hostShim'] },
    HostShimProps: Object.fromEntries(Object.keys(FIELD_RULES.hostShim).map((f) => [f, ['hostShim', f]])),
    IpvlanNetworkProps: { mode: ['ipvlan', 'mode'] },
    OverlayNetworkProps: { attachable: ['network', 'attachable'], encrypted: ['overlay', 'encrypted'] },
    PluginNetworkProps: { driver: ['network', 'driver'], options: ['network', 'options'], attachable: ['network', 'attachable'] },
    EndpointProps: Object.fromEntries(Object.keys(FIELD_RULES.endpoint).map((f) => [f, ['endpoint', f]])),
    PortPublish: Object.fromEntries(Object.keys(FIELD_RULES.publish).map((f) => [f, ['publish', f]])),
    HealthcheckProps: Object.fromEntries(Object.keys(FIELD_RULES.healthcheck).map((f) => [f, ['healthcheck', f]])),
    ContainerProps: Object.fromEntries(Object.keys(FIELD_RULES.container).map((f) => [f, ['container', f]])),
    BridgeRouteProps: Object.fromEntries(Object.keys(FIELD_RULES.route).map((f) => [f, ['route', f]])),
  };

  test('every prop of a typed class carries its field\'s documentation from the table', () => {
    const file = join(__dirname, '..', '..', '..', 'lib', 'model', 'resources.ts');
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const found: string[] = [];
    source.forEachChild((node) => {
      if (!ts.isInterfaceDeclaration(node) || !PROPS[node.name.text]) return;
      for (const member of node.members) {
        const prop = member.name && ts.isIdentifier(member.name) ? member.name.text : '';
        const target = PROPS[node.name.text][prop];
        if (!target) continue;
        const doc = fieldDoc(...target);
        const jsdoc = ts.getJSDocCommentsAndTags(member).map((d) => d.getText(source)).join('');
        expect(`${node.name.text}.${prop}: ${jsdoc}`).toContain(`${node.name.text}.${prop}: /** ${doc.charAt(0).toUpperCase()}${doc.slice(1)}.`);
        found.push(`${node.name.text}.${prop}`);
      }
    });
    const expected = Object.entries(PROPS).flatMap(([i, props]) => Object.keys(props).map((p) => `${i}.${p}`));
    expect(found.sort()).toEqual(expected.sort());
  });
});

