// Terraform schemas of docknet's resources, written once as data: the same description yields the
// protocol's Schema messages, the msgpack (cty) coding of values, and the replace-or-update rules. The
// fields of the spec format take their descriptions and replace rules from lib/model/fields.ts.
import { changesInPlace, fieldDoc, frontEndReplaces, type Section } from '../../lib/model/fields';
import { snake } from './attributes';
export type CtyType = 'string' | 'number' | 'bool' | ['list', CtyType] | ['map', CtyType];

export interface Attribute {
  type: CtyType;
  description: string;
  required?: boolean;
  optional?: boolean;
  computed?: boolean;
  /** A change needs a new object (Docker cannot change it in place). */
  replace?: boolean;
}

export interface NestedBlock {
  nesting: 'single' | 'list';
  block: Block;
  maxItems?: number;
  replace?: boolean;
  /** A change is made in place: it neither replaces nor recreates the object (a macvlan network's host shim). */
  inPlace?: boolean;
}

export interface Block {
  description: string;
  attributes: Record<string, Attribute>;
  blocks?: Record<string, NestedBlock>;
}

const str = (description: string, extra: Partial<Attribute> = {}): Attribute => ({ type: 'string', description, optional: true, ...extra });
const computed = (type: CtyType, description: string): Attribute => ({ type, description, computed: true });

/**
 * Attributes for fields of the spec format, named in snake_case: the description and whether a change
 * replaces the object come from the table of field rules (lib/model/fields.ts), never from here.
 */
function fields(section: Section, types: Record<string, CtyType | [CtyType, Partial<Attribute>]>): Record<string, Attribute> {
  return Object.fromEntries(
    Object.entries(types).map(([field, t]) => {
      const [type, extra] = Array.isArray(t) && t.length === 2 && typeof t[1] === 'object' && !Array.isArray(t[1]) ? (t as [CtyType, Partial<Attribute>]) : [t as CtyType, {}];
      return [snake(field), { type, description: fieldDoc(section, field), optional: true, replace: frontEndReplaces(section, field), ...extra }];
    }),
  );
}

/** A nested block for a field of the spec format, replacing or not as the table says. */
function blockOf(section: Section, field: string, nesting: NestedBlock['nesting'], block: Omit<Block, 'description'>): NestedBlock {
  return { nesting, replace: frontEndReplaces(section, field), inPlace: changesInPlace(section, field), block: { description: fieldDoc(section, field), ...block } };
}

const REQUIRED: Partial<Attribute> = { required: true, optional: false };
const PICKED: Partial<Attribute> = { computed: true };

const ipam = (family: 'ipv4' | 'ipv6'): NestedBlock =>
  blockOf('network', family, 'single', {
    attributes: fields('ipam', { subnet: 'string', ipRange: ['string', PICKED], gateway: ['string', PICKED], auxAddresses: ['map', 'string'] }),
  });

const hostShim = blockOf('macvlan', 'hostShim', 'single', { attributes: fields('hostShim', { name: ['string', REQUIRED], address: ['string', REQUIRED] }) });

const segment = (driver: 'macvlan' | 'ipvlan'): NestedBlock =>
  blockOf('network', driver, 'single', {
    attributes: fields(driver, { parent: ['string', REQUIRED], vlan: 'number', mode: 'string' }),
    ...(driver === 'macvlan' ? { blocks: { host_shim: hostShim } } : {}),
  });

const ownership = {
  stack: str('docknet stack that owns the object (label io.docknet.stack); default: the provider\'s stack', { replace: true }),
  drift: computed(['list', 'string'], 'what the last refresh found different on the host, with the reason (a stopped container, a rule deleted by hand, a network changed by hand); the next apply repairs it'),
};

export const NETWORK: Block = {
  description: 'A Docker network owned by docknet: bridge with typed options, macvlan/VLAN or ipvlan segment, overlay, or a plugin driver.',
  attributes: {
    id: computed('string', 'Docker network id'),
    name: str('Docker network name', { ...REQUIRED, replace: true }),
    ...fields('network', { driver: ['string', PICKED], internal: ['bool', PICKED], attachable: ['bool', PICKED], labels: ['map', 'string'], options: ['map', 'string'] }),
    ...ownership,
    bridge_interface: computed('string', 'host bridge interface of a bridge network'),
    adopted: computed('bool', 'true when the network was imported: docknet reads it but never changes or removes it'),
  },
  blocks: {
    ipv4: ipam('ipv4'),
    ipv6: ipam('ipv6'),
    bridge: blockOf('network', 'bridge', 'single', {
      attributes: fields('bridge', { name: 'string', icc: 'bool', masquerade: 'bool', hostBindingIpv4: 'string', mtu: 'number', ifacePrefix: 'string' }),
    }),
    macvlan: segment('macvlan'),
    ipvlan: segment('ipvlan'),
    overlay: blockOf('network', 'overlay', 'single', { attributes: fields('overlay', { encrypted: 'bool' }) }),
  },
};

