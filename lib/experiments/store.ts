/**
 * The results directory. Finished runs are appended, one JSON line each, to runs/<shard>.jsonl
 * with a single write: a process killed mid-write leaves at most one line without its newline,
 * which readers discard (never parse) and the next writer cuts off before appending. Everything
 * else is written whole to a temporary file and renamed into place.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DlnError } from '../errors';
import type { RunRecord, TraceFile, WeightsFile } from './execute';

export function ensureDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new DlnError('ERR_DLN_IO', `cannot create ${dir}: ${(err as Error).message}`, { cause: err });
  }
}

/** Writes `text` to `path` atomically (temporary file in the same directory, then rename). */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    throw new DlnError('ERR_DLN_IO', `cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
}

export function readJson<T>(path: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    throw new DlnError('ERR_DLN_IO', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

export interface JsonlContents<T> {
  records: T[];
  /** Lines dropped: a last line without its newline (an interrupted write) or a line that does not parse. */
  discarded: number;
  /** Bytes up to the end of the last complete line. */
  completeBytes: number;
}

function isRunRecord(v: unknown): v is RunRecord {
  const r = v as RunRecord;
  return typeof r === 'object' && r !== null && typeof r.id === 'string' && typeof r.index === 'number' && typeof r.status === 'string';
}

export function readResultsFile(path: string): JsonlContents<RunRecord> {
  const text = readFileSync(path, 'utf8');
  const records: RunRecord[] = [];
  let discarded = 0;
  let completeBytes = 0;
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    if (end < 0) {
      discarded++; // an interrupted write: never parsed
      break;
    }
    const line = text.slice(start, end);
    completeBytes += Buffer.byteLength(line) + 1;
    start = end + 1;
    if (line.trim() === '') continue;
    try {
      const v = JSON.parse(line);
      if (isRunRecord(v)) records.push(v);
      else discarded++;
    } catch {
      discarded++;
    }
  }
  return { records, discarded, completeBytes };
}

export function runsDir(out: string): string {
  return join(out, 'runs');
}

/** Every result in OUT/runs/*.jsonl; a run found twice counts once. */
export function readAllResults(out: string): { records: Map<string, RunRecord>; discarded: number; files: string[] } {
  const dir = runsDir(out);
  const records = new Map<string, RunRecord>();
  let discarded = 0;
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort() : [];
  for (const f of files) {
    const contents = readResultsFile(join(dir, f));
    discarded += contents.discarded;
    for (const r of contents.records) if (!records.has(r.id)) records.set(r.id, r);
  }
  return { records, discarded, files };
}

/** Appends results to one runs/*.jsonl file, first cutting off a torn last line. */
export class ResultWriter {
  private fd: number;

  constructor(readonly path: string) {
    try {
      if (existsSync(path)) {
        const { completeBytes } = readResultsFile(path);
        if (statSync(path).size !== completeBytes) truncateSync(path, completeBytes);
      }
      this.fd = openSync(path, 'a');
    } catch (err) {
      throw new DlnError('ERR_DLN_IO', `cannot open ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  append(record: RunRecord): void {
    // One write call per line: the line lands whole or, if the process dies inside the call, torn.
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
  }

  close(): void {
    try {
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
    }
  }
}

export function tracePath(out: string, id: string): string {
  return join(out, 'traces', `${id}.json`);
}

export function writeTrace(out: string, trace: TraceFile): void {
  writeFileAtomic(tracePath(out, trace.id), JSON.stringify(trace));
}

export function readTrace(out: string, id: string): TraceFile | undefined {
  const p = tracePath(out, id);
  return existsSync(p) ? readJson<TraceFile>(p) : undefined;
}

export function writeWeights(out: string, weights: WeightsFile): void {
  writeFileAtomic(join(out, 'weights', `${weights.id}.json`), JSON.stringify(weights));
}

export function readWeights(out: string, id: string): WeightsFile | undefined {
  const p = join(out, 'weights', `${id}.json`);
  return existsSync(p) ? readJson<WeightsFile>(p) : undefined;
}
