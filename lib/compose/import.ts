// `docknet import`: compose files → one docknet spec (v1), as compose reads them. The steps are
// compose's: the project's environment (.env or --env-file, under the process's), each file read,
// interpolated and put in long syntax, the files merged, the project named; then the project is
// converted and the spec checked by docknet's own loader before anything is written.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { Document, isScalar, isSeq, visit } from 'yaml';
import type { SpecDoc } from '../model/schema';
import type { SpecPath } from '../model/types';
import { loadDocuments } from '../spec/load';
import { SpecError, type SpecIssue } from '../spec/errors';
import { canonical } from './canonical';
import { convertProject } from './convert';
import { DotenvError, parseDotenv } from './dotenv';
import { applyExtends } from './extends';
import { interpolateTree, substitute, TemplateError, type Lookup } from './interpolate';
import { ComposeError, ComposeIssues, type ComposeIssue } from './issues';
import { mergeFiles } from './merge';
import { readComposeFile, type ComposeFile } from './read';

export interface ImportOptions {
  /** The project name (compose's -p): docknet's stack. */
  project?: string;
  /** Env files instead of the project folder's .env (compose's --env-file). */
  envFiles?: string[];
  /** Leave out, with a warning, the services and networks docknet cannot carry, instead of refusing. */
  lenient?: boolean;
  /** The process environment (default: process.env); it wins over the env files, as in compose. */
  env?: Record<string, string | undefined>;
  /** The name the spec is checked under (its output file). */
  specFile?: string;
}

export interface ImportIssue extends SpecIssue {
  level: 'error' | 'warning';
}

export interface ImportResult {
  /** The spec, unless an error (or a refusal without --lenient) stopped the import. */
  spec?: SpecDoc;
  /** The spec as YAML. */
  text?: string;
  issues: ImportIssue[];
}

const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** A name as compose makes a project name of a folder or of name: (lower case, [a-z0-9_-], no leading _ or -). */
function normalizeProjectName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[_-]+/, '');
}

