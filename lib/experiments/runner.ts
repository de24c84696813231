/**
 * The sweep runner. Runs go to the addon's worker threads (one run per thread, BLAS at one
 * thread each), a few more are queued than there are threads so no thread waits on JavaScript,
 * and each finished run is appended to OUT/runs/<shard>.jsonl the moment it ends. Restarting
 * the same command skips what is already there; an AbortSignal stops the runs in flight (they
 * are not recorded) and leaves every finished one in place. The report is not built here: the
 * caller (pipeline/run.ts) builds it with the findings it chooses once the plan is complete.
 */
import { join } from 'node:path';
import { buildInfo } from '../api/system';
import { DlnAbortError } from '../errors';
import type { LoadedExperiment } from './config';
import { executeRun, ProblemCache } from './execute';
import { manifestOf, prepareOut } from './manifest';
import { buildPlan, inShard, type PlannedRun, type Shard } from './plan';
import { readAllResults, ResultWriter, runsDir, writeTrace, writeWeights } from './store';

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

export interface SweepOptions {
  /** Results directory. */
  out: string;
  /** Run only this deterministic slice of the plan. */
  shard?: Shard;
  signal?: AbortSignal;
  onProgress?: (p: SweepProgress) => void;
}

export interface SweepOutcome {
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
  elapsedMs: number;
}

function shardFileName(shard?: Shard): string {
  return shard ? `shard-${shard.index}-of-${shard.count}.jsonl` : 'all.jsonl';
}

/** Runs a loaded experiment (or its shard) into `options.out`, resuming what is already there. */
export async function runSweep(loaded: LoadedExperiment, options: SweepOptions): Promise<SweepOutcome> {
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
  const outcome: SweepOutcome = {
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
  return outcome;
}
