// Where everything goes in the picture: a deterministic layout of a topology as rectangles, text runs,
// paths and arrowheads. Per stack, left to right: host interfaces, route lanes, networks, endpoint
// edges, endpoint labels, containers. Edges only run through the gaps between these columns, so no
// edge crosses a box; sizes come from text lengths in a monospace font, so no text leaves its box.
import type { GraphEdge, GraphNode, LineStyle, NodeVariant, StackGraph, Topology } from './topology';

export type TextStyle = LineStyle | 'heading' | 'endpoint' | 'segment' | 'route' | 'legend';
export type RectStyle = NodeVariant | 'canvas' | 'group' | 'label' | 'legend';

export interface SceneRect {
  /** group: a stack; node: a network, container or interface; label: behind an edge label; legend. */
  role: 'canvas' | 'group' | 'node' | 'label' | 'legend' | 'sample';
  style: RectStyle;
  x: number;
  y: number;
  w: number;
  h: number;
  /** The node's id, for nodes. */
  id?: string;
}

export interface SceneText {
  x: number;
  /** Baseline. */
  y: number;
  text: string;
  style: TextStyle;
  size: number;
  /** Estimated advance width of the text. */
  width: number;
}

export interface ScenePath {
  kind: GraphEdge['kind'];
  d: string;
}

export interface Scene {
  width: number;
  height: number;
  rects: SceneRect[];
  texts: SceneText[];
  paths: ScenePath[];
  /** Arrowhead triangles of routes. */
  arrows: [number, number][][];
}

/** DejaVu Sans Mono advances 0.602 em per character; a little more leaves room for other monospace fonts. */
const CHAR_EM = 0.62;
export const FONT_FAMILY = "'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace";

const SIZE: Record<TextStyle, number> = { title: 13, detail: 12, muted: 12, mark: 12, publish: 12, heading: 14, endpoint: 11, segment: 11, route: 12, legend: 11 };
const LINE = 16;
const PAD_X = 10;
const PAD_Y = 8;
/** From the top of a line box to its baseline. */
const ASCENT = 12;
const MARGIN = 16;
const GROUP_PAD = 16;
const GROUP_TITLE = 40;
const GAP_NETWORK = 28;
const GAP_CONTAINER = 14;
const GAP_INTERFACE = 20;
const FAN = 80;
/** Route filters wrap at commas beyond this many characters, keeping lanes narrow. */
const ROUTE_WRAP = 18;

export function textWidth(text: string, size: number): number {
  return [...text].length * size * CHAR_EM;
}

const widest = (texts: string[], size: number) => Math.max(0, ...texts.map((t) => textWidth(t, size)));

function wrapList(text: string, max: number): string[] {
  const out: string[] = [];
  for (const part of text.split(/(?<=,) /)) {
    const last = out.length - 1;
    if (last >= 0 && [...out[last]].length + 1 + [...part].length <= max) out[last] += ` ${part}`;
    else out.push(part);
  }
  return out;
}

interface Box {
  node: GraphNode;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A labelled attachment on a side of a box: the line arrives at `at`, its label sits above it. */
interface Slot {
  edge: GraphEdge;
  label: string[];
  at: number;
}

const cy = (b: Box) => b.y + b.h / 2;

class SceneBuilder {
  readonly rects: SceneRect[] = [];
  readonly texts: SceneText[] = [];
  readonly paths: ScenePath[] = [];
  readonly arrows: [number, number][][] = [];

  text(x: number, y: number, text: string, style: TextStyle): void {
    const size = SIZE[style];
    this.texts.push({ x, y, text, style, size, width: textWidth(text, size) });
  }

  /** Lines whose last baseline is `bottom`, with a rectangle behind them (edge labels cross nothing, but stay readable). */
  labelAbove(x: number, bottom: number, lines: string[], style: TextStyle): void {
    if (lines.length === 0) return;
    const w = widest(lines, SIZE[style]) + 6;
    this.rects.push({ role: 'label', style: 'label', x: x - 3, y: bottom - (lines.length - 1) * LINE - ASCENT, w, h: (lines.length - 1) * LINE + ASCENT + 3 });
    lines.forEach((t, i) => this.text(x, bottom - (lines.length - 1 - i) * LINE, t, style));
  }

