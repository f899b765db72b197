// docknet graph: the picture says what the spec says (names, subnets, addresses, routes, segments,
// publishes), is well-formed, has no overlapping boxes or text, and the formats agree with each other.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSpecs } from '../../lib/spec/load';
import { topology, type Topology } from '../../lib/graph/topology';
import { renderSvg } from '../../lib/graph/svg';
import { renderDot } from '../../lib/graph/dot';
import { renderMermaid } from '../../lib/graph/mermaid';
import type { Stack } from '../../lib/model/types';
import { emptyStack } from '../../lib/model/normalize';
import { DOCKNET, ROOT, run, tempSpec } from '../helpers';

const RICH = `version: 1
stack: rich
networks:
  front:
    ipv4: { subnet: 172.30.1.0/24, gateway: 172.30.1.1 }
    bridge: { name: br-front }
  back:
    ipv4: { subnet: 172.30.2.0/24, ipRange: 172.30.2.128/25, gateway: 172.30.2.1 }
    ipv6: { subnet: "fd00:30:2::/64" }
    bridge: { name: br-back, icc: false, masquerade: false }
    internal: true
  vlan10:
    driver: macvlan
    macvlan: { parent: eth0, vlan: 10, mode: bridge }
    ipv4: { subnet: 192.168.10.0/24, gateway: 192.168.10.1 }
  flat:
    driver: ipvlan
    ipvlan: { parent: eth0, mode: l2 }
    ipv4: { subnet: 192.168.50.0/24 }
containers:
  proxy:
    image: nginx:1.27
    networks:
      front: { ipv4: 172.30.1.10, aliases: [www, proxy] }
      back: { ipv4: 172.30.2.10 }
    publish:
      - "80:80"
      - "127.0.0.1:8443:443/tcp"
  api:
    image: registry.local/api:2.3
    replicas: 3
    networks: [back]
  sensor:
    image: busybox:latest
    networks:
      vlan10: { ipv4: 192.168.10.20, mac: "02:42:c0:a8:0a:14" }
  legacy:
    image: busybox:latest
    networks:
      flat: { ipv4: 192.168.50.5 }
  monitor:
    image: prom/node-exporter:v1.8
    networkMode: host
  sealed:
    image: busybox:latest
    networkMode: none
routes:
  - from: front
    to: back
    allow: [tcp/80, icmp]
`;

/** 6 networks, 12 containers (several on two networks), 3 routes: more than the bundled stacks hold. */
const BIG = `version: 1
stack: big
networks:
${[1, 2, 3, 4, 5, 6].map((i) => `  n${i}: { ipv4: { subnet: 10.201.${i}.0/24, gateway: 10.201.${i}.1 }${i === 2 ? ', bridge: { icc: false }' : ''} }`).join('\n')}
containers:
${Array.from({ length: 12 }, (_, i) => {
  const a = (i % 6) + 1;
  const b = ((i + 3) % 6) + 1;
  const nets = i % 3 === 0 ? `{ n${a}: { ipv4: 10.201.${a}.${20 + i}, aliases: [svc${i}] }, n${b}: {} }` : `{ n${a}: { ipv4: 10.201.${a}.${20 + i} } }`;
  return `  c${i}: { image: busybox:latest, networks: ${nets}${i === 4 ? ', publish: ["9000-9002:9000-9002/udp"]' : ''} }`;
}).join('\n')}
routes:
  - between: [n1, n2]
  - { from: n1, to: n4, allow: [tcp/443, udp/53, icmp] }
  - { between: [n3, n6], allow: [tcp/5432] }
`;

