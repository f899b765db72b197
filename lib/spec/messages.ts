// What the schema's failures say to a person. zod's own words ("Invalid input: expected 1", "Too
// small: expected number to be >=68") name types and literals; these say what the file holds and
// what belongs there instead, and for an unknown key, which key was probably meant.
import type { z } from 'zod';
import { specSchema } from '../model/schema';
import type { SpecPath } from '../model/types';
import { didYouMean } from './suggest';

type Issue = z.core.$ZodIssue;

/** The value at a path of the document, and whether the path is there at all. */
function valueAt(doc: unknown, path: SpecPath): { found: boolean; value?: unknown } {
  let value = doc;
  for (const part of path) {
    if (typeof value !== 'object' || value === null || !Object.prototype.hasOwnProperty.call(value, part)) return { found: false };
    value = (value as Record<string | number, unknown>)[part];
  }
  return { found: true, value };
}

/** A value of the file in words: "yes" (quoted), 5, a list, a map, an empty value. */
function shown(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a map of keys',
  record: 'a map',
  array: 'a list',
  tuple: 'a list',
};

const typeWord = (expected: string) => TYPE_WORDS[expected] ?? expected;

/** The schemas a path can reach (optional and nullable unwrapped, unions opened). */
function reachable(types: z.ZodType[], part: string | number): z.ZodType[] {
  return types.flatMap(open).flatMap((t) => {
    const def = t._zod.def as { type: string; shape?: Record<string, z.ZodType>; valueType?: z.ZodType; element?: z.ZodType; items?: z.ZodType[] };
    if (def.type === 'object') return def.shape?.[part] ? [def.shape[part]] : [];
    if (def.type === 'record') return [def.valueType!];
    if (def.type === 'array' && typeof part === 'number') return [def.element!];
    if (def.type === 'tuple' && typeof part === 'number' && def.items?.[part]) return [def.items[part]];
    return [];
  });
}

function open(t: z.ZodType): z.ZodType[] {
  const def = t._zod.def as { type: string; innerType?: z.ZodType; options?: z.ZodType[] };
  if ((def.type === 'optional' || def.type === 'nullable') && def.innerType) return open(def.innerType);
  if (def.type === 'union' && def.options) return def.options.flatMap(open);
  return [t];
}

/** The keys the spec format allows in the map at `path`. */
export function keysAt(path: SpecPath): string[] {
  let types: z.ZodType[] = [specSchema];
  for (const part of path) types = reachable(types, part);
  const keys = types.flatMap(open).flatMap((t) => {
    const def = t._zod.def as { type: string; shape?: Record<string, z.ZodType> };
    return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
  });
  return [...new Set(keys)];
}

/** An unknown key at `path` (the map holding it), with the key most likely meant or the keys allowed. */
export function unknownKeyMessage(path: SpecPath, key: string): string {
  const allowed = keysAt(path);
  const hint = didYouMean(key, allowed);
  if (hint) return `unknown key${hint}`;
  return allowed.length > 0 ? `unknown key (allowed here: ${allowed.join(', ')})` : 'unknown key';
}

function bound(issue: Extract<Issue, { code: 'too_small' | 'too_big' }>, value: unknown): string {
  const small = issue.code === 'too_small';
  const limit = Number(small ? issue.minimum : issue.maximum);
  if (issue.origin === 'array') return small ? `needs at least ${limit} ${limit === 1 ? 'entry' : 'entries'}` : `holds at most ${limit} entries`;
  if (issue.origin === 'string') return small && limit === 1 ? 'must not be empty' : `must be ${small ? 'at least' : 'at most'} ${limit} characters long`;
  const side = small ? (issue.inclusive ? 'at least' : 'more than') : issue.inclusive ? 'at most' : 'less than';
  return `must be ${side} ${limit}, not ${shown(value)}`;
}

/** What one failure of the schema means, said about what the file holds. */
export function schemaMessage(issue: Issue, path: SpecPath, doc: unknown): string {
  const { found, value } = valueAt(doc, path);
  if (path.length === 0 && issue.code === 'invalid_type') {
    return value === null || value === undefined ? 'the file is empty: a spec starts with version: 1' : `a spec is a map of keys (version: 1, networks: …), not ${shown(value)}`;
  }
  if (path.length === 1 && path[0] === 'version') {
    return found ? `this file says version ${shown(value)}; docknet reads version 1` : 'the file has no version: write version: 1 at its top';
  }
  switch (issue.code) {
    case 'invalid_type':
      return found ? `expected ${typeWord(issue.expected)}, not ${shown(value)}` : `missing: ${typeWord(issue.expected)} is required here`;
    case 'invalid_value': {
      const values = issue.values.map(String);
      return `${shown(value)} is not one of: ${values.join(', ')}${typeof value === 'string' ? didYouMean(value, values) : ''}`;
    }
    case 'too_small':
    case 'too_big':
      return bound(issue, value);
    case 'invalid_format':
      return `${shown(value)} is not valid here; expected ${issue.message}`;
    case 'invalid_union': {
      const expected = [...new Set(issue.errors.flatMap((branch) => branch.filter((i) => i.code === 'invalid_type').map((i) => typeWord(i.expected))))];
      return expected.length > 0 ? `expected ${expected.join(' or ')}, not ${shown(value)}` : issue.message;
    }
    default:
      return issue.message;
  }
}
