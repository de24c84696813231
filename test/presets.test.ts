/**
 * Every preset runs in its --quick form and its report checks the paper's findings (none may
 * fail; each finding's false case is a unit test: test/mc-findings.test.ts for Marion-Chizat).
 * Asserted here, on the quick runs on the authors' data: eta <= 0.07 reaches w* at every scale,
 * 0.1 still oscillates, 0.2 fails; the critical rate bracketed just below 1/(aL); it shrinks like
 * 1/L; the edge of stability at eta = 0.1; gradient flow from vanishing init reaches S_r1 with
 * Lemma 2 holding; residual flows whose S/S_min does not depend on width or depth.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runExperiment } from '../lib/pipeline';
import { presets } from '../lib/papers';
import type { ReportSummary } from '../lib/report';

const root = mkdtempSync(path.join(tmpdir(), 'dlnflow-presets-'));
const summaries = new Map<string, ReportSummary>();

async function quick(name: string): Promise<ReportSummary> {
  const cached = summaries.get(name);
  if (cached) return cached;
  const outcome = await runExperiment(name, { out: path.join(root, name), quick: true });
  expect(outcome.missing).toBe(0);
  summaries.set(name, outcome.summary!);
  return outcome.summary!;
}

function finding(s: ReportSummary, id: string) {
  const f = s.findings.find((x) => x.id === id);
  if (!f) throw new Error(`${s.name} has no finding "${id}" (has ${s.findings.map((x) => x.id).join(', ')})`);
  return f;
}

/**
 * Findings measured to fail on the authors' data, reported as ✗ (the claim is the issue's target,
 * not restated to pass): exactly these may fail, so a new failure, or one of these passing, shows.
 */
const MEASURED_FAILING: Record<string, string[]> = {
  // Predicted loss vs GD's two-step average: 2.8%-6.0% mean relative error over the edge window in
  // the 6 initializations (2 above the 5% target, among them the first: 5.7%); 1.6%-2.5% over the
  // windows' second halves.
  'marion-chizat-eos-central-flow': ['central-flow-predicted-loss'],
  // Adam at eta = 0.01: the preconditioned sharpness reaches 38/eta and keeps rising (4-4.4x the edge by
  // step 8,000, ~10^4 x by step 20,000) while the run sits at the minimum: v_hat decays, P -> eps.
  'marion-chizat-optimizer-adam-edge': ['adaptive-edge-eta-0.01'],
  // SGD at eta = 0.1 on the authors' (noisy) regression: batch 5 falls into the saddle at the origin; at
  // batch 10 and 25 the batch sharpness sits at 0.5-0.8 x 2/eta, and lambda_max straddles 2/eta.
  // Adam at eta = 0.01: runs that reach w* end with lambda_max(P^-1 H) up to 2-4x 38/eta (v_hat decays, P -> eps);
  // SAM ends on its 2-cycle with lambda_max up to 1.7x its gradient-dependent edge at the final step.
  'marion-chizat-optimizer-flatness': ['below-edge-adam', 'below-edge-sam'],
  'marion-chizat-optimizer-sgd-edge': [
    'batch-sharpness-at-edge-b5',
    'batch-sharpness-at-edge-b10',
    'sharpness-below-edge-b10',
    'batch-sharpness-at-edge-b25',
    'sharpness-below-edge-b25',
  ],
  // The issue's claim that the first period doubling lies above the slides' 1/(aL): the period-2
  // amplitude vanishes at eta_c = 0.1032, 2.1% below 1/(aL) = 0.1054 (at 2/S_r1 = 0.10313).
  'marion-chizat-bifurcation': ['first-doubling-above-1/(aL)'],
  // jacot-muon: every finding holds in --quick (w = 20); at full size muon-balanced (5.2% > 5%) and
  // same-steps (GD on its rank-2 plateau at step 3,000) fail: docs/reproduction.md §18.
};

test.each(presets.map((p) => p.name))(
  '%s runs in --quick form, with a report whose checked findings hold',
  async (name) => {
    const s = await quick(name);
    expect(s.runs).toBeGreaterThan(0);
    expect(s.quick).toBe(true);
    expect(s.figures.length).toBeGreaterThan(0);
    const failed = s.findings.filter((f) => f.pass === false);
    expect(failed.map((f) => f.id)).toEqual(MEASURED_FAILING[name] ?? []);
    // The preset's own sweep: every finding applies.
    expect(s.findings.filter((f) => f.status === 'not-applicable')).toEqual([]);
    const html = readFileSync(path.join(root, name, 'report.html'), 'utf8');
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(s.figures.length);
  },
  300_000,
); // the largest quick preset takes ~60 s alone; a shared 2-core machine can triple it

