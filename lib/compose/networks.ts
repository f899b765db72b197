// A compose network as a docknet network: named as compose names it (name:, else <project>_<key>),
// ipam.config as ipv4/ipv6, driver_opts as docknet's typed options where one exists. Options without a
// typed one cannot be carried: docknet passes raw options only to plugin drivers.
import { BRIDGE_OPTION } from '../model/normalize';
import type { BridgeOptionsDoc, IpamDoc, NetworkDoc } from '../model/schema';
import type { SpecPath } from '../model/types';
import type { ComposeIssues, Subject } from './issues';
import { isTree, type Tree, type Value } from './read';
import { composeBool, parseGoBool, valueText } from './units';


const NETWORK_KEYS = new Set(['name', 'driver', 'driver_opts', 'attachable', 'enable_ipv4', 'enable_ipv6', 'external', 'internal', 'ipam', 'labels']);
const IPAM_ENTRY_KEYS = { subnet: 'subnet', ip_range: 'ipRange', gateway: 'gateway', aux_addresses: 'auxAddresses' } as const;
const MODES: Record<string, readonly string[]> = { macvlan: ['bridge', 'vepa', 'passthru', 'private'], ipvlan: ['l2', 'l3', 'l3s'] };


/** Writes the driver options of a network into its typed options; those that have none are refused. */
function driverOptions(driver: string, opts: Tree, doc: NetworkDoc, refuse: (path: SpecPath, message: string) => void): void {
  const at = (key: string): SpecPath => ['driver_opts', key];
  const entries = Object.entries(opts).map(([k, v]) => [k, valueText(v)] as const);
  if (driver === 'bridge') {
    const bridge: BridgeOptionsDoc = {};
    for (const [key, value] of entries) {
      const field = (Object.keys(BRIDGE_OPTION) as (keyof typeof BRIDGE_OPTION)[]).find((f) => BRIDGE_OPTION[f] === key);
      if (!field) refuse(at(key), 'docknet has no typed option for it and passes no raw options to a bridge');
      else if (field === 'icc' || field === 'masquerade') {
        const b = parseGoBool(value);
        if (b === undefined) refuse(at(key), `"${value}" is not a boolean Docker accepts`);
        else bridge[field] = b;
      } else if (field === 'mtu') {
        if (!/^\d+$/.test(value)) refuse(at(key), `"${value}" is not an MTU`);
        else bridge.mtu = Number(value);
      } else bridge[field] = value;
    }
    if (Object.keys(bridge).length > 0) doc.bridge = bridge;
  } else if (driver === 'macvlan' || driver === 'ipvlan') {
    const segment: { parent?: string; vlan?: number; mode?: string } = {};
    for (const [key, value] of entries) {
      if (key === 'parent') {
        // Docker makes parent.vlan an 802.1Q sub-interface: docknet says so with vlan.
        const m = /^(.+)\.(\d+)$/.exec(value);
        segment.parent = m ? m[1] : value;
        if (m) segment.vlan = Number(m[2]);
      } else if (key === `${driver}_mode`) {
        if (MODES[driver].includes(value)) segment.mode = value;
        else refuse(at(key), `"${value}" is not a ${driver} mode docknet knows (${MODES[driver].join(', ')})`);
      } else refuse(at(key), `docknet has no typed option for it on a ${driver} network`);
    }
    if (segment.parent === undefined) refuse(['driver_opts'], `a ${driver} network in docknet names its parent interface (driver_opts: { parent: eth0 })`);
    else if (driver === 'macvlan') doc.macvlan = segment as NetworkDoc['macvlan'];
    else doc.ipvlan = segment as NetworkDoc['ipvlan'];
  } else if (driver === 'overlay') {
    for (const [key] of entries) {
      if (key === 'encrypted') doc.overlay = { encrypted: true };
      else refuse(at(key), 'docknet has no typed option for it on an overlay network');
    }
  } else if (entries.length > 0) doc.options = Object.fromEntries(entries);
}

