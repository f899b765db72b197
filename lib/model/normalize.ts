// From spec documents (YAML/JSON or a front-end's typed props) to the normalized model: defaults
// filled in, typed driver options translated to the option keys Docker stores, short forms expanded.
import type { ContainerDoc, ForeignEndpointDoc, HealthcheckDoc, IpamDoc, NetworkDoc, RouteDoc } from './schema';
import type { ContainerSpec, EndpointSpec, ForeignEndpointSpec, Healthcheck, Ipam, NetworkSpec, Publish, RouteSpec, RouteRule, Source, Stack } from './types';
import { parsePublish } from './publish';
import { dependencies, envFromFiles, normalizeRuntime } from './runtime';
import type { IssueList } from '../spec/errors';

/** The Docker option keys behind the typed bridge options. */
export const BRIDGE_OPTION = {
  name: 'com.docker.network.bridge.name',
  icc: 'com.docker.network.bridge.enable_icc',
  masquerade: 'com.docker.network.bridge.enable_ip_masquerade',
  hostBindingIpv4: 'com.docker.network.bridge.host_binding_ipv4',
  mtu: 'com.docker.network.driver.mtu',
  ifacePrefix: 'com.docker.network.container_iface_prefix',
} as const;

function ipam(doc: IpamDoc | undefined): Ipam | undefined {
  if (!doc) return undefined;
  const out: Ipam = {};
  if (doc.subnet !== undefined) out.subnet = doc.subnet;
  if (doc.ipRange !== undefined) out.ipRange = doc.ipRange;
  if (doc.gateway !== undefined) out.gateway = doc.gateway;
  if (doc.auxAddresses && Object.keys(doc.auxAddresses).length > 0) out.auxAddresses = { ...doc.auxAddresses };
  return out;
}

const TYPED_SECTIONS = ['bridge', 'macvlan', 'ipvlan', 'overlay'] as const;

export function normalizeNetwork(name: string, doc: NetworkDoc, source: Source, issues: IssueList): NetworkSpec {
  const driver = doc.driver ?? 'bridge';
  for (const section of TYPED_SECTIONS) {
    if (doc[section] !== undefined && driver !== section) issues.add(source, [section], `applies to driver ${section} only; this network's driver is ${driver}`);
  }
  const options: Record<string, string> = { ...(doc.options ?? {}) };
  const network: NetworkSpec = {
    name,
    source,
    driver,
    internal: doc.internal ?? false,
    attachable: doc.attachable ?? false,
    labels: { ...(doc.labels ?? {}) },
    options,
  };
  const v4 = ipam(doc.ipv4);
  const v6 = ipam(doc.ipv6);
  if (v4) network.ipv4 = v4;
  if (v6) network.ipv6 = v6;
  const b = doc.bridge;
  if (b) {
    if (b.name !== undefined) {
      options[BRIDGE_OPTION.name] = b.name;
      network.bridgeName = b.name;
    }
    if (b.icc !== undefined) options[BRIDGE_OPTION.icc] = String(b.icc);
    if (b.masquerade !== undefined) options[BRIDGE_OPTION.masquerade] = String(b.masquerade);
    if (b.hostBindingIpv4 !== undefined) options[BRIDGE_OPTION.hostBindingIpv4] = b.hostBindingIpv4;
    if (b.mtu !== undefined) options[BRIDGE_OPTION.mtu] = String(b.mtu);
    if (b.ifacePrefix !== undefined) options[BRIDGE_OPTION.ifacePrefix] = b.ifacePrefix;
  }
  const segment = doc.macvlan ?? doc.ipvlan;
  if (segment) {
    network.parent = segment.vlan === undefined ? segment.parent : `${segment.parent}.${segment.vlan}`;
    if (segment.vlan !== undefined) network.vlan = segment.vlan;
    options.parent = network.parent;
  }
  if (doc.macvlan?.mode) options.macvlan_mode = doc.macvlan.mode;
  if (doc.macvlan?.hostShim) network.hostShim = { ...doc.macvlan.hostShim };
  if (doc.ipvlan?.mode) options.ipvlan_mode = doc.ipvlan.mode;
  if (doc.overlay?.encrypted) options.encrypted = '';
  return network;
}

const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** A Go duration ("1m30s") in nanoseconds. The schema has already checked its form. */
export function durationNs(text: string): number {
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)/g)) total += Number(m[1]) * DURATION_UNITS[m[2]];
  return Math.round(total);
}

/** A duration as the spec writes it (5s, 500ms), from nanoseconds. */
function durationText(ns: number): string {
  return ns % 1e9 === 0 ? `${ns / 1e9}s` : ns % 1e6 === 0 ? `${ns / 1e6}ms` : `${ns}ns`;
}

/** A health check written as the spec writes it (the inverse of its normalization). */
export function healthcheckDoc(h: Healthcheck): HealthcheckDoc {
  return {
    test: h.test,
    ...(h.intervalNs ? { interval: durationText(h.intervalNs) } : {}),
    ...(h.timeoutNs ? { timeout: durationText(h.timeoutNs) } : {}),
    ...(h.retries !== undefined ? { retries: h.retries } : {}),
    ...(h.startPeriodNs ? { startPeriod: durationText(h.startPeriodNs) } : {}),
  };
}

