/**
 * Vega-Lite specs of the report's figures, drawn in the papers' conventions: one colour per
 * series (seaborn's "flare", as the Marion-Chizat code), 95% intervals over repetitions as bands
 * (seaborn's percentile bootstrap of the mean, as the reference figures draw them: stats.ts),
 * reference lines that depend on the series (2/eta) dashed in the series' colour, fixed theory
 * lines dotted black, log axes where the figure asks for them. Data are inlined, so each
 * .vl.json renders on its own (vega-embed, Altair, the Vega editor).
 */
import type { FigureConfig, RuleConfig } from '../experiments/schema';
import type { TraceFile, WeightsFile } from '../experiments/execute';
import { lossSurface } from '../analysis/surface';
import { chainEventTime, chainParameters, escapeCoefficient, escapeTime, fitEscapeLaw } from '../analysis/escape';
import { axisValue, divergenceRate, isDiverged, resolveName, valueOf, type At, type Dataset, type RunView } from './dataset';
import { isPlainName } from '../util/expression';
import { bootstrapMeanCi, BOOTSTRAP_RESAMPLES, linearFit, type LinearFit, type MeanCi } from './stats';
import { bandOpacity, ruleLayers } from './annotations';

export type VegaLiteSpec = Record<string, unknown>;

export interface BuiltFigure {
  id: string;
  title: string;
  spec: VegaLiteSpec;
  /** Numbers the figure computed that a summary may quote (e.g. a regression slope). */
  facts: Record<string, number | null>;
}

const INITIALIZATION = 'Initialization';
const INITIALIZATION_COLOUR = '#4c72b0';
const FLARE = ['#e98d6b', '#e3685c', '#d14a61', '#b13c6c', '#8f3371'];

