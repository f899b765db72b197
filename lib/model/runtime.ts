// A container's runtime settings (mounts, user, capabilities, limits, env files…): from the spec's
// document forms to the normalized model. Docker fixes all of them when it makes the container.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { ContainerDoc, MountDoc } from './schema';
import type { Dependency, Mount, RuntimeSpec, Source } from './types';
import type { IssueList } from '../spec/errors';

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** "512m" → bytes, as docker run --memory reads it. */
export function byteSize(value: number | string): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+(?:\.\d+)?)\s*([bkmg]?)$/i.exec(value.trim())!;
  return Math.round(Number(m[1]) * UNITS[m[2].toLowerCase()]);
}

/** A mount of the short syntax: "name:/path[:ro]", "/host:/path[:ro]", "./rel:/path", or "/path" (anonymous). */
function parseMount(text: string, base: string): Mount | string {
  const parts = text.split(':');
  const mode = parts.length === 3 ? parts.pop()! : parts.length === 2 && (parts[1] === 'ro' || parts[1] === 'rw') ? parts.pop()! : undefined;
  if (mode !== undefined && mode !== 'ro' && mode !== 'rw') return `"${mode}" is not a mount mode (ro or rw)`;
  const readOnly = mode === 'ro';
  if (parts.length === 1) return isAbsolute(parts[0]) ? { type: 'volume', target: parts[0], readOnly } : `"${text}": a mount's target must be an absolute path`;
  const [source, target] = parts;
  if (!isAbsolute(target)) return `"${target}": a mount's target must be an absolute path`;
  if (source.startsWith('/') || source.startsWith('.') || source.startsWith('~')) return { type: 'bind', source: source.startsWith('~') ? source : resolve(base, source), target, readOnly };
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(source)) return `"${source}" is neither a volume name (letters, digits, _ . -) nor a path`;
  return { type: 'volume', source, target, readOnly };
}

function mountOf(doc: MountDoc, base: string): Mount | string {
  if (typeof doc === 'string') return parseMount(doc, base);
  if (doc.type !== 'tmpfs' && !doc.source && doc.type === 'bind') return 'a bind mount needs a source (the host path)';
  const source = doc.type === 'bind' && doc.source && !isAbsolute(doc.source) ? resolve(base, doc.source) : doc.source;
  return { type: doc.type, ...(source ? { source } : {}), target: doc.target, readOnly: doc.readOnly ?? false };
}

/** NAME=value lines, # comments and blank lines; quotes around a value are removed, as compose does. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s*export\s+/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const value = line.slice(eq + 1).trim();
    out[line.slice(0, eq).trim()] = /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
  }
  return out;
}

/** The env of the env files, in order (a later file wins), read relative to the spec file. */
export function envFromFiles(files: string[], source: Source, issues: IssueList): Record<string, string> {
  const env: Record<string, string> = {};
  files.forEach((file, i) => {
    const path = resolve(dirname(source.file), file);
    try {
      Object.assign(env, parseEnvFile(readFileSync(path, 'utf8')));
    } catch (e) {
      issues.add(source, ['envFile', i], `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  });
  return env;
}

export function normalizeRuntime(doc: ContainerDoc, source: Source, issues: IssueList): RuntimeSpec {
  const base = dirname(source.file);
  const mounts: Mount[] = [];
  (doc.volumes ?? []).forEach((m, i) => {
    const parsed = mountOf(m, base);
    if (typeof parsed === 'string') issues.add(source, ['volumes', i], parsed);
    else mounts.push(parsed);
  });
  const tmpfs: Record<string, string> = {};
  for (const t of doc.tmpfs ?? []) {
    const at = t.indexOf(':');
    tmpfs[at < 0 ? t : t.slice(0, at)] = at < 0 ? '' : t.slice(at + 1);
  }
  const out: RuntimeSpec = {
    mounts,
    capAdd: [...(doc.capAdd ?? [])],
    capDrop: [...(doc.capDrop ?? [])],
    sysctls: Object.fromEntries(Object.entries(doc.sysctls ?? {}).map(([k, v]) => [k, String(v)])),
    tmpfs,
    readOnly: doc.readOnly ?? false,
    dns: [...(doc.dns ?? [])],
    extraHosts: [...(doc.extraHosts ?? [])],
  };
  if (doc.user !== undefined) out.user = doc.user;
  if (doc.workingDir !== undefined) out.workingDir = doc.workingDir;
  if (doc.entrypoint !== undefined) out.entrypoint = [...doc.entrypoint];
  if (doc.hostname !== undefined) out.hostname = doc.hostname;
  if (doc.memory !== undefined) out.memoryBytes = byteSize(doc.memory);
  if (doc.cpus !== undefined) out.nanoCpus = Math.round(doc.cpus * 1e9);
  return out;
}

export function dependencies(doc: ContainerDoc): Dependency[] {
  const d = doc.dependsOn;
  if (!d) return [];
  if (Array.isArray(d)) return d.map((service) => ({ service, condition: 'started' }));
  return Object.entries(d).map(([service, v]) => ({ service, condition: v.condition }));
}
