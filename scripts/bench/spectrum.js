// Sharpness: exact Hessian-vector products and Lanczos, on the Marion-Chizat setup (n=50, d=5,
// L=10, P=230) unless said otherwise. Each number is paired with a baseline from the same run.
//  1. One HVP in the core (scripts/native/bench_spectrum.cpp) against one gradient (target
//     <= 0.5 us at the MC size; "about 2-3 gradients"), also at Jacot's deep size (P = 22 000);
//     a cold top-1 Lanczos solve and the share of its time spent in HVPs.
//  2. Lanczos products at 40 initializations (scales 0.25..0.6, 5 seeds each), cold, tol 1e-10:
//     median and max (target <= 20); the products after which the top Ritz value is within 1e-10
//     of the dense eigenvalue (the residual test is stricter than that); accuracy against the
//     dense eigen-decomposition (top-1, top-5, lambda_min).
//  3. Along gradient-descent trajectories (MC-1c/d: scale 0.35, eta in {0.02, 0.1}, 450 steps,
//     sharpness every 5 steps, 5 seeds): products per recording warm-started from the previous
//     Ritz vector (the default) against cold starts (target <= 8 warm), and the time of the run
//     against the same run without sharpness.
//  4. The power-iteration trap: at small initialization scales, how often |lambda_min| >
//     lambda_max and how far the reference code's 20-step estimate is from lambda_max.
'use strict';
const { runNative, root } = require('./_native');

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
};
const max = (a) => Math.max(...a);
const rel = (x, y) => Math.abs(x - y) / Math.abs(y);
const sci = (x) => Number(x.toPrecision(2));

function mcProblem(d) {
  const widths = [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 1];
  const data = d.marionChizatData({ n: 50, d: 5, noise: 1, seed: 0 });
  return { widths, problem: d.Problem.regression({ X: data.X, y: data.y, widths }) };
}

async function coldAtInits(d) {
  const { widths, problem } = mcProblem(d);
  const hvps = [];
  const toAccuracy = [];
  let top1 = 0;
  let top5 = 0;
  let lmin = 0;
  for (let i = 0; i < 8; i++) {
    for (let seed = 1; seed <= 5; seed++) {
      const w = d.initWeights(widths, { scale: 0.25 + 0.05 * i, seed });
      const exact = Array.from((await d.denseHessian(problem, w)).eigenvalues).reverse();
      const one = await d.sharpness(problem, w);
      hvps.push(one.hvps);
      top1 = Math.max(top1, rel(one.eigenvalues[0], exact[0]));
      // The same seed and start: a run capped at j products is the first j steps of this one.
      let j = 1;
      while (j < one.hvps && rel((await d.sharpness(problem, w, { maxIterations: j })).eigenvalues[0], exact[0]) > 1e-10) j++;
      toAccuracy.push(j);
      const five = await d.sharpness(problem, w, { k: 5, smallest: true });
      five.eigenvalues.forEach((x, k) => (top5 = Math.max(top5, rel(x, exact[k]))));
      lmin = Math.max(lmin, rel(five.lambdaMin, exact[exact.length - 1]));
    }
  }
  return {
    points: hvps.length,
    hvpsMedian: median(hvps),
    hvpsMax: max(hvps),
    hvpsTarget: 20,
    hvpsToAccuracy1e10Median: median(toAccuracy),
    hvpsToAccuracy1e10Max: max(toAccuracy),
    maxRelErrorTop1: sci(top1),
    maxRelErrorTop5: sci(top5),
    maxRelErrorLambdaMin: sci(lmin),
  };
}

async function alongTrajectories(d) {
  const { widths, problem } = mcProblem(d);
  const out = {};
  for (const eta of [0.02, 0.1]) {
    for (const tol of [1e-10, 1e-8]) {
      const warm = [];
      const cold = [];
      for (let seed = 1; seed <= 5; seed++) {
        const w0 = d.initWeights(widths, { scale: 0.35, seed });
        const options = { learningRate: eta, steps: 450, recordEvery: 5, record: ['sharpnessHvps'] };
        const a = await d.train(problem, w0, { ...options, sharpness: { tol } });
        const b = await d.train(problem, w0, { ...options, sharpness: { tol, warmStart: false } });
        // The first recording is cold in both.
        warm.push(...Array.from(a.trace.scalar('sharpnessHvps')).slice(1));
        cold.push(...Array.from(b.trace.scalar('sharpnessHvps')).slice(1));
      }
      out[`eta${eta}_tol${tol}`] = {
        recordings: warm.length,
        warmMedian: median(warm),
        warmMax: max(warm),
        coldMedian: median(cold),
        coldMax: max(cold),
        warmAfterStep50Median: median(warm.filter((_, i) => i % 90 >= 10)),
        warmAfterStep50Max: max(warm.filter((_, i) => i % 90 >= 10)),
      };
    }
  }
  out.warmTarget = 8;
  // The cost of recording: the MC-1c run with and without sharpness every 5 steps.
  const w0 = d.initWeights(widths, { scale: 0.35, seed: 1 });
  const time = async (options) => {
    let best = Infinity;
    for (let r = 0; r < 20; r++) {
      const t0 = process.hrtime.bigint();
      await d.train(problem, w0, options);
      best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return best;
  };
  const base = { learningRate: 0.02, steps: 450, recordEvery: 5 };
  const plain = await time({ ...base, record: ['loss'] });
  const withSharpness = await time({ ...base, record: ['loss', 'sharpness'] });
  out.runMsWithoutSharpness = Number(plain.toFixed(3));
  out.runMsWithSharpness = Number(withSharpness.toFixed(3));
  out.usPerRecording = Number((((withSharpness - plain) * 1e3) / 91).toFixed(2));
  return out;
}

async function powerTrap(d) {
  const { widths, problem } = mcProblem(d);
  const rows = [];
  for (const scale of [0.25, 0.3, 0.35, 0.4, 0.5]) {
    let negative = 0;
    let off1 = 0;
    let off10 = 0;
    let worst = 0;
    let sumPower = 0;
    let sumMax = 0;
    const n = 100;
    for (let seed = 1; seed <= n; seed++) {
      const w = d.initWeights(widths, { scale, seed });
      const l = await d.sharpness(problem, w, { smallest: true });
      const p = await d.sharpness(problem, w, { method: 'power', seed });
      const lmax = l.eigenvalues[0];
      if (-l.lambdaMin > lmax) negative++;
      const err = rel(p.eigenvalues[0], lmax);
      if (err > 0.01) off1++;
      if (err > 0.1) off10++;
      worst = Math.max(worst, err);
      sumPower += p.eigenvalues[0];
      sumMax += lmax;
    }
    rows.push({
      scale,
      inits: n,
      lambdaMinDominates: negative / n,
      powerOff1pct: off1 / n,
      powerOff10pct: off10 / n,
      worstRelError: sci(worst),
      meanBias: Number((sumPower / sumMax).toFixed(3)),
    });
  }
  return rows;
}

exports.run = async () => {
  const core = runNative('bench_spectrum');
  const d = require(root);
  return {
    blas: core.blas,
    hvp: core.mc,
    hvpJacot: core.jacot,
    lanczosTop1Cold: core.mcLanczosTop1,
    coldAtInits: await coldAtInits(d),
    alongTrajectories: await alongTrajectories(d),
    powerIteration: await powerTrap(d),
  };
};
