// docknet export: networks that exist on the engine (made with `docker network create`, by compose, by
// another tool) written as a spec file, the way in from hand-typed commands. Applied after
// `docker network rm`, the file makes the same network. What the format cannot say (containers
// attached, another IPAM driver) is written as comments, never left out silently.
import { Document, isMap, type Scalar, type YAMLMap } from 'yaml';
import type { NetworkDoc } from '../model/schema';
import type { ObservedHost, ObservedNetwork } from '../plan/observe';
import { describeEngine } from '../plan/render';
import { madeBy, ownedBy } from '../plan/ownership';
import { networkDocFromHost } from './from-host';
import { didYouMean } from './suggest';

/** Docker's own networks: they exist on every engine and nothing can make them. */
const BUILT_IN = new Set(['bridge', 'host', 'none']);

/** Why a network cannot be written as a spec, if it cannot. */
function refusal(n: ObservedNetwork): string | undefined {
  if (BUILT_IN.has(n.name)) return `network ${n.name} is one of Docker's own (bridge, host, none): every engine has it and nothing can make it`;
  if (n.info.Ingress) return `network ${n.name} is swarm's routing mesh (ingress): swarm makes it`;
  return undefined;
}

/** What the spec cannot hold about a network, said as comment lines. */
function remarks(n: ObservedNetwork, host: ObservedHost, doc: NetworkDoc): string[] {
  const out: string[] = [];
  const maker = madeBy(n.labels);
  if (maker) out.push(`made by ${maker}${ownedBy(n.labels) ? '' : ' (its labels are kept)'}`);
  const ipam = n.info.IPAM;
  if (ipam?.Driver && ipam.Driver !== 'default') out.push(`IPAM driver ${ipam.Driver} cannot be written in a spec: docknet makes it with Docker's default IPAM driver`);
  if (ipam?.Options && Object.keys(ipam.Options).length > 0) out.push(`IPAM options ${JSON.stringify(ipam.Options)} cannot be written in a spec`);
  if (n.info.EnableIPv6 && !doc.ipv6) out.push('IPv6 is on but Docker holds no IPv6 subnet for it: give ipv6: { subnet: … } to keep IPv6');
  const attached = [...host.containers.values()].filter((c) => c.endpoints.has(n.name)).map((c) => {
    const e = c.endpoints.get(n.name)!;
    return [e.ipv4, e.ipv6].some(Boolean) ? `${c.name} (${[e.ipv4, e.ipv6].filter(Boolean).join(', ')})` : c.name;
  });
  if (attached.length > 0) {
    out.push(`attached now: ${attached.join(', ')}`);
    out.push(`containers are not part of this spec: disconnect them before docker network rm ${n.name}, connect them again after docknet apply`);
  }
  return out;
}

/** The stack the exported networks belong to, when docknet made them all for one stack. */
function commonStack(networks: ObservedNetwork[]): string | undefined {
  const owners = new Set(networks.map((n) => ownedBy(n.labels)));
  const [owner] = owners;
  return owners.size === 1 ? owner : undefined;
}

/** Networks of the engine as one spec document (YAML text with comments); throws for names it cannot write. */
export function exportNetworks(host: ObservedHost, names: string[]): string {
  const networks: ObservedNetwork[] = [];
  const problems: string[] = [];
  for (const name of names) {
    const n = host.networks.get(name) ?? [...host.networks.values()].find((x) => name.length >= 12 && x.id.startsWith(name));
    if (!n) problems.push(`no network named ${name} on the engine${didYouMean(name, host.networks.keys())} (docker network ls lists them)`);
    else if (refusal(n)) problems.push(refusal(n)!);
    else networks.push(n);
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const docs = networks.map((n) => networkDocFromHost(n.info));
  const stack = commonStack(networks);
  const doc = new Document({ version: 1, ...(stack ? { stack } : {}), networks: Object.fromEntries(networks.map((n, i) => [n.name, docs[i]])) });
  doc.commentBefore = [
    ` docknet spec written by docknet export from ${describeEngine(host.engine)}`,
    ' Applied after docker network rm, it makes the same networks (docknet adds its io.docknet labels).',
  ].join('\n');
  const map = doc.get('networks') as YAMLMap<Scalar, unknown>;
  map.items.forEach((pair, i) => {
    const lines = remarks(networks[i], host, docs[i]);
    if (lines.length > 0) pair.key.commentBefore = lines.map((l) => ` ${l}`).join('\n');
    // Short maps on one line, as people write them: ipv4: { subnet: …, gateway: … }.
    for (const key of ['ipv4', 'ipv6', 'bridge', 'macvlan', 'ipvlan', 'overlay']) {
      const node = doc.getIn(['networks', networks[i].name, key], true);
      if (isMap(node)) node.flow = true;
    }
  });
  return doc.toString({ lineWidth: 0 });
}
