// The Docker objects a desired state asks for: create requests, the labels that mark them as docknet's,
// and the hashes/definitions that later tell what changed.
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import type { ContainerSpec, EndpointSpec, NetworkSpec, Stack } from '../model/types';
import { formatPublish } from '../model/publish';

export const LABEL = {
  managed: 'io.docknet.managed',
  stack: 'io.docknet.stack',
  hash: 'io.docknet.hash',
  /** Container: the settings that need a new container to change, as JSON, to explain a replacement. */
  definition: 'io.docknet.definition',
  /** Container: hash of the settings changed in place (restart, aliases) as they were at creation. */
  inplace: 'io.docknet.inplace',
  service: 'io.docknet.service',
  /** A short-lived container of `docknet probe` (the run id). */
  probe: 'io.docknet.probe',
} as const;

export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v,
  );
}

export function hashOf(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex').slice(0, 16);
}

function ownership(stack: string, hash: string): Record<string, string> {
  return { [LABEL.managed]: 'true', [LABEL.stack]: stack, [LABEL.hash]: hash };
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

export function networkCreateRequest(stack: string, n: NetworkSpec): Docker.NetworkCreateOptions {
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
    Labels: { ...n.labels, ...ownership(stack, hashOf(networkDefinition(n))) },
    IPAM: { Driver: 'default', Config: config, Options: {} },
  } as Docker.NetworkCreateOptions;
}

/** The network a container is created on: the one carrying its MAC (Docker sets MAC at creation only). */
export function primaryEndpoint(c: ContainerSpec): EndpointSpec | undefined {
  return c.endpoints.find((e) => e.mac !== undefined) ?? c.endpoints[0];
}

/** What needs a new container to change: Docker cannot alter any of it in place. */
export function containerDefinition(c: ContainerSpec) {
  return {
    image: c.image,
    command: c.command ?? null,
    env: c.env,
    labels: c.labels,
    publish: c.publish.map(formatPublish),
    healthcheck: c.healthcheck ?? null,
    networkMode: c.networkMode ?? null,
    mac: primaryEndpoint(c)?.mac ?? null,
  };
}

export type ContainerDefinition = ReturnType<typeof containerDefinition>;

/** Settings docknet changes in place but that Docker's listing does not show. */
export function inplaceSettings(c: ContainerSpec) {
  return {
    restart: c.restart,
    aliases: Object.fromEntries(c.endpoints.filter((e) => e.aliases.length > 0).map((e) => [e.network, [...e.aliases].sort()])),
  };
}

export function endpointRequest(e: EndpointSpec): Docker.EndpointSettings {
  const out: Docker.EndpointSettings = {};
  if (e.ipv4 || e.ipv6) out.IPAMConfig = { ...(e.ipv4 ? { IPv4Address: e.ipv4 } : {}), ...(e.ipv6 ? { IPv6Address: e.ipv6 } : {}) };
  if (e.aliases.length > 0) out.Aliases = [...e.aliases];
  if (e.mac) out.MacAddress = e.mac;
  return out;
}

export function containerCreateRequest(stack: Stack['name'], c: ContainerSpec): Docker.ContainerCreateOptions {
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
      ...ownership(stack, hashOf(definition)),
      [LABEL.definition]: JSON.stringify(definition),
      [LABEL.inplace]: hashOf(inplaceSettings(c)),
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
  if (primary?.mac) body.MacAddress = primary.mac;
  if (primary) body.NetworkingConfig = { EndpointsConfig: { [primary.network]: endpointRequest(primary) } };
  if (c.healthcheck) {
    const h = c.healthcheck;
    body.Healthcheck = { Test: h.test, Interval: h.intervalNs, Timeout: h.timeoutNs, Retries: h.retries, StartPeriod: h.startPeriodNs };
  }
  return body;
}
