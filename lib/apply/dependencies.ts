// Start order: a container is made after the containers it depends on, and with a condition it waits
// for them — healthy (its healthcheck passes) or completed (it exited with 0) — bounded in time and
// reported while it waits. Only the creation waits: a running container is never held back.
import type { ContainerSpec, Dependency } from '../model/types';
import type { ApplyContext, Step } from './steps';

/** How long a dependency may take to become healthy or complete (DOCKNET_DEPENDENCY_TIMEOUT seconds). */
function timeoutMs(): number {
  const s = Number(process.env.DOCKNET_DEPENDENCY_TIMEOUT ?? 300);
  return (Number.isFinite(s) && s > 0 ? s : 300) * 1000;
}

/** The steps of a phase with every container after those it depends on (a stable sort by depth). */
export function dependencyOrder(steps: Step[]): Step[] {
  const specs = new Map<string, ContainerSpec>();
  for (const s of steps) if (s.action.kind === 'container' && s.action.desired) specs.set(s.action.desired.service, s.action.desired);
  const depth = new Map<string, number>();
  const depthOf = (service: string, seen: Set<string>): number => {
    if (depth.has(service)) return depth.get(service)!;
    if (seen.has(service)) return 0; // a circle is refused by validation; never loop here
    const deps = specs.get(service)?.dependsOn ?? [];
    const d = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((x) => depthOf(x.service, new Set([...seen, service]))));
    depth.set(service, d);
    return d;
  };
  const of = (s: Step) => (s.action.kind === 'container' && s.action.desired ? depthOf(s.action.desired.service, new Set()) : 0);
  return steps.map((s, i) => ({ s, i, d: of(s) })).sort((a, b) => a.d - b.d || a.i - b.i).map((x) => x.s);
}

async function poll(ctx: ApplyContext, name: string, dep: Dependency, waiter: string): Promise<void> {
  const deadline = Date.now() + timeoutMs();
  const started = Date.now();
  let said = 0;
  for (;;) {
    const detail = await ctx.engine.inspectContainer(name);
    const state = detail.State;
    if (dep.condition === 'healthy') {
      const health = state?.Health?.Status;
      if (health === 'healthy') return;
      if (!state?.Running) throw new Error(`${waiter} waits for ${name} to be healthy, but ${name} is ${state?.Status ?? 'gone'}`);
    } else if (state?.Status === 'exited') {
      if (state.ExitCode === 0) return;
      throw new Error(`${waiter} waits for ${name} to complete, but it exited with ${state.ExitCode}`);
    }
    if (Date.now() > deadline) throw new Error(`${waiter} waited ${Math.round(timeoutMs() / 1000)}s for ${name} to be ${dep.condition === 'healthy' ? 'healthy' : 'completed'} (DOCKNET_DEPENDENCY_TIMEOUT sets the limit)`);
    // A line when the wait starts, then every 10 s: quiet when all is well, visible when it is not.
    if (Date.now() - said >= 10_000) {
      said = Date.now();
      ctx.onWait?.(`${waiter} waits for ${name} to be ${dep.condition === 'healthy' ? `healthy (now ${state?.Health?.Status ?? 'starting'})` : 'completed'}, ${Math.round((Date.now() - started) / 1000)}s`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Waits until what `c` depends on is there: made in this apply, and healthy or completed when asked. */
export async function awaitDependencies(ctx: ApplyContext, c: ContainerSpec): Promise<void> {
  for (const dep of c.dependsOn) {
    await Promise.all(ctx.starting.get(dep.service) ?? []);
    if (dep.condition === 'started') continue;
    for (const name of ctx.serviceContainers(dep.service)) await poll(ctx, name, dep, c.name);
  }
}
