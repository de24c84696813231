/**
 * The results directory. Finished runs are appended, one JSON line each, to runs/<file>.jsonl by
 * the one process holding that file's lock (lock.ts). Each line is a RunRecord carrying its plan
 * hash, and ends with `"sum"`: the first 16 hex digits of the SHA-256 of the record's JSON, so that
 * a changed byte that still parses (a digit dropped from a number) is seen. A line is a finished
 * run only if it is whole (ends in a newline), valid UTF-8 and JSON, matches the record schema
 * (record-check.ts) and its checksum, and agrees with the plan entry of its id. Anything else is
 * never counted as done:
 *  - a bad complete line is left where it is (good data is never rewritten), copied into
 *    runs/<file>.rejected.jsonl by the file's writer, named in a warning, and its run redone;
 *  - a last line without its newline (a write cut short by a kill or a full disk) is copied there
 *    too and cut off by the writer before it appends; lengths are counted in bytes, so a cut never
 *    extends a file (a file is never grown with NUL bytes);
 *  - a record of another plan is an error naming both plans: two experiments never mix.
 * An append that fails (ENOSPC, EIO) is rolled back to the last whole line and is ERR_DLN_IO
 * naming the file. Everything else is written whole through util/atomic-write.ts, and nothing is
 * written through a symbolic link.
 */
import {
  closeSync,
  constants,
  existsSync,
  fdatasync,
  fstatSync,
  ftruncateSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
} from 'node:fs';
import { createHash, hash as hashOnce } from 'node:crypto';
import { join } from 'node:path';
import { DlnError } from '../errors';
import { ioError, refuseSymlink, writeAll, writeFileAtomic, writeFileAtomicSync } from '../util/atomic-write';
import type { RunRecord, TraceFile, WeightsFile } from './execute';
import type { Plan, PlannedRun } from './plan';
import { planMismatch, recordProblem } from './record-check';

export { writeFileAtomic, writeFileAtomicSync } from '../util/atomic-write';

/** A result line as stored: the run's record and the hash of the plan it belongs to. */
export type StoredRecord = RunRecord & { plan: string };

/** Creates `dir` (and its parents). Inside a results directory, pass `out` too: a symbolic link there is refused. */
export function ensureDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new DlnError('ERR_DLN_IO', `cannot create ${dir}: ${(err as Error).message}`, { cause: err });
  }
}

/** Creates OUT/<name> and refuses it if it is a symbolic link (results never go through one). */
export function ensureSubdir(out: string, name: string): string {
  const dir = join(out, name);
  refuseSymlink(dir);
  ensureDir(dir);
  let isDir = false;
  try {
    isDir = lstatSync(dir).isDirectory();
  } catch (err) {
    throw ioError(dir, err, 'read');
  }
  if (!isDir) throw new DlnError('ERR_DLN_IO', `cannot write ${dir}: not a directory`);
  return dir;
}

