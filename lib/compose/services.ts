// A compose service as a docknet container: what docknet carries is written in its terms, what it
// carries only in part is warned about, and what it cannot carry is refused with the compose path.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatPublish, parsePublish } from '../model/publish';
import type { ContainerDoc, EndpointDoc, HealthcheckDoc, MountDoc } from '../model/schema';
import type { SpecPath } from '../model/types';
import { DotenvError, parseDotenv, parseRawEnv } from './dotenv';
import type { Lookup } from './interpolate';
import type { ComposeIssues, Subject } from './issues';
import { isTree, type Tree, type Value } from './read';
import { composeBool, formatByteSize, formatDuration, parseByteSize, parseGoDuration, valueText } from './units';
import { convertMount, type ComposeVolume } from './volumes';

export interface ServiceContext {
  project: string;
  projectDir: string;
  /** The project's environment (the process's, over .env or --env-file). */
  lookup: Lookup;
  /** Active profiles (COMPOSE_PROFILES); "*" is all. */
  profiles: Set<string>;
  /** Compose network key → its Docker name (docknet's key). */
  networks: Map<string, string>;
  volumes: Map<string, ComposeVolume>;
  /** Every service of the project, by name. */
  services: Tree;
  issues: ComposeIssues;
}

export interface ComposeService {
  name: string;
  /** docknet's container key: container_name, else <project>-<service> (replicas are <key>-1…N). */
  key: string;
  doc: ContainerDoc;
  /** The compose networks it is attached to. */
  networks: string[];
}

/** Keys docknet cannot carry, and why (a value that changes nothing — false, empty — is accepted). */
const REFUSED: Record<string, string> = {
  annotations: 'docknet sets no OCI annotations',
  blkio_config: 'docknet sets no block IO limits',
  cgroup: 'docknet does not choose the cgroup namespace',
  cgroup_parent: 'docknet does not choose the parent cgroup',
  configs: 'docknet has no configs (files compose mounts into the container)',
  cpu_count: 'docknet limits CPU with cpus only',
  cpu_percent: 'docknet limits CPU with cpus only',
  cpu_shares: 'docknet limits CPU with cpus only',
  cpu_quota: 'docknet limits CPU with cpus only',
  cpu_period: 'docknet limits CPU with cpus only',
  cpu_rt_period: 'docknet limits CPU with cpus only',
  cpu_rt_runtime: 'docknet limits CPU with cpus only',
  cpuset: 'docknet does not pin CPUs',
  credential_spec: 'docknet has no Windows credential specs',
  device_cgroup_rules: 'docknet gives containers no host devices',
  devices: 'docknet gives containers no host devices',
  dns_opt: 'docknet sets DNS servers (dns) only',
  dns_search: 'docknet sets DNS servers (dns) only',
  domainname: 'docknet sets the host name only',
  external_links: 'docknet has no links: containers on one network find each other by name and alias',
  gpus: 'docknet gives containers no GPUs',
  group_add: 'docknet adds no supplementary groups',
  ipc: 'docknet does not share IPC namespaces',
  isolation: 'docknet uses the engine\'s default isolation',
  label_file: 'docknet reads no label files',
  links: 'docknet has no links: containers on one network find each other by name and alias',
  logging: 'docknet uses the engine\'s logging driver and options',
  mem_reservation: 'docknet limits memory with mem_limit only',
  mem_swappiness: 'docknet limits memory with mem_limit only',
  memswap_limit: 'docknet limits memory with mem_limit only',
  models: 'docknet runs no AI models',
  oom_kill_disable: 'docknet does not tune the OOM killer',
  oom_score_adj: 'docknet does not tune the OOM killer',
  pid: 'docknet does not share PID namespaces',
  pids_limit: 'docknet sets no PID limit',
  platform: 'docknet runs images of the engine\'s own platform',
  post_start: 'docknet runs no lifecycle hooks',
  pre_stop: 'docknet runs no lifecycle hooks',
  privileged: 'docknet runs no privileged containers',
  provider: 'docknet runs containers only',
  runtime: 'docknet uses the engine\'s default runtime',
  secrets: 'docknet has no secrets (files compose mounts into the container)',
  security_opt: 'docknet sets no security options',
  shm_size: 'docknet sets no /dev/shm size',
  stdin_open: 'docknet starts containers without an open stdin',
  stop_signal: 'docknet stops containers with the image\'s stop signal',
  storage_opt: 'docknet sets no storage options',
  tty: 'docknet starts containers without a terminal',
  ulimits: 'docknet sets no ulimits',
  use_api_socket: 'docknet does not hand the Docker API to containers',
  userns_mode: 'docknet uses the engine\'s user namespace setting',
  uts: 'docknet does not share UTS namespaces',
  volumes_from: 'docknet mounts no other container\'s volumes',
};

