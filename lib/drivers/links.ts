// Host links and kernel features: what a macvlan/ipvlan parent needs to exist, and how to explain an
// engine failure that comes from a kernel without 802.1Q VLAN or ipvlan support.
import { readdirSync } from 'node:fs';

export function hostLinks(): Set<string> {
  try {
    return new Set(readdirSync('/sys/class/net'));
  } catch {
    return new Set();
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
