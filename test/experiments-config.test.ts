/**
 * Experiment configs: schema errors that name the bad field, overrides, extends and quick patches,
 * plan expansion (ids, derived seeds, shards), expressions and statistics used by reports.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DlnError } from '../lib';
import { loadExperiment, resolveExperiment } from '../lib/pipeline';
import { applyOverrides } from '../lib/experiments/overrides';
import { parsePath } from '../lib/util/paths';
import fc from 'fast-check';
import { buildPlan, canonical, deriveSeed, expandValues, inShard, parseShard, shardFromEnvironment } from '../lib/experiments/plan';
import { experimentJsonSchema } from '../lib/experiments/schema';
import { presets } from '../lib/papers';
import { evaluateExpression } from '../lib/util/expression';
import { linearFit, meanCi, tQuantile975 } from '../lib/report/stats';

const dir = mkdtempSync(path.join(tmpdir(), 'dlnflow-config-'));

const minimal = {
  name: 'tiny',
  data: { kind: 'marion-chizat', n: 20, d: 3 },
  model: { depth: 3 },
  train: { learningRate: 0.05, steps: 100 },
};

function configError(fn: () => unknown): DlnError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DlnError);
    expect((err as DlnError).code).toBe('ERR_DLN_CONFIG');
    return err as DlnError;
  }
  throw new Error('expected an ERR_DLN_CONFIG error');
}

describe('schema', () => {
  test('defaults fill what a minimal config leaves out', () => {
    const { experiment } = resolveExperiment(minimal, 'test');
    expect(experiment.init).toEqual({ kind: 'gaussian', scale: 0.1 });
    expect(experiment.train.method).toBe('gd');
    expect(experiment.train.record).toEqual(['loss']);
    expect(experiment.repetitions).toBe(1);
    expect(experiment.seed).toBe(0);
  });

  test.each([
    [{ ...minimal, train: { ...minimal.train, learningRate: -1 } }, 'train.learningRate'],
    [{ ...minimal, train: { steps: 100 } }, 'train.learningRate'],
    [{ ...minimal, train: { method: 'flow' } }, 'train.tEnd'],
    [{ ...minimal, model: { depth: 0 } }, 'model.depth'],
    [{ ...minimal, model: {} }, 'model.depth'],
    [{ ...minimal, data: { kind: 'marion-chizat', n: 'fifty' } }, 'data.n'],
    [{ ...minimal, data: { kind: 'mnist' } }, 'data.kind'],
    [{ ...minimal, init: { kind: 'gaussian', scael: 0.1 } }, 'init.scael'],
    [{ ...minimal, sweep: [{ 'init.scale': { linspace: [0, 1] } }] }, 'sweep[0][init.scale]'],
    [{ ...minimal, report: { figures: [{ kind: 'sweep', id: 'a b', x: 'init.scale', y: 'loss' }] } }, 'report.figures[0].id'],
    [{ ...minimal, name: 'has space' }, 'name'],
  ])('a bad field is named by its path (%#)', (config, field) => {
    const err = configError(() => resolveExperiment(config, 'my.yaml'));
    expect(err.field).toBe(field);
    expect(err.message).toContain('my.yaml is not valid');
    expect(err.message).toContain(field);
  });

  test('sweep axes that are not config fields, and bad sweep values, fail at plan time with the point named', () => {
    const bad = resolveExperiment({ ...minimal, sweep: [{ 'train.lerningRate': [0.1, 0.2] }] }, 'test').experiment;
    const err = configError(() => buildPlan(bad));
    expect(err.message).toContain('train.lerningRate');
    const negative = resolveExperiment({ ...minimal, sweep: [{ 'train.learningRate': [0.1, -0.2] }] }, 'test').experiment;
    const e2 = configError(() => buildPlan(negative));
    expect(e2.message).toContain('train.learningRate=-0.2');
    expect(e2.field).toBe('train.learningRate');
    const unequal = resolveExperiment({ ...minimal, sweep: [{ 'train.learningRate': [0.1, 0.2], 'train.steps': [10] }] }, 'test').experiment;
    expect(configError(() => buildPlan(unequal)).message).toContain('equal lengths');
  });

  test('the published JSON Schema describes the config', () => {
    const schema = experimentJsonSchema() as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['name', 'data', 'model', 'init', 'train', 'sweep', 'report']));
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'data', 'model', 'train']));
  });
});

describe('loading: files, presets, extends, quick, overrides', () => {
  test('YAML and JSON files load; other extensions and missing files give clear errors', async () => {
    const yaml = path.join(dir, 'e.yaml');
    writeFileSync(yaml, 'name: from-yaml\ndata: {kind: marion-chizat, n: 20, d: 3}\nmodel: {depth: 2}\ntrain: {learningRate: 0.1, steps: 10}\n');
    expect((await loadExperiment(yaml)).experiment.name).toBe('from-yaml');
    const json = path.join(dir, 'e.json');
    writeFileSync(json, JSON.stringify({ ...minimal, name: 'from-json' }));
    expect((await loadExperiment(json)).experiment.name).toBe('from-json');
    await expect(loadExperiment(path.join(dir, 'missing.yaml'))).rejects.toMatchObject({ code: 'ERR_DLN_IO' });
    await expect(loadExperiment('no-such-preset')).rejects.toMatchObject({ code: 'ERR_DLN_CONFIG' });
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{"name": ');
    await expect(loadExperiment(broken)).rejects.toMatchObject({ code: 'ERR_DLN_CONFIG' });
  });

  test('--set overrides take YAML values at dotted or bracketed paths', () => {
    expect(parsePath('sweep[1][init.scale]')).toEqual(['sweep', '1', 'init.scale']);
    const out = applyOverrides({ train: { learningRate: 0.1 }, sweep: [{}, { a: 1 }] }, [
      'train.learningRate=0.02',
      'train.record=[loss, sharpness]',
      'sweep[1][init.scale]={linspace: [0, 1, 3]}',
      'name=abc',
    ]) as Record<string, unknown>;
    expect(out).toEqual({
      train: { learningRate: 0.02, record: ['loss', 'sharpness'] },
      sweep: [{}, { a: 1, 'init.scale': { linspace: [0, 1, 3] } }],
      name: 'abc',
    });
    expect(() => applyOverrides({}, ['novalue'])).toThrow(/path=value/);
  });

  test('a preset loads, --quick applies its patch, overrides apply last, extends starts from a preset', async () => {
    const full = await loadExperiment('marion-chizat-fig1');
    const quick = await loadExperiment('marion-chizat-fig1', { quick: true, overrides: ['train.sharpness.tol=1e-8'] });
    expect(full.preset).toBe('marion-chizat-fig1');
    expect(buildPlan(full.experiment).runs).toHaveLength(1600); // (20 x 4 + 80) x 10 scales, as the paper
    expect(buildPlan(quick.experiment).runs.length).toBeLessThan(100);
    expect(quick.experiment.train.sharpness?.tol).toBe(1e-8);
    const ext = path.join(dir, 'ext.yaml');
    writeFileSync(
      ext,
      'extends: marion-chizat-fig1\nname: my-fig1\nrepetitions: 2\nsweep:\n  - train.learningRate: [0.02]\n    train.steps: [100]\n',
    );
    const mine = await loadExperiment(ext);
    expect(mine.preset).toBe('marion-chizat-fig1');
    expect(mine.experiment.name).toBe('my-fig1');
    expect(mine.experiment.data).toEqual(full.experiment.data);
    expect(buildPlan(mine.experiment).runs).toHaveLength(2);
    await expect(loadExperiment(path.join(dir, 'e.json'), { quick: true })).rejects.toThrow(/no quick: block/);
  });

  test('every preset validates, full and quick, and its figures name sweep axes', async () => {
    expect(presets.length).toBeGreaterThanOrEqual(7);
    for (const p of presets) {
      for (const quick of [false, true]) {
        const { experiment } = await loadExperiment(p.name, { quick });
        const plan = buildPlan(experiment);
        expect(plan.runs.length).toBeGreaterThan(0);
        for (const f of experiment.report.figures) {
          if ('x' in f && f.kind !== 'trace' && f.kind !== 'scatter' && f.kind !== 'paths') expect(plan.axes).toContain(f.x);
          if ('series' in f && f.series) expect(plan.axes).toContain(f.series);
        }
      }
    }
  });
});

describe('plans', () => {
  const experiment = resolveExperiment(
    {
      ...minimal,
      repetitions: 2,
      sweep: [{ 'train.learningRate': [0.01, 0.02], 'train.steps': [200, 100], repetitions: [3, 1] }, { 'init.scale': { logspace: [-2, 0, 3] } }],
    },
    'test',
  ).experiment;
  const plan = buildPlan(experiment);

  test('zipped axes vary together, factors multiply, repetitions come from the sweep where given', () => {
    expect(plan.runs).toHaveLength((3 + 1) * 3);
    expect(plan.axes).toEqual(['train.learningRate', 'train.steps', 'init.scale']);
    expect(plan.points[0].train.steps).toBe(200);
    expect(plan.points[3].train.learningRate).toBe(0.02);
    expect(plan.points[3].train.steps).toBe(100);
    expect(plan.runs.map((r) => r.values['init.scale'])).toEqual([0.01, 0.01, 0.01, 0.1, 0.1, 0.1, 1, 1, 1, 0.01, 0.1, 1]);
    expect(expandValues({ linspace: [0.25, 0.6, 10] })[1]).toBe(0.288888888889);
  });

  test('ids and seeds depend on what a run is, not on its position', () => {
    const again = buildPlan(experiment);
    expect(again.hash).toBe(plan.hash);
    expect(again.runs).toEqual(plan.runs);
    expect(new Set(plan.runs.map((r) => r.id)).size).toBe(plan.runs.length);
    // Common random numbers by default: the init seed depends on the repetition only.
    const rep0 = plan.runs.filter((r) => r.rep === 0).map((r) => r.seeds.init);
    expect(new Set(rep0).size).toBe(1);
    expect(plan.runs[1].seeds.init).not.toBe(plan.runs[0].seeds.init);
    // seeds.initBy makes them independent across an axis.
    const indep = buildPlan({ ...experiment, seeds: { initBy: ['init.scale'] } });
    expect(new Set(indep.runs.filter((r) => r.rep === 0).map((r) => r.seeds.init)).size).toBe(3);
    expect(deriveSeed(0, 'init', 1, [])).toBe(deriveSeed(0, 'init', 1, []));
    expect(deriveSeed(0, 'init', 1, [])).toBeLessThan(2 ** 53);
    // The report's fields do not change the plan.
    expect(buildPlan({ ...experiment, report: { figures: [] }, description: 'x' }).hash).toBe(plan.hash);
    expect(buildPlan({ ...experiment, seed: 1 }).hash).not.toBe(plan.hash);
  });

  test('canonical JSON is the definition it always had (keys by code unit, undefined members left out): seeds and hashes stay', () => {
    // The definition canonical() was written as before it was made faster: every seed, run id and
    // plan hash ever made derives from this string.
    const reference = (value: unknown): string => {
      if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
      if (value !== null && typeof value === 'object') {
        const entries = Object.entries(value as Record<string, unknown>)
          .filter(([, v]) => v !== undefined)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
      }
      return JSON.stringify(value ?? null);
    };
    const value = fc.letrec((tie) => ({
      any: fc.oneof(
        { depthSize: 'small' },
        fc.string(),
        fc.double(),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.constant(undefined),
        tie('array'),
        tie('object'),
      ),
      array: fc.array(tie('any'), { maxLength: 5 }),
      object: fc.dictionary(fc.string({ unit: 'binary', maxLength: 4 }), tie('any'), { maxKeys: 5 }),
    })).any;
    fc.assert(
      fc.property(value, (v) => canonical(v) === reference(v)),
      { numRuns: 2000 },
    );
    // Holes, a typed array, keys whose code-unit order is not their locale order.
    const holes = [1, , 3]; // eslint-disable-line no-sparse-arrays -- a hole is the case
    for (const v of [holes, new Float64Array([2, 1]), { b: 1, B: 2, é: 3, _: 4, a: undefined, z: [undefined] }])
      expect(canonical(v)).toBe(reference(v));
    expect(canonical({ b: 1, B: 2, a: undefined })).toBe('{"B":2,"b":1}');
  });

  test('shards are disjoint round-robin slices covering the plan; Slurm variables give the shard', () => {
    for (const n of [1, 2, 3, 7]) {
      const seen = plan.runs.flatMap((r) => Array.from({ length: n }, (_, i) => i).filter((i) => inShard(r, { index: i, count: n })));
      expect(seen).toHaveLength(plan.runs.length);
    }
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(() => parseShard('4/4')).toThrow(/0 <= i < N/);
    expect(() => parseShard('x')).toThrow(/i\/N/);
    expect(shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '3' })).toEqual({
      index: 2,
      count: 4,
    });
    expect(
      shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '6', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_STEP: '2' }),
    ).toEqual({ index: 3, count: 4 });
    expect(shardFromEnvironment({})).toBeUndefined();
  });
});

describe('expressions and statistics', () => {
  const values: Record<string, number> = { sharpness: 30, sMin: 10, eta: 0.1, loss: 0.25, testLoss: 1 };
  const get = (n: string) => values[n];

  test.each([
    ['sharpness', 30],
    ['2/eta', 20],
    ['sharpness/sMin', 3],
    ['testLoss-loss', 0.75],
    ['32*10*loss^0.5', 160],
    ['-(sharpness - 2*sMin)', -10],
    ['1e-3*sMin', 0.01],
  ])('%s = %d', (text, expected) => {
    expect(evaluateExpression(text, get)).toBeCloseTo(expected, 12);
  });

  test('missing names and non-finite results give null, syntax errors throw', () => {
    expect(evaluateExpression('nothing + 1', get)).toBeNull();
    expect(evaluateExpression('1/(loss - loss)', get)).toBeNull();
    expect(() => evaluateExpression('2 +', get)).toThrow(/ends too early/);
    expect(() => evaluateExpression('(2', get)).toThrow(/missing/);
  });

  test('t quantiles and intervals', () => {
    expect(tQuantile975(1)).toBeCloseTo(12.7062, 4);
    expect(tQuantile975(19)).toBeCloseTo(2.093, 3);
    expect(tQuantile975(79)).toBeCloseTo(1.99045, 4); // scipy.stats.t.ppf(0.975, 79)
    expect(tQuantile975(1e6)).toBeCloseTo(1.95996, 4);
    const ci = meanCi([1, 2, 3, 4]);
    expect(ci.mean).toBe(2.5);
    expect(ci.hi! - ci.mean!).toBeCloseTo((3.1824 * Math.sqrt(5 / 3)) / 2, 4);
    expect(meanCi([NaN, 5])).toMatchObject({ n: 1, mean: 5, lo: 5, hi: 5 });
  });

  test('least squares recovers a line', () => {
    const x = [0, 1, 2, 3, 4];
    const fit = linearFit(
      x,
      x.map((v) => 2 - 0.5 * v),
    )!;
    expect(fit.slope).toBeCloseTo(-0.5, 14);
    expect(fit.intercept).toBeCloseTo(2, 14);
    expect(fit.r2).toBeCloseTo(1, 14);
    expect(linearFit([1, 1, 1], [1, 2, 3])).toBeNull();
  });
});