describe("Marion & Chizat, Figure 1 (quick, the authors' data)", () => {
  test("eta <= 0.07 reaches w* at every scale, 0.1 is still oscillating, 0.2 fails; the paper's grid brackets both predictions", async () => {
    const s = await quick('marion-chizat-fig1');
    for (const id of ['critical-learning-rate', 'eta-0.005', 'eta-0.02', 'eta-0.07', 'eta-0.1', 'eta-0.2']) expect(finding(s, id).pass).toBe(true);
    const h = s.headline as {
      largestConvergingLearningRate: number;
      smallestFailingLearningRate: number;
      theory: { criticalLearningRateRefined: number; lambda: number };
    };
    expect(h.largestConvergingLearningRate).toBe(0.07);
    expect(h.smallestFailingLearningRate).toBe(0.2);
    expect(h.theory.lambda).toBeCloseTo(0.5975, 4); // the authors' data
    expect(h.theory.criticalLearningRateRefined).toBeCloseTo(0.1054, 4);
  });

  test('small-scale final sharpness independent of eta and below every 2/eta; no 2/eta plateau at eta = 0.005, 0.02 in the quick scales', async () => {
    const s = await quick('marion-chizat-fig1');
    for (const id of ['small-scale-sharpness', 'no-plateau-small-eta', 'initial-beyond-2-over-eta', 'divergence'])
      expect(finding(s, id).pass).toBe(true);
    expect(s.notes.join(' ')).toMatch(/May 2024 code/);
  });
});

test('the critical learning rate (quick): bracketed to 2% at [0.102, 0.104], just below 1/(aL)', async () => {
  const s = await quick('marion-chizat-critical-lr');
  const h = s.headline as { bracket: { lo: number; hi: number }; oneOverAL: number };
  expect(h.bracket).toEqual({ lo: 0.102, hi: 0.10404 });
  expect(h.oneOverAL).toBeGreaterThan(h.bracket.hi);
});

test('learning rate vs depth (quick): the critical rate shrinks like 1/L and is not 2/S_min', async () => {
  const s = await quick('marion-chizat-depth');
  const slope = (s.headline as { slope: number }).slope;
  expect(Math.abs(slope + 1)).toBeLessThan(0.25);
  const rows = (s.headline as { criticalLearningRates: { L: number; critical: number; predicted: number }[] }).criticalLearningRates;
  for (const r of rows) expect(r.critical).toBeLessThanOrEqual(r.predicted);
  expect(finding(s, 'not-two-over-s-min').pass).toBe(true);
});

test('edge of stability traces (quick): eta = 0.1 oscillates around 2/eta in every run, eta = 0.02 stays below', async () => {
  const s = await quick('marion-chizat-fig1-traces');
  expect(finding(s, 'eos-0.1-0.3').pass).toBe(true);
  expect(finding(s, 'no-eos-0.02-0.3').pass).toBe(true);
});

test('gradient-flow limit (quick): S -> S_r1, A3 reached, Lemma 2 along the flow', async () => {
  const s = await quick('marion-chizat-gf-limit');
  for (const id of ['converged', 'assumption-a3', 'rank-one-limit', 'lemma-2']) expect(finding(s, id).pass).toBe(true);
  expect(finding(s, 'corollary-3').pass).toBeNull();
});

test('Section 5 (quick): residual flows converge; S/S_min and theta do not depend on width or depth', async () => {
  const s = await quick('marion-chizat-residual');
  for (const id of ['converged', 'ratio-independent', 'theta-bounded', 'lemma-3']) expect(finding(s, id).pass).toBe(true);
});

describe('Jacot et al. (quick)', () => {
  test('Fig. 2: from small init the rank climbs 0 -> 1 -> 2 -> 3 through plateaus; not from the lazy init; gradient-norm peaks; sharper at L = 4', async () => {
    const s = await quick('jacot-fig2');
    for (const id of [
      'rank-climb-L2',
      'rank-climb-L4',
      'staircase-L4',
      'lazy-L2',
      'lazy-L4',
      'gradient-norm-L2',
      'gradient-norm-L4',
      'sharper-transitions',
      'gd-follows-flow-L4',
    ]) {
      expect(finding(s, id).pass).toBe(true);
    }
    const deep = (s.headline as { L4: { plateaus: { rank: number; loss: number }[] } }).L4.plateaus;
    expect(deep.slice(0, 4).map((p) => p.rank)).toEqual([0, 1, 2, 3]);
    // Each saddle lowers the loss by the next teacher mode: the plateaus' losses fall strictly.
    for (let i = 1; i < 4; i++) expect(deep[i].loss).toBeLessThan(deep[i - 1].loss / 3);
  });

  test('escape time: the law (Gaussian init), C.6’s constant (aligned init), the exact chain (whitened inputs), larger init shorter plateau', async () => {
    const s = await quick('jacot-escape');
    for (const id of ['escape-L2', 'escape-L3', 'escape-L4', 'constant-L2', 'constant-L3', 'constant-L4', 'chain-exact', 'larger-init-shorter']) {
      expect(finding(s, id).pass).toBe(true);
    }
    expect(s.figures.map((f) => f.id)).toEqual(expect.arrayContaining(['escape-gaussian', 'escape-aligned', 'escape-whitened']));
  });

  test('Fig. 3: the origin, then ranks 1, 2, 3 and the global minimum as the init grows; Proposition 5 against matrix space; minima, not saddles', async () => {
    const s = await quick('jacot-fig3');
    for (const id of ['low-rank-bias', 'proposition-5', 'minima-not-saddles', 'origin-minimum', 'balanced', 'best-rank', 'loss-surface'])
      expect(finding(s, id).pass).toBe(true);
    const ranks = (s.headline as { ranks: { std: number; rank: number }[] }).ranks;
    expect(ranks.map((r) => r.rank)).toEqual([0, 1, 2, 3, 7]);
    const surface = (s.headline as { surface: { rank1: number; rank2: number } }).surface;
    expect([surface.rank1, surface.rank2]).toEqual([1, 2]);
  });

  test('Fig. 1: the lazy run fits without completing; small inits complete the matrix through plateaus; Algorithm A’s paths; the middle and right panels', async () => {
    const s = await quick('jacot-fig1');
    expect(s.findings.every((f) => f.pass === true)).toBe(true);
    expect(s.findings.map((f) => f.id)).toEqual(expect.arrayContaining(['lazy', 'greedy-paths', 'saddles-match-plateaus']));
    expect(s.figures.map((f) => f.id)).toEqual(['completion-cost', 'paths', 'greedy-paths']);
  });

  test('Algorithm A: saddles of increasing rank, at the losses of the gradient-descent plateaus', async () => {
    const s = await quick('jacot-greedy');
    for (const id of ['increasing-rank', 'saddles-match-plateaus', 'greedy-converged']) expect(finding(s, id).pass).toBe(true);
  });
});

