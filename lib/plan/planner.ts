// The planner: desired stacks + observed host → ordered, explained actions. Pure: it reads nothing
// itself, so every decision can be tested without an engine. Conflicts with what docknet does not own
// are errors against the spec (file and path), raised before anything changes.
import { blockContains, blocksOverlap, parseBlock, sameAddress, type Block } from '../model/address';
import { parseOwnerTag } from '../model/owner-tag';
import type { ContainerSpec, EndpointSpec, NetworkSpec, RouteSpec, Stack } from '../model/types';
import { emptyStack, routeEnds } from '../model/normalize';
import { IssueList } from '../spec/errors';
import { ruleKey, type OwnedRule } from '../drivers/firewall';
import type { ShimLink } from '../drivers/links';
import type { Action, ContainerAction, EndpointAction, NetworkAction, Plan, PlanNote, RouteAction, ShimAction } from './actions';
import { hashOf, LABEL, networkDefinition, primaryEndpoint, shimRequest } from './desired';
import { containerDifferences, networkDifferences, sameBlock, shimDifferences } from './differences';
import { routeEndOf, subnetBlocks, type ObservedContainer, type ObservedHost, type ObservedNetwork } from './observe';
import { ManagerConflict, managerProblem, ownedBy, ownedShims, ownershipProblem } from './ownership';
import { describeRoute, describeRule, followRule, routeNotes, routeRules, type RouteEnd } from './route-rules';

/**
 * Which objects of a stack that are not in the desired state get removed: all of them (a whole stack
 * is being converged), or only the named ones (a front-end manages one resource at a time).
 */
export type PruneScope = 'all' | { networks?: string[]; services?: string[]; routes?: string[] };

export interface PlanOptions {
  prune?: PruneScope;
  /** The manager planning (cli, terraform, pulumi, watch:<id>); default cli. */
  manager?: string;
  /** Change a stack another manager owns, and become its manager. */
  takeOver?: boolean;
}

function inScope(scope: PruneScope, kind: 'networks' | 'services' | 'routes', name: string): boolean {
  return scope === 'all' || (scope[kind] ?? []).includes(name);
}

/**
 * Scaling keeps the containers that run: a service going from one container (svc) to several keeps svc
 * as its first replica instead of svc-1, and one going back to one keeps svc-1 — no rename, no restart.
 */
function keepReplicaNames(stack: Stack, host: ObservedHost): Stack {
  const ours = (name: string, service: string) => {
    const c = host.containers.get(name);
    return c !== undefined && ownedBy(c.labels) === stack.name && c.labels[LABEL.service] === service;
  };
  const containers = stack.containers.map((c) => {
    if (host.containers.has(c.name)) return c;
    const alternative = c.name === c.service ? `${c.service}-1` : c.name === `${c.service}-1` ? c.service : undefined;
    return alternative !== undefined && ours(alternative, c.service) ? { ...c, name: alternative } : c;
  });
  return { ...stack, containers };
}

class StackPlanner {
  readonly actions: Action[] = [];
  readonly notes: string[] = [];
  /** Networks of this stack that are created or recreated: their endpoints and routes follow them. */
  private readonly renewed = new Map<string, string>();
  private readonly stack: Stack;

  constructor(
    stack: Stack,
    private readonly host: ObservedHost,
    private readonly issues: IssueList,
    private readonly prune: PruneScope,
    /** Networks the stacks planned together declare: an external one among them is made by this plan. */
    private readonly declared: ReadonlySet<string>,
  ) {
    this.stack = keepReplicaNames(stack, host);
  }

  private add(action: Omit<NetworkAction, 'stack'> | Omit<ContainerAction, 'stack'> | Omit<EndpointAction, 'stack'> | Omit<RouteAction, 'stack'> | Omit<ShimAction, 'stack'>): void {
    this.actions.push({ ...action, stack: this.stack.name } as Action);
  }

  private owned<T extends { labels: Record<string, string> }>(items: Iterable<T>): T[] {
    return [...items].filter((i) => ownedBy(i.labels) === this.stack.name);
  }