function ipam(value: Value, doc: NetworkDoc, refuse: (path: SpecPath, message: string) => void): void {
  if (!isTree(value)) return;
  if (value.driver !== undefined && value.driver !== null && value.driver !== 'default') refuse(['ipam', 'driver'], 'docknet uses Docker\'s default address management only');
  if (isTree(value.options) && Object.keys(value.options).length > 0) refuse(['ipam', 'options'], 'docknet has no IPAM driver options');
  (Array.isArray(value.config) ? value.config : []).forEach((entry, i) => {
    if (!isTree(entry)) return;
    const at = ['ipam', 'config', i];
    for (const key of Object.keys(entry)) if (!(key in IPAM_ENTRY_KEYS)) refuse([...at, key], 'docknet cannot carry it');
    if (typeof entry.subnet !== 'string') return refuse(at, 'an address range without a subnet: docknet needs the subnet');
    const family = entry.subnet.includes(':') ? 'ipv6' : 'ipv4';
    if (doc[family]) return refuse(at, `a second ${family === 'ipv4' ? 'IPv4' : 'IPv6'} subnet: docknet carries one of each family per network`);
    const out: IpamDoc = { subnet: entry.subnet };
    if (entry.ip_range !== undefined && entry.ip_range !== null) out.ipRange = valueText(entry.ip_range);
    if (entry.gateway !== undefined && entry.gateway !== null) out.gateway = valueText(entry.gateway);
    if (isTree(entry.aux_addresses) && Object.keys(entry.aux_addresses).length > 0) out.auxAddresses = Object.fromEntries(Object.entries(entry.aux_addresses).map(([k, v]) => [k, valueText(v)]));
    doc[family] = out;
  });
}

/** The Docker name of a compose network (docknet's key): name:, else its key when external, else <project>_<key>. */
export function networkName(key: string, def: Value, project: string): string {
  const n: Tree = isTree(def) ? def : {};
  if (typeof n.name === 'string' && n.name !== '') return n.name;
  return composeBool(n.external) === true ? key : `${project}_${key}`;
}

/** The docknet network of a compose network; refusals name the network as their subject. */
export function convertNetwork(key: string, def: Value, issues: ComposeIssues): NetworkDoc {
  const n: Tree = isTree(def) ? def : {};
  const path = ['networks', key];
  const subject: Subject = { kind: 'network', name: key };
  const refuse = (sub: SpecPath, message: string) => issues.refuse(subject, [...path, ...sub], message);
  if (composeBool(n.external) === true) return { external: true };
  for (const k of Object.keys(n)) if (!NETWORK_KEYS.has(k) && !k.startsWith('x-')) issues.error([...path, k], 'is not a key of a compose network');
  const driver = typeof n.driver === 'string' && n.driver !== '' ? n.driver : 'bridge';
  const doc: NetworkDoc = driver === 'bridge' ? {} : { driver };
  if (['host', 'none', 'null'].includes(driver)) refuse(['driver'], `a network of driver ${driver} is Docker's own: use network_mode: ${driver === 'null' ? 'none' : driver} on the services`);
  ipam(n.ipam ?? null, doc, refuse);
  driverOptions(driver, isTree(n.driver_opts) ? n.driver_opts : {}, doc, refuse);
  if (composeBool(n.enable_ipv4) === false) refuse(['enable_ipv4'], 'docknet cannot make an IPv6-only network');
  const ipv6 = composeBool(n.enable_ipv6);
  if (ipv6 === true && !doc.ipv6) doc.ipv6 = {};
  if (ipv6 !== true && doc.ipv6) issues.warn([...path, 'enable_ipv6'], 'the network has an IPv6 subnet: docknet enables IPv6 on it (compose leaves enable_ipv6 off)');
  if (composeBool(n.internal) === true) doc.internal = true;
  if (composeBool(n.attachable) === true) doc.attachable = true;
  if (isTree(n.labels) && Object.keys(n.labels).length > 0) doc.labels = Object.fromEntries(Object.entries(n.labels).map(([k, v]) => [k, valueText(v)]));
  return doc;
}
