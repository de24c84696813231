/**
 * The optimizer presets' findings can fail (lib/papers/marion-chizat/optimizer-*.ts): each is fed
 * synthetic traces (the preset's real plan, made-up records, test/synthetic-results.ts) where its
 * claim holds, and cases that change one thing where it does not.
 */
import type { PlannedRun } from '../lib/experiments/plan';
import { adamEdge, adaptiveEdgeShape, hoversAtEdge, marionChizatOptimizerAdamEdge } from '../lib/papers/marion-chizat/optimizer-adam-edge';
import { atStochasticEdge, marionChizatOptimizerSgdEdge, sgdEdgeShape, sharpnessBelowEdge } from '../lib/papers/marion-chizat/optimizer-sgd-edge';
import { axis, findingsById, presetConfig, synthetic, type MadeRun } from './synthetic-results';

type Shape = (step: number, edge: number) => { pre: number; sharp: number };

/** A trace every 100 steps for 8,000 steps: the preconditioned and plain sharpness as `shape` says. */
function made(run: PlannedRun, shape: Shape): MadeRun {
  const edge = adamEdge(axis(run, 'train.learningRate'));
  const steps = Array.from({ length: 81 }, (_, i) => i * 100);
  const points = steps.map((s) => shape(s, edge));
  return {
    final: { loss: 0.1 },
    trace: { step: steps, preconditionedSharpness: points.map((p) => p.pre), sharpness: points.map((p) => p.sharp), loss: steps.map(() => 0.1) },
  };
}

// What eta = 0.03 shows: a rise to the edge by step 1,400, then a wobble of a few % around it; lambda_max ~ 22.
const hovering: Shape = (s, edge) => ({ pre: s < 1400 ? (0.2 + (0.8 * s) / 1400) * edge : edge * (1 + 0.05 * Math.sin(s / 300)), sharp: 22 });

describe('marion-chizat-optimizer-adam-edge', () => {
  const config = presetConfig(marionChizatOptimizerAdamEdge, { quick: true });
  const ids = (eta: number) => [`adaptive-edge-eta-${eta}`, `sharpness-below-adaptive-edge-eta-${eta}`];

  test('hovering at 38/eta with lambda_max far below: both findings hold at every learning rate', () => {
    const truth = findingsById(
      marionChizatOptimizerAdamEdge.findings!,
      synthetic(config, (run) => made(run, hovering)),
    );
    for (const eta of [0.03, 0.01]) for (const id of ids(eta)) expect({ id, pass: truth.get(id)?.pass }).toEqual({ id, pass: true });
  });

  const broken: Record<string, Shape> = {
    // What eta = 0.01 measures: past the edge and still rising (the preconditioner keeps shrinking at the minimum).
    overshoots: (s, edge) => ({ pre: edge * (0.2 + s / 1000), sharp: 25 }),
    // Never reaches 0.9 x the edge.
    staysBelow: (s, edge) => ({ pre: 0.8 * edge * Math.min(1, s / 1000), sharp: 25 }),
    // Passes through the edge without hovering: half the window far from it.
    oscillatesWide: (s, edge) => ({ pre: s < 1000 ? edge : edge * (s % 200 === 0 ? 0.5 : 1.6), sharp: 25 }),
  };
  test.each(Object.keys(broken))('the hover finding fails when the preconditioned sharpness %s', (name) => {
    const result = findingsById(
      marionChizatOptimizerAdamEdge.findings!,
      synthetic(config, (run) => made(run, broken[name])),
    );
    expect(result.get('adaptive-edge-eta-0.03')?.pass).toBe(false);
    expect(result.get('sharpness-below-adaptive-edge-eta-0.03')?.pass).toBe(name !== 'staysBelow');
  });

  test('the plain-sharpness finding fails when lambda_max rises with the preconditioned sharpness', () => {
    const rising: Shape = (s, edge) => ({ ...hovering(s, edge), sharp: hovering(s, edge).pre * 0.5 });
    const result = findingsById(
      marionChizatOptimizerAdamEdge.findings!,
      synthetic(config, (run) => made(run, rising)),
    );
    expect(result.get('adaptive-edge-eta-0.03')?.pass).toBe(true);
    expect(result.get('sharpness-below-adaptive-edge-eta-0.03')?.pass).toBe(false);
  });

  test('one trace: the shape numbers and the 15% / 70% thresholds', () => {
    const edge = 100;
    const trace = (pre: number[]) => ({
      id: 'x',
      columns: {
        step: { width: 1, values: pre.map((_, i) => i) },
        preconditionedSharpness: { width: 1, values: pre },
        sharpness: { width: 1, values: pre.map(() => 5) },
      },
    });
    const at = adaptiveEdgeShape(trace([10, 50, 95, 100, 105, 98, 102, 100]), edge)!;
    expect(at.reachedAt).toBe(2);
    expect(at.medianRatio).toBeCloseTo(1, 2);
    expect(at.within).toBe(1);
    expect(at.sharpnessRatio).toBe(0.05);
    expect(hoversAtEdge(at)).toBe(true);
    // A median 16% above the edge fails; 14% passes.
    expect(hoversAtEdge(adaptiveEdgeShape(trace([10, 116, 116, 116, 116]), edge))).toBe(false);
    expect(hoversAtEdge(adaptiveEdgeShape(trace([10, 114, 114, 114, 114]), edge))).toBe(true);
    expect(adaptiveEdgeShape(trace([10, 20, 30, 40]), edge)!.reachedAt).toBeNull();
  });
});

