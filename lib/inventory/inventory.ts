// What docknet owns on an engine, by stack, read from the engine alone (no spec files): the networks
// and containers with its labels, the routes known by their rules' comments, the host shims known by
// their links' aliases (where the engine's host links were read), the manager of each
// stack, and the drift that shows without a spec — stopped containers, leftovers of interrupted
// runs, missing replicas, routes whose rules are incomplete or point at bridges that are gone. What
// needs the spec (changed settings, objects removed by hand) cannot be seen here: `docknet status`.
import { ruleKey, type OwnedRule, type Rule } from '../drivers/firewall';
import { normalizeRoute } from '../model/normalize';
import { routeEndOf, type ObservedContainer, type ObservedHost, type ObservedNetwork } from '../plan/observe';
import { definitionOf, LABEL } from '../plan/desired';
import { ownedBy, ownedShims, stackManager, stackNames } from '../plan/ownership';
import { describeRoute, ruleCommand, routeRules, type EngineFacts } from '../plan/route-rules';
import { routeDocFromRules } from '../spec/from-host';
import { asideName } from '../apply/replace';

export interface NetworkEntry {
  name: string;
  id: string;
  driver: string;
  subnets: ObservedNetwork['subnets'];
  /** The host interface of a bridge. */
  bridge?: string;
}

export interface ContainerEntry {
  name: string;
  id: string;
  service: string;
  image: string;
  /** Docker's state: running, exited, created, paused… */
  state: string;
  /** Address on each network (empty when Docker gave none). */
  networks: Record<string, string>;
  /** The publishes it was made with, as the spec writes them. */
  publish: string[];
}

export interface RouteEntry {
  id: string;
  /** The route read back from its rules: "a ⇄ b (tcp/80)". */
  route: string;
  rules: Rule[];
}

export interface ShimEntry {
  /** The host link's name. */
  name: string;
  /** The network whose segment it joins. */
  network: string;
  /** The link it hangs off. */
  parent?: string;
  /** Its IPv4 addresses, in CIDR form. */
  addresses: string[];
}

export interface StackEntry {
  name: string;
  /** Its manager (cli, terraform, pulumi, watch:<id>), since when, and how that is known. */
  manager?: { manager: string; since: string; how: string };
  /** The file its name came from, when it had no stack: key. */
  origin?: string;
  networks: NetworkEntry[];
  containers: ContainerEntry[];
  routes: RouteEntry[];
  /** Host shims (macvlan links of the engine's host), when its links were read. */
  shims: ShimEntry[];
  /** Differences from what docknet would make, seen without the spec. */
  drift: string[];
}

export interface Inventory {
  engine: EngineFacts;
  stacks: StackEntry[];
  /** Why routes are not listed, when the firewall could not be read. */
  firewallProblem?: string;
}

/** What `ls` cannot know, said wherever its answer is shown. */
export const INVENTORY_LIMITS =
  'ls reads the engine alone: it cannot tell what the spec files say (a changed subnet, image, publish, alias or restart policy), ' +
  'and an object removed by hand leaves no trace here; docknet status SPEC… compares the host with the specs';

function containerEntry(c: ObservedContainer): ContainerEntry {
  const def = (definitionOf(c.labels) ?? {}) as { image?: string; publish?: string[] };
  return {
    name: c.name,
    id: c.id,
    service: c.labels[LABEL.service] ?? c.name,
    image: def.image ?? '',
    state: c.state,
    networks: Object.fromEntries([...c.endpoints].map(([net, e]) => [net, e.ipv4 || e.ipv6])),
    publish: def.publish ?? [],
  };
}

function containerDrift(containers: ObservedContainer[]): string[] {
  const drift: string[] = [];
  for (const c of containers) {
    if (c.labels[LABEL.probe]) drift.push(`container ${c.name} was left behind by an interrupted docknet probe: the next apply removes it`);
    else if (c.name.endsWith(asideName(''))) drift.push(`container ${c.name} was set aside by an interrupted replacement: the next apply removes it`);
    else if (c.state !== 'running') drift.push(`container ${c.name} is ${c.state}: the next apply starts it`);
  }
  // Replicas are service-1 … service-N: a gap below the highest is one removed by hand.
  const services = new Map<string, number[]>();
  for (const c of containers) {
    const service = c.labels[LABEL.service];
    const m = service ? new RegExp(`^${service.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)$`).exec(c.name) : null;
    if (m) services.set(service!, [...(services.get(service!) ?? []), Number(m[1])]);
  }
  for (const [service, numbers] of services) {
    const missing = Array.from({ length: Math.max(...numbers) }, (_, i) => i + 1).filter((n) => !numbers.includes(n));
    if (missing.length > 0) drift.push(`service ${service}: replica ${missing.map((n) => `${service}-${n}`).join(', ')} is missing`);
  }
  return drift;
}