  planNetworks(): void {
    // External networks are used, never made, changed or removed — even one this stack made earlier.
    const wanted = new Set([...this.stack.networks, ...this.stack.externals].map((n) => n.name));
    for (const ext of this.stack.externals) {
      if (this.host.networks.has(ext.name) || this.declared.has(ext.name)) continue;
      // A swarm node lists a swarm's attachable overlay network only once a container of its own uses it.
      const role = this.host.engine.swarm;
      if (role) this.notes.push(`external network ${ext.name} is not on this engine yet: as a swarm ${role} it gets a swarm network when a container attaches to it (Docker refuses the container if the swarm has no network ${ext.name})`);
      else this.issues.add(ext.source, ['external'], `network ${ext.name} is external (made elsewhere) but does not exist on the engine: make it first (docker compose up, docker network create, another stack, a swarm manager), or drop external: true to let docknet make it`);
    }
    for (const seen of this.owned(this.host.networks.values())) {
      if (!wanted.has(seen.name) && inScope(this.prune, 'networks', seen.name)) this.add({ kind: 'network', op: 'remove', name: seen.name, observedId: seen.id, reasons: [`network ${seen.name} is no longer in the spec`] });
    }
    for (const n of this.stack.networks) {
      const seen = this.host.networks.get(n.name);
      if (!seen) {
        this.add({ kind: 'network', op: 'create', name: n.name, desired: n, reasons: [`network ${n.name} does not exist`] });
        this.renewed.set(n.name, 'is new');
        continue;
      }
      const problem = ownershipProblem('network', n.name, seen.labels, this.stack.name);
      if (problem) {
        this.issues.add(n.source, [], problem);
        continue;
      }
      const diffs = networkDifferences(n, seen.info);
      const hash = hashOf(networkDefinition(n));
      if (diffs.length === 0 && seen.labels[LABEL.hash] !== hash) diffs.push(`definition hash ${seen.labels[LABEL.hash] ?? '(none)'} → ${hash}`);
      if (diffs.length > 0) {
        this.add({ kind: 'network', op: 'replace', name: n.name, desired: n, observedId: seen.id, reasons: diffs.map((d) => `${d} cannot change in place`) });
        this.renewed.set(n.name, 'is recreated');
      }
    }
  }

  /**
   * What depends on a recreated network but is not in this plan's spec (a front-end converging one
   * resource): the stack's own containers attached to it are taken off and put back as they were, and
   * its routes that use it move to the new bridge — in the same apply, so nothing stays broken.
   */
  planFollowers(): void {
    const recreated = this.actions.filter((a): a is NetworkAction => a.kind === 'network' && a.op === 'replace').map((a) => a.name);
    if (recreated.length === 0) return;
    const declared = new Set(this.stack.containers.map((c) => c.name));
    for (const c of this.owned(this.host.containers.values())) {
      if (declared.has(c.name) || inScope(this.prune, 'services', c.labels[LABEL.service] ?? c.name)) continue;
      for (const network of recreated.filter((n) => c.endpoints.has(n))) {
        const link = { name: `${c.name} → ${network}`, container: c.name, network };
        const reasons = [`network ${network} is recreated: ${c.name} is reconnected to it as it was`];
        this.add({ kind: 'endpoint', op: 'disconnect', ...link, reasons });
        this.add({ kind: 'endpoint', op: 'connect', ...link, restore: true, reasons });
      }
    }
    const declaredRoutes = new Set(this.stack.routes.map((r) => r.id));
    const rules = (this.host.rules ?? []).filter((r) => r.stack === this.stack.name && !declaredRoutes.has(r.route) && !inScope(this.prune, 'routes', r.route));
    for (const id of new Set(rules.map((r) => r.route))) {
      const network = recreated.find((n) => routeEnds(id).includes(n));
      const before = network === undefined ? undefined : this.host.networks.get(network);
      const end = before && routeEndOf(before);
      if (!network || !end) continue;
      const existing = rules.filter((r) => r.route === id);
      const moved = existing.map((r) => followRule(r, end, this.plannedEnd(network)));
      this.add({ kind: 'route', op: 'replace', name: id, existing, follows: network, rules: moved, reasons: [`network ${network} is recreated: route ${id} moves to its new bridge`] });
    }
  }

