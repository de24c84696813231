/**
 * What `require('dlnflow')` / `import 'dlnflow'` load: the training stack only. The experiment
 * engine (zod, yaml), the report (Vega) and the problem-file parser load on first use, through
 * the forwarders and lazy objects of lib/util/lazy.ts, which must behave as the real exports.
 * Counted, not timed: the module lists of child processes (`npm run bench -- import` times it).
 */
import { spawnSync } from 'node:child_process';
import { inspect } from 'node:util';
import { z } from 'zod';
import * as dln from '../lib';
import { problemFileSchema as realProblemFileSchema } from '../lib/config/problem-file';
import { experimentJsonSchema as realJsonSchema, experimentSchema as realSchema } from '../lib/experiments/schema';
import { packageRoot } from '../lib/native';
import { presets as realPresets } from '../lib/papers';
import { lazyFunction, lazyObject } from '../lib/util/lazy';

/** Packages and dist/ modules a training script must not load. */
const HEAVY_PACKAGES = ['zod', 'yaml', 'vega', 'vega-lite', 'node-fetch', 'commander', 'cli-progress', 'apache-arrow'];
const HEAVY_MODULES = ['config/', 'experiments/', 'pipeline/', 'report/', 'papers/', 'cli/', 'vendor/'];

interface Loaded {
  packages: string[];
  modules: string[];
}

