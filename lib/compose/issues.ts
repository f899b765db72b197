// What an import reports, by compose path. Three kinds: an error (the compose files are wrong, or
// compose itself would refuse them: nothing is written), a refusal (compose accepts it but docknet cannot
// carry it: an error, or with --lenient a warning and the service or network left out) and a warning
// (carried, but not exactly, or left out as compose would leave it out).
import type { SpecPath } from '../model/types';

/** What --lenient leaves out when a refusal concerns it. */
export interface Subject {
  kind: 'service' | 'network';
  /** The key under services: or networks: in the compose files. */
  name: string;
}

export interface ComposeIssue {
  level: 'error' | 'refusal' | 'warning';
  path: SpecPath;
  message: string;
  /** The compose file it is in, when the step that found it knows; otherwise it is looked up by path. */
  file?: string;
  /** "line:col" in that file, when the step that found it knows. */
  position?: string;
  subject?: Subject;
}

export class ComposeIssues {
  readonly list: ComposeIssue[] = [];

  error(path: SpecPath, message: string, file?: string): void {
    this.list.push({ level: 'error', path, message, ...(file ? { file } : {}) });
  }

  refuse(subject: Subject, path: SpecPath, message: string): void {
    this.list.push({ level: 'refusal', path, message, subject });
  }

  warn(path: SpecPath, message: string, file?: string): void {
    this.list.push({ level: 'warning', path, message, ...(file ? { file } : {}) });
  }

  get hasErrors(): boolean {
    return this.list.some((i) => i.level === 'error');
  }
}

/** Raised by a step that cannot go on (a file that does not parse, a template that does not either). */
export class ComposeError extends Error {
  constructor(readonly issues: ComposeIssue[]) {
    super(issues.map((i) => i.message).join('\n'));
    this.name = 'ComposeError';
  }
}
