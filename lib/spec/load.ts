// Loading spec files: YAML or JSON, one document each, checked against the schema with exact paths
// and line numbers, then normalized and merged per stack, then validated as a whole.
import { readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { parseCacheEntry } from './parse-cache';
import { basename, extname, join, resolve } from 'node:path';
import { Lexer, LineCounter, Parser, parseDocument, isAlias, isMap, isNode, isScalar, isSeq, visit, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { specSchema, type SpecDoc } from '../model/schema';
import type { SpecPath, Source, Stack } from '../model/types';
import { emptyStack, normalizeContainer, normalizeEndpoint, normalizeNetwork, normalizeRoute } from '../model/normalize';
import { IssueList, SpecError } from './errors';
import { schemaMessage, unknownKeyMessage } from './messages';
import { validateStacks, type ValidateOptions } from './validate';

const SPEC_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Whether a file name is a spec file (what a folder of specs is made of). */
export function isSpecFile(name: string): boolean {
  return SPEC_EXTENSIONS.has(extname(name));
}

/** Files named on the command line, with folders expanded to their spec files (sorted, not recursive). */
export function specFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new SpecError([{ file: p, path: [], message: 'no such file or folder' }]);
    }
    if (st.isDirectory()) {
      const found = readdirSync(p)
        .filter(isSpecFile)
        .sort()
        .map((f) => join(p, f));
      if (found.length === 0) throw new SpecError([{ file: p, path: [], message: 'folder holds no *.yaml, *.yml or *.json spec' }]);
      out.push(...found);
    } else out.push(p);
  }
  return out;
}

/** The key a scalar map key becomes in JavaScript, as yaml's toJS makes it (null ⇒ "", 1 ⇒ "1"). */
function jsKey(key: unknown): string | undefined {
  if (!isScalar(key)) return undefined;
  const v = key.value;
  return v === null || v === undefined ? '' : typeof v === 'object' || typeof v === 'symbol' ? undefined : String(v);
}

function positionIn(doc: Document, lines: LineCounter): (path: SpecPath) => string | undefined {
  // The node at the longest prefix of the path that is in the text. Keys are matched as JavaScript
  // sees them: the path of a key written 1, true or null is "1", "true" or "".
  return (path) => {
    let node: unknown = doc.contents;
    let found: Node | undefined;
    for (let n = 0; isNode(node) && node.range; n++) {
      found = node;
      if (n === path.length) break;
      const part = path[n];
      if (isMap(node)) node = node.items.find((pair) => jsKey(pair.key) === String(part))?.value;
      else if (isSeq(node)) node = node.items[typeof part === 'number' ? part : /^\d+$/.test(part) ? Number(part) : -1];
      else break;
    }
    if (!found) return undefined;
    const { line, col } = lines.linePos(found.range![0]);
    return `${line}:${col}`;
  };
}

/** zod's union failures hold one list per branch: report the branch the input came closest to. */
function flattenIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
  const branches = issue.errors.filter((b) => !(b.length === 1 && b[0].code === 'invalid_type' && b[0].path.length === 0));
  if (branches.length === 0) return [issue];
  const best = branches.reduce((a, b) => (b.length < a.length ? b : a));
  return best.flatMap((i) => flattenIssue({ ...i, path: [...issue.path, ...i.path] } as z.core.$ZodIssue));
}

function schemaIssues(error: z.ZodError, doc: unknown, source: Source, issues: IssueList): void {
  for (const issue of error.issues.flatMap(flattenIssue)) {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    if (issue.code === 'unrecognized_keys') {
      // "__proto__" is reported by checkSchema wherever it is.
      for (const key of issue.keys) if (key !== '__proto__') issues.add(source, [...path, key], unknownKeyMessage(path, key));
    } else issues.add(source, path, schemaMessage(issue, path, doc));
  }
}

/** A spec document and where it came from: a file, or a front-end's resources. */
export interface SpecDocument {
  file: string;
  doc: unknown;
  position?: (path: SpecPath) => string | undefined;
}

