/**
 * Reading recorded time series: a record is a list of times and the values recorded at them
 * (a missing value is NaN). Between two records the value is taken as the last one recorded.
 */

/** The value recorded last at or before time `t`; null when nothing was recorded by then or it is not finite. */
export function valueAtTime(time: ArrayLike<number>, values: ArrayLike<number>, t: number): number | null {
  let best = -1;
  for (let i = 0; i < time.length; i++) if (time[i] <= t) best = i;
  return best >= 0 && Number.isFinite(values[best]) ? values[best] : null;
}

/** The distinct successive finite values, in order (1, 1, 2, NaN, 2, 1 gives 1, 2, 1): e.g. the ranks a run passes through. */
export function successiveValues(values: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v) && out[out.length - 1] !== v) out.push(v);
  }
  return out;
}
