// The Docker objects a desired state asks for: create requests, the labels that mark them as docknet's,
// and the hashes/definitions that later tell what changed.
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import type { ShimLink } from '../drivers/links';
import { ownerTag } from '../model/owner-tag';
import type { ContainerSpec, EndpointSpec, NetworkSpec, RuntimeSpec } from '../model/types';
import { formatPublish } from '../model/publish';
import { replaceFields } from '../model/fields';

export const LABEL = {
  managed: 'io.docknet.managed',
  stack: 'io.docknet.stack',
  hash: 'io.docknet.hash',
  /** Container: the settings that need a new container to change, as JSON, to explain a replacement. */
  definition: 'io.docknet.definition',
  service: 'io.docknet.service',
  /** On an endpoint record: the container docknet does not own, its name, and the network. */
  container: 'io.docknet.container',
  containerName: 'io.docknet.container-name',
  network: 'io.docknet.network',
  /** A short-lived container of `docknet probe` (the run id). */
  probe: 'io.docknet.probe',
  /** Who manages the object or stack: cli, terraform, pulumi, watch:<id>. */
  manager: 'io.docknet.manager',
  /** A volume that records a stack (see ownership.ts). */
  record: 'io.docknet.record',
  /** Stack record: the file the stack's name came from. */
  origin: 'io.docknet.origin',
  /** Stack record: since when its manager manages it. */
  since: 'io.docknet.since',
} as const;

export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v,
  );
}

export function hashOf(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex').slice(0, 16);
}

/** Who a docknet object belongs to: its stack and manager. */
export interface Owner {
  stack: string;
  manager: string;
}

function ownership(owner: Owner, hash: string): Record<string, string> {
  return { [LABEL.managed]: 'true', [LABEL.stack]: owner.stack, [LABEL.manager]: owner.manager, [LABEL.hash]: hash };
}

/** What defines a network in Docker; none of it can change without recreating the network. */
export function networkDefinition(n: NetworkSpec) {
  return {
    driver: n.driver,
    ipv4: n.ipv4 ?? null,
    ipv6: n.ipv6 ?? null,
    internal: n.internal,
    attachable: n.attachable,
    options: n.options,
    labels: n.labels,
  };
}

/** The request that makes a network docknet's: its definition, with the labels that say who owns it. */
export function networkCreateRequest(owner: Owner, n: NetworkSpec): Docker.NetworkCreateOptions {
  const request = networkRequest(n);
  return { ...request, Labels: { ...request.Labels, ...ownership(owner, hashOf(networkDefinition(n))) } };
}

/** The request that makes a network as the spec defines it. */
export function networkRequest(n: NetworkSpec): Docker.NetworkCreateOptions {
  const config: Record<string, unknown>[] = [];
  for (const ipam of [n.ipv4, n.ipv6]) {
    if (!ipam?.subnet) continue;
    const c: Record<string, unknown> = { Subnet: ipam.subnet };
    if (ipam.ipRange) c.IPRange = ipam.ipRange;
    if (ipam.gateway) c.Gateway = ipam.gateway;
    if (ipam.auxAddresses) c.AuxiliaryAddresses = ipam.auxAddresses;
    config.push(c);
  }
  return {
    Name: n.name,
    Driver: n.driver,
    CheckDuplicate: true,
    Internal: n.internal,
    Attachable: n.attachable,
    EnableIPv6: n.ipv6 !== undefined,
    Options: n.options,
    Labels: { ...n.labels },
    IPAM: { Driver: 'default', Config: config, Options: {} },
  } as Docker.NetworkCreateOptions;
}

/**
 * The host shim a network asks for, as a link of the host: on the network's parent (parent.vlan for a
 * VLAN segment), routing the addresses Docker hands out (the ipRange, else the subnet), its owner in
 * its alias. undefined when the network asks for none (or lacks the subnet, which validation reports).
 */
