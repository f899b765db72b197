// Reading the host: the engine's facts, one listing each of networks, containers and stack records,
// and the chains where docknet's rules can live on this engine. Docker's container listing shows
// neither the restart policy nor aliases, so the containers whose spec sets them are inspected: what
// is compared is what the engine reports now, never what docknet wrote at creation.
import type { Engine, ContainerDetail, ContainerInfo, NetworkInfo } from '../drivers/docker';
import { FirewallError, type Firewall, type OwnedRule } from '../drivers/firewall';
import type { HostLinks, LinkReading } from '../drivers/links';
import { addressFamily, blocksOverlap, parseBlock, type Block } from '../model/address';
import type { Stack } from '../model/types';
import { LABEL } from './desired';
import { exemptionPlace, firewallLayout, forwardPlace, type EngineFacts, type FirewallLayout, type RouteEnd } from './route-rules';
import { ownedBy, readEndpointRecords, readRecords, type EndpointRecord, type StackRecord } from './ownership';

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
  /** The subnets Docker holds for it, by family. */
  subnets: { ipv4?: string; ipv6?: string };
}

export interface ObservedHost {
  engine: EngineFacts;
  /** What a route meets on this engine's firewall. */
  layout: FirewallLayout;
  networks: Map<string, ObservedNetwork>;
  containers: Map<string, ObservedContainer>;
  /** Stack records: which manager owns each stack, and where it was declared. */
  records: Map<string, StackRecord>;
  /** Endpoints of containers docknet does not own that docknet connected, by stack. */
  endpointRecords: EndpointRecord[];
  /** docknet's rules in every chain they can live in; undefined when the firewall cannot be read. */
  rules: OwnedRule[] | undefined;
  /** Why there are no rules to read: the chain is missing, or the firewall cannot be read (unreadable). */
  firewallProblem?: { message: string; unreadable: boolean };
  /**
   * Links of the engine's host (with the routing table when a spec declares a host shim): always for
   * a local engine; for a remote one (over ssh or through the helper) when a spec has a macvlan/ipvlan
   * parent, or a planned stack owns a macvlan network whose shim may have to go. undefined when they
   * cannot be read (or were not needed).
   */
  links: LinkReading | undefined;
}

/** What observing reads: the engine, and its host's firewall and links. */
export interface HostAccess {
  engine: Engine;
  firewall: Firewall;
  links: HostLinks;
}

export function bridgeInterfaceOf(info: Pick<NetworkInfo, 'Id' | 'Driver' | 'Options'>): string | undefined {
  if (info.Driver !== 'bridge') return undefined;
  return info.Options?.['com.docker.network.bridge.name'] ?? `br-${info.Id.slice(0, 12)}`;
}

/** The subnets of a network as Docker reports them, by family. */
export function subnetsOf(info: Pick<NetworkInfo, 'IPAM'>): ObservedNetwork['subnets'] {
  const out: ObservedNetwork['subnets'] = {};
  for (const c of (info.IPAM?.Config ?? []) as { Subnet?: string }[]) {
    const family = c.Subnet ? addressFamily(c.Subnet.split('/')[0]) : undefined;
    if (family && !out[family]) out[family] = c.Subnet;
  }
  return out;
}

/** The subnets a network holds, as blocks. */
export function subnetBlocks(info: Pick<NetworkInfo, 'IPAM'>): Block[] {
  return ((info.IPAM?.Config ?? []) as { Subnet?: string }[]).flatMap((c) => {
    const block = c.Subnet ? parseBlock(c.Subnet) : undefined;
    return block ? [block] : [];
  });
}

/** The subnet of a network that overlaps a block, if one does. */
export function overlappingSubnet(info: Pick<NetworkInfo, 'IPAM'>, block: Block): Block | undefined {
  return subnetBlocks(info).find((held) => blocksOverlap(held, block));
}

function observeNetwork(info: NetworkInfo): ObservedNetwork {
  return { id: info.Id, name: info.Name, info, labels: info.Labels ?? {}, bridgeInterface: bridgeInterfaceOf(info), subnets: subnetsOf(info) };
}

