// Loading spec files: YAML or JSON, one document each, checked against the schema with exact paths
// and line numbers, then normalized and merged per stack, then validated as a whole.
import { readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { z } from 'zod';
import { specSchema, type SpecDoc } from '../model/schema';
import type { SpecPath, Source, Stack } from '../model/types';
import { normalizeContainer, normalizeNetwork, normalizeRoute } from '../model/normalize';
import { IssueList, SpecError } from './errors';
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

function positionIn(doc: Document, lines: LineCounter): (path: SpecPath) => string | undefined {
  return (path) => {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) {
        const { line, col } = lines.linePos(node.range[0]);
        return `${line}:${col}`;
      }
    }
    return undefined;
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

function schemaIssues(error: z.ZodError, source: Source, issues: IssueList): void {
  for (const issue of error.issues.flatMap(flattenIssue)) {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.add(source, [...path, key], 'unknown key');
    } else issues.add(source, path, issue.message);
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

function checkSchema(input: SpecDocument, issues: IssueList): ParsedFile | undefined {
  const result = specSchema.safeParse(input.doc);
  if (!result.success) {
    schemaIssues(result.error, { file: input.file, path: [], position: input.position }, issues);
    return undefined;
  }
  return { file: input.file, doc: result.data, position: input.position };
}

function parseFile(file: string, issues: IssueList): ParsedFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    issues.add({ file, path: [] }, [], `cannot read: ${(e as Error).message}`);
    return undefined;
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      const { line, col } = lines.linePos(err.pos[0]);
      issues.issues.push({ file, path: [], message: `malformed ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${err.message.split('\n')[0]}`, position: `${line}:${col}` });
    }
    return undefined;
  }
  return checkSchema({ file, doc: doc.toJS(), position: positionIn(doc, lines) }, issues);
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
    stack = { name, files: [], networks: [], containers: [], routes: [] };
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
  for (const [net, nd] of Object.entries(doc.networks ?? {})) stack.networks.push(normalizeNetwork(net, nd, source(['networks', net]), issues));
  for (const [svc, cd] of Object.entries(doc.containers ?? {})) {
    stack.containers.push(...normalizeContainer(svc, cd, source(['containers', svc]), issues));
  }
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
