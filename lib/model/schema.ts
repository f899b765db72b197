// The spec format, version 1, as a zod schema: the one source of truth for what a spec file may
// hold. The TypeScript types of the documents and the published JSON Schema are derived from it.
import { z } from 'zod';

const labels = z.record(z.string(), z.string()).describe('Docker labels (string → string)');
const duration = z
  .string()
  .regex(/^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/, 'a duration such as 500ms, 5s or 1m30s')
  .describe('a Go-style duration: 500ms, 5s, 1m30s');

export const ipamSchema = z
  .strictObject({
    subnet: z.string().optional().describe('the network in CIDR form, e.g. 172.25.0.0/16'),
    ipRange: z.string().optional().describe('the part of the subnet Docker allocates container addresses from'),
    gateway: z.string().optional().describe('the gateway address inside the subnet'),
    auxAddresses: z
      .record(z.string(), z.string())
      .optional()
      .describe('addresses inside the subnet that Docker must not hand out, by name'),
  })
  .describe('address management of one IP family');

export const bridgeOptionsSchema = z
  .strictObject({
    name: z.string().optional().describe('host bridge interface name (com.docker.network.bridge.name)'),
    icc: z.boolean().optional().describe('inter-container connectivity (com.docker.network.bridge.enable_icc); default true'),
    masquerade: z
      .boolean()
      .optional()
      .describe('masquerade outgoing traffic (com.docker.network.bridge.enable_ip_masquerade); default true'),
    hostBindingIpv4: z.string().optional().describe('default host IP for publishes (com.docker.network.bridge.host_binding_ipv4)'),
    mtu: z.number().int().min(68).max(65535).optional().describe('MTU of the bridge (com.docker.network.driver.mtu)'),
    ifacePrefix: z
      .string()
      .optional()
      .describe('prefix of the interface names inside containers (com.docker.network.container_iface_prefix)'),
  })
  .describe('options of the bridge driver');

export const macvlanOptionsSchema = z
  .strictObject({
    parent: z.string().describe('host interface the segment hangs off, e.g. eth0'),
    vlan: z.number().int().optional().describe('802.1Q VLAN id 1–4094: the parent becomes the sub-interface parent.vlan'),
    mode: z.enum(['bridge', 'vepa', 'passthru', 'private']).optional().describe('macvlan mode; default bridge'),
  })
  .describe('options of the macvlan driver');

export const ipvlanOptionsSchema = z
  .strictObject({
    parent: z.string().describe('host interface, e.g. eth0'),
    vlan: z.number().int().optional().describe('802.1Q VLAN id 1–4094: the parent becomes parent.vlan'),
    mode: z.enum(['l2', 'l3', 'l3s']).optional().describe('ipvlan mode; default l2'),
  })
  .describe('options of the ipvlan driver');

export const overlayOptionsSchema = z
  .strictObject({
    encrypted: z.boolean().optional().describe('IPsec encryption of the VXLAN data plane'),
  })
  .describe('options of the overlay driver');

export const networkSchema = z
  .strictObject({
    driver: z.string().optional().describe('bridge (default) | macvlan | ipvlan | overlay | any plugin name'),
    ipv4: ipamSchema.optional(),
    ipv6: ipamSchema.optional().describe('present ⇒ IPv6 is enabled on the network'),
    internal: z.boolean().optional().describe('no route to the outside world'),
    attachable: z.boolean().optional().describe('overlay: standalone containers may attach'),
    labels: labels.optional(),
    bridge: bridgeOptionsSchema.optional(),
    macvlan: macvlanOptionsSchema.optional(),
    ipvlan: ipvlanOptionsSchema.optional(),
    overlay: overlayOptionsSchema.optional(),
    options: z.record(z.string(), z.string()).optional().describe('raw driver options, passed unchanged'),
  })
  .describe('a Docker network');

export const endpointSchema = z
  .strictObject({
    ipv4: z.string().optional().describe('static IPv4 address in the network'),
    ipv6: z.string().optional().describe('static IPv6 address in the network'),
    aliases: z.array(z.string()).optional().describe('extra DNS names of the container on this network'),
    mac: z.string().optional().describe('MAC address of the container on this network'),
  })
  .describe('how a container is attached to one network');

