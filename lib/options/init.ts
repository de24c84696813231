/** The options of `initWeights()` (src/init.hpp, InitOptions) and the config's `init` section. */
import { custom, integer, number, oneOf, options } from './declare';
import type { VectorLike } from './values';

const kinds = ['gaussian', 'zero-layer', 'residual', 'lazy'] as const;

export const initFields = {
  kind: oneOf(kinds, {
    doc: "gaussian: N(0, scale^2) entries; zero-layer: gaussian with layer zeroLayer set to 0; residual: I + scale / sqrt(L d) N (square layers); lazy: Jacot et al.'s large-norm init, std sigma^(1/L) w^(-(L-1)/(2L))",
    default: 'gaussian',
    fill: true,
  }),
  scale: number({ doc: 'gaussian: entry std; residual: s in I + s/sqrt(Ld) N', min: 0, default: 1, configDefault: 0.1 }),
  sigma: number({ doc: 'lazy: the sigma of Jacot et al.', gt: 0, default: 1 }),
  zeroLayer: integer({ doc: 'zero-layer: which layer (0-based) is zero', min: 0, max: 2 ** 32, default: 0 }),
  layerScales: custom<VectorLike>({ type: 'vector (one std per layer)', doc: 'gaussian, zero-layer: a std per layer, overriding scale' }),
  seed: integer({ doc: 'seed of the draws; experiments derive it from the master seed', min: 0, max: 2 ** 53, default: 0, config: false }),
  stream: integer({ doc: 'an independent stream for the same seed (e.g. the repetition index)', min: 0, max: 2 ** 53, default: 0, config: false }),
} as const;

/** initWeights(widths, options). */
export const initOptions = options(initFields);

/**
 * The config's `init` section: initWeights()'s options, and `kind: aligned`, which needs the problem
 * and so is drawn by the experiment (lib/analysis/escape.ts alignedInit, from lib/experiments/execute.ts),
 * not by initWeights(). Same keys in the same order as initFields.
 */
export const initConfigFields = {
  ...initFields,
  kind: oneOf([...kinds, 'aligned'] as const, {
    doc: `${initFields.kind.doc}; aligned (configs only): Jacot et al.'s optimal escape direction, a width-1 chain along the top singular pair of -grad C(0) (matrix heads)`,
    default: 'gaussian',
    fill: true,
  }),
  scale: { ...initFields.scale, doc: `${initFields.scale.doc}; aligned: ||theta|| (Jacot et al.'s alpha)` },
} as const;