function hex(c: number[]): string {
  return `#${c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
}

/** n colours along seaborn's "flare" (exactly its 5-colour palette for n = 5). */
export function flare(n: number): string[] {
  if (n === FLARE.length) return FLARE.slice();
  const rgb = FLARE.map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));
  return Array.from({ length: n }, (_, i) => {
    const t = n === 1 ? 0.5 : (i / (n - 1)) * (rgb.length - 1);
    const k = Math.min(Math.floor(t), rgb.length - 2);
    const f = t - k;
    return hex(rgb[k].map((v, j) => v + f * (rgb[k + 1][j] - v)));
  });
}

const AXIS_TITLES: Record<string, string> = {
  'train.learningRate': 'Learning rate',
  'init.scale': 'Scale of initialization',
  'model.depth': 'Depth',
  'model.width': 'Width',
  step: 'Training steps',
  time: 'Time',
  distance: 'Squared distance to optimal regressor',
  distanceMean: 'Squared distance / d (reference code)',
  sharpness: 'Sharpness',
  sharpnessPower: 'Sharpness (20 power iterations)',
  loss: 'Training loss',
  testLoss: 'Test loss',
  gradNorm: 'Gradient norm',
  rank: 'Rank of A',
  singularValues: 'Singular values of A',
  nuclearNorm: 'Nuclear norm of A',
  orbitLoss: 'Training loss (orbit after the last step)',
  orbitSharpness: 'Sharpness (orbit after the last step)',
  lyapunov: 'Lyapunov exponent (per step)',
};

const SERIES_NAMES: Record<string, string> = {
  'train.learningRate': 'η',
  'init.scale': 'scale',
  'model.depth': 'L',
  'model.width': 'width',
  'init.kind': 'init',
};

export function axisTitle(path: string): string {
  return AXIS_TITLES[path] ?? path;
}

export function seriesLabel(path: string, value: unknown): string {
  const name = SERIES_NAMES[path] ?? path.split('.').pop();
  return `${name} = ${value}`;
}

interface Series {
  label: string;
  colour: string;
  runs: RunView[];
}

function seriesOf(ds: Dataset, runs: RunView[], path: string | undefined): Series[] {
  if (!path) return [{ label: 'runs', colour: FLARE[2], runs }];
  const values = ds.values(path, runs);
  const colours = flare(values.length);
  return values.map((v, i) => ({ label: seriesLabel(path, v), colour: colours[i], runs: runs.filter((r) => axisValue(r, path) === v) }));
}

function colourScale(series: { label: string; colour: string }[], extra: { label: string; colour: string }[] = []) {
  const all = [...extra, ...series];
  return { domain: all.map((s) => s.label), range: all.map((s) => s.colour) };
}

/** A sweep axis on a log scale ends at its grid's ends, not at the enclosing powers of ten. */
function sweepAxisScale(type: 'linear' | 'log'): Record<string, unknown> {
  return type === 'log' ? { type, nice: false } : scaleOf(type);
}

function scaleOf(type: 'linear' | 'log', domain?: [number, number]): Record<string, unknown> {
  const s: Record<string, unknown> = type === 'log' ? { type } : { type, zero: false };
  if (domain) {
    s.domain = domain;
    s.clamp = true;
  }
  return s;
}

interface RuleLine {
  orient: 'x' | 'y';
  value: number;
  label: string;
  /** The series it belongs to (its colour), or null for a line shared by every series. */
  series: string | null;
  /** A learning-rate line (2/eta): dashed, where theory lines are dotted. */
  dashed: boolean;
}

function ruleParts(rule: RuleConfig): { orient: 'x' | 'y'; expression: string; label?: string; panel?: number } {
  if (typeof rule === 'string') return { orient: 'y', expression: rule };
  if (rule.x !== undefined) return { orient: 'x', expression: rule.x, label: rule.label, panel: rule.panel };
  return { orient: 'y', expression: rule.y ?? '', label: rule.label, panel: rule.panel };
}

/**
 * Evaluates reference lines. A rule whose value differs between series (or mentions eta) is drawn
 * once per series in its colour; otherwise once, black.
 */
function ruleLines(rules: RuleConfig[], series: Series[], panel?: number): RuleLine[] {
  const out: RuleLine[] = [];
  for (const rule of rules) {
    const { orient, expression, label, panel: only } = ruleParts(rule);
    if (only !== undefined && panel !== undefined && only !== panel) continue;
    const perSeries = series
      .map((s) => ({ s, v: s.runs.length ? valueOf(s.runs[0], 'final', expression) : null }))
      .filter((e): e is { s: Series; v: number } => e.v !== null);
    if (perSeries.length === 0) continue;
    const distinct = new Set(perSeries.map((e) => e.v.toPrecision(10)));
    const dashed = /\beta\b/.test(expression);
    if (distinct.size > 1) {
      for (const { s, v } of perSeries) out.push({ orient, value: v, label: label ?? expression, series: s.label, dashed });
    } else {
      out.push({ orient, value: perSeries[0].v, label: label ?? expression, series: null, dashed });
    }
  }
  return out;
}

const WIDTH = 420;
const HEIGHT = 300;

function base(title: string): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: WIDTH,
    height: HEIGHT,
    background: 'white',
    config: { legend: { orient: 'right', labelLimit: 300 }, axis: { grid: true } }, // room for object-valued series labels (sgd batchSize=10)
  };
}

function positiveFloor(values: number[]): number {
  const pos = values.filter((v) => v > 0);
  return pos.length ? Math.min(...pos) / 10 : 1e-300;
}

type SweepFigure = Extract<FigureConfig, { kind: 'sweep' }>;
type DivergenceFigure = Extract<FigureConfig, { kind: 'divergence' }>;
type TraceFigure = Extract<FigureConfig, { kind: 'trace' }>;
type ScatterFigure = Extract<FigureConfig, { kind: 'scatter' }>;
type OrbitFigure = Extract<FigureConfig, { kind: 'orbit' }>;

/** The sweep figures' interval, as a sentence for captions and reports. */
export const INTERVAL_STATEMENT = `the bands of the sweep figures are the 95% percentile bootstrap interval of the mean over the runs that did not diverge (seaborn's lineplot default; ${BOOTSTRAP_RESAMPLES} resamples, seeded by figure, series and x, so the same on every run)`;

/**
 * The mean of an expression over runs (final values of diverged runs left out, as in the paper)
 * with the bootstrap interval, seeded by `key`.
 */
function band(runs: RunView[], expression: string, at: At, key: string): MeanCi {
  const values: number[] = [];
  for (const r of runs) {
    if (at === 'final' && isDiverged(r)) continue;
    const v = valueOf(r, at, expression);
    if (v !== null) values.push(v);
  }
  return bootstrapMeanCi(values, { seed: key });
}

function sweepFigure(ds: Dataset, f: SweepFigure): BuiltFigure {
  const runs = ds.filter(f.filter);
  const series = seriesOf(ds, runs, f.series);
  const rows: { x: number; series: string; mean: number; lo: number; hi: number; n: number; diverged: number }[] = [];
  const addSeries = (label: string, group: RunView[], at: 'initial' | 'final') => {
    for (const g of ds.group(group, [f.x])) {
      const x = g.key[0];
      if (typeof x !== 'number') continue;
      const a = band(g.runs, f.y, at, `${f.id}|${label}|${at}|${x}`);
      if (a.mean === null) continue;
      rows.push({ x, series: label, mean: a.mean, lo: a.lo!, hi: a.hi!, n: a.n, diverged: at === 'final' ? g.runs.filter(isDiverged).length : 0 });
    }
  };
  const extra = f.initialSeries ? [{ label: INITIALIZATION, colour: INITIALIZATION_COLOUR }] : [];
  if (f.initialSeries) addSeries(INITIALIZATION, runs, 'initial');
  for (const s of series) addSeries(s.label, s.runs, f.at);
  const logY = f.yScale === 'log';
  if (logY) {
    // The bootstrap interval stays within the data, so only exact zeros (a run that landed on w*)
    // fall off a log axis: draw them at the floor.
    const floor = f.yDomain ? f.yDomain[0] : positiveFloor(rows.flatMap((r) => [r.mean, r.lo]));
    for (const r of rows) {
      r.mean = Math.max(r.mean, floor);
      r.lo = Math.max(r.lo, floor);
      r.hi = Math.max(r.hi, floor);
    }
  }
  const colours = colourScale(series, extra);
  const xEnc = { field: 'x', type: 'quantitative', title: f.xLabel ?? axisTitle(f.x), scale: sweepAxisScale(f.xScale) };
  const yScale = scaleOf(f.yScale, f.yDomain);
  const spec = base(f.title ?? f.id);
  // The bands under the mean lines, so that they do not tint them.
  spec.layer = [
    {
      data: { values: rows },
      mark: { type: 'area' },
      encoding: {
        x: xEnc,
        y: { field: 'lo', type: 'quantitative', scale: yScale },
        y2: { field: 'hi' },
        color: { field: 'series', type: 'nominal', scale: colours, title: null },
        opacity: bandOpacity(),
      },
    },
    {
      data: { values: rows },
      mark: { type: 'line', point: true, strokeWidth: 1.8 },
      encoding: {
        x: xEnc,
        y: { field: 'mean', type: 'quantitative', title: f.yLabel ?? axisTitle(f.y), scale: yScale },
        color: { field: 'series', type: 'nominal', scale: colours, title: null },
        tooltip: [
          { field: 'series' },
          { field: 'x' },
          { field: 'mean', format: '.4g' },
          { field: 'lo', format: '.4g' },
          { field: 'hi', format: '.4g' },
          { field: 'n' },
          { field: 'diverged' },
        ],
      },
    },
    ...ruleLayers(ruleLines(f.rules, series), colours, WIDTH),
  ];
  return { id: f.id, title: f.title ?? f.id, spec, facts: {} };
}

function divergenceFigure(ds: Dataset, f: DivergenceFigure): BuiltFigure {
  const runs = ds.filter(f.filter);
  const series = seriesOf(ds, runs, f.series);
  const rows: { x: number; series: string; probability: number; runs: number }[] = [];
  for (const s of series) {
    for (const g of ds.group(s.runs, [f.x])) {
      const x = g.key[0];
      if (typeof x === 'number') rows.push({ x, series: s.label, probability: divergenceRate(g.runs), runs: g.runs.length });
    }
  }
  const colours = colourScale(series);
  const spec = base(f.title ?? f.id);
  spec.layer = [
    {
      data: { values: rows },
      mark: { type: 'line', point: true, strokeWidth: 1.8 },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: f.xLabel ?? axisTitle(f.x), scale: sweepAxisScale(f.xScale) },
        y: { field: 'probability', type: 'quantitative', title: 'Probability of divergence', scale: { domain: [0, 1] } },
        color: { field: 'series', type: 'nominal', scale: colours, title: null },
        tooltip: [{ field: 'series' }, { field: 'x' }, { field: 'probability', format: '.3f' }, { field: 'runs' }],
      },
    },
  ];
  return { id: f.id, title: f.title ?? f.id, spec, facts: {} };
}

