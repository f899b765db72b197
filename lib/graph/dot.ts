// The topology as Graphviz DOT (`dot -Tsvg`), left to right: host interfaces, networks, containers;
// one cluster per stack. Node ids and edges are the topology's, as in the Mermaid output.
import type { GraphEdge, GraphNode, NodeVariant, Topology } from './topology';

/** A DOT double-quoted string: quotes and backslashes escaped, lines joined by \n. */
function quote(lines: string[]): string {
  return `"${lines.map((l) => l.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\r\n]/g, ' ')).join('\\n')}"`;
}

const NODE: Record<NodeVariant, string> = {
  bridge: 'style="filled", fillcolor="#e0ecff", color="#2563eb"',
  segment: 'style="filled", fillcolor="#dcfce7", color="#16a34a"',
  overlay: 'style="filled", fillcolor="#f3e8ff", color="#7c3aed"',
  plugin: 'style="filled", fillcolor="#f1f5f9", color="#475569"',
  implied: 'style="dashed", color="#94a3b8"',
  container: 'style="filled", fillcolor="#ffffff", color="#334155"',
  interface: 'shape=box, style="rounded,filled", fillcolor="#e5e7eb", color="#4b5563"',
};

const EDGE: Record<GraphEdge['kind'], string> = {
  segment: 'color="#16a34a", penwidth=2',
  endpoint: 'color="#64748b"',
  route: 'color="#ea580c", penwidth=2, fontcolor="#c2410c"',
};

const node = (n: GraphNode) => `    ${n.id} [label=${quote(n.lines.map((l) => l.text))}, ${NODE[n.variant]}];`;

function edge(e: GraphEdge): string {
  const attrs = [`dir=${e.direction === 'none' ? 'none' : e.direction}`, EDGE[e.kind]];
  if (e.label.length > 0) attrs.unshift(`label=${quote(e.label)}`);
  // Routes join networks of one column: they should not push one network a rank further.
  if (e.kind === 'route') attrs.push('constraint=false');
  return `    ${e.from} -> ${e.to} [${attrs.join(', ')}];`;
}

export function renderDot(t: Topology): string {
  const out = [
    'digraph docknet {',
    '  graph [rankdir=LR, fontname="monospace", nodesep=0.35, ranksep=1.1];',
    '  node [shape=box, fontname="monospace", fontsize=10];',
    '  edge [fontname="monospace", fontsize=9];',
  ];
  for (const g of t.stacks) {
    out.push(`  subgraph cluster_${g.id} {`, `    label=${quote([`stack ${g.name} (${g.files.join(', ')})`])};`, '    style="rounded"; color="#94a3b8";');
    out.push(...g.nodes.map(node), ...g.edges.map(edge), '  }');
  }
  out.push('}', '');
  return out.join('\n');
}
