/**
 * The experiment config: one YAML or JSON document describing the data, the network, the
 * initialization, how it is trained (gradient descent or gradient flow), what is recorded, the
 * sweep (a product of axes, where axes listed together vary together) and the report's figures.
 * One zod schema gives the TypeScript types, the validation (errors name the bad field by its
 * path) and the JSON Schema published for editors (`dlnflow schema`).
 */
import { z } from 'zod';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const positive = finite.refine((v) => v > 0, 'must be > 0');
const count = z.number().int().min(1);

/** The largest plan accepted: a bigger sweep is refused before anything is expanded. */
export const MAX_RUNS = 1_000_000;

export const dataSchema = z.discriminatedUnion('kind', [
  z
    .strictObject({
      kind: z.literal('marion-chizat'),
      source: z
        .enum(['seed', 'authors', 'authors-2024-10'])
        .default('seed')
        .describe("seed: dlnflow's generator (data.seed); authors / authors-2024-10: the authors' JAX draw (code of May / October 2024), README \"Data sources\""),
      n: count.default(50),
      d: count.default(5),
      noise: finite.min(0).default(1),
      nTest: z.number().int().min(0).optional(),
      seed: z.number().int().min(0).optional().describe('source seed only (the authors\' sources ignore it): default derived from the master seed'),
    })
    .superRefine((m, ctx) => {
      // The authors' draws exist for the reference code's sizes only, with its test set or none.
      // data.seed is ignored by them (a preset may pin one for source seed).
      if (m.source === 'seed') return;
      const october = m.source === 'authors-2024-10';
      if (!((m.n === 50 && m.d === 5) || (october && m.n === 15 && m.d === 20))) {
        ctx.addIssue({ code: 'custom', path: ['n'], message: `source "${m.source}" has (n, d) = (50, 5)${october ? ' or (15, 20)' : ''} only, got (${m.n}, ${m.d})` });
      }
      if (m.nTest !== undefined && m.nTest !== (october ? m.n : 0)) {
        ctx.addIssue({ code: 'custom', path: ['nTest'], message: october ? 'the October 2024 code draws n test points (leave nTest out)' : 'the May 2024 code draws no test set (leave nTest out, or use authors-2024-10)' });
      }
    })
    .describe('Marion & Chizat: X ~ N(0, I), y = X w_true + noise zeta, rescaled so ||w*|| = 1; test set of nTest (default n; source authors: none) points'),
  z
    .strictObject({
      kind: z.literal('jacot-teacher'),
      d: count.default(10),
      rank: count.default(3),
      n: count.default(100),
      nTest: z.number().int().min(0).default(1000),
      noise: finite.min(0).default(0.2),
      teacherScale: z.enum(['column-variance', 'constant']).default('column-variance'),
      teacherStd: positive.default(1.5),
      seed: z.number().int().min(0).optional(),
      whiten: z.boolean().optional().describe('whiten the training inputs (X^T X / n = I) and recompute their targets: Sigma_yx is then W_T + E (docs/theory.md §6.5)'),
    })
    .describe('Jacot et al.: noisy low-rank teacher W_0 W_0^T; isotropic inputs; noiseless test targets'),
  z
    .strictObject({
      kind: z.literal('completion'),
      rows: count.default(10),
      cols: count.default(10),
      rank: count.default(3),
      observed: count,
      seed: z.number().int().min(0).optional(),
    })
    .describe('Matrix completion of a rows x cols rank-r matrix from `observed` entries (the rest is the test set)'),
  z
    .strictObject({
      kind: z.literal('file'),
      path: z.string().min(1),
    })
    .describe('A problem file (see README "Problem files"); its widths are the default architecture'),
]);

export const modelSchema = z
  .strictObject({
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
  })
  .superRefine((m, ctx) => {
    if (!m.widths && m.depth === undefined) ctx.addIssue({ code: 'custom', path: ['depth'], message: 'give depth (or widths)' });
  });

export const initSchema = z.strictObject({
  kind: z
    .enum(['gaussian', 'zero-layer', 'residual', 'lazy', 'aligned'])
    .default('gaussian')
    .describe("aligned: Jacot et al.'s optimal escape direction, a width-1 chain along the top singular pair of -grad C(0) (matrix heads)"),
  scale: finite.min(0).default(0.1).describe('gaussian: entry std; residual: s in I + s/sqrt(Ld) N; aligned: ||theta|| (Jacot et al.\'s alpha)'),
  sigma: positive.optional().describe('lazy: the sigma of Jacot et al.'),
  zeroLayer: z.number().int().min(0).optional().describe('zero-layer: which layer (0-based) is zero'),
});

