// Host links and kernel features: the links of the engine's host as `ip -d -j address show` tells them
// (a macvlan/ipvlan parent must exist, an existing parent.vlan must be that VLAN, a host shim is read
// back), the host shims docknet makes and removes there with `ip` argument arrays, and how to explain
// an engine failure that comes from a kernel without 802.1Q VLAN or ipvlan support. The commands run
// where the engine runs (lib/drivers/engine-host.ts), never on another machine.
import { readdirSync } from 'node:fs';
import { HostUnavailable, type EngineHost } from './engine-host';

/** One link of the host. Without details (an `ip` without JSON output) only the name is known. */
export interface HostLink {
  name: string;
  /** macvlan, vlan, veth, bridge …; undefined for a plain device or when not read in detail. */
  kind?: string;
  /** The link it hangs off (a VLAN sub-interface's or a macvlan's parent). */
  parent?: string;
  /** The 802.1Q id of a VLAN sub-interface. */
  vlanId?: number;
  /** The macvlan/ipvlan mode. */
  mode?: string;
  /** The link's alias (`ip link set dev X alias TEXT`): docknet's shims carry their owner there. */
  alias?: string;
  up: boolean;
  /** IPv4 addresses in CIDR form. */
  ipv4: string[];
}

/** An IPv4 route of the main table, as far as shims care: where a prefix goes. */
export interface HostRoute {
  /** CIDR form (a host route too: 10.0.0.5/32), or "default". */
  dst: string;
  dev: string;
}

export interface LinkReading {
  byName: Map<string, HostLink>;
  /** false when only the names could be read: kinds, parents, aliases and addresses are unknown. */
  detailed: boolean;
  /** The main IPv4 routing table, when it was asked for. */
  routes?: HostRoute[];
}

interface IpJsonLink {
  ifname?: string;
  link?: string | null;
  flags?: string[];
  ifalias?: string;
  linkinfo?: { info_kind?: string; info_data?: { id?: number; mode?: string } };
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

/** The array `ip -j` prints; undefined for anything else (an `ip` without JSON output prints text). */
function ipJson<T>(output: string): T[] | undefined {
  try {
    const list: unknown = JSON.parse(output);
    return Array.isArray(list) ? (list as T[]) : undefined;
  } catch {
    return undefined;
  }
}

/** Links from `ip -d -j address show`; undefined when the output is not that JSON. */
export function parseIpJsonLinks(output: string): HostLink[] | undefined {
  return ipJson<IpJsonLink>(output)
    ?.filter((l) => typeof l.ifname === 'string')
    .map((l) => {
      const info = l.linkinfo?.info_data;
      const link: HostLink = { name: l.ifname!, up: (l.flags ?? []).includes('UP'), ipv4: (l.addr_info ?? []).filter((a) => a.family === 'inet' && a.local).map((a) => `${a.local}/${a.prefixlen ?? 32}`) };
      if (l.linkinfo?.info_kind) link.kind = l.linkinfo.info_kind;
      if (typeof l.link === 'string') link.parent = l.link;
      if (typeof info?.id === 'number') link.vlanId = info.id;
      if (typeof info?.mode === 'string') link.mode = info.mode;
      if (l.ifalias) link.alias = l.ifalias;
      return link;
    });
}

/** Routes from `ip -j -4 route show table main`; undefined when the output is not that JSON. */
export function parseIpJsonRoutes(output: string): HostRoute[] | undefined {
  // ip prints a host route without its /32.
  return ipJson<{ dst?: string; dev?: string }>(output)
    ?.filter((r) => typeof r.dst === 'string' && typeof r.dev === 'string')
    .map((r) => ({ dst: r.dst === 'default' || r.dst!.includes('/') ? r.dst! : `${r.dst}/32`, dev: r.dev! }));
}

/** Link names in `ip -o link show` output ("2: eth0@if5: <…>" → eth0). */
export function parseIpLinks(output: string): Set<string> {
  const names = new Set<string>();
  for (const line of output.split('\n')) {
    const m = /^\d+:\s+([^:@\s]+)(@[^:\s]*)?:/.exec(line);
    if (m) names.add(m[1]);
  }
  return names;
}

/** This machine's link names, for when `ip` cannot tell more. */
function sysLinks(): Set<string> {
  try {
    return new Set(readdirSync('/sys/class/net'));
  } catch {
    return new Set();
  }
}

const namesOnly = (names: Set<string>): LinkReading => ({ byName: new Map([...names].map((name) => [name, { name, up: false, ipv4: [] }])), detailed: false });

/** A macvlan link in bridge mode on the host, with a /32 address and a route through it: a host shim. */
export interface ShimLink {
  name: string;
  /** The link the segment hangs off (parent or parent.vlan). */
  parent: string;
  /** IPv4 address, held as /32. */
  address: string;
  /** The prefix routed through the shim (the network's ipRange, else its subnet). */
  route: string;
  /** Its owner, `docknet:<stack>:<network>`. */
  alias: string;
}

/** The `ip` commands that make a shim, in order. */
export function shimCommands(s: ShimLink): string[][] {
  return [
    ['ip', 'link', 'add', 'link', s.parent, 'name', s.name, 'type', 'macvlan', 'mode', 'bridge'],
    ['ip', 'link', 'set', 'dev', s.name, 'alias', s.alias],
    ['ip', 'address', 'add', `${s.address}/32`, 'dev', s.name],
    ['ip', 'link', 'set', 'dev', s.name, 'up'],
    ['ip', 'route', 'add', s.route, 'dev', s.name, 'src', s.address],
  ];
}

const TIMEOUT_MS = 15_000;

/** The links of the engine's host: read them, make and remove host shims there. */
export class HostLinks {
  constructor(readonly host: EngineHost) {}

