// The Docker Engine API, through dockerode. Every call is counted, so that plans can prove what they
// cost (a no-op apply must be a few listings, not one call per object).
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import type { EngineFacts } from '../plan/route-rules';
import { connectionProblem, dockerOptions, endpointName, resolveEndpoint, unreachableMessage, type Endpoint } from './endpoint';

/** An error the engine answered with, carrying its HTTP status and message. */
export class EngineError extends Error {
  constructor(readonly operation: string, readonly statusCode: number | undefined, readonly engineMessage: string) {
    super(`${operation}: ${engineMessage}`);
    this.name = 'EngineError';
  }
}

/** The engine cannot be reached at all: one line naming the endpoint, how it was chosen, and why. */
export class EngineUnreachable extends EngineError {
  constructor(operation: string, readonly target: Endpoint, readonly problem: string) {
    super(operation, undefined, problem);
    this.message = unreachableMessage(target, problem);
    this.name = 'EngineUnreachable';
  }
}

/** An error's words for a person: the engine's answer without the API call in front of it. */
export function errorText(e: unknown): string {
  if (e instanceof EngineError && !(e instanceof EngineUnreachable)) return e.engineMessage;
  return e instanceof Error ? e.message : String(e);
}

function engineMessage(e: unknown): { status?: number; message: string } {
  const err = e as { statusCode?: number; json?: { message?: string }; message?: string; reason?: string };
  const fromJson = err.json?.message;
  return { status: err.statusCode, message: (fromJson ?? err.message ?? String(e)).trim() };
}

const TRANSIENT_ATTEMPTS = 5;
const SWARM_REMOVAL_POLL_MS = 200;
const SWARM_REMOVAL_WAIT_MS = 15_000;

/** Engine answers that mean "not now" rather than "no". */
export function isTransient(status: number | undefined, message: string): boolean {
  return (status === 409 && /in progress/i.test(message)) || /device or resource busy|removal of container .* is already in progress/i.test(message);
}

/** What GET /info says, as far as docknet reads it. */
interface InfoAnswer {
  ID?: string;
  Name?: string;
  ServerVersion?: string;
  FirewallBackend?: { Driver?: string };
  Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean };
}

/** The facts docknet needs from an engine's GET /info answer (FirewallBackend exists from 28.1: absent means iptables). */
export function factsFromInfo(endpoint: string, info: InfoAnswer): EngineFacts {
  const facts: EngineFacts = { id: String(info.ID ?? ''), endpoint, name: String(info.Name ?? ''), version: String(info.ServerVersion ?? ''), firewallBackend: info.FirewallBackend?.Driver || 'iptables' };
  if (info.Swarm?.LocalNodeState === 'active') facts.swarm = info.Swarm.ControlAvailable ? 'manager' : 'worker';
  return facts;
}

/**
 * Runs a command in a running container through the Engine API (docker exec): its exit code (-1 when the
 * engine knows none) and what it wrote on stdout and stderr; `merged` puts both into stdout, in order.
 */
export async function execInContainer(docker: Docker, id: string, cmd: string[], options: { env?: string[]; merged?: boolean } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const exec = await docker.getContainer(id).exec({ Cmd: cmd, Env: options.env, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const text = { stdout: '', stderr: '' };
  const sink = (key: 'stdout' | 'stderr') => new PassThrough().on('data', (d: Buffer) => (text[key] += d.toString('utf8')));
  const out = sink('stdout');
  docker.modem.demuxStream(stream, out, options.merged ? out : sink('stderr'));
  await new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', () => resolve());
  });
  const { ExitCode } = await exec.inspect();
  return { code: ExitCode ?? -1, ...text };
}

/** One progress message of an image pull. */
export interface PullProgress {
  status: string;
  layer?: string;
  current?: number;
  total?: number;
}

/** A Docker volume as docknet reads it. */
export interface VolumeInfo {
  Name: string;
  Labels: Record<string, string> | null;
  CreatedAt?: string;
}

export type NetworkInfo = Docker.NetworkInspectInfo;

/** One event of Docker's event stream (the fields docknet reads). */
export interface EngineEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
}
export type ContainerInfo = Docker.ContainerInfo;
export type ContainerDetail = Docker.ContainerInspectInfo;

export class Engine {
  private readonly docker: Docker;
  /** API calls made, by operation. */
  readonly calls = new Map<string, number>();
  /** The endpoint, resolved as the docker CLI resolves it, and how it was chosen. */
  readonly target: Endpoint;

