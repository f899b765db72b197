// Reading compose files as compose's YAML reader (go-yaml v3) reads them: anchors and merge keys (<<),
// Go's integer forms (0755 is octal, 1_000 is a thousand) and compose's !reset and !override tags. Each
// file keeps its YAML nodes, so that a message about a compose path can point at a line.
import { readFileSync } from 'node:fs';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair, type ScalarTag } from 'yaml';
import type { SpecPath } from '../model/types';
import { ComposeError } from './issues';

/** A value of a compose file once read: what go-yaml would decode it to. */
export type Value = string | number | bigint | boolean | null | Value[] | Tree;
export interface Tree {
  [key: string]: Value;
}

export function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a compose path matches a pattern such as "services.*.ports" ("*" is any one key). */
export function pathMatches(path: SpecPath, pattern: string): boolean {
  const parts = pattern.split('.');
  return path.length === parts.length && parts.every((p, i) => p === '*' || p === String(path[i]));
}

export interface ComposeFile {
  /** The file as it was named. */
  file: string;
  tree: Tree;
  /** Paths tagged !reset or !override: what the earlier files made there goes before this file merges. */
  replaced: SpecPath[];
  /** How far a path goes into this file's text, and where it stops ("line:col"). */
  locate(path: SpecPath): { depth: number; position?: string };
}

/** Go's strconv.ParseInt(s, 0, 64) after removing "_", as go-yaml resolves plain integers. */
const goInt: ScalarTag = {
  tag: 'tag:yaml.org,2002:int',
  default: true,
  test: /^[-+]?(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|[0-9][0-9_]*)$/,
  resolve(text: string): number | bigint {
    const plain = text.replace(/_/g, '');
    const negative = plain.startsWith('-');
    const digits = plain.replace(/^[-+]/, '');
    // A leading 0 means octal; "089" is no integer for Go, but still a float.
    if (/^0[0-9]+$/.test(digits) && !/^0[0-7]+$/.test(digits)) return Number(plain);
    const n = BigInt(/^0[0-7]+$/.test(digits) ? `0o${digits.slice(1)}` : digits) * (negative ? -1n : 1n);
    if (n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(n);
    return n >= -(2n ** 63n) && n < 2n ** 64n ? n : Number(plain);
  },
};

const RESET = '!reset';
const OVERRIDE = '!override';
/** Values built from one file at most (aliases of aliases grow exponentially). */
const MAX_VALUES = 1_000_000;

function jsKey(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const v = node.value;
  return v === null || v === undefined ? '' : typeof v === 'object' ? undefined : String(v);
}

function isMergeKey(pair: Pair): boolean {
  return isScalar(pair.key) && pair.key.value === '<<' && pair.key.type === 'PLAIN';
}

class Builder {
  private built = 0;
  readonly replaced: SpecPath[] = [];

  constructor(
    private readonly doc: Document,
    private readonly fail: (node: Node | undefined, message: string) => never,
  ) {}

  private target(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }

  /** The maps a merge key brings in, first one first (an earlier one wins, as go-yaml has it). */
  private mergeSources(pair: Pair): Node[] {
    const value = this.target(pair.value);
    const sources = isSeq(value) ? value.items.map((i) => this.target(i)) : [value];
    for (const s of sources) if (!isMap(s)) this.fail(pair.value as Node, 'a merge key (<<) takes a map or a list of maps');
    return sources as Node[];
  }

  /** The value of a node; undefined for a !reset one (it is recorded, and its key left out). */
  build(node: unknown, path: SpecPath, record = true): Value | undefined {
    if (++this.built > MAX_VALUES) this.fail(node as Node, `more than ${MAX_VALUES} values once aliases are expanded`);
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (!target) this.fail(node, `alias *${node.source} has no anchor`);
      return this.build(target, path, false);
    }
    const tag = (node as { tag?: string } | null)?.tag;
    if (record && (tag === RESET || tag === OVERRIDE)) {
      this.replaced.push(path);
      if (tag === RESET) return undefined;
    }
    if (isMap(node)) {
      const out: Tree = {};
      const merges: Pair[] = [];
      for (const pair of node.items) {
        if (isMergeKey(pair)) merges.push(pair);
        else {
          const key = jsKey(pair.key);
          if (key === undefined) this.fail(pair.key as Node, 'a key must be a plain name or number, not a list or a map');
          if (key === '__proto__') this.fail(pair.key as Node, 'the key "__proto__" cannot be used (JavaScript reserves it)');
          const value = this.build(pair.value, [...path, key], record);
          if (value !== undefined) out[key] = value;
        }
      }
      for (const pair of merges) {
        for (const source of this.mergeSources(pair)) {
          const merged = this.build(source, path, false) as Tree;
          // A key tagged !reset here is open to a merge key: compose resets what earlier files made only.
          for (const [k, v] of Object.entries(merged)) if (!Object.hasOwn(out, k)) out[k] = v;
        }
      }
      return out;
    }
    if (isSeq(node)) return node.items.map((item, i) => this.build(item, [...path, i], record) ?? null);
    if (isScalar(node)) {
      const v = node.value;
      return v === undefined ? null : (v as Value);
    }
    return null;
  }
}