/** Keys that steer compose's own commands only (logs shown by up, watch, pull timing): nothing in a container. */
const COMPOSE_ONLY = new Set(['attach', 'develop', 'pull_refresh_after']);

/** Keys this module reads. */
const CARRIED = new Set([
  'image', 'build', 'container_name', 'command', 'entrypoint', 'environment', 'env_file', 'networks', 'network_mode', 'mac_address',
  'ports', 'expose', 'healthcheck', 'restart', 'deploy', 'scale', 'depends_on', 'labels', 'init', 'stop_grace_period', 'volumes',
  'user', 'working_dir', 'cap_add', 'cap_drop', 'sysctls', 'tmpfs', 'read_only', 'dns', 'extra_hosts', 'hostname', 'mem_limit',
  'cpus', 'profiles', 'pull_policy',
]);

/** Deploy keys of swarm that compose ignores when it runs containers. */
const DEPLOY_IGNORED = new Set(['mode', 'placement', 'endpoint_mode', 'update_config', 'rollback_config', 'labels']);

const isEmpty = (v: Value | undefined) => v === undefined || v === null || v === false || v === '' || (Array.isArray(v) && v.length === 0) || (isTree(v) && Object.keys(v).length === 0);

class ServiceReader {
  readonly path: SpecPath;
  private readonly subject: Subject;

  constructor(
    readonly name: string,
    readonly svc: Tree,
    private readonly ctx: ServiceContext,
  ) {
    this.path = ['services', name];
    this.subject = { kind: 'service', name };
  }

  at(...sub: SpecPath): SpecPath {
    return [...this.path, ...sub];
  }

  refuse(sub: SpecPath, message: string): void {
    this.ctx.issues.refuse(this.subject, this.at(...sub), message);
  }

  warn(sub: SpecPath, message: string): void {
    this.ctx.issues.warn(this.at(...sub), message);
  }

  error(sub: SpecPath, message: string): void {
    this.ctx.issues.error(this.at(...sub), message);
  }

  /** An integer (YAML's, or text after interpolation). */
  int(value: Value | undefined, sub: SpecPath): number | undefined {
    if (value === undefined || value === null) return undefined;
    const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
    if (typeof n === 'number' && Number.isInteger(n)) return n;
    this.error(sub, `"${valueText(value)}" is not a whole number`);
    return undefined;
  }

  number(value: Value | undefined, sub: SpecPath): number | undefined {
    if (value === undefined || value === null) return undefined;
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n === 'number' && Number.isFinite(n)) return n;
    this.error(sub, `"${valueText(value)}" is not a number`);
    return undefined;
  }

  strings(value: Value | undefined, sub: SpecPath): string[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) return [valueText(value)];
    return value.map((v, i) => {
      if (typeof v === 'object' && v !== null) this.error([...sub, i], 'must be text');
      return valueText(v);
    });
  }

  duration(value: Value | undefined, sub: SpecPath): string | undefined {
    if (value === undefined || value === null) return undefined;
    const ns = typeof value === 'string' ? parseGoDuration(value) : undefined;
    if (ns === undefined || ns < 0) {
      this.error(sub, `"${valueText(value)}" is not a duration (such as 10s, 1m30s, 500ms)`);
      return undefined;
    }
    return formatDuration(ns);
  }

  stringMap(value: Value | undefined): Record<string, string> {
    return Object.fromEntries(Object.entries(isTree(value) ? value : {}).map(([k, v]) => [k, valueText(v)]));
  }
}

