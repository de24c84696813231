/**
 * The options of the experiment pipeline's entry points: runExperiment, mergeResults, buildReport
 * (lib/pipeline/). Values the pipeline checks against the plan or the disk are checked there.
 */
import { fieldError } from '../errors';
import { boolean, custom, group, integer, names, options, required, typeName } from './declare';
import { controls } from './run';

/** One deterministic slice of a plan: the runs whose index is `index` modulo `count`. */
export const shardGroup = group(
  {
    index: required(integer({ doc: 'which slice, 0 <= index < count', min: 0, max: 2 ** 32 })),
    count: required(integer({ doc: 'how many slices', min: 1, max: 2 ** 32 })),
  },
  { doc: 'run only this slice of the plan ({index, count}, round-robin)' },
);

const checkShard = (value: unknown, field: string) => {
  const s = value as { index: number; count: number };
  if (s.index >= s.count) throw fieldError('ERR_DLN_VALUE', `${field}.index`, `must be < count (${s.count}), got ${s.index}`);
};

function checkSignal(v: unknown, field: string): void {
  const s = v as AbortSignal;
  if (typeof s !== 'object' || typeof s.aborted !== 'boolean' || typeof s.addEventListener !== 'function') {
    throw fieldError('ERR_DLN_TYPE', field, 'expected an AbortSignal');
  }
}

const withShardCheck = { ...shardGroup, check: checkShard };

/** The figure file formats a report can write (lib/report/render.ts draws them). */
export const FIGURE_FORMATS = ['svg', 'png', 'pdf'] as const;
export type FigureFormat = (typeof FIGURE_FORMATS)[number];

function checkFormats(value: unknown, field: string): void {
  const expected = FIGURE_FORMATS.map((f) => JSON.stringify(f)).join(' | ');
  if (!Array.isArray(value)) throw fieldError('ERR_DLN_TYPE', field, `expected an array of ${expected}, got ${typeName(value)}`);
  if (value.length === 0) throw fieldError('ERR_DLN_VALUE', field, `expected at least one of ${expected}, got an empty array`);
  value.forEach((v, i) => {
    if (typeof v !== 'string') throw fieldError('ERR_DLN_TYPE', `${field}[${i}]`, `expected ${expected}, got ${typeName(v)}`);
    if (!(FIGURE_FORMATS as readonly string[]).includes(v))
      throw fieldError('ERR_DLN_VALUE', `${field}[${i}]`, `expected ${expected}, got ${JSON.stringify(v)}`);
  });
}

/** The report's figure formats (runExperiment, mergeResults and buildReport pass them to the report). */
const formats = custom<FigureFormat[]>({
  type: 'array of "svg" | "png" | "pdf"',
  doc: "figure files the report writes besides each figure's .vl.json; a format whose optional library is not installed is an error here",
  defaultText: 'every format whose library is installed (svg always; png and pdf unless installed with --omit=optional)',
  check: checkFormats,
});

/** runExperiment(source, options): loading (quick, overrides), the sweep (out, shard, signal, onProgress), the report. */
export const runExperimentOptions = options({
  out: required(custom<string>({ type: 'string', doc: 'the results directory', check: (v, field) => resultDirectory(v, field) })),
  quick: boolean({ doc: "apply the config's quick: patch", default: false }),
  overrides: names({ doc: '`path=value` overrides, applied last (the value read as YAML)' }),
  shard: withShardCheck,
  report: boolean({ doc: 'build the report when the whole plan is present', default: true }),
  formats,
  forceUnlock: boolean({ doc: 'take over a lock another writer holds (after making sure it is gone: README "Errors", locking)', default: false }),
  signal: custom<AbortSignal>({ type: 'AbortSignal', doc: controls.signal.doc, check: checkSignal }),
  onProgress: custom<(progress: never) => void>({
    type: 'function',
    doc: 'called with the sweep progress {done, total, resumed, diverged, elapsedMs}',
    check: (v, field) => {
      if (typeof v !== 'function') throw fieldError('ERR_DLN_TYPE', field, 'expected a function');
    },
  }),
});

/** loadExperiment(source, options). */
export const loadOptions = options({
  quick: runExperimentOptions.fields.quick,
  overrides: runExperimentOptions.fields.overrides,
});

/** mergeResults(dirs, options). */
export const mergeOptions = options({
  out: custom<string>({
    type: 'string',
    doc: 'where the merged results go',
    defaultText: 'the first directory',
    check: (v, field) => resultDirectory(v, field),
  }),
  partial: boolean({ doc: 'build the report even when runs are missing', default: false }),
  formats,
  forceUnlock: boolean({ doc: 'take over a lock another writer holds (after making sure it is gone: README "Errors", locking)', default: false }),
});

/** buildReport(out, options). */
export const reportOptions = options({
  partial: boolean({ doc: 'build a report even if some runs are missing (they are left out and counted)', default: false }),
  formats,
});

/** A results directory argument: a non-empty string. */
export function resultDirectory(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string') throw fieldError('ERR_DLN_TYPE', field, `expected a directory (a string), got ${typeName(value)}`);
  if (value === '') throw fieldError('ERR_DLN_VALUE', field, 'expected a directory, got an empty string');
}

/** Results directories: a non-empty array of non-empty strings. */
export function resultDirectories(value: unknown, field: string): asserts value is string[] {
  if (!Array.isArray(value)) throw fieldError('ERR_DLN_TYPE', field, `expected an array of directories, got ${typeName(value)}`);
  if (value.length === 0) throw fieldError('ERR_DLN_VALUE', field, 'give at least one results directory');
  value.forEach((d, i) => resultDirectory(d, `${field}[${i}]`));
}
