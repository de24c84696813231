/**
 * Every preset runs in its --quick form and its report checks the paper's findings. Asserted
 * here, on the quick runs: eta <= 0.1 converges at every scale and eta = 0.2 does not; the final
 * sharpness from small scales lies in [S_min, 4 Lambda/lambda S_min]; the final sharpness stays
 * within 10% of 2/eta at large scales; the critical learning rate shrinks like 1/L; the edge of
 * stability at eta = 0.1; gradient flow from vanishing init reaches S_r1 with Lemma 2 holding.
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

test.each(presets.map((p) => p.name))('%s runs in --quick form, with a report whose checked findings hold', async (name) => {
  const s = await quick(name);
  expect(s.runs).toBeGreaterThan(0);
  expect(s.quick).toBe(true);
  expect(s.figures.length).toBeGreaterThan(0);
  const failed = s.findings.filter((f) => f.pass === false);
  expect(failed).toEqual([]);
  const html = readFileSync(path.join(root, name, 'report.html'), 'utf8');
  expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(s.figures.length);
});

describe('Marion & Chizat, Figure 1 (quick)', () => {
  test('eta <= 0.1 converges at every scale, eta = 0.2 does not; the critical rate lies between', async () => {
    const s = await quick('marion-chizat-fig1');
    for (const eta of [0.005, 0.02, 0.07, 0.1, 0.2]) expect(finding(s, `eta-${eta}`).pass).toBe(true);
    const h = s.headline as { largestConvergingLearningRate: number; smallestFailingLearningRate: number; theory: { criticalLearningRateRefined: number } };
    expect(h.largestConvergingLearningRate).toBe(0.1);
    expect(h.smallestFailingLearningRate).toBe(0.2);
    expect(h.theory.criticalLearningRateRefined).toBeGreaterThan(0.1);
    expect(h.theory.criticalLearningRateRefined).toBeLessThan(0.2);
  });

  test('small-scale final sharpness in [S_min, 4 Lambda/lambda S_min]; large-scale final sharpness at most 2/eta (+10%)', async () => {
    const s = await quick('marion-chizat-fig1');
    expect(finding(s, 'small-scale-sharpness').pass).toBe(true);
    expect(finding(s, 'edge-of-stability').pass).toBe(true);
    const per = (s.headline as { perLearningRate: { eta: number; finalSharpnessSmallestScale: number | null; maxFinalSharpness: number | null }[] })
      .perLearningRate;
    const t = s.theory!;
    for (const e of per.filter((x) => x.eta < 0.09)) {
      expect(e.finalSharpnessSmallestScale!).toBeGreaterThanOrEqual(t.sMin);
      expect(e.finalSharpnessSmallestScale!).toBeLessThanOrEqual(t.smallInitUpper!);
    }
    // eta = 0.07 and 0.1 reach the edge of stability from the larger scales: within 10% of 2/eta (measured 28.44 vs 28.57, 20.02 vs 20).
    for (const e of per.filter((x) => x.eta >= 0.07 && x.eta <= 0.1)) {
      expect(Math.abs(e.maxFinalSharpness! - 2 / e.eta)).toBeLessThanOrEqual(0.1 * (2 / e.eta));
    }
    // Smaller learning rates never get near 2/eta: the sharpness is set by the initialization there.
    for (const e of per.filter((x) => x.eta < 0.07)) expect(e.maxFinalSharpness!).toBeLessThan(2 / e.eta);
  });
});

test('learning rate vs depth (quick): the critical rate shrinks like 1/L', async () => {
  const s = await quick('marion-chizat-depth');
  const slope = (s.headline as { slope: number }).slope;
  expect(Math.abs(slope + 1)).toBeLessThan(0.25);
  const rows = (s.headline as { criticalLearningRates: { L: number; critical: number; predicted: number }[] }).criticalLearningRates;
  for (const r of rows) expect(r.critical).toBeLessThanOrEqual(r.predicted);
});

test('edge of stability traces (quick): eta = 0.1 hovers at 2/eta, eta = 0.02 stays below', async () => {
  const s = await quick('marion-chizat-fig1-traces');
  const traces = (s.headline as { traces: { eta: number; maxSharpness: number; lateMean: number }[] }).traces;
  for (const t of traces.filter((x) => x.eta === 0.02)) expect(t.maxSharpness).toBeLessThan(100);
  for (const t of traces.filter((x) => x.eta === 0.1)) expect(Math.abs(t.lateMean - 20)).toBeLessThan(2);
});

test('gradient-flow limit (quick): S/S_min within Corollary 3, S -> S_r1, Lemma 2 along the flow', async () => {
  const s = await quick('marion-chizat-gf-limit');
  for (const id of ['converged', 'corollary-3', 'assumption-a3', 'rank-one-limit', 'lemma-2']) expect(finding(s, id).pass).toBe(true);
});

describe('Jacot et al. (quick)', () => {
  test('Fig. 2: from small init the rank climbs 0 -> 1 -> 2 -> 3 through plateaus; not from the lazy init; gradient-norm peaks; sharper at L = 4', async () => {
    const s = await quick('jacot-fig2');
    for (const id of ['rank-climb-L2', 'rank-climb-L4', 'staircase-L4', 'lazy-L2', 'lazy-L4', 'gradient-norm-L2', 'gradient-norm-L4', 'sharper-transitions']) {
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
    for (const id of ['low-rank-bias', 'proposition-5', 'minima-not-saddles', 'origin-minimum', 'balanced', 'best-rank', 'loss-surface']) expect(finding(s, id).pass).toBe(true);
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
