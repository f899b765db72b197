// The engine's host: where the commands that read and change it (iptables, ip6tables, ip) run. Routes
// are firewall rules of the machine the engine runs on, so they must be written there and read back
// from there, never on the machine docknet happens to run on:
//
//   unix://  this machine (the socket is local, so is the engine): the commands run here.
//   ssh://   the same argument arrays run on that host through the same ssh settings as the engine
//            connection; every word is quoted for the remote shell.
//   tcp://   nothing can run there through the Engine API alone. With an opt-in (--firewall-helper
//            IMAGE, DOCKNET_FIREWALL_HELPER=IMAGE) a helper container on that engine, in the host's
//            network and PID namespaces with the capabilities it needs, runs the host's own tools:
//            `nsenter -t 1 -m -- iptables …` (PID 1's mount namespace: the host's binaries; the
//            container's network namespace: the host's) — or, where PID 1 cannot be entered, the image's
//            own iptables. Without the opt-in, every command is refused, saying why and what to do.
import { execFile } from 'node:child_process';
import Docker from 'dockerode';
import { execInContainer } from './docker';
import { describeEndpoint, dockerOptions, sshArgs, sshReason, type Endpoint } from './endpoint';

export interface HostCommandResult {
  /** Exit code; 127 when the program does not exist there. */
  code: number;
  stdout: string;
  stderr: string;
  /** The command did not finish in time and was stopped. */
  timedOut?: boolean;
}

export interface EngineHost {
  /** Where commands run, for messages: "this machine", "10.0.0.5 (over ssh)", … */
  readonly where: string;
  /** Whether the commands run on this machine. */
  readonly local: boolean;
  /** Runs a program with arguments (an array: no shell on this side; quoted word by word on the far side). */
  run(argv: string[], options?: { timeoutMs?: number }): Promise<HostCommandResult>;
}

/** Commands cannot run on the engine's host at all (a tcp engine without the helper, the helper broken, ssh refused). */
export class HostUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostUnavailable';
  }
}

const DEFAULT_TIMEOUT_MS = 30_000;

function execResult(program: string, args: string[], timeoutMs: number): Promise<HostCommandResult & { spawnError?: string }> {
  return new Promise((resolve) => {
    execFile(program, args, { maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs }, (error, stdout, stderr) => {
      const e = error as (NodeJS.ErrnoException & { killed?: boolean; code?: number | string }) | null;
      if (!e) return resolve({ code: 0, stdout: String(stdout), stderr: String(stderr) });
      if (e.code === 'ENOENT') return resolve({ code: 127, stdout: '', stderr: `${program}: not found`, spawnError: 'ENOENT' });
      resolve({ code: typeof e.code === 'number' ? e.code : 1, stdout: String(stdout), stderr: String(stderr || e.message), timedOut: Boolean(e.killed) });
    });
  });
}

/** This machine. */
export class LocalHost implements EngineHost {
  readonly where = 'this machine';
  readonly local = true;

  async run(argv: string[], options: { timeoutMs?: number } = {}): Promise<HostCommandResult> {
    return execResult(argv[0], argv.slice(1), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  }
}

/**
 * The engine's host over ssh. Commands get the sbin folders on PATH (a non-interactive session of
 * a non-root user may lack them); ssh's own failures (exit 255) mean the host cannot be reached.
 */
export class SshHost implements EngineHost {
  readonly where: string;
  readonly local = false;

  constructor(private readonly ep: Endpoint) {
    this.where = `${ep.ssh!.host} (over ssh)`;
  }

  async run(argv: string[], options: { timeoutMs?: number } = {}): Promise<HostCommandResult> {
    const args = sshArgs(this.ep.ssh!, ['env', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...argv]);
    const r = await execResult('ssh', args, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    if ((r as { spawnError?: string }).spawnError) throw new HostUnavailable('ssh is not installed (Debian: apt-get install openssh-client): the engine is reached over ssh, and so is its firewall');
    if (r.code === 255) throw new HostUnavailable(`cannot run ${argv[0]} on the engine's host ${this.ep.ssh!.host} over ssh: ${sshReason(r.stderr, r.code)}`);
    // env(1) says "No such file or directory" for a program that is not there.
    if (r.code === 127 && /No such file or directory|not found/.test(r.stderr)) return { ...r, stderr: `${argv[0]}: not found on ${this.ep.ssh!.host}` };
    return r;
  }
}

export const HELPER_NAME = 'docknet-firewall-helper';
export const HELPER_LABEL = 'io.docknet.helper';

/** What the helper needs: netlink for iptables and ip, and to enter PID 1's mount namespace. */
const HELPER_CAPS = ['NET_ADMIN', 'NET_RAW', 'SYS_ADMIN', 'SYS_PTRACE', 'SYS_CHROOT'];

/**
 * A helper container on a tcp engine that runs commands in the host's network namespace. It is made once
 * (named docknet-firewall-helper, labelled io.docknet.helper=firewall), kept running for later runs, and
 * made again when its image changes or it stopped. It runs the host's own binaries when it may enter PID
 * 1's mount namespace (`nsenter -t 1 -m --`), else the image's (which must then use the host's iptables
 * backend: Docker's DOCKER-USER chain is only seen through the same one). Not --privileged: the
 * capabilities it needs, without seccomp and AppArmor confinement; the host's /run is mounted so that
 * the image's iptables shares the host's xtables lock.
 */
export class HelperHost implements EngineHost {
  readonly local = false;
  private readonly docker: Docker;
  private ready: Promise<{ id: string; viaHost: boolean }> | undefined;
  private mode = '';

  constructor(private readonly ep: Endpoint, private readonly image: string) {
    this.docker = new Docker(dockerOptions(ep));
  }

