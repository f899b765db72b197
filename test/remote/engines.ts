// Engines that stand for other machines (scripts/remote-engine.sh): each a dockerd in a network
// namespace of its own, reached over links the test makes, with an sshd the test starts there. The
// tests never use DOCKER_HOST: docknet is pointed at these engines explicitly, and everything the
// tests make is taken down in afterAll, also after a failure.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitRule } from '../../lib/drivers/firewall';
import { engineLockFile } from '../../lib/drivers/lock';
import { chainRules, DOCKNET, expectOk, ROOT, run, type Result } from '../helpers';

const SCRIPT = join(ROOT, 'scripts', 'remote-engine.sh');
/** Starting an engine, a swarm, an sshd under the load of two cores: minutes, not seconds. */
export const SETUP_TIMEOUT_MS = 300_000;

/** remote-engine.sh with arguments; fails the test with what it printed. */
export async function remoteEngine(...args: string[]): Promise<Result> {
  const r = await run('bash', [SCRIPT, ...args], SETUP_TIMEOUT_MS);
  expectOk(r);
  return r;
}

/** An address of this machine's namespace must not be taken by something else before a link claims it. */
function assertFree(cidr: string): void {
  const address = cidr.split('/')[0];
  const taken = execFileSync('ip', ['-o', 'addr', 'show']).toString();
  if (taken.includes(` ${address}/`)) throw new Error(`address ${address} is already on this machine: the test would not know whose it reaches`);
}

/** The environment docknet runs with in these tests: nothing of the machine's own engine choice. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_CONFIG', 'DOCKER_TLS', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKNET_FIREWALL_HELPER']) delete env[key];
  return { ...env, ...extra };
}

export class TestEngine {
  constructor(readonly name: string) {}

  /** Its socket: reachable from this machine's file system, but its firewall is the namespace's. */
  get socket(): string {
    return `unix:///run/${this.name}/docker.sock`;
  }

  /** A command inside the engine's namespace, with DOCKER_HOST naming its engine. */
  run(...args: string[]): Promise<Result> {
    return run('bash', [SCRIPT, 'run', this.name, ...args], 120_000);
  }

  docker(...args: string[]): Promise<Result> {
    return this.run('docker', ...args);
  }

  /** One ping from a container on this engine; the reply's TTL tells the hops. */
  ping(from: string, target: string): Promise<Result> {
    return this.docker('exec', from, 'ping', '-c', '1', '-W', '2', target);
  }

  /** A chain of the engine host's firewall (its namespace), as iptables prints it. */
  rules(table: 'filter' | 'raw', chain: string): string {
    return execFileSync('ip', ['netns', 'exec', this.name, 'iptables', '-w', '-t', table, '-S', chain]).toString();
  }

  /** Deletes, by hand as an operator there would, the first rule of a docknet stack in a chain. */
  deleteStackRule(stack: string, table: 'filter' | 'raw', chain: string): void {
    const line = this.rules(table, chain).split('\n').find((l) => l.includes(`docknet:${stack}:`));
    if (!line) throw new Error(`no ${table} ${chain} rule of stack ${stack} on ${this.name}`);
    execFileSync('ip', ['netns', 'exec', this.name, 'iptables', '-w', '-t', table, '-D', ...splitRule(line.replace(/^-A /, ''))]);
  }

  /** Names of the engine's networks and containers (all, also stopped) that belong to a docknet stack. */
  async owned(stack: string): Promise<string[]> {
    const label = `label=io.docknet.stack=${stack}`;
    const nets = await this.docker('network', 'ls', '--filter', label, '--format', '{{.Name}}');
    const boxes = await this.docker('ps', '-a', '--filter', label, '--format', '{{.Names}}');
    expectOk(nets);
    expectOk(boxes);
    return [...nets.stdout.split('\n'), ...boxes.stdout.split('\n')].filter(Boolean).sort();
  }

  /** docknet run inside the namespace against its engine's socket: docknet on that host itself. */
  docknet(...args: string[]): Promise<Result> {
    return this.run(DOCKNET, ...args);
  }
}

