/** `dlnflow inspect PROBLEM.json`: loss, gradient norm and theory quantities at one point. */
import type { Command } from 'commander';
import { initWeights, type InitKind } from '../api/init';
import { loadProblemFile } from '../config/problem-file';
import { formatNumber, table, toJson } from './output';
import { parseNumber, parseInteger } from './parse';

interface InspectOptions {
  json?: boolean;
  init: string;
  scale: number;
  seed: number;
}

export async function inspect(path: string, options: InspectOptions): Promise<Record<string, unknown>> {
  const { problem, weights: fileWeights } = await loadProblemFile(path);
  const point = fileWeights
    ? { source: 'file' as const }
    : { source: 'init' as const, kind: options.init, scale: options.scale, seed: options.seed };
  const weights =
    fileWeights ?? initWeights(problem.widths, { kind: options.init as InitKind, scale: options.scale, seed: options.seed });
  const e = problem.evaluate(weights);
  const report: Record<string, unknown> = {
    problem: {
      kind: problem.kind,
      widths: problem.widths,
      depth: problem.depth,
      paramCount: problem.paramCount,
      l2: problem.l2,
      lossMinimum: problem.lossMinimum,
    },
    point,
    loss: e.loss,
    dataLoss: e.dataLoss,
    penalty: e.penalty,
    gradNorm: e.gradNorm,
    testLoss: e.testLoss,
    excessLoss: e.excessLoss,
    distance: e.distance,
    theory: null,
  };
  if (problem.kind === 'regression') {
    const t = problem.theory();
    report.theory = { ...t, sigmaEigenvalues: Array.from(t.sigmaEigenvalues), wStar: Array.from(t.wStar) };
  }
  return report;
}

function human(r: Record<string, unknown>): string {
  const p = r.problem as { kind: string; widths: number[]; paramCount: number };
  const rows: Array<[string, string]> = [
    ['problem', `${p.kind}, widths [${p.widths.join(', ')}], ${p.paramCount} parameters`],
    ['loss', formatNumber(r.loss as number)],
    ['gradient norm', formatNumber(r.gradNorm as number)],
  ];
  if (r.testLoss !== null) rows.push(['test loss', formatNumber(r.testLoss as number)]);
  if (r.excessLoss !== null) rows.push(['excess loss', formatNumber(r.excessLoss as number)]);
  if (r.distance !== null) rows.push(['||w - w*||^2', formatNumber(r.distance as number)]);
  const t = r.theory as Record<string, number | null> | null;
  if (t) {
    rows.push(
      ['lambda, Lambda', `${formatNumber(t.lambda)}, ${formatNumber(t.Lambda)}`],
      ['a = u^T Sigma u', formatNumber(t.a)],
      ['||w*||', formatNumber(t.wStarNorm)],
      ['S_min (Thm 1)', formatNumber(t.sMin)],
      ['S_min bounds (slides)', `[${formatNumber(t.sMinRefinedLower)}, ${formatNumber(t.sMinRefinedUpper)}]`],
      ['S_r1 (rank-one limit)', formatNumber(t.sRankOne)],
      ['critical eta = 2/S_min', formatNumber(t.criticalLearningRate)],
    );
  }
  return table(rows);
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('loss, gradient norm and theory quantities of a problem file at its weights (or an initialization)')
    .argument('<problem>', 'problem file (JSON, see README "Problem files")')
    .option('--json', 'print one JSON object')
    .option('--init <kind>', 'initialization when the file has no weights: gaussian | zero-layer | residual | lazy', 'gaussian')
    .option('--scale <s>', 'initialization scale when the file has no weights', parseNumber, 0.1)
    .option('--seed <n>', 'initialization seed when the file has no weights', parseInteger, 0)
    .action(async (path: string, options: InspectOptions) => {
      const report = await inspect(path, options);
      process.stdout.write(`${options.json ? toJson(report) : human(report)}\n`);
    });
}
