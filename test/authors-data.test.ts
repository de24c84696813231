/**
 * The authors' data (README "Data sources"): JAX's generator through the API, the reference code's
 * key chain, the sanity values of the authors' dataset (and that other data does not give them),
 * float32 draws and float64 arithmetic, and the errors for what the authors' code never drew.
 */
import { jaxRandom, marionChizatData, Problem, type JaxKey, type RegressionData } from '../lib';
import { loadExperiment } from '../lib/pipeline';
import { norm } from './helpers';

const DEPTH10 = [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 1];

function theoryOf(d: RegressionData) {
  return Problem.regression({ X: d.X, y: d.y, widths: DEPTH10 }).theory();
}

/** The sanity values of the authors' first draw (issue 14): lambda, Lambda, a, 2/S_min at L = 10. */
function looksLikeAuthorsData(d: RegressionData): boolean {
  const t = theoryOf(d);
  return (
    Math.abs(t.lambda - 0.5975) < 5e-5 &&
    Math.abs(t.Lambda - 1.594) < 5e-4 &&
    Math.abs(t.a - 0.948) < 5e-4 &&
    Math.abs(t.criticalLearningRate! - 0.167) < 5e-4
  );
}

/** `key, subkey = split(key)`, returning [key, subkey]. */
function step(key: JaxKey): [JaxKey, JaxKey] {
  const [k, s] = jaxRandom.split(key);
  return [k, s];
}

describe("JAX's generator through the API", () => {
  test('PRNGKey, split and normal reproduce JAX bit for bit', () => {
    const k0 = jaxRandom.key(0);
    expect(k0).toEqual([0, 0]);
    expect(jaxRandom.split(k0)).toEqual([
      [4146024105, 967050713],
      [2718843009, 1272950319],
    ]);
    expect(jaxRandom.bits(jaxRandom.key(1701), 3)).toEqual(new Uint32Array([56197195, 4200222568, 961309823]));
    expect(jaxRandom.normal(k0, 1)[0]).toBe(Math.fround(-0.20584226));
    const docs = [-0.3721109, 0.26423115, -0.18252768, -0.7368197, -0.44030377, -0.1521442, -0.67135346, -0.5908641, 0.73168886, 0.5673026];
    expect(Array.from(jaxRandom.normal(k0, 10))).toEqual(docs.map(Math.fround));
    // A false case: the neighbouring key draws other numbers.
    expect(jaxRandom.normal([0, 1], 1)[0]).not.toBe(Math.fround(-0.20584226));
  });

  test('bad keys and operations are errors naming the field', () => {
    expect(() => jaxRandom.split([0, 2 ** 32] as JaxKey)).toThrow(/options\.key/);
    expect(() => jaxRandom.authorsKey('authors', 'depth-projection', 10)).toThrow(/May 2024 code has no depth experiment/);
    expect(() => jaxRandom.authorsKey('authors-2024-10', 'depth-projection', 8)).toThrow(/depths 5, 10, 20 and 40/);
  });
});

