// docknet import, checked against docker compose itself: each project below is written to a folder,
// imported by docknet, and read by `docker compose config --format json` (compose's fully normalized
// project). A small mapping turns compose's JSON into the values docknet must carry, and they are compared
// field by field with what docknet's own loader makes of the imported spec. No engine is needed.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { importCompose, type ImportOptions, type ImportResult } from '../../lib/compose/import';
import { loadDocuments } from '../../lib/spec/load';
import { formatIssue } from '../../lib/spec/errors';
import type { ContainerSpec, NetworkSpec, Stack } from '../../lib/model/types';
import { DOCKNET, run } from '../helpers';

/** The environment both compose and docknet see: no COMPOSE_* of the machine running the tests. */
function environment(extra: Record<string, string> = {}): Record<string, string> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined && !k.startsWith('COMPOSE_'))) as Record<string, string>;
  return { ...base, ...extra };
}

const folders: string[] = [];
afterAll(() => folders.forEach((f) => rmSync(f, { recursive: true, force: true })));

/** A project folder named `name` holding these files (paths relative to it). */
function project(name: string, files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'docknet-import-'));
  folders.push(root);
  const dir = join(root, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

/** compose config writes every "$" of a value as "$$" (so that its output reads back the same). */
function unescape(v: Json): Json {
  if (typeof v === 'string') return v.replace(/\$\$/g, '$');
  if (Array.isArray(v)) return v.map(unescape);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [unescape(k) as string, unescape(x)]));
  return v;
}