  node(b: Box): void {
    this.rects.push({ role: 'node', style: b.node.variant, x: b.x, y: b.y, w: b.w, h: b.h, id: b.node.id });
    b.node.lines.forEach((l, i) => this.text(b.x + PAD_X, b.y + PAD_Y + ASCENT + i * LINE, l.text, l.style));
  }

  arrowInto(x: number, y: number): void {
    this.arrows.push([[x, y], [x - 9, y - 4.5], [x - 9, y + 4.5]]);
  }
}

const nodeWidth = (n: GraphNode) => Math.max(...n.lines.map((l) => textWidth(l.text, SIZE[l.style]))) + 2 * PAD_X;
const nodeHeight = (n: GraphNode) => n.lines.length * LINE + 2 * PAD_Y;
const slotHeight = (label: string[]) => label.length * LINE + 10;
const slotsHeight = (slots: Slot[]) => slots.reduce((sum, s) => sum + slotHeight(s.label), 0);

/** Places the slots' lines inside a box, as a block centered vertically. */
function placeSlots(box: Box, slots: Slot[]): void {
  let y = box.y + (box.h - slotsHeight(slots)) / 2;
  for (const s of slots) {
    s.at = y + s.label.length * LINE + 5;
    y += slotHeight(s.label);
  }
}

/** Evenly spread attachment points along a side of a box. */
function spread(box: Box, count: number): number[] {
  return Array.from({ length: count }, (_, i) => box.y + (box.h * (i + 1)) / (count + 1));
}

/** Boxes stacked top-down in order, each as near its wanted center as the ones above allow. */
function stack(boxes: Box[], top: number, gap: number, wanted: (b: Box) => number | undefined): void {
  let y = top;
  for (const b of boxes) {
    const want = wanted(b);
    b.y = Math.max(y, want === undefined ? y : want - b.h / 2);
    y = b.y + b.h + gap;
  }
}

const mean = (xs: number[]) => (xs.length === 0 ? undefined : xs.reduce((a, b) => a + b, 0) / xs.length);

/** The median: one far-away container does not drag a network away from the others. */
function median(xs: number[]): number | undefined {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? undefined : sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Where on a line from y a to y b a label of height h goes: the free place nearest the middle. */
function labelCenter(a: number, b: number, h: number, crossing: number[]): number {
  const middle = (a + b) / 2;
  const free = (c: number) => crossing.every((y) => y < c - h / 2 - 4 || y > c + h / 2 + 4);
  for (let d = 0; d <= Math.abs(b - a) / 2; d += 2) {
    const found = [middle - d, middle + d].find(free);
    if (found !== undefined) return found;
  }
  return middle;
}

const headingWidth = (g: StackGraph) => textWidth(`stack ${g.name}  `, SIZE.heading);

interface StackLayout {
  width: number;
  height: number;
  /** Draws the stack with its top-left corner at (x, y). */
  draw(scene: SceneBuilder, x: number, y: number, width: number): void;
}

function layoutStack(g: StackGraph): StackLayout {
  const box = (node: GraphNode): Box => ({ node, x: 0, y: 0, w: nodeWidth(node), h: nodeHeight(node) });
  const interfaces = g.nodes.filter((n) => n.kind === 'interface').map(box);
  const networks = g.nodes.filter((n) => n.kind === 'network').map(box);
  const byId = new Map([...interfaces, ...networks].map((b) => [b.node.id, b]));
  const order = new Map(networks.map((b, i) => [b.node.id, i]));
  const edgesOf = (kind: GraphEdge['kind']) => g.edges.filter((e) => e.kind === kind);
  const endpoints = edgesOf('endpoint');
  const routes = edgesOf('route');
  const segments = edgesOf('segment');

  // Containers near the networks they attach to (mean position), so endpoint edges cross little.
  const containerNodes = g.nodes.filter((n) => n.kind === 'container');
  const rank = (n: GraphNode) => mean(endpoints.filter((e) => e.to === n.id).map((e) => order.get(e.from)!)) ?? Infinity;
  const containers = containerNodes
    .map((n, i) => ({ n, i, r: rank(n) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map(({ n }) => box(n));
  for (const c of containers) byId.set(c.node.id, c);

  const slotsOf = new Map<string, Slot[]>();
  const addSlot = (owner: string, edge: GraphEdge, label: string[]) => slotsOf.set(owner, [...(slotsOf.get(owner) ?? []), { edge, label, at: 0 }]);
  for (const e of [...endpoints].sort((a, b) => order.get(a.from)! - order.get(b.from)!)) addSlot(e.to, e, e.label);
  for (const e of segments) addSlot(e.from, e, e.label);
  for (const b of [...containers, ...interfaces]) b.h = Math.max(b.h, slotsHeight(slotsOf.get(b.node.id) ?? []) + 2 * PAD_Y);
  for (const n of networks) {
    const right = endpoints.filter((e) => e.from === n.node.id).length;
    const left = g.edges.filter((e) => e.kind !== 'endpoint' && (e.to === n.node.id || e.from === n.node.id)).length;
    n.h = Math.max(n.h, (right + 1) * 12, (left + 1) * 18);
  }
  // Uniform column widths read as a table.
  for (const column of [interfaces, networks, containers]) {
    const w = Math.max(0, ...column.map((b) => b.w));
    for (const b of column) b.w = w;
  }

  // Vertical: containers packed; networks centred on their containers; containers then centred on
  // their networks where the gaps allow; interfaces on their segments.
  const top = GROUP_TITLE;
  const linked = (id: string, kind: GraphEdge['kind']) => g.edges.filter((e) => e.kind === kind && (e.from === id || e.to === id)).map((e) => byId.get(e.from === id ? e.to : e.from)!);
  stack(containers, top, GAP_CONTAINER, () => undefined);
  stack(networks, top, GAP_NETWORK, (n) => median(linked(n.node.id, 'endpoint').map(cy)));
  stack(containers, top, GAP_CONTAINER, (c) => mean(linked(c.node.id, 'endpoint').map(cy)));
  stack(interfaces, top, GAP_INTERFACE, (i) => mean(linked(i.node.id, 'segment').map(cy)));
  // Centering can push every column down: start the highest box at the top again.
  const all = [...interfaces, ...networks, ...containers];
  const shift = Math.min(...all.map((b) => b.y)) - top;
  for (const b of all) b.y -= shift;
  for (const b of [...containers, ...interfaces]) placeSlots(b, slotsOf.get(b.node.id) ?? []);

  // Route lanes: the shortest route nearest the networks, so lanes nest.
  const span = (e: GraphEdge) => Math.abs(order.get(e.from)! - order.get(e.to)!);
  const lanes = routes
    .map((edge, i) => ({ edge, i, lines: wrapList(edge.label.join(' '), ROUTE_WRAP) }))
    .sort((a, b) => span(a.edge) - span(b.edge) || a.i - b.i)
    .map((l) => ({ ...l, w: widest(l.lines, SIZE.route) + 16, x: 0 }));
  const lanesWidth = lanes.reduce((sum, l) => sum + l.w, 0);
  const segmentLabels = widest(segments.flatMap((e) => e.label), SIZE.segment);

  // Horizontal: the columns.
  let x = GROUP_PAD;
  const ifaceX = x;
  if (interfaces.length > 0) x += interfaces[0].w;
  const leftGap = Math.max(interfaces.length > 0 ? Math.max(48, segmentLabels + 40) : 0, lanesWidth > 0 ? lanesWidth + 12 : 0);
  const netX = x + leftGap;
  x = netX + (networks[0]?.w ?? 0);
  const netRight = x;
  const labelWidth = Math.max(24, widest(endpoints.flatMap((e) => e.label), SIZE.endpoint) + 16);
  const labelX = x + FAN;
  const contX = labelX + labelWidth;
  if (containers.length > 0) x = contX + containers[0].w;
  for (const b of interfaces) b.x = ifaceX;
  for (const b of networks) b.x = netX;
  for (const b of containers) b.x = contX;
  let laneRight = netX - 10;
  for (const l of lanes) {
    l.x = laneRight - l.w / 2;
    laneRight -= l.w;
  }

  // Ports on the networks' sides, ordered so that lines leave towards where they go.
  const rightPorts = new Map<GraphEdge, number>();
  for (const n of networks) {
    const slots = containers.flatMap((c) => (slotsOf.get(c.node.id) ?? []).filter((s) => s.edge.from === n.node.id));
    slots.sort((a, b) => a.at - b.at);
    spread(n, slots.length).forEach((y, i) => rightPorts.set(slots[i].edge, y));
  }
  const leftPorts = new Map<string, number>();
  const portKey = (e: GraphEdge, end: string) => `${g.edges.indexOf(e)}:${end}`;
  for (const n of networks) {
    const id = n.node.id;
    const ends = g.edges
      .filter((e) => e.kind !== 'endpoint' && (e.from === id || e.to === id))
      .map((e) => {
        const other = e.kind === 'segment' ? cy(byId.get(e.from)!) : cy(byId.get(e.from === id ? e.to : e.from)!);
        // Upward ends above downward ones; within each, the farther end lower up and higher down, so
        // connectors of outer lanes pass beside the vertical lines of inner ones instead of through them.
        return { e, down: other > cy(n) ? 1 : 0, other };
      })
      .sort((a, b) => a.down - b.down || b.other - a.other);
    spread(n, ends.length).forEach((y, i) => leftPorts.set(portKey(ends[i].e, id), y));
  }

  const height = Math.max(top, ...[...interfaces, ...networks, ...containers].map((b) => b.y + b.h)) + GROUP_PAD;

  return {
    width: x + GROUP_PAD,
    height,
    draw(scene, ox, oy, width) {
      const X = (v: number) => v + ox;
      const Y = (v: number) => v + oy;
      scene.rects.push({ role: 'group', style: 'group', x: ox, y: oy, w: width, h: height });
      scene.text(X(GROUP_PAD), Y(26), `stack ${g.name}`, 'heading');
      scene.text(X(GROUP_PAD) + headingWidth(g), Y(26), g.files.join(', '), 'muted');
      for (const b of [...interfaces, ...networks, ...containers]) scene.node({ ...b, x: X(b.x), y: Y(b.y) });

      for (const b of interfaces) {
        for (const s of slotsOf.get(b.node.id) ?? []) {
          const x1 = X(b.x + b.w);
          const y1 = Y(s.at);
          const y2 = Y(leftPorts.get(portKey(s.edge, s.edge.to))!);
          const bend = x1 + segmentLabels + 16;
          const x2 = X(netX);
          scene.paths.push({ kind: 'segment', d: `M${x1} ${y1} H${bend} C${(bend + x2) / 2} ${y1} ${(bend + x2) / 2} ${y2} ${x2} ${y2}` });
          scene.labelAbove(x1 + 8, y1 - 4, s.label, 'segment');
        }
      }

      for (const c of containers) {
        for (const s of slotsOf.get(c.node.id) ?? []) {
          const x1 = X(netRight);
          const y1 = Y(rightPorts.get(s.edge)!);
          const x2 = X(labelX);
          const y2 = Y(s.at);
          scene.paths.push({ kind: 'endpoint', d: `M${x1} ${y1} C${x1 + FAN / 2} ${y1} ${x2 - FAN / 2} ${y2} ${x2} ${y2} H${X(contX)}` });
          scene.labelAbove(x2 + 6, y2 - 4, s.label, 'endpoint');
        }
      }

      lanes.forEach((l, i) => {
        const ya = leftPorts.get(portKey(l.edge, l.edge.from))!;
        const yb = leftPorts.get(portKey(l.edge, l.edge.to))!;
        const lx = X(l.x);
        scene.paths.push({ kind: 'route', d: `M${X(netX)} ${Y(ya)} H${lx} V${Y(yb)} H${X(netX)}` });
        scene.arrowInto(X(netX), Y(yb));
        if (l.edge.direction === 'both') scene.arrowInto(X(netX), Y(ya));
        // The label sits on the lane's vertical line, clear of the outer lanes' connectors crossing it.
        const crossing = lanes.slice(i + 1).flatMap((o) => [leftPorts.get(portKey(o.edge, o.edge.from))!, leftPorts.get(portKey(o.edge, o.edge.to))!]);
        const h = l.lines.length * LINE;
        const labelTop = labelCenter(ya, yb, h, crossing) - h / 2;
        scene.labelAbove(lx - widest(l.lines, SIZE.route) / 2, Y(labelTop) + ASCENT + (l.lines.length - 1) * LINE, l.lines, 'route');
      });
    },
  };
}

/** A legend row: shown when the picture holds its `when`, drawn with a sample box, a sample line or none. */
interface LegendRow {
  when: `node:${NodeVariant}` | `edge:${GraphEdge['kind']}` | 'mark';
  sample?: { box: NodeVariant } | { line: GraphEdge['kind'] };
  text: string;
}

const LEGEND: LegendRow[] = [
  { when: 'node:bridge', sample: { box: 'bridge' }, text: 'bridge network: driver · bridge name, subnet gw' },
  { when: 'node:segment', sample: { box: 'segment' }, text: 'macvlan/ipvlan segment: mode, parent interface' },
  { when: 'node:interface', sample: { box: 'interface' }, text: 'host interface' },
  { when: 'edge:segment', sample: { line: 'segment' }, text: 'segment on it: untagged, or the 802.1Q sub-interface parent.VLAN' },
  { when: 'node:overlay', sample: { box: 'overlay' }, text: 'overlay network' },
  { when: 'node:plugin', sample: { box: 'plugin' }, text: 'network of a plugin driver' },
  { when: 'node:implied', sample: { box: 'implied' }, text: 'used by the spec, not managed by docknet' },
  { when: 'node:container', sample: { box: 'container' }, text: 'container (×N = replicas), image, publish host:port → port/proto (* = every address)' },
  { when: 'edge:endpoint', sample: { line: 'endpoint' }, text: 'endpoint: static address, aliases' },
  { when: 'edge:route', sample: { line: 'route' }, text: 'route between bridges: ⇄ both ways, → one way, allowed traffic' },
  { when: 'mark', text: 'ICC off · no masquerade · internal: isolation marks' },
];

const SAMPLE_W = 34;

/** The legend of what the picture holds, and nothing else: a short legend gets read. */
function drawLegend(scene: SceneBuilder, t: Topology, x: number, y: number): { w: number; h: number } {
  const used = new Set<LegendRow['when']>();
  for (const g of t.stacks) {
    for (const n of g.nodes) {
      used.add(`node:${n.variant}`);
      if (n.lines.some((l) => l.style === 'mark')) used.add('mark');
    }
    for (const e of g.edges) used.add(`edge:${e.kind}`);
  }
  const rows = LEGEND.filter((r) => used.has(r.when));
  const styleOf = (r: LegendRow): TextStyle => (r.when === 'mark' ? 'mark' : 'legend');
  const w = SAMPLE_W + 10 + Math.max(textWidth('legend', SIZE.title), ...rows.map((r) => textWidth(r.text, SIZE[styleOf(r)]))) + 2 * PAD_X;
  const h = 24 + rows.length * 18 + PAD_Y;
  scene.rects.push({ role: 'legend', style: 'legend', x, y, w, h });
  scene.text(x + PAD_X, y + 17, 'legend', 'title');
  rows.forEach((r, i) => {
    const top = y + 24 + i * 18;
    const sx = x + PAD_X;
    if (r.sample && 'box' in r.sample) scene.rects.push({ role: 'sample', style: r.sample.box, x: sx, y: top + 2, w: SAMPLE_W, h: 12 });
    else if (r.sample) {
      scene.paths.push({ kind: r.sample.line, d: `M${sx} ${top + 8} H${sx + SAMPLE_W}` });
      if (r.sample.line === 'route') scene.arrowInto(sx + SAMPLE_W, top + 8);
    }
    scene.text(sx + SAMPLE_W + 10, top + 12, r.text, styleOf(r));
  });
  return { w, h };
}

/** The whole picture: stacks one under another, each in its group, and a legend below. */
export function layout(t: Topology): Scene {
  const scene = new SceneBuilder();
  const stacks = t.stacks.map(layoutStack);
  const titles = t.stacks.map((g) => headingWidth(g) + textWidth(g.files.join(', '), SIZE.muted) + 2 * GROUP_PAD);
  const width = Math.max(0, ...stacks.map((s) => s.width), ...titles);
  let y = MARGIN;
  for (const s of stacks) {
    s.draw(scene, MARGIN, y, width);
    y += s.height + MARGIN;
  }
  const legend = drawLegend(scene, t, MARGIN, y);
  const sceneWidth = Math.ceil(Math.max(width, legend.w) + 2 * MARGIN);
  const sceneHeight = Math.ceil(y + legend.h + MARGIN);
  scene.rects.unshift({ role: 'canvas', style: 'canvas', x: 0, y: 0, w: sceneWidth, h: sceneHeight });
  return { width: sceneWidth, height: sceneHeight, rects: scene.rects, texts: scene.texts, paths: scene.paths, arrows: scene.arrows };
}
