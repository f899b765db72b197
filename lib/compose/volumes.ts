// Volumes: a named volume is mounted by the name compose gives it (name:, else <project>_<key>; an
// external one by its key), so a project moved from compose to docknet keeps its data; bind mounts get
// absolute host paths (relative ones are the project folder's, as in compose); tmpfs mounts stay tmpfs.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { MountDoc } from '../model/schema';
import type { SpecPath } from '../model/types';
import type { ComposeIssues } from './issues';
import { isTree, type Tree, type Value } from './read';
import { composeBool } from './units';

/** A top-level volume as docknet can mount it, or why it cannot. */
export interface ComposeVolume {
  name: string;
  /** Set when docknet cannot make it as compose would: mounting it is refused. */
  problem?: string;
  /** What is carried only in part, said when a service first mounts it (compose ignores unused volumes). */
  notes: { path: SpecPath; message: string }[];
}

/** The named volumes of a project, by key. */
export function composeVolumes(defs: Value, project: string, issues: ComposeIssues): Map<string, ComposeVolume> {
  const out = new Map<string, ComposeVolume>();
  for (const [key, def] of Object.entries(isTree(defs) ? defs : {})) {
    const v: Tree = isTree(def) ? def : {};
    const path = ['volumes', key];
    const named = typeof v.name === 'string' && v.name !== '' ? v.name : undefined;
    const driver = typeof v.driver === 'string' ? v.driver : undefined;
    const notes: ComposeVolume['notes'] = [];
    if (isTree(v.labels) && Object.keys(v.labels).length > 0) notes.push({ path: [...path, 'labels'], message: 'not carried: docknet labels the volumes it makes with its own labels' });
    if (composeBool(v.external) === true) {
      if (driver !== undefined) issues.error([...path, 'driver'], 'conflicting parameters "external" and "driver" (compose refuses them too)');
      notes.push({ path: [...path, 'external'], message: 'docknet mounts it by name, and Docker makes it when it is missing (compose would refuse to start)' });
      out.set(key, { name: named ?? key, notes });
      continue;
    }
    const volume: ComposeVolume = { name: named ?? `${project}_${key}`, notes };
    if (driver !== undefined && driver !== 'local') volume.problem = `volumes.${key}.driver is ${driver}: docknet makes local volumes only`;
    else if (isTree(v.driver_opts) && Object.keys(v.driver_opts).length > 0) volume.problem = `volumes.${key} has driver_opts (a bind or network mount): docknet makes plain local volumes only`;
    out.set(key, volume);
  }
  return out;
}

/** The mount of a service (long syntax), or the reason it cannot be carried. */
export function convertMount(
  m: Value,
  path: SpecPath,
  volumes: Map<string, ComposeVolume>,
  projectDir: string,
  issues: ComposeIssues,
): MountDoc | { refuse: SpecPath; message: string } | undefined {
  if (!isTree(m) || typeof m.target !== 'string') {
    issues.error(path, 'a mount needs a target path');
    return undefined;
  }
  const target = m.target;
  const readOnly = composeBool(m.read_only) === true;
  const ro = readOnly ? ':ro' : '';
  const options = (key: string) => (isTree(m[key]) ? (m[key] as Tree) : {});
  const source = typeof m.source === 'string' && m.source !== '' ? m.source : undefined;
  if (m.type === 'volume' || m.type === undefined) {
    const opts = options('volume');
    if (composeBool(opts.nocopy) === true) return { refuse: [...path, 'volume', 'nocopy'], message: 'docknet always copies the image\'s files into a new volume' };
    if (opts.subpath !== undefined) return { refuse: [...path, 'volume', 'subpath'], message: 'docknet mounts whole volumes only' };
    if (source === undefined) return readOnly ? `${target}${ro}` : target;
    const volume = volumes.get(source);
    if (!volume) {
      issues.error([...path, 'source'], `refers to undefined volume ${source}: declare it under volumes:`);
      return undefined;
    }
    if (volume.problem) return { refuse: path, message: volume.problem };
    for (const note of volume.notes.splice(0)) issues.warn(note.path, note.message);
    return `${volume.name}:${target}${ro}`;
  }
  if (m.type === 'bind') {
    if (source === undefined) {
      issues.error([...path, 'source'], 'a bind mount needs a source (the host path)');
      return undefined;
    }
    const opts = options('bind');
    for (const key of ['selinux', 'recursive']) if (opts[key] !== undefined) return { refuse: [...path, 'bind', key], message: `docknet cannot carry bind.${key}` };
    if (opts.propagation !== undefined && opts.propagation !== 'rprivate') return { refuse: [...path, 'bind', 'propagation'], message: 'docknet mounts with the default propagation (rprivate) only' };
    // As compose: "~" is the home folder, a relative path the project folder's.
    const host = source === '~' || source.startsWith('~/') ? join(homedir(), source.slice(1)) : isAbsolute(source) ? source : resolve(projectDir, source);
    if (!existsSync(host)) issues.warn([...path, 'source'], `${host} does not exist: compose makes it, Docker refuses to mount a missing path: make it before docknet apply`);
    return host.includes(':') || target.includes(':') ? { type: 'bind', source: host, target, readOnly } : `${host}:${target}${ro}`;
  }
  if (m.type === 'tmpfs') {
    const opts = options('tmpfs');
    if (Object.keys(opts).length > 0) return { refuse: [...path, 'tmpfs'], message: 'docknet mounts a tmpfs volume without size or mode: use the service\'s tmpfs: ["/path:size=…,mode=…"]' };
    return { type: 'tmpfs', target, ...(readOnly ? { readOnly } : {}) };
  }
  return { refuse: [...path, 'type'], message: `docknet has no ${String(m.type)} mounts` };
}