export function readJson<T>(path: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    throw new DlnError('ERR_DLN_IO', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** The plan as the readers check records against it. */
export interface PlanIndex {
  hash: string;
  name: string;
  byId: Map<string, PlannedRun>;
}

export function indexPlan(plan: Plan): PlanIndex {
  return { hash: plan.hash, name: plan.experiment.name, byId: new Map(plan.runs.map((r) => [r.id, r])) };
}

export interface RejectedLine {
  file: string;
  /** 1-based line number. */
  line: number;
  reason: string;
  bytes: Buffer;
}

export interface ResultsFile {
  path: string;
  records: StoredRecord[];
  /** Complete lines that are not finished runs. */
  rejected: RejectedLine[];
  /** A last line without its newline (an interrupted write), never parsed. */
  torn: Buffer | null;
  /** Its line number. */
  tornLine: number;
  /** Bytes up to the end of the last complete line. */
  completeBytes: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function lineSum(json: string): string {
  return hashOnce('sha256', json, 'hex').slice(0, 16);
}

/** A result line (without its newline): the record's JSON with its checksum as the last key. */
export function encodeRecordLine(record: StoredRecord): string {
  const json = JSON.stringify(record);
  return `${json.slice(0, -1)},"sum":"${lineSum(json)}"}`;
}

function isBlank(bytes: Buffer): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  return true;
}

/**
 * Reads one results file. With `plan`, records must match it; a record of another plan throws
 * ERR_DLN_CONFIG naming both plans.
 */
export function readResultsFile(path: string, plan?: PlanIndex): ResultsFile {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw new DlnError('ERR_DLN_IO', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  const records: StoredRecord[] = [];
  const rejected: RejectedLine[] = [];
  let completeBytes = 0;
  let torn: Buffer | null = null;
  let line = 0;
  let start = 0;
  while (start < buf.length) {
    const end = buf.indexOf(0x0a, start);
    line++;
    if (end < 0) {
      torn = buf.subarray(start);
      break;
    }
    const bytes = buf.subarray(start, end);
    start = end + 1;
    completeBytes = start;
    if (isBlank(bytes)) continue;
    const reject = (reason: string) => rejected.push({ file: path, line, reason, bytes });
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      reject('not valid UTF-8');
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      reject('not valid JSON');
      continue;
    }
    const problem = recordProblem(value);
    if (problem) {
      reject(`not a complete result (${problem})`);
      continue;
    }
    const { sum, ...record } = value as StoredRecord & { sum?: unknown };
    if (typeof sum !== 'string' || lineSum(JSON.stringify(record)) !== sum) {
      reject(typeof sum === 'string' ? 'its checksum does not match: the line was altered' : 'sum: missing (the checksum of the line)');
      continue;
    }
    if (plan) {
      // A record of another experiment has that plan's hash in its id too; a plan field that
      // disagrees with its own id is damage (a flipped byte), set aside like any bad line.
      if (record.plan !== plan.hash && !record.id.startsWith(`${record.plan}-`)) {
        reject(`plan ${record.plan} does not match its id ${record.id}`);
        continue;
      }
      if (record.plan !== plan.hash) {
        throw new DlnError(
          'ERR_DLN_CONFIG',
          `${path}:${line} is a result of plan ${record.plan}, not of plan ${plan.hash} ("${plan.name}") that this directory holds: ` +
            'results of two experiments are never mixed (move that file out of the results directory)',
          { field: 'out' },
        );
      }
      const mismatch = planMismatch(record, plan.byId.get(record.id));
      if (mismatch) {
        reject(`does not match the plan: ${mismatch}`);
        continue;
      }
    }
    records.push(record);
  }
  return { path, records, rejected, torn, tornLine: line, completeBytes };
}

export function runsDir(out: string): string {
  return join(out, 'runs');
}

/** Where the bad lines of runs/<name>.jsonl are set aside. */
export function rejectedPath(path: string): string {
  return path.replace(/\.jsonl$/, '') + '.rejected.jsonl';
}

const warned = new Set<string>();

/** One warning per bad line and process, naming the file and line. */
function warnRejected(r: RejectedLine, setAside: boolean): void {
  const key = `${r.file}:${r.line}:${createHash('sha256').update(r.bytes).digest('hex')}`;
  if (warned.has(key)) return;
  warned.add(key);
  process.emitWarning(
    `${r.file}:${r.line}: ${r.reason}: skipped${setAside ? ` (copied to ${rejectedPath(r.file)})` : ''}; a run with no valid line is not done`,
    {
      code: 'DLN_REJECTED_LINE',
    },
  );
}

export interface AllResults {
  /** Finished runs by id (a run found twice counts once). */
  records: Map<string, StoredRecord>;
  files: ResultsFile[];
  /** Complete lines that are not finished runs, in every file. */
  rejected: RejectedLine[];
  /** Runs found twice with different records. */
  conflicts: string[];
}

/** The names of the results files in OUT/runs (not the rejected lines or locks). */
export function resultFileNames(out: string): string[] {
  const dir = runsDir(out);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl') && !f.endsWith('.rejected.jsonl') && !f.startsWith('.'))
    .sort();
}

/**
 * Every finished run of `plan` in OUT/runs/*.jsonl. Bad lines are warned about (once per process)
 * and skipped; `own` names the file this process writes, whose bad lines the writer sets aside.
 */
export function readAllResults(out: string, plan: PlanIndex, own?: string): AllResults {
  const records = new Map<string, StoredRecord>();
  const conflicts: string[] = [];
  const files: ResultsFile[] = [];
  const rejected: RejectedLine[] = [];
  for (const f of resultFileNames(out)) {
    const path = join(runsDir(out), f);
    const contents = readResultsFile(path, plan);
    files.push(contents);
    for (const r of contents.rejected) {
      rejected.push(r);
      warnRejected(r, path === own);
    }
    for (const r of contents.records) {
      const seen = records.get(r.id);
      if (!seen) records.set(r.id, r);
      else if (JSON.stringify(seen) !== JSON.stringify(r) && !conflicts.includes(r.id)) conflicts.push(r.id);
    }
  }
  return { records, files, rejected, conflicts };
}

/** Appends bad lines (and a torn tail) of a results file to its .rejected.jsonl, each once. */
function setAside(path: string, contents: ResultsFile): number {
  const lines = contents.rejected.map((r) => ({ line: r.line, reason: r.reason, bytes: r.bytes }));
  if (contents.torn && !isBlank(contents.torn)) {
    lines.push({ line: contents.tornLine, reason: 'an interrupted write (no newline at the end of the file)', bytes: contents.torn });
  }
  if (lines.length === 0) return 0;
  const target = rejectedPath(path);
  const existing = existsSync(target) ? readFileSync(target, 'utf8') : '';
  const have = new Set(
    existing
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        try {
          return (JSON.parse(l) as { base64?: string }).base64 ?? '';
        } catch {
          return '';
        }
      }),
  );
  const add = lines
    .map((l) => ({ base64: l.bytes.toString('base64'), l }))
    .filter(({ base64 }) => !have.has(base64))
    .map(({ base64, l }) => JSON.stringify({ file: path, line: l.line, reason: l.reason, text: l.bytes.toString('utf8'), base64 }));
  if (add.length) writeFileAtomicSync(target, existing + (existing === '' || existing.endsWith('\n') ? '' : '\n') + add.join('\n') + '\n');
  return add.length;
}

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
/** Flush appended lines to the disk at most this often (and at close). */
const SYNC_EVERY_MS = 2000;

