// The one table of field rules: for every field of every resource, whether a change is made in place
// or needs a new object, and why; its default; its documentation. The spec schema's descriptions, the
// planner (what replaces a container or a network, and the reason it gives), the Terraform schema
// (requires_replace, descriptions), the Pulumi diff (replaces) and the prop docs of the typed classes
// all derive from here; test/unit/fields.test.ts fails when one of them disagrees.

/**
 * in-place: the live object changes (connect, update, rules rewritten).
 * recreate: Docker cannot change it, so docknet removes the object and makes it again under the same
 *   name in one step, and what depends on it follows (docknet's containers reconnected with the same
 *   addresses, routes moved to the new bridge). Front-ends plan it as an update of the same resource.
 * replace: a new object takes the old one's place (Terraform and Pulumi plan a replacement).
 */
export type Change = 'in-place' | 'recreate' | 'replace';

export interface FieldRule {
  change: Change;
  /** Why a change is carried out so: the reason a plan gives. */
  why: string;
  /** The default, as a person would write it; absent when there is none (or the field is required). */
  default?: string;
  /** One line of documentation. */
  doc: string;
}

/** The objects of the spec format whose fields have rules: each a section of the table. */
export type Section = 'network' | 'ipam' | 'bridge' | 'macvlan' | 'hostShim' | 'ipvlan' | 'overlay' | 'container' | 'endpoint' | 'healthcheck' | 'publish' | 'route';

const NETWORK = "Docker cannot change a network once it exists: docknet recreates it in one step, reconnecting docknet's containers with their addresses and moving routes to the new bridge";
const CONTAINER = 'Docker fixes it when it creates the container: a new container replaces the old one';
const ROUTE_ENDS = "a route's ends and direction are what it is: another route replaces it";
const SHIM = 'the host shim is a link of the host, not part of the Docker network: docknet makes it again, the network and its containers stay as they are';

const replace = (why: string) => (doc: string, def?: string): FieldRule => ({ change: 'replace', why, doc, ...(def !== undefined ? { default: def } : {}) });
const inPlace = (why: string) => (doc: string, def?: string): FieldRule => ({ change: 'in-place', why, doc, ...(def !== undefined ? { default: def } : {}) });
const recreate = (why: string) => (doc: string, def?: string): FieldRule => ({ change: 'recreate', why, doc, ...(def !== undefined ? { default: def } : {}) });
const net = recreate(NETWORK);
const box = replace(CONTAINER);

