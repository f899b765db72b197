// The topology a picture shows, built from the normalized stacks: nodes (host interfaces, networks,
// containers) with the text each carries, and edges (segments, endpoints, routes) with their labels.
// Pure, and shared by every output format, so that SVG, DOT and Mermaid say the same thing.
import { BRIDGE_OPTION } from '../model/normalize';
import type { ContainerSpec, EndpointSpec, NetworkSpec, Publish, RouteRule, RouteSpec, Stack } from '../model/types';

export type LineStyle = 'title' | 'detail' | 'muted' | 'mark' | 'publish';

export interface TextLine {
  text: string;
  style: LineStyle;
}

/**
 * How a node is drawn. "implied" is a network the spec relies on without declaring it (Docker's
 * default bridge, the host's own stack): shown so no container floats, marked as not docknet's.
 */
export type NodeVariant = 'bridge' | 'segment' | 'overlay' | 'plugin' | 'implied' | 'container' | 'interface';

export interface GraphNode {
  /** Unique in the whole picture and safe as a DOT or Mermaid identifier. */
  id: string;
  kind: 'interface' | 'network' | 'container';
  variant: NodeVariant;
  name: string;
  lines: TextLine[];
}

export interface GraphEdge {
  kind: 'segment' | 'endpoint' | 'route';
  from: string;
  to: string;
  /** Arrowheads: none (a link), forward (at `to`), both. */
  direction: 'none' | 'forward' | 'both';
  label: string[];
}

export interface StackGraph {
  id: string;
  name: string;
  files: string[];
  /** Host interfaces, then networks (segments, bridges, others, implied), then containers. */
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface Topology {
  stacks: StackGraph[];
}

const line = (text: string, style: LineStyle = 'detail'): TextLine => ({ text, style });

/** The physical interface under a segment: eth0 for eth0.10. */
function physicalParent(net: NetworkSpec): string | undefined {
  if (net.parent === undefined || net.vlan === undefined) return net.parent;
  return net.parent.slice(0, net.parent.length - `.${net.vlan}`.length);
}

function variantOf(net: NetworkSpec): NodeVariant {
  if (net.driver === 'bridge') return 'bridge';
  if (net.driver === 'macvlan' || net.driver === 'ipvlan') return 'segment';
  return net.driver === 'overlay' ? 'overlay' : 'plugin';
}

/** Drawing order of network kinds: segments sit next to their host interfaces, bridges next to their routes. */
const NETWORK_ORDER: NodeVariant[] = ['segment', 'bridge', 'overlay', 'plugin', 'implied'];

function networkLines(net: NetworkSpec): TextLine[] {
  const o = net.options;
  const kind = [net.driver];
  if (net.bridgeName) kind.push(net.bridgeName);
  const mode = o.macvlan_mode ?? o.ipvlan_mode;
  if (mode) kind.push(`${mode} mode`);
  if (net.attachable) kind.push('attachable');
  if ('encrypted' in o && net.driver === 'overlay') kind.push('encrypted');
  const lines = [line(net.name, 'title'), line(kind.join(' · '), 'muted')];
  for (const ipam of [net.ipv4, net.ipv6]) {
    if (!ipam?.subnet) continue;
    lines.push(line(ipam.gateway ? `${ipam.subnet} gw ${ipam.gateway}` : ipam.subnet));
    if (ipam.ipRange) lines.push(line(`range ${ipam.ipRange}`));
  }
  if (net.parent) lines.push(line(`parent ${net.parent}${net.vlan === undefined ? '' : ` (VLAN ${net.vlan})`}`));
  if (net.hostShim) lines.push(line(`host shim ${net.hostShim.name} ${net.hostShim.address}`));
  const extras = [];
  if (o[BRIDGE_OPTION.mtu]) extras.push(`mtu ${o[BRIDGE_OPTION.mtu]}`);
  if (o[BRIDGE_OPTION.ifacePrefix]) extras.push(`ifaces ${o[BRIDGE_OPTION.ifacePrefix]}0, ${o[BRIDGE_OPTION.ifacePrefix]}1…`);
  if (extras.length > 0) lines.push(line(extras.join(' · ')));
  const marks = [];
  if (net.internal) marks.push('internal');
  if (o[BRIDGE_OPTION.icc] === 'false') marks.push('ICC off');
  if (o[BRIDGE_OPTION.masquerade] === 'false') marks.push('no masquerade');
  if (marks.length > 0) lines.push(line(marks.join(' · '), 'mark'));
  return lines;
}

function hostSide(hostIp: string, hostPort: string): string {
  const ip = hostIp === '' ? '*' : hostIp.includes(':') ? `[${hostIp}]` : hostIp;
  return `${ip}:${hostPort === '' ? 'any' : hostPort}`;
}

/**
 * Publishes as a person wrote them: "127.0.0.1:18080 → 80/tcp", with the runs a port range expanded
 * to folded back ("*:8000-8002 → 8000-8002/tcp"). "*" is every host address, "any" a port Docker picks.
 */
export function publishRuns(publishes: Publish[]): string[] {
  const runs: { first: Publish; last: Publish }[] = [];
  for (const p of publishes) {
    const run = runs[runs.length - 1];
    const next = run && run.last.hostIp === p.hostIp && run.last.protocol === p.protocol && p.containerPort === run.last.containerPort + 1;
    if (next && run.last.hostPort !== '' && /^\d+$/.test(p.hostPort) && Number(p.hostPort) === Number(run.last.hostPort) + 1) run.last = p;
    else if (next && run.last.hostPort === '' && p.hostPort === '') run.last = p;
    else runs.push({ first: p, last: p });
  }
  return runs.map(({ first, last }) => {
    if (first === last) return `${hostSide(first.hostIp, first.hostPort)} → ${first.containerPort}/${first.protocol}`;
    const host = first.hostPort === '' ? '' : `${first.hostPort}-${last.hostPort}`;
    return `${hostSide(first.hostIp, host)} → ${first.containerPort}-${last.containerPort}/${first.protocol}`;
  });
}

function containerLines(replicas: ContainerSpec[]): TextLine[] {
  const [c] = replicas;
  const lines = [line(replicas.length > 1 ? `${c.service} ×${replicas.length}` : c.name, 'title'), line(c.image, 'muted')];
  if (replicas.length > 1) lines.push(line(`${replicas[0].name} … ${replicas[replicas.length - 1].name}`));
  if (c.networkMode === 'none') lines.push(line('network none: loopback only'));
  for (const p of publishRuns(c.publish)) lines.push(line(`publish ${p}`, 'publish'));
  return lines;
}

function endpointLabel(e: EndpointSpec): string[] {
  const label: string[] = [];
  if (e.ipv4) label.push(e.ipv4);
  if (e.ipv6) label.push(e.ipv6);
  if (e.aliases.length > 0) label.push(`${e.aliases.length > 1 ? 'aliases' : 'alias'} ${e.aliases.join(', ')}`);
  if (e.mac) label.push(`mac ${e.mac}`);
  return label;
}

function ruleText(r: RouteRule): string {
  return r.port === undefined ? (r.protocol ?? 'all') : `${r.protocol}/${r.port}`;
}

/** "⇄ all traffic", "→ tcp/80, icmp". */
export function routeLabel(r: RouteSpec): string {
  return `${r.bidirectional ? '⇄' : '→'} ${r.allow.length === 0 ? 'all traffic' : r.allow.map(ruleText).join(', ')}`;
}

function segmentLabel(net: NetworkSpec): string[] {
  return net.vlan === undefined ? ['untagged'] : [net.parent!, `VLAN ${net.vlan}`];
}

const IMPLIED = {
  bridge: [line('bridge', 'title'), line("Docker's default bridge", 'muted'), line('not managed by docknet', 'muted')],
  host: [line('host', 'title'), line("the host's network stack", 'muted'), line('not managed by docknet', 'muted')],
  declaredElsewhere: (name: string) => [line(name, 'title'), line('declared elsewhere', 'muted')],
};

function stackGraph(stack: Stack, index: number): StackGraph {
  const sid = `s${index}`;
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];