function checkKeys(r: ServiceReader, ctx: ServiceContext): void {
  for (const [key, value] of Object.entries(r.svc)) {
    if (CARRIED.has(key) || COMPOSE_ONLY.has(key) || key.startsWith('x-')) continue;
    const why = REFUSED[key];
    if (why === undefined) r.error([key], 'is not a key of a compose service');
    else if (!isEmpty(value)) r.refuse([key], why);
  }
  const profiles = r.strings(r.svc.profiles, ['profiles']);
  if (profiles.length > 0 && !ctx.profiles.has('*') && !profiles.some((p) => ctx.profiles.has(p))) {
    r.refuse(['profiles'], `compose runs it only when one of its profiles (${profiles.join(', ')}) is enabled (COMPOSE_PROFILES); docknet has no profiles`);
  }
  if (!isEmpty(r.svc.expose)) r.warn(['expose'], 'not carried: it only documents ports (containers on one network reach each other\'s ports anyway)');
  const pull = r.svc.pull_policy;
  if (typeof pull === 'string' && !['missing', 'if_not_present'].includes(pull)) r.warn(['pull_policy'], `not carried: docknet pulls an image only when it is missing (compose: ${pull})`);
}

function image(r: ServiceReader, doc: ContainerDoc): void {
  const image = typeof r.svc.image === 'string' && r.svc.image !== '' ? r.svc.image : undefined;
  if (image) doc.image = image;
  if (r.svc.build === undefined || r.svc.build === null) {
    if (!image) r.error([], 'has neither image nor build');
  } else if (image) r.warn(['build'], `not carried: docknet builds no images; it runs ${image}, which must exist (docker compose build makes it)`);
  else r.refuse(['build'], 'docknet builds no images: build it (docker compose build) and name it with image:');
}

function replicas(r: ServiceReader, doc: ContainerDoc, key: string): number {
  const deploy = isTree(r.svc.deploy) ? r.svc.deploy : {};
  const fromDeploy = r.int(deploy.replicas, ['deploy', 'replicas']);
  const scale = r.int(r.svc.scale, ['scale']);
  if (fromDeploy !== undefined && scale !== undefined && fromDeploy !== scale) r.error(['scale'], `scale ${scale} and deploy.replicas ${fromDeploy} differ (compose refuses that too)`);
  const n = fromDeploy ?? scale ?? 1;
  if (n > 1 && typeof r.svc.container_name === 'string') r.error(['container_name'], `${key} cannot name ${n} replicas (compose refuses that too)`);
  if (n > 1000) r.refuse([fromDeploy !== undefined ? 'deploy' : 'scale'], `${n} replicas: docknet makes at most 1000`);
  else if (n > 1) doc.replicas = n;
  for (const k of Object.keys(deploy)) {
    if (!['replicas', 'resources', 'restart_policy'].includes(k) && !DEPLOY_IGNORED.has(k)) r.error(['deploy', k], 'is not a key of deploy');
  }
  return n;
}

function words(r: ServiceReader, doc: ContainerDoc): void {
  for (const [key, field] of [['command', 'command'], ['entrypoint', 'entrypoint']] as const) {
    const v = r.svc[key];
    if (Array.isArray(v)) doc[field] = r.strings(v, [key]);
  }
}

