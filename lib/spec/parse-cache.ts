// What a spec file's text parsed to, kept on disk by the text's hash: a command run again on the same
// files (a no-op apply, status, plan under docknet watch) skips the YAML parser, whose cold start costs
// more than all of an engine's answers to a no-op. Only the parse is kept: every check still runs on
// the value, and the positions for messages are found by parsing again when a message needs one.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Smaller texts parse in a few milliseconds: a cache file would cost what it saves. */
const MIN_TEXT = 4096;
/** Entries kept; beyond it the oldest half goes. */
const MAX_ENTRIES = 256;

/** The folder, or undefined when switched off (DOCKNET_PARSE_CACHE=0). */
function folder(): string | undefined {
  if (process.env.DOCKNET_PARSE_CACHE === '0') return undefined;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'docknet', 'parsed');
}

/**
 * The key: the text and the code that parsed it (this file's build: a rebuilt docknet never reads what
 * another build parsed, since the parse rules may have changed).
 */
function entry(text: string): string | undefined {
  const dir = folder();
  if (!dir || text.length < MIN_TEXT) return undefined;
  let build: string;
  try {
    build = String(statSync(__filename).mtimeMs);
  } catch {
    return undefined;
  }
  return join(dir, `${createHash('sha256').update(build).update('\0').update(text).digest('hex')}.json`);
}

/** Whether JSON carries the value exactly: plain data only (no -0, no infinities, no cycles). */
function plainData(value: unknown, open = new Set<unknown>()): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (open.has(value)) return false;
      const proto = Object.getPrototypeOf(value);
      if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return false;
      open.add(value);
      const ok = Array.isArray(value) ? value.every((v) => plainData(v, open)) : Object.entries(value).every(([k, v]) => k !== '__proto__' && plainData(v, open));
      open.delete(value);
      return ok;
    }
    default:
      return false;
  }
}

/** A text's place in the cache: what it parsed to before (if anything), and how to keep what it parses to now. */
export interface ParseCacheEntry {
  cached: unknown;
  remember(value: unknown): void;
}

/** The text's entry (its key computed once), or undefined when the cache is off or the text too small. */
export function parseCacheEntry(text: string): ParseCacheEntry | undefined {
  const file = entry(text);
  if (!file) return undefined;
  let cached: unknown;
  try {
    cached = (JSON.parse(readFileSync(file, 'utf8')) as { value: unknown }).value;
  } catch {
    cached = undefined;
  }
  return { cached, remember: (value) => remember(file, value) };
}

/** Keeps what the text parsed to, when JSON holds it exactly; a cache that cannot be written is no cache. */
function remember(file: string, value: unknown): void {
  if (!plainData(value)) return;
  try {
    const dir = folder()!;
    mkdirSync(dir, { recursive: true });
    // Written aside and renamed: a reader never sees half a file.
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, JSON.stringify({ value }));
    renameSync(partial, file);
    const entries = readdirSync(dir);
    if (entries.length > MAX_ENTRIES) {
      const aged = entries.map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs })).sort((a, b) => a.t - b.t);
      for (const { f } of aged.slice(0, aged.length / 2)) rmSync(join(dir, f), { force: true });
    }
  } catch {
    // read-only home, full disk: parse again next time
  }
}