test('GD against its central flow (Fig. 1d setting): sharpness held at 2/eta, the plain flow elsewhere; the predicted loss within 2.8%-6.0%', async () => {
  const s = await quick('marion-chizat-eos-central-flow');
  expect(finding(s, 'central-flow-sharpness').pass).toBe(true);
  expect(finding(s, 'plain-flow-differs').pass).toBe(true);
  expect(finding(s, 'central-flow-predicted-loss').pass).toBe(false);
  const comparisons = (s.headline as { comparisons: Array<{ predictedError: number; predictedErrorLate: number; centralSharpness: number }> })
    .comparisons;
  expect(comparisons.length).toBe(2);
  for (const c of comparisons) {
    expect(c.predictedError).toBeLessThan(0.065);
    expect(c.predictedErrorLate).toBeLessThan(0.03);
    expect(c.centralSharpness).toBeLessThan(1e-5);
  }
});

test('Fig. 1b predicted (quick): the plateau at eta 0.07 from the init alone, the small scales equal to the gradient flow', async () => {
  const s = await quick('marion-chizat-fig1b-predicted');
  for (const id of ['plateau-predicted', 'small-scale-gradient-flow', 'agreement-every-point']) expect(finding(s, id).pass).toBe(true);
  type Point = {
    eta: number;
    scale: number;
    regimes: Record<string, number>;
    regime: string;
    gd: number;
    central: number;
    flow: number;
    agreement: number;
    centralVsFlow: number;
  };
  const points = (s.headline as { points: Point[] }).points;
  expect(points.length).toBe(4);
  const plateau = points.find((p) => p.eta === 0.07 && p.scale === 0.4)!;
  // One initialization below 2/eta reaches the edge, the other starts above it (32.5 > 28.6); both central flows end at 2/eta.
  expect(plateau.regimes).toEqual({ edge: 1, above: 1 });
  expect(Math.abs(plateau.central - 2 / 0.07) / (2 / 0.07)).toBeLessThan(1e-4);
  expect(plateau.flow).toBeGreaterThan(1.3 * plateau.central); // the gradient flow ends far sharper (measured 40.7)
  // Measured: GD within 0.6% of 2/eta at the plateau, within 2.8% of the gradient flow at the small scales.
  expect(plateau.agreement).toBeLessThan(0.01);
  for (const p of points.filter((q) => q.regime === 'gradient-flow')) expect(p.centralVsFlow).toBeLessThan(1e-12);
});

test('GD against its flow (quick): gfsSharpness monotone along GD, GD at its flow below the edge, the imbalance conserved by the flow and shrunk by GD', async () => {
  const s = await quick('marion-chizat-gd-vs-flow');
  for (const id of ['gfs-monotone', 'gd-tracks-flow', 'flow-conserves-imbalance', 'gd-shrinks-imbalance']) expect(finding(s, id).pass).toBe(true);
  type Run = { gfsMaxRise: number; gfsStart: number; gfsEnd: number; flow: { sharpness: number } };
  const etas = (s.headline as { etas: Array<{ eta: number; runs: Run[] }> }).etas;
  expect(etas.map((e) => e.eta)).toEqual([0.05, 0.1]);
  for (const e of etas) {
    for (const r of e.runs) {
      // Measured: rises of at most 1e-8 (the limit's precision); the first recording is the flow's own limit.
      expect(r.gfsMaxRise).toBeLessThan(1e-7);
      expect(Math.abs(r.gfsStart - r.flow.sharpness) / r.flow.sharpness).toBeLessThan(1e-5);
    }
  }
  // At eta = 0.1 (2/eta = 20 below the flow's limits 23.5, 26.6) GD's limit has come down towards 2/eta (measured 20.7, 21.3).
  for (const r of etas[1].runs) expect(r.gfsEnd).toBeLessThan(0.9 * r.gfsStart);
});
