/**
 * Escape time from a saddle: when a loss curve first leaves the value it started at (Jacot et
 * al., Section 3.2.1: from an initialization of scale alpha, gradient flow escapes the origin
 * after a time c - log(alpha)/(2 s_1) at depth 2 and of order alpha^-(L-2) deeper).
 */

/**
 * First time the loss falls to `fraction` of its initial value (loss[0]), interpolated between
 * the two recorded points around the crossing with the loss taken linear in log time (the later
 * point's time when the earlier one is at t <= 0). Null when the loss never gets there.
 */
export function escapeTime(time: ArrayLike<number>, loss: ArrayLike<number>, fraction: number): number | null {
  const threshold = fraction * loss[0];
  for (let i = 1; i < loss.length; i++) {
    if (loss[i] <= threshold) {
      const [t0, t1, l0, l1] = [time[i - 1], time[i], loss[i - 1], loss[i]];
      if (!(t0 > 0)) return t1;
      const f = (l0 - threshold) / (l0 - l1);
      return Math.exp(Math.log(t0) + f * (Math.log(t1) - Math.log(t0)));
    }
  }
  return null;
}