export const FIELD_RULES: Record<Section, Record<string, FieldRule>> = {
  network: {
    driver: net('bridge (default) | macvlan | ipvlan | overlay | any plugin name', 'bridge'),
    ipv4: net('IPv4 address management: subnet, ipRange, gateway, auxAddresses; Docker picks a subnet when absent'),
    ipv6: net('IPv6 address management; present ⇒ IPv6 is enabled on the network'),
    internal: net('no route to the outside world', 'false'),
    attachable: net('overlay: standalone containers may attach (not only swarm services)', 'false'),
    labels: net('extra Docker labels on the network'),
    bridge: net('typed options of the bridge driver'),
    macvlan: net('options of the macvlan driver: parent, vlan, mode'),
    ipvlan: net('options of the ipvlan driver: parent, vlan, mode'),
    overlay: net('options of the overlay driver'),
    options: net('raw driver options, passed unchanged (plugin drivers)'),
    external: replace("who owns the network: docknet makes and removes its own; an external one it only uses")('made elsewhere (docker compose, by hand, another stack): docknet never creates, changes or removes it, and fails the plan when it does not exist', 'false'),
  },
  ipam: {
    subnet: net('the network in CIDR form, e.g. 172.25.0.0/16'),
    ipRange: net('the part of the subnet Docker allocates container addresses from, e.g. 172.25.100.0/24'),
    gateway: net('the gateway address inside the subnet; Docker picks one when absent'),
    auxAddresses: net('addresses inside the subnet that Docker must not hand out, by name'),
  },
  bridge: {
    name: net('host bridge interface name (com.docker.network.bridge.name), at most 15 bytes', 'br-<id>'),
    icc: net('inter-container connectivity (com.docker.network.bridge.enable_icc)', 'true'),
    masquerade: net('masquerade outgoing traffic (com.docker.network.bridge.enable_ip_masquerade)', 'true'),
    hostBindingIpv4: net('default host address for publishes (com.docker.network.bridge.host_binding_ipv4)', '0.0.0.0'),
    mtu: net('MTU of the bridge (com.docker.network.driver.mtu)', '1500'),
    ifacePrefix: net('prefix of the interface names inside containers (com.docker.network.container_iface_prefix)', 'eth'),
  },
  macvlan: {
    parent: net('host interface the segment hangs off, e.g. eth0'),
    vlan: net('802.1Q VLAN id 1–4094: Docker then uses the sub-interface parent.vlan'),
    mode: net('macvlan mode: bridge, vepa, passthru or private', 'bridge'),
    hostShim: inPlace(SHIM)("a macvlan link docknet makes on the engine's host in this segment, so that the host reaches the containers (a macvlan parent cannot): name, address"),
  },
  hostShim: {
    name: inPlace(SHIM)('interface name of the shim on the host, at most 15 bytes, e.g. dn-shim10'),
    address: inPlace(SHIM)("the host's IPv4 address in the segment (as /32), inside ipv4.subnet, not one Docker hands out: outside ipv4.ipRange or reserved in ipv4.auxAddresses; the ipRange (else the subnet) is routed through the shim"),
  },
  ipvlan: {
    parent: net('host interface the segment hangs off, e.g. eth0'),
    vlan: net('802.1Q VLAN id 1–4094: Docker then uses the sub-interface parent.vlan'),
    mode: net('ipvlan mode: l2, l3 or l3s', 'l2'),
  },
  overlay: {
    encrypted: net('IPsec encryption of the VXLAN data plane', 'false'),
  },
  container: {
    image: box('image reference, e.g. busybox:latest'),
    command: box('command and arguments'),
    env: box('environment variables'),
    replicas: inPlace('containers are added or removed; the others keep running')('N > 1 ⇒ containers name-1 … name-N', '1'),
    networks: inPlace('docker network connect and disconnect: the container keeps running and its id')('networks to attach: a list of names, or a map name → endpoint settings', '[bridge]'),
    networkMode: box('host | none — exclusive with networks and publish'),
    publish: box('port publishes: "[hostIp:]hostPort[-end]:containerPort[-end][/tcp|udp|sctp]" or long form'),
    healthcheck: box('container health check'),
    restart: inPlace('docker update changes the restart policy of a running container')('restart policy: no, always, unless-stopped or on-failure', 'no'),
    labels: box('extra Docker labels on the container'),
    init: box('run an init (docker-init) as PID 1: it forwards signals and reaps zombies', 'false'),
    stopGracePeriod: box('how long the container gets to stop after SIGTERM before SIGKILL (also when it is replaced), e.g. 30s', '10s'),
    volumes: box('mounts: "name:/path[:ro]" (a named volume, made and labelled by docknet, kept across replacements), "/host/path:/path[:ro]" (a bind mount), or the long form { type, source, target, readOnly }'),
    envFile: box('files of NAME=value lines (relative to the spec file) merged under env; env wins, as in compose'),
    user: box('user (and group) the command runs as, e.g. 1000:1000 or nobody'),
    workingDir: box('working directory of the command'),
    entrypoint: box('the image\'s entrypoint replaced, e.g. [/bin/sh, -c]'),
    capAdd: box('Linux capabilities added, e.g. [NET_ADMIN]'),
    capDrop: box('Linux capabilities dropped, e.g. [ALL]'),
    sysctls: box('namespaced kernel parameters, e.g. { net.ipv4.ip_forward: 1 }'),
    tmpfs: box('tmpfs mounts: "/path" or "/path:size=64m,mode=1777"'),
    readOnly: box('the root filesystem is read-only', 'false'),
    dns: box('DNS servers of the container (instead of the host\'s or Docker\'s embedded one)'),
    extraHosts: box('extra /etc/hosts lines: "name:address"'),
    hostname: box('the container\'s host name', 'its id'),
    memory: box('memory limit: bytes, or with a unit: 512m, 2g'),
    cpus: box('CPU limit, in CPUs: 0.5, 2'),
    dependsOn: inPlace('it orders creation and waits; a running container is not touched')('containers of this stack made (and, with a condition, healthy or completed) before this one: a list of names, or a map name → { condition: started | healthy | completed }'),
  },
  endpoint: {
    ipv4: inPlace('the endpoint is reconnected (disconnect, connect): the container keeps running')('static IPv4 address in the network (needs the network\'s ipv4.subnet)'),
    ipv6: inPlace('the endpoint is reconnected (disconnect, connect): the container keeps running')('static IPv6 address in the network'),
    aliases: inPlace('the endpoint is reconnected (disconnect, connect): the container keeps running')('extra DNS names of the container on this network'),
    mac: replace('Docker applies a MAC address only when it creates the container: a new container replaces the old one')('MAC address of the container on this network (one network per container on Docker 20.10)'),
  },
  healthcheck: {
    test: box('e.g. [CMD-SHELL, "true"] or [CMD, prog, arg]'),
    interval: box('time between checks, e.g. 5s', '30s'),
    timeout: box('time a check may take, e.g. 2s', '30s'),
    retries: box('failures in a row before unhealthy', '3'),
    startPeriod: box('grace period after start, e.g. 5s', '0s'),
  },
  publish: {
    hostIp: box('host address to bind, IPv4 or IPv6', 'all addresses'),
    hostPort: box('host port, or a range "8000-8010" Docker picks one from', 'Docker picks'),
    containerPort: box('container port or range'),
    protocol: box('tcp, udp or sctp', 'tcp'),
  },
  route: {
    between: replace(ROUTE_ENDS)('two bridge networks, forwarding both ways'),
    from: replace(ROUTE_ENDS)('one way: the bridge network traffic comes from (replies flow back)'),
    to: replace(ROUTE_ENDS)('one way: the bridge network traffic goes to'),
    allow: inPlace("the route's rules are rewritten: new ones first, then the old ones go")('filter: tcp/80, udp/53, icmp, tcp/8000-8080', 'everything'),
  },
};