function traceFigure(ds: Dataset, f: TraceFigure, loadTrace: (id: string) => TraceFile | undefined): BuiltFigure {
  const runs = ds.filter(f.filter).filter((r) => r.record.rep < f.repetitions);
  const series = seriesOf(ds, runs, f.series);
  const colours = colourScale(series);
  const yScales = Array.isArray(f.yScale) ? f.yScale : f.y.map(() => f.yScale as 'linear' | 'log');
  const panels = f.y.map((expression, p) => {
    const rows: { x: number; y: number; series: string; run: string; component: number }[] = [];
    for (const s of series) {
      for (const run of s.runs) {
        const trace = loadTrace(run.record.id);
        if (!trace) continue;
        const xs = trace.columns[f.x]?.values ?? [];
        const col = isPlainName(expression) ? trace.columns[expression] : undefined;
        const names = Object.keys(trace.columns);
        const runLabel = `${s.label}, rep ${run.record.rep}`;
        for (let i = 0; i < xs.length; i++) {
          const x = xs[i];
          if (x === null || (f.xScale === 'log' && x <= 0)) continue;
          if (col && col.width > 1) {
            for (let c = 0; c < col.width; c++) {
              const y = col.values[i * col.width + c];
              if (y !== null && (yScales[p] !== 'log' || y > 0)) rows.push({ x, y, series: s.label, run: runLabel, component: c });
            }
            continue;
          }
          const row: Record<string, number | null> = {};
          for (const n of names) if (trace.columns[n].width === 1) row[n] = trace.columns[n].values[i];
          const y = valueOf(run, row, expression);
          if (y !== null && (yScales[p] !== 'log' || y > 0)) rows.push({ x, y, series: s.label, run: runLabel, component: 0 });
        }
      }
    }
    const xEnc = { field: 'x', type: 'quantitative', title: f.xLabel ?? axisTitle(f.x), scale: scaleOf(f.xScale) };
    const yScale = scaleOf(yScales[p], f.yDomain && yScales[p] === 'log' && expression.includes('sharpness') ? f.yDomain : undefined);
    return {
      width: f.y.length > 1 ? 340 : WIDTH,
      height: HEIGHT,
      layer: [
        {
          data: { values: rows },
          mark: { type: 'line', strokeWidth: 1.3, clip: true },
          encoding: {
            x: xEnc,
            y: { field: 'y', type: 'quantitative', title: f.yLabels?.[p] ?? axisTitle(expression), scale: yScale },
            color: { field: 'series', type: 'nominal', scale: colours, title: null },
            detail: [{ field: 'run' }, { field: 'component' }],
          },
        },
        ...ruleLayers(ruleLines(f.rules, series, p), colours, f.y.length > 1 ? 340 : WIDTH),
      ],
    };
  });
  const spec = base(f.title ?? f.id);
  delete spec.width;
  delete spec.height;
  if (panels.length === 1) Object.assign(spec, panels[0]);
  else if (panels.length === 2) spec.hconcat = panels;
  else {
    spec.concat = panels;
    spec.columns = 2;
  }
  spec.resolve = { scale: { color: 'shared' } };
  return { id: f.id, title: f.title ?? f.id, spec, facts: {} };
}

