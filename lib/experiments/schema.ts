/**
 * The experiment config: one YAML or JSON document describing the data, the network, the
 * initialization, how it is trained (gradient descent or gradient flow), what is recorded, the
 * sweep (a product of axes, where axes listed together vary together) and the report's figures.
 * One zod schema gives the TypeScript types, the validation (errors name the bad field by its
 * path) and the JSON Schema published for editors (`dlnflow schema`).
 */
import { z } from 'zod';
import { completionFields, jacotTeacherOptions, marionChizatFields } from '../options/data';
import { options, type GroupSpec, type Spec } from '../options/declare';
import { flowConfigFields, flowFields } from '../options/flow';
import { gdFields } from '../options/gd';
import { greedyConfigFields } from '../options/greedy';
import { initConfigFields } from '../options/init';
import { configField, configShape, strictObject, type ConfigZodShape } from '../options/zod';
import { suggestion } from '../util/closest';
import { names as expressionNames, parseExpression } from '../util/expression';
import { QUANTITIES } from '../options/run';

/** What a recorded row holds: step, time, stepSize (gradient flow) and the quantities. */
const ROW_NAMES: readonly string[] = ['step', 'time', 'stepSize', ...QUANTITIES];

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const count = z.number().int().min(1);

/** The largest plan accepted: a bigger sweep is refused before anything is expanded. */
export const MAX_RUNS = 1_000_000;

// The data, init and train sections are built from the option declarations (lib/options/): each
// option is declared once, with its type, bounds, default and doc, for the API and configs alike.

export const dataSchema = z.discriminatedUnion('kind', [
  strictObject({ kind: z.literal('marion-chizat'), ...configShape(options(marionChizatFields)) })
    .superRefine((m, ctx) => {
      // The authors' draws exist for the reference code's sizes only, with its test set or none.
      // data.seed is ignored by them (a preset may pin one for source seed).
      if (m.source === 'seed') return;
      const october = m.source === 'authors-2024-10';
      if (!((m.n === 50 && m.d === 5) || (october && m.n === 15 && m.d === 20))) {
        ctx.addIssue({
          code: 'custom',
          path: ['n'],
          message: `source "${m.source}" has (n, d) = (50, 5)${october ? ' or (15, 20)' : ''} only, got (${m.n}, ${m.d})`,
        });
      }
      if (m.nTest !== undefined && m.nTest !== (october ? m.n : 0)) {
        ctx.addIssue({
          code: 'custom',
          path: ['nTest'],
          message: october
            ? 'the October 2024 code draws n test points (leave nTest out)'
            : 'the May 2024 code draws no test set (leave nTest out, or use authors-2024-10)',
        });
      }
    })
    .describe(
      'Marion & Chizat: X ~ N(0, I), y = X w_true + noise zeta, rescaled so ||w*|| = 1; test set of nTest (default n; source authors: none) points',
    ),
  strictObject({ kind: z.literal('jacot-teacher'), ...configShape(jacotTeacherOptions) }).describe(
    'Jacot et al.: noisy low-rank teacher W_0 W_0^T; isotropic inputs; noiseless test targets',
  ),
  strictObject({ kind: z.literal('completion'), ...configShape(options(completionFields)) }).describe(
    'Matrix completion of a rows x cols rank-r matrix from `observed` entries (the rest is the test set)',
  ),
  strictObject({
    kind: z.literal('file'),
    path: z.string().min(1),
  }).describe('A problem file (see README "Problem files"); its widths are the default architecture'),
]);

export const modelSchema = strictObject({
  depth: count.optional().describe('L, the number of weight matrices'),
  width: count.optional().describe('hidden width (default: the input dimension)'),
  widths: z.array(count).min(2).optional().describe('d_0 ... d_L explicitly (overrides depth and width)'),
  projection: z
    .enum(['none', 'random-unit', 'authors', 'authors-depth'])
    .default('none')
    .describe(
      "univariate regression: none (d_L = 1, p = [1]), a random unit p in R^width (the residual experiments), or the authors' p (data.source authors*): authors = Figs. 3-4's, authors-depth = the October code's p for model.depth",
    ),
  l2: finite.min(0).default(0).describe('L2 penalty weight on ||theta||^2'),
}).superRefine((m, ctx) => {
  if (!m.widths && m.depth === undefined) ctx.addIssue({ code: 'custom', path: ['depth'], message: 'give depth (or widths)' });
});