  const interfaces = new Map<string, GraphNode>();
  for (const net of stack.networks) {
    const parent = physicalParent(net);
    if (parent === undefined || interfaces.has(parent)) continue;
    interfaces.set(parent, { id: `${sid}_i${interfaces.size}`, kind: 'interface', variant: 'interface', name: parent, lines: [line(parent, 'title'), line('host interface', 'muted')] });
  }
  nodes.push(...interfaces.values());

  const declared = [...stack.networks].sort((a, b) => NETWORK_ORDER.indexOf(variantOf(a)) - NETWORK_ORDER.indexOf(variantOf(b)));
  const networks = new Map<string, GraphNode>();
  for (const net of declared) {
    const node: GraphNode = { id: `${sid}_n${networks.size}`, kind: 'network', variant: variantOf(net), name: net.name, lines: networkLines(net) };
    networks.set(net.name, node);
    const parent = physicalParent(net);
    if (parent !== undefined) edges.push({ kind: 'segment', from: interfaces.get(parent)!.id, to: node.id, direction: 'none', label: segmentLabel(net) });
  }
  // What containers rely on without declaring it: a key of its own, so a declared network named
  // "host" or "bridge" is not mistaken for it.
  const implied = new Map<string, GraphNode>();
  const impliedNetwork = (key: string, name: string, lines: TextLine[]): GraphNode => {
    const found = implied.get(key);
    if (found) return found;
    const node: GraphNode = { id: `${sid}_n${networks.size + implied.size}`, kind: 'network', variant: 'implied', name, lines };
    implied.set(key, node);
    return node;
  };
  const networkOf = (name: string) => networks.get(name) ?? impliedNetwork(`declared:${name}`, name, IMPLIED.declaredElsewhere(name));

  const services = new Map<string, ContainerSpec[]>();
  for (const c of stack.containers) services.set(c.service, [...(services.get(c.service) ?? []), c]);
  const containers: GraphNode[] = [];
  for (const replicas of services.values()) {
    const [c] = replicas;
    const node: GraphNode = { id: `${sid}_c${containers.length}`, kind: 'container', variant: 'container', name: c.service, lines: containerLines(replicas) };
    containers.push(node);
    // Endpoints run network → container, as every edge runs host → network → container.
    const link = (net: GraphNode, label: string[]) => edges.push({ kind: 'endpoint', from: net.id, to: node.id, direction: 'none', label });
    if (c.networkMode === 'host') link(impliedNetwork('host', 'host', IMPLIED.host), []);
    else if (c.networkMode === undefined && c.endpoints.length === 0) link(impliedNetwork('bridge', 'bridge', IMPLIED.bridge), []);
    for (const e of c.endpoints) link(networkOf(e.network), endpointLabel(e));
  }

  for (const r of stack.routes) {
    edges.push({ kind: 'route', from: networkOf(r.from).id, to: networkOf(r.to).id, direction: r.bidirectional ? 'both' : 'forward', label: [routeLabel(r)] });
  }
  nodes.push(...networks.values(), ...implied.values(), ...containers);
  return { id: sid, name: stack.name, files: stack.files, nodes, edges };
}

/** The topology of stacks, in the order given. */
export function topology(stacks: Stack[]): Topology {
  return { stacks: stacks.map(stackGraph) };
}
