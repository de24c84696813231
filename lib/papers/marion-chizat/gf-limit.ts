/**
 * The gradient-flow limit the paper proves but never plots (Marion & Chizat 2024, Section 4-5):
 * gradient flow (adaptive RK45, to within 1e-10 of the minimum) from small-scale initializations
 * down to scales where Assumption A3 holds (32 L sqrt(eps) <= 1), and from residual
 * initializations. The final sharpness against S_min, the bound 4 Lambda/lambda of Corollary 3
 * and the rank-one prediction S_r1 (docs/theory.md §2.4); Lemma 2's three inequalities along the flow.
 * The small-scale runs zero one layer and draw the others Gaussian, so Assumption A2 holds
 * exactly (R(W(0)) = R_0, as the paper suggests).
 */
import { isDiverged, valueOf, type RunView } from '../../report/dataset';
import { fmt, type Finding, type FindingsContext, type FindingsResult } from '../../report/findings';
import type { TraceFile } from '../../experiments/execute';
import { at, numbers } from '../common';
import type { Preset } from '../types';
import { PAPER_LIKE_DATA_NOTE, PAPER_LIKE_DATA_SEED } from './common';

const SMALL = [0.3, 0.1, 0.03, 0.01, 0.003, 0.001, 3e-4, 1e-4, 3e-5];
const RESIDUAL = [0, 0.25, 0.5, 1];
const L = 10;

/** Worst violation of Lemma 2 along a trace: how far each inequality is from holding (<= 0 holds). */
function lemma2Violations(trace: TraceFile, eps: number): { gap: number; spread: number; alignment: number } {
  const col = (n: string) => trace.columns[n];
  const rows = col('step').values.length;
  const gapC = col('rankOneGap');
  const spreadC = col('singularSpread');
  const alignC = col('alignment');
  const normsC = col('layerNorms');
  let gap = -Infinity;
  let spread = -Infinity;
  let alignment = -Infinity;
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < gapC.width; k++) gap = Math.max(gap, (gapC.values[i * gapC.width + k] ?? NaN) - eps);
    spread = Math.max(spread, (spreadC.values[i] ?? NaN) - eps);
    for (let k = 0; k < alignC.width; k++) {
      const a = alignC.values[i * alignC.width + k] ?? NaN;
      const sigmaNext = normsC.values[i * normsC.width + k + 1] ?? NaN;
      alignment = Math.max(alignment, 1 - eps / (sigmaNext * sigmaNext) - a);
    }
  }
  return { gap, spread, alignment };
}

