/**
 * Marion & Chizat (2024), Figures 3c and 3d: Figure 1c,d's traces from the residual
 * initialization (s = 0.5) with the authors' projection, 400 steps, on the authors' data.
 */
import type { Preset } from '../types';
import { edgeOfStabilityFindings, tracesConfig } from './eos-traces';

export const marionChizatFig3Traces: Preset = {
  name: 'marion-chizat-fig3-traces',
  summary: "Marion & Chizat Fig. 3c,d: the same traces from a residual init (s = 0.5, the authors' projection), 400 steps, 20 inits",
  config: tracesConfig(
    'marion-chizat-fig3-traces',
    "Marion & Chizat (2024), Figures 3c and 3d, on the authors' dataset: gradient descent from the residual init I + s/sqrt(Ld) N (s = 0.5) with the authors' projection p, " +
      'distance and exact sharpness every 5 steps for 400 steps, at eta = 0.02 and 0.1; 20 initializations, the figures draw the first.',
    { kind: 'residual', scale: 0.5 },
    { depth: 10, projection: 'authors' },
    [0.5],
    400,
    ['sMin'],
    { noEdge: 'Fig. 3c', edge: 'Fig. 3d' },
  ),
  findings: edgeOfStabilityFindings(
    'residual',
    ['sMin'],
    [
      "Code versions: both versions of the authors' code run these traces at s = 0.5 for 400 steps and draw the lower line only (May: 2Lλ, October: 2La).",
      "Projection: the authors' p (model.projection authors).",
    ],
  ),
};