export const initSchema = strictObject(configShape(options(initConfigFields)));

export const sharpnessOptionsSchema = configField(gdFields.sharpness, 'sharpness');

/**
 * The train section: every option of gradient descent (lib/options/gd.ts), gradient flow
 * (lib/options/flow.ts) and the greedy algorithm (lib/options/greedy.ts), each described with the
 * methods that use it. Options of another method are allowed, so that a sweep over train.method
 * shares one train block; a run passes on those of its own method (lib/experiments/execute.ts).
 */
const flowTrainFields = { ...flowFields, ...flowConfigFields };
const TRAIN_METHODS: Record<'gd' | 'flow' | 'greedy', Record<string, Spec>> = { gd: gdFields, flow: flowTrainFields, greedy: greedyConfigFields };
/** The train options' declarations, first method first (as trainShape picks them). */
type TrainFields = typeof gdFields &
  Omit<typeof flowTrainFields, keyof typeof gdFields> &
  Omit<typeof greedyConfigFields, keyof typeof gdFields | keyof typeof flowTrainFields>;

/**
 * The order of the train keys in parsed configs (and so in experiment.json) as it was before the
 * declarations: kept so that results stay byte-identical. Options not listed follow in
 * declaration order; a new option need not be added here.
 */
const TRAIN_KEY_ORDER = [
  'learningRate',
  'steps',
  'epsilon',
  'tolerance',
  'maxWidth',
  'tEnd',
  'rtol',
  'atol',
  'maxSteps',
  'controller',
  'events',
  'recordEvery',
  'recordPerDecade',
  'record',
  'sharpness',
  'rankTolerance',
  'lossTarget',
  'excessLossTarget',
  'gradNormTarget',
  'lossCeiling',
];

function trainShape(): ConfigZodShape<TrainFields> {
  const keys = new Set<string>(TRAIN_KEY_ORDER);
  for (const fields of Object.values(TRAIN_METHODS)) for (const [k, s] of Object.entries(fields)) if (s.config !== false) keys.add(k);
  const shape: Record<string, z.ZodType> = {};
  for (const key of keys) {
    const users = (Object.keys(TRAIN_METHODS) as (keyof typeof TRAIN_METHODS)[]).filter((m) => Object.hasOwn(TRAIN_METHODS[m], key));
    if (users.length === 0) continue;
    const spec = TRAIN_METHODS[users[0]][key];
    if (spec.config === false) continue;
    shape[key] = configField(spec, key, users.length === 3 ? '' : users.join(', '));
  }
  return shape as unknown as ConfigZodShape<TrainFields>;
}

export const trainSchema = strictObject({
  method: z
    .enum(['gd', 'flow', 'greedy', 'central-flow'])
    .default('gd')
    .describe(
      "gradient descent, gradient flow by adaptive RK45, Jacot et al.'s greedy rank-incremental Algorithm A (gd stages), or the central flow of gradient descent at learningRate (flow with dynamics central; also records predictedLoss and edgeCount)",
    ),
  ...trainShape(),
}).superRefine((t, ctx) => {
  if (t.method === 'gd' || t.method === 'greedy') {
    const what = t.method === 'gd' ? 'gradient descent' : 'the greedy algorithm';
    if (t.learningRate === undefined) ctx.addIssue({ code: 'custom', path: ['learningRate'], message: `is required for ${what}` });
    if (t.steps === undefined) ctx.addIssue({ code: 'custom', path: ['steps'], message: `is required for ${what}` });
    if (t.method === 'greedy' && t.epsilon === undefined)
      ctx.addIssue({ code: 'custom', path: ['epsilon'], message: 'is required for the greedy algorithm' });
  } else if (t.tEnd === undefined) {
    ctx.addIssue({ code: 'custom', path: ['tEnd'], message: 'is required for gradient flow' });
  }
  if (t.method === 'central-flow' && t.learningRate === undefined) {
    ctx.addIssue({ code: 'custom', path: ['learningRate'], message: 'is required for the central flow (the edge is 2 / learningRate)' });
  }
});

/** The declarations a train method's runs take their options from (lib/experiments/execute.ts). */
export const trainOptionSpecs: Record<'gd' | 'flow' | 'greedy', GroupSpec> = {
  gd: options(gdFields),
  flow: options(flowFields),
  greedy: options(greedyConfigFields),
};

