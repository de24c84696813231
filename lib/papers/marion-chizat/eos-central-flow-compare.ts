/**
 * Gradient descent against its central flow and its plain gradient flow, from their traces (the
 * numbers behind marion-chizat-eos-central-flow's findings; pure, so tests can feed false cases).
 * GD is recorded every step, the flows at t = η·k (time in GD units, `times`); rows are matched
 * by time (a flow's other rows, e.g. every accepted step, are skipped). The edge-of-stability window is where the central flow has an eigenvalue at the edge
 * (edgeCount ≥ 1), in GD steps k with k + 1 inside the run.
 *   predictedError     mean over the window of |predictedLoss(η k) − (L_k + L_{k+1})/2| / ((L_k + L_{k+1})/2),
 *                      GD's two-step average against the central flow's predicted time-averaged loss
 *   predictedErrorLate the same over the window's second half (after GD's entry transient)
 *   plainError         the same with the plain flow's loss in place of the prediction
 *   centralSharpness   max over the window of |S_cf − 2/η| / (2/η)
 *   gdSharpness        GD's sharpness over the window: mean, and the fractions of samples above
 *                      and below 2/η (it oscillates around it when both are large)
 *   plainSharpnessMax  the plain flow's largest sharpness over the window, over 2/η
 */
import type { TraceFile } from '../../experiments/execute';

export interface CentralFlowComparison {
  /** First and last GD step of the window (null: the central flow never reached the edge). */
  window: [number, number] | null;
  predictedError: number;
  predictedErrorLate: number;
  plainError: number;
  centralSharpness: number;
  gdSharpnessMean: number;
  gdAbove: number;
  gdBelow: number;
  plainSharpnessMax: number;
  /** The central flow's time of entry (first row on the edge), in GD steps. */
  entryStep: number | null;
}

const col = (t: TraceFile, name: string): number[] => (t.columns[name]?.values ?? []).map((v) => (v === null ? NaN : v));

/** A flow trace's columns at t = η k, k = 0..steps (NaN where it has no row at that time). */
function atSteps(t: TraceFile, eta: number, steps: number, names: string[]): Record<string, number[]> {
  const time = col(t, 'time');
  const index = new Array<number>(steps + 1).fill(-1);
  time.forEach((v, i) => {
    const k = Math.round(v / eta);
    if (k >= 0 && k <= steps && Math.abs(v - k * eta) <= 1e-9 * Math.max(1, Math.abs(v))) index[k] = i;
  });
  const out: Record<string, number[]> = {};
  for (const n of names) {
    const c = col(t, n);
    out[n] = index.map((i) => (i >= 0 ? c[i] : NaN));
  }
  return out;
}

export function compareCentralFlow(gd: TraceFile, central: TraceFile, plain: TraceFile, eta: number): CentralFlowComparison {
  const two = 2 / eta;
  const L = col(gd, 'loss');
  const S = col(gd, 'sharpness');
  const steps = L.length - 1;
  const c = atSteps(central, eta, steps, ['edgeCount', 'predictedLoss', 'sharpness']);
  const p = atSteps(plain, eta, steps, ['loss', 'sharpness']);
  const edge = c.edgeCount;
  const predicted = c.predictedLoss;
  const centralS = c.sharpness;
  const plainL = p.loss;
  const plainS = p.sharpness;
  const rows = steps;
  const first = edge.findIndex((e) => e >= 1);
  const none: CentralFlowComparison = {
    window: null,
    predictedError: NaN,
    predictedErrorLate: NaN,
    plainError: NaN,
    centralSharpness: NaN,
    gdSharpnessMean: NaN,
    gdAbove: NaN,
    gdBelow: NaN,
    plainSharpnessMax: NaN,
    entryStep: null,
  };
  if (first < 0 || first >= rows) return none;
  let pe = 0;
  let ple = 0;
  let cs = 0;
  let sum = 0;
  let above = 0;
  let below = 0;
  let psMax = -Infinity;
  let n = 0;
  let late = 0;
  let nLate = 0;
  const half = first + Math.floor((rows - first) / 2);
  for (let k = first; k < rows; k++) {
    const avg = (L[k] + L[k + 1]) / 2;
    const err = Math.abs(predicted[k] - avg) / avg;
    pe += err;
    if (k >= half) {
      late += err;
      nLate++;
    }
    ple += Math.abs(plainL[k] - avg) / avg;
    cs = Math.max(cs, Math.abs(centralS[k] - two) / two);
    sum += S[k];
    if (S[k] > two) above++;
    if (S[k] < two) below++;
    psMax = Math.max(psMax, plainS[k] / two);
    n++;
  }
  return {
    window: [first, rows - 1],
    predictedError: pe / n,
    predictedErrorLate: late / nLate,
    plainError: ple / n,
    centralSharpness: cs,
    gdSharpnessMean: sum / n,
    gdAbove: above / n,
    gdBelow: below / n,
    plainSharpnessMax: psMax,
    entryStep: first,
  };
}