function scatterFigure(ds: Dataset, f: ScatterFigure): BuiltFigure {
  const runs = ds.filter(f.filter).filter((r) => !isDiverged(r));
  const series = seriesOf(ds, runs, f.series);
  const rows: { x: number; y: number; series: string }[] = [];
  for (const s of series) {
    for (const r of s.runs) {
      const x = valueOf(r, f.at, f.x);
      const y = valueOf(r, f.at, f.y);
      if (x === null || y === null) continue;
      if ((f.xScale === 'log' && x <= 0) || (f.yScale === 'log' && y <= 0)) continue;
      rows.push({ x, y, series: s.label });
    }
  }
  const tx = (v: number) => (f.xScale === 'log' ? Math.log10(v) : v);
  const ty = (v: number) => (f.yScale === 'log' ? Math.log10(v) : v);
  const fit: LinearFit | null = f.regression
    ? linearFit(
        rows.map((r) => tx(r.x)),
        rows.map((r) => ty(r.y)),
      )
    : null;
  const colours = colourScale(series);
  const xEnc = { field: 'x', type: 'quantitative', title: f.xLabel ?? axisTitle(f.x), scale: scaleOf(f.xScale) };
  const yEnc = { field: 'y', type: 'quantitative', title: f.yLabel ?? axisTitle(f.y), scale: scaleOf(f.yScale) };
  const layers: Record<string, unknown>[] = [
    {
      data: { values: rows },
      mark: { type: 'point', filled: true, opacity: 0.7 },
      encoding: { x: xEnc, y: yEnc, color: { field: 'series', type: 'nominal', scale: colours, title: null } },
    },
  ];
  let title = f.title ?? f.id;
  if (fit) {
    const xs = rows.map((r) => tx(r.x));
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    const back = (v: number, log: boolean) => (log ? 10 ** v : v);
    const line = [lo, hi].map((v) => ({ x: back(v, f.xScale === 'log'), y: back(fit.intercept + fit.slope * v, f.yScale === 'log') }));
    layers.push({ data: { values: line }, mark: { type: 'line', color: 'black', strokeWidth: 1.5 }, encoding: { x: xEnc, y: yEnc } });
    title = `${title} (slope ${fit.slope.toFixed(3)} ± ${fit.slopeStderr.toFixed(3)}, R² ${fit.r2.toFixed(3)}, n = ${fit.n})`;
  }
  const spec = base(title);
  spec.layer = layers;
  return {
    id: f.id,
    title,
    spec,
    facts: fit ? { slope: fit.slope, intercept: fit.intercept, r2: fit.r2, slopeStderr: fit.slopeStderr, n: fit.n } : { slope: null },
  };
}

/**
 * A bifurcation diagram: every component of a vector quantity recorded at the end (the orbit
 * after the last step, orbitLoss or orbitSharpness) as a point above its run's x. Points that
 * fall on the same 3 x 3 pixels of the plot are drawn once, so the figure's size follows what it shows
 * (a period-p orbit is p points), not the number of runs times the window's length.
 */
function orbitFigure(ds: Dataset, f: OrbitFigure): BuiltFigure {
  const runs = ds.filter(f.filter).filter((r) => !isDiverged(r));
  const raw: { x: number; ys: number[] }[] = [];
  for (const r of runs) {
    const x = axisValue(r, f.x);
    const v = r.record.final[f.y];
    if (typeof x !== 'number' || !Array.isArray(v)) continue;
    const k = f.factor ? valueOf(r, 'final', f.factor) : 1;
    if (k === null) continue;
    const ys = v.filter((y): y is number => y !== null && Number.isFinite(y)).map((y) => y * k);
    raw.push({ x, ys: f.yScale === 'log' ? ys.filter((y) => y > 0) : ys });
  }
  // A loop, not Math.min(...all): a full diagram has some 10^5 values.
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of raw)
    for (const y of r.ys) {
      const v = f.yScale === 'log' ? Math.log10(y) : y;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  if (f.yDomain) [lo, hi] = f.yDomain.map((v) => (f.yScale === 'log' ? Math.log10(v) : v));
  // One point per 3 x 3 pixels of the plot: a chaotic band is a cloud, not 10^5 circles.
  let xlo = Infinity;
  let xhi = -Infinity;
  for (const r of raw) {
    xlo = Math.min(xlo, r.x);
    xhi = Math.max(xhi, r.x);
  }
  const tx = (x: number) => (f.xScale === 'log' ? Math.log10(x) : x);
  const xcell = xhi > xlo ? (3 * (tx(xhi) - tx(xlo))) / WIDTH : 1;
  const ycell = hi > lo ? (3 * (hi - lo)) / HEIGHT : 1;
  const seen = new Set<number>();
  const rows: { x: number; y: number }[] = [];
  for (const r of raw) {
    const column = Math.round((tx(r.x) - tx(xlo)) / xcell);
    for (const y of r.ys) {
      const key = column * (HEIGHT + 3) + Math.round(((f.yScale === 'log' ? Math.log10(y) : y) - lo) / ycell);
      if (seen.has(key)) continue;
      seen.add(key);
      rows.push({ x: r.x, y });
    }
  }
  const series: Series[] = [{ label: 'orbit', colour: FLARE[3], runs }];
  const colours = colourScale(series);
  const spec = base(f.title ?? f.id);
  spec.layer = [
    {
      data: { values: rows },
      mark: { type: 'circle', size: 6, opacity: 0.7, color: FLARE[3] },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: f.xLabel ?? axisTitle(f.x), scale: sweepAxisScale(f.xScale) },
        y: { field: 'y', type: 'quantitative', title: f.yLabel ?? axisTitle(f.y), scale: scaleOf(f.yScale, f.yDomain) },
      },
    },
    ...ruleLayers(ruleLines(f.rules, series), colours, WIDTH),
  ];
  return { id: f.id, title: f.title ?? f.id, spec, facts: { points: rows.length } };
}

