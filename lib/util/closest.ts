/**
 * "Did you mean": the known name closest to a misspelt one, by optimal-string-alignment distance
 * (Levenshtein plus adjacent transpositions), compared case-insensitively. A candidate is offered
 * only when it is close enough to be a plausible typo: at most max(1, floor(len / 3)) edits for a
 * name of len characters (so "recordEvry" -> "recordEvery", but "x" suggests nothing).
 */

/** Edit distance with adjacent transpositions (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const n = a.length;
  const m = b.length;
  if (n === 0) return m;
  if (m === 0) return n;
  let prev2 = new Array<number>(m + 1).fill(0);
  let prev = Array.from({ length: m + 1 }, (_, j) => j);
  let cur = new Array<number>(m + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    for (let j = 1; j <= m; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
      cur[j] = d;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[m];
}

/** The closest candidate within the typo threshold, or undefined. Ties go to the first listed. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/** " (did you mean X?)" or " (known: a, b, c)" — the tail of an unknown-key message. */
export function suggestion(name: string, candidates: readonly string[]): string {
  const c = closest(name, candidates);
  if (c !== undefined) return ` (did you mean ${c}?)`;
  return candidates.length > 0 && candidates.length <= 12 ? ` (known: ${candidates.join(', ')})` : '';
}
