/**
 * Marion & Chizat (2024), Figures 3c and 3d: Figure 1c,d's traces from the residual
 * initialization (s = 0.5).
 */
import type { Preset } from '../types';
import { edgeOfStabilityFindings, tracesConfig } from './eos-traces';

export const marionChizatFig3Traces: Preset = {
  name: 'marion-chizat-fig3-traces',
  summary: 'Marion & Chizat Fig. 3c,d: the same traces from a residual init (s = 0.5), 400 steps',
  config: tracesConfig(
    'marion-chizat-fig3-traces',
    'Marion & Chizat (2024), Figures 3c and 3d: one GD run per learning rate from the residual init I + s/sqrt(Ld) N (s = 0.5) with a random unit projection, ' +
      'distance and exact sharpness every 5 steps for 400 steps.',
    { kind: 'residual', scale: 0.5 },
    { depth: 10, projection: 'random-unit' },
    [0.5],
    400,
    ['sMinRefinedLower'],
  ),
  findings: edgeOfStabilityFindings('residual'),
};