export function shimRequest(stack: string, n: NetworkSpec): ShimLink | undefined {
  const subnet = n.ipv4?.subnet;
  if (!n.hostShim || !n.parent || !subnet) return undefined;
  return { name: n.hostShim.name, parent: n.parent, address: n.hostShim.address, route: n.ipv4?.ipRange ?? subnet, alias: ownerTag(stack, n.name) };
}

/** The request that makes a network again as the host had it (a failed replacement restores it). */
export function networkRequestFromHost(info: Docker.NetworkInspectInfo): Docker.NetworkCreateOptions {
  return {
    Name: info.Name,
    Driver: info.Driver,
    Internal: info.Internal,
    Attachable: info.Attachable,
    EnableIPv6: info.EnableIPv6,
    Options: info.Options ?? {},
    Labels: info.Labels ?? {},
    IPAM: { Driver: info.IPAM?.Driver || 'default', Config: info.IPAM?.Config ?? [], Options: info.IPAM?.Options ?? {} },
  } as Docker.NetworkCreateOptions;
}

/** The network a container is created on: the one carrying its MAC (Docker sets MAC at creation only). */
export function primaryEndpoint(c: ContainerSpec): EndpointSpec | undefined {
  return c.endpoints.find((e) => e.mac !== undefined) ?? c.endpoints[0];
}

/**
 * How each container field whose change needs a new container is read from the normalized spec. Which
 * fields those are is the table's to say (lib/model/fields.ts); a field without a reader here fails.
 */
const DEFINITION_READERS: Record<string, (c: ContainerSpec) => unknown> = {
  image: (c) => c.image,
  command: (c) => c.command ?? null,
  env: (c) => c.env,
  labels: (c) => c.labels,
  publish: (c) => c.publish.map(formatPublish),
  healthcheck: (c) => c.healthcheck ?? null,
  networkMode: (c) => c.networkMode ?? null,
  init: (c) => c.init || null,
  stopGracePeriod: (c) => c.stopTimeout ?? null,
  /** endpoint.mac: the MAC of the network the container is created on. */
  mac: (c) => primaryEndpoint(c)?.mac ?? null,
  // Runtime settings: their defaults read as null, so containers made before a setting existed match.
  volumes: (c) => orNull(c.runtime.mounts),
  envFile: (c) => orNull(c.envFiles),
  user: (c) => c.runtime.user ?? null,
  workingDir: (c) => c.runtime.workingDir ?? null,
  entrypoint: (c) => c.runtime.entrypoint ?? null,
  capAdd: (c) => orNull(c.runtime.capAdd),
  capDrop: (c) => orNull(c.runtime.capDrop),
  sysctls: (c) => orNull(c.runtime.sysctls),
  tmpfs: (c) => orNull(c.runtime.tmpfs),
  readOnly: (c) => c.runtime.readOnly || null,
  dns: (c) => orNull(c.runtime.dns),
  extraHosts: (c) => orNull(c.runtime.extraHosts),
  hostname: (c) => c.runtime.hostname ?? null,
  memory: (c) => c.runtime.memoryBytes ?? null,
  cpus: (c) => c.runtime.nanoCpus ?? null,
};

/** An empty list or map is the default: null. */
function orNull<T extends object>(v: T): T | null {
  return Object.keys(v).length > 0 ? v : null;
}

/** The fields of a container definition: the container fields and endpoint fields that replace it. */
export const DEFINITION_FIELDS = [...replaceFields('container'), ...replaceFields('endpoint')];

/** What needs a new container to change, as the spec says it: Docker cannot alter any of it in place. */
export function containerDefinition(c: ContainerSpec): Record<string, unknown> {
  return Object.fromEntries(
    DEFINITION_FIELDS.map((field) => {
      const read = DEFINITION_READERS[field];
      if (!read) throw new Error(`lib/plan/desired.ts has no reader for the replacing field ${field}`);
      return [field, read(c)];
    }),
  );
}

/** What a container was made with, from its definition label; undefined when the label cannot be read. */
export function definitionOf(labels: Record<string, string>): Record<string, unknown> | undefined {
  try {
    return JSON.parse(labels[LABEL.definition] ?? '{}');
  } catch {
    return undefined;
  }
}