function readEnvFile(r: ServiceReader, entry: Value, i: number, ctx: ServiceContext): Map<string, string> {
  const e: Tree = isTree(entry) ? entry : {};
  const file = resolve(ctx.projectDir, valueText(e.path ?? ''));
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (err) {
    // required: false lets a missing file pass, as in compose.
    if (composeBool(e.required ?? true) !== false) r.error(['env_file', i], `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return new Map();
  }
  if (e.format === 'raw') return parseRawEnv(content);
  if (e.format !== undefined && e.format !== null) {
    r.refuse(['env_file', i, 'format'], `docknet reads env files of compose's format (or raw), not ${valueText(e.format)}`);
    return new Map();
  }
  try {
    return parseDotenv(content, ctx.lookup);
  } catch (err) {
    if (!(err instanceof DotenvError)) throw err;
    r.error(['env_file', i], `${file}: ${err.message}`);
    return new Map();
  }
}

/**
 * env_file is inlined into env: the values are the ones compose computes (its quoting, its variables, a
 * name alone taken from the environment), and the spec does not depend on where it is written from.
 */
function environment(r: ServiceReader, doc: ContainerDoc, ctx: ServiceContext): void {
  const env = new Map<string, string>();
  (Array.isArray(r.svc.env_file) ? r.svc.env_file : []).forEach((entry, i) => {
    const vars = readEnvFile(r, entry, i, ctx);
    if (vars.size > 0) r.warn(['env_file', i], `its ${vars.size} variables are written into env: the spec holds their values`);
    for (const [k, v] of vars) env.set(k, v);
  });
  for (const [k, v] of Object.entries(isTree(r.svc.environment) ? r.svc.environment : {})) {
    const value = v === null ? ctx.lookup(k) : valueText(v);
    if (value !== undefined) env.set(k, value);
    else {
      env.delete(k);
      r.warn(['environment', k], 'has no value and is not set in the environment: left out (compose leaves it unset too)');
    }
  }
  if (env.size > 0) doc.env = Object.fromEntries(env);
}

/** compose's order of a service's networks: by priority, highest first, then by name. */
function byPriority(nets: Tree): [string, Tree][] {
  const prio = (e: Tree) => (typeof e.priority === 'number' ? e.priority : 0);
  return Object.entries(nets)
    .map(([k, v]): [string, Tree] => [k, isTree(v) ? v : {}])
    .sort(([a, ea], [b, eb]) => prio(eb) - prio(ea) || (a < b ? -1 : a > b ? 1 : 0));
}

function networks(r: ServiceReader, doc: ContainerDoc, ctx: ServiceContext): string[] {
  const mode = typeof r.svc.network_mode === 'string' && r.svc.network_mode !== '' ? r.svc.network_mode : undefined;
  const serviceMac = typeof r.svc.mac_address === 'string' && r.svc.mac_address !== '' ? r.svc.mac_address : undefined;
  if (mode !== undefined) {
    if (!isEmpty(r.svc.networks)) r.error(['network_mode'], 'network_mode and networks exclude each other (compose refuses both too)');
    if (mode === 'host' || mode === 'none') doc.networkMode = mode;
    else if (mode.startsWith('service:') || mode.startsWith('container:')) r.refuse(['network_mode'], 'docknet cannot share another container\'s network namespace');
    else if (mode !== 'bridge' && mode !== 'default') r.refuse(['network_mode'], `docknet carries network_mode host, none and bridge only, not ${mode}`);
    if (serviceMac !== undefined) r.refuse(['mac_address'], `a MAC address with network_mode ${mode}: docknet sets MAC addresses on networks it attaches`);
    return [];
  }
  // compose gives a service that names no network its project's default one.
  const nets = isTree(r.svc.networks) && Object.keys(r.svc.networks).length > 0 ? r.svc.networks : { default: null };
  const ordered = byPriority(nets);
  const out: Record<string, EndpointDoc> = {};
  ordered.forEach(([key, e], i) => {
    const name = ctx.networks.get(key);
    if (name === undefined) return r.error(['networks', key], `refers to undefined network ${key}: declare it under networks:`);
    const at = (...sub: SpecPath) => ['networks', key, ...sub];
    for (const k of Object.keys(e)) {
      if (['link_local_ips', 'driver_opts', 'gw_priority', 'interface_name'].includes(k) && !isEmpty(e[k]) && e[k] !== 0) r.refuse(at(k), `docknet cannot carry ${k} of an endpoint`);
      else if (!['aliases', 'ipv4_address', 'ipv6_address', 'mac_address', 'priority', 'link_local_ips', 'driver_opts', 'gw_priority', 'interface_name'].includes(k)) r.error(at(k), 'is not a key of a service\'s network');
    }
    // compose makes the service's name an alias on each of its networks; docknet writes it down.
    const endpoint: EndpointDoc = { aliases: [...new Set([r.name, ...r.strings(e.aliases, at('aliases'))])] };
    if (typeof e.ipv4_address === 'string' && e.ipv4_address !== '') endpoint.ipv4 = e.ipv4_address;
    if (typeof e.ipv6_address === 'string' && e.ipv6_address !== '') endpoint.ipv6 = e.ipv6_address;
    const mac = typeof e.mac_address === 'string' && e.mac_address !== '' ? e.mac_address : undefined;
    // A service's mac_address is its primary network's (the first by priority), as compose sets it.
    if (i === 0 && serviceMac !== undefined && mac !== undefined && mac.toLowerCase() !== serviceMac.toLowerCase()) r.error(['mac_address'], `differs from networks.${key}.mac_address`);
    const m = mac ?? (i === 0 ? serviceMac : undefined);
    if (m !== undefined) endpoint.mac = m;
    out[name] = endpoint;
  });
  doc.networks = out;
  return ordered.map(([k]) => k);
}

function ports(r: ServiceReader, doc: ContainerDoc): void {
  const list = Array.isArray(r.svc.ports) ? r.svc.ports : [];
  if (list.length > 0 && doc.networkMode) return r.warn(['ports'], `not carried: with network_mode ${doc.networkMode} Docker publishes no ports (compose ignores them too)`);
  const publish: string[] = [];
  list.forEach((p, i) => {
    if (!isTree(p)) return;
    const protocol = valueText(p.protocol ?? 'tcp');
    if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'sctp') return r.error(['ports', i, 'protocol'], `"${protocol}" is not tcp, udp or sctp`);
    const parsed = parsePublish({ hostIp: valueText(p.host_ip ?? ''), hostPort: valueText(p.published ?? ''), containerPort: valueText(p.target ?? ''), protocol });
    if (typeof parsed === 'string') return r.error(['ports', i], parsed);
    for (const x of parsed) publish.push((x.hostIp === '' && x.hostPort === '' ? `${x.containerPort}/${x.protocol}` : formatPublish(x)).replace(/\/tcp$/, ''));
  });
  if (publish.length > 0) doc.publish = publish;
}

