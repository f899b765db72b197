// The long syntax of every compose key that has a short one, per file and before files merge (as
// compose does, so that "8080:80" in one file and { target: 80, published: 8080 } in another are one
// port): ports, volumes, a service's networks, depends_on, environment, labels, env_file, extra_hosts,
// sysctls, dns, tmpfs, command and entrypoint (split as compose splits them), healthcheck.test, build,
// and the old external: { name } of networks and volumes.
import { parsePublish } from '../model/publish';
import type { SpecPath } from '../model/types';
import type { ComposeIssues } from './issues';
import { isTree, type Tree, type Value } from './read';
import { shellwords, ShellwordsError } from './shellwords';
import { scalarText } from './units';

type Scalar = string | number | bigint | boolean;
const isScalar = (v: unknown): v is Scalar => ['string', 'number', 'bigint', 'boolean'].includes(typeof v);

/** Reports a value of the wrong shape (compose's schema refuses it too) and gives back what is usable. */
class Shapes {
  constructor(
    private readonly issues: ComposeIssues,
    private readonly file: string,
  ) {}

  bad(path: SpecPath, what: string): void {
    this.issues.error(path, `must be ${what}`, this.file);
  }

  list(value: Value, path: SpecPath): Value[] {
    if (Array.isArray(value)) return value;
    this.bad(path, 'a list');
    return [];
  }

  /** A list of "key=value" strings or a map, as a map; a key alone gets `alone`. */
  mapping(value: Value, path: SpecPath, alone: null | ''): Tree {
    if (isTree(value)) return value;
    return Object.fromEntries(
      this.list(value, path).flatMap((item, i): [string, Value][] => {
        if (!isScalar(item)) return this.bad([...path, i], '"key=value" text'), [];
        const text = scalarText(item);
        const at = text.indexOf('=');
        const key = at < 0 ? text : text.slice(0, at);
        if (key === '__proto__') return this.bad([...path, i], 'another name than "__proto__" (JavaScript reserves it)'), [];
        return [[key, at < 0 ? alone : text.slice(at + 1)]];
      }),
    );
  }

  strings(value: Value, path: SpecPath): string[] {
    const items = isScalar(value) ? [value] : this.list(value, path);
    return items.flatMap((item, i) => (isScalar(item) ? [scalarText(item)] : (this.bad([...path, i], 'text'), [])));
  }
}

function ports(value: Value, path: SpecPath, s: Shapes): Value[] {
  return s.list(value, path).flatMap((p, i): Value[] => {
    if (isTree(p)) {
      const out: Tree = { ...p };
      if (typeof p.target === 'string' && /^\d+$/.test(p.target)) out.target = Number(p.target);
      if (typeof p.published === 'number') out.published = String(p.published);
      return [out];
    }
    if (typeof p !== 'string' && typeof p !== 'number') return s.bad([...path, i], 'a port ("[ip:]host:container[/protocol]") or a map'), [];
    const parsed = parsePublish(String(p));
    if (typeof parsed === 'string') return s.bad([...path, i], `a port: ${parsed}`), [];
    return parsed.map((x) => ({
      mode: 'ingress',
      ...(x.hostIp ? { host_ip: x.hostIp } : {}),
      target: x.containerPort,
      ...(x.hostPort ? { published: x.hostPort } : {}),
      protocol: x.protocol,
    }));
  });
}

const PROPAGATION = ['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate'];

/** A host path for compose: it starts with ".", "/" or "~" (or is a Windows path). */
function isFilePath(source: string): boolean {
  return /^[./~]/.test(source) || source.startsWith('\\\\') || /^\p{L}:/u.test(source);
}

/** compose-go's ParseVolume: "[source:]target[:options]", where "c:" starts a Windows path. */
function parseVolume(spec: string): Tree | string {
  if (spec.length === 0) return 'an empty volume';
  if (spec.length <= 2) return { type: 'volume', target: spec, volume: {} };
  const sections: string[] = [];
  let buffer = '';
  for (const c of spec) {
    if (c === ':' && !(buffer.length === 1 && /\p{L}/u.test(buffer))) {
      sections.push(buffer);
      buffer = '';
    } else buffer += c;
  }
  sections.push(buffer);
  if (sections.some((x) => x === '')) return `"${spec}" has an empty part between colons`;
  if (sections.length > 3) return `"${spec}" has too many colons`;
  const out: Tree = {};
  if (sections.length === 1) out.target = sections[0];
  else [out.source, out.target] = sections;
  const bind: Tree = {};
  const volume: Tree = {};
  for (const option of sections[2]?.split(',') ?? []) {
    if (option === 'ro') out.read_only = true;
    else if (option === 'rw') out.read_only = false;
    else if (option === 'nocopy') volume.nocopy = true;
    else if (PROPAGATION.includes(option)) bind.propagation = option;
    else if (option === 'z' || option === 'Z') bind.selinux = option;
  }
  if (typeof out.source === 'string' && isFilePath(out.source)) return { type: 'bind', ...out, bind: { ...bind, create_host_path: true } };
  return { type: 'volume', ...out, volume };
}

function volumes(value: Value, path: SpecPath, s: Shapes): Value[] {
  return s.list(value, path).flatMap((v, i): Value[] => {
    if (isTree(v)) return [v];
    if (typeof v !== 'string') return s.bad([...path, i], 'a volume ("source:target[:mode]") or a map'), [];
    const parsed = parseVolume(v);
    return typeof parsed === 'string' ? (s.bad([...path, i], `a volume: ${parsed}`), []) : [parsed];
  });
}