  /**
   * Containers docknet does not own, connected in place to the stack's networks: by name, or every one
   * whose labels match (a new container matching is drift). What docknet connected is recorded; a
   * record whose endpoint left the spec is disconnected, one whose container is gone is dropped.
   */
  planForeignEndpoints(): void {
    const foreign = [...this.host.containers.values()].filter((c) => c.labels[LABEL.managed] !== 'true');
    const records = this.host.endpointRecords.filter((r) => r.stack === this.stack.name);
    const wanted = new Set<string>();
    for (const e of this.stack.endpoints) {
      const matches = e.container !== undefined ? foreign.filter((c) => c.name === e.container) : foreign.filter((c) => Object.entries(e.selector!).every(([k, v]) => c.labels[k] === v));
      if (e.container !== undefined && matches.length === 0) {
        const ours = this.host.containers.get(e.container);
        this.issues.add(e.source, ['container'], ours ? `${e.container} is a container docknet made (stack ${ownedBy(ours.labels)}): attach it in its own stack's spec` : `no container named ${e.container} on the engine`);
        continue;
      }
      for (const c of matches) {
        wanted.add(`${c.id}@${e.network}`);
        const link = { name: `${c.name} → ${e.network}`, container: c.name, network: e.network };
        const attached = c.endpoints.get(e.network);
        const renewed = this.renewed.get(e.network);
        const record = records.find((r) => r.container === c.id && r.network === e.network)?.volume;
        let reasons: string[];
        if (renewed) reasons = [`network ${e.network} ${renewed}`];
        else if (!attached) reasons = [`${c.name} (not docknet's) is not attached to ${e.network}`];
        else reasons = this.endpointDifferences({ network: e.network, aliases: e.aliases, ipv4: e.ipv4, ipv6: e.ipv6 }, attached, c).map((d) => `${d}: reconnect to change`);
        if (reasons.length === 0) continue;
        if (attached && this.host.networks.has(e.network)) this.add({ kind: 'endpoint', op: 'disconnect', ...link, foreign: { containerId: c.id, record }, reasons });
        this.add({ kind: 'endpoint', op: 'connect', ...link, endpoint: { network: e.network, aliases: e.aliases, ipv4: e.ipv4, ipv6: e.ipv6 }, foreign: { containerId: c.id }, reasons });
      }
    }
    for (const r of records) {
      if (wanted.has(`${r.container}@${r.network}`)) continue;
      const c = [...this.host.containers.values()].find((x) => x.id === r.container);
      const reasons = [c ? `${c.name} → ${r.network} is no longer in the spec` : `container ${r.containerName} is gone`];
      this.add({ kind: 'endpoint', op: 'disconnect', name: `${c?.name ?? r.containerName} → ${r.network}`, container: c?.name ?? r.containerName, network: r.network, foreign: { containerId: r.container, record: r.volume }, reasons });
    }
  }

  private endpointDifferences(e: EndpointSpec, seen: NonNullable<ReturnType<ObservedContainer['endpoints']['get']>>, c: ObservedContainer): string[] {
    const out: string[] = [];
    if (e.ipv4 !== undefined && !sameAddress(seen.staticIpv4, e.ipv4)) out.push(`ipv4 ${seen.staticIpv4 ?? seen.ipv4 ?? '(dynamic)'} → ${e.ipv4}`);
    if (e.ipv6 !== undefined && !sameAddress(seen.staticIpv6, e.ipv6)) out.push(`ipv6 ${seen.staticIpv6 ?? seen.ipv6 ?? '(dynamic)'} → ${e.ipv6}`);
    const aliases = c.detail?.aliases.get(e.network);
    // Docker answers for a container's own name anyway (and does not list it): it is no alias to add.
    const wanted = [...new Set(e.aliases)].filter((a) => a !== c.name).sort();
    if (aliases && aliases.join(',') !== wanted.join(',')) out.push(`aliases [${aliases.join(', ')}] → [${wanted.join(', ')}]`);
    return out;
  }

