// What a route between two bridges needs on this engine: the one model of it. Observe, plan, apply,
// verify and probe all derive from here. The facts behind each row are in notes/engines.md.
//
// | engine                      | what stands between bridge A and bridge B       | docknet writes                      |
// |-----------------------------|-------------------------------------------------|-------------------------------------|
// | every iptables engine       | isolation in FORWARD, after DOCKER-USER         | ACCEPT in filter DOCKER-USER        |
// | 28.0 and later              | raw PREROUTING drops direct access to containers | ACCEPT exemption at the top of raw  |
// |                             | (`-d <ctr> ! -i <its bridge> -j DROP`)          | PREROUTING, both directions         |
// | IPv6 on both ends, engine   | the same chains in ip6tables                    | the same rules with ip6tables       |
// | manages ip6tables (27.0+)   |                                                 |                                     |
// | nftables backend (29, exp.) | no DOCKER-USER; drops cannot be undone          | nothing: routes are refused         |
//
// A filtered or one-way route also lets replies back by conntrack. An exemption opens nothing by
// itself: the filter table still decides, so a one-way route still refuses the reverse direction.
// Rules are written exactly as `iptables -S` prints them, so desired and observed compare as text.
import { addressFamily, canonicalAddress } from '../model/address';
import type { Family, RouteRule, RouteSpec } from '../model/types';
import { placeName, type OwnedRule, type Rule, type RulePlace } from '../drivers/firewall';
import { ownerTag } from '../model/owner-tag';

/** What the engine tells about itself (GET /info), as far as plans care. */
export interface EngineFacts {
  /** The engine's own id (GET /info ID): one engine, however it is addressed. */
  id: string;
  /** The Docker endpoint, e.g. unix:///var/run/docker.sock. */
  endpoint: string;
  /** The engine host's name. */
  name: string;
  /** ServerVersion, e.g. 20.10.24+dfsg1 or 28.5.2. */
  version: string;
  /** FirewallBackend.Driver (28.1+); absent means iptables. */
  firewallBackend: string;
  /** Its role in a swarm, when it is in one. */
  swarm?: 'manager' | 'worker';
}

/** The firewall a route meets on this engine. */
export interface FirewallLayout {
  /** Why routes cannot be written on this engine at all, if so. */
  refusal?: string;
  /** Docker drops direct access to containers in the raw table: routes need exemptions there. */
  rawExemptions: boolean;
  /** Docker manages ip6tables (its DOCKER-USER chain exists there): IPv6 routes get rules too. */
  ipv6: boolean;
}

export const FORWARD_CHAIN = 'DOCKER-USER';
export const EXEMPTION_CHAIN = 'PREROUTING';

export const forwardPlace = (family: Family): RulePlace => ({ family, table: 'filter', chain: FORWARD_CHAIN });
export const exemptionPlace = (family: Family): RulePlace => ({ family, table: 'raw', chain: EXEMPTION_CHAIN });

