/**
 * The plan: the sweep expanded into runs, each with a stable id and every seed it uses. Seeds
 * derive from the master seed and what the run is (never from its position or the shard that
 * runs it), so a slice, a resumed sweep or another machine computes exactly the same numbers.
 *
 * The plan hash is the experiment's identity: a hash of everything that decides the numbers
 * (the config but its report, description, checks and output.arrow, every run's key, values and seeds). A problem file
 * (`data: {kind: file}`) enters by its content (SHA-256), not its path, so a changed file is
 * another experiment and a moved one the same. A run's id is `<plan hash>-<key>`, the key a hash
 * of its sweep values and repetition: records of two experiments never share an id.
 */
import { createHash, hash as hashOnce } from 'node:crypto';
import type { z } from 'zod';
import { readFileSync, statSync } from 'node:fs';
import { DlnError } from '../errors';
import { configError } from '../config/issues';
import { getPath, isPlainObject, parsePath, setPath } from '../util/paths';
import { experimentSchema, MAX_RUNS, type Experiment, type ValuesSpec } from './schema';

export type AxisValue = number | string | boolean;
/** A value a sweep lists: an axis value, or a whole object for an object-valued field (`train.optimizer`). */
export type SweepValue = AxisValue | Record<string, unknown>;

export interface RunSeeds {
  data: number;
  init: number;
  projection: number;
  eigensolver: number;
}

export interface PlannedRun {
  /** Position in the plan (sweep order, repetitions innermost). */
  index: number;
  /** `<plan hash>-<key>`: unique across experiments. */
  id: string;
  /** A hash of the sweep values and repetition (stable when other parts of the config change). */
  key: string;
  /** Index of the grid point (runs differing only in repetition share it). */
  point: number;
  /** The sweep's values for this run, by dotted path. */
  values: Record<string, AxisValue>;
  rep: number;
  seeds: RunSeeds;
}

export interface Plan {
  experiment: Experiment;
  /** Sweep axes (dotted paths), in order. */
  axes: string[];
  /** Resolved config of each grid point. */
  points: Experiment[];
  runs: PlannedRun[];
  /** Hash of everything that decides the numbers (not the report or the description). */
  hash: string;
  /** SHA-256 of each problem file the plan reads (`data: {kind: file}`), by path. */
  dataFiles: Record<string, string>;
}

export interface PlanOptions {
  /**
   * The SHA-256 of a problem file's content (default: read it now). Merging passes the hashes its
   * manifest recorded, so results can be merged where the data file is not.
   */
  fileHash?: (path: string) => string;
}

const fileHashes = new Map<string, { size: number; mtimeMs: number; hash: string }>();

/** SHA-256 of a file's content (memoized while its size and mtime stay the same). */
export function fileContentHash(path: string): string {
  try {
    const st = statSync(path);
    const memo = fileHashes.get(path);
    if (memo && memo.size === st.size && memo.mtimeMs === st.mtimeMs) return memo.hash;
    const hash = createHash('sha256').update(readFileSync(path)).digest('hex');
    fileHashes.set(path, { size: st.size, mtimeMs: st.mtimeMs, hash });
    return hash;
  } catch (err) {
    throw new DlnError('ERR_DLN_IO', `data.path: cannot read ${path}: ${(err as Error).message}`, { field: 'data.path', cause: err });
  }
}

/**
 * Canonical JSON: object keys sorted (by UTF-16 code units), undefined members left out, so equal
 * values hash equally. Built by concatenation: a plan calls it several times per run (keys, seeds,
 * the plan hash), on the main thread before any run starts.
 */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) {
    let s = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) s += ',';
      // A hole is empty, as Array.prototype.join writes it.
      if (i in value) s += canonical(value[i]);
    }
    return `${s}]`;
  }
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    let s = '{';
    for (const k of Object.keys(object).sort()) {
      const v = object[k];
      if (v === undefined) continue;
      if (s.length > 1) s += ',';
      s += `${JSON.stringify(k)}:${canonical(v)}`;
    }
    return `${s}}`;
  }
  return JSON.stringify(value ?? null);
}

