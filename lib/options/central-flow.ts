/**
 * The central-flow options of `flow()` (src/central_flow.hpp, CentralFlowOptions): with
 * `dynamics: 'central'` the flow integrates the central flow of gradient descent at step
 * `learningRate` instead of gradient flow (docs/central-flow.md). Appended to the flow's options
 * (lib/options/flow.ts); with `dynamics: 'gradient'` (the default) they must be absent.
 */
import { integer, number, oneOf } from './declare';

export const centralFlowFields = {
  dynamics: oneOf(['gradient', 'central'] as const, {
    doc: 'gradient: gradient flow dθ/dt = −∇R; central: the central flow of gradient descent at step learningRate (Cohen et al. 2025), time in GD units t = η·step',
    defaultText: 'gradient',
  }),
  learningRate: number({
    doc: 'dynamics central: the step η of the gradient descent the flow follows (required); eigenvalues are held at or below 2/η',
    gt: 0,
  }),
  edgeRelaxation: number({
    doc: 'dynamics central: on the edge, d λ_i/dt = c (2/η − λ_i)/η pulls the integration error back (c per GD step)',
    gt: 0,
    defaultText: '0.1',
  }),
  maxEdge: integer({
    doc: 'dynamics central: how many eigenvalues may be at the edge at once (more ends the run "failed")',
    min: 1,
    max: 4,
    defaultText: '4',
  }),
  eigenTolerance: number({ doc: 'dynamics central: Lanczos relative Ritz residual of the edge eigenpairs', gt: 0, lt: 1e-3, defaultText: '1e-10' }),
} as const;

/** The keys only the central flow reads (refused with dynamics 'gradient'). */
export const centralOnlyKeys = ['learningRate', 'edgeRelaxation', 'maxEdge', 'eigenTolerance'] as const;
