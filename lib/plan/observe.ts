// Reading the host: one listing of networks, one of containers, one of the firewall chain. Only
// containers whose in-place settings (restart, aliases) may have been changed since creation are
// inspected, because Docker's listing does not show those.
import type { Engine, ContainerDetail, ContainerInfo, NetworkInfo } from '../drivers/docker';
import { engineIsLocal } from '../drivers/docker';
import type { Firewall, FirewallRule } from '../drivers/firewall';
import { hostLinks } from '../drivers/links';
import type { Stack } from '../model/types';
import { hashOf, inplaceSettings, LABEL } from './desired';

export interface ObservedEndpoint {
  networkId: string;
  /** Static addresses requested at connect time (IPAMConfig), as opposed to assigned ones. */
  staticIpv4?: string;
  staticIpv6?: string;
  ipv4: string;
  ipv6: string;
  mac: string;
}

export interface ObservedContainer {
  id: string;
  name: string;
  labels: Record<string, string>;
  state: string;
  networkMode: string;
  endpoints: Map<string, ObservedEndpoint>;
  /** Host ports the container holds now. */
  ports: { ip: string; port: number; protocol: string }[];
  /** Present only for containers that were inspected. */
  detail?: { restart: string; aliases: Map<string, string[]> };
}

export interface ObservedNetwork {
  id: string;
  name: string;
  info: NetworkInfo;
  labels: Record<string, string>;
  /** The host interface of a bridge network. */
  bridgeInterface?: string;
}

export interface ObservedHost {
  networks: Map<string, ObservedNetwork>;
  containers: Map<string, ObservedContainer>;
  /** docknet's rules in DOCKER-USER; undefined when the chain or iptables is missing. */
  rules: FirewallRule[] | undefined;
  /** Host links, when the engine is local (otherwise they cannot be checked from here). */
  links: Set<string> | undefined;
}

export function bridgeInterfaceOf(info: Pick<NetworkInfo, 'Id' | 'Driver' | 'Options'>): string | undefined {
  if (info.Driver !== 'bridge') return undefined;
  return info.Options?.['com.docker.network.bridge.name'] ?? `br-${info.Id.slice(0, 12)}`;
}

function observeNetwork(info: NetworkInfo): ObservedNetwork {
  return { id: info.Id, name: info.Name, info, labels: info.Labels ?? {}, bridgeInterface: bridgeInterfaceOf(info) };
}

function observeContainer(info: ContainerInfo): ObservedContainer {
  const endpoints = new Map<string, ObservedEndpoint>();
  for (const [name, e] of Object.entries(info.NetworkSettings?.Networks ?? {})) {
    const ipam = (e.IPAMConfig ?? {}) as { IPv4Address?: string; IPv6Address?: string };
    endpoints.set(name, {
      networkId: e.NetworkID,
      staticIpv4: ipam.IPv4Address || undefined,
      staticIpv6: ipam.IPv6Address || undefined,
      ipv4: e.IPAddress,
      ipv6: e.GlobalIPv6Address,
      mac: e.MacAddress,
    });
  }
  return {
    id: info.Id,
    name: (info.Names[0] ?? '').replace(/^\//, ''),
    labels: info.Labels ?? {},
    state: info.State,
    networkMode: info.HostConfig?.NetworkMode ?? '',
    endpoints,
    ports: (info.Ports ?? []).filter((p) => p.PublicPort).map((p) => ({ ip: p.IP ?? '', port: p.PublicPort, protocol: p.Type })),
  };
}

function detailOf(d: ContainerDetail): ObservedContainer['detail'] {
  const shortId = d.Id.slice(0, 12);
  const aliases = new Map<string, string[]>();
  for (const [net, e] of Object.entries(d.NetworkSettings?.Networks ?? {})) {
    // Docker adds the short id (and on newer engines the name) to every endpoint's aliases.
    aliases.set(net, (e.Aliases ?? []).filter((a: string) => a !== shortId && a !== d.Name.replace(/^\//, '')).sort());
  }
  return { restart: d.HostConfig?.RestartPolicy?.Name || 'no', aliases };
}

/** Reads what the planner needs. `desired` decides which containers need a closer look. */
export async function observeHost(engine: Engine, firewall: Firewall, desired: Stack[]): Promise<ObservedHost> {
  const [networks, containers, rules] = await Promise.all([engine.listNetworks(), engine.listContainers(), firewall.listRules()]);
  const host: ObservedHost = {
    networks: new Map(networks.map((n) => [n.Name, observeNetwork(n)])),
    containers: new Map(containers.map((c) => observeContainer(c)).map((c) => [c.name, c])),
    rules,
    links: engineIsLocal(engine.host ?? process.env.DOCKER_HOST) ? hostLinks() : undefined,
  };
  const toInspect: ObservedContainer[] = [];
  for (const c of desired.flatMap((s) => s.containers)) {
    const seen = host.containers.get(c.name);
    if (seen && seen.labels[LABEL.managed] === 'true' && seen.labels[LABEL.inplace] !== hashOf(inplaceSettings(c))) toInspect.push(seen);
  }
  await Promise.all(toInspect.map(async (c) => (c.detail = detailOf(await engine.inspectContainer(c.id)))));
  return host;
}
