// What differs between a desired object and the one on the host, said as "<path> <current> → <desired>",
// with paths in the spec's own terms (bridge.icc, ipv4.subnet), not Docker's option keys.
import type { NetworkInfo } from '../drivers/docker';
import type { HostLink, HostRoute, ShimLink } from '../drivers/links';
import { addressFamily, canonicalAddress, parseBlock, sameAddress } from '../model/address';
import { BRIDGE_OPTION } from '../model/normalize';
import type { ContainerSpec, Family, Ipam, NetworkSpec } from '../model/types';
import { containerDefinition, definitionOf, DEFINITION_FIELDS, stableJson } from './desired';

const OPTION_PATH: Record<string, string> = Object.fromEntries(Object.entries(BRIDGE_OPTION).map(([k, v]) => [v, `bridge.${k}`]));
/** Options docknet sets itself; an observed one the spec does not ask for is a difference. */
const TYPED_OPTION_KEYS = new Set([...Object.values(BRIDGE_OPTION), 'parent', 'macvlan_mode', 'ipvlan_mode', 'encrypted']);

function show(v: unknown): string {
  if (v === undefined || v === null || v === '') return '(none)';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function change(path: string, current: unknown, desired: unknown): string {
  return `${path} ${show(current)} → ${show(desired)}`;
}

function optionPath(driver: string, key: string): string {
  if (OPTION_PATH[key]) return OPTION_PATH[key];
  if (key === 'parent') return `${driver}.parent`;
  if (key === 'macvlan_mode' || key === 'ipvlan_mode') return `${driver}.mode`;
  if (key === 'encrypted') return 'overlay.encrypted';
  return `options["${key}"]`;
}

export function sameBlock(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return a === b;
  const x = parseBlock(a);
  const y = parseBlock(b);
  return x && y ? x.first === y.first && x.prefix === y.prefix : a === b;
}

function ipamDifferences(family: Family, desired: Ipam | undefined, info: NetworkInfo): string[] {
  const configs = (info.IPAM?.Config ?? []) as { Subnet?: string; IPRange?: string; Gateway?: string; AuxiliaryAddresses?: Record<string, string> }[];
  const seen = configs.find((c) => c.Subnet && addressFamily(c.Subnet.split('/')[0]) === family);
  const out: string[] = [];
  if (!desired) return out;
  if (desired.subnet !== undefined && !sameBlock(seen?.Subnet, desired.subnet)) out.push(change(`${family}.subnet`, seen?.Subnet, desired.subnet));
  if (desired.ipRange !== undefined && !sameBlock(seen?.IPRange, desired.ipRange)) out.push(change(`${family}.ipRange`, seen?.IPRange, desired.ipRange));
  if (desired.gateway !== undefined && !sameAddress(seen?.Gateway?.split('/')[0], desired.gateway)) out.push(change(`${family}.gateway`, seen?.Gateway, desired.gateway));
  const aux = desired.auxAddresses ?? {};
  const seenAux = seen?.AuxiliaryAddresses ?? {};
  if (stableJson(aux) !== stableJson(seenAux)) out.push(change(`${family}.auxAddresses`, seenAux, aux));
  return out;
}

function userLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => !k.startsWith('io.docknet.')));
}

function labelDifferences(current: Record<string, string>, desired: Record<string, string>): string[] {
  const keys = new Set([...Object.keys(current), ...Object.keys(desired)]);
  return [...keys].sort().filter((k) => current[k] !== desired[k]).map((k) => change(`labels.${k}`, current[k], desired[k]));
}

/** Differences in a network's definition; any one of them means the network must be recreated. */
export function networkDifferences(n: NetworkSpec, info: NetworkInfo): string[] {
  const out: string[] = [];
  if (info.Driver !== n.driver) out.push(change('driver', info.Driver, n.driver));
  if (Boolean(info.Internal) !== n.internal) out.push(change('internal', Boolean(info.Internal), n.internal));
  if (Boolean(info.Attachable) !== n.attachable) out.push(change('attachable', Boolean(info.Attachable), n.attachable));
  if (Boolean(info.EnableIPv6) !== (n.ipv6 !== undefined)) out.push(change('ipv6 enabled', Boolean(info.EnableIPv6), n.ipv6 !== undefined));
  out.push(...ipamDifferences('ipv4', n.ipv4, info), ...ipamDifferences('ipv6', n.ipv6, info));
  const seen = info.Options ?? {};
  for (const [key, value] of Object.entries(n.options)) if (seen[key] !== value) out.push(change(optionPath(n.driver, key), seen[key], value));
  for (const key of Object.keys(seen)) if (TYPED_OPTION_KEYS.has(key) && !(key in n.options)) out.push(change(optionPath(n.driver, key), seen[key], undefined));
  out.push(...labelDifferences(userLabels(info.Labels ?? {}), n.labels));
  return out;
}

/**
 * How a host shim on the host differs from the one wanted, said in the spec's terms. `routes` undefined:
 * the routing table could not be read, so the route is not compared.
 */
export function shimDifferences(want: ShimLink, seen: HostLink, routes: HostRoute[] | undefined): string[] {
  const out: string[] = [];
  const path = (p: string) => `hostShim.${p}`;
  if (seen.kind !== 'macvlan') out.push(change(path('kind'), seen.kind ?? 'plain device', 'macvlan'));
  else if (seen.mode !== 'bridge') out.push(change(path('mode'), seen.mode, 'bridge'));
  if (seen.parent !== want.parent) out.push(change(path('parent'), seen.parent, want.parent));
  const address = `${canonicalAddress(want.address)}/32`;
  if (seen.ipv4.length !== 1 || seen.ipv4[0] !== address) out.push(change(path('address'), seen.ipv4.join(', '), address));
  if (!seen.up) out.push(change(path('state'), 'down', 'up'));
  if (routes && !routes.some((r) => r.dev === want.name && sameBlock(r.dst, want.route))) out.push(change(path('route'), undefined, `${want.route} through ${want.name}`));
  return out;
}

/** Differences in what a container was created with, read from its definition label. */
export function containerDifferences(c: ContainerSpec, labels: Record<string, string>): string[] {
  const desired = containerDefinition(c);
  const current = definitionOf(labels);
  if (!current) return ['its definition label is unreadable'];
  // Containers made before a field existed carry no value for it: that is the field's default (null).
  return DEFINITION_FIELDS.filter((k) => stableJson(current[k] ?? null) !== stableJson(desired[k])).map((k) => change(k, current[k], desired[k]));
}