/** Engines, switches and links of one test file, taken down together. */
export class TestLab {
  private readonly names: string[] = [];
  /** Engine ids: docknet's lock file of each goes with the engine. */
  private readonly ids: string[] = [];

  /** A namespace with a dockerd; `link` joins it to this machine ([this machine's address, the engine's]). */
  async engine(name: string, options: { engine?: '20' | '28'; link?: [string, string]; tcp?: boolean } = {}): Promise<TestEngine> {
    this.names.push(name);
    // An interrupted earlier run may have left this test's own namespace, with its link: gone first.
    await remoteEngine('down', name);
    await remoteEngine('netns', name);
    if (options.link) {
      assertFree(options.link[0]);
      await remoteEngine('link', `-:${name.replace(/^dn(remote|swarm)-?/, 'dn')}0:${options.link[0]}`, `${name}:eth0:${options.link[1]}`);
    }
    const tcp = options.tcp && options.link ? ['--tcp', options.link[1].split('/')[0]] : [];
    await remoteEngine('dockerd', name, '--engine', options.engine ?? '20', ...tcp);
    const engine = new TestEngine(name);
    this.ids.push((await engine.docker('info', '--format', '{{.ID}}')).stdout.trim());
    return engine;
  }

  /** A namespace holding a bridge, and each member joined to it with its address: a LAN of engines. */
  async switch(name: string, members: [TestEngine, string][]): Promise<void> {
    this.names.unshift(name);
    await remoteEngine('down', name);
    await remoteEngine('switch', name, ...members.map(([e, cidr]) => `${e.name}:lan0:${cidr}`));
  }

  /** Everything down: engines (leaving their swarms), sshds, namespaces, data, run folders. */
  async down(): Promise<void> {
    for (const name of this.names.reverse()) await run('bash', [SCRIPT, 'down', name], SETUP_TIMEOUT_MS);
    for (const id of this.ids) if (id) rmSync(engineLockFile(id), { force: true });
  }
}

/**
 * ssh access as an operator has it: a key the test generates, a known_hosts file holding each engine
 * host's key (learned from the sshd the test starts, never accepted blindly) and a client configuration
 * that docknet is pointed at with DOCKNET_SSH_CONFIG (ssh -F).
 */
export class SshAccess {
  readonly dir = mkdtempSync(join(tmpdir(), 'docknet-ssh-'));
  readonly key = join(this.dir, 'id_ed25519');
  readonly knownHosts = join(this.dir, 'known_hosts');
  readonly config = join(this.dir, 'ssh_config');

  constructor() {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'docknet-test', '-f', this.key]);
    writeFileSync(this.knownHosts, '');
    writeFileSync(this.config, `Host *\n  User root\n  IdentityFile ${this.key}\n  IdentitiesOnly yes\n  UserKnownHostsFile ${this.knownHosts}\n  StrictHostKeyChecking yes\n  LogLevel ERROR\n`);
  }

  /** Starts an sshd in the engine's namespace on `address` and trusts its host key. */
  async sshd(engine: TestEngine, address: string): Promise<void> {
    const hostKey = (await remoteEngine('sshd', engine.name, address, `${this.key}.pub`)).stdout.trim();
    writeFileSync(this.knownHosts, `${readFileSync(this.knownHosts, 'utf8')}${address} ${hostKey}\n`);
  }

  /** docknet's environment: this ssh configuration, ssh's shared connections in the test's own folder. */
  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return cleanEnv({ DOCKNET_SSH_CONFIG: this.config, XDG_RUNTIME_DIR: this.dir, ...extra });
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Spec text of a container of the test image that sleeps, attached as `networks` (YAML flow text) says. */
export function sleeper(name: string, networks: string): string {
  return `  ${name}:\n    image: docknet/busybox:latest\n    command: [sleep, "86400"]\n    networks: ${networks}\n`;
}

/** Lines of this machine's own firewall that carry a docknet stack's comment (there must be none). */
export function localRulesOf(stack: string): string[] {
  return [chainRules('filter', 'DOCKER-USER'), chainRules('raw', 'PREROUTING')].join('\n').split('\n').filter((l) => l.includes(`docknet:${stack}:`));
}

