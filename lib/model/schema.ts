// The spec format, version 1, as a zod schema: the one source of truth for what a spec file may
// hold. The TypeScript types of the documents and the published JSON Schema are derived from it; every
// field's description comes from the table of field rules (fields.ts), which must know every field.
import { z } from 'zod';
import { fieldDoc, type Section } from './fields';

/** The fields of one schema object, each described by its rule. */
function documented<S extends Record<string, z.ZodType>>(section: Section, shape: S): S {
  return Object.fromEntries(Object.entries(shape).map(([field, type]) => [field, type.describe(fieldDoc(section, field))])) as S;
}

const labels = z.record(z.string(), z.string()).describe('Docker labels (string → string)');
const duration = z
  .string()
  .regex(/^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/, 'a duration such as 500ms, 5s or 1m30s')
  .describe('a Go-style duration: 500ms, 5s, 1m30s');

export const ipamSchema = z
  .strictObject(
    documented('ipam', {
      subnet: z.string().optional(),
      ipRange: z.string().optional(),
      gateway: z.string().optional(),
      auxAddresses: z.record(z.string(), z.string()).optional(),
    }),
  )
  .describe('address management of one IP family');

export const bridgeOptionsSchema = z
  .strictObject(
    documented('bridge', {
      name: z.string().optional(),
      icc: z.boolean().optional(),
      masquerade: z.boolean().optional(),
      hostBindingIpv4: z.string().optional(),
      mtu: z.number().int().min(68).max(65535).optional(),
      ifacePrefix: z.string().optional(),
    }),
  )
  .describe('options of the bridge driver');

export const hostShimSchema = z
  .strictObject(documented('hostShim', { name: z.string(), address: z.string() }))
  .describe("a macvlan link on the engine's host in the segment: the host reaches the containers through it");

export const macvlanOptionsSchema = z
  .strictObject(
    documented('macvlan', {
      parent: z.string(),
      vlan: z.number().int().optional(),
      mode: z.enum(['bridge', 'vepa', 'passthru', 'private']).optional(),
      hostShim: hostShimSchema.optional(),
    }),
  )
  .describe('options of the macvlan driver');

export const ipvlanOptionsSchema = z
  .strictObject(
    documented('ipvlan', {
      parent: z.string(),
      vlan: z.number().int().optional(),
      mode: z.enum(['l2', 'l3', 'l3s']).optional(),
    }),
  )
  .describe('options of the ipvlan driver');

export const overlayOptionsSchema = z.strictObject(documented('overlay', { encrypted: z.boolean().optional() })).describe('options of the overlay driver');

export const networkSchema = z
  .strictObject(
    documented('network', {
      driver: z.string().optional(),
      ipv4: ipamSchema.optional(),
      ipv6: ipamSchema.optional(),
      internal: z.boolean().optional(),
      attachable: z.boolean().optional(),
      labels: labels.optional(),
      bridge: bridgeOptionsSchema.optional(),
      macvlan: macvlanOptionsSchema.optional(),
      ipvlan: ipvlanOptionsSchema.optional(),
      overlay: overlayOptionsSchema.optional(),
      options: z.record(z.string(), z.string()).optional(),
      external: z.boolean().optional(),
    }),
  )
  .describe('a Docker network');

export const endpointSchema = z
  .strictObject(
    documented('endpoint', {
      ipv4: z.string().optional(),
      ipv6: z.string().optional(),
      aliases: z.array(z.string()).optional(),
      mac: z.string().optional(),
    }),
  )
  .describe('how a container is attached to one network');

export const publishObjectSchema = z
  .strictObject(
    documented('publish', {
      hostIp: z.string().optional(),
      hostPort: z.union([z.number().int(), z.string()]).optional(),
      containerPort: z.union([z.number().int(), z.string()]),
      protocol: z.enum(['tcp', 'udp', 'sctp']).optional(),
    }),
  )
  .describe('a port publish in long form');

export const publishSchema = z.union([
  z.string().describe('[hostIp:]hostPort[-end]:containerPort[-end][/tcp|udp|sctp]'),
  publishObjectSchema,
]);

export const healthcheckSchema = z
  .strictObject(
    documented('healthcheck', {
      test: z.array(z.string()).min(1),
      interval: duration.optional(),
      timeout: duration.optional(),
      retries: z.number().int().min(0).optional(),
      startPeriod: duration.optional(),
    }),
  )
  .describe('container health check');

export const mountSchema = z.union([
  z.string().describe('"name:/path[:ro]" (named volume) or "/host/path:/path[:ro]" (bind mount)'),
  z
    .strictObject({
      type: z.enum(['volume', 'bind', 'tmpfs']).describe('a named volume, a bind mount of a host path, or a tmpfs'),
      source: z.string().optional().describe('the volume name or the host path (none for tmpfs)'),
      target: z.string().describe('the path inside the container'),
      readOnly: z.boolean().optional().describe('mounted read-only; default false'),
    })
    .describe('a mount in long form'),
]);