interface ParsedFile {
  file: string;
  doc: SpecDoc;
  position?: (path: SpecPath) => string | undefined;
}

/**
 * Paths of the "__proto__" keys of a document (YAML and JSON make them own keys; zod's records drop them
 * unsaid). An object reached along two paths is reported at each, as its text would be; a cycle is cut.
 */
function protoKeys(doc: unknown): SpecPath[] {
  const out: SpecPath[] = [];
  const ancestors = new Set<unknown>();
  const visit = (value: unknown, path: SpecPath): void => {
    if (typeof value !== 'object' || value === null || ancestors.has(value)) return;
    ancestors.add(value);
    if (Array.isArray(value)) value.forEach((v, i) => visit(v, [...path, i]));
    else if ([Object.prototype, null].includes(Object.getPrototypeOf(value))) {
      if (Object.prototype.propertyIsEnumerable.call(value, '__proto__')) out.push([...path, '__proto__']);
      for (const [k, v] of Object.entries(value)) visit(v, [...path, k]);
    }
    ancestors.delete(value);
  };
  visit(doc, []);
  return out;
}

function checkSchema(input: SpecDocument, issues: IssueList): ParsedFile | undefined {
  const source: Source = { file: input.file, path: [], position: input.position };
  const reserved = protoKeys(input.doc);
  for (const path of reserved) issues.add(source, path, 'the key "__proto__" cannot be used (JavaScript reserves it)');
  const result = specSchema.safeParse(input.doc);
  if (!result.success) {
    schemaIssues(result.error, input.doc, source, issues);
    return undefined;
  }
  if (reserved.length > 0) return undefined;
  return { file: input.file, doc: result.data, position: input.position };
}

/** Where yaml's toJS failed: the alias without an anchor, the first alias (too many), the merge of a non-map. */
function failedAt(doc: Document, message: string): Node | undefined {
  const target = (n: unknown) => (isAlias(n) ? n.resolve(doc) : n);
  let at: Node | undefined;
  visit(doc, {
    Alias(_, alias) {
      if (!/alias/i.test(message) || (!message.startsWith('Excessive') && alias.resolve(doc))) return undefined;
      at = alias;
      return visit.BREAK;
    },
    Pair(_, pair) {
      const key = isScalar(pair.key) ? pair.key.value : undefined;
      if (!message.startsWith('Merge') || !(key === '<<' || (typeof key === 'symbol' && key.description === '<<'))) return undefined;
      const value = target(pair.value);
      const bad = (isSeq(value) ? value.items : [pair.value]).find((v) => !isMap(target(v)));
      if (bad === undefined) return undefined;
      at = isNode(bad) ? bad : (pair.value as Node);
      return visit.BREAK;
    },
  });
  return at;
}

/** The first map key that is a collection (or an alias of one), if any. */
function collectionKey(doc: Document): Node | undefined {
  let at: Node | undefined;
  visit(doc, {
    Pair(_, pair) {
      const key = isAlias(pair.key) ? pair.key.resolve(doc) : pair.key;
      if (!isMap(key) && !isSeq(key)) return undefined;
      at = pair.key as Node;
      return visit.BREAK;
    },
  });
  return at;
}

// yaml recurses once per level of nesting: its composer runs out of stack near a thousand levels, at a
// point that moves from one run to the next (the JIT), and its parser throws a RangeError a little
// deeper. A spec nests a few levels, so deeper text is refused before yaml builds it.
const MAX_DEPTH = 100;

/**
 * An upper bound of the text's nesting, in one pass: a level needs more indentation, an entry marker
 * on its line ("- - a", "- k: v") or an open bracket. Quoted brackets only raise it.
 */
function nestingBound(text: string): number {
  let flow = 0;
  let deepest = 0;
  for (const line of text.split('\n')) {
    const markers = line.match(/(?:^|\s)[-?:](?=\s|$)/g)?.length ?? 0;
    deepest = Math.max(deepest, line.length - line.trimStart().length + markers + flow);
    for (const ch of line) {
      if (ch === '[' || ch === '{') deepest = Math.max(deepest, ++flow);
      else if (ch === ']' || ch === '}') flow = Math.max(0, flow - 1);
    }
  }
  return deepest + 1;
}

