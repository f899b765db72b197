// Host links and kernel features: what a macvlan/ipvlan parent needs to exist, and how to explain an
// engine failure that comes from a kernel without 802.1Q VLAN or ipvlan support. The links are those
// of the engine's host: read here for a local engine, with `ip -o link show` there for a remote one.
import { readdirSync } from 'node:fs';
import type { EngineHost } from './engine-host';

/** This machine's links. */
export function hostLinks(): Set<string> {
  try {
    return new Set(readdirSync('/sys/class/net'));
  } catch {
    return new Set();
  }
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

/** The links of the engine's host; undefined when they cannot be read there (the check is then skipped). */
export async function engineHostLinks(host: EngineHost): Promise<Set<string> | undefined> {
  if (host.local) return hostLinks();
  try {
    const r = await host.run(['ip', '-o', 'link', 'show'], { timeoutMs: 15_000 });
    return r.code === 0 ? parseIpLinks(r.stdout) : undefined;
  } catch {
    return undefined;
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