function composeConfig(dir: string, files: string[], env: Record<string, string>, args: string[] = []): Any {
  const out = execFileSync('docker', ['compose', ...files.flatMap((f) => ['-f', f]), ...args, 'config', '--format', 'json'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return unescape(JSON.parse(out.toString()));
}

function imported(dir: string, files: string[], env: Record<string, string>, options: ImportOptions = {}): { result: ImportResult; stack: Stack } {
  const result = importCompose(files.map((f) => join(dir, f)), { env, ...options });
  const errors = result.issues.filter((i) => i.level === 'error');
  if (errors.length > 0 || !result.spec) throw new Error(`import failed:\n${result.issues.map(formatIssue).join('\n')}`);
  return { result, stack: loadDocuments([{ file: join(dir, 'imported.yaml'), doc: result.spec }])[0] };
}

// ---- the mapping: compose's normalized JSON → what docknet must carry ----

const NS: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
const ns = (d: string) => [...d.matchAll(/(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)/g)].reduce((t, m) => t + Number(m[1]) * NS[m[2]], 0);
const goBool = (v: string) => String(['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v));
const BRIDGE_BOOLS = ['com.docker.network.bridge.enable_icc', 'com.docker.network.bridge.enable_ip_masquerade'];
const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

function expectedNetworks(cfg: Any): { networks: Record<string, object>; externals: string[] } {
  const networks: Record<string, object> = {};
  const externals: string[] = [];
  for (const n of Object.values<Any>(cfg.networks ?? {})) {
    if (n.external) {
      externals.push(n.name);
      continue;
    }
    const ipam: Record<string, object> = {};
    for (const c of n.ipam?.config ?? []) {
      ipam[c.subnet.includes(':') ? 'ipv6' : 'ipv4'] = defined({ subnet: c.subnet, ipRange: c.ip_range, gateway: c.gateway, auxAddresses: c.aux_addresses });
    }
    if (n.enable_ipv6 && !ipam.ipv6) ipam.ipv6 = {};
    const options = Object.fromEntries(
      Object.entries<string>(n.driver_opts ?? {}).map(([k, v]) => [k, BRIDGE_BOOLS.includes(k) ? goBool(v) : k === 'encrypted' ? '' : v]),
    );
    networks[n.name] = defined({ driver: n.driver ?? 'bridge', ...ipam, internal: Boolean(n.internal), attachable: Boolean(n.attachable), labels: n.labels ?? {}, options });
  }
  return { networks, externals: externals.sort() };
}

function actualNetworks(stack: Stack): { networks: Record<string, object>; externals: string[] } {
  const pick = (n: NetworkSpec) => defined({ driver: n.driver, ipv4: n.ipv4, ipv6: n.ipv6, internal: n.internal, attachable: n.attachable, labels: n.labels, options: n.options });
  return { networks: Object.fromEntries(stack.networks.map((n) => [n.name, pick(n)])), externals: stack.externals.map((e) => e.name).sort() };
}

const byService = (a: { service: string }, b: { service: string }) => a.service.localeCompare(b.service);
const RESTART: Record<string, string> = { none: 'no', no: 'no', 'on-failure': 'on-failure', any: 'always', always: 'always', 'unless-stopped': 'unless-stopped' };
const CONDITION: Record<string, string> = { service_started: 'started', service_healthy: 'healthy', service_completed_successfully: 'completed' };

function expectedContainers(cfg: Any): Record<string, object> {
  const out: Record<string, object> = {};
  const keyOf = (name: string) => cfg.services[name].container_name ?? `${cfg.name}-${name}`;
  for (const [name, s] of Object.entries<Any>(cfg.services)) {
    const replicas = s.deploy?.replicas ?? s.scale ?? 1;
    const key = keyOf(name);
    const byPriority = Object.entries<Any>(s.networks ?? {}).sort(([a, ea], [b, eb]) => (eb?.priority ?? 0) - (ea?.priority ?? 0) || a.localeCompare(b));
    const endpoints = s.network_mode
      ? []
      : byPriority.map(([net, e], i) =>
          defined({
            network: cfg.networks[net].name,
            aliases: [...new Set([name, ...(e?.aliases ?? []), ...(replicas > 1 ? [key] : [])])],
            ipv4: e?.ipv4_address,
            ipv6: e?.ipv6_address,
            mac: (e?.mac_address ?? (i === 0 ? s.mac_address : undefined))?.toLowerCase(),
          }),
        );
    const hc = s.healthcheck;
    const mount = (m: Any) =>
      defined({ type: m.type, source: m.type === 'volume' && m.source ? cfg.volumes[m.source].name : m.source, target: m.target, readOnly: Boolean(m.read_only) });
    const policy = s.deploy?.restart_policy?.condition ?? s.restart?.split(':')[0] ?? 'no';
    const memory = s.deploy?.resources?.limits?.memory ?? s.mem_limit;
    const cpus = s.deploy?.resources?.limits?.cpus ?? s.cpus;
    const container = defined({
      image: s.image,
      command: s.command ?? undefined,
      env: Object.fromEntries(Object.entries<string | null>(s.environment ?? {}).filter(([, v]) => v !== null)),
      labels: s.labels ?? {},
      endpoints: endpoints.sort((a, b) => a.network.localeCompare(b.network)),
      networkMode: ['host', 'none'].includes(s.network_mode) ? s.network_mode : undefined,
      publish: (s.ports ?? []).map((p: Any) => ({ hostIp: p.host_ip ?? '', hostPort: p.published ?? '', containerPort: p.target, protocol: p.protocol ?? 'tcp' })),
      healthcheck: !hc ? undefined : hc.disable ? { test: ['NONE'] } : defined({ test: hc.test, intervalNs: hc.interval && ns(hc.interval), timeoutNs: hc.timeout && ns(hc.timeout), retries: hc.retries, startPeriodNs: hc.start_period && ns(hc.start_period) }),
      restart: RESTART[policy],
      init: s.init === true ? true : undefined,
      stopTimeout: s.stop_grace_period ? Math.ceil(ns(s.stop_grace_period) / 1e9) : undefined,
      dependsOn: Object.entries<Any>(s.depends_on ?? {}).map(([dep, d]) => ({ service: keyOf(dep), condition: CONDITION[d.condition] })).sort(byService),
      mounts: (s.volumes ?? []).map(mount),
      user: s.user,
      workingDir: s.working_dir,
      entrypoint: s.entrypoint ?? undefined,
      capAdd: s.cap_add ?? [],
      capDrop: s.cap_drop ?? [],
      sysctls: s.sysctls ?? {},
      tmpfs: Object.fromEntries((s.tmpfs ?? []).map((t: string) => (t.includes(':') ? [t.slice(0, t.indexOf(':')), t.slice(t.indexOf(':') + 1)] : [t, '']))),
      readOnly: Boolean(s.read_only),
      dns: s.dns ?? [],
      extraHosts: (s.extra_hosts ?? []).map((h: string) => h.replace('=', ':')).sort(),
      hostname: s.hostname,
      memoryBytes: memory === undefined ? undefined : Number(memory),
      nanoCpus: cpus ? Math.round(Number(cpus) * 1e9) : undefined,
    });
    for (let i = 1; i <= replicas; i++) out[replicas > 1 ? `${key}-${i}` : key] = container;
  }
  return out;
}

function actualContainers(stack: Stack): Record<string, object> {
  const pick = (c: ContainerSpec) =>
    defined({
      image: c.image,
      command: c.command,
      env: c.env,
      labels: c.labels,
      endpoints: c.endpoints.map((e) => defined({ ...e })).sort((a, b) => a.network.localeCompare(b.network)),
      networkMode: c.networkMode,
      publish: c.publish,
      healthcheck: c.healthcheck,
      restart: c.restart,
      init: c.init,
      stopTimeout: c.stopTimeout,
      dependsOn: [...c.dependsOn].sort(byService),
      mounts: c.runtime.mounts,
      user: c.runtime.user,
      workingDir: c.runtime.workingDir,
      entrypoint: c.runtime.entrypoint,
      capAdd: c.runtime.capAdd,
      capDrop: c.runtime.capDrop,
      sysctls: c.runtime.sysctls,
      tmpfs: c.runtime.tmpfs,
      readOnly: c.runtime.readOnly,
      dns: c.runtime.dns,
      extraHosts: [...c.runtime.extraHosts].sort(),
      hostname: c.runtime.hostname,
      memoryBytes: c.runtime.memoryBytes,
      nanoCpus: c.runtime.nanoCpus,
    });
  return Object.fromEntries(stack.containers.map((c) => [c.name, pick(c)]));
}

/** Imports the files with docknet and with compose, and compares everything docknet carries. */
function sameAsCompose(dir: string, files: string[], env: Record<string, string> = environment(), options: ImportOptions = {}, composeArgs: string[] = []): ImportResult {
  const cfg = composeConfig(dir, files, env, composeArgs);
  const { result, stack } = imported(dir, files, env, options);
  expect(stack.name).toBe(cfg.name);
  expect(actualNetworks(stack)).toEqual(expectedNetworks(cfg));
  expect(actualContainers(stack)).toEqual(expectedContainers(cfg));
  return result;
}

const messages = (r: ImportResult, level: 'error' | 'warning') => r.issues.filter((i) => i.level === level).map(formatIssue);

beforeAll(() => {
  const v = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  if (v.status !== 0) throw new Error(`these tests compare with docker compose, which is not installed here: ${v.stderr}`);
});

describe('docknet import carries what docker compose config says', () => {
  test('several files merge as compose merges them (maps, lists made unique, replaced commands, !reset, !override)', () => {
    const dir = project('merging', {
      'compose.yaml': `
services:
  app:
    image: busybox:1.36
    command: [sleep, "1000"]
    environment: { A: "1", B: "2", KEEP: base }
    labels: [tier=base, team=net]
    ports: ["8080:80", "9090:90", "5353:53/udp"]
    volumes: ["appdata:/data", "/srv/a:/a", "./conf:/conf:ro"]
    networks: [front]
    dns: 1.1.1.1
    cap_add: [NET_ADMIN]
    extra_hosts: ["db.local:10.0.0.5"]
    sysctls: { net.core.somaxconn: 1024 }
    tmpfs: /run
    healthcheck: { test: [CMD, "true"], interval: 5s, retries: 2 }
    restart: always
  db:
    image: busybox:1.36
    restart: always
    ports: ["5432:5432"]
    networks: { back: { aliases: [database] } }
networks:
  front:
    ipam: { config: [{ subnet: 10.61.0.0/24 }] }
    labels: { owner: base }
  back: {}
volumes:
  appdata: {}
  other: {}
`,
      'compose.override.yaml': `
services:
  app:
    command: sleep 2000
    environment: [B=3, C=4]
    labels: { team: ops }
    ports: ["8080:80", { target: 90, published: "9090" }, "7070:70"]
    volumes: [{ type: volume, source: other, target: /data }]
    networks: { back: { aliases: [app-back] } }
    dns: [8.8.8.8, 1.1.1.1]
    cap_add: [SYS_TIME, NET_ADMIN]
    extra_hosts: { cache.local: 10.0.0.6 }
    sysctls: [net.ipv4.tcp_syncookies=1]
    tmpfs: [/tmp]
    healthcheck: { test: [CMD, "false"], timeout: 3s }
    depends_on: { db: { condition: service_started } }
  db:
    restart: !reset null
    ports: !override ["15432:5432"]
    labels: !override { only: this }
networks:
  front:
    ipam: { config: [{ subnet: 10.61.0.0/24, gateway: 10.61.0.1 }, { subnet: "fd61::/64" }] }
    enable_ipv6: true
    labels: [extra=1]
`,
      'conf/.keep': '',
    });
    sameAsCompose(dir, ['compose.yaml', 'compose.override.yaml']);
  });

  test('variables: .env, the process environment over it, defaults, $$, :?, :+, nested, --env-file', () => {
    const files = {
      '.env': 'BASE=from-dotenv\nDERIVED=${BASE}-x\nOVER=dotenv\nQUOTED="a b ${BASE}"\nSINGLE=\'lit ${BASE}\'\nTAG=1.36\nCOMPOSE_PROFILES=debug\n',
      'alt.env': 'BASE=from-alt\nTAG=1.35\nCOMPOSE_PROFILES=debug\n',
      'compose.yaml': `
name: \${PNAME:-Vars_Project}
services:
  app:
    image: "busybox:\${TAG-latest}"
    environment:
      A: \${BASE}
      B: $BASE
      C: \${DERIVED}
      D: \${OVER}
      E: $$NOTVAR and $$\{NOTVAR}
      G: \${EMPTY:-dflt}
      H: \${EMPTY-dflt}
      I: \${NESTED:-\${BASE:-x}}
      J: \${BASE:+alt}
      K: \${QUOTED}
      L: \${SINGLE}
      M: "\${BASE}_$BASE.x"
      N: \${REQ:?REQ is needed}
    command: ["echo", "\${COMPOSE_PROJECT_NAME}"]
  debug:
    image: busybox:1.36
    profiles: [debug]
`,
    };
    const dir = project('vars', files);
    const env = environment({ EMPTY: '', OVER: 'process', REQ: 'here' });
    const r = sameAsCompose(dir, ['compose.yaml'], env);
    expect(r.spec!.stack).toBe('vars_project');
    // --env-file replaces .env, as in compose.
    sameAsCompose(dir, ['compose.yaml'], env, { envFiles: [join(dir, 'alt.env')] }, ['--env-file', 'alt.env']);
  });

  test('anchors and merge keys (<<), one map or a list of them, explicit keys winning', () => {
    const dir = project('anchors', {
      'compose.yaml': `
x-base: &base
  image: busybox:1.36
  restart: unless-stopped
  labels: { from: base }
x-net: &net
  networks: [inner]
x-env: &env
  environment: { MODE: anchor, LEVEL: "3" }
services:
  one:
    <<: [*base, *net, *env]
    labels: { from: one }
  two:
    <<: *base
    environment:
      <<: { MODE: merged, EXTRA: "1" }
      MODE: explicit
networks:
  inner: {}
`,
    });
    sameAsCompose(dir, ['compose.yaml']);
  });

  test('extends: from the same file and from another one, whose relative paths are its folder\'s', () => {
    const dir = project('extending', {
      'common/base.yaml': `
services:
  base:
    image: busybox:1.36
    volumes: ["./cache:/cache", "shared:/shared"]
    env_file: ./base.env
    ports: ["8080:80"]
    environment: { FROM: base }
    extends: { service: deeper }
  deeper:
    image: alpine:3.20
    labels: { deep: "1" }
    command: [deep]
`,
      'common/base.env': 'WHERE=common\n',
      'common/cache/.keep': '',
      'compose.yaml': `
services:
  web:
    extends: { file: common/base.yaml, service: base }
    ports: ["8080:80", "8081:81"]
    environment: { OWN: "1" }
  job:
    extends: web
    ports: !reset []
    command: [job]
volumes:
  shared: {}
`,
    });
    sameAsCompose(dir, ['compose.yaml']);
  });

  test('ports in every syntax: short with address, ranges, protocols, IPv6, long with host_ip', () => {
    const dir = project('ports', {
      'compose.yaml': `
services:
  web:
    image: busybox:1.36
    ports:
      - 80
      - "8080:80"
      - "127.0.0.1:8443:443/tcp"
      - "127.0.0.1::9000"
      - "[::1]:5353:53/udp"
      - "9100-9102:9100-9102"
      - "7000-7010:7000"
      - "6000-6001"
      - "4000:4000/sctp"
      - { target: 3000, published: 3001, host_ip: 127.0.0.2, protocol: tcp, mode: host }
      - { target: 3002 }
      - { target: 3003, published: "3100-3110" }
`,
    });
    sameAsCompose(dir, ['compose.yaml']);
  });

  test('networks: ipam, driver_opts as typed options, internal, attachable, labels, IPv6, macvlan/ipvlan, external, endpoints with addresses, aliases and MACs, network_mode', () => {
    const dir = project('nets', {
      'compose.yaml': `
services:
  app:
    image: busybox:1.36
    mac_address: 02:42:ac:19:64:0a
    networks:
      front: { ipv4_address: 172.25.100.10, aliases: [web, www], priority: 10 }
      back: { ipv6_address: "fd00:25::10", ipv4_address: 172.26.0.10 }
      vlan: { ipv4_address: 192.168.10.20 }
      shared: {}
      legacy:
  ipv:
    image: busybox:1.36
    networks: [l2]
  host:
    image: busybox:1.36
    network_mode: host
  none:
    image: busybox:1.36
    network_mode: none
  plain:
    image: busybox:1.36
    network_mode: bridge
networks:
  front:
    name: lab-front
    ipam:
      config:
        - subnet: 172.25.0.0/16
          ip_range: 172.25.100.0/24
          gateway: 172.25.0.1
          aux_addresses: { router: 172.25.0.2 }
    driver_opts:
      com.docker.network.bridge.name: br-lab-front
      com.docker.network.bridge.enable_icc: "0"
      com.docker.network.bridge.enable_ip_masquerade: "false"
      com.docker.network.bridge.host_binding_ipv4: 127.0.0.1
      com.docker.network.driver.mtu: 1400
      com.docker.network.container_iface_prefix: lab
    labels: { team: net }
  back:
    enable_ipv6: true
    internal: true
    attachable: true
    ipam: { config: [{ subnet: 172.26.0.0/24 }, { subnet: "fd00:25::/64", gateway: "fd00:25::1" }] }
  vlan:
    driver: macvlan
    driver_opts: { parent: eth0.10, macvlan_mode: bridge }
    ipam: { config: [{ subnet: 192.168.10.0/24, gateway: 192.168.10.1 }] }
  l2:
    driver: ipvlan
    driver_opts: { parent: eth1, ipvlan_mode: l2 }
  shared:
    external: true
    name: shop_default
  legacy:
    external: { name: old-net }
`,
    });
    const r = sameAsCompose(dir, ['compose.yaml']);
    expect(r.spec!.networks!['lab-front']).toMatchObject({ bridge: { name: 'br-lab-front', icc: false, masquerade: false, hostBindingIpv4: '127.0.0.1', mtu: 1400, ifacePrefix: 'lab' } });
    expect(r.spec!.networks!.nets_vlan).toMatchObject({ driver: 'macvlan', macvlan: { parent: 'eth0', vlan: 10, mode: 'bridge' } });
  });

  test('runtime settings: healthcheck, restart, replicas and scale, depends_on conditions, limits, volumes of three kinds, env_file', () => {
    const dir = project('runtime', {
      'app.env': '# settings\nDB_HOST=db\nexport GREETING="hello\\nworld"\nPLAIN=x #comment\nLITERAL=\'${NOPE}\'\nFROM_ENV\nREF=${DB_HOST}:5432\n',
      'compose.yaml': `
services:
  db:
    image: busybox:1.36
    command: sleep 3600
    healthcheck:
      test: pg_isready -U app
      interval: 10s
      timeout: 5s
      retries: 5
      start_period: 1m30s
    volumes:
      - dbdata:/var/lib/data
      - type: tmpfs
        target: /scratch
    restart: on-failure:5
  cache:
    image: busybox:1.36
    healthcheck: { disable: true }
    deploy: { restart_policy: { condition: any } }
  migrate:
    image: busybox:1.36
    restart: "no"
  worker:
    image: busybox:1.36
    entrypoint: /bin/sh -c
    command: ["exec worker --queue 'high prio'"]
    deploy:
      replicas: 3
      resources: { limits: { memory: 256m, cpus: "0.25" } }
    depends_on:
      db: { condition: service_healthy }
      cache: { condition: service_started }
      migrate: { condition: service_completed_successfully }
    env_file: [app.env, { path: missing.env, required: false }]
    environment: { GREETING: override }
  api:
    image: busybox:1.36
    container_name: api-main
    scale: 1
    user: "1000:1000"
    working_dir: /srv
    hostname: api
    init: true
    read_only: true
    stop_grace_period: 45s
    cap_add: [NET_BIND_SERVICE]
    cap_drop: [ALL]
    sysctls: [net.ipv4.ip_unprivileged_port_start=0]
    tmpfs: ["/run:size=64m,mode=1777"]
    dns: [9.9.9.9]
    extra_hosts: ["gw:host-gateway", "v6=::1"]
    mem_limit: 1g
    cpus: 1.5
    labels: { com.example.role: api }
    volumes:
      - ./static:/srv/static:ro
      - /srv/api
      - type: bind
        source: ./static
        target: /mnt/static
        read_only: true
      - shared:/shared
    depends_on: [db]
volumes:
  dbdata: {}
  shared: { name: "shared-\${SUFFIX:-data}" }
`,
      'static/index.html': 'hi\n',
    });
    const r = sameAsCompose(dir, ['compose.yaml'], environment({ FROM_ENV: 'inherited' }));
    expect(r.spec!.containers!['runtime-worker'].replicas).toBe(3);
    expect(messages(r, 'warning').join('\n')).toMatch(/services\.db\.restart: the retry count 5 is not carried/);
  });

  test('smaller forms: COMPOSE_PROJECT_NAME, the default network renamed, values from .env, keys alone, cleared entrypoint, scale', () => {
    const dir = project('edges', {
      '.env': 'COMPOSE_PROJECT_NAME=edgy\nFROM_DOTENV=dotenv value\nPORT=8088\n',
      'compose.yaml': `
name: ignored-for-the-env
services:
  a:
    image: busybox:1.36
    networks: {}
    environment: [FROM_DOTENV, "EMPTY="]
    labels: [flag, "k=v=w"]
    extra_hosts: { multi: [10.0.0.1, "::1"] }
    entrypoint: ""
    ports: ["\${PORT:-8080}:80"]
    dns: 8.8.4.4
    healthcheck: { test: [NONE] }
    restart: unless-stopped
    init: false
    read_only: false
    privileged: false
    volumes:
      - type: bind
        source: ./data
        target: /data
      - type: tmpfs
        target: /tmp
        read_only: true
      - ext:/ext
  b:
    image: busybox:1.36
    scale: 2
    deploy: { restart_policy: { condition: on-failure, max_attempts: 2, delay: 5s } }
    depends_on:
      a: { condition: service_started, required: false }
networks:
  default:
    name: edgy-net
    ipam: { config: [{ subnet: 10.63.0.0/24 }] }
volumes:
  ext: { external: true, name: edgy-external }
`,
      'data/.keep': '',
    });
    const r = sameAsCompose(dir, ['compose.yaml']);
    expect(messages(r, 'warning').map((m) => m.replace(/^[^ ]+ /, ''))).toEqual([
      'volumes.ext.external: docknet mounts it by name, and Docker makes it when it is missing (compose would refuse to start)',
      'services.b.deploy.restart_policy: the retry count 2 is not carried: docknet\'s on-failure restarts without a limit',
    ]);
  });

  test('a NetBox-shaped stack (app with a healthcheck, a worker waiting for it to be healthy, postgres, redis, named volumes, env files) loads and validates', async () => {
    const dir = project('netbox', {
      'env/netbox.env': 'DB_HOST=postgres\nDB_NAME=netbox\nDB_USER=netbox\nDB_PASSWORD=J5brHrAXFLQSif0K\nREDIS_HOST=redis\nSECRET_KEY=r(m)9nLGnz$(_q3N4z1k(EFsMCjjjzx08x9VhNVcfd%6RF#r!6DE@+V5Zk2X\nSKIP_SUPERUSER=true\n',
      'env/postgres.env': 'POSTGRES_DB=netbox\nPOSTGRES_PASSWORD=J5brHrAXFLQSif0K\nPOSTGRES_USER=netbox\n',
      'env/redis.env': 'REDIS_PASSWORD=H733Kdjndks81\n',
      'docker-compose.yml': `
services:
  netbox: &netbox
    image: docker.io/netboxcommunity/netbox:\${VERSION-v4.1-3.0.2}
    depends_on:
      - postgres
      - redis
    env_file: env/netbox.env
    user: "unit:root"
    healthcheck:
      test: curl -f http://localhost:8080/login/ || exit 1
      start_period: 90s
      timeout: 3s
      interval: 15s
    volumes:
      - ./configuration:/etc/netbox/config:ro
      - netbox-media-files:/opt/netbox/netbox/media:rw
  netbox-worker:
    <<: *netbox
    depends_on:
      netbox:
        condition: service_healthy
    command:
      - /opt/netbox/venv/bin/python
      - /opt/netbox/netbox/manage.py
      - rqworker
    healthcheck:
      test: ps -aux | grep -v grep | grep -q rqworker || exit 1
      start_period: 20s
      timeout: 3s
      interval: 15s
    deploy:
      replicas: 5
  postgres:
    image: docker.io/postgres:16-alpine
    healthcheck:
      test: pg_isready -q -t 2 -d $$POSTGRES_DB -U $$POSTGRES_USER
      start_period: 20s
      timeout: 30s
      interval: 10s
      retries: 5
    env_file: env/postgres.env
    volumes:
      - netbox-postgres-data:/var/lib/postgresql/data
  redis:
    image: docker.io/valkey/valkey:8.0-alpine
    command:
      - sh
      - -c
      - valkey-server --appendonly yes --requirepass $$REDIS_PASSWORD
    healthcheck:
      test: '[ $$(valkey-cli --pass "\${REDIS_PASSWORD}" ping) = ''PONG'' ]'
      start_period: 5s
      timeout: 3s
      interval: 1s
      retries: 5
    env_file: env/redis.env
    volumes:
      - netbox-redis-data:/data
volumes:
  netbox-media-files:
    driver: local
  netbox-postgres-data:
    driver: local
  netbox-redis-data:
    driver: local
`,
      'docker-compose.override.yml': 'services:\n  netbox:\n    ports:\n      - "8000:8080"\n',
      'configuration/configuration.py': '# netbox\n',
    });
    const r = sameAsCompose(dir, ['docker-compose.yml', 'docker-compose.override.yml'], environment({ REDIS_PASSWORD: 'H733Kdjndks81' }));
    const worker = r.spec!.containers!['netbox-netbox-worker'];
    expect(worker.replicas).toBe(5);
    expect(worker.dependsOn).toEqual({ 'netbox-netbox': { condition: 'healthy' } });
    expect(worker.publish).toBeUndefined();
    // The CLI writes it, and docknet validate accepts what it wrote.
    const out = join(dir, 'netbox.docknet.yaml');
    const imp = await run(DOCKNET, ['import', join(dir, 'docker-compose.yml'), join(dir, 'docker-compose.override.yml'), '-o', out], 60_000, environment({ REDIS_PASSWORD: 'x' }));
    expect(imp.code).toBe(0);
    expect(imp.stdout).toMatch(/^wrote .*netbox\.docknet\.yaml: stack netbox, 1 networks, 4 containers/m);
    const validated = await run(DOCKNET, ['validate', out]);
    expect(validated.stderr).toBe('');
    expect(validated.code).toBe(0);
    expect(validated.stdout).toMatch(/netbox: valid \(1 networks, 8 containers, 0 routes\)/);
  });
});

describe('docknet import refuses what it cannot carry, by compose path', () => {
  test('build: without image: is refused (exit 2, nothing written); --lenient leaves the service out and says so', async () => {
    const dir = project('refusals', {
      'compose.yaml': `services:
  api:
    build: ./api
    ports: ["8080:80"]
  web:
    image: busybox:1.36
    depends_on: [api]
  tool:
    image: busybox:1.36
    privileged: true
    logging: { driver: syslog }
`,
    });
    const file = join(dir, 'compose.yaml');
    const out = join(dir, 'out.yaml');
    const refused = await run(DOCKNET, ['import', file, '-o', out], 60_000, environment());
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: .*compose\.yaml:3:12: services\.api\.build: docknet builds no images/m);
    expect(refused.stderr).toMatch(/^error: .*compose\.yaml:10:17: services\.tool\.privileged: /m);
    expect(refused.stderr).toMatch(/^error: .*compose\.yaml:11:14: services\.tool\.logging: /m);
    expect(() => readFileSync(out)).toThrow();

    const lenient = await run(DOCKNET, ['import', file, '--lenient', '-o', out], 60_000, environment());
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toMatch(/^warning: .*services\.api\.build: docknet builds no images.*service api left out \(--lenient\)/m);
    expect(lenient.stderr).toMatch(/^warning: .*services\.web\.depends_on\.api: not carried: api was left out/m);
    const spec = readFileSync(out, 'utf8');
    expect(spec).toMatch(/refusals-web:/);
    expect(spec).not.toMatch(/refusals-api|refusals-tool/);
    expect((await run(DOCKNET, ['validate', out])).code).toBe(0);
  });

  test('an unset variable where an address must be is an error naming the path and the variable; so is ${VAR:?}', () => {
    const dir = project('unset', {
      'compose.yaml': `services:
  web:
    image: busybox:1.36
    networks:
      front:
        ipv4_address: \${WEB_IP}
    ports: ["\${BIND_IP}:8080:80"]
    environment: { TOKEN: "\${TOKEN:?set TOKEN first}" }
networks:
  front:
    ipam: { config: [{ subnet: 10.62.0.0/24 }] }
`,
    });
    const r = importCompose([join(dir, 'compose.yaml')], { env: environment() });
    expect(r.spec).toBeUndefined();
    expect(messages(r, 'error')).toEqual([
      `${join(dir, 'compose.yaml')}:6:23: services.web.networks.front.ipv4_address: is empty: WEB_IP is not set`,
      `${join(dir, 'compose.yaml')}:7:13: services.web.ports[0]: is ":8080:80": BIND_IP is not set`,
      `${join(dir, 'compose.yaml')}:8:27: services.web.environment.TOKEN: required variable TOKEN is missing a value: set TOKEN first`,
    ]);
    // The same with the variables set imports.
    expect(importCompose([join(dir, 'compose.yaml')], { env: environment({ WEB_IP: '10.62.0.5', BIND_IP: '127.0.0.1', TOKEN: 't' }) }).spec).toBeDefined();
  });

  test('a driver option without a typed docknet option is refused; --lenient leaves the network and its services out', () => {
    const dir = project('opts', {
      'compose.yaml': `services:
  a:
    image: busybox:1.36
    networks: [odd]
  b:
    image: busybox:1.36
networks:
  odd:
    driver_opts:
      com.docker.network.bridge.enable_icc: "true"
      com.docker.network.bridge.gateway_mode_ipv4: routed
`,
    });
    const file = join(dir, 'compose.yaml');
    const strict = importCompose([file], { env: environment() });
    expect(messages(strict, 'error')).toEqual([`${file}:11:52: networks.odd.driver_opts["com.docker.network.bridge.gateway_mode_ipv4"]: docknet has no typed option for it and passes no raw options to a bridge`]);
    const lenient = importCompose([file], { env: environment(), lenient: true });
    expect(messages(lenient, 'warning')).toEqual([
      `${file}:11:52: networks.odd.driver_opts["com.docker.network.bridge.gateway_mode_ipv4"]: docknet has no typed option for it and passes no raw options to a bridge — network odd left out (--lenient)`,
      `${file}:4:15: services.a.networks.odd: service a left out: its network odd was left out`,
    ]);
    expect(Object.keys(lenient.spec!.containers!)).toEqual(['opts-b']);
    expect(Object.keys(lenient.spec!.networks!)).toEqual(['opts_default']);
  });

  test('what compose ignores passes silently; what docknet carries only in part is a warning', () => {
    const dir = project('partial', {
      'compose.yaml': `version: "3.9"
services:
  a:
    image: busybox:1.36
    build: .
    expose: ["8080"]
    attach: false
    command: echo one && echo two
    restart: on-failure:3
    deploy: { placement: { constraints: [node.role==manager] }, replicas: 1 }
networks:
  spare: {}
`,
    });
    const r = importCompose([join(dir, 'compose.yaml')], { env: environment() });
    expect(r.spec).toBeDefined();
    expect(messages(r, 'warning').map((m) => m.replace(/^[^ ]+ /, ''))).toEqual([
      'services.a.command: compose splits "echo one && echo two" before "&& echo two" and runs ["echo","one"] only; so does docknet (write [sh, -c, "…"] to run it all)',
      'services.a.expose: not carried: it only documents ports (containers on one network reach each other\'s ports anyway)',
      'services.a.build: not carried: docknet builds no images; it runs busybox:1.36, which must exist (docker compose build makes it)',
      'services.a.restart: the retry count 3 is not carried: docknet\'s on-failure restarts without a limit',
      'networks.spare: left out: no service uses it (compose does not make it either)',
    ]);
  });
});