/**
 * Where the text first nests deeper than MAX_DEPTH, if it does: yaml's parser keeps its open nodes on a
 * list. That costs a second parse, so only text whose bound allows such depth is parsed for it.
 */
function tooDeep(text: string): { line: number; col: number } | undefined {
  if (nestingBound(text) <= MAX_DEPTH) return undefined;
  const lines = new LineCounter();
  const parser = new Parser(lines.addNewLine);
  lines.addNewLine(0);
  for (const lexeme of new Lexer().lex(text)) {
    const at = parser.offset;
    for (const _ of parser.next(lexeme)); // the tokens it completes are not needed here
    if (parser.stack.length > MAX_DEPTH) return lines.linePos(at);
  }
  return undefined;
}

function parseFile(file: string, issues: IssueList): ParsedFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    issues.add({ file, path: [] }, [], `cannot read: ${(e as Error).message}`);
    return undefined;
  }
  const cache = parseCacheEntry(text);
  if (cache?.cached !== undefined) return checkSchema({ file, doc: cache.cached, position: positionsOnDemand(text) }, issues);
  const malformed = `malformed ${extname(file) === '.json' ? 'JSON' : 'YAML'}`;
  const deep = tooDeep(text);
  if (deep) {
    issues.issues.push({ file, path: [], message: `${malformed}: nested deeper than ${MAX_DEPTH} levels`, position: `${deep.line}:${deep.col}` });
    return undefined;
  }
  const { doc, lines } = parseText(text);
  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      const { line, col } = lines.linePos(err.pos[0]);
      issues.issues.push({ file, path: [], message: `${malformed}: ${err.message.split('\n')[0]}`, position: `${line}:${col}` });
    }
    return undefined;
  }
  // A spec's keys are names: a list or map used as a key is refused here, before toJS, whose
  // stringification of nested collection keys takes exponential time (a 2 KB file, minutes).
  const complexKey = collectionKey(doc);
  if (complexKey) {
    const { line, col } = lines.linePos(complexKey.range![0]);
    issues.issues.push({ file, path: [], message: `${malformed}: a key must be a plain name or number, not a list or a map`, position: `${line}:${col}` });
    return undefined;
  }
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (e) {
    // Some problems show only when values are built: an alias without its anchor, too many aliases
    // (a resource exhaustion guard), a merge of something that is not a map.
    const message = e instanceof Error ? e.message : String(e);
    const node = failedAt(doc, message) ?? doc.contents;
    const pos = isNode(node) && node.range ? lines.linePos(node.range[0]) : undefined;
    issues.issues.push({ file, path: [], message: `${malformed}: ${message.split('\n')[0]}`, position: pos && `${pos.line}:${pos.col}` });
    return undefined;
  }
  cache?.remember(value);
  return checkSchema({ file, doc: value, position: positionIn(doc, lines) }, issues);
}

function parseText(text: string): { doc: Document; lines: LineCounter } {
  const lines = new LineCounter();
  // Keys are unique as JavaScript sees them: 1 and "1" (or null and "") would be one key.
  const uniqueKeys = (a: unknown, b: unknown) => a === b || (jsKey(a) !== undefined && jsKey(a) === jsKey(b));
  return { doc: parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys }), lines };
}

/** Positions of a text whose value came from the parse cache: it is parsed again only if a message needs one. */
function positionsOnDemand(text: string): (path: SpecPath) => string | undefined {
  let position: ((path: SpecPath) => string | undefined) | undefined;
  return (path) => {
    if (!position) {
      const { doc, lines } = parseText(text);
      position = positionIn(doc, lines);
    }
    return position(path);
  };
}

/** How a spec file is named in a stack's origin: its real path, unless the caller knows better. */
export type OriginOf = (file: string) => string;

function realPath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return resolve(file);
  }
}