/** Runs `body` (CommonJS or ESM) in a child from the repository root, then lists what it loaded. */
function loadedBy(body: string, esm = false): Loaded {
  const report = `{
    const files = Object.keys(${esm ? 'createRequire(import.meta.url)' : 'require'}.cache);
    const packages = [...new Set(files.filter((f) => f.includes('/node_modules/')).map((f) => f.split('/node_modules/').pop().split('/')[0]))].sort();
    const modules = files.filter((f) => f.includes('/dist/')).map((f) => f.split('/dist/').pop()).sort();
    console.log(JSON.stringify({ packages, modules }));
  }`;
  const script = esm ? `import { createRequire } from 'node:module';\n${body}\n${report}` : `${body}\n${report}`;
  const args = esm ? ['--input-type=module', '-e', script] : ['-e', `(async () => { ${script} })()`];
  const r = spawnSync(process.execPath, args, { cwd: packageRoot, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Loaded;
}

const heavyIn = (l: Loaded) => [
  ...l.packages.filter((p) => HEAVY_PACKAGES.includes(p)),
  ...l.modules.filter((m) => HEAVY_MODULES.some((h) => m.startsWith(h))),
];

const TRAIN = `
  const data = d.marionChizatData({ n: 10, d: 3, seed: 1 });
  const problem = d.Problem.regression({ X: data.X, y: data.y, widths: [3, 3, 1] });
  const run = await d.train(problem, d.initWeights(problem.widths, { scale: 0.3, seed: 2 }), { learningRate: 0.05, steps: 20 });
  if (run.status !== 'completed') throw new Error('training failed');`;

describe('a script that only trains loads no experiment or report stack', () => {
  test('require("dlnflow"), then train', () => {
    const loaded = loadedBy(`const d = require('dlnflow');${TRAIN}`);
    expect(heavyIn(loaded)).toEqual([]);
    expect(loaded.modules).toEqual(expect.arrayContaining(['index.js', 'api/train.js', 'api/problem.js']));
  });

  test('import from "dlnflow" (the ESM face), then train', () => {
    const loaded = loadedBy(`import * as d from 'dlnflow';${TRAIN}`, true);
    expect(heavyIn(loaded)).toEqual([]);
    expect(loaded.modules).toEqual(expect.arrayContaining(['index.js', 'api/train.js']));
  });

  test('each deferred export loads its stack on first use (the check above can fail)', () => {
    const first = (use: string) => heavyIn(loadedBy(`const d = require('dlnflow'); ${use}`));
    expect(first('d.experimentSchema.safeParse({});')).toEqual(expect.arrayContaining(['zod', 'experiments/schema.js']));
    expect(first('d.presets.length;')).toEqual(expect.arrayContaining(['papers/index.js', 'report/dataset.js']));
    expect(first("d.findPreset('jacot-fig1');")).toEqual(expect.arrayContaining(['papers/index.js']));
    expect(first('d.problemFileSchema.safeParse({});')).toEqual(expect.arrayContaining(['zod', 'config/problem-file.js']));
    expect(first('try { d.parseProblemFile({}); } catch {}')).toEqual(expect.arrayContaining(['zod', 'config/problem-file.js']));
    expect(first("await d.loadDataset('/nonexistent').catch(() => {});")).toEqual(expect.arrayContaining(['report/index.js']));
    // Vega (dist/vendor's bundles) loads only when a figure is drawn.
    expect(first("await d.loadDataset('/nonexistent').catch(() => {});")).not.toEqual(expect.arrayContaining(['vendor/vega.min.js']));
    expect(first("require('./dist/report/render.js');")).not.toEqual(expect.arrayContaining(['vendor/vega.min.js']));
    // Awaited: renders run one at a time through a promise queue, so nothing is drawn synchronously.
    expect(first("await require('./dist/report/render.js').renderSvg({ mark: 'point', data: { values: [] } });")).toEqual(
      expect.arrayContaining(['vendor/vega.min.js', 'vendor/vega-lite.min.js']),
    );
    expect(first("await d.loadExperiment('marion-chizat-fig1');")).toEqual(expect.arrayContaining(['zod', 'yaml', 'pipeline/load.js']));
    expect(
      first(
        "d.buildPlan(d.experimentSchema.parse({ name: 'x', data: { kind: 'marion-chizat', n: 5, d: 2 }, model: { depth: 2 }, train: { learningRate: 0.1, steps: 1 } }));",
      ),
    ).toEqual(expect.arrayContaining(['zod', 'experiments/plan.js']));
  });
});

describe('lazyFunction and lazyObject', () => {
  test('nothing loads before the first use, then once', () => {
    let loads = 0;
    const obj = lazyObject(() => {
      loads++;
      return { a: 1 };
    });
    const fn = lazyFunction('twice', () => {
      loads++;
      return (x: number) => 2 * x;
    });
    expect(loads).toBe(0);
    expect(fn.name).toBe('twice');
    expect(obj.a).toBe(1);
    expect(loads).toBe(1);
    expect(fn(3) + fn(4)).toBe(14);
    expect(loads).toBe(3); // the forwarder asks its loader each call; the module system caches the require
  });

  test('a forwarder passes this and every argument, and returns or throws what the real one does', () => {
    const fn = lazyFunction(
      'f',
      () =>
        function (this: { k: number } | undefined, ...args: number[]) {
          if (args.length === 0) throw new RangeError('no args');
          return [this?.k, ...args];
        },
    );
    expect(fn.call({ k: 7 }, 1, 2, 3)).toEqual([7, 1, 2, 3]);
    expect(() => fn.call(undefined)).toThrow(RangeError);
  });

  test('a lazy object answers every reflective question as its target does', () => {
    class Base {
      get twice() {
        return 2 * (this as unknown as { v: number }).v;
      }
    }
    const real: Base & { v: number; w?: number } = Object.assign(new Base(), { v: 5 });
    Object.defineProperty(real, 'fixed', { value: 42, enumerable: false, configurable: false, writable: false });
    const obj = lazyObject(() => real) as Base & { v: number; fixed: number; w?: number };
    expect(obj).toBeInstanceOf(Base);
    expect(obj.twice).toBe(10);
    expect('v' in obj && 'fixed' in obj && !('nope' in obj)).toBe(true);
    expect(Reflect.ownKeys(obj)).toEqual(Reflect.ownKeys(real));
    expect(Object.getOwnPropertyDescriptor(obj, 'fixed')).toEqual({ value: 42, enumerable: false, configurable: false, writable: false });
    expect({ ...obj }).toEqual({ v: 5 });
    obj.w = 3;
    expect(real.w).toBe(3);
    expect(JSON.stringify(obj)).toBe(JSON.stringify(real));
  });
});

describe('the lazily loaded zod schemas of the package root behave as the real ones', () => {
  const valid = { name: 'x', data: { kind: 'marion-chizat', n: 5, d: 2 }, model: { depth: 2 }, train: { learningRate: 0.1, steps: 1 } };

  test('experimentSchema', () => {
    const lazy = dln.experimentSchema;
    expect(lazy).not.toBe(realSchema); // a stand-in, not the object itself
    expect(lazy.parse(valid)).toEqual(realSchema.parse(valid));
    expect(lazy.safeParse({ ...valid, unknownKey: 1 })).toEqual(realSchema.safeParse({ ...valid, unknownKey: 1 }));
    expect(lazy.safeParse({}).success).toBe(false);
    expect(lazy).toBeInstanceOf(z.ZodObject);
    expect(lazy).toBeInstanceOf(z.ZodType);
    expect(lazy.shape).toBe(realSchema.shape);
    expect(Object.keys(lazy)).toEqual(Object.keys(realSchema));
    expect(z.toJSONSchema(lazy, { io: 'input', unrepresentable: 'any' })).toEqual(
      z.toJSONSchema(realSchema, { io: 'input', unrepresentable: 'any' }),
    );
    expect(lazy.extend({ extra: z.number() }).parse({ ...valid, extra: 1 }).extra).toBe(1);
    expect(dln.experimentJsonSchema()).toEqual(realJsonSchema());
  });

  test('presets: an array as the real one, to every reader', () => {
    const lazy = dln.presets;
    expect(lazy).not.toBe(realPresets);
    expect(Array.isArray(lazy)).toBe(true);
    expect(lazy).toBeInstanceOf(Array);
    expect(lazy.length).toBe(realPresets.length);
    expect(lazy.map((p) => p.name)).toEqual(realPresets.map((p) => p.name));
    expect([...lazy]).toEqual([...realPresets]);
    expect(lazy[0]).toBe(realPresets[0]);
    expect(lazy.find((p) => p.name === 'jacot-fig1')).toBe(dln.findPreset('jacot-fig1'));
    expect(JSON.stringify(lazy)).toBe(JSON.stringify(realPresets));
    expect(Object.keys(lazy)).toEqual(Object.keys(realPresets));
    expect(inspect(lazy, { depth: 1 })).toBe(inspect(realPresets, { depth: 1 }));
    expect(inspect(dln.experimentSchema, { depth: 0 })).toBe(inspect(realSchema, { depth: 0 }));
  });

  test('problemFileSchema', () => {
    const file = {
      X: [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
      y: [1, 2, 3],
      widths: [2, 1],
    };
    expect(dln.problemFileSchema.safeParse(file)).toEqual(realProblemFileSchema.safeParse(file));
    expect(dln.problemFileSchema.parse(file).loss).toBe('mse');
    expect(dln.problemFileSchema.safeParse({ kind: 'nope' })).toEqual(realProblemFileSchema.safeParse({ kind: 'nope' }));
    expect(dln.problemFileSchema).toBeInstanceOf(z.ZodType);
  });
});