function findings({ ds, theory, loadTrace }: FindingsContext): FindingsResult {
  const out: Finding[] = [];
  const t = theory!;
  const small = at(ds, {}).filter((r) => r.record.values['init.kind'] === 'zero-layer');
  const residual = at(ds, {}).filter((r) => r.record.values['init.kind'] === 'residual');
  const converged = ds.runs.filter((r) => r.record.status === 'converged');
  const nfev = ds.runs.map((r) => r.record.flow?.nfev ?? 0).sort((a, b) => a - b);
  const times = ds.runs.map((r) => r.record.flow?.t ?? 0);
  out.push({
    id: 'converged',
    claim: 'gradient flow reaches the minimum (excess loss < 1e-10) from every initialization',
    observed: `${converged.length}/${ds.runs.length} runs; time reached up to ${fmt(Math.max(...times), 3)}; nfev median ${nfev[nfev.length >> 1]}, max ${nfev[nfev.length - 1]}`,
    expected: 'all runs',
    pass: converged.length === ds.runs.length,
  });
  const ratio = (r: RunView) => valueOf(r, 'final', 'sharpness/sMin');
  const scales = numbers(ds, 'init.scale', small).sort((a, b) => b - a);
  const perScale = scales.map((s) => {
    const runs = small.filter((r) => r.record.values['init.scale'] === s && !isDiverged(r));
    const ratios = runs.map(ratio).filter((v): v is number => v !== null);
    const eps = runs.map((r) => valueOf(r, 'initial', 'lemma2Epsilon')).filter((v): v is number => v !== null);
    const rankOne = runs.map((r) => valueOf(r, 'final', 'sharpness/sRankOne')).filter((v): v is number => v !== null);
    const maxEps = eps.length ? Math.max(...eps) : NaN;
    return {
      scale: s,
      minRatio: Math.min(...ratios),
      maxRatio: Math.max(...ratios),
      maxEps,
      a3: 32 * L * Math.sqrt(maxEps) <= 1,
      worstRankOne: rankOne.length ? Math.max(...rankOne.map((v) => Math.abs(v - 1))) : NaN,
    };
  });
  const upper = t.smallInitUpper! / t.sMin;
  out.push({
    id: 'corollary-3',
    claim: 'small-scale init: 1 <= S/S_min <= 4 Lambda/lambda (Corollary 3)',
    observed: perScale.map((p) => `${p.scale}: [${fmt(p.minRatio, 5)}, ${fmt(p.maxRatio, 5)}]`).join('; '),
    expected: `[1, ${fmt(upper)}]`,
    pass: perScale.every((p) => p.minRatio >= 1 - 1e-9 && p.maxRatio <= upper),
  });
  const a3 = perScale.filter((p) => p.a3).map((p) => p.scale);
  out.push({
    id: 'assumption-a3',
    claim: 'the sweep reaches scales where Assumption A3 holds (32 L sqrt(eps) <= 1)',
    observed: a3.length ? `A3 holds at scales ${a3.join(', ')} (eps = ${fmt(perScale.find((p) => p.a3)!.maxEps, 2)} and below)` : 'at no scale',
    expected: `eps <= (1/(32L))^2 = ${fmt(1 / (32 * L) ** 2, 3)}`,
    pass: a3.length > 0,
  });
  const smallest = perScale[perScale.length - 1];
  out.push({
    id: 'rank-one-limit',
    claim: 'as the scale vanishes the final sharpness tends to S_r1, the sharpness of rank-one balanced aligned minimizers',
    observed: perScale.map((p) => `${p.scale}: |S/S_r1 - 1| <= ${fmt(p.worstRankOne, 2)}`).join('; '),
    expected: `S_r1 = ${fmt(t.sRankOne, 6)}; |S/S_r1 - 1| < 1e-6 at the smallest scale`,
    pass: smallest !== undefined && smallest.worstRankOne < 1e-6,
  });
  // Lemma 2 along the flow, from the traces.
  let worst = { gap: -Infinity, spread: -Infinity, alignment: -Infinity };
  let checked = 0;
  for (const r of small) {
    const trace = loadTrace(r.record.id);
    const eps = valueOf(r, 'initial', 'lemma2Epsilon');
    if (!trace || eps === null) continue;
    const v = lemma2Violations(trace, eps);
    worst = { gap: Math.max(worst.gap, v.gap), spread: Math.max(worst.spread, v.spread), alignment: Math.max(worst.alignment, v.alignment) };
    checked++;
  }
  const slack = 1e-8;
  out.push({
    id: 'lemma-2',
    claim: "Lemma 2 along the flow: ||W_k||_F^2 - ||W_k||_2^2 <= eps, |sigma_k^2 - sigma_j^2| <= eps, <v_{k+1}, u_k>^2 >= 1 - eps / sigma_{k+1}^2",
    observed: `${checked} trajectories; worst margins (value - bound, <= 0 holds): rank-one gap ${fmt(worst.gap, 3)}, spread ${fmt(worst.spread, 3)}, alignment ${fmt(worst.alignment, 3)}`,
    expected: `all <= ${slack} (the integrator's error)`,
    pass: checked > 0 && worst.gap <= slack && worst.spread <= slack && worst.alignment <= slack,
  });
  const residualRatios = numbers(ds, 'init.scale', residual).map((s) => {
    const rs = residual.filter((r) => r.record.values['init.scale'] === s).map(ratio).filter((v): v is number => v !== null);
    return `s = ${s}: ${fmt(Math.min(...rs), 4)}-${fmt(Math.max(...rs), 4)}`;
  });
  out.push({
    id: 'residual',
    claim: 'residual init: the flow converges to a minimizer of sharpness a bounded multiple of S_min (Theorem 4 gives C Lambda/lambda, C unspecified)',
    observed: `S/S_min ${residualRatios.join('; ')}`,
    expected: `>= 1; Lambda/lambda = ${fmt(t.Lambda / t.lambda)}`,
    pass: residual.every((r) => (ratio(r) ?? 0) >= 1 - 1e-9),
  });
  const drift = Math.max(...ds.runs.map((r) => r.record.flow?.balancednessDrift ?? 0));
  out.push({
    id: 'lemma-1',
    claim: 'Lemma 1: the balancedness W_{k+1}^T W_{k+1} - W_k W_k^T is conserved by the flow',
    observed: `max drift over all runs ${fmt(drift, 2)}`,
    expected: 'about rtol times ||W||^2 (the integrator error)',
    pass: null,
  });
  return {
    headline: {
      sMin: t.sMin,
      sRankOne: t.sRankOne,
      smallInitUpper: t.smallInitUpper,
      perScale,
      nfevMedian: nfev[nfev.length >> 1],
      nfevMax: nfev[nfev.length - 1],
      maxTime: Math.max(...times),
    },
    findings: out,
  };
}

