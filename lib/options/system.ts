/** The options of the process-wide settings (lib/api/system.ts). */
import { integer, options } from './declare';

/** setBlasThresholds(thresholds). */
export const blasThresholdOptions = options({
  gemm: integer({ doc: 'm*n*k from which multi-column products go to BLAS', min: 0, max: 2 ** 53 }),
  gemv: integer({ doc: 'rows*cols from which matrix-vector products go to BLAS', min: 0, max: 2 ** 53 }),
});
