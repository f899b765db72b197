// Terraform schemas of docknet's resources, written once as data: the same description yields the
// protocol's Schema messages, the msgpack (cty) coding of values, and the replace-or-update rules.
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
}

export interface Block {
  description: string;
  attributes: Record<string, Attribute>;
  blocks?: Record<string, NestedBlock>;
}

const str = (description: string, extra: Partial<Attribute> = {}): Attribute => ({ type: 'string', description, optional: true, ...extra });
const bool = (description: string, extra: Partial<Attribute> = {}): Attribute => ({ type: 'bool', description, optional: true, ...extra });
const num = (description: string, extra: Partial<Attribute> = {}): Attribute => ({ type: 'number', description, optional: true, ...extra });
const strMap = (description: string, extra: Partial<Attribute> = {}): Attribute => ({ type: ['map', 'string'], description, optional: true, ...extra });
const strList = (description: string, extra: Partial<Attribute> = {}): Attribute => ({ type: ['list', 'string'], description, optional: true, ...extra });
const computed = (type: CtyType, description: string): Attribute => ({ type, description, computed: true });
/** Marks settable attributes as replace-only; purely computed ones stay as they are. */
const replaceAll = (attrs: Record<string, Attribute>): Record<string, Attribute> =>
  Object.fromEntries(Object.entries(attrs).map(([k, a]) => [k, a.computed && !a.optional ? a : { ...a, replace: true }]));

const ipam = (family: string): NestedBlock => ({
  nesting: 'single',
  replace: true,
  block: {
    description: `${family} address management`,
    attributes: replaceAll({
      subnet: str('the network in CIDR form'),
      ip_range: str('the part of the subnet Docker allocates container addresses from', { computed: true }),
      gateway: str('the gateway address inside the subnet; default: Docker picks one', { computed: true }),
      aux_addresses: strMap('addresses Docker must not hand out, by name'),
    }),
  },
});

const segment = (driver: string, modes: string): NestedBlock => ({
  nesting: 'single',
  replace: true,
  block: {
    description: `options of the ${driver} driver`,
    attributes: replaceAll({
      parent: str('host interface the segment hangs off, e.g. eth0', { required: true, optional: false }),
      vlan: num('802.1Q VLAN id 1–4094: the parent becomes parent.vlan'),
      mode: str(`${driver} mode: ${modes}`),
    }),
  },
});

const ownership = {
  stack: str('docknet stack that owns the object (label io.docknet.stack); default: the provider\'s stack', { replace: true }),
};

export const NETWORK: Block = {
  description: 'A Docker network owned by docknet: bridge with typed options, macvlan/VLAN or ipvlan segment, overlay, or a plugin driver.',
  attributes: {
    id: computed('string', 'Docker network id'),
    ...replaceAll({
      name: str('Docker network name', { required: true, optional: false }),
      driver: str('bridge (default) | macvlan | ipvlan | overlay | any plugin name', { computed: true }),
      internal: bool('no route to the outside world; default false', { computed: true }),
      attachable: bool('overlay: standalone containers may attach; default false', { computed: true }),
      labels: strMap('extra Docker labels'),
      options: strMap('raw driver options, passed unchanged (plugin drivers)'),
    }),
    ...ownership,
    bridge_interface: computed('string', 'host bridge interface of a bridge network'),
    adopted: computed('bool', 'true when the network was imported: docknet reads it but never changes or removes it'),
  },
  blocks: {
    ipv4: ipam('IPv4'),
    ipv6: ipam('IPv6 (present ⇒ IPv6 enabled)'),
    bridge: {
      nesting: 'single',
      replace: true,
      block: {
        description: 'options of the bridge driver',
        attributes: replaceAll({
          name: str('host bridge interface name'),
          icc: bool('inter-container connectivity; default true'),
          masquerade: bool('masquerade outgoing traffic; default true'),
          host_binding_ipv4: str('default host IP for publishes'),
          mtu: num('MTU of the bridge'),
          iface_prefix: str('prefix of interface names inside containers'),
        }),
      },
    },
    macvlan: segment('macvlan', 'bridge, vepa, passthru, private'),
    ipvlan: segment('ipvlan', 'l2, l3, l3s'),
    overlay: { nesting: 'single', replace: true, block: { description: 'options of the overlay driver', attributes: { encrypted: bool('IPsec encryption of the data plane', { replace: true }) } } },
  },
};

export const CONTAINER: Block = {
  description: 'A container and its endpoints and port publishes. Networks attach and detach in place.',
  attributes: {
    id: computed('string', 'id of the (first) container'),
    ...replaceAll({
      name: str('container name (name-1 … name-N with replicas)', { required: true, optional: false }),
      image: str('image reference', { required: true, optional: false }),
      command: strList('command and arguments'),
      env: strMap('environment'),
      network_mode: str('host | none — exclusive with network blocks and publish'),
      publish: strList('port publishes: [hostIp:]hostPort[-end]:containerPort[-end][/tcp|udp|sctp]'),
      labels: strMap('extra Docker labels'),
      init: bool('run an init (docker-init) as PID 1; default false'),
      stop_grace_period: str('time to stop after SIGTERM before SIGKILL, also when replaced, e.g. 30s; default 10s'),
    }),
    replicas: num('N > 1 ⇒ containers name-1 … name-N; changes in place'),
    restart: str('restart policy: no | always | unless-stopped | on-failure; changes in place'),
    ...ownership,
    container_ids: computed(['list', 'string'], 'ids of the containers, one per replica'),
    addresses: computed(['map', 'string'], 'IPv4 address of the (first) container on each network'),
  },
  blocks: {
    network: {
      nesting: 'list',
      block: {
        description: 'an endpoint: the container attached to a network (in place: connect/disconnect)',
        attributes: {
          name: str('network name', { required: true, optional: false }),
          ipv4: str('static IPv4 address'),
          ipv6: str('static IPv6 address'),
          aliases: strList('extra DNS names on this network'),
          mac: str('MAC address (set at creation: a change replaces the container)'),
        },
      },
    },
    healthcheck: {
      nesting: 'single',
      replace: true,
      block: {
        description: 'container health check',
        attributes: replaceAll({
          test: strList('e.g. ["CMD-SHELL", "true"]', { required: true, optional: false }),
          interval: str('e.g. 5s'),
          timeout: str('e.g. 2s'),
          retries: num('failures before unhealthy'),
          start_period: str('e.g. 5s'),
        }),
      },
    },
  },
};

export const ROUTE: Block = {
  description: 'Forwarding between two bridge networks of the host (rules in DOCKER-USER).',
  attributes: {
    id: computed('string', '<stack>:<route id>'),
    ...replaceAll({
      between: strList('two bridge network names, forwarding both ways'),
      from: str('one way: the network traffic comes from'),
      to: str('one way: the network traffic goes to'),
    }),
    allow: strList('filter: tcp/80, udp/53, icmp; default everything; changes in place'),
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
    docker_host: str('Docker endpoint in DOCKER_HOST syntax; default: DOCKER_HOST, else the local unix socket'),
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