/**
 * A sweep value list: explicit values, or numpy-style linspace / logspace (base-10 exponents). An
 * explicit value may be a whole object for an object-valued field (`train.optimizer: [{kind: gd},
 * {kind: sgd, batchSize: 10}]`): it replaces the field, is validated at each grid point like any
 * value, and is labelled in results by a short deterministic label, e.g. `sgd batchSize=10` (plan.ts, axisLabel).
 */
const points = count.max(MAX_RUNS);
export const valuesSchema = z.union([
  z.array(z.union([finite, z.string(), z.boolean(), z.record(z.string(), z.unknown())])).min(1),
  strictObject({ linspace: z.tuple([finite, finite, points]) }),
  strictObject({ logspace: z.tuple([finite, finite, points]) }),
]);

/**
 * One factor of the sweep's product: dotted config paths (or `repetitions`) mapped to value
 * lists. Paths in one factor vary together (zip; equal lengths), factors multiply.
 */
export const factorSchema = z.record(z.string().min(1), valuesSchema).refine((f) => Object.keys(f).length > 0, 'a factor needs at least one axis');

/** A reference line: an expression in numbers, `eta` and theory quantities, e.g. "2/eta", "sMin", "smallInitUpper/sMin". */
const ruleSchema = z.union([
  z.string(),
  strictObject({
    y: z.string().optional(),
    x: z.string().optional(),
    label: z.string().optional(),
    panel: z.number().int().min(0).optional().describe('trace figures: only this panel (0-based)'),
  }),
]);

const filterSchema = z.record(
  z.string(),
  z.union([finite, z.string(), z.boolean(), z.array(z.union([finite, z.string()])), strictObject({ lt: finite.optional(), gt: finite.optional() })]),
);

const axisScale = z.enum(['linear', 'log']);

