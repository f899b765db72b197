// Which Docker engine docknet talks to, resolved exactly as the docker CLI resolves it, and how to
// connect to it. The order (docker/cli's resolveContextName):
//
//   1. --host / -H (or a front-end's explicit endpoint: Terraform's docker_host, Pulumi's dockerHost)
//   2. --context NAME                 (both 1 and 2 at once is an error, as with the CLI)
//   3. DOCKER_HOST
//   4. DOCKER_CONTEXT
//   5. currentContext of the docker config ($DOCKER_CONFIG/config.json, default ~/.docker/config.json)
//   6. the local socket unix:///var/run/docker.sock
//
// A context is $DOCKER_CONFIG/contexts/meta/<sha256 of its name>/meta.json (Endpoints.docker.Host,
// SkipTLSVerify) with TLS material in contexts/tls/<sha256>/docker/{ca,cert,key}.pem. The context named
// "default" is the one made of flags and environment (steps 1, 3 and 6).
//
// Kinds of endpoint: unix:// (a socket on this machine); tcp:// (plain HTTP, or TLS when
// DOCKER_TLS_VERIFY / DOCKER_TLS is set or the context has TLS material; port 2376 with TLS, 2375
// without); ssh://[user@]host[:port][/socket] (the system ssh client runs `docker system dial-stdio` on
// the far side and its stdin/stdout is the connection, as the docker CLI does: ~/.ssh/config, agents,
// known_hosts and ProxyJump all apply).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { Agent } from 'node:http';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import type Docker from 'dockerode';
import { numberSetting } from '../settings';

export const DEFAULT_SOCKET = '/var/run/docker.sock';

export type EndpointKind = 'unix' | 'tcp' | 'ssh';

/** TLS settings of a tcp endpoint. */
export interface TlsSettings {
  verify: boolean;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Where the material came from, for messages. */
  from: string;
}

/** An ssh destination as the docker CLI reads ssh://[user@]host[:port][/socket]. */
export interface SshTarget {
  user?: string;
  host: string;
  port?: number;
  /** A socket path on the far side (`docker --host=unix://<path> system dial-stdio`). */
  socketPath?: string;
}

export interface Endpoint {
  kind: EndpointKind;
  /** The endpoint as a person names it: unix:///var/run/docker.sock, tcp://10.0.0.5:2376, ssh://ops@10.0.0.5. */
  url: string;
  /** How it was chosen: "--host", "DOCKER_HOST", "DOCKER_CONTEXT=prod", "the default", … */
  source: string;
  /** The docker context it came from, if any. */
  context?: string;
  socketPath?: string;
  tcp?: { host: string; port: number; tls?: TlsSettings };
  ssh?: SshTarget;
}

/** What the user chose; everything else comes from the environment and the docker config. */
export interface EndpointChoice {
  /** An explicit endpoint (-H, docker_host, dockerHost). */
  host?: string;
  /** How a person named `host`, for messages (default "--host"). */
  hostSource?: string;
  /** An explicit context (--context). */
  context?: string;
  env?: NodeJS.ProcessEnv;
}

/** The endpoint could not be resolved (a missing context, a malformed URL): nothing was contacted. */
export class EndpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EndpointError';
  }
}

const set = (v: string | undefined): v is string => v !== undefined && v !== '';

export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return set(env.DOCKER_CONFIG) ? env.DOCKER_CONFIG : join(env.HOME || homedir(), '.docker');
}

