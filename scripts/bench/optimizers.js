// Each training rule's step cost in multiples of a plain GD step, at the Marion-Chizat size
// (d = 5, L = 10, n = 50) through the Node API, measured in the same run (best of 3 per rule,
// rules interleaved): the optimizer driver's own overhead (a full-loss evaluation every step)
// included.
'use strict';
const { root } = require('./_native');

exports.run = async () => {
  const d = require(root);
  const data = d.marionChizatData({ n: 50, d: 5, seed: 0 });
  const widths = [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 1];
  const problem = d.Problem.regression({ X: data.X, y: data.y, widths });
  const w0 = d.initWeights(widths, { scale: 0.3, seed: 1 });
  const steps = 20000;
  const rules = {
    gd: undefined,
    'gd (optimizer driver)': { kind: 'gd' },
    'sgd b=10': { kind: 'sgd', batchSize: 10 },
    'label-noise': { kind: 'label-noise', sigma: 0.1 },
    momentum: { kind: 'momentum' },
    nesterov: { kind: 'nesterov' },
    rmsprop: { kind: 'rmsprop' },
    adam: { kind: 'adam' },
    sam: { kind: 'sam' },
    muon: { kind: 'muon' },
    'muon newton-schulz 5': { kind: 'muon', newtonSchulz: 5 },
  };
  const best = Object.fromEntries(Object.keys(rules).map((k) => [k, Infinity]));
  for (let rep = 0; rep < 3; rep++) {
    for (const [name, optimizer] of Object.entries(rules)) {
      const lr = optimizer && ['adam', 'rmsprop', 'muon'].includes(optimizer.kind) ? 1e-3 : 0.01;
      const t0 = process.hrtime.bigint();
      await d.train(problem, w0, { learningRate: lr, steps, record: ['loss'], ...(optimizer ? { optimizer } : {}) });
      best[name] = Math.min(best[name], Number(process.hrtime.bigint() - t0) / steps);
    }
  }
  const gd = best.gd;
  return Object.fromEntries(Object.entries(best).map(([k, ns]) => [k, { nsPerStep: Number(ns.toFixed(1)), gdSteps: Number((ns / gd).toFixed(2)) }]));
};