/** Major and minor of a ServerVersion such as "28.5.2" or "20.10.24+dfsg1". */
export function versionOf(text: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

export function atLeast(version: string, major: number, minor = 0): boolean {
  const [a, b] = versionOf(version);
  return a > major || (a === major && b >= minor);
}

/** The layout of this engine's firewall, from its facts and whether ip6tables has DOCKER-USER. */
export function firewallLayout(facts: Pick<EngineFacts, 'version' | 'firewallBackend'>, ip6tablesManaged: boolean): FirewallLayout {
  const layout: FirewallLayout = { rawExemptions: atLeast(facts.version, 28, 0), ipv6: ip6tablesManaged };
  if (facts.firewallBackend.startsWith('nftables')) {
    layout.refusal =
      `this engine (Docker ${facts.version}) uses the nftables firewall backend, which has no DOCKER-USER chain and whose drops another table cannot undo; ` +
      'routes need the iptables backend: remove "firewall-backend": "nftables" from the daemon configuration, or join the networks by attaching a container to both';
  }
  return layout;
}

/** The places docknet's rules can live on this engine (what observe reads). */
export function rulePlaces(layout: Pick<FirewallLayout, 'rawExemptions' | 'ipv6'>): RulePlace[] {
  const families: Family[] = layout.ipv6 ? ['ipv4', 'ipv6'] : ['ipv4'];
  return families.flatMap((f) => (layout.rawExemptions ? [forwardPlace(f), exemptionPlace(f)] : [forwardPlace(f)]));
}

/** One end of a route as the host has it: the bridge interface and its subnets. */
export interface RouteEnd {
  bridge: string;
  ipv4?: string;
  ipv6?: string;
}

function match(rule: RouteRule, family: Family): string {
  if (!rule.protocol) return '';
  if (rule.protocol === 'icmp') return family === 'ipv4' ? ' -p icmp' : ' -p ipv6-icmp';
  const port = rule.port ? ` -m ${rule.protocol} --dport ${rule.port.replace('-', ':')}` : '';
  return ` -p ${rule.protocol}${port}`;
}

/** A subnet as iptables prints it (IPv6 compressed); a plan's placeholder for one not made yet stays as it is. */
function printed(subnet: string): string {
  const [address, prefix] = subnet.split('/');
  return addressFamily(address) ? `${canonicalAddress(address)}/${prefix}` : subnet;
}

/** The families a route carries on this engine: IPv4 always, IPv6 when both ends and the engine have it. */
export function routeFamilies(from: RouteEnd, to: RouteEnd, layout: FirewallLayout): Family[] {
  return from.ipv6 && to.ipv6 && layout.ipv6 ? ['ipv4', 'ipv6'] : ['ipv4'];
}

/** Every rule the route needs on this engine, in the order they are meant to stand in their chains. */
export function routeRules(stack: string, route: RouteSpec, from: RouteEnd, to: RouteEnd, layout: FirewallLayout): Rule[] {
  const comment = ` -m comment --comment "${ownerTag(stack, route.id)}" -j ACCEPT`;
  const rules: Rule[] = [];
  for (const family of routeFamilies(from, to, layout)) {
    const forward = forwardPlace(family);
    const pass = (i: string, o: string) => (route.allow.length === 0 ? [{}] : route.allow).map((r) => ({ ...forward, spec: `-i ${i} -o ${o}${match(r, family)}${comment}` }));
    const replies = (i: string, o: string) => ({ ...forward, spec: `-i ${i} -o ${o} -m conntrack --ctstate RELATED,ESTABLISHED${comment}` });
    rules.push(...pass(from.bridge, to.bridge));
    if (route.bidirectional) rules.push(...pass(to.bridge, from.bridge));
    if (route.allow.length > 0 || !route.bidirectional) {
      rules.push(replies(to.bridge, from.bridge));
      if (route.bidirectional) rules.push(replies(from.bridge, to.bridge));
    }
    if (layout.rawExemptions) {
      // Both directions, also for a one-way route: replies to an unmasqueraded source meet the raw drop too.
      const exempt = (i: string, subnet: string | undefined): Rule[] => (subnet ? [{ ...exemptionPlace(family), spec: `-d ${printed(subnet)} -i ${i}${comment}` }] : []);
      rules.push(...exempt(from.bridge, to[family]), ...exempt(to.bridge, from[family]));
    }
  }
  return rules;
}

/**
 * A rule of a route whose network was recreated, moved to it: its old bridge and subnets replaced by
 * the new ones, word for word (a route outside the plan's spec is known only by its rules).
 */
export function followRule(rule: OwnedRule, before: RouteEnd, after: RouteEnd): OwnedRule {
  const moves = new Map<string, string>([[before.bridge, after.bridge]]);
  for (const family of ['ipv4', 'ipv6'] as const) {
    const from = before[family];
    const to = after[family];
    if (from && to) moves.set(printed(from), printed(to));
  }
  return { ...rule, spec: rule.spec.split(' ').map((word) => moves.get(word) ?? word).join(' ') };
}

/** Notes a plan shows about a route on this engine: what it will not do, rather than pretend. */
export function routeNotes(route: RouteSpec, bothIpv6: boolean, layout: FirewallLayout, facts: Pick<EngineFacts, 'version'>): string[] {
  if (bothIpv6 && !layout.ipv6) {
    return [
      `route ${route.id}: both networks have IPv6, but this engine (Docker ${facts.version}) does not manage ip6tables, so docknet writes IPv4 rules only and IPv6 forwarding between them is whatever the host's ip6tables allows ` +
        '(Docker 27+ manages ip6tables by default; on older engines set "ip6tables": true and "experimental": true in daemon.json)',
    ];
  }
  return [];
}

/** A rule for a person: where it lives and what it matches, without docknet's comment. */
export function describeRule(rule: Rule): string {
  return `${placeName(rule)}: ${rule.spec.replace(/ -m comment --comment "[^"]*"/, '')}`;
}

/** A rule as `iptables -S` prints it, behind the command and table that hold it. */
export function ruleCommand(rule: Rule): string {
  return `${rule.family === 'ipv4' ? 'iptables' : 'ip6tables'} -t ${rule.table} -A ${rule.chain} ${rule.spec}`;
}

export function describeRoute(route: RouteSpec): string {
  const arrow = route.bidirectional ? '⇄' : '→';
  const filter = route.allow.length === 0 ? 'all traffic' : route.allow.map((r) => (r.port ? `${r.protocol}/${r.port}` : r.protocol)).join(', ');
  return `${route.from} ${arrow} ${route.to} (${filter})`;
}