function healthcheck(doc: HealthcheckDoc): Healthcheck {
  const out: Healthcheck = { test: [...doc.test] };
  if (doc.interval) out.intervalNs = durationNs(doc.interval);
  if (doc.timeout) out.timeoutNs = durationNs(doc.timeout);
  if (doc.retries !== undefined) out.retries = doc.retries;
  if (doc.startPeriod) out.startPeriodNs = durationNs(doc.startPeriod);
  return out;
}

function endpoints(doc: ContainerDoc): EndpointSpec[] {
  const nets = doc.networks;
  if (!nets) return [];
  if (Array.isArray(nets)) return nets.map((network) => ({ network, aliases: [] }));
  return Object.entries(nets).map(([network, e]) => {
    const out: EndpointSpec = { network, aliases: [...(e?.aliases ?? [])] };
    if (e?.ipv4 !== undefined) out.ipv4 = e.ipv4;
    if (e?.ipv6 !== undefined) out.ipv6 = e.ipv6;
    if (e?.mac !== undefined) out.mac = e.mac.toLowerCase();
    return out;
  });
}

/** One Container per replica; publishes that do not parse are reported and left out. */
export function normalizeContainer(service: string, doc: ContainerDoc, source: Source, issues: IssueList): ContainerSpec[] {
  const publish: Publish[] = [];
  (doc.publish ?? []).forEach((p, i) => {
    const parsed = parsePublish(p);
    if (typeof parsed === 'string') issues.add(source, ['publish', i], parsed);
    else publish.push(...parsed);
  });
  const replicas = doc.replicas ?? 1;
  const envFiles = [...(doc.envFile ?? [])];
  const base: Omit<ContainerSpec, 'name'> = {
    service,
    source,
    image: doc.image,
    // As compose: the env files first, env over them.
    env: { ...envFromFiles(envFiles, source, issues), ...Object.fromEntries(Object.entries(doc.env ?? {}).map(([k, v]) => [k, String(v)])) },
    labels: { ...(doc.labels ?? {}) },
    endpoints: endpoints(doc),
    publish,
    restart: doc.restart ?? 'no',
    envFiles,
    runtime: normalizeRuntime(doc, source, issues),
    dependsOn: dependencies(doc),
  };
  if (doc.command) base.command = [...doc.command];
  if (doc.networkMode) base.networkMode = doc.networkMode;
  if (doc.healthcheck) base.healthcheck = healthcheck(doc.healthcheck);
  if (doc.init !== undefined) base.init = doc.init;
  if (doc.stopGracePeriod) base.stopTimeout = Math.ceil(durationNs(doc.stopGracePeriod) / 1e9);
  if (replicas === 1) return [{ name: service, ...base }];
  // Replicas answer DNS under the service's name on each network, as compose's do.
  const endpointsWithService = base.endpoints.map((e) => (e.aliases.includes(service) ? e : { ...e, aliases: [...e.aliases, service] }));
  return Array.from({ length: replicas }, (_, i) => ({ name: `${service}-${i + 1}`, ...base, endpoints: endpointsWithService }));
}

/** A container docknet does not own, on a network. */
export function normalizeEndpoint(doc: ForeignEndpointDoc, source: Source): ForeignEndpointSpec {
  const out: ForeignEndpointSpec = { source, network: doc.network, aliases: [...(doc.aliases ?? [])] };
  if (doc.container !== undefined) out.container = doc.container;
  if (doc.selector !== undefined) out.selector = { ...doc.selector };
  if (doc.ipv4 !== undefined) out.ipv4 = doc.ipv4;
  if (doc.ipv6 !== undefined) out.ipv6 = doc.ipv6;
  return out;
}

/** A stack with nothing in it: planning it removes everything the stack owns. */
export function emptyStack(name: string): Stack {
  return { name, files: [], networks: [], externals: [], containers: [], endpoints: [], routes: [] };
}

function routeRule(text: string): RouteRule {
  if (text === 'icmp') return { protocol: 'icmp' };
  const [protocol, port] = text.split('/') as [RouteRule['protocol'], string | undefined];
  return port === undefined ? { protocol } : { protocol, port };
}

/** The identity of a route inside its stack; it appears in the firewall rule comments. */
export function routeId(from: string, to: string, bidirectional: boolean): string {
  return bidirectional ? `${from}=${to}` : `${from}>${to}`;
}

/** The two networks a route id names (network names hold neither "=" nor ">"). */
export function routeEnds(id: string): string[] {
  return id.split(/[=>]/);
}

/** undefined when the route names neither `between` nor both `from` and `to` (reported by validation). */
export function normalizeRoute(doc: RouteDoc, source: Source): RouteSpec | undefined {
  const bidirectional = doc.between !== undefined;
  const from = doc.between?.[0] ?? doc.from;
  const to = doc.between?.[1] ?? doc.to;
  if (from === undefined || to === undefined) return undefined;
  return { id: routeId(from, to, bidirectional), source, from, to, bidirectional, allow: (doc.allow ?? []).map(routeRule) };
}