/** The context store's folder name for a context: the sha256 of its name. */
export function contextId(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

function readIfExists(file: string): Buffer | undefined {
  return existsSync(file) ? readFileSync(file) : undefined;
}

function tlsFromEnv(env: NodeJS.ProcessEnv): TlsSettings | undefined {
  const verify = set(env.DOCKER_TLS_VERIFY);
  if (!verify && !set(env.DOCKER_TLS)) return undefined;
  const dir = set(env.DOCKER_CERT_PATH) ? env.DOCKER_CERT_PATH : dockerConfigDir(env);
  const tls: TlsSettings = { verify, from: dir, ca: readIfExists(join(dir, 'ca.pem')) };
  const cert = readIfExists(join(dir, 'cert.pem'));
  const key = readIfExists(join(dir, 'key.pem'));
  if (cert && key) Object.assign(tls, { cert, key });
  if (verify && set(env.DOCKER_CERT_PATH) && !tls.ca) throw new EndpointError(`DOCKER_TLS_VERIFY is set but ${join(dir, 'ca.pem')} does not exist (DOCKER_CERT_PATH names the folder holding ca.pem, cert.pem and key.pem)`);
  return tls;
}

const HOST_NAME = /^[A-Za-z0-9_]([A-Za-z0-9._%:-]*[A-Za-z0-9_.])?$/;
const SSH_USER = /^[A-Za-z0-9_.][A-Za-z0-9_.@+-]*$/;
const SOCKET_PATH = /^\/[A-Za-z0-9_.\/@+-]+$/;

/**
 * Parses an endpoint in DOCKER_HOST syntax. `tls` applies to tcp endpoints (and picks the default port);
 * everything that reaches a command line (ssh user, host, socket path) is checked here.
 */
export function parseEndpoint(text: string, source: string, tls?: TlsSettings, context?: string): Endpoint {
  const raw = text.trim();
  const bad = (why: string) => new EndpointError(`Docker endpoint "${raw}" (${source}): ${why}`);
  // No scheme means tcp; tcp://:2375 means this machine's loopback, as the docker CLI reads them.
  const withScheme = (raw.includes('://') ? raw : `tcp://${raw}`).replace(/^(tcp|http|https):\/\/:/, '$1://127.0.0.1:');
  const scheme = withScheme.slice(0, withScheme.indexOf('://'));
  if (scheme === 'unix') {
    const path = withScheme.slice('unix://'.length) || DEFAULT_SOCKET;
    if (!path.startsWith('/')) throw bad('a unix socket needs an absolute path (unix:///var/run/docker.sock)');
    return { kind: 'unix', url: `unix://${path}`, source, context, socketPath: path };
  }
  if (scheme === 'npipe') throw bad('named pipes (npipe://) exist only on Windows');
  let url: URL;
  try {
    // A scheme of no special meaning to URL: no default port dropped (tcp://host:80), no lower-casing.
    url = new URL(`docknet${withScheme.slice(scheme.length)}`);
  } catch {
    throw bad('not a URL such as tcp://host:2376 or ssh://user@host');
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (scheme === 'tcp' || scheme === 'http' || scheme === 'https') {
    const useTls = scheme === 'https' ? (tls ?? { verify: true, from: 'https://' }) : scheme === 'http' ? undefined : tls;
    const h = host || '127.0.0.1';
    if (!HOST_NAME.test(h)) throw bad(`"${h}" is not a host name or address`);
    if (url.pathname !== '/' && url.pathname !== '') throw bad('a tcp endpoint takes no path');
    const port = url.port ? Number(url.port) : useTls ? 2376 : 2375;
    return { kind: 'tcp', url: `tcp://${isIP(h) === 6 ? `[${h}]` : h}:${port}`, source, context, tcp: { host: h, port, tls: useTls } };
  }
  if (scheme === 'ssh') {
    if (url.password) throw bad('a password in the URL is not supported: use keys or an ssh agent');
    if (url.search || url.hash) throw bad('query parameters and fragments are not allowed');
    if (!host) throw bad('the host name is empty');
    if (!HOST_NAME.test(host)) throw bad(`"${host}" is not a host name or address`);
    const user = url.username ? decodeURIComponent(url.username) : undefined;
    if (user !== undefined && !SSH_USER.test(user)) throw bad(`"${user}" is not a user name`);
    const socketPath = url.pathname && url.pathname !== '/' ? decodeURIComponent(url.pathname) : undefined;
    if (socketPath !== undefined && !SOCKET_PATH.test(socketPath)) throw bad(`"${socketPath}" is not a socket path`);
    const port = url.port ? Number(url.port) : undefined;
    const shown = `ssh://${user ? `${user}@` : ''}${isIP(host) === 6 ? `[${host}]` : host}${port ? `:${port}` : ''}${socketPath ?? ''}`;
    return { kind: 'ssh', url: shown, source, context, ssh: { user, host, port, socketPath } };
  }
  throw bad(`unknown scheme ${scheme}:// (docknet speaks unix://, tcp:// and ssh://)`);
}

interface ContextMeta {
  Name?: string;
  Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } };
}

