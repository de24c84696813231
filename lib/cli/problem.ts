/**
 * `dlnflow problem PRESET|CONFIG [--set path=value] [--quick] [--index i | --run ID] [--json | --out FILE]`:
 * the problem file (README "Problem files") that a run of a preset or config trains on, so that
 * `inspect` and `flow` run on the papers' problems without code. A sweep has one problem per
 * data/model point: the first planned run's by default, or the run given by its position in the
 * plan (--index, as `dlnflow plan --runs` lists them) or its id (--run).
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { alignedInit } from '../analysis/escape';
import { initWeights, type InitKind } from '../api/init';
import { layers, toRows } from '../api/matrix';
import { Problem } from '../api/problem';
import { parseProblemFile } from '../config/problem-file';
import { DlnError } from '../errors';
import { loadExperiment } from '../pipeline';
import { buildPlan, type PlannedRun } from '../experiments/plan';
import { problemFileOf, type ProblemFileJson } from '../experiments/problem-of';
import { formatNumber, table, toJson } from './output';
import { parseInteger } from './parse';

interface ProblemCliOptions {
  quick?: boolean;
  set: string[];
  index?: number;
  run?: string;
  withInit?: boolean;
  json?: boolean;
  out?: string;
}

export interface ProblemOutput {
  /** The problem file. */
  file: ProblemFileJson;
  /** Which run of the plan it is the problem of. */
  run: PlannedRun;
  experiment: string;
  runs: number;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The problem file of one planned run of `source` (a preset name or a config path). */
export async function problemOf(
  source: string,
  options: { quick?: boolean; set?: string[]; index?: number; run?: string; withInit?: boolean } = {},
): Promise<ProblemOutput> {
  const loaded = await loadExperiment(source, { quick: options.quick, overrides: options.set ?? [] });
  const plan = buildPlan(loaded.experiment);
  if (options.index !== undefined && options.run !== undefined) {
    throw new DlnError('ERR_DLN_VALUE', 'give --index or --run, not both', { field: 'index' });
  }
  let run: PlannedRun | undefined;
  if (options.run !== undefined) {
    run = plan.runs.find((r) => r.id === options.run);
    if (!run)
      throw new DlnError('ERR_DLN_VALUE', `--run ${options.run}: no run with that id (see \`dlnflow plan ${source} --runs\`)`, { field: 'run' });
  } else {
    const index = options.index ?? 0;
    run = plan.runs[index];
    if (!run) throw new DlnError('ERR_DLN_VALUE', `--index ${index}: the plan has runs 0 to ${plan.runs.length - 1}`, { field: 'index' });
  }
  const config = plan.points[run.point];
  const file = await problemFileOf(config, run.seeds);
  if (options.withInit) {
    const widths = file.widths as number[];
    const init = config.init;
    const w0 =
      init.kind === 'aligned'
        ? alignedInit(parseProblemFile(file, 'the problem').problem, init.scale)
        : initWeights(widths, {
            kind: init.kind as InitKind,
            scale: init.scale,
            ...(init.sigma !== undefined ? { sigma: init.sigma } : {}),
            ...(init.zeroLayer !== undefined ? { zeroLayer: init.zeroLayer } : {}),
            seed: run.seeds.init,
          });
    file.weights = layers(widths, w0).map(toRows);
  }
  return { file, run, experiment: loaded.experiment.name, runs: plan.runs.length };
}

function summary(out: ProblemOutput, source: string): string {
  const f = out.file;
  const { problem } = parseProblemFile(f, `the problem of ${source}`);
  const values = Object.entries(out.run.values)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const rows: Array<[string, string]> = [
    [
      'experiment',
      `${out.experiment}: run ${out.run.index} of ${out.runs} (id ${out.run.id}${values ? `; ${values}` : ''}, repetition ${out.run.rep})`,
    ],
    ['problem', `${problem.kind}, widths [${problem.widths.join(', ')}], l2 ${formatNumber(problem.l2)}`],
  ];
  if (Array.isArray(f.X))
    rows.push([
      'data',
      `X ${(f.X as number[][]).length} x ${(f.widths as number[])[0]}${f.XTest ? `, test set of ${(f.XTest as number[][]).length}` : ', no test set'}`,
    ]);
  if (f.projection) rows.push(['projection', (f.projection as number[]).map((v) => formatNumber(v, 7)).join(', ')]);
  if (problem.kind === 'regression') {
    const t = (problem as Problem).theory();
    rows.push(
      ['lambda, Lambda, a', `${formatNumber(t.lambda)}, ${formatNumber(t.Lambda)}, ${formatNumber(t.a)}`],
      ['S_min, 2/S_min', `${formatNumber(t.sMin)}, ${formatNumber(t.criticalLearningRate)}`],
      ['S_r1 (rank-one limit)', formatNumber(t.sRankOne)],
    );
  }
  rows.push(['file', '--json prints it, --out FILE writes it (then: dlnflow inspect FILE, dlnflow flow FILE)']);
  return table(rows);
}

export function registerProblem(program: Command): void {
  program
    .command('problem')
    .description('the problem file (README "Problem files") that a preset or config trains on, for inspect and flow')
    .argument('<experiment>', 'a preset name or a .yaml/.yml/.json config')
    .option('--quick', "the reduced version (the config's quick: block)")
    .option('--set <path=value>', 'override a config field, e.g. --set data.source=authors (repeatable)', collect, [])
    .option('--index <i>', "the problem of the plan's run i (default 0; `dlnflow plan --runs` lists them)", parseInteger)
    .option('--run <id>', 'the problem of the run with this id')
    .option('--with-init', "include the run's initialization as the file's weights")
    .option('--json', 'print the problem file')
    .option('--out <file>', 'write the problem file')
    .action(async (experiment: string, options: ProblemCliOptions) => {
      const out = await problemOf(experiment, options);
      const text = toJson(out.file);
      if (options.out !== undefined) {
        try {
          await writeFile(options.out, `${text}\n`);
        } catch (err) {
          throw new DlnError('ERR_DLN_IO', `cannot write ${options.out}: ${(err as Error).message}`, { cause: err });
        }
      }
      process.stdout.write(`${options.json ? text : summary(out, experiment)}\n`);
    });
}