describe("the authors' data, code of May 2024", () => {
  const d = marionChizatData({ source: 'authors' });

  test("follows the reference code's key chain: X, w_true and the noise are JAX's float32 draws", () => {
    // key = PRNGKey(0); key, subkey = split(key); generate_data splits before X, w_true, noise.
    const [, dataKey] = step(jaxRandom.key(0));
    expect(jaxRandom.authorsKey('authors', 'data')).toEqual(dataKey);
    let [k, s] = step(dataKey);
    expect(Array.from(d.X.data)).toEqual(Array.from(jaxRandom.normal(s, 250)));
    [k, s] = step(k);
    expect(d.draws!.wTrue).toEqual(jaxRandom.normal(s, 5));
    [, s] = step(k);
    expect(d.draws!.noise).toEqual(jaxRandom.normal(s, 50));
    expect(d.X.rows).toBe(50);
    expect(d.X.cols).toBe(5);
    expect(d.XTest.rows).toBe(0); // the May code draws no test set
    for (const v of d.X.data) expect(v).toBe(Math.fround(v));
  });

  test('has the sanity values of issue 14, which seed 172 does not', () => {
    const t = theoryOf(d);
    expect(t.lambda).toBeCloseTo(0.5975, 4);
    expect(t.Lambda).toBeCloseTo(1.594, 3);
    expect(t.a).toBeCloseTo(0.948, 3);
    expect(t.criticalLearningRate).toBeCloseTo(0.167, 3);
    expect(t.sRankOne).toBeCloseTo(19.39, 2); // the rank-one limit S_r1, against 2/eta = 20 at eta = 0.1
    expect(looksLikeAuthorsData(d)).toBe(true);
    // False cases: the presets' seed 172 (lambda = 0.50) and the October code's draw (a = 0.933).
    expect(looksLikeAuthorsData(marionChizatData({ seed: 172 }))).toBe(false);
    expect(looksLikeAuthorsData(marionChizatData({ source: 'authors-2024-10' }))).toBe(false);
  });

  test('y and w* are float64 arithmetic on the float32 draws, within float32 rounding of what JAX computes', () => {
    const { wTrue, noise } = d.draws!;
    const oct = marionChizatData({ source: 'authors-2024-10' });
    let worst = 0;
    // JAX's float32 y = X @ w_true + noise, emulated with Math.fround (sequential sums).
    for (let i = 0; i < 50; i++) {
      let y32 = 0;
      let scale = Math.abs(noise[i]);
      for (let k = 0; k < 5; k++) {
        y32 = Math.fround(y32 + Math.fround(d.X.data[i * 5 + k] * wTrue[k]));
        scale += Math.abs(d.X.data[i * 5 + k] * wTrue[k]);
      }
      y32 = Math.fround(y32 + noise[i]);
      const y64 = d.y[i] * d.normFactor;
      worst = Math.max(worst, Math.abs(y64 - y32) / (2 ** -24 * scale));
      // A false case: the October code's y (other w_true and noise) is nowhere near.
      expect(Math.abs(oct.y[i] * oct.normFactor - y32)).toBeGreaterThan(6 * 2 ** -24 * scale);
    }
    // Six float32 roundings of partial sums bounded by `scale` at most (measured: about 1.5).
    expect(worst).toBeLessThanOrEqual(6);
    // w* is the float64 least-squares solution of the (X, y) dlnflow trains on: X^T (X w* - y) = 0.
    for (let k = 0; k < 5; k++) {
      let g = 0;
      for (let i = 0; i < 50; i++) {
        let r = -d.y[i];
        for (let j = 0; j < 5; j++) r += d.X.data[i * 5 + j] * d.wStar[j];
        g += d.X.data[i * 5 + k] * r;
      }
      expect(Math.abs(g)).toBeLessThan(1e-12);
    }
    expect(norm(d.wStar)).toBeCloseTo(1, 14);
  });

  test("the residual experiments' projection is the chain's normalized normal draw, the same in both versions", () => {
    let key = jaxRandom.key(0);
    let sub: JaxKey = key;
    for (let i = 0; i <= 5; i++) [key, sub] = step(key); // subkeys 0..5: data, init_mlp, sweep, traces, init_resnet, w
    const w = Array.from(jaxRandom.normal(sub, 5));
    const n = Math.hypot(...w);
    expect(Array.from(d.projection!).map((v, i) => v - w[i] / n)).toEqual(w.map(() => expect.closeTo(0, 15)));
    expect(norm(d.projection!)).toBeCloseTo(1, 15);
    expect(marionChizatData({ source: 'authors-2024-10' }).projection).toEqual(d.projection);
    expect(d.depthProjections).toBeUndefined();
  });
});

