/** The options of `train()`: gradient descent with a fixed learning rate (src/gd.hpp, GdOptions). */
import { integer, number, options, required } from './declare';
import { optimizerGroup } from './optimizer';
import { controls, runFields } from './run';

export const gdFields = {
  learningRate: required(number({ doc: 'learning rate eta', gt: 0 })),
  steps: required(integer({ doc: 'step budget (updates); the greedy algorithm: updates per stage (T)', min: 0, max: 2 ** 53 })),
  recordEvery: runFields.recordEvery,
  recordPerDecade: integer({
    doc: 'also record at log-spaced steps, this many per decade (for log-time plots; 0: off)',
    min: 0,
    max: 1000,
    default: 0,
  }),
  record: runFields.record,
  rankTolerance: runFields.rankTolerance,
  sharpness: runFields.sharpness,
  lossTarget: number({ doc: 'stop ("converged") once loss <= lossTarget', infinite: 'both', default: -Infinity }),
  excessLossTarget: number({
    doc: 'stop once loss - (its minimum) <= excessLossTarget (needs a known minimum)',
    infinite: 'both',
    default: -Infinity,
  }),
  gradNormTarget: number({ doc: 'stop once ||grad|| <= gradNormTarget (0: off)', min: 0, default: 0 }),
  lossCeiling: runFields.lossCeiling,
  optimizer: optimizerGroup,
  seed: integer({
    doc: 'seed of the mini-batches and label noise (they depend on (seed, step) only); experiments derive it per run',
    min: 0,
    max: 2 ** 53,
    default: 0,
    config: false,
  }),
} as const;

/** train(problem, weights, options). */
export const trainOptions = options({ ...gdFields, ...controls });
