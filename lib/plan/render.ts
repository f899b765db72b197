// Plans for people (a readable diff, with what each create and replace builds) and for machines (JSON,
// with the desired and current values of each action's object).
import type { Action, Plan } from './actions';
import type { EngineFacts } from './route-rules';
import { actionValues, attributeLines } from './attributes';

const SYMBOL: Record<Action['op'], string> = {
  create: '+',
  replace: '-/+',
  update: '~',
  remove: '-',
  connect: '+',
  disconnect: '-',
  start: '>',
};

const COLOR: Record<Action['op'], string> = {
  create: '\x1b[32m',
  replace: '\x1b[33m',
  update: '\x1b[33m',
  remove: '\x1b[31m',
  connect: '\x1b[32m',
  disconnect: '\x1b[31m',
  start: '\x1b[36m',
};

export function summarize(plan: Pick<Plan, 'actions'>): string {
  if (plan.actions.length === 0) return 'no changes';
  const counts = new Map<string, number>();
  for (const a of plan.actions) counts.set(a.op, (counts.get(a.op) ?? 0) + 1);
  const words: Record<string, string> = { create: 'to create', replace: 'to replace', update: 'to update in place', remove: 'to remove', connect: 'to connect', disconnect: 'to disconnect', start: 'to start' };
  return [...counts].map(([op, n]) => `${n} ${words[op]}`).join(', ');
}

export function actionTitle(a: Action): string {
  const what = a.kind === 'endpoint' ? `endpoint ${a.name}` : `${a.kind} ${a.name}`;
  return `${a.op} ${what}`;
}

/** The engine a plan or an error is about: endpoint, version, host name, firewall. */
export function describeEngine(e: EngineFacts): string {
  return `${e.endpoint} (Docker ${e.version} on ${e.name || 'an unnamed host'}${e.swarm ? `, swarm ${e.swarm}` : ''}, firewall ${e.firewallBackend})`;
}

export function renderPlan(plan: Plan, color = false): string {
  const lines: string[] = [`engine ${describeEngine(plan.observed.engine)}`];
  for (const stack of plan.stacks) {
    const actions = plan.actions.filter((a) => a.stack === stack);
    lines.push(`stack ${stack}: ${actions.length === 0 ? 'no changes' : summarize({ actions })}`);
    for (const n of plan.notes.filter((x) => x.stack === stack)) lines.push(`  note: ${n.message}`);
    for (const a of actions) {
      const symbol = SYMBOL[a.op].padStart(3);
      const head = `${symbol} ${a.kind} ${a.name}${a.op === 'connect' || a.op === 'disconnect' || a.op === 'start' || a.op === 'update' ? ` (${a.op})` : a.op === 'replace' ? ' (replace)' : ''}`;
      lines.push(color ? `${COLOR[a.op]}${head}\x1b[0m` : head);
      for (const r of a.reasons) lines.push(`      ${r}`);
      for (const line of attributeLines(a, plan.observed)) lines.push(`      ${line}`);
    }
  }
  lines.push(`plan: ${summarize(plan)}`);
  return lines.join('\n');
}

export function planJson(plan: Plan): unknown {
  return {
    engine: plan.observed.engine,
    stacks: plan.stacks,
    changes: plan.actions.length,
    notes: plan.notes,
    actions: plan.actions.map((a) => ({
      stack: a.stack,
      kind: a.kind,
      op: a.op,
      name: a.name,
      ...(a.kind === 'endpoint' ? { container: a.container, network: a.network } : a.kind === 'shim' ? { network: a.network } : {}),
      reasons: a.reasons,
      // null: the object does not exist before (current) or after (desired) the action.
      ...(({ desired, current }) => ({ desired: desired ?? null, current: current ?? null }))(actionValues(a, plan.observed)),
    })),
  };
}
