// The topology as a self-contained SVG: the layout's scene written out with fixed colours and fonts.
// No scripts, no external references, every text escaped, so any viewer (and rsvg-convert) shows it.
import { FONT_FAMILY, layout, type RectStyle, type Scene, type TextStyle } from './layout';
import type { Topology } from './topology';

/** Characters XML 1.0 cannot hold at all (escaping does not help), shown as U+FFFD. */
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function escapeXml(text: string): string {
  return text
    .replace(NOT_XML, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

interface Paint {
  fill: string;
  stroke?: string;
  dash?: string;
  rx?: number;
}

const RECT: Record<RectStyle, Paint> = {
  canvas: { fill: '#ffffff' },
  group: { fill: '#f8fafc', stroke: '#94a3b8', rx: 10 },
  legend: { fill: '#ffffff', stroke: '#94a3b8', rx: 6 },
  label: { fill: '#ffffff' },
  bridge: { fill: '#e0ecff', stroke: '#2563eb', rx: 4 },
  segment: { fill: '#dcfce7', stroke: '#16a34a', rx: 4 },
  overlay: { fill: '#f3e8ff', stroke: '#7c3aed', rx: 4 },
  plugin: { fill: '#f1f5f9', stroke: '#475569', rx: 4 },
  implied: { fill: '#ffffff', stroke: '#94a3b8', dash: '5 3', rx: 4 },
  container: { fill: '#ffffff', stroke: '#334155', rx: 2 },
  interface: { fill: '#e5e7eb', stroke: '#4b5563', rx: 12 },
};

const TEXT: Record<TextStyle, { fill: string; bold?: boolean }> = {
  title: { fill: '#0f172a', bold: true },
  heading: { fill: '#0f172a', bold: true },
  detail: { fill: '#1e293b' },
  muted: { fill: '#475569' },
  mark: { fill: '#b91c1c', bold: true },
  publish: { fill: '#9a3412' },
  endpoint: { fill: '#1e293b' },
  segment: { fill: '#166534' },
  route: { fill: '#c2410c', bold: true },
  legend: { fill: '#1e293b' },
};

const EDGE: Record<Scene['paths'][number]['kind'], { stroke: string; width: number }> = {
  endpoint: { stroke: '#64748b', width: 1.3 },
  segment: { stroke: '#16a34a', width: 2 },
  route: { stroke: '#ea580c', width: 2 },
};

const n = (v: number) => String(Math.round(v * 10) / 10);

export function renderSvg(t: Topology): string {
  const s = layout(t);
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${s.width}" height="${s.height}" viewBox="0 0 ${s.width} ${s.height}" font-family="${escapeXml(FONT_FAMILY)}">`,
    `<title>${escapeXml(`docknet topology: ${t.stacks.map((g) => g.name).join(', ')}`)}</title>`,
  ];
  // Groups and nodes first, then edges (they run in the gaps), then labels and text on top.
  const rect = (r: Scene['rects'][number]) => {
    const p = RECT[r.style];
    const attrs = [`data-role="${r.role}"`, r.id ? `data-id="${escapeXml(r.id)}"` : '', `x="${n(r.x)}" y="${n(r.y)}" width="${n(r.w)}" height="${n(r.h)}"`, p.rx ? `rx="${p.rx}"` : '', `fill="${p.fill}"`];
    if (r.role === 'label') attrs.push('fill-opacity="0.9"');
    if (p.stroke) attrs.push(`stroke="${p.stroke}"`, `stroke-width="${r.role === 'group' ? 1 : 1.5}"`);
    if (p.dash) attrs.push(`stroke-dasharray="${p.dash}"`);
    out.push(`<rect ${attrs.filter(Boolean).join(' ')}/>`);
  };
  s.rects.filter((r) => r.role !== 'label').forEach(rect);
  for (const p of s.paths) out.push(`<path data-edge="${p.kind}" d="${p.d.replace(/-?\d+\.\d+/g, (v) => n(Number(v)))}" fill="none" stroke="${EDGE[p.kind].stroke}" stroke-width="${EDGE[p.kind].width}"/>`);
  for (const a of s.arrows) out.push(`<polygon points="${a.map(([x, y]) => `${n(x)},${n(y)}`).join(' ')}" fill="${EDGE.route.stroke}"/>`);
  s.rects.filter((r) => r.role === 'label').forEach(rect);
  for (const text of s.texts) {
    const style = TEXT[text.style];
    out.push(`<text x="${n(text.x)}" y="${n(text.y)}" font-size="${text.size}"${style.bold ? ' font-weight="bold"' : ''} fill="${style.fill}" xml:space="preserve">${escapeXml(text.text)}</text>`);
  }
  out.push('</svg>', '');
  return out.join('\n');
}