/** A docker context's endpoint, read from the context store as the docker CLI writes it. */
export function contextEndpoint(name: string, source: string, env: NodeJS.ProcessEnv = process.env): Endpoint {
  if (name === 'default') return defaultEndpoint(source, env);
  const dir = dockerConfigDir(env);
  const id = contextId(name);
  const metaFile = join(dir, 'contexts', 'meta', id, 'meta.json');
  let meta: ContextMeta;
  try {
    meta = JSON.parse(readFileSync(metaFile, 'utf8')) as ContextMeta;
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new EndpointError(`docker context "${name}" (${source}) ${missing ? `does not exist: no ${metaFile} (docker context ls lists the contexts)` : `cannot be read: ${metaFile}: ${(e as Error).message}`}`);
  }
  const docker = meta.Endpoints?.docker;
  if (!docker?.Host) throw new EndpointError(`docker context "${name}" (${source}) has no Docker endpoint (${metaFile})`);
  const tlsDir = join(dir, 'contexts', 'tls', id, 'docker');
  const material = { ca: readIfExists(join(tlsDir, 'ca.pem')), cert: readIfExists(join(tlsDir, 'cert.pem')), key: readIfExists(join(tlsDir, 'key.pem')) };
  const hasMaterial = Boolean(material.ca || material.cert || material.key);
  // As the CLI: TLS when the context holds TLS material or asks to skip verification.
  const tls: TlsSettings | undefined = hasMaterial || docker.SkipTLSVerify ? { verify: !docker.SkipTLSVerify, from: tlsDir, ...material } : undefined;
  return parseEndpoint(docker.Host, source, tls, name);
}

function defaultEndpoint(source: string, env: NodeJS.ProcessEnv): Endpoint {
  if (set(env.DOCKER_HOST)) return parseEndpoint(env.DOCKER_HOST, source === 'the default' ? 'DOCKER_HOST' : `${source}, DOCKER_HOST`, tlsFromEnv(env));
  return { kind: 'unix', url: `unix://${DEFAULT_SOCKET}`, source, socketPath: DEFAULT_SOCKET };
}

function currentContext(env: NodeJS.ProcessEnv): { name: string; file: string } | undefined {
  const file = join(dockerConfigDir(env), 'config.json');
  try {
    const config = JSON.parse(readFileSync(file, 'utf8')) as { currentContext?: string };
    return set(config.currentContext) ? { name: config.currentContext, file } : undefined;
  } catch {
    return undefined; // no config, or one the docker CLI would also ignore
  }
}

/** The engine to talk to, resolved as the docker CLI resolves it. Reads files, contacts nothing. */
export function resolveEndpoint(choice: EndpointChoice = {}): Endpoint {
  const env = choice.env ?? process.env;
  const host = set(choice.host) ? choice.host : undefined;
  const context = set(choice.context) ? choice.context : undefined;
  if (host && context) throw new EndpointError(`conflicting options: either specify ${choice.hostSource ?? '--host'} or --context, not both`);
  if (context) return contextEndpoint(context, `--context ${context}`, env);
  if (host) return parseEndpoint(host, choice.hostSource ?? '--host', tlsFromEnv(env));
  if (set(env.DOCKER_HOST)) return parseEndpoint(env.DOCKER_HOST, 'DOCKER_HOST', tlsFromEnv(env));
  if (set(env.DOCKER_CONTEXT)) return contextEndpoint(env.DOCKER_CONTEXT, `DOCKER_CONTEXT=${env.DOCKER_CONTEXT}`, env);
  const current = currentContext(env);
  if (current && current.name !== 'default') return contextEndpoint(current.name, `current context ${current.name} of ${current.file}`, env);
  return defaultEndpoint('the default', env);
}

/** "ssh://ops@10.0.0.5 via context prod": the endpoint, and the context when one chose it. */
export function endpointName(ep: Endpoint): string {
  return ep.context ? `${ep.url} via context ${ep.context}` : ep.url;
}

/** "ssh://ops@10.0.0.5 (from DOCKER_CONTEXT=prod)": the endpoint and how it was chosen. */
export function describeEndpoint(ep: Endpoint): string {
  return `${ep.url} (${ep.source === 'the default' ? 'the default' : `from ${ep.source}`})`;
}

/** Seconds to wait for a connection (TCP, TLS, ssh) before calling the engine unreachable. */
export function connectTimeoutSeconds(env: NodeJS.ProcessEnv = process.env): number {
  return numberSetting('DOCKNET_CONNECT_TIMEOUT', env);
}

// ssh ----------------------------------------------------------------------------------------------