export function fieldRule(section: Section, field: string): FieldRule {
  const rule = FIELD_RULES[section][field];
  if (!rule) throw new Error(`no rule for ${section}.${field} in lib/model/fields.ts`);
  return rule;
}

const OBJECT: Record<Section, string> = {
  network: 'network', ipam: 'network', bridge: 'network', macvlan: 'network', hostShim: 'network', ipvlan: 'network', overlay: 'network',
  container: 'container', endpoint: 'container', healthcheck: 'container', publish: 'container', route: 'route',
};

/** The documentation of a field, its default and what a change does: what the schema, Terraform and the prop docs say. */
export function fieldDoc(section: Section, field: string): string {
  const rule = fieldRule(section, field);
  const change = rule.change === 'in-place' ? 'changes in place' : rule.change === 'recreate' ? `a change recreates the ${OBJECT[section]} in one step` : `a change replaces the ${OBJECT[section]}`;
  return `${rule.doc}${rule.default === undefined ? '' : `; default ${rule.default}`}; ${change}`;
}

export function changesInPlace(section: Section, field: string): boolean {
  return fieldRule(section, field).change === 'in-place';
}

/** Whether a front-end plans a change of the field as a replacement (a new resource) rather than an update. */
export function frontEndReplaces(section: Section, field: string): boolean {
  return fieldRule(section, field).change === 'replace';
}

/** The fields of a section a change of which needs a new object (recreated or replaced). */
export function replaceFields(section: Section): string[] {
  return Object.entries(FIELD_RULES[section]).filter(([, r]) => r.change !== 'in-place').map(([f]) => f);
}

/**
 * What of a container's endpoints needs a new container to change (the MACs), as one comparable text:
 * two endpoint lists that give the same text differ only in what changes in place. An endpoint that
 * sets none of those fields (a network attached or detached) adds nothing.
 */
export function endpointReplacingKey(endpoints: [network: string, settings: Record<string, unknown> | null | undefined][]): string {
  const fields = replaceFields('endpoint');
  const set = endpoints.filter(([, e]) => fields.some((f) => e?.[f] != null)).map(([n, e]) => [n, fields.map((f) => e?.[f] ?? null)]);
  return JSON.stringify(set.sort((x, y) => String(x[0]).localeCompare(String(y[0]))));
}
