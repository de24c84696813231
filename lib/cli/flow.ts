/** `dlnflow flow PROBLEM.json --t-end T`: gradient flow (RK45, exprb43 or auto: --method) from the file's weights (or an init). */
import { InvalidArgumentError, type Command } from 'commander';
import { flow, type FlowEvent, type FlowOptions, type FlowResult } from '../api/flow';
import type { CentralFlowResult } from '../api/central-flow';
import type { Progress } from '../api/run';
import { initWeights, type InitKind } from '../api/init';
import { layers, toRows } from '../api/matrix';
import { loadProblemFile } from '../config/problem-file';
import type { AbortErrorOf } from '../api/abort';
import { DlnAbortError } from '../errors';
import { flowEventFields, flowFields, type FlowMethod } from '../options/flow';
import { initFields } from '../options/init';
import { flagDefault, flagHelp } from './flags';

const noWeights = { prefix: 'initialization when the file has no weights: ' };
const stop = { prefix: 'a terminal event: ' };
import { formatNumber, print, table, toJson } from './output';
import { parseInteger, parseNumber, parsePositiveInteger } from './parse';
import { flowProgressView } from './progress';

interface FlowCliOptions {
  tEnd: number;
  rtol: number;
  atol: number;
  maxSteps?: number;
  firstStep?: number;
  maxStep?: number;
  controller: string;
  method: string;
  record?: string[];
  recordEvery?: number;
  times?: number[];
  lossBelow?: number;
  excessLossBelow?: number;
  gradNormBelow?: number;
  json?: boolean;
  init: string;
  scale: number;
  seed: number;
  dynamics?: string;
  learningRate?: number;
}

function parseTEnd(value: string): number {
  if (/^\+?inf(inity)?$/i.test(value.trim())) return Infinity;
  const v = Number(value);
  if (value.trim() === '' || !(v > 0)) throw new InvalidArgumentError(`expected a number > 0 (or Infinity), got "${value}"`);
  return v;
}

function parseList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function parseNumberList(value: string): number[] {
  return parseList(value).map(parseNumber);
}

export async function runFlow(
  path: string,
  options: FlowCliOptions,
  signal?: AbortSignal,
  onProgress?: (p: Progress) => void,
): Promise<Record<string, unknown>> {
  const { problem, weights: fileWeights } = await loadProblemFile(path);
  const point = fileWeights ? { source: 'file' as const } : { source: 'init' as const, kind: options.init, scale: options.scale, seed: options.seed };
  const w0 = fileWeights ?? initWeights(problem.widths, { kind: options.init as InitKind, scale: options.scale, seed: options.seed });
  const event: FlowEvent = {};
  if (options.lossBelow !== undefined) event.lossBelow = options.lossBelow;
  if (options.excessLossBelow !== undefined) event.excessLossBelow = options.excessLossBelow;
  if (options.gradNormBelow !== undefined) event.gradNormBelow = options.gradNormBelow;
  let r: FlowResult;
  try {
    r = await flow(problem, w0, {
      tEnd: options.tEnd,
      rtol: options.rtol,
      atol: options.atol,
      maxSteps: options.maxSteps,
      firstStep: options.firstStep,
      maxStep: options.maxStep,
      controller: options.controller as 'I' | 'PI',
      method: options.method as FlowMethod,
      // Names typed by the user: the run checks them (ERR_DLN_VALUE naming options.record).
      record: options.record as FlowOptions['record'],
      recordEvery: options.recordEvery,
      times: options.times,
      events: Object.keys(event).length > 0 ? event : undefined,
      ...(options.dynamics !== undefined ? { dynamics: options.dynamics as 'gradient' | 'central' } : {}),
      ...(options.learningRate !== undefined ? { learningRate: options.learningRate } : {}),
      signal,
      onProgress,
    });
  } catch (err) {
    // Interrupted (Ctrl-C): report the run so far.
    if (err instanceof DlnAbortError && (err as AbortErrorOf<'flow'>).partial) r = (err as AbortErrorOf<'flow'>).partial!;
    else throw err;
  }
  return {
    point,
    status: r.status,
    message: r.message,
    t: r.t,
    loss: r.finalLoss,
    gradNorm: r.finalGradNorm,
    excessLoss: r.finalLoss !== null && problem.lossMinimum !== null ? r.finalLoss - problem.lossMinimum : null,
    method: r.stats.method,
    nfev: r.stats.nfev,
    hvps: r.stats.hvps,
    gradientEquivalents: r.stats.gradientEquivalents,
    krylovIterations: r.stats.krylovIterations,
    krylovCuts: r.stats.krylovCuts,
    maxKrylovBasis: r.stats.maxKrylovBasis,
    sharpnessEstimates: r.stats.sharpnessEstimates,
    switches: r.stats.switches,
    sharpnessEstimate: r.stats.sharpnessEstimate,
    accepted: r.stats.accepted,
    rejected: r.stats.rejected,
    extraEvaluations: r.stats.extraEvaluations,
    lastStepSize: r.stats.lastStepSize,
    balancednessDrift: r.balancednessDrift,
    events: r.events,
    // dynamics central (lib/api/central-flow.ts): the edge at the end and where it changed.
    ...('transitions' in r ? pickEdge(r as unknown as CentralFlowResult) : {}),
    trace: r.trace.toRows(),
    weights: layers(problem.widths, r.weights).map(toRows),
  };
}

function pickEdge(r: CentralFlowResult): Record<string, unknown> {
  return { edgeCount: r.edgeCount, transitions: r.transitions, edgeChecks: r.edgeChecks };
}

