/**
 * The options of the data generators (src/data.hpp; the authors' draws, src/marion_chizat_authors.hpp)
 * and of the config's `data` sections, which add `kind` and draw `seed` from the master seed.
 */
import { boolean, integer, number, oneOf, options } from './declare';

const seed = integer({ doc: 'seed of the draw; experiments derive it from the master seed unless given', min: 0, max: 2 ** 53, default: 0 });

export const marionChizatFields = {
  source: oneOf(['seed', 'authors', 'authors-2024-10'] as const, {
    doc: 'seed: dlnflow\'s generator (any seed); authors / authors-2024-10: the authors\' JAX draw from PRNGKey(0) (code of May / October 2024; (n, d) = (50, 5), or (15, 20) for October; no seed), README "Data sources"',
    default: 'seed',
    fill: true,
  }),
  n: integer({ doc: 'training samples', min: 1, max: 2 ** 30, default: 50, fill: true }),
  d: integer({ doc: 'input dimension', min: 1, max: 2 ** 30, default: 5, fill: true }),
  noise: number({ doc: 'std of the label noise zeta in y = X w_true + noise zeta', min: 0, default: 1, fill: true }),
  nTest: integer({ doc: 'test samples', min: 0, max: 2 ** 30, defaultText: 'n (source authors: 0; authors-2024-10: n)' }),
  seed: integer({
    doc: 'seed of the draw (source seed only); experiments derive it from the master seed unless given',
    min: 0,
    max: 2 ** 53,
    defaultText: '0 (source seed)',
  }),
} as const;

export const jacotTeacherFields = {
  d: integer({ doc: 'dimension of inputs and outputs', min: 1, max: 2 ** 20, default: 10, fill: true }),
  rank: integer({ doc: 'rank r of the teacher W_0 W_0^T', min: 1, max: 2 ** 20, default: 3, fill: true }),
  n: integer({ doc: 'training samples', min: 1, max: 2 ** 30, default: 100, fill: true }),
  nTest: integer({ doc: 'test samples (noiseless targets)', min: 0, max: 2 ** 30, default: 1000, fill: true }),
  noise: number({ doc: 'std of the entries of E in the training targets (W_T + E) x', min: 0, default: 0.2, fill: true }),
  teacherScale: oneOf(['column-variance', 'constant'] as const, {
    doc: 'column-variance: column i of W_0 has variance i (Fig. 2); constant: entries N(0, teacherStd^2) (Fig. 3)',
    default: 'column-variance',
    fill: true,
  }),
  teacherStd: number({ doc: 'constant: the entries std of W_0', gt: 0, default: 1, configDefault: 1.5 }),
  seed,
} as const;

export const completionFields = {
  rows: integer({ doc: 'rows of the matrix to complete (d_L)', min: 1, max: 2 ** 20, default: 10, fill: true }),
  cols: integer({ doc: 'columns (d_0)', min: 1, max: 2 ** 20, defaultText: 'rows; configs: 10', configDefault: 10 }),
  rank: integer({ doc: 'rank r of the target U V^T', min: 1, max: 2 ** 20, default: 3, fill: true }),
  observed: integer({
    doc: 'observed entries, drawn uniformly without replacement (the rest is the test set)',
    min: 1,
    max: 2 ** 40,
    default: 50,
    config: 'required',
  }),
  seed,
} as const;

/** marionChizatData(options). */
export const marionChizatOptions = options(marionChizatFields);
/**
 * jacotTeacherData's options applied in TypeScript to the core's draw (lib/api/data.ts), not passed
 * to the generator. No config fills it: absent, a config (and its plan hash) stays as before.
 */
export const jacotTeacherDrawFields = {
  whiten: boolean({
    doc: 'whiten the training inputs (X^T X / n = I) and recompute their targets: Sigma_yx is then W_T + E (docs/theory.md §6.5); the test set is left as drawn',
    default: false,
  }),
} as const;

/** jacotTeacherData(options): the generator's options and the whitening. */
export const jacotTeacherOptions = options({ ...jacotTeacherFields, ...jacotTeacherDrawFields });
/** completionData(options). */
export const completionOptions = options(completionFields);