  private planEndpoints(c: ContainerSpec, seen: ObservedContainer): void {
    if (c.networkMode) return;
    const desired: EndpointSpec[] = c.endpoints.length > 0 ? c.endpoints : [{ network: 'bridge', aliases: [] }];
    const wanted = new Set(desired.map((e) => e.network));
    const link = (network: string) => ({
      name: `${c.name} → ${network}`,
      container: c.name,
      network,
      ...(wanted.has(network) && c.endpoints.length > 0 ? { source: { ...c.source, path: [...c.source.path, 'networks', network] } } : {}),
    });
    for (const network of seen.endpoints.keys()) {
      if (!wanted.has(network)) this.add({ kind: 'endpoint', op: 'disconnect', ...link(network), reasons: [`${c.name} is attached to ${network}, which the spec does not list`] });
    }
    for (const e of desired) {
      const attached = seen.endpoints.get(e.network);
      const renewed = this.renewed.get(e.network);
      let reasons: string[];
      if (renewed) reasons = [`network ${e.network} ${renewed}`];
      else if (!attached) reasons = [`${c.name} is not attached to ${e.network}`];
      else reasons = this.endpointDifferences(e, attached, seen).map((d) => `${d}: reconnect to change`);
      if (reasons.length === 0) continue;
      if (attached && this.host.networks.has(e.network)) this.add({ kind: 'endpoint', op: 'disconnect', ...link(e.network), reasons });
      this.add({ kind: 'endpoint', op: 'connect', ...link(e.network), endpoint: e, reasons });
    }
  }

  planContainers(): void {
    const wanted = new Set(this.stack.containers.map((c) => c.name));
    for (const seen of this.owned(this.host.containers.values())) {
      if (wanted.has(seen.name) || !inScope(this.prune, 'services', seen.labels[LABEL.service] ?? seen.name)) continue;
      const reason = seen.labels[LABEL.probe] ? `container ${seen.name} was left behind by an interrupted docknet probe` : `container ${seen.name} is no longer in the spec`;
      this.add({ kind: 'container', op: 'remove', name: seen.name, observedId: seen.id, reasons: [reason] });
    }
    for (const c of this.stack.containers) {
      const seen = this.host.containers.get(c.name);
      if (!seen) {
        this.add({ kind: 'container', op: 'create', name: c.name, desired: c, reasons: [`container ${c.name} does not exist`] });
        continue;
      }
      const problem = ownershipProblem('container', c.name, seen.labels, this.stack.name);
      if (problem) {
        this.issues.add(c.source, [], problem);
        continue;
      }
      const diffs = containerDifferences(c, seen.labels);
      const primary = primaryEndpoint(c);
      const mac = primary?.mac && seen.endpoints.get(primary.network)?.mac;
      if (primary?.mac && mac && mac !== primary.mac) diffs.push(`mac ${mac} → ${primary.mac}`);
      if (primary?.mac && this.renewed.has(primary.network)) diffs.push(`network ${primary.network} ${this.renewed.get(primary.network)} and mac`);
      if (diffs.length > 0) {
        this.add({ kind: 'container', op: 'replace', name: c.name, desired: c, observedId: seen.id, reasons: diffs.map((d) => `${d} cannot change in place`) });
        continue;
      }
      if (seen.detail && seen.detail.restart !== c.restart) {
        this.add({ kind: 'container', op: 'update', name: c.name, desired: c, observedId: seen.id, reasons: [`restart ${seen.detail.restart} → ${c.restart}`] });
      }
      this.planEndpoints(c, seen);
      if (seen.state !== 'running') this.add({ kind: 'container', op: 'start', name: c.name, desired: c, observedId: seen.id, reasons: [`container ${c.name} is ${seen.state}`] });
    }
  }

