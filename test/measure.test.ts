/**
 * measure() / measureSync(): the recorded quantities at one point, outside any run. They are the
 * probes a run records, so the numbers must equal a run's row at the same point bit for bit; the
 * new `balancedness` quantity is checked against an independent computation of ||D_k||_2.
 */
import { DlnError, flattenWeights, initWeights, layers, measure, measureSync, Problem, svd, train, type Quantity } from '../lib';
import { mcProblem, MC_WIDTHS } from './helpers';

/** ||D_k||_2, D_k = W_{k+1}^T W_{k+1} - W_k W_k^T, by the SVD of D_k formed entry by entry here. */
function balancednessOracle(widths: number[], weights: Float64Array): number[] {
  const W = layers(widths, weights);
  const out: number[] = [];
  for (let k = 0; k + 1 < W.length; k++) {
    const a = W[k + 1];
    const b = W[k];
    const n = b.rows;
    const D = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let v = 0;
        for (let t = 0; t < a.rows; t++) v += a.data[t * a.cols + i] * a.data[t * a.cols + j];
        for (let t = 0; t < b.cols; t++) v -= b.data[i * b.cols + t] * b.data[j * b.cols + t];
        D[i * n + j] = v;
      }
    }
    out.push(svd({ rows: n, cols: n, data: D }).S[0]);
  }
  return out;
}

describe('measure', () => {
  const problem = mcProblem();
  const w = initWeights(MC_WIDTHS, { scale: 0.3, seed: 4 });
  const quantities: Quantity[] = [
    'loss',
    'gradNorm',
    'testLoss',
    'distance',
    'layerNorms',
    'rankOneGap',
    'alignment',
    'lemma2Epsilon',
    'sharpness',
    'lambdaMin',
    'sharpnessTopK',
  ];
  const sharpnessOptions = { k: 3 };

  test('equals the first row a run records at the same point, bit for bit (sync and async)', async () => {
    const run = await train(problem, w, { learningRate: 0.01, steps: 3, record: quantities, sharpness: sharpnessOptions });
    const row = run.trace.row(0);
    const sync = measureSync(problem, w, quantities, { sharpness: sharpnessOptions });
    const async = await measure(problem, w, quantities, { sharpness: sharpnessOptions });
    for (const q of quantities) {
      expect(sync[q]).toEqual(row[q]);
      expect(async[q]).toEqual(row[q]);
    }
    expect(Object.keys(sync)).toEqual(quantities); // the order asked, nothing else
    // A different point gives different numbers (the comparison above can fail).
    const other = measureSync(problem, initWeights(MC_WIDTHS, { scale: 0.3, seed: 5 }), ['loss', 'sharpness']);
    expect(other.loss).not.toBe(row.loss);
    expect(other.sharpness).not.toBe(row.sharpness);
  });

  test('balancedness is ||D_k||_2 for each pair of layers: 0 at a balanced point, the oracle elsewhere', () => {
    const widths = [3, 4, 4, 1];
    const X = { rows: 4, cols: 3, data: new Float64Array([1, 0, 2, 0, 1, 1, 3, 1, 0, 1, 1, 1]) };
    const p = Problem.regression({ X, y: new Float64Array([1, 2, 0, 1]), widths });
    const point = initWeights(widths, { scale: 0.7, seed: 3 });
    const b = measureSync(p, point, ['balancedness']).balancedness as number[];
    const oracle = balancednessOracle(widths, point);
    expect(b).toHaveLength(2);
    b.forEach((x, k) => expect(x).toBe(oracle[k]));
    expect(Math.min(...b)).toBeGreaterThan(0.1);
    // Balanced exactly: square layers W_k = 2 I, so W_{k+1}^T W_{k+1} = 4 I = W_k W_k^T.
    const sq = [4, 4, 4, 4];
    const I = Array.from({ length: 4 }, (_, i) => Array.from({ length: 4 }, (_, j) => (i === j ? 2 : 0)));
    const ones = { rows: 4, cols: 4, data: new Float64Array(16).fill(1) };
    const pSq = Problem.mse({ X: ones, Y: { rows: 4, cols: 4, data: new Float64Array(16) }, widths: sq });
    const balanced = flattenWeights(sq, [I, I, I]);
    expect(measureSync(pSq, balanced, ['balancedness']).balancedness).toEqual([0, 0]);
  });

  test('errors name the argument: quantities, options (unknown keys too), weights', async () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return [(e as DlnError).code, (e as DlnError).field];
      }
      return null;
    };
    expect(code(() => measureSync(problem, w, ['los'] as never))).toEqual(['ERR_DLN_VALUE', 'quantities']);
    expect(code(() => measureSync(problem, w, 'loss' as never))).toEqual(['ERR_DLN_TYPE', 'quantities']);
    expect(code(() => measureSync(problem, w, ['sharpness'], { sharpness: { k: 231 } }))).toEqual(['ERR_DLN_VALUE', 'options.sharpness.k']);
    expect(code(() => measureSync(problem, w, ['loss'], { rankTol: 1 } as never))).toEqual(['ERR_DLN_VALUE', 'options.rankTol']);
    expect(code(() => measureSync(problem, new Float64Array(3), ['loss']))).toEqual(['ERR_DLN_SHAPE', 'weights']);
    const rejected = await measure(problem, w, ['los'] as never).catch((e: DlnError) => [e.code, e.field]);
    expect(rejected).toEqual(['ERR_DLN_VALUE', 'quantities']);
  });
});
