/**
 * The sweep runner. Runs go to the addon's worker threads (one run per thread, BLAS at one
 * thread each), a few more are queued than there are threads so no thread waits on JavaScript,
 * and each finished run is appended to OUT/runs/<shard>.jsonl the moment it ends. Restarting
 * the same command skips what is already there; an AbortSignal stops the runs in flight (they
 * are not recorded) and leaves every finished one in place.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildInfo } from '../api/system';
import { DlnAbortError, DlnError } from '../errors';
import { buildReport, type ReportSummary } from '../report';
import { loadExperiment, type LoadedExperiment, type LoadOptions } from './config';
import { executeRun, ProblemCache } from './execute';
import { buildPlan, inShard, type Plan, type PlannedRun, type Shard } from './plan';
import { ensureDir, readAllResults, readJson, ResultWriter, runsDir, writeFileAtomic, writeTrace, writeWeights } from './store';
import type { Experiment } from './schema';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const pkg = require('../../package.json') as { name: string; version: string };

/** OUT/experiment.json: what was run, deterministic (no dates), the same for every shard. */
export interface Manifest {
  format: 1;
  name: string;
  preset: string | null;
  source: string;
  quick: boolean;
  overrides: string[];
  planHash: string;
  runs: number;
  axes: string[];
  package: { name: string; version: string };
  blasVendor: string;
  config: Experiment;
}

export interface SweepProgress {
  /** Runs of this shard finished so far (including those found finished at the start). */
  done: number;
  /** Runs in this shard. */
  total: number;
  /** Found finished at the start (resumed). */
  resumed: number;
  diverged: number;
  elapsedMs: number;
}

export interface RunExperimentOptions extends LoadOptions {
  /** Results directory. */
  out: string;
  /** Run only this deterministic slice of the plan. */
  shard?: Shard;
  signal?: AbortSignal;
  onProgress?: (p: SweepProgress) => void;
  /** Build the report when the whole plan is present (default true). */
  report?: boolean;
}

export interface ExperimentOutcome {
  out: string;
  name: string;
  planHash: string;
  /** Runs in the whole plan. */
  planned: number;
  /** Runs in this shard. */
  shardRuns: number;
  /** Runs this call executed. */
  ran: number;
  /** Runs of this shard found already finished. */
  resumed: number;
  /** Torn or unreadable result lines found and dropped. */
  discarded: number;
  /** Runs of the whole plan still missing (other shards, or this one if cancelled). */
  missing: number;
  /** The report's summary, when the plan was complete and a report was built. */
  summary?: ReportSummary;
  elapsedMs: number;
}

export function manifestOf(loaded: LoadedExperiment, plan: Plan): Manifest {
  return {
    format: 1,
    name: loaded.experiment.name,
    preset: loaded.preset ?? null,
    source: loaded.source,
    quick: loaded.quick,
    overrides: loaded.overrides,
    planHash: plan.hash,
    runs: plan.runs.length,
    axes: plan.axes,
    package: { name: pkg.name, version: pkg.version },
    blasVendor: buildInfo().blasVendor,
    config: loaded.experiment,
  };
}

export function readManifest(out: string): Manifest | undefined {
  const p = join(out, 'experiment.json');
  return existsSync(p) ? readJson<Manifest>(p) : undefined;
}

/** Creates OUT (or checks that it holds this very plan) and writes the manifest and plan. */
export function prepareOut(out: string, manifest: Manifest, plan: Plan): void {
  const existing = readManifest(out);
  if (existing && existing.planHash !== manifest.planHash) {
    throw new DlnError(
      'ERR_DLN_CONFIG',
      `${out} holds another experiment ("${existing.name}", plan ${existing.planHash}; this one is plan ${manifest.planHash}): ` +
        'choose a new --out, or delete that directory to start over',
      { field: 'out' },
    );
  }
  ensureDir(runsDir(out));
  if (plan.experiment.output.traces) ensureDir(join(out, 'traces'));
  if (plan.experiment.output.weights) ensureDir(join(out, 'weights'));
  writeFileAtomic(join(out, 'experiment.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileAtomic(join(out, 'plan.jsonl'), plan.runs.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

function shardFileName(shard?: Shard): string {
  return shard ? `shard-${shard.index}-of-${shard.count}.jsonl` : 'all.jsonl';
}

/** Loads an experiment (preset, file or object) and runs it (or its shard) into `options.out`. */
export async function runExperiment(source: string | Record<string, unknown>, options: RunExperimentOptions): Promise<ExperimentOutcome> {
  const loaded = await loadExperiment(source, options);
  return runLoadedExperiment(loaded, options);
}

export async function runLoadedExperiment(loaded: LoadedExperiment, options: RunExperimentOptions): Promise<ExperimentOutcome> {
  const started = Date.now();
  const { out, shard, signal, onProgress } = options;
  if (signal?.aborted) throw new DlnAbortError(signal.reason);
  const plan = buildPlan(loaded.experiment);
  const manifest = manifestOf(loaded, plan);
  prepareOut(out, manifest, plan);

  const planIds = new Set(plan.runs.map((r) => r.id));
  const existing = readAllResults(out);
  const mine = plan.runs.filter((r) => inShard(r, shard));
  const todo = mine.filter((r) => !existing.records.has(r.id));
  const resumed = mine.length - todo.length;
  let diverged = [...existing.records.values()].filter((r) => r.status === 'diverged' && planIds.has(r.id)).length;
  let done = resumed;
  const progress = () => onProgress?.({ done, total: mine.length, resumed, diverged, elapsedMs: Date.now() - started });
  progress();

  const problems = new ProblemCache();
  const writer = new ResultWriter(join(runsDir(out), shardFileName(shard)));
  const keepTrace = plan.experiment.output.traces;
  const keepWeights = plan.experiment.output.weights;
  const threads = Math.max(1, buildInfo().workerThreads);
  const inner = new AbortController();
  const onAbort = () => inner.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let ran = 0;
  let failure: unknown;
  try {
    let next = 0;
    const worker = async () => {
      while (next < todo.length && !inner.signal.aborted) {
        const run: PlannedRun = todo[next++];
        try {
          const { record, trace, weights } = await executeRun(run, plan.points[run.point], problems, { signal: inner.signal, keepTrace, keepWeights });
          // Before the result line: a listed run always has its trace and weights.
          if (trace) writeTrace(out, trace);
          if (weights) writeWeights(out, weights);
          writer.append(record);
          ran++;
          done++;
          if (record.status === 'diverged') diverged++;
          progress();
        } catch (err) {
          if (inner.signal.aborted) return;
          failure ??= err;
          inner.abort(err);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(todo.length, 2 * threads) }, worker));
  } finally {
    signal?.removeEventListener('abort', onAbort);
    writer.close();
  }
  const after = readAllResults(out);
  const missing = plan.runs.filter((r) => !after.records.has(r.id)).length;
  const outcome: ExperimentOutcome = {
    out,
    name: plan.experiment.name,
    planHash: plan.hash,
    planned: plan.runs.length,
    shardRuns: mine.length,
    ran,
    resumed,
    discarded: existing.discarded,
    missing,
    elapsedMs: Date.now() - started,
  };
  if (failure !== undefined) throw failure;
  if (signal?.aborted) throw new DlnAbortError(signal.reason, outcome);
  if (missing === 0 && options.report !== false) outcome.summary = await buildReport(out);
  outcome.elapsedMs = Date.now() - started;
  return outcome;
}