/** A word for a POSIX shell, quoted so the shell gives it back unchanged. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A folder of this user's only, for ssh control sockets; undefined when none can be had. */
function controlDir(env: NodeJS.ProcessEnv): string | undefined {
  const base = set(env.XDG_RUNTIME_DIR) ? env.XDG_RUNTIME_DIR : tmpdir();
  const dir = join(base, `docknet-ssh-${process.getuid?.() ?? 'user'}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = statSync(dir);
    if (st.uid !== process.getuid?.() || (st.mode & 0o077) !== 0) return undefined; // not ours alone: no sharing
    return dir;
  } catch {
    return undefined;
  }
}

/**
 * The ssh command line that runs `argv` on the target: options, `--`, the host, then one string for the
 * remote shell in which every word is quoted. Options: batch mode (never a password prompt), the connect
 * timeout, keep-alives that notice a dead peer, one shared connection per host (ControlMaster, kept 60 s
 * after the last use; DOCKNET_SSH_MULTIPLEX=0 turns it off), and DOCKNET_SSH_CONFIG as `-F` when set.
 */
export function sshArgs(target: SshTarget, argv: string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const args = ['-o', 'BatchMode=yes', '-o', `ConnectTimeout=${connectTimeoutSeconds(env)}`, '-o', 'ServerAliveInterval=15', '-o', 'ServerAliveCountMax=3', '-T'];
  if (set(env.DOCKNET_SSH_CONFIG)) args.unshift('-F', env.DOCKNET_SSH_CONFIG);
  const control = env.DOCKNET_SSH_MULTIPLEX === '0' ? undefined : controlDir(env);
  if (control) args.push('-o', 'ControlMaster=auto', '-o', `ControlPath=${join(control, '%C')}`, '-o', 'ControlPersist=60');
  if (target.user) args.push('-l', target.user);
  if (target.port) args.push('-p', String(target.port));
  args.push('--', target.host, argv.map(shellQuote).join(' '));
  return args;
}

/** What runs on the engine's host to reach its API: the docker CLI's own bridge. */
export function dialStdio(target: SshTarget): string[] {
  return target.socketPath ? ['docker', `--host=unix://${target.socketPath}`, 'system', 'dial-stdio'] : ['docker', 'system', 'dial-stdio'];
}

/** The last thing ssh (or the remote command) said on stderr, without ssh's warnings about known hosts. */
export function sshReason(stderr: string, code: number | null): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^Warning: Permanently added/.test(l));
  const last = lines.slice(-1)[0];
  if (last) return /command not found|not found$/.test(last) && /docker/.test(last) ? `${last} (the docker CLI must be installed on the engine's host: docker system dial-stdio)` : last;
  return `ssh exited with ${code}`;
}

/**
 * One connection to the engine: an ssh child whose stdin and stdout carry the HTTP stream. An ssh that
 * fails before saying anything on stdout becomes an error carrying what it said on stderr.
 */
class SshConnection extends Duplex {
  private readonly child: ChildProcess;
  private stderr = '';
  private received = false;

  constructor(target: SshTarget) {
    super({ allowHalfOpen: true });
    this.child = spawn('ssh', sshArgs(target, dialStdio(target)), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString('utf8')).slice(-4096)));
    this.child.stdout!.on('data', (d: Buffer) => {
      this.received = true;
      if (!this.push(d)) this.child.stdout!.pause();
    });
    this.child.stdin!.on('error', () => undefined); // the child went away: 'close' reports it
    this.child.on('error', (e: NodeJS.ErrnoException) => this.destroy(Object.assign(new Error(e.code === 'ENOENT' ? 'ssh is not installed (Debian: apt-get install openssh-client)' : e.message), { code: 'DOCKNET_SSH' })));
    this.child.on('close', (code) => {
      if (code !== 0 && !this.received) this.destroy(Object.assign(new Error(sshReason(this.stderr, code)), { code: 'DOCKNET_SSH' }));
      else {
        // Whatever came is read first; then the connection is gone for good.
        this.once('end', () => this.destroy());
        this.push(null);
      }
    });
  }

  _read(): void {
    this.child.stdout?.resume();
  }

  _write(chunk: Buffer, _encoding: BufferEncoding, done: (e?: Error | null) => void): void {
    if (this.child.stdin?.writable) this.child.stdin.write(chunk, () => done());
    else done();
  }

  _final(done: (e?: Error | null) => void): void {
    this.child.stdin?.end();
    done();
  }

  _destroy(error: Error | null, done: (e: Error | null) => void): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
    done(error);
  }

  // What http.Agent and ClientRequest ask of a socket.
  setTimeout(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  ref(): this {
    this.child.ref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) (s as unknown as Socket | null)?.ref?.();
    return this;
  }
  unref(): this {
    // An idle kept-alive connection must not keep the process alive.
    this.child.unref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) (s as unknown as Socket | null)?.unref?.();
    return this;
  }
}

