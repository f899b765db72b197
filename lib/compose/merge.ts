// Several compose files make one project: each later file merges into what the earlier ones made, by
// compose's rules (compose-go's override package). Maps merge key by key; command, entrypoint and
// healthcheck.test are replaced; environment, labels and sysctls take the later value of a key (null
// included); lists are appended and then kept unique — ports by address, port and protocol, volumes by
// target, dns, cap_add, tmpfs… by value; extra_hosts take only new entries; ipam.config merges by subnet;
// and what a later file tags !reset or !override is dropped before that file merges.
import type { SpecPath } from '../model/types';
import type { ComposeIssues } from './issues';
import { isTree, pathMatches, type ComposeFile, type Tree, type Value } from './read';

const matchesAny = (path: SpecPath, patterns: string[]) => patterns.some((p) => pathMatches(path, p));

const REPLACED = ['services.*.command', 'services.*.entrypoint', 'services.*.healthcheck.test'];
/** Maps compose merges as lists of "key=value": the later value of a key wins, even null. */
const KEY_VALUE = ['services.*.environment', 'services.*.labels', 'services.*.sysctls', 'services.*.deploy.labels', 'services.*.build.args', 'services.*.annotations', 'networks.*.labels', 'volumes.*.labels'];

const text = (v: Value | undefined) => (v === undefined || v === null ? '<nil>' : String(v));
const beforeEquals = (v: Value) => text(v).split('=')[0];

/** The identity of a list item, for the lists compose keeps unique (a later item takes an earlier one's place). */
const UNIQUE: [string, (v: Value) => string][] = [
  ['services.*.ports', (v) => (isTree(v) ? `${text(v.host_ip ?? '0.0.0.0')}:${text(v.published)}:${text(v.target)}/${text(v.protocol ?? 'tcp')}` : text(v))],
  ['services.*.volumes', (v) => (isTree(v) ? text(v.target) : text(v))],
  ['services.*.env_file', (v) => (isTree(v) ? text(v.path) : text(v))],
  ['services.*.secrets', (v) => (isTree(v) ? text(v.target ?? `/run/secrets/${text(v.source)}`) : `/run/secrets/${text(v)}`)],
  ['services.*.configs', (v) => (isTree(v) ? text(v.target ?? `/${text(v.source)}`) : `/${text(v)}`)],
  ...['dns', 'dns_opt', 'dns_search', 'cap_add', 'cap_drop', 'tmpfs', 'expose', 'profiles', 'links', 'networks.*.aliases'].map((k): [string, (v: Value) => string] => [`services.*.${k}`, beforeEquals]),
];

function mergeIpamConfig(base: Value[], over: Value[]): Value[] {
  // compose-go's mergeIPAMConfig: a base entry is kept only where an override has its subnet.
  const out: Tree[] = [];
  const index = (subnet: Value | undefined) => out.findIndex((c) => c.subnet === subnet);
  for (const original of base.filter(isTree)) {
    for (const o of over.filter(isTree)) {
      if (o.subnet !== original.subnet) {
        if (index(o.subnet) < 0) out.push(o);
        continue;
      }
      const merged = { ...original, ...o };
      const at = index(merged.subnet);
      if (at >= 0) out[at] = merged;
      else out.push(merged);
    }
  }
  return out;
}

function mergeValue(base: Value, over: Value, path: SpecPath, issues: ComposeIssues, file: string): Value {
  if (matchesAny(path, REPLACED)) return over;
  if (pathMatches(path, 'networks.*.ipam.config') && Array.isArray(base) && Array.isArray(over)) return mergeIpamConfig(base, over);
  if (pathMatches(path, 'services.*.extra_hosts') && Array.isArray(base) && Array.isArray(over)) return [...base, ...over.filter((h) => !base.includes(h))];
  if (over === null) return base;
  if (isTree(base)) {
    if (!isTree(over)) {
      issues.error(path, 'a map here cannot be overridden by something else', file);
      return base;
    }
    if (matchesAny(path, KEY_VALUE)) return { ...base, ...over };
    const out: Tree = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = Object.hasOwn(base, k) ? mergeValue(base[k], v, [...path, k], issues, file) : v;
    return out;
  }
  if (Array.isArray(base)) {
    if (Array.isArray(over)) return [...base, ...over];
    issues.error(path, 'a list here cannot be overridden by something else', file);
    return base;
  }
  return over;
}

/** A list of a path compose keeps unique, with later items in the place of earlier ones of the same identity. */
function unique(list: Value[], identity: (v: Value) => string): Value[] {
  const out: Value[] = [];
  const seen = new Map<string, number>();
  for (const item of list) {
    const key = identity(item);
    const at = seen.get(key);
    if (at === undefined) seen.set(key, out.push(item) - 1);
    else out[at] = item;
  }
  return out;
}

function enforceUnique(value: Value, path: SpecPath): Value {
  if (Array.isArray(value)) {
    const rule = UNIQUE.find(([p]) => pathMatches(path, p));
    return rule ? unique(value, rule[1]) : value;
  }
  if (isTree(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, enforceUnique(v, [...path, k])]));
  return value;
}

/** Drops what a path names (a map key, or a list item) from a tree, in place. */
function drop(tree: Value, path: SpecPath): void {
  const parent = path.slice(0, -1).reduce<Value | undefined>((node, part) => (isTree(node) ? node[String(part)] : Array.isArray(node) && typeof part === 'number' ? node[part] : undefined), tree);
  const last = path[path.length - 1];
  if (isTree(parent)) delete parent[String(last)];
  else if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
}

/**
 * A service that extends another: its own keys merged over (a copy of) the base's, as over an earlier
 * file's; what its file tags !reset or !override for it is dropped from the base first.
 */
export function extendService(base: Tree, service: Tree, name: string, file: Pick<ComposeFile, 'file' | 'replaced'>, issues: ComposeIssues): Tree {
  const path = ['services', name];
  const copy = structuredClone(base);
  for (const p of file.replaced) if (p[0] === 'services' && p[1] === name) drop(copy, p.slice(2));
  return enforceUnique(mergeValue(copy, service, path, issues, file.file), path) as Tree;
}

/** The project the files make together, in their order. */
export function mergeFiles(files: Pick<ComposeFile, 'file' | 'tree' | 'replaced'>[], issues: ComposeIssues): Tree {
  let project: Tree = {};
  for (const f of files) {
    // The project shares values with the files before: a copy is what !reset may cut.
    if (f.replaced.length > 0) project = structuredClone(project);
    for (const path of f.replaced) drop(project, path);
    project = enforceUnique(mergeValue(project, f.tree, [], issues, f.file), []) as Tree;
  }
  return project;
}