/** The project's environment: the env files (each may use the ones before), under the process's. */
function environment(files: string[], env: Record<string, string | undefined>, required: boolean, issues: ComposeIssues): Lookup {
  const dotenv = new Map<string, string>();
  for (const file of files) {
    if (!required && !existsSync(file)) continue;
    try {
      const vars = parseDotenv(readFileSync(file, 'utf8'), (k) => dotenv.get(k) ?? env[k]);
      for (const [k, v] of vars) dotenv.set(k, v);
    } catch (e) {
      if (e instanceof DotenvError) issues.error([], e.message, file);
      else issues.error([], `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, file);
    }
  }
  return (k) => env[k] ?? dotenv.get(k);
}

/** The project name as compose picks it: -p, COMPOSE_PROJECT_NAME, the files' name:, the first file's folder. */
function projectName(files: ComposeFile[], projectDir: string, lookup: Lookup, given: string | undefined, issues: ComposeIssues): string {
  const explicit = given ?? lookup('COMPOSE_PROJECT_NAME');
  if (explicit !== undefined && explicit !== '') {
    if (!PROJECT_NAME.test(explicit)) issues.error([], `invalid project name "${explicit}": lower-case letters, digits, "_" and "-", starting with a letter or digit`);
    return explicit;
  }
  let name = basename(projectDir);
  for (const f of files) {
    if (typeof f.tree.name !== 'string' || f.tree.name === '') continue;
    try {
      name = substitute(f.tree.name, lookup).value || name;
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      issues.error(['name'], e.message, f.file);
    }
  }
  const normalized = normalizeProjectName(name);
  if (normalized === '') issues.error(['name'], `"${name}" leaves no project name once made one (lower-case letters, digits, "_" and "-"): give --project`);
  return normalized;
}

/** Where an issue is: its file and position, or the file whose text goes deepest along its path. */
function placed(issue: ComposeIssue, files: ComposeFile[], others: ComposeFile[]): ImportIssue {
  const level = issue.level === 'warning' ? 'warning' : 'error';
  const own = issue.file === undefined ? undefined : [...files, ...others].find((f) => f.file === issue.file);
  let file = issue.file;
  let position = issue.position;
  if (position === undefined && (own || file === undefined)) {
    let best: { depth: number; position?: string; file?: string } = { depth: -1, file: files[0]?.file };
    for (const f of own ? [own] : files) {
      const at = f.locate(issue.path);
      if (at.depth >= best.depth) best = { ...at, file: f.file };
    }
    file ??= best.file;
    // A path no file has (the implicit default network) points at no line.
    if (best.depth > 0 || issue.path.length === 0) position = best.position;
  }
  return { level, file: file ?? '', path: issue.path, message: issue.message, ...(position ? { position } : {}) };
}

/** docknet's own verdict on the spec, with its paths turned back into compose paths. */
function check(spec: SpecDoc, origins: Map<string, SpecPath>, specFile: string, issues: ComposeIssues): void {
  try {
    loadDocuments([{ file: specFile, doc: spec }]);
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    for (const i of e.issues) {
      const [section, key, ...rest] = i.path;
      const origin = origins.get(`${section}.${key}`);
      issues.error(origin ?? [], `docknet refuses ${[section, key, ...rest].join('.')}: ${i.message}`);
    }
  }
}

/** The spec as YAML: lists of a few short words on one line. */
export function specText(spec: SpecDoc, header: string): string {
  const doc = new Document(spec);
  doc.commentBefore = header;
  visit(doc, {
    Seq(_, seq) {
      if (isSeq(seq) && seq.items.every((i) => isScalar(i) && String(i.value).length < 40 && !String(i.value).includes('\n')) && seq.items.length <= 8) seq.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

export function importCompose(paths: string[], options: ImportOptions = {}): ImportResult {
  const issues = new ComposeIssues();
  if (paths.length === 0) throw new Error('name at least one compose file');
  const env = options.env ?? process.env;
  const projectDir = dirname(resolve(paths[0]));
  const files: ComposeFile[] = [];
  /** Files read for extends: messages may point into them too. */
  const others: ComposeFile[] = [];
  const result = (spec?: SpecDoc, text?: string): ImportResult => ({ ...(spec ? { spec, text } : {}), issues: issues.list.map((i) => placed(i, files, others)) });
  const envFiles = options.envFiles?.map((f) => resolve(f)) ?? [resolve(projectDir, '.env')];
  const lookup0 = environment(envFiles, env, options.envFiles !== undefined, issues);
  for (const path of paths) {
    try {
      files.push(readComposeFile(path));
    } catch (e) {
      if (!(e instanceof ComposeError)) throw e;
      issues.list.push(...e.issues);
    }
  }
  if (issues.hasErrors) return result();
  const project = projectName(files, projectDir, lookup0, options.project, issues);
  // compose lets files use the project name as ${COMPOSE_PROJECT_NAME}.
  const lookup: Lookup = (k) => lookup0(k) ?? (k === 'COMPOSE_PROJECT_NAME' ? project : undefined);
  const prepare = (f: ComposeFile) => {
    f.tree = canonical(interpolateTree(f.tree, lookup, f.file, issues), f.file, issues);
    return f;
  };
  // Files that services extend are read as the project's are, once each.
  const extended = new Map<string, ComposeFile | undefined>();
  const load = (path: string): ComposeFile | undefined => {
    if (!extended.has(path)) {
      extended.set(path, undefined);
      try {
        const f = prepare(readComposeFile(path));
        others.push(f);
        extended.set(path, f);
      } catch (e) {
        if (!(e instanceof ComposeError)) throw e;
        issues.list.push(...e.issues);
      }
    }
    return extended.get(path);
  };
  files.forEach(prepare);
  for (const f of files) f.tree = applyExtends(f, load, issues);
  if (issues.hasErrors) return result();
  const merged = mergeFiles(files, issues);
  if (issues.hasErrors) return result();
  const lenient = options.lenient ?? false;
  const { spec, origins } = convertProject(merged, { project, projectDir, lookup, lenient }, issues);
  if (issues.hasErrors || issues.list.some((i) => i.level === 'refusal')) return result();
  check(spec, origins, options.specFile ?? `${project}.yaml`, issues);
  if (issues.hasErrors) return result();
  const header = ` docknet spec of compose project ${project}, imported from ${paths.join(', ')} by docknet import`;
  return result(spec, specText(spec, header));
}