  /**
   * The stack's host shims: made when missing, made again when they differ from the spec (or when their
   * network is recreated on a VLAN sub-interface, which Docker may remove and make again, taking the
   * shim along), removed with their network or when the spec drops them.
   */
  planShims(): void {
    const links = this.host.links;
    const wanted = new Map<string, ShimLink>();
    for (const n of this.stack.networks) {
      const shim = shimRequest(this.stack.name, n);
      if (shim) wanted.set(n.name, shim);
    }
    const owned = ownedShims(links, this.stack.name);
    const leaving = new Set<string>();
    for (const { link, network } of owned) {
      if (wanted.get(network)?.name === link.name || !inScope(this.prune, 'networks', network)) continue;
      leaving.add(link.name);
      this.add({ kind: 'shim', op: 'remove', name: link.name, network, reasons: [`host shim ${link.name} of network ${network} is no longer in the spec`] });
    }
    for (const n of this.stack.networks) {
      const want = wanted.get(n.name);
      if (!want) continue;
      const at = [n.driver, 'hostShim'];
      if (!links?.detailed) {
        this.issues.add(n.source, at, links ? "the engine's host has no `ip` that reads links as JSON (iproute2 4.14 or later): a host shim cannot be checked there" : "the links of the engine's host cannot be read: a host shim needs `ip` there (a remote engine over ssh, or a tcp engine with --firewall-helper)");
        continue;
      }
      const seen = links.byName.get(want.name);
      const owner = parseOwnerTag(seen?.alias);
      if (seen && !leaving.has(want.name) && seen.alias !== want.alias) {
        const whose = owner ? `belongs to network ${owner.id} of docknet stack "${owner.stack}"` : `docknet does not own it (its alias is not ${want.alias})`;
        this.issues.add(n.source, [...at, 'name'], `interface ${want.name} already exists on this host and ${whose}`);
        continue;
      }
      const routedElsewhere = (links.routes ?? []).find((r) => sameBlock(r.dst, want.route) && r.dev !== want.name && !owned.some((o) => o.link.name === r.dev));
      if (routedElsewhere) this.issues.add(n.source, at, `the host already routes ${want.route} through ${routedElsewhere.dev}, so the shim's route would not be used: give the network an ipv4.ipRange (the shim then routes only that)`);
      this.noteUnrouted(n, want);
      const shim = { kind: 'shim' as const, name: want.name, network: n.name, desired: want, source: { ...n.source, path: [...n.source.path, ...at] } };
      if (!seen || leaving.has(want.name)) {
        this.add({ ...shim, op: 'create', reasons: [`host shim ${want.name} of network ${n.name} does not exist`] });
        continue;
      }
      const reasons = shimDifferences(want, seen, links.routes).map((d) => `${d}: the shim is made again`);
      const renewed = this.renewed.get(n.name);
      if (renewed && n.vlan !== undefined) reasons.push(`network ${n.name} ${renewed}: Docker may remove and make again ${n.parent}, and the shim on it with it`);
      if (reasons.length > 0) this.add({ ...shim, op: 'replace', reasons });
    }
  }

  /** Containers the shim does not reach: static addresses outside the prefix it routes. */
  private noteUnrouted(n: NetworkSpec, shim: ShimLink): void {
    const route = parseBlock(shim.route);
    for (const c of this.stack.containers) {
      const address = c.endpoints.find((e) => e.network === n.name)?.ipv4;
      if (route && address && !blockContains(route, address)) this.notes.push(`host shim ${shim.name} routes ${shim.route}: container ${c.name} (${address}) is outside it, so the host does not reach it through the shim`);
    }
  }

  /** A route end as the host has it now; undefined when the network is (re)created by this plan. */
  private endOf(network: string): RouteEnd | undefined {
    const seen = this.host.networks.get(network);
    return this.renewed.has(network) || !seen ? undefined : routeEndOf(seen);
  }

