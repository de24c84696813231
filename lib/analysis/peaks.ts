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