/** SHA-256 of a string's UTF-8 bytes, in hex (one-shot: a plan hashes a few strings per run). */
export function sha256(text: string): string {
  return hashOnce('sha256', text, 'hex');
}

/** A seed in [0, 2^52) from the master seed and a purpose-specific key. */
export function deriveSeed(master: number, purpose: string, ...key: unknown[]): number {
  return parseInt(sha256(canonical([master, purpose, ...key])).slice(0, 13), 16);
}

/**
 * How a sweep value appears in a run's values, tidy columns, figure series and filters: itself, or
 * for an object a short deterministic label: its `kind` (when a string) first, then every other
 * field as `key=value` in key order, the value in canonical JSON, joined by spaces — `gd`,
 * `sgd batchSize=10`, `momentum beta=0.9`, `label-noise sigma=0.1`; `{}` for an empty object. Equal
 * objects label equally whatever their key order. Run keys and seeds derive from the label, as for
 * any axis; two values of an axis with the same label are refused (the plan's duplicate-run check).
 * Primitive values are unchanged, so plans without object values hash as before.
 */
export function axisLabel(value: SweepValue): AxisValue {
  if (!isPlainObject(value)) return value;
  const { kind, ...rest } = value;
  const head = typeof kind === 'string' ? [kind] : kind === undefined ? [] : [`kind=${canonical(kind)}`];
  const fields = Object.keys(rest)
    .filter((k) => rest[k] !== undefined)
    .sort()
    .map((k) => `${k}=${canonical(rest[k])}`);
  const parts = [...head, ...fields];
  return parts.length ? parts.join(' ') : '{}';
}

/** numpy-style value lists; logspace takes base-10 exponents. Values are rounded to 12 digits. */
export function expandValues(spec: ValuesSpec): SweepValue[] {
  if (Array.isArray(spec)) return spec.slice();
  const clean = (v: number) => Number(v.toPrecision(12));
  if ('linspace' in spec) {
    const [a, b, n] = spec.linspace;
    return Array.from({ length: n }, (_, i) => clean(n === 1 ? a : a + ((b - a) * i) / (n - 1)));
  }
  const [a, b, n] = spec.logspace;
  return Array.from({ length: n }, (_, i) => clean(10 ** (n === 1 ? a : a + ((b - a) * i) / (n - 1))));
}

const REPETITIONS = 'repetitions';

function sweepPaths(experiment: Experiment): string[] {
  const paths: string[] = [];
  experiment.sweep.forEach((factor) => {
    for (const path of Object.keys(factor)) {
      if (paths.includes(path)) throw new DlnError('ERR_DLN_CONFIG', `sweep: "${path}" appears in more than one factor`, { field: 'sweep' });
      paths.push(path);
    }
  });
  return paths;
}

/** One axis's value at a grid point, with where the sweep lists it: `sweep[f][path][i]`. */
interface Assignment {
  path: string;
  value: SweepValue;
  f: number;
  i: number;
}

/**
 * An issue inside an object-valued sweep value, renamed to where the sweep lists it:
 * `train.optimizer.beta` becomes `sweep[0][train.optimizer][2].beta`. Other issues keep their path.
 */
function inSweep(issue: z.core.$ZodIssue, assignments: Assignment[]): z.core.$ZodIssue {
  for (const a of assignments) {
    if (!isPlainObject(a.value)) continue;
    const segments = parsePath(a.path);
    if (segments.every((s, k) => String(issue.path[k]) === s) && issue.path.length >= segments.length) {
      return { ...issue, path: ['sweep', a.f, a.path, a.i, ...issue.path.slice(segments.length)] };
    }
  }
  return issue;
}