  /** A route end as this plan will make it: what Docker picks at creation stands as a placeholder. */
  private plannedEnd(network: string): RouteEnd {
    const n = this.stack.networks.find((x) => x.name === network);
    return {
      bridge: n?.bridgeName ?? `<bridge of ${network}>`,
      ipv4: n?.ipv4?.subnet ?? `<subnet of ${network}>`,
      ...(n?.ipv6 ? { ipv6: n.ipv6.subnet ?? `<IPv6 subnet of ${network}>` } : {}),
    };
  }

  /** Whether a network has IPv6, from the spec when it declares the network, else from the host. */
  private hasIpv6(network: string): boolean {
    const declared = this.stack.networks.find((n) => n.name === network);
    return declared ? declared.ipv6 !== undefined : this.host.networks.get(network)?.subnets.ipv6 !== undefined;
  }

  planRoutes(): void {
    const existing = new Map<string, OwnedRule[]>();
    for (const rule of this.host.rules ?? []) {
      if (rule.stack !== this.stack.name) continue;
      existing.set(rule.route, [...(existing.get(rule.route) ?? []), rule]);
    }
    const wanted = new Set(this.stack.routes.map((r) => r.id));
    for (const [id, rules] of existing) {
      if (!wanted.has(id) && inScope(this.prune, 'routes', id)) this.add({ kind: 'route', op: 'remove', name: id, existing: rules, reasons: [`route ${id} is no longer in the spec`] });
    }
    const problem = this.host.firewallProblem;
    if (problem?.unreadable && this.stack.routes.length === 0) this.notes.push(`${problem.message}; rules of routes no longer in the spec, if any, are not seen`);
    for (const route of this.stack.routes) {
      if (!this.routeEndsExist(route)) continue;
      if (this.host.layout.refusal || problem) {
        this.issues.add(route.source, [], this.host.layout.refusal ?? problem!.message);
        continue;
      }
      this.notes.push(...routeNotes(route, this.hasIpv6(route.from) && this.hasIpv6(route.to), this.host.layout, this.host.engine));
      const current = existing.get(route.id) ?? [];
      const reason = this.routeChange(route, current);
      if (!reason) continue;
      const [from, to] = [route.from, route.to].map((n) => this.endOf(n) ?? this.plannedEnd(n));
      const rules = routeRules(this.stack.name, route, from, to, this.host.layout);
      this.add({ kind: 'route', op: current.length > 0 ? 'replace' : 'create', name: route.id, desired: route, existing: current, rules, reasons: [reason] });
    }
  }

  /** Ends declared outside this stack (a front-end's single resource) must be bridges on the host. */
  private routeEndsExist(route: RouteSpec): boolean {
    let ok = true;
    for (const end of [route.from, route.to]) {
      if (this.stack.networks.some((n) => n.name === end)) continue;
      const seen = this.host.networks.get(end);
      const key = route.bidirectional ? 'between' : end === route.from ? 'from' : 'to';
      if (!seen) this.issues.add(route.source, [key], `unknown network "${end}": it is neither in the spec nor on the host`);
      else if (seen.info.Driver !== 'bridge') this.issues.add(route.source, [key], `network "${end}" has driver ${seen.info.Driver}; routes join bridge networks only`);
      ok &&= seen?.info.Driver === 'bridge';
    }
    return ok;
  }

  private routeChange(route: RouteSpec, current: OwnedRule[]): string | undefined {
    const renewed = [route.from, route.to].find((n) => this.renewed.has(n));
    if (renewed) return `${describeRoute(route)}: network ${renewed} ${this.renewed.get(renewed)}`;
    const from = this.endOf(route.from);
    const to = this.endOf(route.to);
    if (!from || !to) return `${describeRoute(route)}: a bridge interface is unknown`;
    if (current.length === 0) return `${describeRoute(route)}: no rules on the host`;
    const desired = routeRules(this.stack.name, route, from, to, this.host.layout);
    const have = new Set(current.map(ruleKey));
    const want = new Set(desired.map(ruleKey));
    const missing = desired.filter((r) => !have.has(ruleKey(r))).map((r) => `missing ${describeRule(r)}`);
    const extra = current.filter((r) => !want.has(ruleKey(r))).map((r) => `not wanted ${describeRule(r)}`);
    return missing.length + extra.length === 0 ? undefined : `${describeRoute(route)}: ${[...missing, ...extra].join('; ')}`;
  }
}

