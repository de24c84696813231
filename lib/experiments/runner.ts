/**
 * The sweep runner. Runs go to the addon's worker threads (one run per thread, BLAS at one
 * thread each), a few more are queued than there are threads so no thread waits on JavaScript,
 * and each finished run is appended to OUT/runs/<shard>.jsonl the moment it ends. Restarting
 * the same command skips what is already there; an AbortSignal stops the runs in flight (they
 * are not recorded) and leaves every finished one in place. The report is not built here: the
 * caller (pipeline/run.ts) builds it with the findings it chooses once the plan is complete.
 *
 * For its whole run the runner holds the lock of the file it appends to (lock.ts): a second
 * writer of that file, or any writer while an unsharded run holds the directory, fails with
 * ERR_DLN_BUSY, while shards of one experiment write side by side. Each record carries the plan
 * hash; a diverged run's final quantities are null (its last recorded row is no final value).
 * How the invocation ran (versions, host, threads, times, each run's wall time) goes to
 * OUT/metadata/ (run-metadata.ts), never into the results.
 */
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { buildInfo } from '../api/system';
import { DlnAbortError, DlnError } from '../errors';
import type { LoadedExperiment } from './config';
import { ProblemCache } from './execute';
import { executeUnit, laneUnits } from './lanes';
import { lockResultsWriter, type WriterRole } from './lock';
import { checkSameNormals, claimOut, manifestOf, otherPlanError, readManifest } from './manifest';
import { buildPlan, fileContentHash, inShard, type PlannedRun, type Shard } from './plan';
import { divergedFinal } from './record-check';
import { MetadataRecorder } from './run-metadata';
import { ensureDir, ensureSubdir, indexPlan, readAllResults, ResultWriter, runsDir, writeTrace, writeWeights, type StoredRecord } from './store';

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
  /** Break the directory's locks even if their holders may be alive (they must be gone). */
  forceUnlock?: boolean;
  /**
   * Gradient-descent runs of one problem in SIMD lanes (lanes.ts; default true). The records are
   * the same bits either way; false runs every run on its own (benchmarks, bisecting).
   */
  lanes?: boolean;
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
  /** Lines of this shard's file that were no finished run (torn or invalid), set aside in runs/*.rejected.jsonl. */
  discarded: number;
  /** Runs of the whole plan still missing (other shards, or this one if cancelled). */
  missing: number;
  elapsedMs: number;
}

function shardFileName(shard?: Shard): string {
  return shard ? `shard-${shard.index}-of-${shard.count}.jsonl` : 'all.jsonl';
}

/** Refuses an empty results directory name (it would write into the working directory). */
export function checkOut(out: unknown, field = 'out'): string {
  if (typeof out !== 'string' || out.trim() === '') {
    throw new DlnError('ERR_DLN_VALUE', `${field}: expected the path of a results directory, got ${out === '' ? 'an empty string' : typeof out}`, {
      field,
    });
  }
  return out;
}

