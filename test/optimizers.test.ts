/**
 * Training rules through the API and configs (src/optimizers/; the rules' arithmetic is checked
 * against direct implementations in test/native/optimizers_test.cpp): degenerate settings are
 * gradient descent bit for bit, bad settings are ERR_DLN_VALUE naming the field, SGD sweeps give
 * the same bits with 1 or 2 threads and across shards (and other bits with another seed), and
 * `train.optimizer` is a config field a sweep or `--set` can vary.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { initWeights, setWorkerThreads, train, type ExperimentInput } from '../lib';
import { applyOverrides } from '../lib/experiments/overrides';
import { mergeResults, runExperiment } from '../lib/pipeline';
import { mcProblem, MC_WIDTHS } from './helpers';

const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const root = mkdtempSync(path.join(tmpdir(), 'dlnflow-optimizers-'));

describe('optimizers through train()', () => {
  const problem = mcProblem();
  const w0 = initWeights(MC_WIDTHS, { scale: 0.35, seed: 2 });
  const base = { learningRate: 0.05, steps: 400, record: ['loss' as const] };

  test('degenerate settings give gradient descent bit for bit; the nearest others do not', async () => {
    const gd = bits((await train(problem, w0, base)).weights);
    for (const optimizer of [
      { kind: 'gd' },
      { kind: 'sgd' },
      { kind: 'sgd', batchSize: 50 },
      { kind: 'momentum', beta: 0 },
      { kind: 'sam', rho: 0 },
      { kind: 'label-noise', sigma: 0 },
    ] as const) {
      expect([optimizer, bits((await train(problem, w0, { ...base, optimizer })).weights).equals(gd)]).toEqual([optimizer, true]);
    }
    for (const optimizer of [
      { kind: 'sgd', batchSize: 49 },
      { kind: 'momentum', beta: 1e-9 },
      { kind: 'sam', rho: 1e-9 },
      { kind: 'label-noise', sigma: 1e-9 },
    ] as const) {
      expect([optimizer, bits((await train(problem, w0, { ...base, optimizer })).weights).equals(gd)]).toEqual([optimizer, false]);
    }
  });

  test('every rule runs, records its quantities, and the seed sets the batches', async () => {
    const record = ['loss', 'sharpness', 'stabilityEdge', 'preconditionedSharpness', 'batchSharpness', 'momentumNorm', 'secondMomentNorm'] as const;
    for (const optimizer of [
      { kind: 'sgd', batchSize: 10 },
      { kind: 'label-noise', sigma: 0.1 },
      { kind: 'momentum' },
      { kind: 'nesterov' },
      { kind: 'rmsprop' },
      { kind: 'adam' },
      { kind: 'sam' },
      { kind: 'muon', newtonSchulz: 5 },
    ] as const) {
      const lr = optimizer.kind === 'adam' || optimizer.kind === 'rmsprop' || optimizer.kind === 'muon' ? 0.002 : 0.02;
      const r = await train(problem, w0, { learningRate: lr, steps: 100, recordEvery: 50, record: [...record], optimizer });
      expect([optimizer.kind, r.status]).toEqual([optimizer.kind, 'completed']);
      expect(r.trace.scalar('loss').length).toBe(3);
      expect(r.trace.scalar('sharpness').every((x) => x > 0)).toBe(true);
      // State norms where the rule keeps that state (muon: beta 0 by default, no buffer), NaN elsewhere.
      const hasMomentum = ['momentum', 'nesterov', 'adam'].includes(optimizer.kind);
      const hasSecond = ['adam', 'rmsprop'].includes(optimizer.kind);
      expect([optimizer.kind, r.trace.scalar('momentumNorm').every((x) => (hasMomentum ? x > 0 : Number.isNaN(x)))]).toEqual([optimizer.kind, true]);
      expect([optimizer.kind, r.trace.scalar('secondMomentNorm').every((x) => (hasSecond ? x > 0 : Number.isNaN(x)))]).toEqual([
        optimizer.kind,
        true,
      ]);
    }
    const adam = await train(problem, w0, {
      learningRate: 0.002,
      steps: 10,
      recordEvery: 10,
      record: ['stabilityEdge'],
      optimizer: { kind: 'adam', beta1: 0.9 },
    });
    expect(adam.trace.scalar('stabilityEdge')[0]).toBeCloseTo(38 / 0.002, 6);
    const sgd = (seed: number) => train(problem, w0, { ...base, optimizer: { kind: 'sgd', batchSize: 10 }, seed });
    expect(bits((await sgd(3)).weights)).toEqual(bits((await sgd(3)).weights));
    expect(bits((await sgd(3)).weights)).not.toEqual(bits((await sgd(4)).weights));
  });

  test('bad settings are ERR_DLN_VALUE naming the field', async () => {
    const field = async (optimizer: unknown) =>
      train(problem, w0, { ...base, optimizer } as never).then(
        () => null,
        (e: { code: string; field: string }) => `${e.code} ${e.field}`,
      );
    expect(await field({ kind: 'sgd', batchSize: 51 })).toBe('ERR_DLN_VALUE options.optimizer.batchSize');
    expect(await field({ kind: 'sgd', batchSize: 50 })).toBeNull();
    expect(await field({ kind: 'momentum', beta: 1 })).toBe('ERR_DLN_VALUE options.optimizer.beta');
    expect(await field({ kind: 'adam', beta1: -0.1 })).toBe('ERR_DLN_VALUE options.optimizer.beta1');
    expect(await field({ kind: 'sam', rho: -1 })).toBe('ERR_DLN_VALUE options.optimizer.rho');
    expect(await field({ kind: 'label-noise', sigma: -1 })).toBe('ERR_DLN_VALUE options.optimizer.sigma');
    expect(await field({ kind: 'sgd', beta1: 0.9 })).toBe('ERR_DLN_VALUE options.optimizer.beta1');
    expect(await field({ kind: 'adamw' })).toBe('ERR_DLN_VALUE options.optimizer.kind');
    expect(await field({ kind: 'sgd', batchSise: 5 })).toBe('ERR_DLN_VALUE options.optimizer.batchSise');
  });
});

describe('optimizers in configs', () => {
  const config = {
    name: 'sgd-sweep',
    data: { kind: 'marion-chizat', n: 50, d: 5, noise: 1 },
    model: { depth: 3 },
    init: { kind: 'gaussian', scale: 0.5 },
    train: { learningRate: 0.05, steps: 300, record: ['loss', 'distance'], optimizer: { kind: 'sgd', batchSize: 10 } },
    repetitions: 3,
    sweep: [{ 'init.scale': [0.3, 0.6] }],
  } satisfies ExperimentInput;
  const read = (dir: string) => readFileSync(path.join(dir, 'results.jsonl'), 'utf8');

  test('an SGD sweep: the same bits with 1 or 2 threads and across shards; another seed, other bits', async () => {
    const whole = path.join(root, 'whole');
    await runExperiment(config, { out: whole });
    setWorkerThreads(1);
    try {
      await runExperiment(config, { out: path.join(root, 'one') });
    } finally {
      setWorkerThreads(2);
    }
    expect(read(path.join(root, 'one'))).toBe(read(whole));
    const shards = [0, 1].map((i) => path.join(root, `shard-${i}`));
    for (let i = 0; i < 2; i++) await runExperiment(config, { out: shards[i], shard: { index: i, count: 2 } });
    await mergeResults(shards, { out: path.join(root, 'merged') });
    expect(read(path.join(root, 'merged'))).toBe(read(whole));
    await runExperiment({ ...config, seed: 1 }, { out: path.join(root, 'seed1') });
    expect(read(path.join(root, 'seed1'))).not.toBe(read(whole));
  });

  test('train.optimizer is sweepable and settable', async () => {
    const swept: ExperimentInput = {
      ...config,
      name: 'kinds',
      repetitions: 1,
      train: { ...config.train, optimizer: { kind: 'gd' } },
      sweep: [{ 'train.optimizer.kind': ['gd', 'momentum', 'adam'] }],
    };
    const o = await runExperiment(swept, { out: path.join(root, 'kinds') });
    expect(o.ran).toBe(3);
    const set = applyOverrides(config, ['train.optimizer.kind=adam']) as typeof config;
    expect(set.train.optimizer.kind).toBe('adam');
    await expect(
      runExperiment(
        { ...config, name: 'bad', train: { ...config.train, optimizer: { kind: 'sgd', batchSize: 51 } } },
        { out: path.join(root, 'bad') },
      ),
    ).rejects.toMatchObject({
      code: 'ERR_DLN_VALUE',
    });
  });
});
