// ESM consumer: `node smoke.mjs PROBLEM.json`. Resolves through the "import" export, gets every
// CommonJS export as a named export (the same objects: one module instance, so instanceof
// DlnError holds across import and require), a default export, and works.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as ns from 'dlnflow';
import dlnflow, { Problem, loadProblemFile, initWeights, train, DlnError } from 'dlnflow';

const require = createRequire(import.meta.url);
const cjs = require('dlnflow');

const entry = fileURLToPath(import.meta.resolve('dlnflow'));
assert.ok(/node_modules[\\/]dlnflow[\\/]dist[\\/]index\.mjs$/.test(entry), `import resolved ${entry}`);
const names = Object.keys(cjs);
assert.ok(names.length >= 20, `only ${names.length} exports`);
for (const name of names) assert.equal(ns[name], cjs[name], `named export ${name}`);
assert.deepEqual(
  Object.keys(ns)
    .filter((k) => k !== 'default')
    .sort(),
  [...names].sort(),
);
assert.equal(dlnflow, cjs);
assert.equal(Problem, cjs.Problem);

const { problem } = await loadProblemFile(process.argv[2]);
assert.ok(problem instanceof Problem);
const w0 = initWeights(problem.widths, { kind: 'gaussian', scale: 0.1, seed: 0 });
const run = await train(problem, w0, { learningRate: 0.01, steps: 50 });
assert.equal(run.status, 'completed');
try {
  cjs.initWeights([2, 0, 1], { kind: 'gaussian', scale: 1, seed: 0 });
  assert.fail('expected a DlnError');
} catch (err) {
  assert.ok(err instanceof DlnError, 'a DlnError thrown by the CommonJS side is an instance of the ESM export');
}
console.log(`smoke.mjs: ok (${names.length} named exports)`);
