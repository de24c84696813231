/**
 * The jacot-muon preset's findings can fail: each check is fed a synthetic trace (or numbers) of
 * the shape the preset measures (docs/reproduction.md §18) where its claim holds, asserting ✓, and
 * one where it is false, asserting ✗.
 */
import type { TraceFile } from '../lib/experiments/execute';
import {
  BALANCE_TOL,
  gdStaircaseFinding,
  muonBalancedFinding,
  muonNoStaircaseFinding,
  relativeImbalance,
  sameStepsFinding,
  stepPlateaus,
} from '../lib/papers/jacot/muon';

/** A log-step trace (40 records per decade from step 1, plus step 0): loss and rank as functions of the step. */
function trace(end: number, loss: (s: number) => number, rank: (s: number) => number): TraceFile {
  const steps = [0];
  for (let j = 0; Math.pow(10, j / 40) <= end; j++) {
    const s = Math.round(Math.pow(10, j / 40));
    if (s > steps[steps.length - 1]) steps.push(s);
  }
  const col = (f: (s: number) => number) => ({ width: 1, values: steps.map(f) });
  return { id: 'synthetic', columns: { step: col((s) => s), loss: col(loss), rank: col(rank) } };
}

/** GD-like: plateaus at the given (rank, loss) over [from, next from), a steep drop between. */
function staircase(levels: { from: number; loss: number; rank: number }[], end: number): TraceFile {
  const at = (s: number) => levels.filter((l) => l.from <= Math.max(s, 1)).pop()!;
  return trace(
    end,
    (s) => at(s).loss * (1 + 0.001 * Math.sin(s)),
    (s) => at(s).rank,
  );
}

const GD_LEVELS = [
  { from: 1, loss: 1338, rank: 0 },
  { from: 3000, loss: 423, rank: 1 },
  { from: 6000, loss: 68, rank: 2 },
  { from: 12000, loss: 1.86, rank: 3 },
  { from: 200000, loss: 1e-20, rank: 10 },
];

/** Muon-like: the loss flat while the weights grow, then a smooth fall (no flat stretch) to a floor at the end. */
const muonLike = (dip?: { from: number; to: number }) =>
  trace(
    3000,
    (s) => {
      if (dip && s >= dip.from && s <= dip.to) return 1338 * Math.exp(-Math.pow(dip.from / 600, 3));
      return s >= 2800 ? 1e-3 : 1338 * Math.exp(-Math.pow(s / 600, 3));
    },
    (s) => (s < 200 ? 0 : 10),
  );

describe('jacot-muon findings', () => {
  test('gd-staircase: plateaus at ranks 0, 1, 2 pass; a run that skips the rank-1 saddle fails', () => {
    const ok = gdStaircaseFinding(stepPlateaus(staircase(GD_LEVELS, 1.5e6)));
    expect(ok.pass).toBe(true);
    const skip = GD_LEVELS.filter((l) => l.rank !== 1);
    expect(gdStaircaseFinding(stepPlateaus(staircase(skip, 1.5e6))).pass).toBe(false);
    // The rank-1 plateau too short to count (a factor < 1.3 in steps): fails.
    const short = GD_LEVELS.map((l) => (l.rank === 2 ? { ...l, from: 3600 } : l));
    expect(gdStaircaseFinding(stepPlateaus(staircase(short, 1.5e6))).pass).toBe(false);
  });

  test('muon-no-staircase: a smooth fall passes; a flat stretch halfway down, too little rank or a final loss above GD fail', () => {
    const gdRankLevel = 1.86;
    const judge = (t: TraceFile, maxRank = 10, finalLoss = 1e-3) =>
      muonNoStaircaseFinding({ plateaus: stepPlateaus(t), maxRank, finalLoss, gdRankLevel }).pass;
    expect(judge(muonLike())).toBe(true);
    // A saddle halfway: the loss held for a factor 1.5 in steps (900 to 1350).
    expect(judge(muonLike({ from: 900, to: 1350 }))).toBe(false);
    expect(judge(muonLike(), 2)).toBe(false);
    expect(judge(muonLike(), 10, 5)).toBe(false);
    expect(muonNoStaircaseFinding({ plateaus: stepPlateaus(muonLike()), maxRank: 10, finalLoss: 1e-3, gdRankLevel: null }).pass).toBe(false);
  });

  test('muon-balanced: the relative imbalance against its tolerance', () => {
    // ||theta||^2 / L = 100 / 4 = 25: an imbalance of 1 is 0.04, of 2 is 0.08.
    expect(relativeImbalance(1, 10, 4)).toBeCloseTo(0.04, 15);
    expect(muonBalancedFinding(relativeImbalance(1, 10, 4), 0.003).pass).toBe(true);
    expect(muonBalancedFinding(relativeImbalance(2, 10, 4), 0.003).pass).toBe(false);
    expect(muonBalancedFinding(BALANCE_TOL, 0.003).pass).toBe(false);
    expect(muonBalancedFinding(NaN, 0.003).pass).toBe(false);
    expect(muonBalancedFinding(null, 0.003).pass).toBe(false);
  });

  test('same-steps: Muon fitted and GD on the origin saddle passes; either not so fails', () => {
    expect(sameStepsFinding(3000, 1338, 1e-3, 1337, 0).pass).toBe(true);
    expect(sameStepsFinding(3000, 1338, 20, 1337, 0).pass).toBe(false);
    expect(sameStepsFinding(3000, 1338, 1e-3, 423, 1).pass).toBe(false);
    expect(sameStepsFinding(3000, 1338, null, 1337, 0).pass).toBe(false);
  });
});
