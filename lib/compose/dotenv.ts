// Compose's env file syntax (the project's .env, --env-file, a service's env_file), as compose-go's
// dotenv parser reads it: KEY=value, "export KEY=value", "KEY: value", a KEY alone (taken from the
// environment when set there), # comments, " #" ending an unquoted value, single quotes literal, double
// quotes with escapes (\n, \t, \", \$ …) and multi-line values, and variables in unquoted and
// double-quoted values — looked up in the environment first, then in the file's earlier lines.
import { substitute, TemplateError, type Lookup } from './interpolate';

// Space but not a line break (Go's unicode.IsSpace has both; the parser tells them apart).
const isSpace = (c: string) => '\t\v\f\r \u0085\u00a0'.includes(c);
const isAnySpace = (c: string) => /\s|\u0085/.test(c);

function trimLeft(text: string, test: (c: string) => boolean): string {
  let i = 0;
  while (i < text.length && test(text[i])) i++;
  return text.slice(i);
}

const GO_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '"': '"', '\\': '\\' };

/** Double-quoted escapes; "\$" stays "$$" so that the variable step makes it a "$". */
function expandEscapes(text: string): string {
  return text.replace(/\\(?:[abcfnrtv$"\\]|0\d{0,3})/g, (match) => {
    const c = match.slice(1);
    if (c === '$') return '$$';
    if (c.startsWith('0')) return /^0[0-7]{3}$/.test(c) && parseInt(c.slice(1), 8) < 256 ? String.fromCharCode(parseInt(c.slice(1), 8)) : match;
    return GO_ESCAPES[c];
  });
}

/** The text of a quoted value (src starts with the quote) and what follows it; undefined when unterminated. */
function quoted(src: string): { value: string; rest: string } | undefined {
  const quote = src[0];
  let value = '';
  let escaped = false;
  for (let i = 1; i < src.length; i++) {
    const c = src[i];
    if (escaped) {
      escaped = false;
      // An escaped quote loses its backslash; any other escaped character keeps it.
      value += c === quote ? c : `\\${c}`;
    } else if (c === '\\') escaped = true;
    else if (c === quote) return { value, rest: src.slice(i + 1) };
    else value += c;
  }
  return undefined;
}

export class DotenvError extends Error {}

/** The variables of an env file, in order; lookup gives the environment the file's variables refer to. */
export function parseDotenv(text: string, lookup: Lookup): Map<string, string> {
  const out = new Map<string, string>();
  const lineOf = (rest: string) => text.slice(0, text.length - rest.length).split('\n').length;
  const expand = (value: string, rest: string) => {
    try {
      return substitute(value, (name) => lookup(name) ?? out.get(name)).value;
    } catch (e) {
      if (e instanceof TemplateError) throw new DotenvError(`line ${lineOf(rest)}: ${e.message}`);
      throw e;
    }
  };
  let rest = text;
  for (;;) {
    // The next statement: blank lines and # comment lines are skipped.
    rest = trimLeft(rest, isAnySpace);
    while (rest.startsWith('#')) {
      const eol = rest.indexOf('\n');
      rest = eol < 0 ? '' : trimLeft(rest.slice(eol), isAnySpace);
    }
    if (rest === '') return out;
    if (/^export\s/.test(rest)) rest = trimLeft(rest.slice('export'.length), isSpace);
    let end = 0;
    while (end < rest.length && (isSpace(rest[end]) || /[\p{L}\p{N}_.\-[\]]/u.test(rest[end]))) end++;
    // A name alone on the last line ends there.
    const terminator = end < rest.length ? rest[end] : '\n';
    if (terminator !== '=' && terminator !== ':' && terminator !== '\n') throw new DotenvError(`line ${lineOf(rest)}: unexpected character "${terminator}" in variable name "${rest.split('\n')[0]}"`);
    const key = rest.slice(0, end).replace(/\s+$/, '');
    if (/\s/.test(key)) throw new DotenvError(`line ${lineOf(rest)}: key "${key}" cannot contain a space`);
    if (terminator === '\n') {
      // A name alone: the variable of the environment, when it has it.
      const value = lookup(key);
      if (value !== undefined) out.set(key, value);
      rest = rest.slice(end + 1);
      continue;
    }
    rest = trimLeft(rest.slice(end + 1), isSpace);
    if (rest.startsWith('"') || rest.startsWith("'")) {
      const q = quoted(rest);
      if (!q) throw new DotenvError(`line ${lineOf(rest)}: unterminated quoted value ${rest.split('\n')[0]}`);
      out.set(key, rest.startsWith('"') ? expand(expandEscapes(q.value), rest) : q.value);
      rest = q.rest;
    } else {
      const eol = rest.indexOf('\n');
      const line = eol < 0 ? rest : rest.slice(0, eol);
      const hash = line.indexOf(' #');
      out.set(key, expand((hash < 0 ? line : line.slice(0, hash)).replace(/\s+$/, ''), rest));
      rest = eol < 0 ? '' : rest.slice(eol);
    }
  }
}

/** An env file of format "raw": KEY=value lines taken as they are. */
export function parseRawEnv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const eq = line.indexOf('=');
    out.set(eq < 0 ? line : line.slice(0, eq), eq < 0 ? '' : line.slice(eq + 1));
  }
  return out;
}
