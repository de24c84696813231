/**
 * How a sweep was run, kept apart from what it computed: OUT/metadata/<all | shard-i-of-N>.jsonl
 * gets one line per `run` invocation (dlnflow and Node versions, platform, host, BLAS vendor and
 * threads, worker threads, shard, start and end times, each run's wall time). Every other file of
 * OUT depends only on the plan and the numbers, so two runs of one config give byte-identical
 * result files (test/run-metadata.test.ts) while this file says when, where and how fast.
 *
 * A run's wall time is from handing it to the worker pool to its result: it includes the time it
 * queued for a thread (at most 2 x threads runs are in flight), so compare wall times of runs made
 * with the same thread count. The line is appended under the shard file's writer lock, which the
 * runner holds for the whole invocation, so shards never interleave their lines.
 */
import { closeSync, fstatSync, ftruncateSync, openSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { buildInfo } from '../api/system';
import { ioError, refuseSymlink, writeAll } from '../util/atomic-write';
import type { Shard } from './plan';
import { ensureSubdir } from './store';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- package.json lies outside lib/, so an import would change the compiled layout
const pkg = require('../../package.json') as { version: string };

export interface RunMetadata {
  dlnflow: string;
  node: string;
  platform: string;
  arch: string;
  host: string;
  blasVendor: string;
  blasThreads: number;
  /** buildInfo().cpuLevel: the kernels' instruction-set level, part of the run's identity (rounding). */
  cpuLevel: string;
  workerThreads: number;
  /** "i/N", or null for an unsharded run. */
  shard: string | null;
  planHash: string;
  /** ISO 8601 times of this invocation. */
  startedAt: string;
  endedAt: string;
  /** Runs this invocation finished, and those it found finished. */
  ran: number;
  resumed: number;
  /** Stopped by a signal (or an error) before its runs were done. */
  interrupted: boolean;
  /** Wall time (ms) of each run this invocation finished, by run id, in finishing order. */
  wallMs: Record<string, number>;
}

function openIo(file: string): number {
  try {
    return openSync(file, 'a');
  } catch (err) {
    throw ioError(file, err);
  }
}

/** The metadata recorder of one invocation: `run(id, ms)` per finished run, then `write`. */
export class MetadataRecorder {
  private readonly started = new Date();
  private readonly wallMs: Record<string, number> = {};

  constructor(
    private readonly out: string,
    private readonly planHash: string,
    private readonly shard: Shard | undefined,
  ) {}

  run(id: string, ms: number): void {
    this.wallMs[id] = Math.round(ms * 1000) / 1000;
  }

  /** Appends this invocation's line to OUT/metadata/<shard>.jsonl and returns it. */
  write(counts: { ran: number; resumed: number; interrupted: boolean }): RunMetadata {
    const info = buildInfo();
    const line: RunMetadata = {
      dlnflow: pkg.version,
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      host: hostname(),
      blasVendor: info.blasVendor,
      blasThreads: info.blasThreads,
      cpuLevel: info.cpuLevel,
      workerThreads: info.workerThreads,
      shard: this.shard ? `${this.shard.index}/${this.shard.count}` : null,
      planHash: this.planHash,
      startedAt: this.started.toISOString(),
      endedAt: new Date().toISOString(),
      ...counts,
      wallMs: this.wallMs,
    };
    const dir = ensureSubdir(this.out, 'metadata');
    const file = join(dir, this.shard ? `shard-${this.shard.index}-of-${this.shard.count}.jsonl` : 'all.jsonl');
    refuseSymlink(file);
    // As every results file: a failed append (a full disk) is rolled back to the last whole line
    // and is ERR_DLN_IO naming the file, never a torn line or an internal error.
    const fd = openIo(file);
    let size = 0;
    try {
      size = fstatSync(fd).size;
      writeAll(fd, Buffer.from(`${JSON.stringify(line)}\n`));
    } catch (err) {
      try {
        ftruncateSync(fd, size);
      } catch {
        // the rollback itself failed: the reader drops a torn last line
      }
      throw ioError(file, err);
    } finally {
      closeSync(fd);
    }
    return line;
  }
}
