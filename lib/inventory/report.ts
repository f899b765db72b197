// `docknet ls` for people (a block per stack: its objects in aligned columns, then its drift) and for
// machines (JSON).
import { describeEngine } from '../plan/render';
import { INVENTORY_LIMITS, type Inventory, type StackEntry } from './inventory';

/** Rows with their columns padded to the widest cell (the last column is left as it is). */
function aligned(rows: string[][]): string[] {
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd());
}

/** The kind of an object, as wide as the widest, so that names line up across kinds. */
const kind = (k: string) => k.padEnd('container'.length);

/** A stack's objects as table rows, by kind: networks, containers, routes, host shims (each sorted by name). */
function rows(s: StackEntry): string[][][] {
  const byName = <T extends { name?: string; id: string }>(items: T[]) => [...items].sort((a, b) => (a.name ?? a.id).localeCompare(b.name ?? b.id));
  return [
    byName(s.networks).map((n) => [kind('network'), n.name, n.driver, [n.subnets.ipv4, n.subnets.ipv6].filter(Boolean).join(' ') || '-', n.bridge ?? '']),
    byName(s.containers).map((c) => {
      const where = Object.entries(c.networks).map(([net, address]) => (address ? `${net} ${address}` : net));
      return [kind('container'), c.name, c.state, c.image, [...where, ...c.publish].join(', ')];
    }),
    byName(s.routes).map((r) => [kind('route'), r.id, r.route, `${r.rules.length} ${r.rules.length === 1 ? 'rule' : 'rules'}`]),
    [...s.shims].sort((a, b) => a.name.localeCompare(b.name)).map((h) => [kind('shim'), h.name, `network ${h.network}`, h.addresses.join(' ') || '-', h.parent ? `on ${h.parent}` : '']),
  ];
}

function heading(s: StackEntry): string {
  const manager = s.manager ? `manager ${s.manager.manager}${s.manager.since ? ` since ${s.manager.since}` : ''} (${s.manager.how})` : 'no manager recorded';
  return `stack ${s.name}: ${manager}${s.origin ? `, declared in ${s.origin}` : ''}`;
}

export function renderInventory(inv: Inventory): string {
  const lines = [`engine ${describeEngine(inv.engine)}`];
  if (inv.firewallProblem) lines.push(`routes are not listed: ${inv.firewallProblem}`);
  for (const s of inv.stacks) {
    lines.push(heading(s));
    // Each kind is a table of its own, so that one long route does not spread the containers' columns.
    for (const kindRows of rows(s)) for (const row of aligned(kindRows)) lines.push(`  ${row}`);
    for (const d of s.drift) lines.push(`  drift: ${d}`);
  }
  const drifting = inv.stacks.filter((s) => s.drift.length > 0).length;
  if (inv.stacks.length === 0) lines.push('docknet owns nothing on this engine');
  else lines.push(`${inv.stacks.length} ${inv.stacks.length === 1 ? 'stack' : 'stacks'}, ${drifting === 0 ? 'no drift seen' : `${drifting} with drift`}.`, INVENTORY_LIMITS);
  return lines.join('\n');
}

export function inventoryJson(inv: Inventory): unknown {
  return { ...inv, limits: INVENTORY_LIMITS };
}
