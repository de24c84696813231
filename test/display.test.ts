/**
 * Notebook display bundles (lib/api/display.ts, lib/pipeline/display.ts), called directly as
 * Deno's Jupyter kernel calls them: `obj[Symbol.for('Jupyter.display')]()`. The Vega-Lite specs
 * compile with vega-lite and draw every recorded row; the HTML tables show NaN as NaN (a diverged
 * run) and elide the middle of a long trace; the method is no data field; an outcome shows its
 * checks and its figure (SVG and spec as written to OUT), and no figure when no report was built.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { compile } from 'vega-lite';
import { flow, initWeights, marionChizatData, Problem, Trace, train } from '../lib';
import { runExperiment } from '../lib/pipeline';
import type { ExperimentInput } from '../lib/experiments/schema';

const DISPLAY = Symbol.for('Jupyter.display');
type Bundle = Record<string, unknown>;
const bundleOf = (x: unknown): Bundle => (x as { [DISPLAY]: () => Bundle })[DISPLAY]();
interface Panel {
  data: { values: Record<string, number>[] };
  encoding: { y: { field: string; scale: { type?: string } } };
}

const mc = marionChizatData({ n: 40, d: 5, seed: 3 });
const problem = Problem.regression({ X: mc.X, y: mc.y, widths: [5, 5, 5, 1] });
const w0 = initWeights([5, 5, 5, 1], { scale: 0.3, seed: 1 });

test('train: a chart per scalar column over every row, a table, a line; no data field', async () => {
  const r = await train(problem, w0, { learningRate: 0.05, steps: 300, recordEvery: 1, record: ['loss', 'gradNorm', 'layerNorms'] });
  expect(r.trace.length).toBe(301);
  const b = bundleOf(r);
  expect(Object.keys(b).sort()).toEqual(['application/vnd.vegalite.v5+json', 'text/html', 'text/plain']);
  const spec = b['application/vnd.vegalite.v5+json'] as { vconcat: Panel[] };
  expect(() => compile(spec as never)).not.toThrow();
  // layerNorms (a vector) has no panel.
  expect(spec.vconcat.map((p) => p.encoding.y.field)).toEqual(['loss', 'gradNorm']);
  const loss = spec.vconcat[0];
  expect(loss.data.values).toHaveLength(301);
  expect(loss.data.values.map((v) => v.loss)).toEqual(Array.from(r.trace.scalar('loss')));
  const ys = Array.from(r.trace.scalar('loss'));
  expect(loss.encoding.y.scale.type).toBe(Math.max(...ys) / Math.min(...ys) > 100 ? 'log' : undefined);
  const html = b['text/html'] as string;
  expect(html).toContain('… 281 more rows …');
  expect(html.match(/<tr>/g)).toHaveLength(2 + 1 + 20 + 1); // facts head and row; trace head, 20 rows, the elision
  expect(b['text/plain']).toMatch(/^train result: status (completed|converged), steps 300, divergedAt null, finalLoss /);
  // Not a data field: JSON, keys and spreading are as before.
  expect(Object.keys(r)).toEqual(['status', 'message', 'steps', 'divergedAt', 'finalLoss', 'finalGradNorm', 'weights', 'trace']);
  expect(Object.getOwnPropertySymbols({ ...r })).toEqual([]);
  // The trace on its own.
  const t = bundleOf(r.trace);
  expect(t['text/plain']).toBe('Trace: 301 rows; columns step, time, loss, gradNorm, layerNorms');
  expect(() => compile(t['application/vnd.vegalite.v5+json'] as never)).not.toThrow();
});

test('NaN and infinities: in the table as such, left out of the chart', () => {
  const col = (name: string, values: number[]) => ({ name, width: 1, values: Float64Array.from(values) });
  const trace = new Trace([
    col('step', [0, 1, 2, 3]),
    col('loss', [1, 0.5, Infinity, NaN]),
    col('gap', [2, 1, 0.5, 0.25]),
    col('decay', [1, 1e-2, 1e-4, 1e-6]),
  ]);
  const b = bundleOf(trace);
  expect(b['text/html']).toContain('<td>inf</td>');
  expect(b['text/html']).toContain('<td>NaN</td>');
  const [loss, gap, decay] = (b['application/vnd.vegalite.v5+json'] as { vconcat: Panel[] }).vconcat;
  expect(loss.data.values).toEqual([
    { step: 0, loss: 1 },
    { step: 1, loss: 0.5 },
  ]);
  // Positive over less than two decades: linear.
  expect(gap.encoding.y.scale.type).toBeUndefined();
  expect(gap.data.values).toHaveLength(4);
  // Six decades: log.
  expect(decay.encoding.y.scale.type).toBe('log');
});

test('flow: the same bundle, with flow time', async () => {
  const f = await flow(problem, w0, { tEnd: 5, record: ['loss'] });
  const b = bundleOf(f);
  expect(b['text/plain']).toMatch(/^flow result: status completed, t 5, finalLoss [\d.]+, finalGradNorm /);
  expect(() => compile(b['application/vnd.vegalite.v5+json'] as never)).not.toThrow();
});

describe('experiment outcomes', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'dlnflow-display-'));
  const config: ExperimentInput = {
    name: 'shown',
    data: { kind: 'marion-chizat', n: 40, d: 5, noise: 1 },
    model: { depth: 3 },
    init: { kind: 'gaussian', scale: 0.3 },
    train: { learningRate: 0.05, steps: 100, record: ['loss', 'distance'] },
    repetitions: 2,
    sweep: [{ 'init.scale': [0.3, 0.5] }],
    report: { figures: [{ kind: 'sweep', id: 'distance', x: 'init.scale', y: 'distance' }] },
    checks: [{ id: 'fits', claim: 'every run fits <well>', quantity: 'final.loss', aggregate: 'max', below: 100 }],
  };

  test('findings and checks as a table, the figure as SVG and Vega-Lite from OUT', async () => {
    const out = path.join(root, 'with-report');
    const outcome = await runExperiment(config, { out });
    const b = bundleOf(outcome);
    expect(b['image/svg+xml']).toBe(readFileSync(path.join(out, 'figures', 'distance.svg'), 'utf8'));
    expect(b['application/vnd.vegalite.v5+json']).toEqual(JSON.parse(readFileSync(path.join(out, 'figures', 'distance.vl.json'), 'utf8')));
    const html = b['text/html'] as string;
    expect(html).toContain('<caption>this config&#39;s checks</caption>');
    expect(html).toContain('<td>✓</td><td>every run fits &lt;well&gt;</td>');
    expect(html).toMatch(/<figure><figcaption>[^<]*<\/figcaption><svg/);
    expect(b['text/plain']).toBe(`shown: 4 runs (4 ran now, 0 resumed) in ${out}; every checked finding and check held`);
    expect(JSON.parse(JSON.stringify(outcome))).not.toHaveProperty('undefined');
  });

  test('no report built: the outcome line only, no figure', async () => {
    const out = path.join(root, 'no-report');
    const b = bundleOf(await runExperiment(config, { out, report: false }));
    expect(b['image/svg+xml']).toBeUndefined();
    expect(b['application/vnd.vegalite.v5+json']).toBeUndefined();
    expect(b['text/plain']).toBe(`shown: 4 runs (4 ran now, 0 resumed) in ${out}`);
  });
});
