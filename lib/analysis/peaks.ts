/**
 * The width of a curve's largest peak on a log-time axis: how sharp a transition is (Jacot et
 * al., Fig. 4: the gradient norm peaks as a saddle is escaped, sharper for deeper networks).
 */

/**
 * Width at half height, in decades of time, of the largest value among the points with t > 0.
 * The half-height crossings are interpolated linearly in log10(t) between the recorded points on
 * either side; where the peak runs to an end of the record (on the left: to the first point with
 * t > 0), that point is its edge. NaN when no point has t > 0.
 */
export function peakWidthDecades(time: ArrayLike<number>, values: ArrayLike<number>): number {
  const g = values;
  let top = -1;
  for (let i = 0; i < g.length; i++) if (time[i] > 0 && (top < 0 || g[i] > g[top])) top = i;
  if (top < 0) return NaN;
  const half = g[top] / 2;
  let lo = top;
  let hi = top;
  while (lo > 0 && time[lo - 1] > 0 && g[lo - 1] >= half) lo--;
  while (hi + 1 < g.length && g[hi + 1] >= half) hi++;
  const cross = (a: number, b: number) => {
    if (!(time[a] > 0) || !(time[b] > 0) || g[a] === g[b]) return Math.log10(time[b]);
    const f = (half - g[a]) / (g[b] - g[a]);
    return Math.log10(time[a]) + f * (Math.log10(time[b]) - Math.log10(time[a]));
  };
  const left = lo > 0 && time[lo - 1] > 0 ? cross(lo - 1, lo) : Math.log10(time[lo]);
  const right = hi + 1 < g.length ? cross(hi, hi + 1) : Math.log10(time[hi]);
  return right - left;
}

/**
 * The prominent peaks of a series: local maxima that stand at least `factor` times above the
 * lowest value on each side before a higher point (or the end) is reached. Values below
 * `floor` times the largest are ignored (rounding noise at convergence). Returns the indices.
 * (Jacot et al., Fig. 4: from a small init the gradient norm rises at each escape and falls near
 * each saddle; in the lazy regime it decreases without such peaks.)
 */
export function prominentPeaks(values: ArrayLike<number>, factor = 2, floor = 1e-8): number[] {
  const n = values.length;
  let top = 0;
  for (let i = 0; i < n; i++) if (values[i] > top) top = values[i];
  const cut = floor * top;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!(v > cut)) continue;
    if ((i > 0 && !(values[i - 1] < v)) || (i + 1 < n && !(values[i + 1] <= v))) continue;
    // The lowest value on each side before a point higher than v.
    let left = v;
    for (let j = i - 1; j >= 0 && !(values[j] > v); j--) left = Math.min(left, values[j]);
    let right = v;
    for (let j = i + 1; j < n && !(values[j] > v); j++) right = Math.min(right, values[j]);
    if (i > 0 && i + 1 < n && left * factor <= v && right * factor <= v) out.push(i);
  }
  return out;
}
