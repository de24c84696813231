/**
 * The training rule of `train()` (`optimizer`; src/optimizers/, docs/algorithms.md §7). One block
 * whose `kind` says which of the other fields apply: a field of another kind is refused by the
 * core (ERR_DLN_VALUE naming it and the kind's own fields), and an absent field takes the kind's
 * default (stated in each doc; the core applies it, so none is filled here).
 */
import { boolean, group, integer, number, oneOf } from './declare';

export const optimizerKinds = ['gd', 'sgd', 'label-noise', 'momentum', 'nesterov', 'rmsprop', 'adam', 'sam', 'muon'] as const;
export type OptimizerKind = (typeof optimizerKinds)[number];

export const optimizerFields = {
  kind: oneOf(optimizerKinds, {
    doc: 'gd: plain gradient descent; sgd: mini-batches; label-noise: fresh Gaussian target noise every step; momentum: heavy ball; nesterov; rmsprop; adam (bias-corrected); sam: sharpness-aware (normalized ascent); muon: per-layer orthogonal polar factor of the gradient',
    default: 'gd',
  }),
  batchSize: integer({
    doc: 'sgd, label-noise: samples per step, at most n (0: all n, the full batch)',
    min: 0,
    max: 2 ** 53,
    defaultText: '0 (full batch)',
  }),
  replacement: boolean({
    doc: 'sgd, label-noise: draw each batch with replacement (else: without replacement within each epoch)',
    defaultText: 'false',
  }),
  sigma: number({ doc: 'label-noise: standard deviation of the noise added to every target at every step', min: 0, defaultText: '0.1' }),
  beta: number({
    doc: 'momentum, nesterov: momentum coefficient (default 0.9); muon: momentum of the gradient buffer (default 0)',
    min: 0,
    lt: 1,
    defaultText: '0.9 (momentum, nesterov), 0 (muon)',
  }),
  beta1: number({ doc: 'adam: first-moment decay', min: 0, lt: 1, defaultText: '0.9' }),
  beta2: number({ doc: 'adam, rmsprop: second-moment decay', min: 0, lt: 1, defaultText: '0.999 (adam), 0.99 (rmsprop)' }),
  eps: number({ doc: 'adam, rmsprop: added to sqrt(v_hat) in the denominator', gt: 0, defaultText: '1e-8' }),
  rho: number({ doc: 'sam: radius of the normalized ascent step', min: 0, defaultText: '0.05' }),
  newtonSchulz: integer({
    doc: 'muon: quintic Newton-Schulz steps for the polar factor (0: exact, by SVD)',
    min: 0,
    max: 100,
    defaultText: '0 (SVD)',
  }),
} as const;

export const optimizerGroup = group(optimizerFields, { doc: 'the training rule and its settings (docs/algorithms.md §7)' });
