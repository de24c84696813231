/**
 * marion-chizat-eos-central-flow's findings (lib/papers/marion-chizat/eos-central-flow*.ts) on
 * synthetic traces: GD oscillating around 2/η with a known two-step average, a central flow whose
 * prediction is that average and whose sharpness is 2/η, a plain flow elsewhere. Each claim holds
 * there and fails when one thing is made false.
 */
import type { TraceFile } from '../lib/experiments/execute';
import { centralFlowFindings } from '../lib/papers/marion-chizat/eos-central-flow';
import { compareCentralFlow } from '../lib/papers/marion-chizat/eos-central-flow-compare';

const eta = 0.1;
const steps = 100;
const entry = 20;
const file = (columns: Record<string, number[]>): TraceFile => ({
  id: 'x',
  columns: Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, { width: 1, values: v }])),
});
const ks = Array.from({ length: steps + 1 }, (_, k) => k);
/** GD: loss 1/(1+k/50) times (1 ± 0.2) alternating on the edge; sharpness 15/25 alternating there. */
const base = (k: number) => 1 / (1 + k / 50);
const gdLoss = ks.map((k) => (k < entry ? base(k) : base(k) * (k % 2 ? 0.8 : 1.2)));
const average = (k: number) => (gdLoss[k] + gdLoss[k + 1]) / 2;

interface World {
  gdSharp?: (k: number) => number;
  predicted?: (k: number) => number;
  centralSharp?: (k: number) => number;
  plainLoss?: (k: number) => number;
  plainSharp?: (k: number) => number;
}
function findings(w: World = {}) {
  const gd = file({
    step: ks,
    time: ks.map((k) => k * eta),
    loss: gdLoss,
    sharpness: ks.map(w.gdSharp ?? ((k) => (k < entry ? 10 : k % 2 ? 15 : 25))),
  });
  // The flows also have rows between the GD times (every accepted step), which must be skipped.
  const flowTimes = [...ks.map((k) => k / 10), 0.05, 3.33].sort((a, b) => a - b);
  const kOf = (t: number) => Math.round(t / eta);
  const central = file({
    time: flowTimes,
    edgeCount: flowTimes.map((t) => (kOf(t) >= entry ? 1 : 0)),
    predictedLoss: flowTimes.map((t) => (kOf(t) < steps ? (w.predicted ?? average)(kOf(t)) : NaN)),
    sharpness: flowTimes.map((t) => (kOf(t) >= entry ? (w.centralSharp ?? (() => 20))(kOf(t)) : 10)),
  });
  const plain = file({
    time: flowTimes,
    loss: flowTimes.map((t) => (kOf(t) < steps ? (w.plainLoss ?? ((k) => 0.6 * average(k)))(kOf(t)) : NaN)),
    sharpness: flowTimes.map((t) => (w.plainSharp ?? (() => 26))(kOf(t))),
  });
  const c = compareCentralFlow(gd, central, plain, eta);
  return { c, byId: Object.fromEntries(centralFlowFindings([c, c], eta).map((f) => [f.id, f.pass])) };
}

describe('marion-chizat-eos-central-flow findings', () => {
  test('all hold in a world where they are true; the window starts at the entry', () => {
    const { c, byId } = findings();
    expect(c.window).toEqual([entry, steps - 1]);
    expect(c.predictedError).toBeLessThan(1e-15);
    expect(c.centralSharpness).toBe(0);
    expect(c.gdAbove).toBeCloseTo(0.5, 1);
    expect(byId).toEqual({ 'central-flow-predicted-loss': true, 'central-flow-sharpness': true, 'plain-flow-differs': true });
  });
  test('a prediction 6% off fails the predicted-loss claim (5% target)', () => {
    expect(findings({ predicted: (k) => 1.06 * average(k) }).byId['central-flow-predicted-loss']).toBe(false);
    expect(findings({ predicted: (k) => 1.04 * average(k) }).byId['central-flow-predicted-loss']).toBe(true);
  });
  test('a central sharpness 1.5% off 2/η, or a GD that does not oscillate, fails the sharpness claim', () => {
    expect(findings({ centralSharp: () => 20.3 }).byId['central-flow-sharpness']).toBe(false);
    expect(findings({ gdSharp: () => 19 }).byId['central-flow-sharpness']).toBe(false);
  });
  test('a plain flow that follows the prediction, or stays below 2/η·1.05, fails the plain-flow claim', () => {
    const { byId } = findings({ plainLoss: (k) => 1.03 * average(k), predicted: (k) => 1.02 * average(k) });
    expect(byId['plain-flow-differs']).toBe(false);
    expect(findings({ plainSharp: () => 20.5 }).byId['plain-flow-differs']).toBe(false);
  });
  test('a central flow that never reaches the edge fails every claim', () => {
    const gd = file({ step: ks, time: ks.map((k) => k * eta), loss: gdLoss, sharpness: ks.map(() => 10) });
    const never = file({ time: ks.map((k) => k / 10), edgeCount: ks.map(() => 0), predictedLoss: gdLoss, sharpness: ks.map(() => 10) });
    const c = compareCentralFlow(gd, never, never, eta);
    expect(c.window).toBeNull();
    expect(centralFlowFindings([c], eta).map((f) => f.pass)).toEqual([false, false, false]);
  });
});
