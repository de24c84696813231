/**
 * Marion & Chizat (2024), Figures 3a, 3b and 4: Figure 1's sweep from the residual initialization
 * I + s/sqrt(Ld) N with a random unit projection (scale-sweep.ts).
 */
import { scaleSweepPreset } from './scale-sweep';

export const marionChizatFig3 = scaleSweepPreset({
  name: 'marion-chizat-fig3',
  summary: 'Marion & Chizat Fig. 3a,b and 4: the same sweep from the residual init I + s/sqrt(Ld) N with a random unit projection, s in [0, 1.7]',
  description:
    'Marion & Chizat (2024), Figures 3a, 3b and 4. Gradient descent from the residual initialization W_k = I + s/sqrt(Ld) N_k (all layers 5 x 5, ' +
    'a fixed random unit projection p), 4,000 steps and 20 repetitions for every learning rate (Appendix C); exact sharpness at initialization and after training.',
  kind: 'residual',
  scales: { linspace: [0, 1.7, 10] },
  steps: [4000, 4000, 4000, 4000, 4000],
  repetitions: [20, 20, 20, 20, 20],
  quickScales: [0, 0.5, 1.1, 1.7],
  quickRepetitions: [3, 3, 3, 3, 3],
  figures: { distance: 'Fig. 3a', sharpness: 'Fig. 3b', divergence: 'Fig. 4' },
});