type SurfaceFigure = Extract<FigureConfig, { kind: 'surface' }>;

/** Final rank of a run: the recorded rank, else singular values above 1e-4. */
function finalRank(r: RunView): number | null {
  const rank = r.record.final.rank;
  if (typeof rank === 'number') return rank;
  const s = r.record.final.singularValues;
  return Array.isArray(s) ? s.filter((v) => v !== null && v > 1e-4).length : null;
}

/**
 * Jacot et al. Fig. 3 (right): the loss on the plane through the origin and two minima of
 * different rank, theta(a, b) = a theta_1 + b theta_2, with theta_1 the lowest-rank end point and
 * theta_2 one of the next rank (raw parameter vectors, hidden-layer rotations not aligned, as the
 * paper), on a log colour scale.
 */
function surfaceFigure(ds: Dataset, f: SurfaceFigure, io: FigureIo): BuiltFigure {
  const runs = ds.filter(f.filter).filter((r) => !isDiverged(r) && finalRank(r) !== null);
  const byRank = new Map<number, RunView>();
  for (const r of runs) {
    const k = finalRank(r)!;
    if (!byRank.has(k) && io.loadWeights(r.record.id)) byRank.set(k, r);
  }
  // The two minima: the ranks asked for, else the two lowest positive ranks (rank 0 is the origin, already on the plane).
  const ranks = f.ranks ? f.ranks.filter((k) => byRank.has(k)) : [...byRank.keys()].filter((k) => k > 0).sort((x, y) => x - y);
  const title = f.title ?? f.id;
  if (ranks.length < 2) {
    const wanted = f.ranks ? `ranks ${f.ranks.join(' and ')}` : 'two different positive ranks';
    const spec = base(`${title}: needs end points of ${wanted} (found ${[...byRank.keys()].join(', ') || 'none'}; keep weights with output.weights)`);
    spec.layer = [{ data: { values: [] }, mark: 'point' }];
    return { id: f.id, title, spec, facts: { rank1: ranks[0] ?? null, rank2: null } };
  }
  const [r1, r2] = [byRank.get(ranks[0])!, byRank.get(ranks[1])!];
  const w1 = Float64Array.from(io.loadWeights(r1.record.id)!.weights);
  const w2 = Float64Array.from(io.loadWeights(r2.record.id)!.weights);
  const surface = lossSurface(r1.built.problem, w1, w2, { a: f.a, b: f.b, resolution: f.resolution });
  const n = f.resolution;
  const da = (f.a[1] - f.a[0]) / (n - 1);
  const db = (f.b[1] - f.b[0]) / (n - 1);
  const cells: { a: number; a2: number; b: number; b2: number; loss: number }[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const loss = surface.loss.data[i * n + j];
      if (!(loss > 0) || !Number.isFinite(loss)) continue;
      cells.push({ a: surface.a[j] - da / 2, a2: surface.a[j] + da / 2, b: surface.b[i] - db / 2, b2: surface.b[i] + db / 2, loss });
    }
  }
  const marks = [
    { a: 0, b: 0, label: 'origin' },
    { a: 1, b: 0, label: `rank ${ranks[0]} minimum` },
    { a: 0, b: 1, label: `rank ${ranks[1]} minimum` },
  ];
  const x = { field: 'a', type: 'quantitative', title: `coefficient of the rank-${ranks[0]} minimum`, scale: { domain: f.a, nice: false } };
  const y = { field: 'b', type: 'quantitative', title: `coefficient of the rank-${ranks[1]} minimum`, scale: { domain: f.b, nice: false } };
  const spec = base(title);
  spec.width = 380;
  spec.height = 380;
  spec.layer = [
    {
      data: { values: cells },
      mark: { type: 'rect' },
      encoding: {
        x,
        x2: { field: 'a2' },
        y,
        y2: { field: 'b2' },
        color: { field: 'loss', type: 'quantitative', scale: { type: 'log', scheme: 'viridis' }, title: 'loss' },
      },
    },
    {
      data: { values: marks },
      mark: { type: 'point', shape: 'cross', size: 120, filled: true, color: 'white', stroke: 'black', strokeWidth: 0.5 },
      encoding: { x: { field: 'a', type: 'quantitative' }, y: { field: 'b', type: 'quantitative' } },
    },
    {
      data: { values: marks.filter((m) => m.a < 0.5) },
      mark: { type: 'text', dx: 6, dy: -8, align: 'left', color: 'white', fontSize: 11 },
      encoding: { x: { field: 'a', type: 'quantitative' }, y: { field: 'b', type: 'quantitative' }, text: { field: 'label' } },
    },
    {
      data: { values: marks.filter((m) => m.a >= 0.5) },
      mark: { type: 'text', dx: -6, dy: -8, align: 'right', color: 'white', fontSize: 11 },
      encoding: { x: { field: 'a', type: 'quantitative' }, y: { field: 'b', type: 'quantitative' }, text: { field: 'label' } },
    },
  ];
  const index = (a: number, b: number): [number, number] => [Math.round((b - f.b[0]) / db), Math.round((a - f.a[0]) / da)];
  const at = (a: number, b: number) => {
    const [i, j] = index(a, b);
    return i >= 0 && i < n && j >= 0 && j < n ? surface.loss.data[i * n + j] : null;
  };
  // The largest radius r (in plane coordinates, on a grid from 1e-5 to 0.5) such that the loss is higher on every
  // ring of radius <= r around the point (32 points per ring): 0 when the loss already falls within 1e-5 (not a
  // minimum on the plane). The basins of rank-increasing directions are narrow (curvature 2 lambda against a
  // cubic term), far narrower than the plotted grid's step.
  const point = new Float64Array(w1.length);
  const lossAt = (a: number, b: number) => {
    for (let k = 0; k < point.length; k++) point[k] = a * w1[k] + b * w2[k];
    return r1.built.problem.evaluate(point).loss ?? NaN;
  };
  const basin = (a: number, b: number): number => {
    const centre = lossAt(a, b);
    let radius = 0;
    for (let e = -5; e <= Math.log10(0.5) + 1e-12; e += 0.125) {
      const r = 10 ** e;
      for (let k = 0; k < 32; k++) {
        const phi = (2 * Math.PI * k) / 32;
        if (!(lossAt(a + r * Math.cos(phi), b + r * Math.sin(phi)) > centre)) return radius;
      }
      radius = r;
    }
    return radius;
  };
  return {
    id: f.id,
    title,
    spec,
    facts: {
      rank1: ranks[0],
      rank2: ranks[1],
      loss1: at(1, 0),
      loss2: at(0, 1),
      lossOrigin: at(0, 0),
      basin1: basin(1, 0),
      basin2: basin(0, 1),
      basinOrigin: basin(0, 0),
      run1: r1.record.index,
      run2: r2.record.index,
    },
  };
}