  get where(): string {
    return `the host of ${this.ep.url} (through the helper container ${HELPER_NAME}, image ${this.image}${this.mode})`;
  }

  private fail(what: string, e: unknown): HostUnavailable {
    return new HostUnavailable(`the firewall helper (image ${this.image}) on engine ${describeEndpoint(this.ep)}: ${what}: ${(e as { json?: { message?: string } }).json?.message ?? (e as Error).message}`);
  }

  private async container(): Promise<string> {
    const found = await this.docker.listContainers({ all: true, filters: { name: [HELPER_NAME] } }).catch((e: unknown) => Promise.reject(this.fail('cannot list containers', e)));
    const existing = found.find((c) => c.Names.includes(`/${HELPER_NAME}`));
    if (existing && existing.Labels?.[`${HELPER_LABEL}.image`] === this.image && existing.State === 'running') return existing.Id;
    if (existing) await this.docker.getContainer(existing.Id).remove({ force: true }).catch(() => undefined);
    const hasImage = await this.docker.getImage(this.image).inspect().then(() => true, () => false);
    if (!hasImage) throw new HostUnavailable(`the firewall helper image ${this.image} is not on engine ${describeEndpoint(this.ep)}: load it there first (it needs sleep, and nsenter or iptables; scripts/firewall-helper-image.sh builds one)`);
    try {
      const c = await this.docker.createContainer({
        name: HELPER_NAME,
        Image: this.image,
        Entrypoint: ['sleep'],
        Cmd: ['2147483647'],
        Labels: { [HELPER_LABEL]: 'firewall', [`${HELPER_LABEL}.image`]: this.image },
        HostConfig: {
          NetworkMode: 'host',
          PidMode: 'host',
          CapAdd: HELPER_CAPS,
          SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined', 'label=disable'],
          Binds: ['/run:/run/docknet-host-run'],
          RestartPolicy: { Name: 'unless-stopped' },
        },
      });
      await c.start();
      return c.id;
    } catch (e) {
      // Another docknet made it meanwhile: use that one.
      if ((e as { statusCode?: number }).statusCode === 409) {
        const again = await this.docker.listContainers({ filters: { name: [HELPER_NAME] } });
        const running = again.find((c) => c.Names.includes(`/${HELPER_NAME}`));
        if (running) return running.Id;
      }
      throw this.fail('cannot start it', e);
    }
  }

  private async ensure(): Promise<{ id: string; viaHost: boolean }> {
    const id = await this.container();
    // The host's own tools when PID 1's mount namespace can be entered; the image's otherwise.
    const viaHost = (await this.exec(id, ['nsenter', '-t', '1', '-m', '--', 'true']).catch(() => ({ code: 1 }))).code === 0;
    this.mode = viaHost ? ", running the host's own binaries" : ", running the image's binaries";
    return { id, viaHost };
  }

  private exec(id: string, cmd: string[], env: string[] = []): Promise<HostCommandResult> {
    return execInContainer(this.docker, id, cmd, { env });
  }

  async run(argv: string[], options: { timeoutMs?: number } = {}): Promise<HostCommandResult> {
    this.ready ??= this.ensure();
    this.ready.catch(() => (this.ready = undefined));
    const { id, viaHost } = await this.ready;
    const work = async (): Promise<HostCommandResult> => {
      const r = viaHost ? await this.exec(id, ['nsenter', '-t', '1', '-m', '--', ...argv]) : await this.exec(id, argv, ['XTABLES_LOCKFILE=/run/docknet-host-run/xtables.lock']);
      const missing = r.code === 127 || (r.code !== 0 && /executable file not found|can't execute|No such file or directory/.test(r.stderr) && r.stdout === '');
      return missing ? { code: 127, stdout: r.stdout, stderr: `${argv[0]}: not found (${viaHost ? 'on the engine\'s host' : `in the helper image ${this.image}`})` } : r;
    };
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<HostCommandResult>((resolve) => (timer = setTimeout(() => resolve({ code: 1, stdout: '', stderr: 'no answer', timedOut: true }), timeoutMs)));
    try {
      return await Promise.race([work(), timeout]);
    } catch (e) {
      // docker exec of a program the image lacks fails at start with "executable file not found".
      if (/executable file not found|no such file or directory/i.test((e as { json?: { message?: string } }).json?.message ?? (e as Error).message ?? '')) return { code: 127, stdout: '', stderr: `${argv[0]}: not found in the helper image ${this.image}` };
      if (e instanceof HostUnavailable) throw e;
      throw this.fail(`cannot run ${argv[0]}`, e);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A tcp engine without the helper: nothing runs on its host, and every attempt says why. */
export class UnreachableHost implements EngineHost {
  readonly local = false;
  readonly where: string;

  constructor(private readonly ep: Endpoint) {
    this.where = `the host of ${ep.url} (out of reach over tcp)`;
  }

  async run(): Promise<HostCommandResult> {
    throw new HostUnavailable(
      `engine ${describeEndpoint(this.ep)} is reached over tcp: docknet cannot run iptables on its host, and never writes a route on another machine. ` +
        'Reach it over ssh (DOCKER_HOST=ssh://user@host, or an ssh docker context), or opt in to a helper container on that engine: --firewall-helper IMAGE (DOCKNET_FIREWALL_HELPER)',
    );
  }
}

/** Where the commands for an engine's host run. `helperImage` is the tcp opt-in. */
export function engineHost(ep: Endpoint, options: { helperImage?: string } = {}): EngineHost {
  if (ep.kind === 'unix') return new LocalHost();
  if (ep.kind === 'ssh') return new SshHost(ep);
  return options.helperImage ? new HelperHost(ep, options.helperImage) : new UnreachableHost(ep);
}
