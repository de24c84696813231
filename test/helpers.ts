/** Shared test fixtures: the papers' problems at small sizes, and finite-difference oracles. */
import { initWeights, marionChizatData, Problem, jacotTeacherData, completionData } from '../lib';

export const MC_WIDTHS = [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 1];

export function mcProblem(seed = 0): Problem {
  const d = marionChizatData({ n: 50, d: 5, noise: 1, seed });
  return Problem.regression({ X: d.X, y: d.y, XTest: d.XTest, yTest: d.yTest, widths: MC_WIDTHS });
}

/** A small deterministic pseudo-random generator for test-side randomness (directions, shapes). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

export function gaussianVector(n: number, next: () => number): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(next(), 1e-300);
    v[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  }
  return v;
}

export function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function axpy(a: number, x: Float64Array, y: Float64Array): Float64Array {
  const out = new Float64Array(y);
  for (let i = 0; i < x.length; i++) out[i] += a * x[i];
  return out;
}

/**
 * Directional derivative of the loss along v by central differences with Richardson
 * extrapolation (error O(h^4)); h is scaled to the point, as docs/math.md §4.8 says.
 */
export function fdDirectional(f: (x: Float64Array) => number, x: Float64Array, v: Float64Array, relStep = 1e-3): number {
  const h = (relStep * Math.max(norm(x), 1e-3)) / norm(v);
  const d = (step: number) => (f(axpy(step, v, x)) - f(axpy(-step, v, x))) / (2 * step);
  return (4 * d(h / 2) - d(h)) / 3;
}

export function mseProblem(widths: number[], seed = 0, l2 = 0): Problem {
  const d0 = widths[0];
  const dL = widths[widths.length - 1];
  const next = rng(seed + 11);
  const n = 30;
  const X = { rows: n, cols: d0, data: gaussianVector(n * d0, next) };
  const Y = { rows: n, cols: dL, data: gaussianVector(n * dL, next) };
  return Problem.mse({ X, Y, widths, l2 });
}

export function teacherProblem(widths: number[], l2 = 0, seed = 0): Problem {
  const t = jacotTeacherData({ d: widths[0], rank: 3, n: 100, nTest: 200, seed });
  return Problem.mse({ X: t.X, Y: t.Y, XTest: t.XTest, YTest: t.YTest, widths, l2 });
}

export function completionProblem(widths: number[], l2 = 0, seed = 0): Problem {
  const c = completionData({
    rows: widths[widths.length - 1],
    cols: widths[0],
    rank: 2,
    observed: Math.ceil((widths[0] * widths[widths.length - 1]) / 2),
    seed,
  });
  return Problem.completion({ widths, entries: c.entries, testEntries: c.testEntries, l2 });
}

export { initWeights };

/**
 * Watches the event loop with a timer: `stop()` returns how often it fired and the longest gap
 * between firings (from the start). Work that blocked the loop shows as one gap as long as the
 * work; a busy machine only spreads the firings, so tests assert the gap, not the count.
 */
export function watchEventLoop(everyMs: number): { stop(): { ticks: number; maxGapMs: number } } {
  let ticks = 0;
  let last = performance.now();
  let maxGapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
    ticks++;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      maxGapMs = Math.max(maxGapMs, performance.now() - last);
      return { ticks, maxGapMs };
    },
  };
}