/** Crossing and nested routes, several segments on one parent, networks nothing attaches to, an empty stack. */
const ODD = `version: 1
stack: odd
networks:
  s1: { driver: macvlan, macvlan: { parent: eth1, vlan: 100 }, ipv4: { subnet: 192.168.100.0/24 } }
  s2: { driver: macvlan, macvlan: { parent: eth1, vlan: 200 } }
  s3: { driver: ipvlan, ipvlan: { parent: bond0 } }
  a: { ipv4: { subnet: 10.1.1.0/24 } }
  b: { ipv4: { subnet: 10.1.2.0/24 } }
  c: { ipv4: { subnet: 10.1.3.0/24 } }
  d: { ipv4: { subnet: 10.1.4.0/24 } }
  ov: { driver: overlay, attachable: true }
routes:
  - between: [a, c]
  - { from: b, to: d, allow: [tcp/1-1024, udp/53, sctp/9, icmp] }
  - between: [a, d]
  - { from: d, to: a, allow: [icmp] }
  - between: [b, c]
`;

const hasTool = (tool: string) => spawnSync(tool, ['--version']).error === undefined;
const HAS_RSVG = hasTool('rsvg-convert');
const HAS_XMLLINT = hasTool('xmllint');

// ---- a strict XML well-formedness check (no dependency): one root, balanced tags, quoted unique
// attributes, only the five named entities or character references, no stray "<" or "&".
const NAME = /^[A-Za-z_:][\w.:-]*$/;
const REFERENCE = /&(?:amp|lt|gt|quot|apos|#\d+|#x[\da-fA-F]+);/y;
const INVALID_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

function checkText(text: string, where: number): void {
  if (INVALID_CHAR.test(text)) throw new Error(`character not allowed in XML near ${where}`);
  for (let i = text.indexOf('&'); i >= 0; i = text.indexOf('&', i + 1)) {
    REFERENCE.lastIndex = i;
    if (!REFERENCE.test(text)) throw new Error(`bad "&" near ${where + i}: ${text.slice(i, i + 12)}`);
  }
  if (text.includes(']]>')) throw new Error(`"]]>" in text near ${where}`);
}

function checkWellFormed(xml: string): void {
  let i = 0;
  if (xml.startsWith('<?xml')) i = xml.indexOf('?>') + 2;
  const open: string[] = [];
  let roots = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    if (open.length === 0 && text.trim() !== '') throw new Error(`text outside the root near ${i}`);
    checkText(text, i);
    if (lt < 0) break;
    if (xml.startsWith('<!--', lt)) {
      const end = xml.indexOf('-->', lt);
      if (end < 0) throw new Error('unclosed comment');
      i = end + 3;
      continue;
    }
    const gt = xml.indexOf('>', lt);
    if (gt < 0) throw new Error(`unclosed tag near ${lt}`);
    const tag = xml.slice(lt + 1, gt);
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      if (open.pop() !== name) throw new Error(`</${name}> does not close the open element near ${lt}`);
    } else {
      const selfClosing = tag.endsWith('/');
      const body = selfClosing ? tag.slice(0, -1) : tag;
      const m = /^(\S+)((?:\s+[^\s=]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*$/.exec(body);
      if (!m || !NAME.test(m[1])) throw new Error(`malformed tag near ${lt}: <${tag.slice(0, 40)}>`);
      const seen = new Set<string>();
      for (const a of m[2].matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        if (!NAME.test(a[1]) || seen.has(a[1])) throw new Error(`bad or repeated attribute ${a[1]} near ${lt}`);
        seen.add(a[1]);
        checkText(a[2] ?? a[3], lt);
      }
      if (open.length === 0 && ++roots > 1) throw new Error('more than one root element');
      if (!selfClosing) open.push(m[1]);
    }
    i = gt + 1;
  }
  if (open.length > 0) throw new Error(`unclosed <${open.join('>, <')}>`);
  if (roots !== 1) throw new Error('no root element');
}

// ---- what the SVG holds, read back from its text
interface Rect {
  role: string;
  id?: string;
  x: number;
  y: number;
  w: number;
  h: number;
}
interface Text {
  x: number;
  y: number;
  size: number;
  text: string;
}

const unescape = (s: string) => s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e]!);
const attr = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];

