// Third derivatives and the sharpness gradient (scripts/native/bench_third_derivative.cpp), in
// gradients measured in the same run, at the Marion-Chizat size (n = 50, d = 5, L = 10, P = 230)
// and at Jacot's deep size (MSE, widths 10-100-100-100-10, P = 22 000):
//  1. wall time per call (best of 5), as ratios to one gradient: HVP, D^3R[u, u, .] (target <= 4),
//     D^3R[u, v, .]; a whole sharpness gradient (two Lanczos solves and the contraction); the
//     central flow's Sigma solve for k = 1..4;
//  2. when valgrind is installed, the same ratios in instructions (callgrind), which do not move
//     with the machine's load: N calls minus 0 calls, divided by N; and one Sigma solve in MC
//     gradients.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const path = require('node:path');
const { runNative, root } = require('./_native');

// Instructions of one run of the native program under callgrind (its summary line on stderr).
function collected(args) {
  const exe = path.join(root, 'build', 'native', 'bench_third_derivative');
  const r = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', exe, ...args], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
  });
  const m = /Collected : ([\d,]+)/.exec(r.stderr ?? '');
  if (r.status !== 0 || !m) throw new Error(`callgrind run failed: ${r.stderr}`);
  return Number(m[1].replace(/,/g, ''));
}

function callgrind() {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
  } catch {
    return { skipped: 'valgrind not installed' };
  }
  const out = {};
  for (const [size, extra, calls] of [
    ['mc', [], 2000],
    ['jacot', ['--jacot'], 4],
  ]) {
    const base = collected([...extra, '--only', 'gradient', '--calls', '0']);
    const per = {};
    for (const op of ['gradient', 'hvp', 'd3sym', 'd3mixed'])
      per[op] = (collected([...extra, '--only', op, '--calls', String(calls)]) - base) / calls;
    out[size] = {
      gradientInstructions: Math.round(per.gradient),
      hvpInGradients: Number((per.hvp / per.gradient).toFixed(2)),
      d3SymmetricInGradients: Number((per.d3sym / per.gradient).toFixed(2)),
      d3SymmetricTarget: 4,
      d3MixedInGradients: Number((per.d3mixed / per.gradient).toFixed(2)),
    };
  }
  const base = collected(['--only', 'sigma1', '--calls', '0']);
  const gradient = out.mc.gradientInstructions;
  out.sigmaSolveInMcGradients = {};
  for (const k of [1, 2, 3, 4]) {
    const calls = 200;
    out.sigmaSolveInMcGradients[`k${k}`] = Number(
      ((collected(['--only', `sigma${k}`, '--calls', String(calls)]) - base) / calls / gradient).toFixed(1),
    );
  }
  return out;
}

exports.run = async () => {
  const timed = runNative('bench_third_derivative');
  return { ...timed, instructions: callgrind() };
};