export const figureSchema = z.discriminatedUnion('kind', [
  strictObject({
    kind: z.literal('sweep'),
    id: z.string().regex(/^[\w.-]+$/),
    title: z.string().optional(),
    x: z.string().describe('a sweep axis (dotted path)'),
    y: z.string().describe('an expression over recorded quantities, e.g. distance, sharpness, sharpness/sMin, testLoss-loss'),
    at: z.enum(['final', 'initial']).default('final'),
    series: z.string().optional().describe('a sweep axis: one line per value'),
    initialSeries: z.boolean().default(false).describe('also plot y at initialization, pooled over series ("Initialization")'),
    filter: filterSchema.optional(),
    xScale: axisScale.default('linear'),
    yScale: axisScale.default('linear'),
    yDomain: z.tuple([finite, finite]).optional(),
    xLabel: z.string().optional(),
    yLabel: z.string().optional(),
    rules: z.array(ruleSchema).default([]),
  }),
  strictObject({
    kind: z.literal('divergence'),
    id: z.string().regex(/^[\w.-]+$/),
    title: z.string().optional(),
    x: z.string(),
    series: z.string().optional(),
    filter: filterSchema.optional(),
    xScale: axisScale.default('linear'),
    xLabel: z.string().optional(),
  }),
  strictObject({
    kind: z.literal('trace'),
    id: z.string().regex(/^[\w.-]+$/),
    title: z.string().optional(),
    x: z.enum(['step', 'time']).default('step'),
    y: z.array(z.string()).min(1).describe('one panel per expression; vector quantities draw one line per component'),
    series: z.string().optional().describe('a sweep axis: one colour per value'),
    filter: filterSchema.optional(),
    repetitions: z.number().int().min(1).default(1).describe('how many repetitions per series to draw'),
    xScale: axisScale.default('linear'),
    yScale: z.union([axisScale, z.array(axisScale)]).default('log'),
    yDomain: z.tuple([finite, finite]).optional(),
    xLabel: z.string().optional(),
    yLabels: z.array(z.string()).optional(),
    rules: z.array(ruleSchema).default([]),
  }),
  strictObject({
    kind: z.literal('scatter'),
    id: z.string().regex(/^[\w.-]+$/),
    title: z.string().optional(),
    x: z.string(),
    y: z.string(),
    at: z.enum(['final', 'initial']).default('final'),
    series: z.string().optional(),
    filter: filterSchema.optional(),
    xScale: axisScale.default('log'),
    yScale: axisScale.default('log'),
    regression: z.boolean().default(true).describe('least-squares line (in log-log space on log axes), slope and R^2'),
    xLabel: z.string().optional(),
    yLabel: z.string().optional(),
  }),
  strictObject({
    kind: z.literal('orbit'),
    id: z.string().regex(/^[\w.-]+$/),
    title: z.string().optional(),
    x: z.string().describe('a sweep axis (dotted path)'),
    y: z.string().describe('a vector quantity recorded at the end (orbitLoss, orbitSharpness): one point per component (a bifurcation diagram)'),
    factor: z.string().optional().describe('an expression per run the components are multiplied by, e.g. eta/2'),
    filter: filterSchema.optional(),
    xScale: axisScale.default('linear'),
    yScale: axisScale.default('linear'),
    yDomain: z.tuple([finite, finite]).optional(),
    xLabel: z.string().optional(),
    yLabel: z.string().optional(),
    rules: z.array(ruleSchema).default([]),
  }),
  strictObject({
    kind: z.literal('surface'),
    id: z.string().regex(/^[\w.-]+$/),
    title: z.string().optional(),
    filter: filterSchema.optional(),
    resolution: z.number().int().min(5).max(401).default(61),
    a: z.tuple([finite, finite]).default([-0.25, 1.25]).describe('range of the coefficient of the lower-rank minimum'),
    b: z.tuple([finite, finite]).default([-0.25, 1.25]).describe('range of the coefficient of the higher-rank minimum'),
    ranks: z.tuple([count, count]).optional().describe('the ranks of the two minima (default: the two lowest positive ranks found)'),
  }),
  strictObject({
    kind: z.literal('escape'),
    id: z.string().regex(/^[\w.-]+$/),
    title: z.string().optional(),
    filter: filterSchema.optional(),
    series: z.string().default('model.depth').describe('a sweep axis: one colour and one fitted line per value'),
    fraction: z
      .number()
      .gt(0, 'must be > 0')
      .default(0.9)
      .describe(
        "without flow events: the escape is when the loss first falls to this fraction of its initial value (with events: the first event's time)",
      ),
    fitSmallest: z.number().int().min(2).default(3).describe('fit the escape-time law to this many of the smallest init scales'),
    prediction: z
      .enum(['none', 'chain'])
      .default('none')
      .describe('chain: the exact escape time of the balanced scalar chain (aligned init; exact for whitened inputs), dotted'),
    xLabel: z.string().optional(),
    yLabel: z.string().optional(),
  }),
  strictObject({
    kind: z.literal('paths'),
    id: z.string().regex(/^[\w.-]+$/),
    title: z.string().optional(),
    filter: filterSchema.optional(),
    series: z.string().optional().describe('a sweep axis: one colour per value (greedy runs: one colour per stage)'),
    x: z.string().describe('an expression over recorded quantities, per recorded row'),
    y: z.string().describe('an expression over recorded quantities, per recorded row'),
    origin: z.boolean().default(true).describe('mark the image of theta = 0 (+)'),
    xLabel: z.string().optional(),
    yLabel: z.string().optional(),
    rules: z.array(ruleSchema).default([]),
  }),
  strictObject({
    kind: z.literal('stages'),
    id: z.string().regex(/^[\w.-]+$/),
    title: z.string().optional(),
    filter: filterSchema.optional(),
    y: z.array(z.string()).min(1).max(2).default(['loss', 'testLoss']).describe('solid, then dashed'),
    yScale: axisScale.default('log'),
    yLabel: z.string().optional(),
  }),
]);

/**
 * A claim the config's author makes about the results, checked like the papers' findings
 * (lib/report/checks.ts): an aggregate of a per-run quantity over the runs `where` selects, held
 * against `below` and/or `above`. A failed check makes `dlnflow run` exit 3.
 */