/** Where a path ends in a document: following aliases and merge keys, as the value was built. */
function locator(doc: Document, lines: LineCounter): ComposeFile['locate'] {
  const at = (node: Node | undefined) => {
    if (!node?.range) return undefined;
    const { line, col } = lines.linePos(node.range[0]);
    return `${line}:${col}`;
  };
  const resolve = (n: unknown): unknown => (isAlias(n) ? n.resolve(doc) : n);
  const find = (map: unknown, key: string, seen: Set<unknown>): Pair | undefined => {
    if (!isMap(map) || seen.has(map)) return undefined;
    seen.add(map);
    const own = map.items.find((p) => !isMergeKey(p) && jsKey(p.key) === key);
    if (own) return own;
    for (const p of map.items.filter(isMergeKey)) {
      const value = resolve(p.value);
      for (const source of isSeq(value) ? value.items.map(resolve) : [value]) {
        const found = find(source, key, seen);
        if (found) return found;
      }
    }
    return undefined;
  };
  return (path) => {
    let node: unknown = doc.contents;
    let position = at(node as Node);
    let depth = 0;
    for (const part of path) {
      node = resolve(node);
      let next: unknown;
      let keyNode: unknown;
      if (isMap(node)) {
        const pair = find(node, String(part), new Set());
        next = pair?.value;
        keyNode = pair?.key;
      } else if (isSeq(node) && typeof part === 'number') next = node.items[part];
      if (next === undefined && keyNode === undefined) break;
      depth++;
      position = at((next as Node | null) ?? undefined) ?? at(keyNode as Node) ?? position;
      node = next;
    }
    return { depth, position };
  };
}

/** Reads one compose file; a file that is no YAML map fails with the places that say why. */
export function readComposeFile(file: string): ComposeFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ComposeError([{ level: 'error', file, path: [], message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` }]);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, customTags: (tags) => [goInt, ...tags] });
  const locate = locator(doc, lines);
  const fail = (node: Node | undefined, message: string): never => {
    const pos = node?.range ? lines.linePos(node.range[0]) : undefined;
    throw new ComposeError([{ level: 'error', file, path: [], message, ...(pos ? { position: `${pos.line}:${pos.col}` } : {}) }]);
  };
  if (doc.errors.length > 0) {
    throw new ComposeError(
      doc.errors.map((err) => {
        const { line, col } = lines.linePos(err.pos[0]);
        return { level: 'error' as const, file, path: [], message: `malformed YAML: ${err.message.split('\n')[0]}`, position: `${line}:${col}` };
      }),
    );
  }
  const builder = new Builder(doc, fail);
  const tree = builder.build(doc.contents, []);
  if (!isTree(tree)) fail(doc.contents ?? undefined, doc.contents ? 'a compose file is a map (services:, networks:, …)' : 'the file is empty');
  return { file, tree: tree as Tree, replaced: builder.replaced, locate };
}