function healthcheck(r: ServiceReader, doc: ContainerDoc): void {
  const hc = r.svc.healthcheck;
  if (!isTree(hc)) return;
  if (composeBool(hc.disable) === true) {
    doc.healthcheck = { test: ['NONE'] };
    return;
  }
  for (const k of Object.keys(hc)) if (!['test', 'interval', 'timeout', 'retries', 'start_period', 'start_interval', 'disable'].includes(k)) r.error(['healthcheck', k], 'is not a key of healthcheck');
  if (!Array.isArray(hc.test) || hc.test.length === 0) return r.refuse(['healthcheck'], 'a healthcheck without test: docknet needs the test (it does not read the image\'s)');
  const out: HealthcheckDoc = { test: r.strings(hc.test, ['healthcheck', 'test']) };
  for (const [key, field] of [['interval', 'interval'], ['timeout', 'timeout'], ['start_period', 'startPeriod']] as const) {
    const d = r.duration(hc[key], ['healthcheck', key]);
    if (d !== undefined) out[field] = d;
  }
  const retries = r.int(hc.retries, ['healthcheck', 'retries']);
  if (retries !== undefined) out.retries = retries;
  if (hc.start_interval !== undefined && hc.start_interval !== null) r.warn(['healthcheck', 'start_interval'], 'not carried: during start_period docknet checks at interval');
  doc.healthcheck = out;
}

const RESTART_CONDITION: Record<string, ContainerDoc['restart']> = { none: 'no', no: 'no', 'on-failure': 'on-failure', any: 'always', always: 'always', 'unless-stopped': 'unless-stopped' };

