/**
 * The flatness-by-optimizer preset's findings can fail (lib/papers/marion-chizat/optimizer-flatness.ts):
 * fed synthetic records on the preset's real plan (one sweep over whole optimizer objects) where
 * every claim holds, then cases that change one thing where one claim does not.
 */
import type { PlannedRun } from '../lib/experiments/plan';
import type { Experiment } from '../lib/experiments/schema';
import { marionChizatOptimizerFlatness, RULES } from '../lib/papers/marion-chizat/optimizer-flatness';
import { findingsById, presetConfig, synthetic, type MadeRun } from './synthetic-results';

const config = presetConfig(marionChizatOptimizerFlatness, { quick: true });
const kindOf = (point: Experiment) => point.train.optimizer!.kind as string;

/** The edge each rule records at the end (SAM's: some gradient-dependent value). */
function edgeOf(kind: string, eta: number): number {
  if (kind === 'momentum') return 3.8 / eta;
  if (kind === 'adam') return 38 / eta;
  if (kind === 'sam') return 20;
  return 2 / eta;
}

type Make = (kind: string, run: PlannedRun, point: Experiment) => MadeRun | undefined;

/** Every rule below its edge; noisy rules (sgd, label-noise, sam) near w* but not on it and flatter than GD. */
function healthy(kind: string, run: PlannedRun, point: Experiment): MadeRun {
  const eta = point.train.learningRate!;
  const edge = edgeOf(kind, eta);
  const noisy = ['sgd', 'label-noise', 'sam'].includes(kind);
  const sharpness = kind === 'gd' ? 0.95 * edge : noisy ? 0.6 * (2 / 0.07) : 0.1 * edge;
  return {
    final: {
      loss: 0.1,
      distance: noisy ? 1e-3 : 1e-20,
      sharpness,
      stabilityEdge: edge,
      preconditionedSharpness: kind === 'adam' ? 0.8 * edge : sharpness,
    },
  };
}

function run(change?: Make) {
  return findingsById(
    marionChizatOptimizerFlatness.findings!,
    synthetic(config, (r, point) => change?.(kindOf(point), r, point) ?? healthy(kindOf(point), r, point)),
  );
}

const belowIds = RULES.map((r) => `below-edge-${r.optimizer.kind}`);
const flatterIds = ['sgd', 'label-noise', 'sam'].map((k) => `flatter-than-gd-${k}`);

describe('marion-chizat-optimizer-flatness', () => {
  test('the plan: one sweep over six whole optimizer objects, each with its own learning rate', () => {
    const kinds = new Set<string>();
    const labels = [...new Set(synthetic(config, () => ({})).ctx.ds.runs.map((r) => r.record.values['train.optimizer']))];
    synthetic(config, (r, point) => {
      kinds.add(`${kindOf(point)}@${point.train.learningRate}`);
      expect(String(r.values['train.optimizer']).split(' ')[0]).toBe(kindOf(point));
      return {};
    });
    expect(labels).toEqual(['gd', 'sgd batchSize=10', 'label-noise sigma=0.1', 'momentum beta=0.9', 'adam', 'sam rho=0.05']);
    expect([...kinds]).toEqual(['gd@0.07', 'sgd@0.07', 'label-noise@0.07', 'momentum@0.007', 'adam@0.01', 'sam@0.07']);
  });

  test('every rule below its own edge, the noisy ones flatter than GD: every checked finding holds', () => {
    const f = run();
    for (const id of [...belowIds, ...flatterIds]) expect({ id, pass: f.get(id)?.pass }).toEqual({ id, pass: true });
    expect(f.get('landing')?.pass).toBeNull();
  });

  test.each(RULES.map((r) => r.optimizer.kind))('%s: one covered run 1%% above its edge fails its finding only', (kind) => {
    const f = run((k, r, point) => {
      if (k !== kind || r.index % 12 !== 0) return undefined;
      const m = healthy(k, r, point);
      const edge = m.final!.stabilityEdge as number;
      return { final: { ...m.final, sharpness: kind === 'adam' ? m.final!.sharpness : 1.01 * edge, preconditionedSharpness: 1.01 * edge } };
    });
    for (const id of belowIds) expect({ id, pass: f.get(id)?.pass }).toEqual({ id, pass: id !== `below-edge-${kind}` });
  });

  test('Adam is judged on the preconditioned sharpness against 38/eta, not on lambda_max', () => {
    const f = run((k, r, point) => (k === 'adam' ? { final: { ...healthy(k, r, point).final, sharpness: 1e6 } } : undefined));
    expect(f.get('below-edge-adam')?.pass).toBe(true);
  });

  test('a GD run above 2/eta that did not converge is not covered; every GD run unconverged: not applicable', () => {
    const above = (r: PlannedRun, point: Experiment, every: boolean): MadeRun | undefined =>
      every || r.index % 12 === 0 ? { final: { ...healthy('gd', r, point).final, distance: 1e-3, sharpness: 1.5 * (2 / 0.07) } } : undefined;
    expect(run((k, r, point) => (k === 'gd' ? above(r, point, false) : undefined)).get('below-edge-gd')?.pass).toBe(true);
    const none = run((k, r, point) => (k === 'gd' ? above(r, point, true) : undefined)).get('below-edge-gd');
    expect(none?.pass).toBeNull();
    expect(none?.notApplicable).toBeDefined();
  });

  test('a noisy rule sharper than GD fails its flatter finding (and only it)', () => {
    const f = run((k, r, point) => (k === 'label-noise' ? { final: { ...healthy(k, r, point).final, sharpness: 0.97 * (2 / 0.07) } } : undefined));
    expect(f.get('flatter-than-gd-label-noise')?.pass).toBe(false);
    expect(f.get('flatter-than-gd-sgd')?.pass).toBe(true);
    expect(f.get('below-edge-label-noise')?.pass).toBe(true);
  });

  test('a diverged noisy run is not covered; a run whose edge is not recorded counts against the claim', () => {
    const diverged = run((k, r) => (k === 'sam' && r.index % 12 === 0 ? { status: 'diverged' } : undefined));
    expect(diverged.get('below-edge-sam')?.pass).toBe(true);
    const missing = run((k, r, point) =>
      k === 'sgd' && r.index % 12 === 0 ? { final: { ...healthy(k, r, point).final, stabilityEdge: null } } : undefined,
    );
    expect(missing.get('below-edge-sgd')?.pass).toBe(false);
  });
});
