/**
 * Running an experiment end to end: load it (a preset, a file or an object), run its sweep (or
 * shard) into OUT, and build the report with the preset's findings once the plan is complete.
 */
import type { DlnAbortError } from '../errors';
import type { LoadedExperiment, LoadOptions } from '../experiments/config';
import type { ExperimentSource } from '../experiments/schema';
import { checkOptions } from '../options/declare';
import { runExperimentOptions } from '../options/experiment';
import { runSweep, type SweepOptions, type SweepOutcome } from '../experiments/runner';
import type { ReportOptions, ReportSummary } from '../report';
import { loadExperiment } from './load';
import { buildReport } from './report';
import { displayOutcome } from './display';

export interface RunExperimentOptions extends LoadOptions, SweepOptions {
  /** Build the report when the whole plan is present (default true). */
  report?: boolean;
  /** Figure files of the report (default: svg, png and pdf; see ReportOptions.formats). */
  formats?: ReportOptions['formats'];
}

export interface ExperimentOutcome extends SweepOutcome {
  /** The report's summary, when the plan was complete and a report was built. */
  summary?: ReportSummary;
}

/**
 * What runExperiment rejects with when its signal stops it: `partial` is the sweep so far (runs
 * finished and saved in OUT, still missing); rerunning the same call resumes it.
 */
export type ExperimentAbortError = DlnAbortError<SweepOutcome>;

/**
 * Loads an experiment (a preset name, a .yaml/.yml/.json path, or a config object) and runs it (or
 * its shard) into `options.out`. Stopped by `options.signal`: rejects with an ExperimentAbortError.
 */
export async function runExperiment(source: string | ExperimentSource, options: RunExperimentOptions): Promise<ExperimentOutcome> {
  checkOptions(runExperimentOptions, options);
  const loaded = await loadExperiment(source, { quick: options.quick, overrides: options.overrides });
  return runLoadedExperiment(loaded, options);
}

export async function runLoadedExperiment(loaded: LoadedExperiment, options: RunExperimentOptions): Promise<ExperimentOutcome> {
  const started = Date.now();
  const { out, shard, signal, onProgress, forceUnlock } = options;
  const outcome: ExperimentOutcome = await runSweep(loaded, { out, shard, signal, onProgress, forceUnlock });
  if (outcome.missing === 0 && options.report !== false) outcome.summary = await buildReport(out, { formats: options.formats });
  outcome.elapsedMs = Date.now() - started;
  return displayOutcome(outcome);
}
