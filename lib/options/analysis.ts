/** The options of the trace analyses exported by the package (lib/analysis/). */
import { fieldError } from '../errors';
import { custom, integer, number, oneOf, options } from './declare';

/** detectPlateaus(time, loss, rank?, options). */
export const plateauOptions = options({
  tolerance: number({ doc: 'relative band: max/min of the loss within a plateau <= 1 + tolerance', gt: 0, default: 0.05 }),
  timeScale: oneOf(['log', 'linear'] as const, { doc: 'how duration is measured', default: 'log' }),
  minRatio: number({ doc: 'log scale: minimum end / start time ratio (points at t = 0 count from the first t > 0)', gt: 1, default: 1.5 }),
  minFraction: number({ doc: 'linear scale: minimum duration as a fraction of the recorded time span', min: 0, lt: 1, default: 0.02 }),
});

const range = (doc: string) =>
  custom<[number, number]>({
    type: '[number, number]',
    doc,
    check: (v, field) => {
      if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        throw fieldError('ERR_DLN_VALUE', field, 'expected two finite numbers [from, to]');
      }
    },
  });

/** lossSurface(problem, theta1, theta2, options). */
export const surfaceOptions = options({
  a: range('range of the coefficient a of theta_1 (default [-0.25, 1.25])'),
  b: range('range of the coefficient b of theta_2 (default [-0.25, 1.25])'),
  resolution: integer({ doc: 'grid points per axis', min: 2, max: 2001, default: 61 }),
});