/** A bridge network as one end of a route. */
export function routeEndOf(n: ObservedNetwork): RouteEnd | undefined {
  return n.bridgeInterface ? { bridge: n.bridgeInterface, ...n.subnets } : undefined;
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

type FirewallReading = Pick<ObservedHost, 'layout' | 'rules' | 'firewallProblem'>;

/**
 * The engine's firewall as routes meet it: every chain docknet's rules can live in on this engine.
 * Whether ip6tables has DOCKER-USER tells whether the engine manages IPv6 rules at all.
 */
async function observeFirewall(firewall: Firewall, facts: EngineFacts): Promise<FirewallReading> {
  const raw = firewallLayout(facts, false).rawExemptions;
  const read = (place: Parameters<Firewall['ownedRules']>[0]) => firewall.ownedRules(place).catch((e: unknown) => (e instanceof FirewallError && e.kind === 'missing-tool' && place.family === 'ipv6' ? undefined : Promise.reject(e)));
  try {
    const [v4, v6, raw4, raw6] = await Promise.all([
      read(forwardPlace('ipv4')),
      read(forwardPlace('ipv6')),
      raw ? read(exemptionPlace('ipv4')) : [],
      raw ? read(exemptionPlace('ipv6')) : [],
    ]);
    const layout = firewallLayout(facts, v6 !== undefined);
    if (v4 === undefined) return { layout, rules: undefined, firewallProblem: { unreadable: false, message: 'the DOCKER-USER chain is missing: routes need iptables and a Docker engine that manages it (dockerd with iptables enabled)' } };
    return { layout, rules: [...v4, ...(v6 ?? []), ...(raw4 ?? []), ...(raw6 ?? [])] };
  } catch (e) {
    if (!(e instanceof FirewallError)) throw e;
    // A host out of reach says itself why and what to do.
    const message = e.kind === 'unreachable' ? e.message : `the firewall cannot be read: ${e.message}`;
    return { layout: firewallLayout(facts, false), rules: undefined, firewallProblem: { unreadable: true, message } };
  }
}

/** Whether the links of the engine's host matter to these stacks (a remote host's cost a round trip). */
function linksMatter(access: HostAccess, desired: Stack[], networks: NetworkInfo[]): boolean {
  const planned = new Set(desired.map((s) => s.name));
  return (
    access.links.host.local ||
    desired.some((s) => s.networks.some((n) => n.parent !== undefined)) ||
    networks.some((n) => n.Driver === 'macvlan' && planned.has(ownedBy(n.Labels ?? {}) ?? ''))
  );
}

/** Reads what the planner needs. `desired` decides which containers need a closer look. */
export async function observeHost(access: HostAccess, desired: Stack[]): Promise<ObservedHost> {
  const { engine, firewall } = access;
  const asked = engine.facts();
  const listed = engine.listNetworks();
  const routes = desired.some((s) => s.networks.some((n) => n.hostShim !== undefined));
  const [facts, networks, containers, volumes, reading, links] = await Promise.all([
    asked,
    listed,
    engine.listContainers(),
    engine.listVolumes(LABEL.record),
    asked.then((f) => observeFirewall(firewall, f)),
    listed.then((nets) => (linksMatter(access, desired, nets) ? access.links.read({ routes }) : undefined)),
  ]);
  const host: ObservedHost = {
    engine: facts,
    ...reading,
    records: readRecords(volumes),
    endpointRecords: readEndpointRecords(volumes),
    networks: new Map(networks.map((n) => [n.Name, observeNetwork(n)])),
    containers: new Map(containers.map((c) => observeContainer(c)).map((c) => [c.name, c])),
    links,
  };
  const toInspect: ObservedContainer[] = [];
  for (const c of desired.flatMap((s) => s.containers)) {
    // The planner keeps svc as the first of several replicas (and svc-1 as the only one): look there too.
    const seen = host.containers.get(c.name) ?? host.containers.get(c.name === c.service ? `${c.service}-1` : c.name === `${c.service}-1` ? c.service : '');
    const setsInPlace = c.restart !== 'no' || c.endpoints.some((e) => e.aliases.length > 0);
    if (seen && seen.labels[LABEL.managed] === 'true' && setsInPlace) toInspect.push(seen);
  }
  // Containers docknet does not own but connects with aliases: their aliases are read the same way.
  for (const e of desired.flatMap((s) => s.endpoints)) {
    const seen = e.container === undefined ? undefined : host.containers.get(e.container);
    if (seen && e.aliases.length > 0 && !toInspect.includes(seen)) toInspect.push(seen);
  }
  await Promise.all(toInspect.map(async (c) => (c.detail = detailOf(await engine.inspectContainer(c.id)))));
  return host;
}
