/**
 * marion-chizat-fig1b-predicted's findings (lib/papers/marion-chizat/fig1b-predicted*.ts) on
 * hand-made points: each claim holds on a point set shaped like the measured one and fails on a
 * false case (GD off the plateau, the central flow not the gradient flow, a point without its
 * regime, a disagreement at one point).
 */
import { fig1bPredictedFindings } from '../lib/papers/marion-chizat/fig1b-predicted';
import { predictedPoint, regimeOf, type PredictedRep } from '../lib/papers/marion-chizat/fig1b-predicted-compare';

const rep = (r: Partial<PredictedRep>): PredictedRep => ({ rep: 0, initialSharpness: 1, gd: 40, gdDiverged: false, central: 41, flow: 41, ...r });

// η = 0.07 (2/η = 28.571): small scale (gradient-flow regime) and the plateau.
const small = () =>
  predictedPoint(0.07, 0.25, [rep({ gd: 22.74, central: 22.78, flow: 22.78 }), rep({ rep: 1, gd: 21.25, central: 21.27, flow: 21.27 })]);
const plateau = () =>
  predictedPoint(0.07, 0.4, [
    rep({ initialSharpness: 16, gd: 28.42, central: 28.5714, flow: 42.1 }),
    rep({ rep: 1, initialSharpness: 32, gd: 28.41, central: 28.5714, flow: 39.3 }),
  ]);
const byId = (points: ReturnType<typeof predictedPoint>[]) => Object.fromEntries(fig1bPredictedFindings(points).map((f) => [f.id, f.pass]));

describe('marion-chizat-fig1b-predicted findings', () => {
  test('regimes from the central flow: on the plateau (started below or above 2/η), the gradient flow, above at init, undefined', () => {
    expect(regimeOf(rep({ central: 28.5714 }), 0.07)).toBe('edge');
    expect(regimeOf(rep({ initialSharpness: 32, central: 28.5714 }), 0.07)).toBe('above');
    expect(regimeOf(rep({ central: 22.78 }), 0.07)).toBe('gradient-flow');
    expect(regimeOf(rep({ initialSharpness: 487, central: 95.1 }), 0.005)).toBe('above');
    expect(regimeOf(rep({ central: null }), 0.07)).toBe('undefined');
    // 1% off 2/η is not the plateau.
    expect(regimeOf(rep({ central: 28.571 * 0.985 }), 0.07)).toBe('gradient-flow');
    expect(plateau().regime).toBe('mixed');
    expect(plateau().regimes).toEqual({ edge: 1, above: 1 });
    expect(predictedPoint(0.07, 0.4, [rep({ central: 28.5714 }), rep({ rep: 1, central: 22 })]).regime).toBe('mixed');
  });

  test('per-point agreement, central flow against gradient flow, divergence share', () => {
    const p = predictedPoint(0.02, 0.5, [
      rep({ gd: 50, central: 100, flow: 100 }),
      rep({ rep: 1, gd: null, gdDiverged: true, central: 100, flow: 100 }),
    ]);
    expect(p.agreement).toBeCloseTo(1, 12); // |100 - 50| / 50, the diverged repetition left out
    expect(p.gdDivergence).toBe(0.5);
    expect(p.centralVsFlow).toBe(0);
    expect(p.gd).toBe(50);
  });

  test('the measured shape passes every checked claim', () => {
    expect(byId([small(), plateau()])).toEqual({
      'plateau-predicted': true,
      'small-scale-gradient-flow': true,
      'agreement-every-point': true,
      'above-edge-at-init': null,
    });
  });

  test('false cases: GD off the plateau; the central flow not the gradient flow; no point of a regime; one catapult point', () => {
    const offPlateau = predictedPoint(0.07, 0.4, [rep({ gd: 26.5, central: 28.5714 })]); // 7% below
    expect(byId([small(), offPlateau])['plateau-predicted']).toBe(false);
    expect(byId([small(), offPlateau])['agreement-every-point']).toBe(false);
    const notFlow = predictedPoint(0.07, 0.25, [rep({ gd: 22.74, central: 22.78, flow: 22.79 })]); // 4e-4 apart
    expect(byId([notFlow, plateau()])['small-scale-gradient-flow']).toBe(false);
    const gdAway = predictedPoint(0.07, 0.25, [rep({ gd: 20, central: 22.78, flow: 22.78 })]);
    expect(byId([gdAway, plateau()])['small-scale-gradient-flow']).toBe(false);
    expect(byId([plateau()])['small-scale-gradient-flow']).toBe(false);
    expect(byId([small()])['plateau-predicted']).toBe(false);
    expect(byId([])['agreement-every-point']).toBe(false);
    // Repetitions are pooled by regime across points: a mixed point's edge repetition counts.
    const mixed = predictedPoint(0.07, 0.37, [rep({ gd: 26.0, central: 28.5714 }), rep({ rep: 1, gd: 27.0, central: 27.1, flow: 27.1 })]);
    expect(mixed.regime).toBe('mixed');
    expect(mixed.regimes).toEqual({ edge: 1, 'gradient-flow': 1 });
    expect(byId([small(), plateau(), mixed])['plateau-predicted']).toBe(false); // 26.0 is 9% below 2/η
    const catapult = predictedPoint(0.005, 0.5, [rep({ initialSharpness: 487, gd: 66.9, central: 95.1, flow: 95.1 })]);
    const f = byId([small(), plateau(), catapult]);
    expect(f['agreement-every-point']).toBe(false);
    expect(f['plateau-predicted']).toBe(true);
    expect(f['small-scale-gradient-flow']).toBe(true);
  });
});
