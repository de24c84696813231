/**
 * The bifurcation preset (lib/papers/marion-chizat/bifurcation*.ts): the orbit classification on
 * made-up orbits (each rule fed the case it must reject), the flip-point fit on a known
 * amplitude law, and every finding fed a synthetic world where it holds and one where it fails.
 */
import { classifyOrbit, ORBIT_RULES } from '../lib/papers/marion-chizat/bifurcation-orbits';
import { flipPoint, marionChizatBifurcation, type OrbitRow } from '../lib/papers/marion-chizat/bifurcation';
import type { PlannedRun } from '../lib/experiments/plan';
import { AUTHORS_THEORY, axis, findingsById, presetConfig, synthetic, type MadeRun } from './synthetic-results';

const W = 64;
const range = (f: (j: number) => number) => Array.from({ length: W }, (_, j) => f(j));
/** A deterministic irregular sequence in [0, 1) (the logistic map at r = 4). */
function chaotic(seed: number): number[] {
  let x = seed;
  return range(() => (x = 4 * x * (1 - x)));
}

describe('classifyOrbit', () => {
  test('fixed points, settled periods, transients, chaos, collapse', () => {
    expect(
      classifyOrbit(
        range(() => 0.99),
        -1e-4,
      ),
    ).toMatchObject({ kind: 'fixed', period: 1 });
    // Within the period tolerance (1e-4 of 2/eta) is fixed; above it, period 2.
    expect(
      classifyOrbit(
        range((j) => 1 + (j % 2 ? 4e-5 : -4e-5)),
        0,
      ),
    ).toMatchObject({ kind: 'fixed' });
    expect(
      classifyOrbit(
        range((j) => 1 + (j % 2 ? 2e-4 : -2e-4)),
        0,
      ),
    ).toMatchObject({ kind: 'period', period: 2 });
    expect(
      classifyOrbit(
        range((j) => [0.5, 1.5, 0.8, 1.9][j % 4]),
        0,
      ),
    ).toMatchObject({ kind: 'period', period: 4 });
    expect(
      classifyOrbit(
        range((j) => [0.5, 1.5, 0.8, 1.9, 0.6, 1.4, 0.7, 2.0][j % 8]),
        0,
      ),
    ).toMatchObject({ kind: 'period', period: 8 });
    // A period-3 pattern is none of 2, 4, 8, 16.
    expect(
      classifyOrbit(
        range((j) => [0.5, 1.5, 0.8][j % 3]),
        0,
      ).kind,
    ).toBe('aperiodic');
    // A decaying alternation: period 2, but its amplitude changes by 6% over the window.
    expect(
      classifyOrbit(
        range((j) => 1 + (j % 2 ? 1 : -1) * 0.1 * 0.999 ** j),
        0,
      ),
    ).toMatchObject({ kind: 'transient', period: 2 });
    // ... and by 0.06% when it decays 100 times slower: settled (the rule's 0.1%).
    expect(
      classifyOrbit(
        range((j) => 1 + (j % 2 ? 1 : -1) * 0.1 * 0.99999 ** j),
        0,
      ),
    ).toMatchObject({ kind: 'period', period: 2 });
    const irregular = chaotic(0.3).map((x) => 0.2 + 3 * x);
    expect(classifyOrbit(irregular, 0.3)).toMatchObject({ kind: 'chaotic', period: null });
    expect(classifyOrbit(irregular, ORBIT_RULES.chaosThreshold)).toMatchObject({ kind: 'aperiodic' });
    expect(
      classifyOrbit(
        range(() => 0.005),
        0,
      ),
    ).toMatchObject({ kind: 'collapsed' });
    expect(
      classifyOrbit(
        range((j) => (j === 5 ? NaN : 1)),
        0,
      ),
    ).toMatchObject({ kind: 'unknown' });
  });

  test('flipPoint: the zero of a linear amplitude^2 law; null with fewer than 3 settled orbits', () => {
    const row = (eta: number): OrbitRow => ({
      eta,
      alignment: 1,
      orbit: { kind: 'period', period: 2, spread: Math.sqrt(90 * (eta - 0.1031)), lyapunov: 0 },
    });
    const rows = [0.1045, 0.105, 0.106, 0.107, 0.2].map(row); // 0.2 lies outside the fit's width
    rows.push({ ...row(0.2), orbit: { ...row(0.2).orbit, spread: 50 } });
    expect(flipPoint(rows).eta).toBeCloseTo(0.1031, 12);
    expect(flipPoint(rows).points).toBe(4);
    expect(flipPoint(rows.slice(0, 2)).eta).toBeNull();
  });
});