type EscapeFigure = Extract<FigureConfig, { kind: 'escape' }>;
type PathsFigure = Extract<FigureConfig, { kind: 'paths' }>;
type StagesFigure = Extract<FigureConfig, { kind: 'stages' }>;

function traceColumn(trace: TraceFile, name: string): number[] {
  return (trace.columns[name]?.values ?? []).map((v) => (v === null ? NaN : v));
}

/**
 * A run's escape time from the origin (Jacot et al. Section 3.2.1): its first flow event's time
 * when the flow located events (the escape preset's "loss below 0.9 of its initial value"), else
 * when its recorded loss first falls to `fraction` of its initial value (analysis/escape.ts).
 */
export function runEscapeTime(run: RunView, loadTrace: (id: string) => TraceFile | undefined, fraction: number): number | null {
  const events = run.record.flow?.events;
  if (events && events.length > 0) return events[0].t;
  const trace = loadTrace(run.record.id);
  return trace ? escapeTime(traceColumn(trace, 'time'), traceColumn(trace, 'loss'), fraction) : null;
}

/** Escape time against alpha (init.scale), per series, with its points, the law fitted to the smallest alphas, and optionally the chain's exact prediction. */
function escapeFigure(ds: Dataset, f: EscapeFigure, loadTrace: (id: string) => TraceFile | undefined): BuiltFigure {
  const runs = ds.filter(f.filter).filter((r) => !isDiverged(r));
  const series = seriesOf(ds, runs, f.series);
  const points: { x: number; y: number; series: string }[] = [];
  const fitted: { x: number; y: number; series: string }[] = [];
  const predicted: { x: number; y: number; series: string }[] = [];
  const facts: Record<string, number | null> = {};
  for (const s of series) {
    const pts = s.runs
      .map((r) => ({ alpha: resolveName(r, 'final', 'init.scale'), t: runEscapeTime(r, loadTrace, f.fraction) }))
      .filter((p): p is { alpha: number; t: number } => p.alpha !== null && p.alpha > 0 && p.t !== null && p.t > 0)
      .sort((a, b) => a.alpha - b.alpha);
    for (const p of pts) points.push({ x: p.alpha, y: p.t, series: s.label });
    const L = s.runs[0]?.depth ?? 0;
    if (pts.length === 0 || L < 2) continue;
    const lo = pts[0].alpha;
    const hi = pts[pts.length - 1].alpha;
    const grid = Array.from({ length: 61 }, (_, i) => lo * (hi / lo) ** (i / 60));
    const fit = fitEscapeLaw(L, pts.slice(0, f.fitSmallest));
    facts[`K:${s.label}`] = fit ? fit.K : null;
    facts[`c:${s.label}`] = fit ? fit.c : null;
    if (fit) {
      for (const a of grid) {
        const t = fit.c + fit.K * (L === 2 ? -Math.log(a) : a ** -(L - 2));
        if (t > 0) fitted.push({ x: a, y: t, series: s.label });
      }
    }
    if (s.runs[0].built.problem.kind === 'regression') continue; // the chain needs a matrix head
    const chain = chainParameters(s.runs[0].built.problem);
    facts[`Kpredicted:${s.label}`] = escapeCoefficient(L, chain.g1);
    if (f.prediction === 'chain') {
      for (const a of grid) {
        const t = chainEventTime({ L, s: chain.s, kappa: chain.kappa, c0: chain.c0, alpha: a, fraction: f.fraction });
        if (t !== null && t > 0) predicted.push({ x: a, y: t, series: s.label });
      }
    }
  }
  const colours = colourScale(series);
  const x = { field: 'x', type: 'quantitative', title: f.xLabel ?? 'Initialization scale α', scale: { type: 'log' } };
  const y = { field: 'y', type: 'quantitative', title: f.yLabel ?? 'Escape time', scale: { type: 'log' } };
  const color = { field: 'series', type: 'nominal', scale: colours, title: null };
  const spec = base(f.title ?? f.id);
  spec.layer = [
    { data: { values: fitted }, mark: { type: 'line', strokeWidth: 1.5, clip: true }, encoding: { x, y, color, detail: { field: 'series' } } },
    {
      data: { values: predicted },
      mark: { type: 'line', strokeWidth: 2, strokeDash: [2, 3], clip: true },
      encoding: { x, y, color, detail: { field: 'series' } },
    },
    {
      data: { values: points },
      mark: { type: 'point', filled: true, size: 45 },
      encoding: { x, y, color, tooltip: [{ field: 'series' }, { field: 'x', title: 'α' }, { field: 'y', title: 't', format: '.6g' }] },
    },
  ];
  return { id: f.id, title: f.title ?? f.id, spec, facts };
}

