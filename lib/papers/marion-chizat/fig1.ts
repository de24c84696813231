/**
 * Marion & Chizat (2024), Figures 1a, 1b and 2: distance to w*, sharpness (at initialization and
 * after training) and probability of divergence against the Gaussian initialization's scale, for
 * five learning rates. The sweep and its findings are shared with Figure 3 (scale-sweep.ts).
 */
import { scaleSweepPreset } from './scale-sweep';

export const marionChizatFig1 = scaleSweepPreset({
  name: 'marion-chizat-fig1',
  summary: 'Marion & Chizat Fig. 1a,b and 2: distance, sharpness (init and final) and divergence vs init scale for 5 learning rates (GD, L = 10)',
  description:
    'Marion & Chizat (2024), Figures 1a, 1b and 2. Gradient descent on a depth-10 linear network (widths 5 ... 5, 1) for univariate regression ' +
    '(n = 50, d = 5, ||w*|| = 1), Gaussian initialization; exact sharpness (Lanczos) at initialization and after training, the reference ' +
    'code’s power iteration beside it. Learning rates, step budgets and repetitions as in the paper (Appendix C).',
  kind: 'gaussian',
  scales: { linspace: [0.25, 0.6, 10] },
  steps: [40000, 10000, 4000, 4000, 2000],
  repetitions: [20, 20, 20, 20, 80],
  quickScales: [0.25, 0.4, 0.5, 0.6],
  quickRepetitions: [3, 3, 3, 3, 6],
  figures: { distance: 'Fig. 1a', sharpness: 'Fig. 1b', divergence: 'Fig. 2' },
});