/**
 * A macvlan/ipvlan network's parent on the host: the link must exist; a VLAN sub-interface that exists
 * already must be that VLAN on that link (Docker would use any link of that name as it is); and no
 * other network may hang off it (Docker refuses a second network of the same driver on a parent, the
 * kernel one of the other driver).
 */
function segmentConflicts(n: NetworkSpec, parent: string, survivors: ObservedNetwork[], host: ObservedHost, issues: IssueList): void {
  const at = [n.driver, n.vlan === undefined ? 'parent' : 'vlan'];
  const holder = survivors.find((o) => (o.info.Driver === 'macvlan' || o.info.Driver === 'ipvlan') && o.info.Options?.parent === parent && o.name !== n.name);
  if (holder) issues.add(n.source, at, `parent interface ${parent} is already used by ${holder.info.Driver} network ${holder.name}: one macvlan or ipvlan network per parent interface`);
  const links = host.links;
  if (!links) return;
  const base = n.vlan === undefined ? parent : parent.slice(0, parent.lastIndexOf('.'));
  if (!links.byName.has(base)) issues.add(n.source, [n.driver, 'parent'], `interface ${base} does not exist on this host`);
  const sub = n.vlan === undefined ? undefined : links.byName.get(parent);
  if (!sub || !links.detailed) return;
  if (sub.kind !== 'vlan') issues.add(n.source, at, `interface ${parent} already exists on this host and is not an 802.1Q sub-interface (it is ${sub.kind ? `a ${sub.kind} link` : 'a plain device'}): Docker would put the segment on it as it is`);
  else if (sub.vlanId !== n.vlan || sub.parent !== base) issues.add(n.source, at, `interface ${parent} already exists on this host as VLAN ${sub.vlanId} on ${sub.parent}, not VLAN ${n.vlan} on ${base}: Docker would put the segment on it as it is`);
}

/** Checks against what is on the host but not owned by the planned stacks: subnets, ports, parents. */
function hostConflicts(stacks: Stack[], host: ObservedHost, actions: Action[], issues: IssueList): void {
  const planned = new Set(stacks.map((s) => s.name));
  const goingAway = new Set(actions.filter((a) => a.kind === 'network' && a.op !== 'create').map((a) => a.name));
  const survivors: ObservedNetwork[] = [...host.networks.values()].filter((n) => {
    const owner = ownedBy(n.labels);
    return !(owner !== undefined && planned.has(owner) && (goingAway.has(n.name) || stacks.some((s) => s.networks.some((d) => d.name === n.name))));
  });
  // Each network on the host is read once, not once per network of the spec.
  const held = survivors.flatMap((other) => subnetBlocks(other.info).map((block) => ({ other, block })));
  for (const n of stacks.flatMap((s) => s.networks)) {
    for (const family of ['ipv4', 'ipv6'] as const) {
      const block = n[family]?.subnet ? parseBlock(n[family]!.subnet!) : undefined;
      if (!block) continue;
      // The first subnet of each network that overlaps, as one message per network.
      const clashes = new Map<ObservedNetwork, Block>();
      for (const h of held) if (!clashes.has(h.other) && blocksOverlap(h.block, block)) clashes.set(h.other, h.block);
      for (const [other, clash] of clashes) issues.add(n.source, [family, 'subnet'], `${block.text} overlaps ${clash.text} of network ${other.name} already on the host`);
    }
    if (n.parent !== undefined) segmentConflicts(n, n.parent, survivors, host, issues);
  }
  for (const a of actions) {
    if (a.kind !== 'network' || a.op === 'create') continue;
    const stack = stacks.find((s) => s.name === a.stack)!;
    const source = a.desired?.source ?? { file: stack.files.join(', ') || `stack ${stack.name}`, path: ['networks', a.name] };
    // Containers this plan takes off the network first (the stack's foreign endpoints) are no obstacle.
    const leaving = new Set(actions.filter((x): x is EndpointAction => x.kind === 'endpoint' && x.op === 'disconnect' && x.network === a.name && x.stack === a.stack).map((x) => x.container));
    for (const c of host.containers.values()) {
      if (c.endpoints.has(a.name) && ownedBy(c.labels) !== a.stack && !leaving.has(c.name)) {
        issues.add(source, [], `network ${a.name} must be ${a.op === 'remove' ? 'removed' : 'recreated'} but container ${c.name}, which this stack does not own, is attached to it; disconnect it first`);
      }
    }
  }
  const ours = new Set(stacks.flatMap((s) => s.containers.map((c) => c.name)));
  const others = [...host.containers.values()].filter((c) => !ours.has(c.name) && !planned.has(ownedBy(c.labels) ?? ''));
  for (const c of stacks.flatMap((s) => s.containers)) {
    c.publish.forEach((p, i) => {
      if (!/^\d+$/.test(p.hostPort)) return;
      const port = Number(p.hostPort);
      const holder = others.find((o) => o.ports.some((q) => q.port === port && q.protocol === p.protocol && (p.hostIp === '' || q.ip === '' || q.ip === '0.0.0.0' || q.ip === '::' || sameAddress(q.ip, p.hostIp))));
      if (holder) issues.add(c.source, ['publish', i], `host port ${port}/${p.protocol} is already published by container ${holder.name}`);
    });
  }
}