export const dependencySchema = z.union([
  z.array(z.string()).describe('containers of the stack made first'),
  z.record(z.string(), z.strictObject({ condition: z.enum(['started', 'healthy', 'completed']).describe('started: made and started; healthy: its healthcheck passes; completed: it exited with 0') })),
]);

export const containerSchema = z
  .strictObject(
    documented('container', {
      image: z.string().min(1),
      command: z.array(z.string()).optional(),
      env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
      replicas: z.number().int().min(1).max(1000).optional(),
      networks: z.union([z.array(z.string()), z.record(z.string(), endpointSchema.nullable())]).optional(),
      networkMode: z.enum(['host', 'none']).optional(),
      publish: z.array(publishSchema).optional(),
      healthcheck: healthcheckSchema.optional(),
      restart: z.enum(['no', 'always', 'unless-stopped', 'on-failure']).optional(),
      labels: labels.optional(),
      init: z.boolean().optional(),
      stopGracePeriod: duration.optional(),
      volumes: z.array(mountSchema).optional(),
      envFile: z.array(z.string()).optional(),
      user: z.string().optional(),
      workingDir: z.string().optional(),
      entrypoint: z.array(z.string()).optional(),
      capAdd: z.array(z.string()).optional(),
      capDrop: z.array(z.string()).optional(),
      sysctls: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
      tmpfs: z.array(z.string()).optional(),
      readOnly: z.boolean().optional(),
      dns: z.array(z.string()).optional(),
      extraHosts: z.array(z.string()).optional(),
      hostname: z.string().optional(),
      memory: z.union([z.number().int().positive(), z.string().regex(/^\d+(\.\d+)?\s*[bkmgBKMG]?$/, 'bytes, or with a unit: 512m, 2g')]).optional(),
      cpus: z.number().positive().optional(),
      dependsOn: dependencySchema.optional(),
    }),
  )
  .describe('a container and its endpoints');

export const foreignEndpointSchema = z
  .strictObject({
    container: z.string().optional().describe('a container docknet does not own, by name'),
    selector: z.record(z.string(), z.string()).optional().describe('…or every container whose labels match all of these, e.g. { com.docker.compose.project: shop }'),
    network: z.string().describe('the network to connect it to (of this stack, or external)'),
    ipv4: z.string().optional().describe('static IPv4 address (by name only)'),
    ipv6: z.string().optional().describe('static IPv6 address (by name only)'),
    aliases: z.array(z.string()).optional().describe('extra DNS names on this network'),
  })
  .describe('a container docknet does not own, connected in place to a network (never recreated, stopped or removed)');

export const routeAllowSchema = z.string().regex(/^(icmp|(tcp|udp|sctp)(\/\d{1,5}(-\d{1,5})?)?)$/, 'icmp, tcp, udp/53, tcp/8000-8080…');

export const routeSchema = z
  .strictObject(
    documented('route', {
      between: z.tuple([z.string(), z.string()]).optional(),
      from: z.string().optional(),
      to: z.string().optional(),
      allow: z.array(routeAllowSchema).optional(),
    }),
  )
  .describe('forwarding between two bridge networks on the same host');

/** A stack name: it is part of labels, rule comments and the stack record's volume name. */
export const STACK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;
export const STACK_NAME_RULE = 'letters, digits, _ . - (start with a letter or digit, at most 63)';

export const specSchema = z
  .strictObject({
    version: z.literal(1),
    stack: z
      .string()
      .regex(STACK_NAME, STACK_NAME_RULE)
      .optional()
      .describe('ownership scope; default: the file name without extension'),
    networks: z.record(z.string(), networkSchema).optional(),
    containers: z.record(z.string(), containerSchema).optional(),
    endpoints: z.array(foreignEndpointSchema).optional().describe('containers docknet does not own (made by compose, by hand), connected in place'),
    routes: z.array(routeSchema).optional(),
  })
  .describe('a docknet spec file, version 1');

export type IpamDoc = z.infer<typeof ipamSchema>;
export type BridgeOptionsDoc = z.infer<typeof bridgeOptionsSchema>;
export type HostShimDoc = z.infer<typeof hostShimSchema>;
export type MacvlanOptionsDoc = z.infer<typeof macvlanOptionsSchema>;
export type IpvlanOptionsDoc = z.infer<typeof ipvlanOptionsSchema>;
export type OverlayOptionsDoc = z.infer<typeof overlayOptionsSchema>;
export type NetworkDoc = z.infer<typeof networkSchema>;
export type EndpointDoc = z.infer<typeof endpointSchema>;
export type ForeignEndpointDoc = z.infer<typeof foreignEndpointSchema>;
export type MountDoc = z.infer<typeof mountSchema>;
export type DependencyDoc = z.infer<typeof dependencySchema>;
export type PublishDoc = z.infer<typeof publishSchema>;
export type HealthcheckDoc = z.infer<typeof healthcheckSchema>;
export type ContainerDoc = z.infer<typeof containerSchema>;
export type RouteDoc = z.infer<typeof routeSchema>;
export type SpecDoc = z.infer<typeof specSchema>;

/** The JSON Schema of the spec format, for editors and other tools. */
export function specJsonSchema(): unknown {
  return z.toJSONSchema(specSchema, { io: 'input' });
}