describe("the authors' data, code of October 2024", () => {
  const may = marionChizatData({ source: 'authors' });
  const oct = marionChizatData({ source: 'authors-2024-10' });

  test('draws the test set right after X: X is the same, w_true, the noise, y and w* are not', () => {
    expect(oct.X.data).toEqual(may.X.data);
    expect(oct.XTest.rows).toBe(50);
    expect(oct.yTest.length).toBe(50);
    let [k, s] = step(jaxRandom.authorsKey('authors-2024-10', 'data'));
    [k, s] = step(k);
    expect(Array.from(oct.XTest.data)).toEqual(Array.from(jaxRandom.normal(s, 250)));
    [, s] = step(k);
    expect(oct.draws!.wTrue).toEqual(jaxRandom.normal(s, 5));
    expect(oct.draws!.wTrue).not.toEqual(may.draws!.wTrue);
    expect(oct.y).not.toEqual(may.y);
    const t = theoryOf(oct);
    expect(t.lambda).toBeCloseTo(0.5975, 4); // same X
    expect(t.a).toBeCloseTo(0.9328, 4);
  });

  test("the depth experiment's projections: one unit vector per depth, from the chain after the residual traces", () => {
    const byDepth = oct.depthProjections!;
    expect(Object.keys(byDepth).map(Number)).toEqual([5, 10, 20, 40]);
    let key = jaxRandom.key(0);
    let sub: JaxKey = key;
    for (let i = 0; i <= 7; i++) [key, sub] = step(key); // subkeys 0..7 (shared with May)
    for (const L of [5, 10, 20, 40]) {
      [key, sub] = step(key); // init_resnet (dimension only)
      [key, sub] = step(key); // this depth's w
      const w = Array.from(jaxRandom.normal(sub, 5));
      const n = Math.hypot(...w);
      byDepth[L].forEach((v, i) => expect(v).toBeCloseTo(w[i] / n, 15));
      expect(jaxRandom.authorsKey('authors-2024-10', 'depth-projection', L)).toEqual(sub);
      [key, sub] = step(key); // this depth's sweep
      expect(byDepth[L]).not.toEqual(oct.projection);
    }
    [, sub] = step(key);
    expect(jaxRandom.authorsKey('authors-2024-10', 'underdetermined-data')).toEqual(sub);
  });

  test('the underdetermined data (n = 15, d = 20) with its test set; w* is the minimum-norm interpolant', () => {
    const u = marionChizatData({ source: 'authors-2024-10', n: 15, d: 20 });
    expect(u.X.rows).toBe(15);
    expect(u.X.cols).toBe(20);
    expect(u.XTest.rows).toBe(15);
    const [, s] = step(jaxRandom.authorsKey('authors-2024-10', 'underdetermined-data'));
    expect(Array.from(u.X.data)).toEqual(Array.from(jaxRandom.normal(s, 300)));
    for (let i = 0; i < 15; i++) {
      let r = -u.y[i];
      for (let j = 0; j < 20; j++) r += u.X.data[i * 20 + j] * u.wStar[j];
      expect(Math.abs(r)).toBeLessThan(1e-12);
    }
    expect(u.projection).toBeUndefined();
    // A false case: the May code never drew it.
    expect(() => marionChizatData({ source: 'authors', n: 15, d: 20 })).toThrow(/\(50, 5\) only/);
  });
});

describe('errors for what the reference code never drew', () => {
  test.each([
    [{ source: 'authors' as const, seed: 3 }, /options\.seed: is for source "seed"/],
    [{ source: 'authors' as const, n: 100 }, /options\.n: the May 2024 code draws \(n, d\) = \(50, 5\) only/],
    [{ source: 'authors-2024-10' as const, d: 6 }, /options\.d: .*\(15, 20\) only/],
    [{ source: 'authors' as const, nTest: 50 }, /options\.nTest: the May 2024 code draws no test set/],
    [{ source: 'authors-2024-10' as const, nTest: 10 }, /options\.nTest: the October 2024 code draws a test set of n points/],
    [{ source: 'jax' as never }, /options\.source: expected "seed" \| "authors" \| "authors-2024-10", got "jax"/],
  ])('%j', (options, message) => {
    expect(() => marionChizatData(options)).toThrow(message);
  });

  test('source seed is unchanged: the same numbers as before, seed by seed', () => {
    const a = marionChizatData({ seed: 172 });
    const b = marionChizatData({ seed: 172, source: 'seed' });
    expect(b.y).toEqual(a.y);
    expect(a.source).toBe('seed');
    expect(a.draws).toBeUndefined();
  });
});

describe('configs', () => {
  test("the presets run on the authors' data; --set data.source=seed --set data.seed=172 works; the authors' sizes are enforced", async () => {
    const base = await loadExperiment('marion-chizat-fig1', { quick: true });
    expect(base.experiment.data).toMatchObject({ kind: 'marion-chizat', source: 'authors' });
    // A config that names no source draws from dlnflow's generator.
    const plain = await loadExperiment({ name: 'x', data: { kind: 'marion-chizat' }, model: { depth: 2 }, train: { learningRate: 0.1, steps: 1 } });
    expect(plain.experiment.data).toMatchObject({ source: 'seed' });
    const seeded = await loadExperiment('marion-chizat-fig1', { quick: true, overrides: ['data.source=seed', 'data.seed=172'] });
    expect(seeded.experiment.data).toMatchObject({ source: 'seed', seed: 172 });
    // The preset pins seed 172 for source seed; the authors' sources ignore it.
    const authors = await loadExperiment('marion-chizat-fig1', { quick: true, overrides: ['data.source=authors'] });
    expect(authors.experiment.data).toMatchObject({ source: 'authors', n: 50, d: 5 });
    await expect(loadExperiment('marion-chizat-fig1', { quick: true, overrides: ['data.source=authors-2024-10', 'data.n=40'] })).rejects.toThrow(
      /data\.n/,
    );
    await expect(loadExperiment('marion-chizat-fig1', { quick: true, overrides: ['data.source=authors', 'data.nTest=50'] })).rejects.toThrow(
      /data\.nTest/,
    );
    await expect(loadExperiment('marion-chizat-fig1', { quick: true, overrides: ['data.source=jax'] })).rejects.toThrow(/data\.source/);
  });
});