function readSvg(svg: string): { rects: Rect[]; texts: Text[]; paths: { kind: string; d: string }[] } {
  const rects = [...svg.matchAll(/<rect [^>]*>/g)].map(([tag]) => ({
    role: attr(tag, 'data-role')!,
    id: attr(tag, 'data-id'),
    x: Number(attr(tag, 'x')),
    y: Number(attr(tag, 'y')),
    w: Number(attr(tag, 'width')),
    h: Number(attr(tag, 'height')),
  }));
  const texts = [...svg.matchAll(/<text ([^>]*)>([^<]*)<\/text>/g)].map(([, a, t]) => ({ x: Number(attr(` ${a}`, 'x')), y: Number(attr(` ${a}`, 'y')), size: Number(attr(` ${a}`, 'font-size')), text: unescape(t) }));
  const paths = [...svg.matchAll(/<path data-edge="(\w+)" d="([^"]*)"/g)].map(([, kind, d]) => ({ kind, d }));
  return { rects, texts, paths };
}

const overlaps = (a: Rect, b: Rect) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
const inside = (a: Rect, b: Rect) => a.x >= b.x - 0.5 && a.y >= b.y - 0.5 && a.x + a.w <= b.x + b.w + 0.5 && a.y + a.h <= b.y + b.h + 0.5;
/** DejaVu Sans Mono's advance per character, in em: the font's real metric, not the layout's estimate. */
const MONO_ADVANCE = 0.602;
/** The box a text run covers: ascent above the baseline, descent below. */
const textBox = (t: Text): Rect => ({ role: 'text', x: t.x, y: t.y - t.size * 0.8, w: [...t.text].length * t.size * MONO_ADVANCE, h: t.size * 1.05 });

/** Points along a path of M, H, V and C commands (what the layout writes). */
function pathPoints(d: string): [number, number][] {
  const out: [number, number][] = [];
  let x = 0;
  let y = 0;
  for (const [, cmd, args] of d.matchAll(/([MHVC])([^MHVC]*)/g)) {
    const v = args.trim().split(/[\s,]+/).map(Number);
    if (cmd === 'M') [x, y] = v;
    else if (cmd === 'C') {
      for (let t = 0; t <= 1; t += 0.05) {
        const u = 1 - t;
        out.push([u * u * u * x + 3 * u * u * t * v[0] + 3 * u * t * t * v[2] + t * t * t * v[4], u * u * u * y + 3 * u * u * t * v[1] + 3 * u * t * t * v[3] + t * t * t * v[5]]);
      }
      [x, y] = [v[4], v[5]];
    } else {
      const [tx, ty] = cmd === 'H' ? [v[0], y] : [x, v[0]];
      for (let t = 0; t <= 1; t += 0.02) out.push([x + (tx - x) * t, y + (ty - y) * t]);
      [x, y] = [tx, ty];
    }
    out.push([x, y]);
  }
  return out;
}

/** Every geometric promise of the layout, checked on the SVG as written. */
function expectCleanLayout(svg: string): void {
  const { rects, texts, paths } = readSvg(svg);
  const nodes = rects.filter((r) => r.role === 'node');
  const labels = rects.filter((r) => r.role === 'label');
  const groups = rects.filter((r) => r.role === 'group');
  const legend = rects.filter((r) => r.role === 'legend');
  expect(nodes.length).toBeGreaterThan(0);
  const boxes = [...nodes, ...labels];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) if (overlaps(boxes[i], boxes[j])) throw new Error(`overlap: ${JSON.stringify(boxes[i])} and ${JSON.stringify(boxes[j])}`);
  }
  const panels = [...groups, ...legend];
  for (let i = 0; i < panels.length; i++) for (let j = i + 1; j < panels.length; j++) expect(overlaps(panels[i], panels[j])).toBe(false);
  for (const b of boxes) expect(groups.some((g) => inside(b, g))).toBe(true);
  // Each text lies wholly inside a box, a label or the legend; the rest (stack headings) touch none.
  for (const t of texts) {
    const box = textBox(t);
    if ([...boxes, ...legend].some((r) => inside(box, r))) continue;
    const hit = boxes.find((r) => overlaps(box, r));
    if (hit) throw new Error(`text "${t.text}" crosses ${JSON.stringify(hit)}`);
    expect(groups.some((g) => inside(box, g))).toBe(true);
  }
  // Edges run between boxes, never through one.
  for (const p of paths) {
    for (const [x, y] of pathPoints(p.d)) {
      const hit = nodes.find((r) => x > r.x + 1 && x < r.x + r.w - 1 && y > r.y + 1 && y < r.y + r.h - 1);
      if (hit) throw new Error(`${p.kind} edge ${p.d} passes through ${hit.id}`);
    }
  }
}

