/**
 * `dlnflow inspect PROBLEM.json`: at one point (the file's weights or an initialization), the loss
 * and gradient norm, the top of the Hessian spectrum (sharpness, top-k), the theory quantities of
 * the problem and the structure of the weights that the papers' lemmas are about.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { initWeights, type InitKind } from '../api/init';
import { measure, type Measurement } from '../api/measure';
import { sharpness, type SharpnessOptions, type SpectrumResult } from '../api/spectrum';
import type { Quantity } from '../api/train';
import { loadProblemFile } from '../config/problem-file';
import { initFields } from '../options/init';
import { runFields, sharpnessFields } from '../options/run';
import { flagDefault, flagHelp } from './flags';

const noWeights = { prefix: 'initialization when the file has no weights: ' };
import { formatNumber, table, toJson } from './output';
import { parseInteger, parseNumber, parsePositiveInteger } from './parse';

interface InspectOptions {
  json?: boolean;
  init: string;
  scale: number;
  seed: number;
  k: number;
  method: 'lanczos' | 'power' | 'dense';
  tol: number;
  rankTol: number;
}

function parseMethod(value: string): InspectOptions['method'] {
  if (value === 'lanczos' || value === 'power' || value === 'dense') return value;
  throw new InvalidArgumentError(`expected lanczos, power or dense, got "${value}"`);
}

function parsePositive(value: string): number {
  const v = parseNumber(value);
  if (!(v > 0)) throw new InvalidArgumentError(`expected a number > 0, got "${value}"`);
  return v;
}

/** A vector quantity of a trace row as a list (a width-1 column comes back as a number). */
const asList = (v: Measurement[string]): (number | null)[] => (Array.isArray(v) ? v : [v]);

export async function inspect(path: string, options: InspectOptions): Promise<Record<string, unknown>> {
  const { problem, weights: fileWeights } = await loadProblemFile(path);
  const point = fileWeights ? { source: 'file' as const } : { source: 'init' as const, kind: options.init, scale: options.scale, seed: options.seed };
  const weights = fileWeights ?? initWeights(problem.widths, { kind: options.init as InitKind, scale: options.scale, seed: options.seed });
  const e = problem.evaluate(weights);

  // The top of the spectrum: lambda_min (and so the spectral radius) too, except for power
  // iteration, which estimates the spectral radius only.
  const spectrumOptions: SharpnessOptions & { smallest?: boolean } = { method: options.method, k: options.k, tol: options.tol };
  if (options.method !== 'power') spectrumOptions.smallest = true;
  const started = process.hrtime.bigint();
  const s: SpectrumResult = await sharpness(problem, weights, spectrumOptions);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;

  // The structure of the weights at this point, through the same probes a run records.
  const isRegression = problem.kind === 'regression';
  const record: Quantity[] = [
    'layerNorms',
    'rankOneGap',
    'singularSpread',
    'alignment',
    'balancedness',
    'lemma2Epsilon',
    'singularValues',
    'rank',
    'nuclearNorm',
    'schatten2OverL',
  ];
  const at = await measure(problem, weights, record, { rankTolerance: options.rankTol });
  const structure: Record<string, unknown> = {
    layerNorms: at.layerNorms,
    rankOneGap: at.rankOneGap,
    singularSpread: at.singularSpread,
    alignment: at.alignment,
    balancedness: problem.depth > 1 ? asList(at.balancedness) : [],
    lemma2Epsilon: at.lemma2Epsilon,
  };
  if (!isRegression) {
    structure.singularValues = at.singularValues;
    structure.rank = at.rank;
    structure.rankTolerance = options.rankTol;
    structure.nuclearNorm = at.nuclearNorm;
    structure.schatten2OverL = at.schatten2OverL;
  }

  const S = s.eigenvalues[0];
  const spectrum: Record<string, unknown> = {
    method: s.method,
    k: s.eigenvalues.length,
    tol: options.method === 'lanczos' ? options.tol : null,
    residuals: s.method === 'power' ? null : Array.from(s.residuals),
    hvps: s.hvps,
    iterations: s.iterations,
    restarts: s.restarts,
    converged: s.converged,
    lambdaMin: s.lambdaMin ?? null,
    lambdaMinResidual: s.lambdaMinResidual ?? null,
    spectralRadius: s.spectralRadius ?? null,
    stableLearningRate: S > 0 ? 2 / S : null,
    ms: Number(ms.toFixed(3)),
  };
  let theory: Record<string, unknown> | null = null;
  if (isRegression) {
    const t = problem.theory();
    theory = { ...t, sigmaEigenvalues: Array.from(t.sigmaEigenvalues), wStar: Array.from(t.wStar) };
    spectrum.sharpnessOverSMin = t.sMin > 0 ? S / t.sMin : null;
    spectrum.sharpnessOverSRankOne = t.sRankOne > 0 ? S / t.sRankOne : null;
  }
  return {
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
    sharpness: Array.from(s.eigenvalues),
    spectrum,
    structure,
    theory,
  };
}

const list = (v: unknown) => (Array.isArray(v) ? v.map((x) => formatNumber(x as number, 4)).join(', ') : formatNumber(v as number));

