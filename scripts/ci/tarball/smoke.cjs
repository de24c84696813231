// Run from a project that installed the dlnflow tarball: `node smoke.cjs PROBLEM.json INSPECT.json`.
// CommonJS consumer: resolves through the "require" export, loads the addon that came with the
// package, agrees with the CLI's numbers, and trains (native worker threads + BLAS).
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const [problemPath, inspectPath] = process.argv.slice(2);
const dln = require('dlnflow');

async function main() {
  const entry = require.resolve('dlnflow');
  assert.ok(entry.endsWith(path.join('node_modules', 'dlnflow', 'dist', 'index.js')), `require resolved ${entry}`);
  assert.equal(require('dlnflow/package.json').name, 'dlnflow');
  assert.throws(() => require.resolve('dlnflow/dist/native.js'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });

  const info = dln.buildInfo();
  assert.equal(info.blasVendor, process.platform === 'darwin' ? 'accelerate' : 'openblas');
  assert.equal(info.napiVersion, 8);

  // The same evaluation through the API must give the CLI's numbers bit for bit: one binary, one
  // input, one code path (inspect is a thin layer over these calls).
  const cli = JSON.parse(fs.readFileSync(inspectPath, 'utf8'));
  const { problem } = await dln.loadProblemFile(problemPath);
  const w0 = dln.initWeights(problem.widths, { kind: 'gaussian', scale: 0.1, seed: 0 });
  const e = problem.evaluate(w0);
  assert.equal(e.loss, cli.loss);
  assert.equal(e.gradNorm, cli.gradNorm);
  assert.equal(problem.theory().sMin, cli.theory.sMin);

  // A real run: 300 steps at half the critical learning rate 2/S_min must lower the loss.
  const eta = 0.5 * cli.theory.criticalLearningRate;
  const run = await dln.train(problem, w0, { learningRate: eta, steps: 300, recordEvery: 100, record: ['loss'] });
  assert.equal(run.status, 'completed');
  assert.equal(run.steps, 300);
  const loss = run.trace.scalar('loss');
  assert.ok(loss[loss.length - 1] < 0.5 * loss[0], `loss ${loss[0]} -> ${loss[loss.length - 1]}`);

  // Errors cross the package boundary as documented.
  assert.throws(
    () => dln.initWeights([2, 0, 1], { kind: 'gaussian', scale: 1, seed: 0 }),
    (err) => err instanceof dln.DlnError && typeof err.code === 'string',
  );
  console.log(`smoke.cjs: ok (blas ${info.blasVendor}, loss ${loss[0].toPrecision(6)} -> ${loss[loss.length - 1].toPrecision(6)})`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
