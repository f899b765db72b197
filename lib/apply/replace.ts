// Replacing without an outage that outlives a failure. A container is not removed before its successor
// runs: it is renamed aside (freeing its name) and keeps serving, unless the new one needs what it
// holds (fixed host ports, static addresses, a MAC, the host's network), in which case it is stopped
// first. The new one is created with the old one's anonymous volumes and started; only then is the old
// one stopped (with its grace period) and removed. If anything fails, the rollback renames the old one
// back and starts it again if it had been running. A network removed for its
// replacement is made again from the plan's observation if the new one cannot be made, and the
// endpoints taken off it are reconnected with the settings they had.
import type Docker from 'dockerode';
import { EngineError, type ContainerDetail, type Engine } from '../drivers/docker';
import type { ContainerSpec } from '../model/types';
import { networkRequestFromHost } from '../plan/desired';
import type { ApplyContext } from './steps';

/** Name of a container set aside while its replacement is made. */
export function asideName(name: string): string {
  return `${name}.docknet-old`;
}

export interface SetAside {
  id: string;
  /** Anonymous volumes of the old container: the new one mounts them, so their data stays. */
  mounts: Docker.MountSettings[];
}

/** Aliases Docker adds by itself (short id, name) are not settings to restore. */
function endpointSettings(detail: ContainerDetail, network: string): Docker.EndpointSettings {
  const e = detail.NetworkSettings.Networks[network];
  const own = new Set([detail.Id.slice(0, 12), detail.Name.replace(/^\//, '')]);
  const out: Docker.EndpointSettings = {};
  if (e?.IPAMConfig && (e.IPAMConfig.IPv4Address || e.IPAMConfig.IPv6Address)) out.IPAMConfig = e.IPAMConfig;
  const aliases = (e?.Aliases ?? []).filter((a: string) => !own.has(a));
  if (aliases.length > 0) out.Aliases = aliases;
  return out;
}

/** Starts a container whose networks may have been recreated since it stopped: it is re-attached by name. */
async function startReattached(engine: Engine, detail: ContainerDetail): Promise<void> {
  try {
    await engine.startContainer(detail.Id);
    return;
  } catch (e) {
    if (!(e instanceof EngineError && /network .* not found/i.test(e.engineMessage))) throw e;
  }
  for (const network of Object.keys(detail.NetworkSettings.Networks ?? {})) {
    await engine.disconnect(network, detail.Id).catch(() => undefined);
    await engine.connect(network, detail.Id, endpointSettings(detail, network));
  }
  await engine.startContainer(detail.Id);
}

/** Whether a new container needs what its predecessor holds while it runs. */
export function needsPredecessorStopped(c: ContainerSpec): boolean {
  return c.networkMode === 'host' || c.publish.some((p) => /^\d+$/.test(p.hostPort)) || c.endpoints.some((e) => e.ipv4 || e.ipv6 || e.mac);
}

/** Phase 1 of a container replacement: the old container renamed aside (and stopped if it must be), restorable. */
export async function setAside(ctx: ApplyContext, c: ContainerSpec, id: string): Promise<void> {
  const name = c.name;
  const detail = await ctx.engine.inspectContainer(id);
  const running = Boolean(detail.State?.Running);
  try {
    await ctx.engine.renameContainer(id, asideName(name));
  } catch (e) {
    // One left aside by an apply that was killed: it is not the one serving now.
    if (!(e instanceof EngineError && e.statusCode === 409)) throw e;
    await ctx.engine.removeContainer(asideName(name)).catch(() => undefined);
    await ctx.engine.renameContainer(id, asideName(name));
  }
  ctx.rollback.add(`container ${name}`, `container ${name}: the old container is back${running ? ' and running' : ''}`, async () => {
    await ctx.engine.renameContainer(id, name);
    if (running) await startReattached(ctx.engine, detail);
  });
  // A network it is attached to is about to be recreated: Docker removes no network with live endpoints.
  const onRenewed = Object.keys(detail.NetworkSettings?.Networks ?? {}).some((n) => ctx.renewing.has(n));
  if (needsPredecessorStopped(c) || onRenewed) await ctx.engine.stopContainer(id);
  const mounts = (detail.Mounts ?? [])
    .filter((m) => m.Type === 'volume' && m.Name && /^[0-9a-f]{64}$/.test(m.Name))
    .map((m) => ({ Type: 'volume' as const, Source: m.Name!, Target: m.Destination }));
  ctx.aside.set(name, { id, mounts });
}

/** Phase 4, after the new container runs: the old one stops (grace period) and goes; its anonymous volumes stay with the new one. */
export async function finishReplacement(ctx: ApplyContext, name: string): Promise<void> {
  const old = ctx.aside.get(name);
  if (!old) return;
  await ctx.engine.stopContainer(old.id);
  await ctx.engine.removeContainer(old.id, false);
  ctx.rollback.settle(`container ${name}`);
}

/** Phase 1: before a container leaves a network that is being recreated, remember how it was attached. */
export async function rememberEndpoint(ctx: ApplyContext, network: string, container: string): Promise<void> {
  if (!ctx.renewing.has(network)) return;
  const detail = await ctx.engine.inspectContainer(container);
  const list = ctx.detached.get(network) ?? [];
  list.push({ container: detail.Id, name: container, settings: endpointSettings(detail, network) });
  ctx.detached.set(network, list);
}

/**
 * Phase 4: a container the plan took off a recreated network goes back on it as it was (its static
 * addresses and aliases). A static address the new network no longer holds is refused by Docker: the
 * container then gets one the network picks, rather than staying off it.
 */
export async function restoreEndpoint(ctx: ApplyContext, network: string, container: string): Promise<void> {
  const settings = ctx.detached.get(network)?.find((e) => e.name === container)?.settings ?? {};
  try {
    await ctx.engine.connect(network, container, settings);
  } catch (e) {
    if (!(e instanceof EngineError) || !settings.IPAMConfig || (e.statusCode !== 400 && e.statusCode !== 403)) throw e;
    await ctx.engine.connect(network, container, { ...settings, IPAMConfig: undefined });
  }
}

/** Phase 2 of a network replacement: removed, restorable until its successor exists. */
export async function removeForReplacement(ctx: ApplyContext, name: string, id: string): Promise<void> {
  const seen = ctx.host.networks.get(name);
  await ctx.engine.removeNetwork(id, seen?.info.Scope === 'swarm');
  if (!seen) return;
  ctx.rollback.add(`network ${name}`, `network ${name}: the old network is back, its endpoints reconnected`, async () => {
    await ctx.engine.createNetwork(networkRequestFromHost(seen.info));
    for (const e of ctx.detached.get(name) ?? []) await ctx.engine.connect(name, e.container, e.settings);
  });
}
