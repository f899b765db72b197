// `docknet probe`: real packets between short-lived probe containers that docknet starts on the stacks'
// networks (and one on the engine host's network for publishes), reported as check, expected,
// observed. The probe containers carry docknet's labels, end by themselves after a while should this
// process die, and are removed before probe returns, also when it is interrupted.
import { randomBytes } from 'node:crypto';
import type { Docknet } from '../docknet';
import { runBounded } from '../apply/pool';
import { pullImage, type PullEvent } from '../apply/images';
import type { Stack } from '../model/types';
import { LABEL } from '../plan/desired';
import { routeEndOf, type ObservedHost } from '../plan/observe';
import { routeFamilies, type EngineFacts } from '../plan/route-rules';
import { listenPorts, probeChecks, type PathCheck, type ProbeCheck, type PublishCheck } from './checks';

/** Seconds a probe container lives if nobody removes it (this process was killed). */
const LIFETIME_S = 600;
/** Seconds one packet exchange may take. */
const WAIT_S = 2;

export interface ProbeResult {
  check: ProbeCheck;
  observed: string;
  ok: boolean;
}

export interface ProbeReport {
  engine: EngineFacts;
  results: ProbeResult[];
  ok: boolean;
}

export type ProbeProgress = { type: 'start'; checks: number; containers: number } | PullEvent | { type: 'result'; result: ProbeResult };

export interface ProbeOptions {
  image: string;
  signal?: AbortSignal;
  onProgress?: (e: ProbeProgress) => void;
  concurrency?: number;
}

interface Prober {
  id: string;
  /** Addresses on its network, by family. */
  ipv4?: string;
  ipv6?: string;
}

class ProbeRun {
  readonly id = randomBytes(3).toString('hex');
  private readonly started: string[] = [];
  private count = 0;

  constructor(private readonly dn: Docknet, private readonly image: string) {}

  /** A probe container on a network (or the host's), answering on the given TCP ports. */
  async start(stack: string, network: string | 'host', ports: number[]): Promise<Prober> {
    const name = `dnprobe-${this.id}-${++this.count}`;
    const listeners = ports.map((p) => `nc -ll -p ${p} -e echo ok & `).join('');
    const id = await this.dn.engine.createContainer({
      name,
      Image: this.image,
      Cmd: ['sh', '-c', `${listeners}exec sleep ${LIFETIME_S}`],
      Labels: { [LABEL.managed]: 'true', [LABEL.stack]: stack, [LABEL.probe]: this.id },
      HostConfig: { NetworkMode: network, AutoRemove: true },
    });
    this.started.push(id);
    await this.dn.engine.startContainer(id);
    if (network === 'host') return { id };
    const seen = (await this.dn.engine.inspectContainer(id)).NetworkSettings.Networks[network];
    return { id, ipv4: seen?.IPAddress || undefined, ipv6: seen?.GlobalIPv6Address || undefined };
  }

  async removeAll(): Promise<void> {
    await Promise.all(this.started.map((id) => this.dn.engine.removeContainer(id).catch(() => undefined)));
  }
}

/** Probe containers an earlier, interrupted probe left behind. */
async function removeLeftovers(dn: Docknet, stacks: string[]): Promise<void> {
  const all = await dn.engine.listContainers();
  const stale = all.filter((c) => c.Labels?.[LABEL.probe] && stacks.includes(c.Labels[LABEL.stack] ?? ''));
  await Promise.all(stale.map((c) => dn.engine.removeContainer(c.Id).catch(() => undefined)));
}

function pathObserved(check: PathCheck, output: string): { observed: string; reached: boolean } {
  if (check.protocol === 'icmp') {
    const ttl = /ttl=(\d+)/.exec(output);
    return ttl ? { observed: `reply, ttl=${ttl[1]}`, reached: true } : { observed: 'no reply', reached: false };
  }
  if (/^ok/m.test(output)) return { observed: 'answered', reached: true };
  if (/refused/i.test(output)) return { observed: 'refused (reset)', reached: false };
  return { observed: `no answer within ${WAIT_S}s`, reached: false };
}