export const publishObjectSchema = z
  .strictObject({
    hostIp: z.string().optional().describe('host address to bind; default all'),
    hostPort: z.union([z.number().int(), z.string()]).optional().describe('host port or range "8000-8010"; default any'),
    containerPort: z.union([z.number().int(), z.string()]).describe('container port or range'),
    protocol: z.enum(['tcp', 'udp', 'sctp']).optional().describe('default tcp'),
  })
  .describe('a port publish in long form');

export const publishSchema = z.union([
  z.string().describe('[hostIp:]hostPort[-end]:containerPort[-end][/tcp|udp|sctp]'),
  publishObjectSchema,
]);

export const healthcheckSchema = z
  .strictObject({
    test: z.array(z.string()).min(1).describe('e.g. [CMD-SHELL, "true"] or [CMD, prog, arg]'),
    interval: duration.optional(),
    timeout: duration.optional(),
    retries: z.number().int().min(0).optional(),
    startPeriod: duration.optional(),
  })
  .describe('container health check');

export const containerSchema = z
  .strictObject({
    image: z.string().min(1).describe('image reference, e.g. busybox:latest'),
    command: z.array(z.string()).optional().describe('command and arguments'),
    env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional().describe('environment'),
    replicas: z.number().int().min(1).max(1000).optional().describe('N > 1 ⇒ containers name-1 … name-N'),
    networks: z
      .union([z.array(z.string()), z.record(z.string(), endpointSchema.nullable())])
      .optional()
      .describe('networks to attach, as a list of names or a map name → endpoint settings'),
    networkMode: z.enum(['host', 'none']).optional().describe('host | none — exclusive with networks and publish'),
    publish: z.array(publishSchema).optional(),
    healthcheck: healthcheckSchema.optional(),
    restart: z.enum(['no', 'always', 'unless-stopped', 'on-failure']).optional().describe('restart policy; default no'),
    labels: labels.optional(),
    init: z.boolean().optional().describe('run an init (docker-init) as PID 1: it forwards signals and reaps zombies; default false'),
    stopGracePeriod: duration.optional().describe('how long the container gets to stop after SIGTERM before SIGKILL (also when it is replaced); default 10s'),
  })
  .describe('a container and its endpoints');

export const routeAllowSchema = z.string().regex(/^(icmp|(tcp|udp|sctp)(\/\d{1,5}(-\d{1,5})?)?)$/, 'icmp, tcp, udp/53, tcp/8000-8080…');

export const routeSchema = z
  .strictObject({
    between: z.tuple([z.string(), z.string()]).optional().describe('two bridge networks, forwarding both ways'),
    from: z.string().optional().describe('bridge network traffic comes from'),
    to: z.string().optional().describe('bridge network traffic goes to'),
    allow: z.array(routeAllowSchema).optional().describe('filter: tcp/80, udp/53, icmp; default everything'),
  })
  .describe('forwarding between two bridge networks on the same host');

export const specSchema = z
  .strictObject({
    version: z.literal(1),
    stack: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/, 'letters, digits, _ . - (start with a letter or digit, at most 63)')
      .optional()
      .describe('ownership scope; default: the file name without extension'),
    networks: z.record(z.string(), networkSchema).optional(),
    containers: z.record(z.string(), containerSchema).optional(),
    routes: z.array(routeSchema).optional(),
  })
  .describe('a docknet spec file, version 1');

export type IpamDoc = z.infer<typeof ipamSchema>;
export type BridgeOptionsDoc = z.infer<typeof bridgeOptionsSchema>;
export type MacvlanOptionsDoc = z.infer<typeof macvlanOptionsSchema>;
export type IpvlanOptionsDoc = z.infer<typeof ipvlanOptionsSchema>;
export type OverlayOptionsDoc = z.infer<typeof overlayOptionsSchema>;
export type NetworkDoc = z.infer<typeof networkSchema>;
export type EndpointDoc = z.infer<typeof endpointSchema>;
export type PublishDoc = z.infer<typeof publishSchema>;
export type HealthcheckDoc = z.infer<typeof healthcheckSchema>;
export type ContainerDoc = z.infer<typeof containerSchema>;
export type RouteDoc = z.infer<typeof routeSchema>;
export type SpecDoc = z.infer<typeof specSchema>;

/** The JSON Schema of the spec format, for editors and other tools. */
export function specJsonSchema(): unknown {
  return z.toJSONSchema(specSchema, { io: 'input' });
}