function addFile(stacks: Map<string, Stack>, parsed: ParsedFile, issues: IssueList, originOf: OriginOf): void {
  const { file, doc, position } = parsed;
  const explicit = doc.stack !== undefined;
  const name = doc.stack ?? basename(file, extname(file));
  let stack = stacks.get(name);
  if (!stack) {
    stack = emptyStack(name);
    if (!explicit) stack.origin = originOf(file);
    stacks.set(name, stack);
  } else if (!explicit || stack.origin !== undefined) {
    // A name taken from a file name belongs to that file alone: two files never merge by accident.
    const why = explicit ? `it says stack: ${name}, and ${stack.files[0]} is named so` : `both files are named ${name}${extname(file)}`;
    issues.add({ file, path: explicit ? ['stack'] : [], position }, [], `${file} and ${stack.files[0]} would both be stack "${name}" (${why}): give each file a stack: of its own, or the same stack: in both to make them one stack`);
    return;
  }
  stack.files.push(file);
  const source = (path: SpecPath): Source => ({ file, path, position });
  for (const [net, nd] of Object.entries(doc.networks ?? {})) {
    const src = source(['networks', net]);
    if (nd.external) {
      // Made elsewhere: only its name is docknet's to know; anything else would be a definition.
      const extra = Object.keys(nd).filter((k) => k !== 'external');
      if (extra.length > 0) issues.add(src, [extra[0]], `an external network is made elsewhere: docknet does not define it (remove ${extra.join(', ')})`);
      stack.externals.push({ name: net, source: src });
    } else stack.networks.push(normalizeNetwork(net, nd, src, issues));
  }
  for (const [svc, cd] of Object.entries(doc.containers ?? {})) {
    stack.containers.push(...normalizeContainer(svc, cd, source(['containers', svc]), issues));
  }
  (doc.endpoints ?? []).forEach((ed, i) => {
    const src = source(['endpoints', i]);
    if ((ed.container === undefined) === (ed.selector === undefined)) issues.add(src, [], 'name a container, or a selector of labels — one of the two');
    else if (ed.selector && (ed.ipv4 !== undefined || ed.ipv6 !== undefined)) issues.add(src, [ed.ipv4 !== undefined ? 'ipv4' : 'ipv6'], 'a static address is for one container: name it with container, not a selector');
    stack.endpoints.push(normalizeEndpoint(ed, src));
  });
  (doc.routes ?? []).forEach((rd, i) => {
    const src = source(['routes', i]);
    const hasPair = rd.from !== undefined || rd.to !== undefined;
    if (rd.between && hasPair) issues.add(src, [], 'use either between or from/to, not both');
    else if (!rd.between && (rd.from === undefined || rd.to === undefined)) issues.add(src, [], 'needs between: [a, b] or both from and to');
    const route = normalizeRoute(rd, src);
    if (route) stack.routes.push(route);
  });
}

export interface LoadOptions extends ValidateOptions {
  /** How files are named in stack origins (default: their real path). */
  origin?: OriginOf;
}

function stacksOf(parsed: (ParsedFile | undefined)[], issues: IssueList, options: LoadOptions = {}): Stack[] {
  // Schema errors stop here: what follows would only guess at a document that does not parse.
  issues.throwIfAny();
  const stacks = new Map<string, Stack>();
  for (const p of parsed) if (p) addFile(stacks, p, issues, options.origin ?? realPath);
  const result = [...stacks.values()];
  validateStacks(result, issues, options);
  return result;
}

/** Loads and validates spec files; throws SpecError listing every problem. Touches nothing on the host. */
export function loadSpecs(paths: string[], options: LoadOptions = {}): Stack[] {
  const issues = new IssueList();
  return stacksOf(specFiles(paths).map((file) => parseFile(file, issues)), issues, options);
}

/** The same for documents built in memory (typed resources of a front-end). */
export function loadDocuments(documents: SpecDocument[], options: LoadOptions = {}): Stack[] {
  const issues = new IssueList();
  return stacksOf(documents.map((d) => checkSchema(d, issues)), issues, options);
}