export const sharpnessOptionsSchema = z.strictObject({
  method: z.enum(['lanczos', 'power', 'dense']).default('lanczos'),
  k: count.default(1),
  tol: positive.default(1e-10),
  maxIterations: z.number().int().min(0).optional(),
  powerIterations: count.optional(),
  warmStart: z.boolean().default(true),
});

const quantity = z.string().min(1);

/** A threshold: a number, or an expression in initialLoss and lossMinimum (e.g. "0.5*initialLoss"). */
const threshold = z.union([finite, z.string().min(1)]);

const flowEventSchema = z.strictObject({
  lossBelow: threshold.optional(),
  excessLossBelow: threshold.optional(),
  gradNormBelow: threshold.optional(),
  sharpnessAbove: threshold.optional(),
  quantity: quantity.optional(),
  below: threshold.optional(),
  above: threshold.optional(),
  terminal: z.boolean().optional(),
});

export const trainSchema = z
  .strictObject({
    method: z
      .enum(['gd', 'flow', 'greedy'])
      .default('gd')
      .describe("gradient descent, gradient flow by adaptive RK45, or Jacot et al.'s greedy rank-incremental Algorithm A (gd stages)"),
    learningRate: positive.optional().describe('gd, greedy: eta'),
    steps: count.optional().describe('gd: number of updates; greedy: updates per stage (T)'),
    epsilon: positive.optional().describe("greedy: scale of each new unit's weights"),
    tolerance: positive.optional().describe('greedy: stop within this of the minimum loss (default epsilon)'),
    maxWidth: count.optional().describe('greedy: the widest stage (default min(d_0, d_L))'),
    tEnd: z
      .union([positive, z.literal('inf')])
      .optional()
      .describe('flow: end time ("inf": until a terminal event or maxSteps)'),
    rtol: positive.optional(),
    atol: positive.optional(),
    maxSteps: count.optional(),
    controller: z.enum(['I', 'PI']).optional(),
    events: z.array(flowEventSchema).optional().describe('flow: events (see README "Gradient flow")'),
    recordEvery: z.number().int().min(0).default(0).describe('record every k steps (0: initial and final points only)'),
    recordPerDecade: z.number().int().min(0).max(1000).optional().describe('gd: also record at log-spaced steps, this many per decade'),
    record: z.array(quantity).default(['loss']).describe('recorded quantities (README "Recorded quantities")'),
    sharpness: sharpnessOptionsSchema.optional(),
    rankTolerance: positive.optional(),
    lossTarget: finite.optional(),
    excessLossTarget: finite.optional(),
    gradNormTarget: finite.optional(),
    lossCeiling: positive.optional(),
  })
  .superRefine((t, ctx) => {
    if (t.method === 'gd' || t.method === 'greedy') {
      const what = t.method === 'gd' ? 'gradient descent' : 'the greedy algorithm';
      if (t.learningRate === undefined) ctx.addIssue({ code: 'custom', path: ['learningRate'], message: `is required for ${what}` });
      if (t.steps === undefined) ctx.addIssue({ code: 'custom', path: ['steps'], message: `is required for ${what}` });
      if (t.method === 'greedy' && t.epsilon === undefined) ctx.addIssue({ code: 'custom', path: ['epsilon'], message: 'is required for the greedy algorithm' });
    } else if (t.tEnd === undefined) {
      ctx.addIssue({ code: 'custom', path: ['tEnd'], message: 'is required for gradient flow' });
    }
  });

/** A sweep value list: explicit values, or numpy-style linspace / logspace (base-10 exponents). */
const points = count.max(MAX_RUNS);
export const valuesSchema = z.union([
  z.array(z.union([finite, z.string(), z.boolean()])).min(1),
  z.strictObject({ linspace: z.tuple([finite, finite, points]) }),
  z.strictObject({ logspace: z.tuple([finite, finite, points]) }),
]);

/**
 * One factor of the sweep's product: dotted config paths (or `repetitions`) mapped to value
 * lists. Paths in one factor vary together (zip; equal lengths), factors multiply.
 */
export const factorSchema = z.record(z.string().min(1), valuesSchema).refine((f) => Object.keys(f).length > 0, 'a factor needs at least one axis');

