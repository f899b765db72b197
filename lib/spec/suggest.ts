// "Did you mean": the closest of the names a place allows, for a key or a name someone mistyped.

/** Letters only, lower case: ip_range, ip-range and IPRange are all "iprange". */
const fold = (s: string) => s.toLowerCase().replace(/[_-]/g, '');

/** Edit distance where swapping two neighbouring letters costs one (optimal string alignment). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The allowed name closest to `word`, when it is close enough to be a slip of the fingers. */
export function closest(word: string, allowed: Iterable<string>): string | undefined {
  const w = fold(word);
  const limit = w.length <= 3 ? 1 : 2;
  let best: { name: string; d: number } | undefined;
  for (const name of allowed) {
    const d = distance(w, fold(name));
    if (d <= limit && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}

/** "; did you mean gateway?" or nothing. */
export function didYouMean(word: string, allowed: Iterable<string>): string {
  const match = closest(word, allowed);
  return match === undefined ? '' : `; did you mean ${match}?`;
}