function human(r: Record<string, unknown>): string {
  const rows: Array<[string, string]> = [
    ['status', `${r.status as string}: ${r.message as string}`],
    ['t', formatNumber(r.t as number)],
    ['loss', formatNumber(r.loss as number | null)],
  ];
  if (r.excessLoss !== null) rows.push(['excess loss', formatNumber(r.excessLoss as number)]);
  const stiff =
    (r.hvps as number) > 0
      ? [
          [
            'Hessian-vector products',
            `${r.hvps as number} (${r.gradientEquivalents as number} gradient-equivalents; ${r.krylovIterations as number} Krylov iterations, largest basis ${r.maxKrylovBasis as number})`,
          ] as [string, string],
        ]
      : [];
  if ((r.switches as number) > 0 || (r.sharpnessEstimates as number) > 0)
    stiff.push([
      'stiffness test',
      `${r.sharpnessEstimates as number} sharpness estimates, ${r.switches as number} switches, last S ≈ ${formatNumber(r.sharpnessEstimate as number | null)}`,
    ]);
  rows.push(
    ['gradient norm', formatNumber(r.gradNorm as number | null)],
    ['method', r.method as string],
    ['gradient evaluations', `${r.nfev as number} (${r.accepted as number} accepted, ${r.rejected as number} rejected steps)`],
    ...stiff,
    ['last step size', formatNumber(r.lastStepSize as number)],
    ['balancedness drift', formatNumber(r.balancednessDrift as number | null)],
  );
  if (r.transitions !== undefined) {
    const moves = r.transitions as Array<{ t: number; from: number; to: number }>;
    rows.push([
      'eigenvalues at the edge',
      `${r.edgeCount as number} at the end; ${moves.length ? moves.map((m) => `${m.from} -> ${m.to} at t = ${formatNumber(m.t)}`).join(', ') : 'no change'}`,
    ]);
  }
  for (const e of r.events as FlowResult['events']) rows.push([`event ${e.name} ${formatNumber(e.threshold)}`, `t = ${formatNumber(e.t)}`]);
  return `${table(rows)}\n  (--json prints the final weights and the trace)`;
}

export function registerFlow(program: Command): void {
  program
    .command('flow')
    .description(
      "integrate gradient flow dW/dt = -grad R(W) (adaptive RK45, exprb43 on exact Hessian-vector products, or auto between them) from the file's weights or an initialization",
    )
    .argument('<problem>', 'problem file (JSON, see README "Problem files")')
    .requiredOption('--t-end <T>', flagHelp(flowFields.tEnd, { suffix: '; Infinity needs a --*-below event or --max-steps' }), parseTEnd)
    .option('--rtol <r>', flagHelp(flowFields.rtol), parseNumber, flagDefault(flowFields.rtol))
    .option('--atol <a>', flagHelp(flowFields.atol), parseNumber, flagDefault(flowFields.atol))
    .option('--method <m>', flagHelp(flowFields.method), flagDefault(flowFields.method))
    .option('--controller <c>', flagHelp(flowFields.controller), flagDefault(flowFields.controller))
    .option('--max-steps <n>', flagHelp(flowFields.maxSteps, { showDefault: true }), parsePositiveInteger)
    .option('--first-step <h>', flagHelp(flowFields.firstStep), parseNumber)
    .option('--max-step <h>', flagHelp(flowFields.maxStep, { showDefault: true }), parseNumber)
    .option('--loss-below <v>', flagHelp(flowEventFields.lossBelow, stop), parseNumber)
    .option('--excess-loss-below <v>', flagHelp(flowEventFields.excessLossBelow, stop), parseNumber)
    .option('--grad-norm-below <v>', flagHelp(flowEventFields.gradNormBelow, stop), parseNumber)
    .option('--record <names>', `${flagHelp(flowFields.record)}, comma-separated`, parseList)
    .option('--record-every <k>', flagHelp(flowFields.recordEvery), parseInteger, flagDefault(flowFields.recordEvery))
    .option('--times <list>', `${flagHelp(flowFields.times)}, comma-separated`, parseNumberList)
    .option('--json', 'print one JSON object (with the final weights and the trace)')
    .option('--dynamics <d>', flagHelp(flowFields.dynamics))
    .option('--learning-rate <eta>', flagHelp(flowFields.learningRate), parseNumber)
    .option('--init <kind>', flagHelp(initFields.kind, noWeights), flagDefault(initFields.kind))
    .option('--scale <s>', flagHelp(initFields.scale, noWeights), parseNumber, flagDefault(initFields.scale))
    .option('--seed <n>', flagHelp(initFields.seed, noWeights), parseInteger, flagDefault(initFields.seed))
    .action(async (path: string, options: FlowCliOptions, command: Command) => {
      // The central flow has one integrator: --method's default is the gradient flow's, not a choice.
      if (options.dynamics === 'central' && command.getOptionValueSource('method') === 'default') options.method = 'rk45';
      const stops = options.lossBelow !== undefined || options.excessLossBelow !== undefined || options.gradNormBelow !== undefined;
      if (options.tEnd === Infinity && !stops && options.maxSteps === undefined) {
        // Without a stopping event it would integrate for the whole default budget of 1e7 steps.
        command.error('error: --t-end Infinity needs a stopping event (--loss-below, --excess-loss-below, --grad-norm-below) or --max-steps', {
          exitCode: 1,
          code: 'dlnflow.usage',
        });
      }
      const controller = new AbortController();
      const onSigint = () => controller.abort(new Error('interrupted'));
      process.once('SIGINT', onSigint);
      const view = flowProgressView();
      try {
        const report = await runFlow(path, options, controller.signal, view?.update);
        view?.stop();
        print(`${options.json ? toJson(report) : human(report)}\n`);
        if (report.status === 'cancelled') process.exitCode = 130;
      } finally {
        view?.stop();
        process.removeListener('SIGINT', onSigint);
      }
    });
}