export function endpointRequest(e: EndpointSpec): Docker.EndpointSettings {
  const out: Docker.EndpointSettings = {};
  if (e.ipv4 || e.ipv6) out.IPAMConfig = { ...(e.ipv4 ? { IPv4Address: e.ipv4 } : {}), ...(e.ipv6 ? { IPv6Address: e.ipv6 } : {}) };
  if (e.aliases.length > 0) out.Aliases = [...e.aliases];
  if (e.mac) out.MacAddress = e.mac;
  return out;
}

export function containerCreateRequest(owner: Owner, c: ContainerSpec): Docker.ContainerCreateOptions {
  const definition = containerDefinition(c);
  const primary = primaryEndpoint(c);
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of c.publish) {
    const key = `${p.containerPort}/${p.protocol}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: p.hostIp, HostPort: p.hostPort });
  }
  const body: Docker.ContainerCreateOptions = {
    name: c.name,
    Image: c.image,
    Env: Object.entries(c.env).map(([k, v]) => `${k}=${v}`),
    Labels: {
      ...c.labels,
      ...ownership(owner, hashOf(definition)),
      [LABEL.definition]: JSON.stringify(definition),
      [LABEL.service]: c.service,
    },
    ExposedPorts: exposed,
    HostConfig: {
      NetworkMode: c.networkMode ?? primary?.network ?? 'bridge',
      PortBindings: bindings,
      RestartPolicy: { Name: c.restart },
    },
  };
  if (c.command) body.Cmd = c.command;
  if (c.init) body.HostConfig!.Init = true;
  if (c.stopTimeout !== undefined) body.StopTimeout = c.stopTimeout;
  if (primary?.mac) body.MacAddress = primary.mac;
  if (primary) body.NetworkingConfig = { EndpointsConfig: { [primary.network]: endpointRequest(primary) } };
  if (c.healthcheck) {
    const h = c.healthcheck;
    body.Healthcheck = { Test: h.test, Interval: h.intervalNs, Timeout: h.timeoutNs, Retries: h.retries, StartPeriod: h.startPeriodNs };
  }
  applyRuntime(body, c.runtime, owner);
  return body;
}

/** The runtime settings in the create request; a named volume Docker makes for it carries docknet's labels. */
function applyRuntime(body: Docker.ContainerCreateOptions, r: RuntimeSpec, owner: Owner): void {
  const host = body.HostConfig!;
  const volumeLabels = { [LABEL.managed]: 'true', [LABEL.stack]: owner.stack, [LABEL.manager]: owner.manager };
  if (r.mounts.length > 0) {
    // An anonymous volume and a tmpfs have no source: Docker takes "" as none.
    host.Mounts = r.mounts.map((m) => ({
      Type: m.type,
      Source: m.source ?? '',
      Target: m.target,
      ReadOnly: m.readOnly,
      ...(m.type === 'volume' && m.source ? { VolumeOptions: { NoCopy: false, Labels: volumeLabels, DriverConfig: { Name: 'local', Options: {} } } } : {}),
    }));
  }
  if (r.user !== undefined) body.User = r.user;
  if (r.workingDir !== undefined) body.WorkingDir = r.workingDir;
  if (r.entrypoint !== undefined) body.Entrypoint = r.entrypoint;
  if (r.hostname !== undefined) body.Hostname = r.hostname;
  if (r.capAdd.length > 0) host.CapAdd = r.capAdd;
  if (r.capDrop.length > 0) host.CapDrop = r.capDrop;
  if (Object.keys(r.sysctls).length > 0) host.Sysctls = r.sysctls;
  if (Object.keys(r.tmpfs).length > 0) host.Tmpfs = r.tmpfs;
  if (r.readOnly) host.ReadonlyRootfs = true;
  if (r.dns.length > 0) host.Dns = r.dns;
  if (r.extraHosts.length > 0) host.ExtraHosts = r.extraHosts;
  if (r.memoryBytes !== undefined) host.Memory = r.memoryBytes;
  if (r.nanoCpus !== undefined) host.NanoCpus = r.nanoCpus;
}