/** restart, or deploy.restart_policy when given (it wins, as in compose). */
function restart(r: ServiceReader, doc: ContainerDoc): void {
  const deploy = isTree(r.svc.deploy) ? r.svc.deploy : {};
  const policy = isTree(deploy.restart_policy) ? deploy.restart_policy : undefined;
  let name: string | undefined;
  let count: number | undefined;
  let at: SpecPath;
  if (policy) {
    at = ['deploy', 'restart_policy'];
    name = typeof policy.condition === 'string' ? policy.condition : 'any';
    count = r.int(policy.max_attempts, [...at, 'max_attempts']);
  } else if (typeof r.svc.restart === 'string') {
    at = ['restart'];
    const [n, c] = r.svc.restart.split(':');
    name = n;
    if (c !== undefined) count = /^\d+$/.test(c) ? Number(c) : (r.error(at, `"${r.svc.restart}": the count is not a number`), undefined);
  } else return;
  const mapped = RESTART_CONDITION[name];
  if (mapped === undefined) return r.error(at, `"${name}" is not a restart policy`);
  if (mapped !== 'no') doc.restart = mapped;
  if (count !== undefined && count > 0) r.warn(at, `the retry count ${count} is not carried: docknet's on-failure restarts without a limit`);
}

function dependsOn(r: ServiceReader, doc: ContainerDoc, ctx: ServiceContext, keyOf: (service: string) => string): void {
  const deps = isTree(r.svc.depends_on) ? r.svc.depends_on : {};
  const out: Record<string, { condition: 'started' | 'healthy' | 'completed' }> = {};
  for (const [dep, e] of Object.entries(deps)) {
    const entry: Tree = isTree(e) ? e : {};
    const at = ['depends_on', dep];
    const target = ctx.services[dep];
    if (!isTree(target)) {
      r.error(at, `depends on undefined service ${dep}`);
      continue;
    }
    const condition = valueText(entry.condition ?? 'service_started');
    const mapped = ({ service_started: 'started', service_healthy: 'healthy', service_completed_successfully: 'completed' } as const)[condition];
    if (mapped === undefined) {
      r.error([...at, 'condition'], `"${condition}" is not a condition of depends_on`);
      continue;
    }
    if (mapped === 'healthy') {
      const hc = target.healthcheck;
      const test = isTree(hc) && Array.isArray(hc.test) && hc.test.length > 0 && composeBool(hc.disable) !== true && hc.test[0] !== 'NONE';
      if (!test) r.refuse([...at, 'condition'], `service_healthy needs a healthcheck on ${dep} in the compose files: docknet does not read the image's`);
    }
    if (composeBool(entry.restart) === true) r.warn([...at, 'restart'], `not carried: docknet does not restart ${r.name} when ${dep} is restarted`);
    out[keyOf(dep)] = { condition: mapped };
  }
  if (Object.keys(out).length > 0) doc.dependsOn = out;
}

/** Limits: mem_limit and cpus, or deploy.resources.limits (compose refuses both with different values). */
function limits(r: ServiceReader, doc: ContainerDoc): void {
  const deploy = isTree(r.svc.deploy) ? r.svc.deploy : {};
  const resources = isTree(deploy.resources) ? deploy.resources : {};
  const lim = isTree(resources.limits) ? resources.limits : {};
  for (const k of Object.keys(resources)) if (k !== 'limits' && !isEmpty(resources[k])) r.refuse(['deploy', 'resources', k], 'docknet carries limits of memory and cpus only');
  for (const k of Object.keys(lim)) if (k !== 'memory' && k !== 'cpus' && !isEmpty(lim[k])) r.refuse(['deploy', 'resources', 'limits', k], 'docknet carries limits of memory and cpus only');
  const bytes = (v: Value | undefined, sub: SpecPath) => {
    if (v === undefined || v === null) return undefined;
    const b = typeof v === 'string' || typeof v === 'number' ? parseByteSize(v) : undefined;
    if (b === undefined) r.error(sub, `"${valueText(v)}" is not a size (such as 512m or 1g)`);
    return b;
  };
  const pairs = [
    ['mem_limit', bytes(r.svc.mem_limit, ['mem_limit']), bytes(lim.memory, ['deploy', 'resources', 'limits', 'memory'])],
    ['cpus', r.number(r.svc.cpus, ['cpus']), r.number(lim.cpus, ['deploy', 'resources', 'limits', 'cpus'])],
  ] as const;
  for (const [key, plain, fromDeploy] of pairs) {
    if (plain !== undefined && fromDeploy !== undefined && plain !== fromDeploy) r.error([key], `${key} and deploy.resources.limits differ (compose refuses that too)`);
    const v = fromDeploy ?? plain;
    if (v === undefined || v === 0) continue;
    if (key === 'mem_limit') doc.memory = formatByteSize(v);
    else doc.cpus = v;
  }
}

