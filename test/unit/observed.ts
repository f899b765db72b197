// Hosts described by hand, for the pure parts (planner, plan rendering, ls): what observe would read.
import type { OwnedRule } from '../../lib/drivers/firewall';
import type { LinkReading } from '../../lib/drivers/links';
import type { ObservedContainer, ObservedHost, ObservedNetwork } from '../../lib/plan/observe';
import type { EngineFacts, FirewallLayout } from '../../lib/plan/route-rules';

export const ENGINE: EngineFacts = { id: 'TEST', endpoint: 'unix:///var/run/docker.sock', name: 'test-host', version: '20.10.24', firewallBackend: 'iptables' };

/** A host with these networks and containers, docknet's rules, its links when given, and (by default) Docker 20.10's firewall layout. */
export function observedHost(networks: ObservedNetwork[], more: { containers?: ObservedContainer[]; rules?: OwnedRule[]; engine?: EngineFacts; layout?: FirewallLayout; links?: LinkReading } = {}): ObservedHost {
  return {
    engine: more.engine ?? ENGINE,
    layout: more.layout ?? { rawExemptions: false, ipv6: false },
    networks: new Map(networks.map((n) => [n.name, n])),
    containers: new Map((more.containers ?? []).map((c) => [c.name, c])),
    records: new Map(),
    endpointRecords: [],
    rules: more.rules ?? [],
    links: more.links,
  };
}