function publishObserved(output: string): { observed: string; reached: boolean } {
  if (/refused/i.test(output)) return { observed: 'refused (reset)', reached: false };
  if (/timed out|can't connect/i.test(output)) return { observed: `no answer within ${WAIT_S}s`, reached: false };
  const first = output.split('\n')[0].trim();
  return { observed: first ? `answered: ${first.slice(0, 60)}` : 'connection accepted', reached: true };
}

/** Sends the packets of every check the stacks call for, and reports what happened. */
export async function probe(dn: Docknet, stacks: Stack[], options: ProbeOptions): Promise<ProbeReport> {
  const host: ObservedHost = await dn.observe(stacks);
  const checks = probeChecks(stacks, {
    routeFamilies: (route) => {
      const from = host.networks.get(route.from);
      const to = host.networks.get(route.to);
      const a = from && routeEndOf(from);
      const b = to && routeEndOf(to);
      return a && b ? routeFamilies(a, b, host.layout) : ['ipv4'];
    },
  });
  const results: ProbeResult[] = [];
  /** `reached` undefined: the check could not be run at all, which never holds. */
  const report = (check: ProbeCheck, observed: string, reached: boolean | undefined) => {
    const result = { check, observed, ok: reached !== undefined && reached === (check.expect === 'reachable') };
    results.push(result);
    options.onProgress?.({ type: 'result', result });
  };
  const missing = (c: ProbeCheck) => (c.kind === 'publish' ? [] : [c.from, c.to].filter((n) => !host.networks.has(n)));
  const runnable = checks.filter((c) => {
    const absent = missing(c);
    if (absent.length > 0) report(c, `network ${absent.join(', ')} does not exist on the host`, undefined);
    return absent.length === 0;
  });
  if (runnable.length === 0) return { engine: host.engine, results, ok: results.every((r) => r.ok) };

  if (!(await dn.engine.hasImage(options.image))) await pullImage(dn.engine, options.image, options.onProgress);
  await removeLeftovers(dn, stacks.map((s) => s.name));
  const run = new ProbeRun(dn, options.image);
  try {
    const stackOf = (network: string) => runnable.find((c) => c.kind !== 'publish' && (c.from === network || c.to === network))!.stack;
    const paths = runnable.filter((c): c is PathCheck => c.kind !== 'publish');
    const networks = [...new Set(paths.flatMap((c) => [c.from, c.to]))];
    const isolated = new Set(paths.filter((c) => c.kind === 'isolation').map((c) => c.to));
    const publishes = runnable.filter((c): c is PublishCheck => c.kind === 'publish');
    const probers = new Map<string, Prober>();
    const peers = new Map<string, Prober>();
    await Promise.all([
      ...networks.map(async (n) => probers.set(n, await run.start(stackOf(n), n, listenPorts(runnable, n)))),
      ...[...isolated].map(async (n) => peers.set(n, await run.start(stackOf(n), n, []))),
    ]);
    const onHost = publishes.length > 0 ? await run.start(publishes[0].stack, 'host', []) : undefined;
    options.onProgress?.({ type: 'start', checks: runnable.length, containers: probers.size + peers.size + (onHost ? 1 : 0) });
    await runBounded(runnable, options.concurrency ?? 4, async (check) => {
      if (options.signal?.aborted) return;
      if (check.kind === 'publish') {
        const { output } = await dn.engine.exec(onHost!.id, ['sh', '-c', `(printf 'GET / HTTP/1.0\\r\\n\\r\\n'; sleep 1) | nc -w ${WAIT_S} ${check.host} ${check.port} 2>&1 | head -c 200`]);
        const seen = publishObserved(output);
        return report(check, seen.observed, seen.reached);
      }
      const from = check.kind === 'isolation' ? peers.get(check.from)! : probers.get(check.from)!;
      const to = probers.get(check.to)!;
      const address = to[check.family];
      if (!address) return report(check, `the probe on ${check.to} has no ${check.family === 'ipv4' ? 'IPv4' : 'IPv6'} address`, undefined);
      const cmd = check.protocol === 'icmp' ? ['ping', ...(check.family === 'ipv6' ? ['-6'] : []), '-c', '1', '-W', String(WAIT_S), address] : ['sh', '-c', `nc -w ${WAIT_S} ${address} ${check.port} </dev/null 2>&1`];
      const { output } = await dn.engine.exec(from.id, cmd);
      const seen = pathObserved(check, output);
      report(check, seen.observed, seen.reached);
    });
    if (options.signal?.aborted) throw new Error('probe interrupted: its containers were removed');
  } finally {
    await run.removeAll();
  }
  const order = new Map(checks.map((c, i) => [c, i]));
  results.sort((a, b) => order.get(a.check)! - order.get(b.check)!);
  return { engine: host.engine, results, ok: results.every((r) => r.ok) };
}