function command(value: Value, path: SpecPath, s: Shapes, issues: ComposeIssues, file: string): Value {
  if (value === null || Array.isArray(value)) return value;
  if (typeof value !== 'string') return s.bad(path, 'a list or a command line'), null;
  try {
    const { words, dropped } = shellwords(value);
    if (dropped !== undefined) issues.warn(path, `compose splits "${value}" before "${dropped}" and runs ${JSON.stringify(words)} only; so does docknet (write [sh, -c, "…"] to run it all)`, file);
    return words;
  } catch (e) {
    if (!(e instanceof ShellwordsError)) throw e;
    s.bad(path, e.message);
    return null;
  }
}

function extraHosts(value: Value, path: SpecPath, s: Shapes): Value[] {
  const entries: [string, string][] = isTree(value)
    ? Object.entries(value).flatMap(([host, ip]) => (Array.isArray(ip) ? ip : [ip]).map((x): [string, string] => [host, x === null ? '' : scalarText(x as Scalar)]))
    : s.strings(value, path).map((text): [string, string] => {
        const at = /[=:]/.exec(text)?.index ?? text.length;
        return [text.slice(0, at), text.slice(at + 1)];
      });
  // "name=address", as compose writes them; an IPv6 address may come in brackets.
  return entries.map(([host, ip]) => `${host}=${ip.replace(/^\[(.*)\]$/, '$1')}`);
}

function dependsOn(value: Value, path: SpecPath, s: Shapes): Tree {
  if (isTree(value)) return value;
  return Object.fromEntries(s.strings(value, path).map((name) => [name, { condition: 'service_started', required: true }]));
}

function envFiles(value: Value, path: SpecPath, s: Shapes): Value[] {
  return (isScalar(value) ? [value] : s.list(value, path)).flatMap((f, i): Value[] => {
    if (isTree(f)) return [f];
    if (typeof f === 'string') return [{ path: f, required: true }];
    return s.bad([...path, i], 'a file name or a map { path, required, format }'), [];
  });
}

function service(svc: Tree, path: SpecPath, s: Shapes, issues: ComposeIssues, file: string): Tree {
  const out: Tree = { ...svc };
  const at = (key: string) => [...path, key];
  const present = (key: string) => svc[key] !== undefined && svc[key] !== null;
  if (present('ports')) out.ports = ports(svc.ports, at('ports'), s);
  if (present('volumes')) out.volumes = volumes(svc.volumes, at('volumes'), s);
  if (present('networks')) out.networks = Array.isArray(svc.networks) ? Object.fromEntries(s.strings(svc.networks, at('networks')).map((n) => [n, null])) : svc.networks;
  if (present('depends_on')) out.depends_on = dependsOn(svc.depends_on, at('depends_on'), s);
  if (present('environment')) out.environment = s.mapping(svc.environment, at('environment'), null);
  if (present('labels')) out.labels = s.mapping(svc.labels, at('labels'), '');
  if (present('sysctls')) out.sysctls = s.mapping(svc.sysctls, at('sysctls'), '');
  if (present('env_file')) out.env_file = envFiles(svc.env_file, at('env_file'), s);
  if (present('extra_hosts')) out.extra_hosts = extraHosts(svc.extra_hosts, at('extra_hosts'), s);
  for (const key of ['dns', 'tmpfs']) if (present(key)) out[key] = s.strings(svc[key], at(key));
  for (const key of ['command', 'entrypoint']) if (key in svc) out[key] = command(svc[key], at(key), s, issues, file);
  if (isTree(svc.healthcheck) && typeof svc.healthcheck.test === 'string') out.healthcheck = { ...svc.healthcheck, test: ['CMD-SHELL', svc.healthcheck.test] };
  if (typeof svc.build === 'string') out.build = { context: svc.build };
  if (typeof svc.extends === 'string') out.extends = { service: svc.extends };
  return out;
}

/** networks: and volumes: at the top: labels as a map, and external: { name } as name + external: true. */
function resource(def: Value, path: SpecPath, s: Shapes): Value {
  if (!isTree(def)) return def;
  const out: Tree = { ...def };
  if (def.labels !== undefined && def.labels !== null) out.labels = s.mapping(def.labels, [...path, 'labels'], '');
  if (isTree(def.external)) {
    out.external = true;
    if (def.external.name !== undefined) out.name = def.external.name;
  }
  return out;
}

/** One file's tree in long syntax; shapes compose would refuse are reported as errors. */
export function canonical(tree: Tree, file: string, issues: ComposeIssues): Tree {
  const s = new Shapes(issues, file);
  const out: Tree = { ...tree };
  const section = (key: string, each: (value: Value, path: SpecPath) => Value) => {
    const value = tree[key];
    if (value === undefined || value === null) return;
    if (!isTree(value)) return s.bad([key], 'a map');
    out[key] = Object.fromEntries(Object.entries(value).map(([name, v]) => [name, each(v, [key, name])]));
  };
  section('services', (svc, path) => (isTree(svc) ? service(svc, path, s, issues, file) : (s.bad(path, 'a map'), {})));
  section('networks', (n, path) => resource(n, path, s));
  section('volumes', (v, path) => resource(v, path, s));
  return out;
}
