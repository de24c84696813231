/**
 * Marion & Chizat (2024), Figures 1c,d (Gaussian init) and 3c,d (residual init): one gradient
 * descent run per learning rate, distance and sharpness every 5 steps. At eta = 0.02 the
 * sharpness rises (progressive sharpening) and settles below 2/eta; at eta = 0.1 it reaches
 * 2/eta and oscillates there (edge of stability) while the distance falls non-monotonically.
 * The Gaussian figures run at the paper's scale 0.3 and at its code's 0.35. What the two figures
 * share: the config (tracesConfig) and the findings read from the traces.
 */
import { isDiverged } from '../../report/dataset';
import { fmt, type Finding, type FindingsContext, type FindingsResult } from '../../report/findings';
import { numbers } from '../common';
import type { PresetConfig } from '../types';
import { PAPER_LIKE_DATA_NOTE, PAPER_LIKE_DATA_SEED } from './common';

interface TraceSummary {
  eta: number;
  scale: number;
  maxSharpness: number | null;
  lateBand: number | null;
  lateMean: number | null;
  distanceRises: number;
  finalDistance: number | null;
}

/** Findings from the runs' traces (rep 0 of each learning rate and scale). */
export function edgeOfStabilityFindings(kind: string) {
  return (ctx: FindingsContext): FindingsResult => {
    const summaries = summarize(ctx);
    const out: Finding[] = [];
    for (const s of summaries) {
      const two = 2 / s.eta;
      if (s.eta <= 0.05) {
        out.push({
          id: `no-eos-${s.eta}-${s.scale}`,
          claim: `${kind} scale ${s.scale}, eta = ${s.eta}: no edge of stability, the sharpness stays below 2/eta`,
          observed: `max sharpness ${fmt(s.maxSharpness)}; final distance ${fmt(s.finalDistance, 2)}`,
          expected: `< 2/eta = ${fmt(two)}`,
          pass: s.maxSharpness !== null && s.maxSharpness < two,
        });
      } else {
        out.push({
          id: `eos-${s.eta}-${s.scale}`,
          claim: `${kind} scale ${s.scale}, eta = ${s.eta}: edge of stability, the sharpness reaches 2/eta and hovers there`,
          observed: `max sharpness ${fmt(s.maxSharpness)}; mean over the last third of the run ${fmt(s.lateMean)} (samples within ${fmt(
            s.lateBand,
            2,
          )} relative of 2/eta); the distance rose ${s.distanceRises} times`,
          expected: `late mean within 10% of 2/eta = ${fmt(two)}`,
          pass: s.lateMean !== null && Math.abs(s.lateMean - two) <= 0.1 * two,
        });
      }
    }
    return { headline: { traces: summaries }, findings: out };
  };
}

function summarize(ctx: FindingsContext): TraceSummary[] {
  const { ds, loadTrace } = ctx;
  const out: TraceSummary[] = [];
  for (const eta of numbers(ds, 'train.learningRate')) {
    for (const scale of numbers(ds, 'init.scale')) {
      const run = ds.runs.find((r) => r.record.values['train.learningRate'] === eta && r.record.values['init.scale'] === scale && r.record.rep === 0);
      if (!run || isDiverged(run)) continue;
      const t = loadTrace(run.record.id);
      if (!t) continue;
      const sharp = t.columns.sharpness.values.filter((v): v is number => v !== null);
      const dist = t.columns.distance.values.filter((v): v is number => v !== null);
      const late = sharp.slice(Math.floor((2 * sharp.length) / 3));
      const two = 2 / eta;
      let rises = 0;
      for (let i = 1; i < dist.length; i++) if (dist[i] > dist[i - 1] * (1 + 1e-9)) rises++;
      out.push({
        eta,
        scale,
        maxSharpness: sharp.length ? Math.max(...sharp) : null,
        lateBand: late.length ? Math.max(...late.map((v) => Math.abs(v - two) / two)) : null,
        lateMean: late.length ? late.reduce((a, b) => a + b, 0) / late.length : null,
        distanceRises: rises,
        finalDistance: dist.length ? dist[dist.length - 1] : null,
      });
    }
  }
  return out;
}

/** The config of one figure's traces: GD at eta 0.02 and 0.1 from each scale, sharpness every 5 steps. */
export function tracesConfig(name: string, description: string, init: PresetConfig['init'], model: PresetConfig['model'], scales: number[], steps: number, bounds: string[]): PresetConfig {
  const rules = ['2/eta', ...bounds].map((r, i) => (i === 0 ? { y: r, label: '2/eta', panel: 1 } : { y: r, label: r === 'sMinRefinedLower' ? '2La (code)' : r === 'codeUpper' ? '8LΛ (code)' : r, panel: 1 }));
  const figure = (eta: number, id: string, title: string) => ({
    kind: 'trace' as const,
    id,
    title,
    x: 'step' as const,
    y: ['distance', 'sharpness'],
    yLabels: ['Squared distance to optimal regressor', 'Sharpness'],
    series: 'init.scale',
    filter: { 'train.learningRate': eta },
    yScale: 'log' as const,
    yDomain: [0.1, 30000] as [number, number],
    rules,
  });
  return {
    name,
    description: `${description} ${PAPER_LIKE_DATA_NOTE}`,
    seed: 0,
    data: { kind: 'marion-chizat', n: 50, d: 5, noise: 1, seed: PAPER_LIKE_DATA_SEED },
    model,
    init,
    train: {
      method: 'gd',
      learningRate: 0.02,
      steps,
      recordEvery: 5,
      record: ['loss', 'distance', 'sharpness', 'sharpnessPower'],
      sharpness: { method: 'lanczos', tol: 1e-8, warmStart: true },
    },
    sweep: [{ 'train.learningRate': [0.02, 0.1] }, { 'init.scale': scales }],
    output: { traces: true },
    report: {
      figures: [
        figure(0.02, 'eta-0.02', `eta = 0.02: no edge of stability (${name.includes('fig3') ? 'Fig. 3c' : 'Fig. 1c'})`),
        figure(0.1, 'eta-0.1', `eta = 0.1: edge of stability (${name.includes('fig3') ? 'Fig. 3d' : 'Fig. 1d'})`),
      ],
    },
    quick: {},
  };
}
