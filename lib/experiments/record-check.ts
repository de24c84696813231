/**
 * The schema of a result line (a RunRecord, execute.ts), checked field by field on every read: a
 * line that parses but lacks a field, or holds a value of the wrong type, is not a finished run
 * (it is set aside and the run redone), and a record must agree with the plan entry of its id
 * (index, grid point, repetition, seeds). Hand-written rather than a zod schema: it runs once per
 * line of every results file at each resume and report, and needs no more than type checks.
 */
import type { RunRecord } from './execute';
import type { PlannedRun } from './plan';

const STATUSES = new Set(['completed', 'converged', 'diverged', 'failed']);
const SEEDS = ['data', 'init', 'projection', 'eigensolver'] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const isNumberOrNull = (v: unknown): boolean => v === null || typeof v === 'number';

function rowProblem(row: unknown, name: string): string | null {
  if (!isObject(row)) return `${name}: expected an object`;
  for (const [k, v] of Object.entries(row)) {
    if (isNumberOrNull(v)) continue;
    if (Array.isArray(v) && v.every(isNumberOrNull)) continue;
    return `${name}.${k}: expected a number, null or a list of them`;
  }
  return null;
}

/** What is wrong with a parsed result line as a record (null: nothing). */
export function recordProblem(v: unknown): string | null {
  if (!isObject(v)) return 'not an object';
  if (typeof v.plan !== 'string' || v.plan === '') return 'plan: missing (the plan hash of its experiment)';
  if (typeof v.id !== 'string' || v.id === '') return 'id: missing';
  for (const k of ['index', 'point', 'rep'] as const) if (!isCount(v[k])) return `${k}: expected an integer >= 0`;
  if (!isObject(v.values) || !Object.values(v.values).every((x) => ['number', 'string', 'boolean'].includes(typeof x)))
    return 'values: expected an object of sweep values';
  if (!isObject(v.seeds) || !SEEDS.every((k) => Number.isSafeInteger((v.seeds as Record<string, unknown>)[k])))
    return 'seeds: expected data, init, projection and eigensolver seeds';
  if (typeof v.status !== 'string' || !STATUSES.has(v.status)) return `status: expected one of ${[...STATUSES].join(', ')}`;
  if (typeof v.message !== 'string') return 'message: missing';
  if (!isCount(v.steps)) return 'steps: expected an integer >= 0';
  if (!(v.divergedAt === null || isCount(v.divergedAt))) return 'divergedAt: expected an integer or null';
  const row = rowProblem(v.initial, 'initial') ?? rowProblem(v.final, 'final');
  if (row) return row;
  if (v.nonFinite !== undefined) {
    const marks = v.nonFinite;
    if (
      !isObject(marks) ||
      !Object.entries(marks).every(([k, c]) => /^(initial|final)\./.test(k) && (c === 'NaN' || c === 'Infinity' || c === '-Infinity'))
    ) {
      return 'nonFinite: expected initial.*/final.* keys with NaN, Infinity or -Infinity';
    }
  }
  if (v.flow !== undefined) {
    const f = v.flow;
    if (
      !isObject(f) ||
      !['t', 'nfev', 'accepted', 'rejected'].every((k) => typeof f[k] === 'number') ||
      !isNumberOrNull(f.balancednessDrift) ||
      !Array.isArray(f.events)
    ) {
      return 'flow: expected t, nfev, accepted, rejected, balancednessDrift and events';
    }
  }
  if (v.stages !== undefined && !(Array.isArray(v.stages) && v.stages.every(isObject))) return 'stages: expected a list of objects';
  return null;
}

/** What is wrong with a well-formed record as the plan's run of its id (null: it matches). */
export function planMismatch(
  record: { id: string; index: number; point: number; rep: number; seeds: object },
  planned: PlannedRun | undefined,
): string | null {
  if (!planned) return `id ${record.id}: no run of the plan has it`;
  if (record.index !== planned.index || record.point !== planned.point || record.rep !== planned.rep) {
    return `run ${record.id} is #${planned.index} (point ${planned.point}, repetition ${planned.rep}) in the plan, the line says #${record.index} (point ${record.point}, repetition ${record.rep})`;
  }
  const seeds = record.seeds as Record<string, unknown>;
  for (const k of SEEDS) if (seeds[k] !== planned.seeds[k]) return `run ${record.id}: seeds.${k} differs from the plan's`;
  return null;
}

/**
 * A diverged run's final row: every quantity null. Its last recorded row is where it was before it
 * blew up (often the initial point), not a final value: averaged in, it would make means wrong.
 */
export function divergedFinal<R extends RunRecord>(record: R): R {
  if (record.status !== 'diverged') return record;
  const final = Object.fromEntries(Object.keys({ ...record.initial, ...record.final }).map((k) => [k, null]));
  if (!record.nonFinite) return { ...record, final };
  // Its marks of final values go too: they describe the row that is no final value.
  const kept = Object.entries(record.nonFinite).filter(([k]) => !k.startsWith('final.'));
  const { nonFinite: _dropped, ...rest } = record;
  return (kept.length ? { ...rest, final, nonFinite: Object.fromEntries(kept) } : { ...rest, final }) as R;
}