/** Seaborn's deep blue, purple and red: the paper's colours for Algorithm A's first three paths (Fig. 1). */
const STAGE_COLOURS = ['#4c72b0', '#8172b3', '#c44e52', '#dd8452', '#55a868', '#937860', '#da8bc3', '#8c8c8c', '#ccb974', '#64b5cd'];

/** A trace's rows split into the stages of a greedy run (a stage starts where the step count does not increase). */
function stageRows(trace: TraceFile): number[][] {
  const steps = traceColumn(trace, 'step');
  const out: number[][] = [];
  for (let i = 0; i < steps.length; i++) {
    if (i === 0 || !(steps[i] > steps[i - 1])) out.push([]);
    out[out.length - 1].push(i);
  }
  return out;
}

function rowOf(trace: TraceFile, i: number): Record<string, number | null> {
  const row: Record<string, number | null> = {};
  for (const [name, c] of Object.entries(trace.columns)) if (c.width === 1) row[name] = c.values[i];
  return row;
}

/**
 * Paths in a 2-D picture of parameter space (Jacot et al. Fig. 1, middle): (x, y) expressions of
 * each recorded row, joined in time order; runs of the greedy algorithm drawn one colour per
 * stage, its stage end points (the saddles) as dots; the image of theta = 0 as a cross.
 */
function pathsFigure(ds: Dataset, f: PathsFigure, loadTrace: (id: string) => TraceFile | undefined): BuiltFigure {
  const runs = ds.filter(f.filter).filter((r) => !isDiverged(r) && r.record.rep === 0);
  const plain = runs.filter((r) => !r.record.stages);
  const greedy = runs.filter((r) => r.record.stages);
  const series = seriesOf(ds, plain, f.series);
  const rows: { x: number; y: number; series: string; run: string; i: number }[] = [];
  const saddles: { x: number; y: number; label: string }[] = [];
  const origins: { x: number; y: number }[] = [];
  const point = (run: RunView, row: Record<string, number | null>) => {
    const x = valueOf(run, row, f.x);
    const y = valueOf(run, row, f.y);
    return x === null || y === null ? null : { x, y };
  };
  for (const s of series) {
    for (const run of s.runs) {
      const trace = loadTrace(run.record.id);
      if (!trace) continue;
      const n = trace.columns.step?.values.length ?? 0;
      for (let i = 0; i < n; i++) {
        const p = point(run, rowOf(trace, i));
        if (p) rows.push({ ...p, series: s.label, run: run.record.id, i });
      }
    }
  }
  const stageSeries: { label: string; colour: string }[] = [];
  for (const run of greedy) {
    const trace = loadTrace(run.record.id);
    if (!trace) continue;
    stageRows(trace).forEach((idx, k) => {
      const label = `Algorithm A, path ${k + 1}`;
      if (!stageSeries.some((x) => x.label === label)) stageSeries.push({ label, colour: STAGE_COLOURS[k % STAGE_COLOURS.length] });
      for (const i of idx) {
        const p = point(run, rowOf(trace, i));
        if (p) rows.push({ ...p, series: label, run: `${run.record.id}/${k}`, i });
      }
    });
    const stages = run.record.stages!;
    stages.slice(0, -1).forEach((st, k) => {
      const p = point(run, { loss: st.loss, testLoss: st.testLoss, rank: st.rank });
      if (p) saddles.push({ ...p, label: `saddle ${k + 1} (rank ${st.rank})` });
    });
  }
  if (f.origin && runs.length > 0) {
    const r = runs[0];
    const e = r.built.problem.evaluate(new Float64Array(r.built.problem.paramCount));
    const p = point(r, { loss: e.loss, testLoss: e.testLoss, gradNorm: e.gradNorm, dataLoss: e.dataLoss, excessLoss: e.excessLoss });
    if (p) origins.push(p);
  }
  // Example paths in greys (lighter for larger series values), so that Algorithm A's coloured paths stand out as in the paper.
  const greys = series.map((s, i) => ({
    label: s.label,
    colour: hex([0.75, 0.75, 0.75].map((v) => 255 * (v - (0.55 * i) / Math.max(series.length - 1, 1)))),
  }));
  const colours = colourScale(greys, stageSeries);
  const x = { field: 'x', type: 'quantitative', title: f.xLabel ?? f.x, scale: { zero: false } };
  const y = { field: 'y', type: 'quantitative', title: f.yLabel ?? f.y, scale: { zero: false } };
  const spec = base(f.title ?? f.id);
  spec.width = 380;
  spec.height = 380;
  spec.layer = [
    ...ruleLayers(ruleLines(f.rules, series), colours, 380),
    {
      data: { values: rows },
      mark: { type: 'line', strokeWidth: 1.6, clip: true },
      encoding: {
        x,
        y,
        color: { field: 'series', type: 'nominal', scale: colours, title: null },
        detail: { field: 'run' },
        order: { field: 'i', type: 'quantitative' },
      },
    },
    {
      data: { values: saddles },
      mark: { type: 'point', filled: true, size: 70, color: 'black' },
      encoding: { x, y, tooltip: [{ field: 'label' }, { field: 'x', format: '.4g' }, { field: 'y', format: '.4g' }] },
    },
    { data: { values: origins }, mark: { type: 'point', shape: 'cross', size: 160, filled: true, color: 'black' }, encoding: { x, y } },
  ];
  return {
    id: f.id,
    title: f.title ?? f.id,
    spec,
    facts: { saddles: saddles.length, originX: origins[0]?.x ?? null, originY: origins[0]?.y ?? null },
  };
}