/** Expands the sweep. Each grid point's config is validated; an error names the point. */
export function buildPlan(input: Experiment, options: PlanOptions = {}): Plan {
  // The experiment is validated like a config (a caller's object may be anything): a bad one is an
  // ERR_DLN_CONFIG naming the field, never a TypeError. Parsing a parsed experiment changes nothing.
  const checked = experimentSchema.safeParse(input);
  if (!checked.success) throw configError('experiment', checked.error);
  const experiment = checked.data;
  const hashFile = options.fileHash ?? fileContentHash;
  const dataFiles: Record<string, string> = {};
  // Data as it enters hashes and seeds: a problem file by its content, not its path.
  const dataIdentity = (data: Experiment['data']): unknown => {
    if (data.kind !== 'file') return data;
    const sha256 = (dataFiles[data.path] ??= hashFile(data.path));
    const { path: _path, ...rest } = data;
    return { ...rest, sha256 };
  };
  const axes = sweepPaths(experiment);
  // Each factor: a list of assignments (zipped axes vary together).
  const factors = experiment.sweep.map((factor, f) => {
    const lists = Object.entries(factor).map(([path, spec]) => {
      parsePath(path);
      return [path, expandValues(spec)] as const;
    });
    const n = lists[0][1].length;
    for (const [path, values] of lists) {
      if (values.length !== n) {
        throw new DlnError(
          'ERR_DLN_CONFIG',
          `sweep[${f}]: axes varied together need equal lengths ("${lists[0][0]}" has ${n}, "${path}" has ${values.length})`,
          {
            field: `sweep[${f}]`,
          },
        );
      }
    }
    return Array.from({ length: n }, (_, i) => lists.map(([path, values]) => ({ path, value: values[i], f, i })));
  });
  const gridSize = factors.reduce((n, f) => n * f.length, 1);
  if (gridSize > MAX_RUNS) {
    throw new DlnError('ERR_DLN_MEMORY', `sweep: ${gridSize} grid points exceed the limit of ${MAX_RUNS} runs`, { field: 'sweep' });
  }
  // Each grid point: its assignments, each with the factor and index it came from (for error paths).
  let grid: Assignment[][] = [[]];
  for (const factor of factors) grid = grid.flatMap((g) => factor.map((a) => [...g, ...a]));
  let total = 0;

  // The report, the description and the checks (claims tested on the results) decide no number;
  // nor does output.arrow (another format of the same tables), left out so plans hash as before it.
  const { sweep: _sweep, report: _report, description: _description, checks: _checks, ...rest } = experiment;
  const { arrow: _arrow, ...output } = experiment.output;
  const base = { ...rest, output, data: dataIdentity(experiment.data) };
  const points: Experiment[] = [];
  const runs: PlannedRun[] = [];
  for (const assignments of grid) {
    const values: Record<string, AxisValue> = Object.fromEntries(assignments.map((a) => [a.path, axisLabel(a.value)]));
    let raw: unknown = { ...experiment, sweep: [] };
    for (const { path, value } of assignments) {
      if (path !== REPETITIONS) raw = setPath(raw, path, value);
    }
    const parsed = experimentSchema.safeParse(raw);
    if (!parsed.success) {
      const where = Object.entries(values)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ');
      throw configError(`sweep point {${where}}`, { issues: parsed.error.issues.map((issue) => inSweep(issue, assignments)) } as z.ZodError);
    }
    const config = parsed.data;
    for (const path of Object.keys(values)) {
      if (path !== REPETITIONS && getPath(config, path) === undefined) {
        throw new DlnError('ERR_DLN_CONFIG', `sweep: "${path}" is not a config field`, { field: 'sweep' });
      }
    }
    for (const axis of config.seeds.initBy) {
      if (!axes.includes(axis)) throw new DlnError('ERR_DLN_CONFIG', `seeds.initBy: "${axis}" is not a sweep axis`, { field: 'seeds.initBy' });
    }
    const repetitions = REPETITIONS in values ? Number(values[REPETITIONS]) : config.repetitions;
    if (!Number.isInteger(repetitions) || repetitions < 1) {
      throw new DlnError('ERR_DLN_CONFIG', `sweep: repetitions must be integers >= 1, got ${values[REPETITIONS]}`, { field: 'sweep' });
    }
    total += repetitions;
    if (total > MAX_RUNS) throw new DlnError('ERR_DLN_MEMORY', `sweep: more than ${MAX_RUNS} runs`, { field: 'sweep' });
    const point = points.length;
    points.push(config);
    const { repetitions: _r, ...axisValues } = values;
    const dataKey = canonical(dataIdentity(config.data));
    // The seeds that do not depend on the repetition, once per point.
    const dataSeed = config.data.kind !== 'file' && config.data.seed !== undefined ? config.data.seed : deriveSeed(config.seed, 'data', dataKey);
    const projectionSeed = deriveSeed(config.seed, 'projection', dataKey);
    const initKey = config.seeds.initBy.map((axis) => axisValues[axis]);
    for (let rep = 0; rep < repetitions; rep++) {
      const key = sha256(canonical({ values: axisValues, rep })).slice(0, 12);
      runs.push({
        index: runs.length,
        id: key, // made <plan hash>-<key> below
        key,
        point,
        values: axisValues,
        rep,
        seeds: {
          data: dataSeed,
          init: deriveSeed(config.seed, 'init', rep, initKey),
          projection: projectionSeed,
          eigensolver: deriveSeed(config.seed, 'eigensolver', key),
        },
      });
    }
  }
  const keys = new Set(runs.map((r) => r.key));
  if (keys.size !== runs.length)
    throw new DlnError('ERR_DLN_CONFIG', 'sweep: two runs have the same values (an axis lists a value twice?)', { field: 'sweep' });
  const hash = sha256(canonical({ base, runs: runs.map((r) => [r.key, r.values, r.rep, r.seeds]) })).slice(0, 16);
  for (const r of runs) r.id = `${hash}-${r.key}`;
  return { experiment, axes: axes.filter((a) => a !== REPETITIONS), points, runs, hash, dataFiles };
}

