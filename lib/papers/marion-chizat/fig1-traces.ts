/**
 * Marion & Chizat (2024), Figures 1c and 1d: distance and sharpness along gradient descent from a
 * Gaussian initialization at scale 0.3, at eta = 0.02 (no edge of stability) and 0.1 (edge of
 * stability), 400 steps, on the authors' data, as their May 2024 code (the paper). The October
 * 2024 code runs scale 0.35 for 450 steps.
 */
import type { Preset } from '../types';
import { edgeOfStabilityFindings, tracesConfig } from './eos-traces';

export const marionChizatFig1Traces: Preset = {
  name: 'marion-chizat-fig1-traces',
  summary:
    'Marion & Chizat Fig. 1c,d: distance and sharpness along GD at eta 0.02 (no EoS) and 0.1 (edge of stability), Gaussian scale 0.3, 400 steps, 20 inits',
  config: tracesConfig(
    'marion-chizat-fig1-traces',
    "Marion & Chizat (2024), Figures 1c and 1d, on the authors' dataset: gradient descent from a Gaussian init at scale 0.3 for 400 steps (their May 2024 code, the paper), " +
      'distance and exact sharpness every 5 steps, at eta = 0.02 and 0.1; 20 initializations, the figures draw the first.',
    { kind: 'gaussian', scale: 0.3 },
    { depth: 10 },
    [0.3],
    400,
    ['sMin', 'corollary3'],
    { noEdge: 'Fig. 1c', edge: 'Fig. 1d' },
  ),
  findings: edgeOfStabilityFindings(
    'Gaussian',
    ['sMin', 'corollary3'],
    [
      "Code versions: these traces follow the authors' May 2024 code, the paper's (scale 0.3, 400 steps). Their October 2024 code runs scale 0.35 for 450 steps (--set 'sweep[1][init.scale]=[0.35]' --set train.steps=450; the findings are then not applicable) and draws 2La and 8LΛ.",
      'Samples: distance and sharpness at initialization and after every 5th update, the points the reference code plots (it subsamples its distance curve by 5, Appendix C).',
    ],
  ),
};