export const marionChizatGfLimit: Preset = {
  name: 'marion-chizat-gf-limit',
  summary: 'The gradient-flow limit (RK45): final sharpness / S_min from small-scale (down to Assumption A3) and residual inits vs 1, 4Λ/λ and S_r1; Lemma 2 over time',
  config: {
    name: 'marion-chizat-gf-limit',
    description:
      'What Marion & Chizat prove but never plot: gradient flow (adaptive RK45, rtol 1e-8) to within 1e-10 of the minimum, from small-scale initializations ' +
      '(one layer zero, the others N(0, scale^2), so A2 holds) down to scales where Assumption A3 holds, and from residual initializations. ' +
      `Final sharpness against S_min, Corollary 3's 4 Lambda/lambda and the rank-one prediction S_r1; Lemma 2's inequalities along each flow. ${PAPER_LIKE_DATA_NOTE}`,
    seed: 0,
    data: { kind: 'marion-chizat', n: 50, d: 5, noise: 1, seed: PAPER_LIKE_DATA_SEED },
    model: { depth: L },
    init: { kind: 'zero-layer', scale: 0.01, zeroLayer: 0 },
    train: {
      method: 'flow',
      tEnd: 'inf',
      rtol: 1e-8,
      atol: 1e-11,
      maxSteps: 200000,
      events: [{ excessLossBelow: 1e-10 }],
      recordEvery: 10,
      record: ['excessLoss', 'sharpness', 'lemma2Epsilon', 'rankOneGap', 'singularSpread', 'alignment', 'layerNorms', 'balancednessDrift'],
      sharpness: { method: 'lanczos', tol: 1e-10 },
    },
    repetitions: 5,
    sweep: [
      {
        'init.kind': [...SMALL.map(() => 'zero-layer'), ...RESIDUAL.map(() => 'residual')],
        'init.scale': [...SMALL, ...RESIDUAL],
        'model.projection': [...SMALL.map(() => 'none'), ...RESIDUAL.map(() => 'random-unit')],
      },
    ],
    output: { traces: true },
    report: {
      title: 'The gradient-flow limit of Marion & Chizat (2024)',
      figures: [
        {
          kind: 'sweep',
          id: 'sharpness-ratio-small-scale',
          title: 'Small-scale init: final sharpness / S_min against the scale (gradient flow)',
          x: 'init.scale',
          xScale: 'log',
          y: 'sharpness/sMin',
          yLabel: 'S / S_min',
          yScale: 'log',
          filter: { 'init.kind': 'zero-layer' },
          rules: [{ y: '1', label: 'S_min (Thm 1)' }, { y: 'sRankOne/sMin', label: 'S_r1 (rank-one limit)' }, { y: 'smallInitUpper/sMin', label: '4Λ/λ (Cor. 3)' }],
        },
        {
          kind: 'sweep',
          id: 'assumption-a3',
          title: "Assumption A3 needs 32 L sqrt(eps) <= 1 (eps from Lemma 2, at initialization)",
          x: 'init.scale',
          xScale: 'log',
          y: '32*L*lemma2Epsilon^0.5',
          yLabel: '32 L sqrt(eps)',
          at: 'initial',
          yScale: 'log',
          filter: { 'init.kind': 'zero-layer' },
          rules: [{ y: '1', label: 'A3 boundary' }],
        },
        {
          kind: 'sweep',
          id: 'sharpness-ratio-residual',
          title: 'Residual init: final sharpness / S_min against s (gradient flow)',
          x: 'init.scale',
          xLabel: 'Scale of initialization s',
          y: 'sharpness/sMin',
          yLabel: 'S / S_min',
          filter: { 'init.kind': 'residual' },
          rules: [{ y: '1', label: 'S_min (Thm 1)' }, { y: 'smallInitUpper/sMin', label: '4Λ/λ' }],
        },
        {
          kind: 'trace',
          id: 'lemma-2-over-time',
          title: 'Along the flow (small-scale init), against accepted RK45 steps: excess loss, sharpness, rank-one gaps and alignments per layer',
          x: 'step',
          xLabel: 'Accepted RK45 steps',
          y: ['excessLoss', 'sharpness', 'rankOneGap', 'alignment'],
          yLabels: ['Excess loss', 'Sharpness', '||W_k||_F^2 - ||W_k||_2^2', '<v_{k+1}, u_k>^2'],
          yScale: ['log', 'log', 'log', 'linear'],
          series: 'init.scale',
          filter: { 'init.kind': 'zero-layer', 'init.scale': [0.1, 0.01, 0.001, 1e-4] },
        },
      ],
    },
    quick: {
      repetitions: 2,
      sweep: [
        {
          'init.kind': ['zero-layer', 'zero-layer', 'zero-layer', 'residual', 'residual'],
          'init.scale': [0.1, 0.001, 1e-4, 0, 0.5],
          'model.projection': ['none', 'none', 'none', 'random-unit', 'random-unit'],
        },
      ],
    },
  },
  findings,
};