/** Runs a loaded experiment (or its shard) into `options.out`, resuming what is already there. */
export async function runSweep(loaded: LoadedExperiment, options: SweepOptions): Promise<SweepOutcome> {
  const started = Date.now();
  const { shard, signal, onProgress } = options;
  const out = checkOut(options.out);
  if (signal?.aborted) throw new DlnAbortError(signal.reason);
  const plan = buildPlan(loaded.experiment);
  const manifest = manifestOf(loaded, plan);
  const index = indexPlan(plan);

  // Another experiment's directory is refused before anything is created in it (and again under
  // the manifest lock, where it counts).
  const existingManifest = readManifest(out);
  if (existingManifest && existingManifest.planHash !== plan.hash) {
    throw otherPlanError(out, existingManifest, manifest, 'choose a new --out, or delete that directory to start over');
  }
  if (existingManifest) checkSameNormals(out, existingManifest, manifest);
  ensureDir(out);
  const runs = ensureSubdir(out, 'runs');
  const role: WriterRole = shard ? { kind: 'shard', index: shard.index, count: shard.count } : { kind: 'all' };
  const lock = await lockResultsWriter(out, runs, role, { forceUnlock: options.forceUnlock });
  let writer: ResultWriter | undefined;
  let ran = 0;
  let failure: unknown;
  let resumed = 0;
  let discarded = 0;
  let mine: PlannedRun[] = [];
  let metadata: MetadataRecorder | undefined;
  // Runs of the plan found finished at the start or appended since (once the files were read).
  let finishedIds: Set<string> | undefined;
  try {
    await claimOut(out, manifest, plan.runs, { forceUnlock: options.forceUnlock });
    metadata = new MetadataRecorder(out, plan.hash, shard);
    const meta = metadata;
    if (plan.experiment.output.traces) ensureSubdir(out, 'traces');
    if (plan.experiment.output.weights) ensureSubdir(out, 'weights');

    const ownPath = join(runsDir(out), shardFileName(shard));
    const existing = readAllResults(out, index, ownPath);
    const own = existing.files.find((f) => f.path === ownPath);
    discarded = own ? own.rejected.length + (own.torn ? 1 : 0) : 0;
    writer = new ResultWriter(ownPath, own);

    mine = plan.runs.filter((r) => inShard(r, shard));
    const known = new Set(existing.records.keys());
    finishedIds = known;
    const todo = mine.filter((r) => !existing.records.has(r.id));
    resumed = mine.length - todo.length;
    let diverged = [...existing.records.values()].filter((r) => r.status === 'diverged').length;
    let done = resumed;
    const progress = () => onProgress?.({ done, total: mine.length, resumed, diverged, elapsedMs: Date.now() - started });
    progress();

    const problems = new ProblemCache();
    const keepTrace = plan.experiment.output.traces;
    const keepWeights = plan.experiment.output.weights;
    const threads = Math.max(1, buildInfo().workerThreads);
    // One controller per run in flight (not one signal shared by all: that would add a listener
    // per run to it, past Node's limit of 10 with 6 threads and more).
    const inFlight = new Set<AbortController>();
    let stopped: unknown;
    const stopAll = (reason: unknown) => {
      stopped ??= reason ?? new Error('stopped');
      for (const c of inFlight) c.abort(reason);
    };
    const onAbort = () => stopAll(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    // An abort while the lock and the manifest were being taken has fired already: no event will come.
    if (signal?.aborted) onAbort();
    const w = writer;
    try {
      // Units of work: single runs, or gradient-descent runs of one problem that go in SIMD lanes
      // together (lanes.ts); each run's record is the same either way.
      const configOf = (r: PlannedRun) => plan.points[r.point];
      const units = laneUnits(todo, configOf, options.lanes ?? true);
      let next = 0;
      const worker = async () => {
        while (next < units.length && stopped === undefined) {
          const unit = units[next++];
          const controller = new AbortController();
          // Each run of the unit that is a job of its own listens to this signal: up to 16 (lanes.ts).
          setMaxListeners(Math.max(10, unit.length + 1), controller.signal);
          inFlight.add(controller);
          try {
            const unitStarted = performance.now();
            const executed = await executeUnit(unit, configOf, problems, {
              signal: controller.signal,
              keepTrace,
              keepWeights,
            });
            if (stopped !== undefined) return;
            // A unit's wall time is shared out evenly among its runs in the metadata.
            const share = (performance.now() - unitStarted) / unit.length;
            // The lock is checked once before the unit's records, not before each (docs/algorithms.md
            // §4.6): a check reads the lock file, on the main thread, which shares the cores with
            // the workers. Nothing is awaited between that check and the appends but a run's own
            // trace and weights files, and a run that has them is checked again before them.
            let check = true;
            for (const { record, trace, weights } of executed) {
              if (check || trace || weights) await lock.assertHeld();
              check = false;
              // Before the result line: a listed run always has its trace and weights.
              if (trace) await writeTrace(out, trace);
              if (weights) await writeWeights(out, weights);
              if (stopped !== undefined) return;
              const stored: StoredRecord = { plan: plan.hash, ...divergedFinal(record) };
              w.append(stored);
              known.add(record.id);
              meta.run(record.id, share);
              ran++;
              done++;
              if (record.status === 'diverged') diverged++;
              progress();
            }
          } catch (err) {
            if (controller.signal.aborted && stopped !== undefined) return;
            failure ??= err;
            stopAll(err);
          } finally {
            inFlight.delete(controller);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(units.length, 2 * threads) }, worker));
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    // A problem file changed while the runs read it would mix data in one experiment.
    for (const [path, hash] of Object.entries(plan.dataFiles)) {
      if (fileContentHash(path) !== hash) {
        failure ??= new DlnError(
          'ERR_DLN_CONFIG',
          `data.path: ${path} changed during the run; its results mix two data sets: rerun into a new directory`,
          { field: 'data.path' },
        );
      }
    }
  } catch (err) {
    failure ??= err;
  } finally {
    try {
      await writer?.close();
    } catch (err) {
      failure ??= err;
    }
    try {
      // When, where and how fast: beside the results, never in them (run-metadata.ts).
      metadata?.write({ ran, resumed, interrupted: failure !== undefined || Boolean(signal?.aborted) });
    } catch (err) {
      failure ??= err;
    }
    lock.release();
  }
  if (failure !== undefined && !(failure instanceof DlnAbortError)) throw failure;
  // An unsharded run is the only writer of OUT/runs while it holds its lock (lock.ts): what it
  // found there and what it appended is all there is, so the files are not read again. Shards
  // write side by side: the other shards' files are read as they are now.
  const finished = shard || !finishedIds ? readAllResults(out, index).records : finishedIds;
  const missing = plan.runs.filter((r) => !finished.has(r.id)).length;
  const outcome: SweepOutcome = {
    out,
    name: plan.experiment.name,
    planHash: plan.hash,
    planned: plan.runs.length,
    shardRuns: mine.length,
    ran,
    resumed,
    discarded,
    missing,
    elapsedMs: Date.now() - started,
  };
  if (signal?.aborted || failure instanceof DlnAbortError) throw new DlnAbortError(signal?.reason, outcome);
  return outcome;
}
