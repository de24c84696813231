// One gradient-descent step: at the Marion-Chizat size (target <= 0.3 us), and for a wide
// univariate network against the time implied by the machine's dgemv/dger rate measured in the
// same run (target ratio <= 2). Also the same step through the Node API, to show the addon adds
// no per-step cost.
'use strict';
const { runNative, root } = require('./_native');

async function throughNode() {
  const d = require(root);
  const data = d.marionChizatData({ n: 50, d: 5, seed: 0 });
  const widths = [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 1];
  const problem = d.Problem.regression({ X: data.X, y: data.y, widths });
  const w0 = d.initWeights(widths, { scale: 0.3, seed: 1 });
  const steps = 2e6;
  let best = Infinity;
  for (let rep = 0; rep < 5; rep++) {
    const t0 = process.hrtime.bigint();
    await d.train(problem, w0, { learningRate: 0.02, steps, record: ['loss'] });
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / steps);
  }
  return best;
}

exports.run = async () => {
  const core = runNative('bench_gd');
  const nodeNs = await throughNode();
  return {
    blas: core.blas,
    mcStepNs: core.mcStepNs,
    mcStepNsThroughNode: Number(nodeNs.toFixed(1)),
    mcTargetNs: 300,
    wideStepNs: core.wideStepNs,
    wideBlasImpliedNs: core.wideBlasImpliedNs,
    wideRatio: core.wideRatio,
    wideTargetRatio: 2,
    // The Marion-Chizat step at each CPU level this machine supports (DLNFLOW_CPU), same run.
    mcStepNsByCpuLevel: core.mcStepNsByCpuLevel,
  };
};