export const checkSchema = strictObject({
  id: z.string().regex(/^[\w.-]+$/, 'letters, digits, ".", "_" and "-" only'),
  claim: z.string().min(1).describe('what is claimed, in words (shown with the result)'),
  quantity: z
    .string()
    .min(1)
    .superRefine((text, ctx) => {
      let tree;
      try {
        tree = parseExpression(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return;
      }
      // initial.Q / final.Q must name a quantity a run can record: a typo fails here, not after the sweep.
      for (const name of expressionNames(tree)) {
        const m = /^(initial|final)\.(.*)$/.exec(name);
        if (!m || ROW_NAMES.includes(m[2])) continue;
        ctx.addIssue({ code: 'custom', message: `"${name}": ${m[2]} is no recorded quantity${suggestion(m[2], ROW_NAMES)}` });
      }
    })
    .describe(
      'a per-run value: a column of runs.csv (final.loss, initial.sharpness, divergedAt, steps, flow.t, a sweep axis), diverged (1 or 0), a theory quantity (sMin, ...), eta, L, or an expression of them, e.g. final.sharpness/sMin or final.loss < 1e-3 (1 or 0)',
    ),
  aggregate: z
    .enum(['max', 'min', 'mean', 'median', 'fraction'])
    .describe('over the selected runs; fraction: the share of runs whose quantity is nonzero (true)'),
  below: finite.optional().describe('the aggregate must be < this'),
  above: finite.optional().describe('the aggregate must be > this'),
  where: filterSchema
    .optional()
    .describe('select runs by sweep axis, config path or runs.csv column, e.g. { train.learningRate: 0.02 } or { status: [completed, converged] }'),
}).superRefine((c, ctx) => {
  if (c.below === undefined && c.above === undefined) ctx.addIssue({ code: 'custom', path: ['below'], message: 'give below and/or above' });
  if (c.below !== undefined && c.above !== undefined && !(c.above < c.below))
    ctx.addIssue({ code: 'custom', path: ['above'], message: `must be < below (${c.below}): no value could hold` });
});

export const experimentSchema = strictObject({
  $schema: z.string().optional(),
  name: z.string().regex(/^[\w.-]+$/, 'letters, digits, ".", "_" and "-" only'),
  description: z.string().default(''),
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0).describe('master seed: every other seed derives from it'),
  data: dataSchema,
  model: modelSchema,
  init: initSchema.default({ kind: 'gaussian', scale: 0.1 }),
  train: trainSchema,
  repetitions: count.max(MAX_RUNS).default(1),
  seeds: strictObject({
    initBy: z
      .array(z.string())
      .default([])
      .describe('sweep axes the init seed depends on besides the repetition (default none: every grid point reuses the same draws, scaled)'),
  }).default({ initBy: [] }),
  sweep: z.array(factorSchema).default([]),
  output: strictObject({
    traces: z.boolean().default(false).describe("keep each run's whole recorded trace (traces/ID.json)"),
    weights: z.boolean().default(false).describe("keep each run's final weights (weights/ID.json)"),
    arrow: z.boolean().default(false).describe('also write the tidy tables as Arrow IPC files (runs.arrow, traces.arrow)'),
  }).default({ traces: false, weights: false, arrow: false }),
  report: strictObject({
    title: z.string().optional(),
    figures: z.array(figureSchema).default([]),
  }).default({ figures: [] }),
  checks: z
    .array(checkSchema)
    .superRefine((checks, ctx) => {
      const seen = new Set<string>();
      checks.forEach((c, i) => {
        if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `"${c.id}" is used by another check` });
        seen.add(c.id);
      });
    })
    .optional()
    .describe("claims checked on the results, like the papers' findings (a failed one: exit code 3)"),
});

export type ExperimentInput = z.input<typeof experimentSchema>;

/** Every field optional, at every depth (arrays taken whole). */
export type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/**
 * A config object as runExperiment and loadExperiment take it: a whole experiment, or
 * `extends: PRESET` with the fields it changes (merged into the preset's); either may carry a
 * `quick:` patch (merged in with the quick option).
 */
export type ExperimentSource = (ExperimentInput | (DeepPartial<ExperimentInput> & { extends: string })) & { quick?: DeepPartial<ExperimentInput> };
export type Experiment = z.output<typeof experimentSchema>;
export type DataConfig = z.output<typeof dataSchema>;
export type ModelConfig = z.output<typeof modelSchema>;
export type InitConfig = z.output<typeof initSchema>;
export type TrainConfig = z.output<typeof trainSchema>;
export type FigureConfig = z.output<typeof figureSchema>;
export type Factor = z.output<typeof factorSchema>;
export type ValuesSpec = z.output<typeof valuesSchema>;
export type FilterConfig = z.output<typeof filterSchema>;
export type RuleConfig = z.output<typeof ruleSchema>;
export type CheckConfig = z.output<typeof checkSchema>;

/** The JSON Schema (draft 2020-12) of experiment files, for editors. */
export function experimentJsonSchema(): Record<string, unknown> {
  return {
    ...(z.toJSONSchema(experimentSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>),
    $id: 'https://dlnflow.dev/schema/experiment.json',
    title: 'dlnflow experiment',
  };
}
