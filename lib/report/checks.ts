/**
 * The config's own claims (`checks:`, lib/experiments/schema.ts checkSchema), checked on the
 * results like the papers' findings and shown beside them: a failed one makes `dlnflow run`,
 * `report` and `merge` exit 3, so a CI job can gate on a scientific claim.
 *
 * A check takes the runs its `where` selects (sweep axes, config paths, or the runs.csv columns
 * id, index, point, rep, status, steps, divergedAt, initial.Q, final.Q), computes its `quantity`
 * for each run (an expression over the names below), aggregates (max, min, mean, median over the
 * runs; fraction: the share of runs whose value is nonzero, i.e. true) and holds the aggregate
 * against `below` (aggregate < below) and/or `above` (aggregate > above). Names in the quantity:
 * - initial.Q / final.Q: the recorded quantity Q at the first / last recorded row (null for a
 *   diverged run's final values), a bare Q meaning final.Q;
 * - diverged (1 or 0), steps, divergedAt, rep, index, point, flow.t, flow.nfev, flow.accepted,
 *   flow.rejected, flow.balancednessDrift;
 * - eta, L (depth), the theory quantities (sMin, criticalLearningRate, ...), and config paths
 *   (train.learningRate, init.scale).
 * Strictness, because a check is a claim: a selected run whose quantity has no finite value
 * (diverged, not recorded, NaN or infinite) makes max / min / mean / median fail (naming how many
 * such runs there were; `where: {status: [completed, converged]}` leaves diverged runs out), and
 * counts as false in `fraction`. A check that selects no run fails.
 */
import type { RunRecord } from '../experiments/execute';
import type { CheckConfig, Experiment, FilterConfig } from '../experiments/schema';
import { evaluateExpression, names, parseExpression } from '../util/expression';
import { formatNumber } from '../util/format';
import { axisValue, matchesCondition, resolveName, type Dataset, type RunView } from './dataset';
import type { Finding } from './findings';

/** Record fields a check can name (numbers) or select on in `where`. */
const RECORD_NUMBERS = ['steps', 'divergedAt', 'rep', 'index', 'point'] as const;
const FLOW_NUMBERS = ['t', 'nfev', 'accepted', 'rejected', 'balancednessDrift'] as const;

function recordNumber(record: RunRecord, name: string): number | null | undefined {
  if ((RECORD_NUMBERS as readonly string[]).includes(name)) return record[name as (typeof RECORD_NUMBERS)[number]];
  if (name.startsWith('flow.')) {
    const key = name.slice(5);
    if (!(FLOW_NUMBERS as readonly string[]).includes(key)) return undefined;
    return record.flow ? record.flow[key as (typeof FLOW_NUMBERS)[number]] : null;
  }
  return undefined;
}

/** A name's value for one run (see the header); null when it has none. */
export function checkName(run: RunView, name: string): number | null {
  if (name === 'diverged') return run.record.status === 'diverged' ? 1 : 0;
  const fromRecord = recordNumber(run.record, name);
  if (fromRecord !== undefined) return fromRecord;
  for (const at of ['initial', 'final'] as const) {
    if (name.startsWith(`${at}.`)) {
      const row = run.record[at];
      const q = name.slice(at.length + 1);
      if (!row || !Object.hasOwn(row, q)) return null;
      const v = row[q];
      return typeof v === 'number' ? v : null;
    }
  }
  return resolveName(run, 'final', name);
}

/** The value a `where` key takes for a run: a runs.csv column, a sweep axis or a config path. */
function whereValue(run: RunView, path: string): string | number | boolean | null {
  if (path === 'status') return run.record.status;
  if (path === 'id') return run.record.id;
  const n = recordNumber(run.record, path);
  if (n !== undefined) return n;
  if (path.startsWith('initial.') || path.startsWith('final.')) return checkName(run, path);
  return axisValue(run, path);
}

export function selectRuns(ds: Dataset, where: FilterConfig | undefined): RunView[] {
  if (!where) return ds.runs;
  return ds.runs.filter((r) => Object.entries(where).every(([path, cond]) => matchesCondition(whereValue(r, path), cond)));
}

function median(sorted: readonly number[]): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

function aggregateOf(kind: CheckConfig['aggregate'], values: readonly number[]): number {
  switch (kind) {
    case 'max':
      return values.reduce((a, b) => Math.max(a, b), -Infinity);
    case 'min':
      return values.reduce((a, b) => Math.min(a, b), Infinity);
    case 'mean':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'median':
      return median([...values].sort((a, b) => a - b));
    case 'fraction':
      return values.filter((v) => v !== 0).length / values.length;
  }
}

/** "< 1e6", "> 0.9", "in (0.1, 2)": what the check expects of the aggregate. */
export function expectedText(c: Pick<CheckConfig, 'below' | 'above'>): string {
  if (c.below !== undefined && c.above !== undefined) return `in (${formatNumber(c.above, 6)}, ${formatNumber(c.below, 6)})`;
  return c.below !== undefined ? `< ${formatNumber(c.below, 6)}` : `> ${formatNumber(c.above!, 6)}`;
}

function whereText(where: FilterConfig | undefined): string {
  if (!where) return '';
  return ` where ${Object.entries(where)
    .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
    .join(', ')}`;
}

/** One check on the results: a Finding with `source: 'config'` (pass true or false, never null). */
export function evaluateCheck(ds: Dataset, c: CheckConfig): Finding {
  const base = { id: `check:${c.id}`, claim: c.claim, expected: expectedText(c), source: 'config' as const };
  const runs = selectRuns(ds, c.where);
  const label = `${c.aggregate} of ${c.quantity}`;
  if (runs.length === 0) return { ...base, observed: `no run matches${whereText(c.where)} (of ${ds.runs.length})`, pass: false };
  const values = runs.map((r) => evaluateExpression(c.quantity, (n) => checkName(r, n)));
  const missing = values.filter((v) => v === null).length;
  if (missing > 0 && c.aggregate !== 'fraction') {
    const diverged = runs.filter((r, i) => values[i] === null && r.record.status === 'diverged').length;
    // Name the names that have no value anywhere: most likely misspelt, or not recorded.
    const absent = names(parseExpression(c.quantity)).filter((n) => runs.every((r) => checkName(r, n) === null));
    const why = [diverged ? `${diverged} diverged` : '', absent.length ? `no run has ${absent.join(', ')} (not recorded, or no such name)` : '']
      .filter(Boolean)
      .join('; ');
    return { ...base, observed: `${missing} of ${runs.length} runs have no finite ${c.quantity}${why ? ` (${why})` : ''}`, pass: false };
  }
  const finite = values.map((v) => v ?? 0);
  const value = aggregateOf(c.aggregate, finite);
  const pass = (c.below === undefined || value < c.below) && (c.above === undefined || value > c.above);
  return {
    ...base,
    observed: `${label} = ${formatNumber(value, 6)} over ${runs.length} run(s)${missing ? ` (${missing} without a value, counted false)` : ''}`,
    pass,
  };
}

/** Every check of the config, in its order (none: []). */
export function evaluateChecks(ds: Dataset, config: Pick<Experiment, 'checks'>): Finding[] {
  return (config.checks ?? []).map((c) => evaluateCheck(ds, c));
}