describe('the findings', () => {
  const config = presetConfig(marionChizatBifurcation, { quick: true });
  const eta = (run: PlannedRun) => axis(run, 'train.learningRate');
  /** A world whose period-2 amplitude vanishes at etaC; the cascade after it as measured. */
  const worldAt =
    (etaC: number) =>
    (run: PlannedRun): MadeRun => {
      const e = eta(run);
      const S = (q: number[]) => q.map((v) => (2 * v) / e);
      const orbit = (q: number[], lyapunov: number, orbitAlignment: number): MadeRun => ({
        final: { orbitSharpness: S(q), lyapunov, orbitAlignment, loss: 0.1 },
      });
      if (e >= 0.3) return { status: 'diverged' };
      if (e >= 0.23)
        return orbit(
          range(() => 1e-4),
          0,
          0.1,
        );
      if (e >= 0.138)
        return orbit(
          chaotic(e).map((x) => 0.1 + 4 * x),
          0.3,
          0.5,
        );
      if (e >= 0.134)
        return orbit(
          range((j) => [0.5, 1.5, 0.8, 1.9, 0.6, 1.4, 0.7, 2.0][j % 8]),
          -1e-3,
          0.95,
        );
      if (e >= 0.13)
        return orbit(
          range((j) => [0.5, 1.5, 0.8, 1.9][j % 4]),
          -1e-3,
          0.9999,
        );
      if (e < etaC)
        return orbit(
          range(() => 0.99),
          -1e-4,
          1,
        );
      const amplitude = Math.sqrt(25 * (e - etaC)); // spread^2 = 100 (eta - etaC)
      // Just above etaC the orbit is still a transient (its amplitude changes by 1% over the window).
      const decay = e < etaC + 0.0013 ? 0.99984 : 1;
      return orbit(
        range((j) => 1 + (j % 2 ? 1 : -1) * amplitude * decay ** j),
        -1e-3,
        0.99999,
      );
    };
  const rankOne = 2 / AUTHORS_THEORY.sRankOne!;
  const oneOverAL = 2 / AUTHORS_THEORY.sMinRefinedLower;
  const at = (etaC: number, mutate?: (run: PlannedRun, made: MadeRun) => MadeRun) =>
    findingsById(
      marionChizatBifurcation.findings!,
      synthetic(config, (run) => (mutate ? mutate(run, worldAt(etaC)(run)) : worldAt(etaC)(run))),
    );
  const pass = (m: ReturnType<typeof at>, id: string) => {
    const f = m.get(id);
    if (!f) throw new Error(`no finding ${id} (has ${[...m.keys()].join(', ')})`);
    return f.pass;
  };
  const withFinal = (made: MadeRun, final: Record<string, unknown>): MadeRun => ({ ...made, final: { ...made.final, ...final } as MadeRun['final'] });

  test('first doubling against 1/(aL) and against 2/S_r1: each holds in its own world and fails in the other', () => {
    const measured = at(rankOne); // as on the authors' data
    expect(pass(measured, 'first-doubling-at-rank-one')).toBe(true);
    expect(pass(measured, 'first-doubling-above-1/(aL)')).toBe(false);
    const slides = at(oneOverAL + 0.0002);
    expect(pass(slides, 'first-doubling-above-1/(aL)')).toBe(true);
    expect(pass(slides, 'first-doubling-at-rank-one')).toBe(false);
    expect((measured.result.headline.flipPoint as { points: number }).points).toBeGreaterThanOrEqual(3);
    expect((measured.result.headline.flipPoint as { eta: number }).eta).toBeCloseTo(rankOne, 10);
  });

  test('period-2 subspace, cascade, Lyapunov and Fig. 1a placement: ✓ as measured, ✗ on a false case each', () => {
    const truth = at(rankOne);
    for (const id of ['period-2-subspace', 'cascade', 'lyapunov', 'fig1a-critical'])
      expect({ id, pass: pass(truth, id) }).toEqual({ id, pass: true });
    const misaligned = at(rankOne, (run, made) => (eta(run) === 0.108 ? withFinal(made, { orbitAlignment: 0.999 }) : made));
    expect(pass(misaligned, 'period-2-subspace')).toBe(false);
    // Chaos before period 8: no period-8 orbit, the cascade is not seen.
    const noEight = at(rankOne, (run, made) =>
      eta(run) === 0.134 || eta(run) === 0.136 ? worldAt(rankOne)({ ...run, values: { 'train.learningRate': 0.14 } }) : made,
    );
    expect(pass(noEight, 'cascade')).toBe(false);
    const growing = at(rankOne, (run, made) => (eta(run) === 0.12 ? withFinal(made, { lyapunov: 0.05 }) : made));
    expect(pass(growing, 'lyapunov')).toBe(false);
    const periodicAtSMin = at(rankOne, (run, made) =>
      eta(run) === 0.17 ? worldAt(rankOne)({ ...run, values: { 'train.learningRate': 0.12 } }) : made,
    );
    expect(pass(periodicAtSMin, 'fig1a-critical')).toBe(false);
  });
});
