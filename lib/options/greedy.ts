/**
 * The options of `greedyRankIncremental()`, Jacot et al.'s Algorithm A(epsilon, T, eta), and its
 * data. Configs take epsilon, tolerance and maxWidth in `train` (with learningRate and steps = T).
 */
import { custom, integer, number, oneOf, options, required } from './declare';
import { gdFields } from './gd';
import { controls, runFields } from './run';
import type { EntriesLike, MatrixLike } from './values';

export const greedyFields = {
  depth: required(integer({ doc: "depth L >= 2 of every stage's network", min: 2, max: 2 ** 20 })),
  epsilon: required(number({ doc: "scale of each new unit's weights (all entries of the new mode are +-epsilon)", gt: 0 })),
  stepsPerStage: required(integer({ doc: 'gradient-descent steps per stage (T)', min: 0, max: 2 ** 53 })),
  learningRate: gdFields.learningRate,
  tolerance: number({ doc: 'stop when loss <= lossMinimum + tolerance', gt: 0, defaultText: 'epsilon' }),
  lossMinimum: number({ doc: 'the minimum loss', defaultText: 'the minimum over all maps (0 for exactly realizable data)' }),
  maxWidth: integer({ doc: 'the widest stage', min: 1, max: 2 ** 20, defaultText: 'min(d_0, d_L)' }),
  recordEvery: runFields.recordEvery,
  record: runFields.record,
  rankTolerance: runFields.rankTolerance,
} as const;

/** greedyRankIncremental(data, options). */
export const greedyOptions = options({ ...greedyFields, ...controls });

const matrix = (doc: string) => custom<MatrixLike>({ type: 'matrix', doc });
const entries = (doc: string) => custom<EntriesLike>({ type: 'entries', doc });
const l2 = number({ doc: 'L2 penalty weight', min: 0, default: 0 });

/** greedyRankIncremental's data, kind "mse". */
export const greedyMseData = options({
  kind: required(oneOf(['mse', 'completion'] as const, { doc: 'the loss' })),
  X: required(matrix('inputs, N x d_0')),
  Y: required(matrix('targets, N x d_L')),
  XTest: matrix('test inputs'),
  YTest: matrix('test targets'),
  l2,
});

/** greedyRankIncremental's data, kind "completion". */
export const greedyCompletionData = options({
  kind: required(oneOf(['mse', 'completion'] as const, { doc: 'the loss' })),
  rows: required(integer({ doc: 'rows (d_L)', min: 1, max: 2 ** 20 })),
  cols: required(integer({ doc: 'columns (d_0)', min: 1, max: 2 ** 20 })),
  entries: required(entries('observed [row, col, value] triples')),
  testEntries: entries('held-out entries'),
  l2,
});

/**
 * The greedy algorithm's fields of a config's `train` section: `steps` is T (stepsPerStage), the
 * depth comes from the model (lib/experiments/execute.ts maps them).
 */
export const greedyConfigFields = {
  learningRate: gdFields.learningRate,
  steps: gdFields.steps,
  epsilon: greedyFields.epsilon,
  tolerance: greedyFields.tolerance,
  maxWidth: greedyFields.maxWidth,
  recordEvery: greedyFields.recordEvery,
  record: greedyFields.record,
  rankTolerance: greedyFields.rankTolerance,
} as const;
