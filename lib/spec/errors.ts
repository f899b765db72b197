// Errors in specs: each names the file and the path inside the spec, so a person can go straight to it.

import type { Source, SpecPath } from '../model/types';

export interface SpecIssue {
  file: string;
  path: SpecPath;
  message: string;
  position?: string;
}

export function formatPath(path: SpecPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out || '(root)';
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One issue, one line: line breaks and other control characters of names and values are shown escaped. */
export function formatIssue(issue: SpecIssue): string {
  const where = issue.position ? `${issue.file}:${issue.position}` : issue.file;
  return `${where}: ${formatPath(issue.path)}: ${issue.message}`.replace(CONTROL, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** An issue at a path inside a declared object (its source), with the file position of that path. */
export function issueAt(source: Source, subPath: SpecPath, message: string): SpecIssue {
  const path = [...source.path, ...subPath];
  return { file: source.file, path, message, position: source.position?.(path) };
}

/** Raised when specs are invalid; holds every problem found, not only the first. */
export class SpecError extends Error {
  constructor(readonly issues: SpecIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'SpecError';
  }
}

/** Collects issues against sources, filling in file and position. */
export class IssueList {
  readonly issues: SpecIssue[] = [];

  add(source: Source, subPath: SpecPath, message: string): void {
    this.issues.push(issueAt(source, subPath, message));
  }

  throwIfAny(): void {
    if (this.issues.length > 0) throw new SpecError(this.issues);
  }
}
