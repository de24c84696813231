/**
 * Jacot et al., Algorithm A (greedy rank-incremental): its sequence of saddles (loss, rank), one
 * more rank per stage, against the plateaus small-initialization gradient descent passes. The
 * checks are pure functions (test/jacot-findings.test.ts feeds each a case where it is false).
 */
import { fmt, type Finding, type FindingsContext, type FindingsResult } from '../../report/findings';
import type { Preset } from '../types';
import { plateausOf, RANK_TOLERANCE, saddlesMatchFinding, TEACHER, TEACHER_NOTE } from './common';

/** The stages end at ranks 1, 2, 3: one more mode of the teacher at each. */
export function increasingRankFinding(stages: { width: number; rank: number; loss: number }[]): Finding {
  return {
    id: 'increasing-rank',
    claim: 'Algorithm A visits saddles of increasing rank, one more at each stage',
    observed: stages.map((s) => `stage ${s.width}: rank ${s.rank}, loss ${fmt(s.loss, 5)}`).join('; ') || 'no stages',
    expected: 'rank k after stage k while the teacher’s modes are added (k = 1, 2, 3)',
    pass: stages.length >= 3 && [1, 2, 3].every((k, i) => stages[i].rank === k),
  };
}

/** The algorithm stopped because the loss came within its tolerance of the minimum (not at the largest width). */
export function greedyConvergedFinding(status: string, stages: number, finalLoss: number | null): Finding {
  return {
    id: 'greedy-converged',
    claim: 'Algorithm A reaches the minimum within its tolerance',
    observed: `${status} after ${stages} stages; final loss ${fmt(finalLoss, 3)}`,
    expected: 'converged',
    pass: status === 'converged',
  };
}

function greedyFindings({ ds, loadTrace }: FindingsContext): FindingsResult {
  const out: Finding[] = [];
  const greedy = ds.runs.find((r) => r.record.values['train.method'] === 'greedy');
  const gd = ds.runs.find((r) => r.record.values['train.method'] === 'gd');
  if (!greedy || !gd) return { headline: {}, findings: out };
  const stages = greedy.record.stages ?? [];
  const trace = loadTrace(gd.record.id);
  const plateaus = trace ? plateausOf(trace).filter((p) => !p.final && (p.rank ?? 0) > 0) : [];
  out.push(increasingRankFinding(stages));
  out.push(saddlesMatchFinding(plateaus, stages.slice(0, 3), 5e-3));
  out.push(greedyConvergedFinding(greedy.record.status, stages.length, greedy.record.final.loss as number | null));
  return { headline: { stages, plateaus }, findings: out };
}

export const jacotGreedy: Preset = {
  name: 'jacot-greedy',
  summary:
    'Jacot et al. Algorithm A (greedy rank-incremental): its sequence of saddles (loss, rank) against the plateaus of small-init gradient descent',
  config: {
    name: 'jacot-greedy',
    description:
      'Jacot et al., Algorithm A(epsilon, T, eta): a width-1 network started along the top singular pair of -grad C, trained T steps, widened by one unit ' +
      'along the new top pair, until the loss is within epsilon of its minimum (with the two corrections of docs/algorithms.md §5.2: -grad C, and W_L grows as ' +
      `[W~_L, eps u]). L = 4, epsilon = 0.2, T = 10,000, eta = 1e-3; beside it gradient descent from std 0.01 (w = 100). ${TEACHER_NOTE}`,
    seed: 0,
    data: TEACHER,
    model: { depth: 4, width: 100 },
    init: { kind: 'gaussian', scale: 0.01 },
    train: {
      method: 'greedy',
      learningRate: 1e-3,
      steps: 10000,
      epsilon: 0.2,
      recordPerDecade: 40,
      recordEvery: 1000,
      record: ['loss', 'testLoss', 'rank'],
      rankTolerance: RANK_TOLERANCE,
    },
    sweep: [{ 'train.method': ['greedy', 'gd'], 'train.steps': [10000, 60000] }],
    output: { traces: true },
    report: {
      title: 'Jacot et al., Algorithm A against small-init gradient descent',
      figures: [
        {
          kind: 'trace',
          id: 'greedy-vs-gd',
          title: 'Loss and rank: Algorithm A (stages of T steps, one after another) and gradient descent',
          x: 'step',
          xLabel: 'Iterations',
          y: ['loss', 'rank'],
          yScale: ['log', 'linear'],
          yLabels: ['Train loss', 'Rank of A'],
          series: 'train.method',
        },
      ],
    },
    quick: { model: { depth: 4, width: 30 }, init: { scale: 0.0333 } },
  },
  findings: greedyFindings,
};