/** A reference line: an expression in numbers, `eta` and theory quantities, e.g. "2/eta", "sMin", "smallInitUpper/sMin". */
const ruleSchema = z.union([
  z.string(),
  z.strictObject({
    y: z.string().optional(),
    x: z.string().optional(),
    label: z.string().optional(),
    panel: z.number().int().min(0).optional().describe('trace figures: only this panel (0-based)'),
  }),
]);

const filterSchema = z.record(
  z.string(),
  z.union([finite, z.string(), z.boolean(), z.array(z.union([finite, z.string()])), z.strictObject({ lt: finite.optional(), gt: finite.optional() })]),
);

const axisScale = z.enum(['linear', 'log']);

export const figureSchema = z.discriminatedUnion('kind', [
  z.strictObject({
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
  z.strictObject({
    kind: z.literal('divergence'),
    id: z.string().regex(/^[\w.-]+$/),
    title: z.string().optional(),
    x: z.string(),
    series: z.string().optional(),
    filter: filterSchema.optional(),
    xScale: axisScale.default('linear'),
    xLabel: z.string().optional(),
  }),
  z.strictObject({
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
  z.strictObject({
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
  z.strictObject({
    kind: z.literal('surface'),
    id: z.string().regex(/^[\w.-]+$/),
    title: z.string().optional(),
    filter: filterSchema.optional(),
    resolution: z.number().int().min(5).max(401).default(61),
    a: z.tuple([finite, finite]).default([-0.25, 1.25]).describe('range of the coefficient of the lower-rank minimum'),
    b: z.tuple([finite, finite]).default([-0.25, 1.25]).describe('range of the coefficient of the higher-rank minimum'),
    ranks: z.tuple([count, count]).optional().describe('the ranks of the two minima (default: the two lowest positive ranks found)'),
  }),
  z.strictObject({
    kind: z.literal('escape'),
    id: z.string().regex(/^[\w.-]+$/),
    title: z.string().optional(),
    filter: filterSchema.optional(),
    series: z.string().default('model.depth').describe('a sweep axis: one colour and one fitted line per value'),
    fraction: positive.default(0.9).describe("without flow events: the escape is when the loss first falls to this fraction of its initial value (with events: the first event's time)"),
    fitSmallest: z.number().int().min(2).default(3).describe('fit the escape-time law to this many of the smallest init scales'),
    prediction: z.enum(['none', 'chain']).default('none').describe('chain: the exact escape time of the balanced scalar chain (aligned init; exact for whitened inputs), dotted'),
    xLabel: z.string().optional(),
    yLabel: z.string().optional(),
  }),
  z.strictObject({
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
  z.strictObject({
    kind: z.literal('stages'),
    id: z.string().regex(/^[\w.-]+$/),
    title: z.string().optional(),
    filter: filterSchema.optional(),
    y: z.array(z.string()).min(1).max(2).default(['loss', 'testLoss']).describe('solid, then dashed'),
    yScale: axisScale.default('log'),
    yLabel: z.string().optional(),
  }),
]);

export const experimentSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().regex(/^[\w.-]+$/, 'letters, digits, ".", "_" and "-" only'),
  description: z.string().default(''),
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0).describe('master seed: every other seed derives from it'),
  data: dataSchema,
  model: modelSchema,
  init: initSchema.default({ kind: 'gaussian', scale: 0.1 }),
  train: trainSchema,
  repetitions: count.max(MAX_RUNS).default(1),
  seeds: z
    .strictObject({
      initBy: z
        .array(z.string())
        .default([])
        .describe('sweep axes the init seed depends on besides the repetition (default none: every grid point reuses the same draws, scaled)'),
    })
    .default({ initBy: [] }),
  sweep: z.array(factorSchema).default([]),
  output: z
    .strictObject({
      traces: z.boolean().default(false).describe("keep each run's whole recorded trace (traces/ID.json)"),
      weights: z.boolean().default(false).describe("keep each run's final weights (weights/ID.json)"),
    })
    .default({ traces: false, weights: false }),
  report: z
    .strictObject({
      title: z.string().optional(),
      figures: z.array(figureSchema).default([]),
    })
    .default({ figures: [] }),
});

export type ExperimentInput = z.input<typeof experimentSchema>;
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

/** The JSON Schema (draft 2020-12) of experiment files, for editors. */
export function experimentJsonSchema(): Record<string, unknown> {
  return {
    ...(z.toJSONSchema(experimentSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>),
    $id: 'https://dlnflow.dev/schema/experiment.json',
    title: 'dlnflow experiment',
  };
}
