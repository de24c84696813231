/**
 * `dlnflow run PRESET|CONFIG|all --out DIR`: runs an experiment (or its shard) with progress,
 * resumes what an earlier, interrupted call left, and writes the report when the plan is complete.
 * `dlnflow plan PRESET|CONFIG|all`: what a run would do (runs, axes, plan hash) without running it.
 * `dlnflow config PRESET|CONFIG`: the resolved config a run would use.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { setWorkerThreads } from '../api/system';
import { DlnAbortError } from '../errors';
import { buildPlan, parseShard, shardFromEnvironment, type Shard } from '../experiments/plan';
import { presets } from '../papers';
import { loadExperiment, runLoadedExperiment, type ExperimentAbortError, type ExperimentOutcome } from '../pipeline';
import { drainStdout, EXIT, failedClaims, parsePathOption, plainYaml, print, setExitCode, stdoutOpen, toJson } from './output';
import { parseFigureFormats, parsePositiveInteger } from './parse';
import { progressView } from './progress';
import type { FigureFormat } from '../report/render';

interface RunCliOptions {
  out: string;
  quick?: boolean;
  set: string[];
  shard?: string;
  threads?: number;
  report: boolean;
  formats?: FigureFormat[];
  json?: boolean;
  forceUnlock?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function shardOf(options: { shard?: string }): Shard | undefined {
  return options.shard !== undefined ? parseShard(options.shard) : shardFromEnvironment();
}

async function runOne(
  source: string,
  out: string,
  options: RunCliOptions,
  shard: Shard | undefined,
  signal: AbortSignal,
): Promise<ExperimentOutcome> {
  const loaded = await loadExperiment(source, { quick: options.quick, overrides: options.set });
  const label = `${loaded.experiment.name}${shard ? ` [shard ${shard.index}/${shard.count}]` : ''}`;
  const view = progressView(label);
  try {
    return await runLoadedExperiment(loaded, {
      out,
      shard,
      signal,
      report: options.report,
      formats: options.formats,
      forceUnlock: options.forceUnlock,
      onProgress: (p) => view.update(p),
    });
  } finally {
    view.stop();
  }
}

/**
 * Exit code 3 for a run that completed without what it promised: runs missing after an unsharded
 * run (every run was this call's to do), or a checked finding or a check of the config that failed. Says why on stderr.
 */
function incompleteness(o: ExperimentOutcome, sharded: boolean): string[] {
  const why: string[] = [];
  if (!sharded && o.missing > 0) why.push(`${o.name}: ${o.missing} of ${o.planned} runs are missing after an unsharded run`);
  for (const claim of failedClaims(o.summary)) why.push(`${o.name}: ${claim}`);
  return why;
}

