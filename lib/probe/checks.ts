// What `docknet probe` proves with real packets, derived from the desired state and the engine's
// layout: for each route every direction it allows (and, with a filter, one allowed and one refused
// port; for a one-way route, that the reverse is refused), for each publish a TCP connection to the
// host port, and for each ICC-off network that two containers on it cannot reach each other.
// Pure: the runner (probe.ts) sends the packets.
import { BRIDGE_OPTION } from '../model/normalize';
import type { Family, RouteSpec, Stack } from '../model/types';
import { describeRoute } from '../plan/route-rules';

/** The ports probe listeners answer on: one a filter lets through, one it must refuse. */
export const OPEN_PORT = 7001;
export const REFUSED_PORT = 7002;

export type Expectation = 'reachable' | 'refused';

interface CheckBase {
  stack: string;
  /** What the check belongs to, as a person names it: "route a ⇄ b (icmp)", "publish …", "network …". */
  subject: string;
  /** The check itself: "a → b icmp (IPv4)". */
  title: string;
  expect: Expectation;
}

/** Traffic from a probe container on one network to a probe container on another (or the same). */
export interface PathCheck extends CheckBase {
  kind: 'route' | 'isolation';
  from: string;
  to: string;
  family: Family;
  protocol: 'icmp' | 'tcp';
  port?: number;
}

/** A TCP connection to a published host port, from the engine's host. */
export interface PublishCheck extends CheckBase {
  kind: 'publish';
  container: string;
  host: string;
  port: number;
}

export type ProbeCheck = PathCheck | PublishCheck;

function portAllowed(route: RouteSpec, port: number): boolean {
  return route.allow.some((r) => {
    if (r.protocol !== 'tcp') return false;
    if (!r.port) return true;
    const [a, b = a] = r.port.split('-').map(Number);
    return port >= a && port <= b;
  });
}

function icmpAllowed(route: RouteSpec): boolean {
  return route.allow.length === 0 || route.allow.some((r) => r.protocol === 'icmp');
}

/** The TCP port a filtered route lets through, if it lets any. */
function allowedTcpPort(route: RouteSpec): number | undefined {
  if (route.allow.length === 0) return OPEN_PORT;
  const tcp = route.allow.find((r) => r.protocol === 'tcp');
  if (!tcp) return undefined;
  return tcp.port ? Number(tcp.port.split('-')[0]) : OPEN_PORT;
}

/** A port the route's filter does not let through (the listener answers on it, so a refusal is the filter's). */
function refusedTcpPort(route: RouteSpec): number | undefined {
  if (route.allow.length === 0) return undefined;
  for (let port = REFUSED_PORT; port < 65535; port++) if (!portAllowed(route, port)) return port;
  return undefined;
}

function routeChecks(stack: string, route: RouteSpec, families: Family[]): PathCheck[] {
  const subject = `route ${describeRoute(route)}`;
  const checks: PathCheck[] = [];
  const path = (from: string, to: string, family: Family, protocol: 'icmp' | 'tcp', expect: Expectation, port?: number): PathCheck => ({
    kind: 'route',
    stack,
    subject,
    title: `${from} → ${to} ${protocol}${port ? `/${port}` : ''} (${family === 'ipv4' ? 'IPv4' : 'IPv6'})`,
    from,
    to,
    family,
    protocol,
    expect,
    ...(port ? { port } : {}),
  });
  const directions: [string, string, boolean][] = [[route.from, route.to, true], [route.to, route.from, route.bidirectional]];
  for (const family of families) {
    for (const [from, to, allowed] of directions) {
      checks.push(path(from, to, family, 'icmp', allowed && icmpAllowed(route) ? 'reachable' : 'refused'));
      const open = allowedTcpPort(route);
      if (open !== undefined) checks.push(path(from, to, family, 'tcp', allowed ? 'reachable' : 'refused', open));
      const refused = refusedTcpPort(route);
      if (refused !== undefined && allowed) checks.push(path(from, to, family, 'tcp', 'refused', refused));
    }
  }
  return checks;
}

/** The host address a publish is reached on from the engine's host. */
function publishTarget(hostIp: string): string {
  if (hostIp === '' || hostIp === '0.0.0.0') return '127.0.0.1';
  if (hostIp === '::') return '::1';
  return hostIp;
}

export interface ProbeTopology {
  /** Whether both networks of a route carry IPv6 on this engine (so it is probed over IPv6 too). */
  routeFamilies(route: RouteSpec): Family[];
}

/** Every check the stacks call for. */
export function probeChecks(stacks: Stack[], topology: ProbeTopology): ProbeCheck[] {
  const checks: ProbeCheck[] = [];
  for (const stack of stacks) {
    for (const route of stack.routes) checks.push(...routeChecks(stack.name, route, topology.routeFamilies(route)));
    for (const c of stack.containers) {
      for (const p of c.publish) {
        if (p.protocol !== 'tcp' || !/^\d+$/.test(p.hostPort)) continue;
        const host = publishTarget(p.hostIp);
        checks.push({ kind: 'publish', stack: stack.name, subject: `publish ${c.name} ${p.hostIp ? `${p.hostIp}:` : ''}${p.hostPort}→${p.containerPort}`, title: `TCP to ${host.includes(':') ? `[${host}]` : host}:${p.hostPort}`, container: c.name, host, port: Number(p.hostPort), expect: 'reachable' });
      }
    }
    for (const n of stack.networks) {
      if (n.driver !== 'bridge' || n.options[BRIDGE_OPTION.icc] !== 'false') continue;
      checks.push({ kind: 'isolation', stack: stack.name, subject: `network ${n.name} (icc off)`, title: `${n.name} → ${n.name} icmp between two containers (IPv4)`, from: n.name, to: n.name, family: 'ipv4', protocol: 'icmp', expect: 'refused' });
    }
  }
  return checks;
}

/** The TCP ports a probe listener on a network must answer on. */
export function listenPorts(checks: ProbeCheck[], network: string): number[] {
  const ports = new Set<number>();
  for (const c of checks) if (c.kind !== 'publish' && c.to === network && c.port !== undefined) ports.add(c.port);
  return [...ports].sort((a, b) => a - b);
}