/** A route read back from its rules, and what its rules lack or hold beyond what that route needs. */
function routeEntry(stack: string, id: string, rules: OwnedRule[], host: ObservedHost): { entry: RouteEntry; drift: string[] } {
  const route = normalizeRoute(routeDocFromRules(id, rules), { file: `stack ${stack}`, path: [] })!;
  const entry = { id, route: describeRoute(route), rules: rules.map(({ family, table, chain, spec }) => ({ family, table, chain, spec })) };
  const gone = [route.from, route.to].filter((n) => !host.networks.has(n));
  if (gone.length > 0) return { entry, drift: [`route ${id}: network ${gone.join(' and ')} is gone, its rules remain: docknet destroy --stack ${stack} removes them`] };
  const [from, to] = [route.from, route.to].map((n) => routeEndOf(host.networks.get(n)!));
  if (!from || !to) return { entry, drift: [] };
  if (!rules.some((r) => r.table === 'filter' && !r.spec.includes('--ctstate'))) return { entry, drift: [`route ${id}: no forwarding rule is left, the route carries no traffic`] };
  const wanted = routeRules(stack, route, from, to, host.layout);
  const have = new Set(rules.map(ruleKey));
  const want = new Set(wanted.map(ruleKey));
  const drift = [
    ...wanted.filter((r) => !have.has(ruleKey(r))).map((r) => `route ${id}: rule missing: ${ruleCommand(r)}`),
    ...rules.filter((r) => !want.has(ruleKey(r))).map((r) => `route ${id}: rule not for the networks as they are now (a bridge or subnet that changed?): ${ruleCommand(r)}`),
  ];
  return { entry, drift };
}

/** A host shim whose network is gone, or that is down. */
function shimDrift(stack: string, shims: ReturnType<typeof ownedShims>, host: ObservedHost): string[] {
  return shims.flatMap(({ link, network }) => {
    if (!host.networks.has(network)) return [`host shim ${link.name}: network ${network} is gone, the shim remains: docknet destroy --stack ${stack} removes it`];
    return link.up ? [] : [`host shim ${link.name} is down: the next apply makes it again`];
  });
}

function stackEntry(name: string, host: ObservedHost): StackEntry {
  const mine = <T extends { labels: Record<string, string> }>(items: Iterable<T>) => [...items].filter((o) => ownedBy(o.labels) === name);
  const networks = mine(host.networks.values());
  const containers = mine(host.containers.values());
  const record = host.records.get(name);
  const rules = (host.rules ?? []).filter((r) => r.stack === name);
  const routes = [...new Set(rules.map((r) => r.route))].map((id) => routeEntry(name, id, rules.filter((r) => r.route === id), host));
  const shims = ownedShims(host.links, name);
  const drift = [...containerDrift(containers), ...routes.flatMap((r) => r.drift), ...shimDrift(name, shims, host)];
  if (record && networks.length + containers.length + rules.length + shims.length === 0) drift.push(`only its stack record ${record.volume} is left: docknet destroy --stack ${name} removes it`);
  return {
    name,
    manager: stackManager(name, host.records, [...networks, ...containers]),
    ...(record?.origin ? { origin: record.origin } : {}),
    networks: networks.map((n) => ({ name: n.name, id: n.id, driver: n.info.Driver, subnets: n.subnets, ...(n.bridgeInterface ? { bridge: n.bridgeInterface } : {}) })),
    containers: containers.map(containerEntry),
    routes: routes.map((r) => r.entry),
    shims: shims.map(({ link, network }) => ({ name: link.name, network, ...(link.parent ? { parent: link.parent } : {}), addresses: link.ipv4 })),
    drift,
  };
}

/** The stacks docknet owns on the host, by name. */
export function inventory(host: ObservedHost): Inventory {
  return {
    engine: host.engine,
    stacks: stackNames(host).map((name) => stackEntry(name, host)),
    ...(host.firewallProblem ? { firewallProblem: host.firewallProblem.message } : {}),
  };
}
