// Scalars as compose (Go) reads them: durations, byte sizes, booleans, and values turned into text.
import type { Value } from './read';

const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration ("1m30s", "1.5h", "300ms") in nanoseconds; undefined when it is not one. */
export function parseGoDuration(text: string): number | undefined {
  const m = /^([-+]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+|0)$/.exec(text);
  if (!m) return undefined;
  let total = 0;
  for (const part of m[2].matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(part[1]) * DURATION_UNITS[part[2]];
  return Math.round(m[1] === '-' ? -total : total);
}

/** Nanoseconds as a docknet duration: "1m30s" for whole seconds, else in ms, us or ns. */
export function formatDuration(ns: number): string {
  if (ns % 1e9 !== 0) {
    for (const [unit, size] of [['ms', 1e6], ['us', 1e3]] as const) if (ns % size === 0) return `${ns / size}${unit}`;
    return `${ns}ns`;
  }
  const s = ns / 1e9;
  const parts = [[Math.floor(s / 3600), 'h'], [Math.floor((s % 3600) / 60), 'm'], [s % 60, 's']] as const;
  return parts.filter(([n]) => n > 0).map(([n, u]) => `${n}${u}`).join('') || '0s';
}

const BINARY_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** Bytes as compose reads mem_limit (go-units RAMInBytes: "512m", "1.5g", "1GiB", or a number). */
export function parseByteSize(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(value);
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * BINARY_UNITS[(m[2] ?? '').toLowerCase()]);
}

/** Bytes the way a person writes them: the largest unit that divides them exactly ("512m"), else the number. */
export function formatByteSize(bytes: number): number | string {
  for (const [unit, size] of [['g', 1024 ** 3], ['m', 1024 ** 2], ['k', 1024]] as const) if (bytes > 0 && bytes % size === 0) return `${bytes / size}${unit}`;
  return bytes;
}

/** Go's strconv.ParseBool, as Docker reads boolean driver options ("1", "t", "TRUE", …). */
export function parseGoBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

/** A boolean of the compose file: YAML's, or text after interpolation (compose casts y/yes/on/true). */
export function composeBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const v = value.toLowerCase();
  if (['y', 'yes', 'true', 'on'].includes(v)) return true;
  if (['n', 'no', 'false', 'off'].includes(v)) return false;
  return undefined;
}

/**
 * A scalar of the compose file as text, as compose (Go's fmt) turns environment values and labels into
 * strings: a fraction below 1e-4 or from 1e6 on in exponent form ("1.5e+06"). A whole number prints
 * plainly (Go would print a whole float from 1e6 on, written 1e6, in exponent form: too rare to tell apart).
 */
export function scalarText(value: string | number | bigint | boolean): string {
  if (typeof value !== 'number' || Number.isInteger(value) || !Number.isFinite(value)) return String(value);
  const exp = Math.floor(Math.log10(Math.abs(value)));
  if (exp >= -4 && exp < 6) return String(value);
  const [mantissa, e] = value.toExponential().split('e');
  return `${mantissa}e${e[0]}${e.slice(1).padStart(2, '0')}`;
}

/** Any value of a compose file as text: a scalar as compose prints it, null as "", a list or map as JSON. */
export function valueText(value: Value): string {
  return value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : scalarText(value);
}