function runtime(r: ServiceReader, doc: ContainerDoc, ctx: ServiceContext): void {
  const s = r.svc;
  if (isTree(s.labels) && Object.keys(s.labels).length > 0) doc.labels = r.stringMap(s.labels);
  if (composeBool(s.init ?? null) === true) doc.init = true;
  const grace = r.duration(s.stop_grace_period, ['stop_grace_period']);
  if (grace !== undefined) doc.stopGracePeriod = grace;
  for (const [key, field] of [['user', 'user'], ['working_dir', 'workingDir'], ['hostname', 'hostname']] as const) {
    if (s[key] !== undefined && s[key] !== null && s[key] !== '') doc[field] = valueText(s[key]);
  }
  for (const [key, field] of [['cap_add', 'capAdd'], ['cap_drop', 'capDrop'], ['tmpfs', 'tmpfs'], ['dns', 'dns']] as const) {
    const list = r.strings(s[key], [key]);
    if (list.length > 0) doc[field] = list;
  }
  if (isTree(s.sysctls) && Object.keys(s.sysctls).length > 0) doc.sysctls = r.stringMap(s.sysctls);
  if (composeBool(s.read_only ?? null) === true) doc.readOnly = true;
  // compose writes extra hosts "name=address"; Docker's ExtraHosts are "name:address".
  const hosts = r.strings(s.extra_hosts, ['extra_hosts']).map((h) => h.replace('=', ':'));
  if (hosts.length > 0) doc.extraHosts = hosts;
  const mounts: MountDoc[] = [];
  (Array.isArray(s.volumes) ? s.volumes : []).forEach((m, i) => {
    const mount = convertMount(m, r.at('volumes', i), ctx.volumes, ctx.projectDir, ctx.issues);
    if (mount === undefined) return;
    if (typeof mount === 'object' && 'refuse' in mount) ctx.issues.refuse({ kind: 'service', name: r.name }, mount.refuse, mount.message);
    else mounts.push(mount);
  });
  if (mounts.length > 0) doc.volumes = mounts;
}

/** The container a service becomes; undefined when compose would run none of it (0 replicas). */
export function convertService(name: string, def: Value, ctx: ServiceContext, keyOf: (service: string) => string): ComposeService | undefined {
  const r = new ServiceReader(name, isTree(def) ? def : {}, ctx);
  if (!isTree(def)) r.error([], 'must be a map');
  const key = keyOf(name);
  checkKeys(r, ctx);
  const doc = { image: '' } as ContainerDoc;
  image(r, doc);
  if (replicas(r, doc, key) === 0) {
    r.warn(['deploy'], 'left out: 0 replicas, compose runs none of it');
    return undefined;
  }
  words(r, doc);
  environment(r, doc, ctx);
  const nets = networks(r, doc, ctx);
  ports(r, doc);
  healthcheck(r, doc);
  restart(r, doc);
  dependsOn(r, doc, ctx, keyOf);
  limits(r, doc);
  runtime(r, doc, ctx);
  return { name, key, doc, networks: nets };
}