describe('marion-chizat-optimizer-sgd-edge', () => {
  const config = presetConfig(marionChizatOptimizerSgdEdge, { quick: true });
  const eta = 0.1;
  /** A trace of 41 records: batch sharpness and lambda_max as fractions of 2/eta (a wobble of 5%). */
  const made = (batch: number, sharp: number): MadeRun => {
    const n = 41;
    const wobble = (i: number) => 1 + 0.05 * Math.sin(i);
    return {
      final: { loss: 0.1 },
      trace: {
        step: Array.from({ length: n }, (_, i) => i * 50),
        batchSharpness: Array.from({ length: n }, (_, i) => (batch * wobble(i) * 2) / eta),
        sharpness: Array.from({ length: n }, (_, i) => (sharp * wobble(i + 1) * 2) / eta),
        loss: Array.from({ length: n }, () => 0.1),
      },
    };
  };
  const ids = (b: number) => [`batch-sharpness-at-edge-b${b}`, `sharpness-below-edge-b${b}`];

  test('batch sharpness at 2/eta and lambda_max at 0.8 x 2/eta: both hold for every batch size', () => {
    const truth = findingsById(
      marionChizatOptimizerSgdEdge.findings!,
      synthetic(config, () => made(1, 0.8)),
    );
    for (const b of [5, 10, 25]) for (const id of ids(b)) expect({ id, pass: truth.get(id)?.pass }).toEqual({ id, pass: true });
  });

  test.each([
    ['batch sharpness at 0.8 x 2/eta (what batch 10 measures)', 0.8, 0.8, [false, true]],
    ['batch sharpness at 1.2 x 2/eta', 1.2, 0.8, [false, true]],
    ['lambda_max at 1.05 x 2/eta', 1, 1.05, [true, false]],
  ] as const)('%s fails its finding', (_, batch, sharp, want) => {
    const result = findingsById(
      marionChizatOptimizerSgdEdge.findings!,
      synthetic(config, (run) => (axis(run, 'train.optimizer.batchSize') === 10 ? made(batch, sharp) : made(1, 0.8))),
    );
    expect(ids(10).map((id) => result.get(id)?.pass)).toEqual(want);
    expect(ids(25).map((id) => result.get(id)?.pass)).toEqual([true, true]);
  });

  test('the shape: medians over the second half', () => {
    const values = [100, 100, 100, 100, 18, 20, 22, 30];
    const s = sgdEdgeShape(
      {
        id: 'x',
        columns: {
          batchSharpness: { width: 1, values },
          sharpness: { width: 1, values: values.map((v) => v / 2) },
          loss: { width: 1, values: values.map(() => 0.2) },
        },
      },
      eta,
    )!;
    expect(s.batchRatio).toBeCloseTo(21 / 20, 12);
    expect(s.sharpnessRatio).toBeCloseTo(10.5 / 20, 12);
    expect(atStochasticEdge(s)).toBe(true);
    expect(sharpnessBelowEdge(s)).toBe(true);
  });
});
