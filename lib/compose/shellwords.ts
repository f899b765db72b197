// command: and entrypoint: written as one string are split as compose splits them (go-shellwords 1.0,
// without variables or backticks): blanks separate words, quotes and backslashes group them, and the
// split stops, silently in compose, at an unquoted ; & | < or > (with the digits of a "2>" before it).

export interface Words {
  words: string[];
  /** What compose leaves out: the text from the shell operator on, when there is one. */
  dropped?: string;
}

export class ShellwordsError extends Error {}

export function shellwords(line: string): Words {
  const words: string[] = [];
  let buf = '';
  let got: 'none' | 'word' | 'quoted' = 'none';
  let escaped = false;
  let single = false;
  let double = false;
  let backQuote = false;
  let dollarQuote = false;
  let stop = -1;
  const chars = [...line];
  let offset = 0;
  for (let i = 0; i < chars.length; offset += chars[i].length, i++) {
    const c = chars[i];
    if (escaped) {
      buf += c;
      escaped = false;
      got = 'word';
      continue;
    }
    if (c === '\\') {
      if (single) buf += c;
      else escaped = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      if (single || double || backQuote || dollarQuote) buf += c;
      else if (got !== 'none') {
        words.push(buf);
        buf = '';
        got = 'none';
      }
      continue;
    }
    if (c === '`' && !single && !double && !dollarQuote) backQuote = !backQuote;
    else if (c === ')' && !single && !double && !backQuote) dollarQuote = !dollarQuote;
    else if (c === '(' && !single && !double && !backQuote) {
      if (dollarQuote || !buf.endsWith('$')) throw new ShellwordsError(`"${line}" is no command line compose can split ("(" outside quotes)`);
      dollarQuote = true;
      buf += c;
      continue;
    } else if (c === '"' && !single && !dollarQuote) {
      if (double) got = 'quoted';
      double = !double;
      continue;
    } else if (c === "'" && !double && !dollarQuote) {
      if (single) got = 'quoted';
      single = !single;
      continue;
    } else if (';&|<>'.includes(c) && !(single || double || backQuote || dollarQuote)) {
      stop = offset;
      // "2>": the digits are the redirection's, not a word.
      if (c === '>' && /^\d+$/.test(buf)) {
        stop -= buf.length;
        got = 'none';
      }
      break;
    }
    got = 'word';
    buf += c;
  }
  if (got !== 'none') words.push(buf);
  if (escaped || single || double || backQuote || dollarQuote) throw new ShellwordsError(`"${line}" is no command line compose can split (a quote or escape is not closed)`);
  return stop < 0 ? { words } : { words, dropped: line.slice(stop) };
}