/** Plans the convergence of the given stacks. Throws SpecError on conflicts with the host. */
export function planStacks(stacks: Stack[], host: ObservedHost, options: PlanOptions = {}): Plan {
  const issues = new IssueList();
  const actions: Action[] = [];
  const notes: PlanNote[] = [];
  const declared = new Set(stacks.flatMap((s) => s.networks.map((n) => n.name)));
  for (const stack of stacks) {
    const planner = new StackPlanner(stack, host, issues, options.prune ?? 'all', declared);
    planner.planNetworks();
    planner.planFollowers();
    planner.planContainers();
    planner.planForeignEndpoints();
    planner.planRoutes();
    planner.planShims();
    actions.push(...planner.actions);
    notes.push(...planner.notes.map((message) => ({ stack: stack.name, message })));
  }
  hostConflicts(stacks, host, actions, issues);
  issues.throwIfAny();
  const manager = options.manager ?? 'cli';
  const conflicts: string[] = [];
  for (const stack of stacks) {
    if (!actions.some((a) => a.stack === stack.name)) continue;
    const objects = [...host.networks.values(), ...host.containers.values()];
    const problem = managerProblem(stack, manager, options.takeOver ?? false, host.records, objects);
    if (problem) conflicts.push(problem);
  }
  if (conflicts.length > 0) throw new ManagerConflict(conflicts);
  return { stacks: stacks.map((s) => s.name), actions, notes, observed: host };
}

export { emptyStack };

/**
 * The order in which stacks converged one at a time (the reconciler) find what they use: a stack that
 * declares a network before the stacks that use it as external. Otherwise the given order is kept.
 */
export function dependencyOrder(stacks: Stack[]): Stack[] {
  const owner = new Map(stacks.flatMap((s) => s.networks.map((n) => [n.name, s] as const)));
  const out: Stack[] = [];
  const visit = (stack: Stack, path: Set<Stack>): void => {
    // Placed already, or a cycle (each uses the other's network): the given order decides.
    if (out.includes(stack) || path.has(stack)) return;
    path.add(stack);
    for (const x of stack.externals) {
      const made = owner.get(x.name);
      if (made) visit(made, path);
    }
    out.push(stack);
  };
  for (const stack of stacks) visit(stack, new Set());
  return out;
}