/** Makes connections to the engine: ssh children, or TCP/TLS sockets with a bounded connect time. */
class EngineAgent extends Agent {
  constructor(private readonly ep: Endpoint) {
    super({ keepAlive: true });
  }

  createConnection(): Duplex {
    if (this.ep.ssh) return new SshConnection(this.ep.ssh);
    const { host, port, tls } = this.ep.tcp!;
    const seconds = connectTimeoutSeconds();
    const socket: Socket = tls
      ? tlsConnect({ host, port, ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.verify, servername: isIP(host) ? undefined : host })
      : netConnect({ host, port });
    const timer = setTimeout(() => socket.destroy(Object.assign(new Error(`no connection within ${seconds}s`), { code: 'ETIMEDOUT' })), seconds * 1000);
    const settled = () => clearTimeout(timer);
    socket.once(tls ? 'secureConnect' : 'connect', settled);
    socket.once('close', settled);
    return socket;
  }
}

/**
 * dockerode options for an endpoint. Every connection setting is given explicitly: docker-modem would
 * otherwise merge in what it reads from DOCKER_HOST and DOCKER_CERT_PATH itself.
 */
export function dockerOptions(ep: Endpoint): Docker.DockerOptions {
  const none = { host: undefined, port: undefined, ca: undefined, cert: undefined, key: undefined, sshOptions: undefined, username: undefined } as unknown as Docker.DockerOptions;
  if (ep.kind === 'unix') return { ...none, socketPath: ep.socketPath, protocol: 'http' };
  // A placeholder host name: the agent decides where the bytes go (as the CLI's http://docker.example.com).
  return { ...none, socketPath: undefined, host: ep.kind === 'ssh' ? 'docker' : ep.tcp!.host, port: ep.kind === 'ssh' ? undefined : ep.tcp!.port, protocol: 'http', agent: new EngineAgent(ep) } as Docker.DockerOptions;
}

/**
 * What is wrong with the connection, for an error that is about reaching the engine rather than an
 * answer from it; undefined for anything else.
 */
export function connectionProblem(ep: Endpoint, e: unknown): string | undefined {
  const err = e as NodeJS.ErrnoException & { statusCode?: number };
  if (!err || err.statusCode !== undefined) return undefined;
  const code = err.code ?? '';
  const where = ep.socketPath ?? (ep.tcp ? `${ep.tcp.host}:${ep.tcp.port}` : ep.ssh?.host ?? ep.url);
  switch (code) {
    case 'DOCKNET_SSH':
      return err.message;
    case 'ENOENT':
      return ep.kind === 'unix' ? `no socket at ${where} (is dockerd running?)` : err.message;
    case 'EACCES':
      return `permission denied on ${where} (run as root or as a member of the docker group)`;
    case 'ECONNREFUSED':
      return ep.kind === 'unix' ? `nothing listens on ${where} (is dockerd running?)` : `connection to ${where} refused`;
    case 'ETIMEDOUT':
      return `no connection to ${where} within ${connectTimeoutSeconds()}s`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${where} is unreachable (${code})`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name ${where.split(':')[0]} does not resolve`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `the connection was closed (${code}${ep.tcp && !ep.tcp.tls ? '; does the engine expect TLS? set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH' : ''})`;
  }
  if (/^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|ERR_OSSL)/.test(code)) return `TLS: ${err.message}${ep.tcp?.tls ? ` (TLS material from ${ep.tcp.tls.from})` : ''}`;
  if (/socket hang up/.test(err.message ?? '')) return 'the connection was closed before the engine answered';
  return undefined;
}

/** "engine ssh://ops@10.0.0.5 (from DOCKER_CONTEXT=prod) does not answer: …" */
export function unreachableMessage(ep: Endpoint, problem: string): string {
  return `engine ${describeEndpoint(ep)} does not answer: ${problem}`;
}