export const CONTAINER: Block = {
  description: 'A container and its endpoints and port publishes. Networks attach and detach in place.',
  attributes: {
    id: computed('string', 'id of the (first) container'),
    name: str('container name (name-1 … name-N with replicas)', { ...REQUIRED, replace: true }),
    ...fields('container', {
      image: ['string', REQUIRED],
      command: ['list', 'string'],
      env: ['map', 'string'],
      networkMode: 'string',
      publish: ['list', 'string'],
      labels: ['map', 'string'],
      init: 'bool',
      stopGracePeriod: 'string',
      replicas: 'number',
      restart: 'string',
      // Mounts in the short syntax ("name:/path:ro", "/host:/path"); dependsOn is Terraform's own depends_on.
      volumes: ['list', 'string'],
      envFile: ['list', 'string'],
      user: 'string',
      workingDir: 'string',
      entrypoint: ['list', 'string'],
      capAdd: ['list', 'string'],
      capDrop: ['list', 'string'],
      sysctls: ['map', 'string'],
      tmpfs: ['list', 'string'],
      readOnly: 'bool',
      dns: ['list', 'string'],
      extraHosts: ['list', 'string'],
      hostname: 'string',
      memory: 'string',
      cpus: 'number',
    }),
    ...ownership,
    container_ids: computed(['list', 'string'], 'ids of the containers, one per replica'),
    addresses: computed(['map', 'string'], 'IPv4 address of the (first) container on each network'),
  },
  blocks: {
    network: blockOf('container', 'networks', 'list', {
      attributes: { name: str('network name', REQUIRED), ...fields('endpoint', { ipv4: 'string', ipv6: 'string', aliases: ['list', 'string'], mac: 'string' }) },
    }),
    healthcheck: blockOf('container', 'healthcheck', 'single', {
      attributes: fields('healthcheck', { test: [['list', 'string'], REQUIRED], interval: 'string', timeout: 'string', retries: 'number', startPeriod: 'string' }),
    }),
  },
};

export const ROUTE: Block = {
  description: 'Forwarding between two bridge networks of the host (rules in DOCKER-USER, and raw PREROUTING on Docker 28+).',
  attributes: {
    id: computed('string', '<stack>:<route id>'),
    ...fields('route', { between: ['list', 'string'], from: 'string', to: 'string', allow: ['list', 'string'] }),
    ...ownership,
    route_id: computed('string', 'the route id in rule comments docknet:<stack>:<id>'),
  },
};

export const NETWORK_DATA: Block = {
  description: 'An existing Docker network, read by name (it need not be docknet\'s).',
  attributes: {
    name: str('Docker network name', { required: true, optional: false }),
    id: computed('string', 'Docker network id'),
    driver: computed('string', 'network driver'),
    subnet: computed('string', 'IPv4 subnet'),
    gateway: computed('string', 'IPv4 gateway'),
    bridge_interface: computed('string', 'host bridge interface (bridge networks)'),
    internal: computed('bool', 'no route to the outside world'),
    labels: computed(['map', 'string'], 'Docker labels'),
  },
};

export const PROVIDER: Block = {
  description: 'docknet: Docker host networking as code.',
  attributes: {
    docker_host: str('Docker endpoint in DOCKER_HOST syntax: unix://, tcp:// (TLS from DOCKER_TLS_VERIFY/DOCKER_CERT_PATH), ssh://user@host; default: resolved as the docker CLI does (DOCKER_HOST, DOCKER_CONTEXT, the current context, the local socket). Routes are written into the firewall of the engine\'s host'),
    stack: str('docknet stack that owns what this configuration creates; default "terraform"'),
  },
};

export const RESOURCES: Record<string, Block> = { docknet_network: NETWORK, docknet_container: CONTAINER, docknet_route: ROUTE };
export const DATA_SOURCES: Record<string, Block> = { docknet_network: NETWORK_DATA };

/** The protocol's Schema.Block message for a block. */
export function protoBlock(block: Block): Record<string, unknown> {
  return {
    version: 0,
    description: block.description,
    description_kind: 'PLAIN',
    attributes: Object.entries(block.attributes).map(([name, a]) => ({
      name,
      type: Buffer.from(JSON.stringify(a.type)),
      description: a.description,
      required: Boolean(a.required),
      optional: Boolean(a.optional),
      computed: Boolean(a.computed),
    })),
    block_types: Object.entries(block.blocks ?? {}).map(([type_name, b]) => ({
      type_name,
      block: protoBlock(b.block),
      nesting: b.nesting === 'single' ? 'SINGLE' : 'LIST',
      max_items: b.maxItems ?? 0,
    })),
  };
}
