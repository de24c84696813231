// The central flow's cost against gradient descent (src/central_flow.hpp), measured in one run on
// the Marion-Chizat Fig. 1d setting (the authors' data, L = 10, P = 230, eta = 0.1, Gaussian
// scale 0.3): a central flow over t = 45 (450 GD steps of time) against 450 GD steps and against
// the plain gradient flow over the same time, recording the loss only (wall time, best of 5,
// as ratios); and the deterministic counts behind it (gradients, Hessian-vector products,
// third-derivative contractions). Also one sharpnessGradient() call in gradients (the same
// Problem.gradient() call timed in the same run; best of 20).
'use strict';
const lib = require('../../dist/index.js');

const WIDTHS = [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 1];

async function best(n, f) {
  let t = Infinity;
  let last;
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    last = await f();
    t = Math.min(t, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return { ms: t, last };
}

exports.run = async () => {
  const d = lib.marionChizatData({ source: 'authors', n: 50, d: 5, noise: 1 });
  const problem = lib.Problem.regression({ X: d.X, y: d.y, widths: WIDTHS });
  const w0 = lib.initWeights(WIDTHS, { scale: 0.3, seed: 0 });
  const gd = await best(5, () => lib.train(problem, w0, { learningRate: 0.1, steps: 450, record: ['loss'] }));
  const gf = await best(5, () => lib.flow(problem, w0, { tEnd: 45, record: ['loss'] }));
  const cf = await best(5, () => lib.flow(problem, w0, { dynamics: 'central', learningRate: 0.1, tEnd: 45, record: ['loss'] }));
  const s = cf.last.stats;
  // One gradient and one sharpness gradient at the central flow's end point (at the edge).
  const w = cf.last.weights;
  const gradient = await best(20, () => problem.gradient(w));
  const sg = await best(20, () => lib.sharpnessGradient(problem, w));
  return {
    setting: "authors' data, L = 10, P = 230, eta = 0.1, scale 0.3, t = 45 (450 GD steps)",
    gd450Ms: Number(gd.ms.toFixed(2)),
    centralFlowMs: Number(cf.ms.toFixed(2)),
    centralFlowInGd450: Number((cf.ms / gd.ms).toFixed(1)),
    gradientFlowInGd450: Number((gf.ms / gd.ms).toFixed(2)),
    centralFlowInGradientFlow: Number((cf.ms / gf.ms).toFixed(1)),
    centralFlowCounts: {
      accepted: s.accepted,
      rejected: s.rejected,
      gradients: s.nfev + s.extraEvaluations,
      edgeEvaluations: s.edgeEvaluations,
      hvps: s.hvps,
      contractions: s.contractions,
      transitions: cf.last.transitions.length,
    },
    gradientFlowGradients: gf.last.stats.nfev + gf.last.stats.extraEvaluations,
    sharpnessGradientInGradients: Number((sg.ms / gradient.ms).toFixed(1)),
    sharpnessGradientHvps: sg.last.hvps,
    note: 'wall-clock ratios from one run on a shared machine (noisy); the counts are deterministic. The sharpness-gradient ratio includes the call overhead of an async job (the gradient is a sync call); scripts/bench/third-derivative.js measures the core alone in instructions.',
  };
};