function describe(o: ExperimentOutcome): string {
  const lines: string[] = [];
  lines.push(
    `${o.name}: ran ${o.ran} runs in ${(o.elapsedMs / 1000).toFixed(1)} s` +
      `${o.resumed ? ` (${o.resumed} already done)` : ''}${o.discarded ? `; set aside ${o.discarded} torn or invalid result line(s) (runs/*.rejected.jsonl)` : ''}; results in ${o.out}`,
  );
  if (o.summary) lines.push((o.summary as { text?: string }).text ?? '');
  else if (o.missing > 0)
    lines.push(
      `  ${o.missing} of ${o.planned} runs are still missing (other shards?): when all shards are done, \`dlnflow merge ${o.out}\` builds the report`,
    );
  return lines.join('\n');
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run an experiment (a preset, a YAML/JSON config, or "all" presets) into a results directory, with its report')
    .argument('<experiment>', 'a preset name (see `dlnflow presets`), a .yaml/.yml/.json config, or "all"')
    .requiredOption('--out <dir>', 'results directory (rerunning the same command resumes it)', parsePathOption)
    .option('--quick', "the reduced version (the config's quick: block)")
    .option('--set <path=value>', 'override a config field, e.g. --set train.learningRate=0.02 (repeatable)', collect, [])
    .option('--shard <i/N>', 'run only slice i of N (default: from SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT)')
    .option('--threads <n>', 'runs at once (default: one per core, or DLNFLOW_THREADS)', parsePositiveInteger)
    .option('--no-report', 'do not build the report at the end')
    .option('--formats <list>', 'figure files to write: any of svg,png,pdf (default: all three)', parseFigureFormats)
    .option('--json', 'print the outcome as JSON')
    .option('--force-unlock', "take over the results directory's locks even if their holders look alive (check they are gone)")
    .action(async (experiment: string, options: RunCliOptions) => {
      if (options.threads !== undefined) setWorkerThreads(options.threads);
      const shard = shardOf(options);
      const controller = new AbortController();
      const onSigint = () => {
        process.stderr.write('\ninterrupted: stopping the runs in flight; finished runs are kept (rerun the same command to resume)\n');
        controller.abort(new Error('interrupted'));
      };
      process.once('SIGINT', onSigint);
      process.once('SIGTERM', onSigint);
      const sources = experiment === 'all' ? presets.map((p) => p.name) : [experiment];
      const outcomes: ExperimentOutcome[] = [];
      try {
        for (const source of sources) {
          const out = experiment === 'all' ? join(options.out, source) : options.out;
          const outcome = await runOne(source, out, options, shard, controller.signal);
          outcomes.push(outcome);
          if (!options.json) print(`${describe(outcome)}\n`);
          for (const why of incompleteness(outcome, shard !== undefined)) {
            process.stderr.write(`dlnflow: ${why} (exit code ${EXIT.incomplete})\n`);
            setExitCode(EXIT.incomplete);
          }
        }
      } catch (err) {
        if (err instanceof DlnAbortError) {
          const { partial } = err as ExperimentAbortError;
          if (partial) process.stderr.write(`${partial.name}: ${partial.ran} runs finished this time and saved in ${partial.out}\n`);
          setExitCode(EXIT.interrupted);
          return;
        }
        throw err;
      } finally {
        process.removeListener('SIGINT', onSigint);
        process.removeListener('SIGTERM', onSigint);
      }
      if (options.json) print(`${toJson(experiment === 'all' ? outcomes : outcomes[0])}\n`);
    });

  program
    .command('plan')
    .description('what `run` would do: runs, grid points, axes and the plan hash (for sizing Slurm arrays)')
    .argument('<experiment>', 'a preset name, a .yaml/.yml/.json config, or "all" presets')
    .option('--quick', "the reduced version (the config's quick: block)")
    .option('--set <path=value>', 'override a config field (repeatable)', collect, [])
    .option('--runs', 'also list every run (id, values, repetition, seeds) as JSON lines')
    .option('--json', 'print JSON')
    .action(async (experiment: string, options: { quick?: boolean; set: string[]; runs?: boolean; json?: boolean }) => {
      const sources = experiment === 'all' ? presets.map((p) => p.name) : [experiment];
      const infos = [];
      for (const source of sources) {
        const loaded = await loadExperiment(source, { quick: options.quick, overrides: options.set });
        const plan = buildPlan(loaded.experiment);
        const info = { name: loaded.experiment.name, planHash: plan.hash, runs: plan.runs.length, points: plan.points.length, axes: plan.axes };
        infos.push(info);
        if (!options.json)
          print(`${info.name}: ${info.runs} runs over ${info.points} grid points; axes ${info.axes.join(', ') || '(none)'}; plan ${info.planHash}\n`);
        if (options.runs) {
          for (const r of plan.runs) {
            // A reader that stopped (`| head`) ends the listing quietly.
            if (!stdoutOpen()) break;
            process.stdout.write(`${JSON.stringify(r)}\n`);
            await drainStdout();
          }
        }
      }
      if (experiment === 'all' && !options.json) print(`all: ${infos.reduce((n, i) => n + i.runs, 0)} runs in ${infos.length} presets\n`);
      if (options.json) print(`${toJson(experiment === 'all' ? infos : infos[0])}\n`);
    });

  program
    .command('config')
    .description(
      "print the resolved config (extends, --quick and --set applied, every default filled in) as `run` would use it, without running (as Hydra's --cfg job)",
    )
    .argument('<experiment>', 'a preset name or a .yaml/.yml/.json config')
    .option('--quick', "the reduced version (the config's quick: block)")
    .option('--set <path=value>', 'override a config field (repeatable)', collect, [])
    .option('--json', 'print JSON')
    .action(async (experiment: string, options: { quick?: boolean; set: string[]; json?: boolean }) => {
      const loaded = await loadExperiment(experiment, { quick: options.quick, overrides: options.set });
      const plan = buildPlan(loaded.experiment);
      if (options.json) {
        print(`${toJson(loaded.experiment)}\n`);
        return;
      }
      const from = [
        loaded.source,
        loaded.preset && loaded.source !== `preset ${loaded.preset}` ? `extends ${loaded.preset}` : '',
        loaded.quick ? '--quick' : '',
        ...loaded.overrides.map((o) => `--set ${o}`),
      ];
      // The output is itself a config: saved to a file, it runs the same plan.
      print(`# resolved from ${from.filter(Boolean).join(' ')}\n# plan ${plan.hash}: ${plan.runs.length} runs\n${plainYaml(loaded.experiment)}`);
    });
}
