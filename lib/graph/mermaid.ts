// The topology as a Mermaid flowchart: readable in a terminal, pasteable into Markdown. One subgraph
// per stack; node ids and edges are the topology's, as in the DOT output.
import type { GraphEdge, GraphNode, NodeVariant, Topology } from './topology';

/** Text inside a quoted Mermaid label: its own markup characters as entity codes, lines joined by <br/>. */
function label(lines: string[]): string {
  const escape = (l: string) => l.replace(/[\u0000-\u001f]/g, ' ').replace(/[#"<>|]/g, (c) => `#${c.charCodeAt(0)};`);
  return `"${lines.map(escape).join('<br/>')}"`;
}

const SHAPE: Record<GraphNode['kind'], [string, string]> = {
  interface: ['([', '])'],
  network: ['[', ']'],
  container: ['(', ')'],
};

const CLASS: Record<NodeVariant, string> = {
  bridge: 'fill:#e0ecff,stroke:#2563eb',
  segment: 'fill:#dcfce7,stroke:#16a34a',
  overlay: 'fill:#f3e8ff,stroke:#7c3aed',
  plugin: 'fill:#f1f5f9,stroke:#475569',
  implied: 'fill:#ffffff,stroke:#94a3b8,stroke-dasharray:5 3',
  container: 'fill:#ffffff,stroke:#334155',
  interface: 'fill:#e5e7eb,stroke:#4b5563',
};

const ARROW: Record<GraphEdge['direction'], string> = { none: '---', forward: '-->', both: '<-->' };

const LINK_STYLE: Record<GraphEdge['kind'], string> = {
  segment: 'stroke:#16a34a,stroke-width:2px',
  endpoint: 'stroke:#64748b',
  route: 'stroke:#ea580c,stroke-width:2px',
};

export function renderMermaid(t: Topology): string {
  const out = ['flowchart LR'];
  const links: GraphEdge['kind'][] = [];
  for (const g of t.stacks) {
    out.push(`  subgraph ${g.id}[${label([`stack ${g.name} · ${g.files.join(', ')}`])}]`);
    for (const n of g.nodes) {
      const [open, close] = SHAPE[n.kind];
      out.push(`    ${n.id}${open}${label(n.lines.map((l) => l.text))}${close}:::${n.variant}`);
    }
    for (const e of g.edges) {
      out.push(`    ${e.from} ${ARROW[e.direction]}${e.label.length > 0 ? `|${label(e.label)}|` : ''} ${e.to}`);
      links.push(e.kind);
    }
    out.push('  end');
  }
  const used = new Set(t.stacks.flatMap((g) => g.nodes.map((n) => n.variant)));
  for (const [variant, style] of Object.entries(CLASS)) if (used.has(variant as NodeVariant)) out.push(`  classDef ${variant} ${style}`);
  // Mermaid styles links by their index in the whole chart.
  links.forEach((kind, i) => out.push(`  linkStyle ${i} ${LINK_STYLE[kind]}`));
  return `${out.join('\n')}\n`;
}