function human(r: Record<string, unknown>): string {
  const p = r.problem as { kind: string; widths: number[]; paramCount: number };
  const sp = r.spectrum as Record<string, number | null | number[] | string | boolean>;
  const st = r.structure as Record<string, unknown>;
  const rows: Array<[string, string]> = [
    ['problem', `${p.kind}, widths [${p.widths.join(', ')}], ${p.paramCount} parameters`],
    ['loss', formatNumber(r.loss as number)],
    ['gradient norm', formatNumber(r.gradNorm as number)],
  ];
  if (r.testLoss !== null) rows.push(['test loss', formatNumber(r.testLoss as number)]);
  if (r.excessLoss !== null) rows.push(['excess loss', formatNumber(r.excessLoss as number)]);
  if (r.distance !== null) rows.push(['||w - w*||^2', formatNumber(r.distance as number)]);
  const S = r.sharpness as number[];
  const how =
    sp.method === 'power'
      ? `power iteration, ${sp.hvps} HVPs: the reference code's spectral-radius estimate`
      : sp.method === 'dense'
        ? `dense, ${sp.hvps} HVPs`
        : `lanczos, ${sp.hvps} HVPs, residuals ${list(sp.residuals)}${sp.converged ? '' : ' (NOT converged)'}`;
  rows.push([S.length > 1 ? `sharpness (top ${S.length})` : 'sharpness', `${list(S)}  [${how}]`]);
  if (sp.lambdaMin !== null)
    rows.push(['lambda_min, spectral radius', `${formatNumber(sp.lambdaMin as number)}, ${formatNumber(sp.spectralRadius as number)}`]);
  if (sp.stableLearningRate !== null) rows.push(['2/S (stable eta here)', formatNumber(sp.stableLearningRate as number)]);
  const t = r.theory as Record<string, number | null> | null;
  if (t) {
    rows.push(
      ['S / S_min, S / S_r1', `${formatNumber(sp.sharpnessOverSMin as number)}, ${formatNumber(sp.sharpnessOverSRankOne as number)}`],
      ['lambda, Lambda', `${formatNumber(t.lambda)}, ${formatNumber(t.Lambda)}`],
      ['a = u^T Sigma u', formatNumber(t.a)],
      ['||w*||, ||p||', `${formatNumber(t.wStarNorm)}, ${formatNumber(t.projectionNorm)}`],
      ['S_min (Thm 1)', formatNumber(t.sMin)],
      ['S_min bounds (slides)', `[${formatNumber(t.sMinRefinedLower)}, ${formatNumber(t.sMinRefinedUpper)}]`],
      ['S_r1 (rank-one limit)', formatNumber(t.sRankOne)],
      ['4 (Lambda/lambda) S_min (Cor 3)', formatNumber(t.smallInitUpper)],
      ['8 L Lambda (reference code)', formatNumber(t.codeUpper)],
      ['critical eta = 2/S_min', formatNumber(t.criticalLearningRate)],
    );
  }
  rows.push(
    ['sigma_k = ||W_k||_2', list(st.layerNorms)],
    ['rank-one gap ||W_k||_F^2 - sigma_k^2', list(st.rankOneGap)],
    ['spread max |sigma_j^2 - sigma_k^2|', formatNumber(st.singularSpread as number)],
    ['alignment <v_{k+1}, u_k>^2', list(st.alignment)],
    ['||D_k||_2 (balancedness)', list(st.balancedness)],
    ['epsilon (Lemma 2, this point as init)', formatNumber(st.lemma2Epsilon as number)],
  );
  if (st.rank !== undefined) {
    rows.push(
      [`rank of A (tol ${String(st.rankTolerance)})`, String(st.rank)],
      ['nuclear norm, Schatten 2/L', `${formatNumber(st.nuclearNorm as number)}, ${formatNumber(st.schatten2OverL as number)}`],
    );
  }
  return table(rows);
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('loss, gradient norm, sharpness (top-k Hessian eigenvalues), theory quantities and weight structure at one point')
    .argument('<problem>', 'problem file (JSON, see README "Problem files")')
    .option('--json', 'print one JSON object')
    .option('--k <k>', flagHelp(sharpnessFields.k), parsePositiveInteger, flagDefault(sharpnessFields.k))
    .option('--method <m>', flagHelp(sharpnessFields.method), parseMethod, flagDefault(sharpnessFields.method))
    .option('--tol <t>', flagHelp(sharpnessFields.tol), parsePositive, flagDefault(sharpnessFields.tol))
    .option('--rank-tol <t>', flagHelp(runFields.rankTolerance), parseNumber, flagDefault(runFields.rankTolerance))
    .option('--init <kind>', flagHelp(initFields.kind, noWeights), flagDefault(initFields.kind))
    .option('--scale <s>', flagHelp(initFields.scale, noWeights), parseNumber, flagDefault(initFields.scale))
    .option('--seed <n>', flagHelp(initFields.seed, noWeights), parseInteger, flagDefault(initFields.seed))
    .action(async (path: string, options: InspectOptions) => {
      const report = await inspect(path, options);
      process.stdout.write(`${options.json ? toJson(report) : human(report)}\n`);
    });
}