/** The texts drawn inside the node with this name. */
function nodeTexts(svg: string, t: Topology, name: string, kind = 'network'): string[] {
  const node = t.stacks.flatMap((g) => g.nodes).find((n) => n.name === name && n.kind === kind);
  if (!node) throw new Error(`no ${kind} ${name}`);
  const { rects, texts } = readSvg(svg);
  const rect = rects.find((r) => r.id === node.id)!;
  return texts.filter((x) => inside(textBox(x), rect)).map((x) => x.text);
}

/** The edge label next to a container (left of it, within its height). */
function labelsBeside(svg: string, t: Topology, container: string): string[] {
  const node = t.stacks.flatMap((g) => g.nodes).find((n) => n.name === container && n.kind === 'container')!;
  const { rects, texts } = readSvg(svg);
  const rect = rects.find((r) => r.id === node.id)!;
  const labels = rects.filter((r) => r.role === 'label' && r.y >= rect.y && r.y + r.h <= rect.y + rect.h && r.x + r.w <= rect.x && r.x + r.w > rect.x - 300);
  return texts.filter((x) => labels.some((l) => inside(textBox(x), l))).map((x) => x.text);
}

function checkXml(svg: string): void {
  checkWellFormed(svg);
  if (HAS_XMLLINT) {
    const file = join(mkdtempSync(join(tmpdir(), 'docknet-graph-')), 'g.svg');
    writeFileSync(file, svg);
    execFileSync('xmllint', ['--noout', file]);
  }
}