  private where(): string {
    return this.host.local ? '' : ` on ${this.host.where}`;
  }

  /**
   * The links, in detail where `ip` gives JSON, else their names only; with `routes`, the main IPv4
   * table too. undefined when nothing can be read there (a tcp engine without the helper).
   */
  async read(options: { routes?: boolean } = {}): Promise<LinkReading | undefined> {
    try {
      const [links, routes] = await Promise.all([
        this.host.run(['ip', '-d', '-j', 'address', 'show'], { timeoutMs: TIMEOUT_MS }),
        options.routes ? this.host.run(['ip', '-j', '-4', 'route', 'show', 'table', 'main'], { timeoutMs: TIMEOUT_MS }) : undefined,
      ]);
      const detailed = links.code === 0 ? parseIpJsonLinks(links.stdout) : undefined;
      if (!detailed) return this.host.local ? namesOnly(sysLinks()) : await this.names();
      const reading: LinkReading = { byName: new Map(detailed.map((l) => [l.name, l])), detailed: true };
      const table = routes?.code === 0 ? parseIpJsonRoutes(routes.stdout) : undefined;
      if (table) reading.routes = table;
      return reading;
    } catch (e) {
      if (e instanceof HostUnavailable) return undefined;
      throw e;
    }
  }

  private async names(): Promise<LinkReading | undefined> {
    const r = await this.host.run(['ip', '-o', 'link', 'show'], { timeoutMs: TIMEOUT_MS });
    return r.code === 0 ? namesOnly(parseIpLinks(r.stdout)) : undefined;
  }

  private async ip(argv: string[]): Promise<{ ok: boolean; error: string }> {
    const r = await this.host.run(argv, { timeoutMs: TIMEOUT_MS });
    if (r.code === 127) return { ok: false, error: `ip is not installed${this.where()}: a host shim needs it (Debian: apt-get install iproute2)` };
    return { ok: r.code === 0, error: `${argv.join(' ')}${this.where()}: ${r.timedOut ? 'no answer' : r.stderr.trim()}` };
  }

  /** Makes a shim; one that fails half way is removed again, so the next apply starts clean. */
  async addShim(s: ShimLink): Promise<void> {
    const [make, ...configure] = shimCommands(s);
    const made = await this.ip(make);
    if (!made.ok) throw new Error(`host shim ${s.name}: ${made.error}`);
    for (const argv of configure) {
      const r = await this.ip(argv);
      if (r.ok) continue;
      await this.remove(s.name).catch(() => undefined);
      throw new Error(`host shim ${s.name}: ${r.error}`);
    }
  }

  /** Removes a link; one that is gone already (with its parent, say) is what was wanted. */
  async remove(name: string): Promise<void> {
    const r = await this.ip(['ip', 'link', 'del', 'dev', name]);
    if (!r.ok && !/Cannot find device|does not exist/i.test(r.error)) throw new Error(`host shim ${name}: ${r.error}`);
  }
}

/** The kernel feature a network relies on beyond the plain bridge, if any. */
export function kernelFeature(network: { driver: string; vlan?: number }): string | undefined {
  if (network.vlan !== undefined) return '802.1Q VLAN sub-interfaces (kernel module 8021q)';
  if (network.driver === 'ipvlan') return 'ipvlan links (kernel module ipvlan)';
  if (network.driver === 'macvlan') return 'macvlan links (kernel module macvlan)';
  return undefined;
}

/** The netlink answers a kernel gives when a link type is not compiled in. */
export function isMissingKernelFeature(engineMessage: string): boolean {
  return /operation not supported|not supported|unknown device type|no such device|EOPNOTSUPP/i.test(engineMessage);
}

/** The kernel feature an engine error about link creation points at, if it names one. */
export function featureInError(engineMessage: string): string | undefined {
  if (!isMissingKernelFeature(engineMessage)) return undefined;
  if (/vlan link/i.test(engineMessage)) return kernelFeature({ driver: 'macvlan', vlan: 1 });
  if (/ipvlan/i.test(engineMessage)) return kernelFeature({ driver: 'ipvlan' });
  if (/macvlan/i.test(engineMessage)) return kernelFeature({ driver: 'macvlan' });
  return undefined;
}