  /** `endpoint`: a resolved endpoint, or one in DOCKER_HOST syntax (default: resolved as the docker CLI does). */
  constructor(endpoint?: Endpoint | string) {
    this.target = typeof endpoint === 'object' ? endpoint : resolveEndpoint({ host: endpoint, hostSource: 'dockerHost' });
    this.docker = new Docker(dockerOptions(this.target));
  }

  /** The endpoint in DOCKER_HOST syntax. */
  get host(): string {
    return this.target.url;
  }

  /** The endpoint as a person would name it (with the context that chose it). */
  get endpoint(): string {
    return endpointName(this.target);
  }

  get callCount(): number {
    let n = 0;
    for (const v of this.calls.values()) n += v;
    return n;
  }

  private async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const kind = operation.split(' ')[0];
    for (let attempt = 1; ; attempt++) {
      this.calls.set(kind, (this.calls.get(kind) ?? 0) + 1);
      try {
        return await fn();
      } catch (e) {
        const problem = connectionProblem(this.target, e);
        if (problem) throw new EngineUnreachable(operation, this.target, problem);
        const { status, message } = engineMessage(e);
        // The engine is busy with the object (a removal in progress, a device still busy): it passes.
        if (attempt < TRANSIENT_ATTEMPTS && isTransient(status, message)) {
          await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
          continue;
        }
        throw new EngineError(operation, status, message);
      }
    }
  }

  ping(): Promise<unknown> {
    return this.call('ping', () => this.docker.ping());
  }

  version(): Promise<Docker.DockerVersion> {
    return this.call('version', () => this.docker.version());
  }

  private known: Promise<EngineFacts> | undefined;
  /** The facts of the last answer, for messages written after something failed. */
  private seen: EngineFacts | undefined;

  /** Who the engine is and which firewall it runs, from GET /info: asked once, until forgotten. */
  facts(): Promise<EngineFacts> {
    this.known ??= this.call('info', () => this.docker.info()).then((info) => (this.seen = factsFromInfo(this.endpoint, info)));
    this.known.catch(() => (this.known = undefined));
    return this.known;
  }

  /** The facts once the engine has answered; undefined before (or when it never did). */
  get knownFacts(): EngineFacts | undefined {
    return this.seen;
  }

  /** The engine may have changed (restarted, upgraded): ask again next time. */
  forgetFacts(): void {
    this.known = undefined;
  }

  listNetworks(): Promise<NetworkInfo[]> {
    return this.call('listNetworks', () => this.docker.listNetworks());
  }

  listContainers(): Promise<ContainerInfo[]> {
    return this.call('listContainers', () => this.docker.listContainers({ all: true }));
  }

  inspectContainer(id: string): Promise<ContainerDetail> {
    return this.call(`inspectContainer ${id}`, () => this.docker.getContainer(id).inspect());
  }

  inspectNetwork(id: string): Promise<NetworkInfo> {
    return this.call(`inspectNetwork ${id}`, () => this.docker.getNetwork(id).inspect());
  }

  async createNetwork(body: Docker.NetworkCreateOptions): Promise<string> {
    const network = await this.call(`createNetwork ${body.Name}`, () => this.docker.createNetwork(body));
    return network.id;
  }

  /**
   * Removes a network. A swarm network goes asynchronously (the managers delete it after the call
   * returns): with `swarmScoped`, this waits until the engine no longer knows it, so that what follows
   * (verification, a network made again under its name) does not still meet it.
   */
  async removeNetwork(id: string, swarmScoped = false): Promise<void> {
    await this.call(`removeNetwork ${id}`, () => this.docker.getNetwork(id).remove());
    for (let waited = 0; swarmScoped; waited += SWARM_REMOVAL_POLL_MS) {
      try {
        await this.inspectNetwork(id);
      } catch (e) {
        if (e instanceof EngineError && e.statusCode === 404) return;
        throw e;
      }
      if (waited >= SWARM_REMOVAL_WAIT_MS) throw new EngineError(`removeNetwork ${id}`, undefined, `the swarm still knows the network ${SWARM_REMOVAL_WAIT_MS / 1000}s after its removal`);
      await new Promise((r) => setTimeout(r, SWARM_REMOVAL_POLL_MS));
    }
  }

  async createContainer(body: Docker.ContainerCreateOptions): Promise<string> {
    const container = await this.call(`createContainer ${body.name}`, () => this.docker.createContainer(body));
    return container.id;
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.call(`startContainer ${id}`, () => this.docker.getContainer(id).start());
    } catch (e) {
      // Already running (a start of an interrupted writer that the engine finished): what was asked.
      if (!(e instanceof EngineError && e.statusCode === 304)) throw e;
    }
  }

  /** Removes a container; its anonymous volumes only when asked (they may hold data). */
  async removeContainer(id: string, volumes = false): Promise<void> {
    await this.call(`removeContainer ${id}`, () => this.docker.getContainer(id).remove({ force: true, v: volumes }));
  }

  async renameContainer(id: string, name: string): Promise<void> {
    await this.call(`renameContainer ${id}`, () => this.docker.getContainer(id).rename({ name }));
  }

  async stopContainer(id: string, seconds?: number): Promise<void> {
    try {
      await this.call(`stopContainer ${id}`, () => this.docker.getContainer(id).stop(seconds === undefined ? {} : { t: seconds }));
    } catch (e) {
      if (!(e instanceof EngineError && e.statusCode === 304)) throw e; // already stopped
    }
  }

  async updateRestartPolicy(id: string, name: string): Promise<void> {
    await this.call(`updateContainer ${id}`, () => this.docker.getContainer(id).update({ RestartPolicy: { Name: name } }));
  }

  async connect(network: string, container: string, endpoint: Docker.EndpointSettings): Promise<void> {
    await this.call(`connect ${container} to ${network}`, () => this.docker.getNetwork(network).connect({ Container: container, EndpointConfig: endpoint }));
  }

  async disconnect(network: string, container: string): Promise<void> {
    await this.call(`disconnect ${container} from ${network}`, () => this.docker.getNetwork(network).disconnect({ Container: container, Force: true }));
  }

  /** Docker's event stream, one parsed event per callback; resolves when the stream ends or fails. */
  async events(onEvent: (e: EngineEvent) => void, signal?: AbortSignal): Promise<void> {
    const stream = (await this.call('events', () => this.docker.getEvents({ filters: { type: ['container', 'network'] } }))) as NodeJS.ReadableStream & { destroy(): void };
    signal?.addEventListener('abort', () => stream.destroy());
    let buffer = '';
    await new Promise<void>((resolve) => {
      stream.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (line) {
            try {
              onEvent(JSON.parse(line) as EngineEvent);
            } catch {
              // a torn line: nothing to act on
            }
          }
        }
      });
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
  }

  /** Volumes carrying a label (all of them when none is given). */
  async listVolumes(label?: string): Promise<VolumeInfo[]> {
    const answer = await this.call('listVolumes', () => this.docker.listVolumes(label ? { filters: { label: [label] } } : {}));
    return (answer?.Volumes ?? []) as VolumeInfo[];
  }

  async createVolume(name: string, labels: Record<string, string>): Promise<void> {
    await this.call(`createVolume ${name}`, () => this.docker.createVolume({ Name: name, Labels: labels }));
  }

  async removeVolume(name: string): Promise<void> {
    await this.call(`removeVolume ${name}`, () => this.docker.getVolume(name).remove());
  }

  async hasImage(image: string): Promise<boolean> {
    try {
      await this.call(`inspectImage ${image}`, () => this.docker.getImage(image).inspect());
      return true;
    } catch (e) {
      if (e instanceof EngineError && e.statusCode === 404) return false;
      throw e;
    }
  }

  /** Runs a command in a running container; its exit code and what it printed (stdout and stderr). */
  async exec(id: string, cmd: string[]): Promise<{ code: number; output: string }> {
    return this.call(`exec ${cmd[0]} in ${id}`, async () => {
      // One text for both streams, in the order they were written.
      const r = await execInContainer(this.docker, id, cmd, { merged: true });
      return { code: r.code, output: r.stdout };
    });
  }

  /** Pulls an image; `onProgress` hears Docker's progress messages (per layer: status, bytes). */
  async pullImage(image: string, onProgress?: (p: PullProgress) => void): Promise<void> {
    await this.call(`pull ${image}`, async () => {
      const stream = await this.docker.pull(image);
      await new Promise<void>((resolve, reject) =>
        this.docker.modem.followProgress(
          stream,
          (err: Error | null, output: { error?: string }[] = []) => {
            const failed = err?.message ?? output.find((o) => o.error)?.error;
            if (failed) reject(new Error(failed));
            else resolve();
          },
          (event: { status?: string; id?: string; progressDetail?: { current?: number; total?: number } }) => onProgress?.({ status: event.status ?? '', layer: event.id, current: event.progressDetail?.current, total: event.progressDetail?.total }),
        ),
      );
    });
  }
}