/**
 * Appends results to one runs/*.jsonl file. Its caller holds the file's lock; opening it sets
 * aside bad lines and cuts off a torn last line (never past the end of the file).
 */
export class ResultWriter {
  private fd: number;
  private size: number;
  private lastSync = Date.now();
  /** The last flush to disk, done off the event loop; its failure is reported by the next call. */
  private syncing: Promise<void> = Promise.resolve();
  private syncError: unknown;

  constructor(
    readonly path: string,
    contents?: ResultsFile,
  ) {
    refuseSymlink(path);
    try {
      this.fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | NOFOLLOW, 0o666);
    } catch (err) {
      throw ioError(path, err, 'open');
    }
    try {
      if (contents) {
        setAside(path, contents);
        for (const r of contents.rejected) warnRejected(r, true);
      }
      this.size = fstatSync(this.fd).size;
      const keep = contents ? contents.completeBytes : this.size;
      if (keep < this.size) {
        ftruncateSync(this.fd, keep);
        this.size = keep;
      }
    } catch (err) {
      closeSync(this.fd);
      throw ioError(path, err);
    }
  }

  private flush(): Promise<void> {
    this.lastSync = Date.now();
    this.syncing = this.syncing.then(
      () =>
        new Promise<void>((resolve) =>
          fdatasync(this.fd, (err) => {
            if (err) this.syncError ??= err;
            resolve();
          }),
        ),
    );
    return this.syncing;
  }

  append(record: StoredRecord): void {
    if (this.syncError !== undefined) throw ioError(this.path, this.syncError);
    const bytes = Buffer.from(`${encodeRecordLine(record)}\n`, 'utf8');
    try {
      writeAll(this.fd, bytes);
    } catch (err) {
      // A part of the line may have landed (a short write, then ENOSPC): cut it off again.
      try {
        ftruncateSync(this.fd, this.size);
      } catch {
        // the next writer cuts it off (a torn last line)
      }
      throw ioError(this.path, err);
    }
    this.size += bytes.length;
    if (Date.now() - this.lastSync > SYNC_EVERY_MS) void this.flush();
  }

  /** Flushes to disk and closes; throws ERR_DLN_IO if a flush failed. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      closeSync(this.fd);
    }
    if (this.syncError !== undefined) throw ioError(this.path, this.syncError);
  }
}

export function tracePath(out: string, id: string): string {
  return join(out, 'traces', `${id}.json`);
}

export function weightsPath(out: string, id: string): string {
  return join(out, 'weights', `${id}.json`);
}

export function writeTrace(out: string, trace: TraceFile): Promise<void> {
  return writeFileAtomic(tracePath(out, trace.id), JSON.stringify(trace));
}

export function readTrace(out: string, id: string): TraceFile | undefined {
  const p = tracePath(out, id);
  return existsSync(p) ? readJson<TraceFile>(p) : undefined;
}

export function writeWeights(out: string, weights: WeightsFile): Promise<void> {
  return writeFileAtomic(weightsPath(out, weights.id), JSON.stringify(weights));
}

export function readWeights(out: string, id: string): WeightsFile | undefined {
  const p = weightsPath(out, id);
  return existsSync(p) ? readJson<WeightsFile>(p) : undefined;
}