export interface Shard {
  index: number;
  count: number;
}

/** "i/N" with 0 <= i < N. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new DlnError('ERR_DLN_VALUE', `--shard "${text}": expected i/N, e.g. 0/4`, { field: 'shard' });
  const shard = { index: Number(m[1]), count: Number(m[2]) };
  if (shard.count < 1 || shard.index >= shard.count) {
    throw new DlnError('ERR_DLN_VALUE', `--shard ${text}: needs 0 <= i < N`, { field: 'shard' });
  }
  return shard;
}

/**
 * The shard of a Slurm array task: (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP
 * out of SLURM_ARRAY_TASK_COUNT, so --array=0-15, 1-16 and 0-30:2 all give shards 0..15 of 16.
 * Undefined outside an array job.
 */
export function shardFromEnvironment(env: NodeJS.ProcessEnv = process.env): Shard | undefined {
  if (env.SLURM_ARRAY_TASK_ID === undefined || env.SLURM_ARRAY_TASK_COUNT === undefined) return undefined;
  const id = Number(env.SLURM_ARRAY_TASK_ID);
  const min = env.SLURM_ARRAY_TASK_MIN === undefined ? 0 : Number(env.SLURM_ARRAY_TASK_MIN);
  const step = env.SLURM_ARRAY_TASK_STEP === undefined ? 1 : Number(env.SLURM_ARRAY_TASK_STEP);
  const count = Number(env.SLURM_ARRAY_TASK_COUNT);
  const index = (id - min) / step;
  if (!Number.isInteger(index)) {
    throw new DlnError('ERR_DLN_VALUE', `Slurm array task ${id} is not on the range ${min}, ${min + step}, ...: give --shard i/N`, {
      field: 'shard',
    });
  }
  return parseShard(`${index}/${count}`);
}

/** Round-robin slices of the plan order, so each shard gets its share of long and short runs. */
export function inShard(run: PlannedRun, shard?: Shard): boolean {
  return !shard || run.index % shard.count === shard.index;
}
