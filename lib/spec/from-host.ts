// The host written back as spec documents: a network as Docker describes it (for export, import into
// a front-end, and the values a plan shows), a container from what defines it, a route from its
// firewall rules. The inverse of lib/model/normalize.ts for what Docker keeps.
import type Docker from 'dockerode';
import type { ContainerDoc, EndpointDoc, NetworkDoc, RouteDoc } from '../model/schema';
import { BRIDGE_OPTION, healthcheckDoc, routeEnds } from '../model/normalize';
import type { Healthcheck } from '../model/types';
import type { OwnedRule } from '../drivers/firewall';

/** A network as Docker describes it: an inspect answer, or the request that creates it. */
export type NetworkShape = Pick<Docker.NetworkCreateOptions, 'Driver' | 'IPAM' | 'Internal' | 'Attachable' | 'Labels' | 'Options'>;

const TYPED_BRIDGE = Object.entries(BRIDGE_OPTION) as [keyof typeof BRIDGE_OPTION, string][];

/** Options Docker keeps for itself on a network (it makes them anew with the network). */
const engineOwnOption = (key: string) => key.startsWith('com.docker.network.driver.overlay.');

/** A network written as a spec document: typed options where the format has them, the rest under options. */
export function networkDocFromHost(info: NetworkShape): NetworkDoc {
  const driver = info.Driver || 'bridge';
  const doc: NetworkDoc = { driver };
  const options: Record<string, string> = { ...(info.Options ?? {}) };
  for (const c of (info.IPAM?.Config ?? []) as { Subnet?: string; IPRange?: string; Gateway?: string; AuxiliaryAddresses?: Record<string, string> }[]) {
    if (!c.Subnet) continue;
    const ipam = { subnet: c.Subnet, ...(c.IPRange ? { ipRange: c.IPRange } : {}), ...(c.Gateway ? { gateway: c.Gateway } : {}), ...(c.AuxiliaryAddresses && Object.keys(c.AuxiliaryAddresses).length ? { auxAddresses: c.AuxiliaryAddresses } : {}) };
    if (c.Subnet.includes(':')) doc.ipv6 = ipam;
    else doc.ipv4 = ipam;
  }
  if (info.Internal) doc.internal = true;
  if (info.Attachable) doc.attachable = true;
  const labels = Object.fromEntries(Object.entries(info.Labels ?? {}).filter(([k]) => !k.startsWith('io.docknet.')));
  if (Object.keys(labels).length > 0) doc.labels = labels;
  if (driver === 'bridge') {
    const bridge: Record<string, unknown> = {};
    for (const [key, option] of TYPED_BRIDGE) {
      if (!(option in options)) continue;
      const v = options[option];
      bridge[key] = key === 'icc' || key === 'masquerade' ? v === 'true' : key === 'mtu' ? Number(v) : v;
      delete options[option];
    }
    if (Object.keys(bridge).length > 0) doc.bridge = bridge;
  } else if (driver === 'macvlan' || driver === 'ipvlan') {
    const [parent, vlan] = (options.parent ?? '').split('.');
    const mode = options[`${driver}_mode`];
    const segment = { parent, ...(vlan ? { vlan: Number(vlan) } : {}), ...(mode ? { mode } : {}) };
    if (driver === 'macvlan') doc.macvlan = segment as NetworkDoc['macvlan'];
    else doc.ipvlan = segment as NetworkDoc['ipvlan'];
    delete options.parent;
    delete options[`${driver}_mode`];
  } else if (driver === 'overlay') {
    if ('encrypted' in options) doc.overlay = { encrypted: true };
    delete options.encrypted;
  }
  // Any other option passes through as Docker keeps it: the same request makes the same network.
  for (const key of Object.keys(options)) if (engineOwnOption(key)) delete options[key];
  if (Object.keys(options).length > 0) doc.options = options;
  return doc;
}

const nonEmpty = (o: object | null | undefined) => o !== null && o !== undefined && Object.keys(o).length > 0;

/**
 * A container written as a spec document from what defines it (containerDefinition in
 * lib/plan/desired.ts: the spec's, or the definition label of a container on the host), its endpoints
 * and restart policy.
 */
export function containerDocFromDefinition(def: Record<string, unknown>, networks: Record<string, EndpointDoc | null>, restart: string | undefined): ContainerDoc {
  const hc = def.healthcheck as Healthcheck | null;
  return {
    image: String(def.image),
    ...(def.command ? { command: def.command as string[] } : {}),
    ...(nonEmpty(def.env as object) ? { env: def.env as Record<string, string> } : {}),
    ...(def.networkMode ? { networkMode: def.networkMode as 'host' | 'none' } : nonEmpty(networks) ? { networks } : {}),
    ...(Array.isArray(def.publish) && def.publish.length > 0 ? { publish: def.publish as string[] } : {}),
    ...(hc ? { healthcheck: healthcheckDoc(hc) } : {}),
    ...(restart && restart !== 'no' ? { restart: restart as ContainerDoc['restart'] } : {}),
    ...(nonEmpty(def.labels as object) ? { labels: def.labels as Record<string, string> } : {}),
    ...(def.init ? { init: true } : {}),
    ...(typeof def.stopGracePeriod === 'number' ? { stopGracePeriod: `${def.stopGracePeriod}s` } : {}),
  };
}

/** The filter of a route, read back from its forwarding rules (`-p tcp -m tcp --dport 80` → tcp/80). */
function allowOf(rules: OwnedRule[]): string[] {
  const allow = new Set<string>();
  for (const r of rules) {
    if (r.table !== 'filter' || r.spec.includes('--ctstate')) continue;
    const m = / -p (\S+)(?: -m \S+ --dport (\S+))?/.exec(r.spec);
    if (!m) return []; // a rule without a protocol: everything passes
    const protocol = m[1] === 'ipv6-icmp' ? 'icmp' : m[1];
    allow.add(m[2] ? `${protocol}/${m[2].replace(':', '-')}` : protocol);
  }
  return [...allow].sort();
}

/** A route written as a spec document from its id (a=b both ways, a>b one way) and its rules on the host. */
export function routeDocFromRules(id: string, rules: OwnedRule[]): RouteDoc {
  const [from, to] = routeEnds(id);
  const allow = allowOf(rules);
  return { ...(id.includes('=') ? { between: [from, to] as [string, string] } : { from, to }), ...(allow.length > 0 ? { allow } : {}) };
}