/**
 * A greedy run's paths drawn end to end (Jacot et al. Fig. 1, right): one panel per stage, the
 * first expression solid and the second dashed, on a shared y axis; between two panels lie
 * infinitely many steps in the saddle-to-saddle limit (the paper's "···").
 */
function stagesFigure(ds: Dataset, f: StagesFigure, loadTrace: (id: string) => TraceFile | undefined): BuiltFigure {
  const run = ds.filter(f.filter).find((r) => r.record.stages && r.record.rep === 0);
  const title = f.title ?? f.id;
  const trace = run ? loadTrace(run.record.id) : undefined;
  if (!run || !trace) {
    const spec = base(`${title}: needs a greedy run with its trace (train.method: greedy, output.traces)`);
    spec.layer = [{ data: { values: [] }, mark: 'point' }];
    return { id: f.id, title, spec, facts: { stages: 0 } };
  }
  const steps = traceColumn(trace, 'step');
  const labels = f.y.map((expression, q) => `${axisTitle(expression)} (${q === 0 ? 'solid' : 'dashed'})`);
  const stages = stageRows(trace);
  const panels: Record<string, unknown>[] = [];
  stages.forEach((idx, k) => {
    const rows: { x: number; y: number; quantity: string }[] = [];
    for (const i of idx) {
      const x = steps[i] - steps[idx[0]];
      if (!(x > 0)) continue; // log axis: each path from its first step
      const row = rowOf(trace, i);
      f.y.forEach((expression, q) => {
        const v = valueOf(run, row, expression);
        if (v !== null && (f.yScale !== 'log' || v > 0)) rows.push({ x, y: v, quantity: labels[q] });
      });
    }
    const stage = run.record.stages![k];
    if (k > 0) {
      // The paper's "···": infinitely many steps separate two paths in the saddle-to-saddle limit.
      panels.push({
        width: 24,
        height: HEIGHT,
        data: { values: [{ t: '···' }] },
        mark: { type: 'text', fontSize: 22, fontWeight: 'bold' },
        encoding: { text: { field: 't' } },
        view: { stroke: null },
      });
    }
    panels.push({
      width: 170,
      height: HEIGHT,
      title: { text: `path ${k + 1}${stage ? `: rank ${k} → ${stage.rank}` : ''}`, fontSize: 11 },
      data: { values: rows },
      mark: { type: 'line', strokeWidth: 1.6, color: STAGE_COLOURS[k % STAGE_COLOURS.length] },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: k === 0 ? 'Steps within the path' : null, scale: { type: 'log' } },
        y: { field: 'y', type: 'quantitative', title: k === 0 ? (f.yLabel ?? 'Loss') : null, scale: scaleOf(f.yScale) },
        strokeDash: {
          field: 'quantity',
          type: 'nominal',
          scale: {
            domain: labels,
            range: [
              [1, 0],
              [5, 3],
            ],
          },
          title: null,
          legend: { labelLimit: 300 },
        },
        detail: { field: 'quantity' },
      },
    });
  });
  const spec = base(`${title} (···: infinitely many steps between paths in the limit)`);
  delete spec.width;
  delete spec.height;
  spec.hconcat = panels;
  spec.spacing = 4;
  spec.resolve = { scale: { y: 'shared', strokeDash: 'shared' } };
  return { id: f.id, title, spec, facts: { stages: stages.length } };
}

export interface FigureIo {
  loadTrace: (id: string) => TraceFile | undefined;
  loadWeights: (id: string) => WeightsFile | undefined;
}

export function buildFigure(ds: Dataset, f: FigureConfig, io: FigureIo): BuiltFigure {
  switch (f.kind) {
    case 'sweep':
      return sweepFigure(ds, f);
    case 'divergence':
      return divergenceFigure(ds, f);
    case 'trace':
      return traceFigure(ds, f, io.loadTrace);
    case 'scatter':
      return scatterFigure(ds, f);
    case 'orbit':
      return orbitFigure(ds, f);
    case 'surface':
      return surfaceFigure(ds, f, io);
    case 'escape':
      return escapeFigure(ds, f, io.loadTrace);
    case 'paths':
      return pathsFigure(ds, f, io.loadTrace);
    case 'stages':
      return stagesFigure(ds, f, io.loadTrace);
  }
}
