/**
 * Marion & Chizat (2024), Figures 1c and 1d: distance and sharpness along gradient descent from a
 * Gaussian initialization, at eta = 0.02 (no edge of stability) and 0.1 (edge of stability).
 */
import type { Preset } from '../types';
import { edgeOfStabilityFindings, tracesConfig } from './eos-traces';

export const marionChizatFig1Traces: Preset = {
  name: 'marion-chizat-fig1-traces',
  summary: 'Marion & Chizat Fig. 1c,d: distance and sharpness along GD at eta 0.02 (no EoS) and 0.1 (edge of stability), scales 0.3 (paper) and 0.35 (code)',
  config: tracesConfig(
    'marion-chizat-fig1-traces',
    'Marion & Chizat (2024), Figures 1c and 1d: one GD run per learning rate from a Gaussian init, distance and exact sharpness every 5 steps for 450 steps. ' +
      'The paper states scale 0.3, its code uses 0.35: both are run.',
    { kind: 'gaussian', scale: 0.3 },
    { depth: 10 },
    [0.3, 0.35],
    450,
    ['sMinRefinedLower', 'codeUpper'],
  ),
  findings: edgeOfStabilityFindings('Gaussian'),
};