// ---- the nodes and edges each text format names
function dotGraph(dot: string): { nodes: string[]; edges: string[] } {
  return {
    nodes: [...dot.matchAll(/^\s+(s\d+_[inc]\d+) \[label=/gm)].map((m) => m[1]).sort(),
    edges: [...dot.matchAll(/^\s+(\S+) -> (\S+) \[/gm)].map((m) => `${m[1]} ${m[2]}`).sort(),
  };
}

function mermaidGraph(mmd: string): { nodes: string[]; edges: string[] } {
  return {
    nodes: [...mmd.matchAll(/^\s+(s\d+_[inc]\d+)[[(]/gm)].map((m) => m[1]).sort(),
    edges: [...mmd.matchAll(/^\s+(\S+) (?:---|-->|<-->)(?:\|"[^"]*"\|)? (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`).sort(),
  };
}

const topologyGraph = (t: Topology) => ({
  nodes: t.stacks.flatMap((g) => g.nodes.map((n) => n.id)).sort(),
  edges: t.stacks.flatMap((g) => g.edges.map((e) => `${e.from} ${e.to}`)).sort(),
});

const LAB = join(ROOT, 'stacks', 'lab.yaml');

describe('docknet graph', () => {
  const rich = tempSpec('rich.yaml', RICH);
  const richTopology = topology(loadSpecs([rich]));
  const richSvg = renderSvg(richTopology);

  test('lab.yaml: networks with subnets, containers with addresses, the route, the publish', () => {
    const t = topology(loadSpecs([LAB]));
    const svg = renderSvg(t);
    checkXml(svg);
    expect(nodeTexts(svg, t, 'lab-a')).toEqual(expect.arrayContaining(['lab-a', '10.101.0.0/24 gw 10.101.0.1']));
    expect(nodeTexts(svg, t, 'lab-b')).toEqual(expect.arrayContaining(['lab-b', '10.102.0.0/24 gw 10.102.0.1']));
    expect(labelsBeside(svg, t, 'lab-client')).toEqual(['10.101.0.10', 'alias client']);
    expect(labelsBeside(svg, t, 'lab-web')).toEqual(['10.102.0.10']);
    expect(nodeTexts(svg, t, 'lab-web', 'container')).toEqual(['lab-web', 'docknet/busybox:latest', 'publish 127.0.0.1:18080 → 80/tcp']);
    expect(readSvg(svg).texts.map((x) => x.text)).toContain('⇄ all traffic');
    // Both ends of a two-way route carry an arrowhead.
    expect(svg.match(/<polygon /g)?.length).toBe(2 + 1 /* legend */);
    expectCleanLayout(svg);
  });

  test('a richer spec: ICC and masquerade off, VLAN and untagged segments on their parent, replicas, a one-way filtered route, publishes, host and none modes', () => {
    checkXml(richSvg);
    const t = richTopology;
    expect(nodeTexts(richSvg, t, 'back')).toEqual(['back', 'bridge · br-back', '172.30.2.0/24 gw 172.30.2.1', 'range 172.30.2.128/25', 'fd00:30:2::/64', 'internal · ICC off · no masquerade']);
    expect(nodeTexts(richSvg, t, 'front')).toEqual(['front', 'bridge · br-front', '172.30.1.0/24 gw 172.30.1.1']);
    expect(nodeTexts(richSvg, t, 'vlan10')).toEqual(['vlan10', 'macvlan · bridge mode', '192.168.10.0/24 gw 192.168.10.1', 'parent eth0.10 (VLAN 10)']);
    expect(nodeTexts(richSvg, t, 'flat')).toEqual(['flat', 'ipvlan · l2 mode', '192.168.50.0/24', 'parent eth0']);
    // The segment hangs off the host interface eth0, through its sub-interface eth0.10.
    expect(nodeTexts(richSvg, t, 'eth0', 'interface')).toEqual(['eth0', 'host interface']);
    const [stack] = t.stacks;
    const id = (name: string, kind: string) => stack.nodes.find((n) => n.name === name && n.kind === kind)!.id;
    expect(stack.edges).toContainEqual({ kind: 'segment', from: id('eth0', 'interface'), to: id('vlan10', 'network'), direction: 'none', label: ['eth0.10', 'VLAN 10'] });
    expect(stack.edges).toContainEqual({ kind: 'segment', from: id('eth0', 'interface'), to: id('flat', 'network'), direction: 'none', label: ['untagged'] });
    expect(readSvg(richSvg).texts.map((x) => x.text)).toEqual(expect.arrayContaining(['eth0.10', 'VLAN 10']));
    expect(nodeTexts(richSvg, t, 'api', 'container')).toEqual(['api ×3', 'registry.local/api:2.3', 'api-1 … api-3']);
    expect(nodeTexts(richSvg, t, 'proxy', 'container')).toEqual(['proxy', 'nginx:1.27', 'publish *:80 → 80/tcp', 'publish 127.0.0.1:8443 → 443/tcp']);
    expect(labelsBeside(richSvg, t, 'proxy')).toEqual(['172.30.1.10', 'aliases www, proxy', '172.30.2.10']);
    expect(labelsBeside(richSvg, t, 'sensor')).toEqual(['192.168.10.20', 'mac 02:42:c0:a8:0a:14']);
    expect(nodeTexts(richSvg, t, 'sealed', 'container')).toEqual(['sealed', 'busybox:latest', 'network none: loopback only']);
    expect(stack.edges.filter((e) => e.to === id('sealed', 'container'))).toEqual([]);
    // Host mode: an edge to the host's own stack, drawn as not docknet's.
    expect(stack.edges).toContainEqual({ kind: 'endpoint', from: id('host', 'network'), to: id('monitor', 'container'), direction: 'none', label: [] });
    expect(nodeTexts(richSvg, t, 'host')).toEqual(['host', "the host's network stack", 'not managed by docknet']);
    // One way, filtered: the label says so, and only the far end has an arrowhead.
    expect(stack.edges).toContainEqual({ kind: 'route', from: id('front', 'network'), to: id('back', 'network'), direction: 'forward', label: ['→ tcp/80, icmp'] });
    expect(readSvg(richSvg).texts.map((x) => x.text)).toContain('→ tcp/80, icmp');
    expect(richSvg.match(/<polygon /g)?.length).toBe(1 + 1 /* legend */);
    expectCleanLayout(richSvg);
  });

  test('no overlaps: every bundled stack at once; 6 networks, 12 containers and 3 routes; crossing routes and an empty stack', () => {
    const all = renderSvg(topology(loadSpecs([join(ROOT, 'stacks')])));
    checkXml(all);
    expectCleanLayout(all);
    const big = topology(loadSpecs([tempSpec('big.yaml', BIG)]));
    expect(topologyGraph(big).nodes).toHaveLength(18);
    const svg = renderSvg(big);
    checkXml(svg);
    expectCleanLayout(svg);
    expect(readSvg(svg).texts.map((x) => x.text)).toEqual(expect.arrayContaining(['⇄ all traffic', '→ tcp/443, udp/53,', 'icmp', '⇄ tcp/5432', 'publish *:9000-9002 → 9000-9002/udp']));
    const odd = renderSvg(topology(loadSpecs([tempSpec('odd.yaml', ODD), tempSpec('empty.yaml', 'version: 1\n')])));
    checkXml(odd);
    expectCleanLayout(odd);
  });

  test('DOT and Mermaid name the same nodes and edges as the picture', () => {
    for (const t of [richTopology, topology(loadSpecs([join(ROOT, 'stacks')]))]) {
      const expected = topologyGraph(t);
      expect(dotGraph(renderDot(t))).toEqual(expected);
      expect(mermaidGraph(renderMermaid(t))).toEqual(expected);
      expect(readSvg(renderSvg(t)).rects.filter((r) => r.role === 'node').map((r) => r.id).sort()).toEqual(expected.nodes);
    }
    const dot = renderDot(richTopology);
    expect(dot).toMatch(/ -> \S+ \[label="→ tcp\/80, icmp", dir=forward/);
    expect(dot).toContain('label="eth0.10\\nVLAN 10"');
    const mmd = renderMermaid(richTopology);
    expect(mmd).toMatch(/ -->\|"→ tcp\/80, icmp"\| /);
    expect(mmd).toContain('---|"172.30.1.10<br/>aliases www, proxy"|');
  });

  test('the well-formedness check refuses broken XML', () => {
    for (const bad of ['<a>&</a>', '<a><b></a></b>', '<a x="1" x="2"/>', '<a/><b/>', '<a x=1/>', '<a>&nbsp;</a>', '<a>\u0001</a>', 'text<a/>']) {
      expect(() => checkWellFormed(bad)).toThrow();
    }
    expect(() => checkWellFormed('<?xml version="1.0"?>\n<a x="&lt;&#38;"><!-- c --><b>t &amp; u</b></a>\n')).not.toThrow();
  });

  test('names that are markup stay text in every format', () => {
    const source = { file: 'x.yaml', path: [] };
    const runtime = { mounts: [], capAdd: [], capDrop: [], sysctls: {}, tmpfs: {}, readOnly: false, dns: [], extraHosts: [] };
    const stack: Stack = {
      ...emptyStack('a<b>&"c"'),
      files: ['x.yaml'],
      networks: [{ name: 'n<1>', source, driver: 'weird"&driver', internal: false, attachable: false, labels: {}, options: {} }],
      containers: [{ name: 'c&1', service: 'c&1', source, image: 'img<x>|#1', env: {}, labels: {}, endpoints: [{ network: 'n<1>', aliases: ['a"b'] }], publish: [], restart: 'no', envFiles: [], runtime, dependsOn: [] }],
    };
    const t = topology([stack]);
    const svg = renderSvg(t);
    checkWellFormed(svg);
    expect(readSvg(svg).texts.map((x) => x.text)).toEqual(expect.arrayContaining(['n<1>', 'c&1', 'img<x>|#1', 'alias a"b', 'stack a<b>&"c"']));
    expect(renderDot(t)).toContain('label="c&1\\nimg<x>|#1"');
    const mmd = renderMermaid(t);
    expect(mmd).toContain('("c&1<br/>img#60;x#62;#124;#35;1")');
    expect(mermaidGraph(mmd)).toEqual(topologyGraph(t));
  });

  describe('bin/docknet graph', () => {
    const out = mkdtempSync(join(tmpdir(), 'docknet-graph-'));
    // Nothing listens there: a command that contacted the engine would fail.
    const offline = { ...process.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
    const graph = (...args: string[]) => run(DOCKNET, ['graph', ...args], 60_000, offline);

    test('-o x.svg writes the file and says where; without -o, Mermaid on stdout', async () => {
      const file = join(out, 'x.svg');
      const r = await graph(LAB, '-o', file);
      expect(r).toMatchObject({ code: 0, stdout: `wrote ${file}: 1 stack, 2 networks, 2 containers, 1 route\n` });
      checkXml(readFileSync(file, 'utf8'));
      for (const ext of ['dot', 'mmd']) expect((await graph(LAB, '-o', join(out, `x.${ext}`))).code).toBe(0);
      expect(readFileSync(join(out, 'x.dot'), 'utf8')).toBe(renderDot(topology(loadSpecs([LAB]))));
      const stdout = await graph(LAB);
      expect(stdout.code).toBe(0);
      expect(stdout.stdout).toBe(readFileSync(join(out, 'x.mmd'), 'utf8'));
      expect(stdout.stdout).toMatch(/^flowchart LR\n/);
    });

    test('a bad spec exits 2 naming file, line and path; an unknown extension exits 1 before reading', async () => {
      const bad = tempSpec('bad.yaml', 'version: 1\nnetworks:\n  a:\n    ipv4: { subnet: 10.9.0.0/33 }\n');
      const r = await graph(bad, '-o', join(out, 'bad.svg'));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^error: ${bad}:4:\\d+: networks\\.a\\.ipv4\\.subnet: `));
      expect(existsSync(join(out, 'bad.svg'))).toBe(false);
      const ext = await graph(bad, '-o', join(out, 'x.jpg'));
      expect(ext.code).toBe(1);
      expect(ext.stderr).toContain('name it .svg, .png, .dot or .mmd');
    });

    test('PNG without rsvg-convert: the error says what to install and what needs nothing', async () => {
      const r = await run(process.execPath, [DOCKNET, 'graph', LAB, '-o', join(out, 'none.png')], 60_000, { ...offline, PATH: '/nonexistent' });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('apt-get install librsvg2-bin');
      expect(r.stderr).toContain('.svg, .dot and .mmd need nothing');
      expect(existsSync(join(out, 'none.png'))).toBe(false);
    });

    (HAS_RSVG ? test : test.skip)(HAS_RSVG ? 'PNG with rsvg-convert is a PNG file' : 'PNG with rsvg-convert (skipped: rsvg-convert is not installed; apt-get install librsvg2-bin)', async () => {
      const file = join(out, 'x.png');
      const r = await graph(LAB, '-o', file);
      expect(r.code).toBe(0);
      expect(readFileSync(file).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    });
  });
});
