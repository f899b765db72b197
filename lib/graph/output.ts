// docknet graph's output: the format an output file's extension asks for, rendered and written.
import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Stack } from '../model/types';
import { renderDot } from './dot';
import { renderMermaid } from './mermaid';
import { writePng } from './png';
import { renderSvg } from './svg';
import { topology, type Topology } from './topology';

const TEXT_FORMATS = { '.svg': renderSvg, '.dot': renderDot, '.mmd': renderMermaid } as const;

/** The extensions -o understands, checked before any spec is read. */
export function checkOutputFile(file: string): void {
  const ext = extname(file).toLowerCase();
  if (ext !== '.png' && !(ext in TEXT_FORMATS)) throw new Error(`cannot tell the picture format from "${file}": name it .svg, .png, .dot or .mmd`);
}

/** Writes the picture of stacks to file, in the format its extension names. */
export async function writeGraph(stacks: Stack[], file: string): Promise<Topology> {
  checkOutputFile(file);
  const t = topology(stacks);
  const ext = extname(file).toLowerCase();
  if (ext === '.png') await writePng(renderSvg(t), file);
  else writeFileSync(file, TEXT_FORMATS[ext as keyof typeof TEXT_FORMATS](t));
  return t;
}

/** The Mermaid text of stacks: what `docknet graph` prints without -o. */
export function mermaidText(stacks: Stack[]): string {
  return renderMermaid(topology(stacks));
}

/** "1 stack, 2 networks, 2 containers, 1 route". */
export function summary(t: Topology): string {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const nodes = (kind: string) => t.stacks.reduce((sum, g) => sum + g.nodes.filter((n) => n.kind === kind).length, 0);
  const routes = t.stacks.reduce((sum, g) => sum + g.edges.filter((e) => e.kind === 'route').length, 0);
  return [count(t.stacks.length, 'stack'), count(nodes('network'), 'network'), count(nodes('container'), 'container'), count(routes, 'route')].join(', ');
}
