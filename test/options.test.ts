/**
 * Each option declared once (issue 13, section 3) and nothing silently ignored (issue 12 items 14, 15, 18):
 *
 *   - every options object of the API rejects unknown keys with ERR_DLN_VALUE naming the key and
 *     the closest known one, and so does the binding on its own (raw native calls);
 *   - the declarations agree with the core: a value just outside a declared bound is refused by
 *     the core too, one inside is not refused for that field, and a declared default gives the
 *     same bits as the core's own (checked by calling the core with and without it); false cases
 *     (a wrong bound, a wrong default) are fed and must be caught;
 *   - configs and `--set` say "did you mean"; `--set` on a swept field is refused naming the axis;
 *   - expression names are looked up in own properties only;
 *   - bad types into the pipeline are DlnErrors with the right paths; the README's option tables
 *     are generated from the declarations and up to date.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { QUANTITIES, type Quantity } from '../lib/options/run';
import {
  DlnError,
  Problem,
  buildPlan,
  completionData,
  denseHessian,
  detectPlateaus,
  flow,
  greedyRankIncremental,
  initWeights,
  jacotTeacherData,
  lossSurface,
  marionChizatData,
  mergeResults,
  runExperiment,
  setBlasThresholds,
  sharpness,
  sharpnessGradient,
  train,
  buildReport,
  loadExperiment,
  loadDataset,
  type FlowOptions,
  type TrainOptions,
  type SharpnessOptions,
} from '../lib';
import { callNative } from '../lib/errors';
import { native } from '../lib/native';
import { resolveExperiment } from '../lib/pipeline';
import { checkOptions, rangeText, type GroupSpec, type Spec } from '../lib/options/declare';
import { completionFields, jacotTeacherFields, marionChizatFields } from '../lib/options/data';
import { flowFields } from '../lib/options/flow';
import { centralFlowFields } from '../lib/options/central-flow';
import { gdFields } from '../lib/options/gd';
import { initFields } from '../lib/options/init';
import { optimizerFields } from '../lib/options/optimizer';
import { sharpnessFields } from '../lib/options/run';
import { sharpnessGradientFields } from '../lib/options/sharpness-gradient';
import { readmeOptionsBlock, withOptionsBlock, README_BEGIN } from '../lib/options/markdown';
import { closest } from '../lib/util/closest';
import { evaluateExpression, recordResolver } from '../lib/util/expression';
import { setPath } from '../lib/util/paths';

const ROOT = path.resolve(__dirname, '..');

/** The error a call throws or rejects with (undefined when it succeeds). */
async function caught(fn: () => unknown): Promise<unknown> {
  try {
    const r = fn();
    if (r && typeof (r as Promise<unknown>).then === 'function') await (r as Promise<unknown>);
    return undefined;
  } catch (err) {
    return err;
  }
}

async function expectUnknown(fn: () => unknown, field: string, suggestion?: string) {
  const e = (await caught(fn)) as DlnError;
  expect(e).toBeInstanceOf(DlnError);
  expect([e.code, e.field]).toEqual(['ERR_DLN_VALUE', field]);
  expect(e.message).toContain('unknown option');
  if (suggestion) expect(e.message).toContain(`(did you mean ${suggestion}?)`);
}

const mc = marionChizatData({ n: 8, d: 3, seed: 1 });
const regression = () => Problem.regression({ X: mc.X, y: mc.y, widths: [3, 2, 1] });
const w0 = initWeights([3, 2, 1], { scale: 0.5, seed: 1 });
const teacher = jacotTeacherData({ d: 3, rank: 2, n: 12, nTest: 4, seed: 2 });

describe('unknown keys: every options object of the API (issue 12 item 14)', () => {
  const p = regression();
  const cases: [string, () => unknown, string, string?][] = [
    ['train', () => train(p, w0, { learningRate: 0.1, steps: 1, recordEvry: 1 } as never), 'options.recordEvry', 'recordEvery'],
    ['train, a misspelt required option', () => train(p, w0, { learningRat: 0.1, steps: 1 } as never), 'options.learningRat', 'learningRate'],
    ['train.sharpness', () => train(p, w0, { learningRate: 0.1, steps: 1, sharpness: { tl: 1e-8 } } as never), 'options.sharpness.tl', 'tol'],
    ['flow', () => flow(p, w0, { tEnd: 1, rtoll: 1e-6 } as never), 'options.rtoll', 'rtol'],
    ['flow: event for events', () => flow(p, w0, { tEnd: 1, event: { lossBelow: 1 } } as never), 'options.event', 'events'],
    [
      'flow event',
      () => flow(p, w0, { tEnd: 1, events: [{ lossBelow: 1 }, { lossBelow: 1, terminl: false }] } as never),
      'options.events[1].terminl',
      'terminal',
    ],
    ['initWeights', () => initWeights([3, 2, 1], { scal: 0.1 } as never), 'options.scal', 'scale'],
    ['Problem.regression', () => Problem.regression({ X: mc.X, y: mc.y, widths: [3, 1], XTset: mc.XTest } as never), 'problem.XTset', 'XTest'],
    ['Problem.mse', () => Problem.mse({ X: teacher.X, Y: teacher.Y, widths: [3, 3], l2s: 0 } as never), 'problem.l2s', 'l2'],
    [
      'Problem.completion',
      () => Problem.completion({ widths: [3, 3], entries: [[0, 0, 1]], testEntry: [] } as never),
      'problem.testEntry',
      'testEntries',
    ],
    ['sharpness', () => sharpness(p, w0, { smalest: true } as never), 'options.smalest', 'smallest'],
    ['sharpnessGradient', () => sharpnessGradient(p, w0, { eigengapTol: 1e-3 } as never), 'options.eigengapTol', undefined],
    ['denseHessian', () => denseHessian(p, w0, { signl: undefined, sgnal: 1 } as never), 'controls.sgnal', 'signal'],
    ['marionChizatData', () => marionChizatData({ nosie: 1 } as never), 'options.nosie', 'noise'],
    ['jacotTeacherData', () => jacotTeacherData({ rnk: 2 } as never), 'options.rnk', 'rank'],
    ['completionData', () => completionData({ observd: 10 } as never), 'options.observd', 'observed'],
    [
      'greedyRankIncremental options',
      () =>
        greedyRankIncremental({ kind: 'mse', X: teacher.X, Y: teacher.Y }, {
          depth: 2,
          epsilon: 0.1,
          stepsPerStage: 1,
          learningRate: 0.01,
          maxWidht: 1,
        } as never),
      'options.maxWidht',
      'maxWidth',
    ],
    [
      'greedyRankIncremental data',
      () =>
        greedyRankIncremental({ kind: 'mse', X: teacher.X, Y: teacher.Y, XTst: 1 } as never, {
          depth: 2,
          epsilon: 0.1,
          stepsPerStage: 1,
          learningRate: 0.01,
        }),
      'data.XTst',
      'XTest',
    ],
    ['detectPlateaus', () => detectPlateaus([1, 2], [1, 1], undefined, { tolerence: 0.1 } as never), 'options.tolerence', 'tolerance'],
    ['lossSurface', () => lossSurface(p, w0, w0, { resolutoin: 5 } as never), 'options.resolutoin', 'resolution'],
    ['setBlasThresholds', () => setBlasThresholds({ gem: 5 } as never), 'thresholds.gem', 'gemm'],
    ['runExperiment', () => runExperiment('marion-chizat-fig1', { out: os.tmpdir(), quik: true } as never), 'options.quik', 'quick'],
    [
      'runExperiment shard',
      () => runExperiment('marion-chizat-fig1', { out: os.tmpdir(), shard: { index: 0, cuont: 2 } } as never),
      'options.shard.cuont',
      'count',
    ],
    ['loadExperiment', () => loadExperiment('marion-chizat-fig1', { overides: [] } as never), 'options.overides', 'overrides'],
    ['mergeResults', () => mergeResults([os.tmpdir()], { partal: true } as never), 'options.partal', 'partial'],
    ['buildReport', () => buildReport(os.tmpdir(), { partail: true } as never), 'options.partail', 'partial'],
    ['loadDataset', () => loadDataset(os.tmpdir(), { partail: true } as never), 'options.partail', 'partial'],
  ];
  test.each(cases)('%s', async (_name, fn, field, suggestion) => {
    await expectUnknown(fn, field, suggestion);
  });

  test('no suggestion when nothing is close; an undefined value is no key', async () => {
    const e = (await caught(() => initWeights([3, 2, 1], { zzzzzz: 1 } as never))) as DlnError;
    expect(e.message).toMatch(/^options\.zzzzzz: unknown option \(known: kind, scale, sigma, zeroLayer, layerScales, seed, stream\)$/);
    expect(initWeights([3, 2, 1], { recordEvry: undefined, seed: 1 } as never)).toEqual(initWeights([3, 2, 1], { seed: 1 }));
  });

  test('the binding rejects unknown keys on its own, with the same suggestion (raw native calls)', async () => {
    const N = native();
    const raw: [() => unknown, string, string][] = [
      [() => N.train(p.native, w0, { learningRate: 0.1, steps: 1, recordEvry: 1 }).promise, 'options.recordEvry', 'recordEvery'],
      [() => N.train(p.native, w0, { learningRate: 0.1, steps: 1, sharpness: { methd: 'power' } }).promise, 'options.sharpness.methd', 'method'],
      [() => N.flow(p.native, w0, { tEnd: 1, rtoll: 1 }).promise, 'options.rtoll', 'rtol'],
      [() => N.flow(p.native, w0, { tEnd: 1, events: { lossbelow: 1 } }).promise, 'options.events.lossbelow', 'lossBelow'],
      [() => N.flow(p.native, w0, { tEnd: 1, events: [{ quantiy: 'loss', below: 1 }] }).promise, 'options.events[0].quantiy', 'quantity'],
      [() => N.sharpness(p.native, w0, { vector: true }).promise, 'options.vector', 'vectors'],
      [
        () => (N as unknown as { sharpnessGradient: typeof N.sharpness }).sharpnessGradient(p.native, w0, { clustr: true }).promise,
        'options.clustr',
        'cluster',
      ],
      [() => N.initWeights({ widths: [3, 2, 1] }, { scal: 1 }), 'options.scal', 'scale'],
      [() => N.initWeights({ widths: [3, 2, 1], widthz: 1 } as never, {}), 'spec.widthz', 'widths'],
      [() => N.generateMarionChizat({ nTets: 3 }), 'options.nTets', 'nTest'],
      [() => N.generateJacotTeacher({ teacherstd: 1 }), 'options.teacherstd', 'teacherStd'],
      [() => N.generateCompletion({ col: 3 }), 'options.col', 'cols'],
      [() => N.lazyStd({ widths: [3, 2, 1] }, { sigm: 1 } as never), 'options.sigm', 'sigma'],
      [() => N.randomUnitVector({ d: 3, sed: 1 } as never), 'options.sed', 'seed'],
      [
        () => new N.NativeProblem({ kind: 'regression', widths: [3, 1], n: 8, X: mc.X.data, y: mc.y, XTset: mc.XTest.data }),
        'problem.XTset',
        'XTest',
      ],
      // A key another kind reads is unknown to this one: completion entries on a regression.
      [
        () => new N.NativeProblem({ kind: 'regression', widths: [3, 1], n: 8, X: mc.X.data, y: mc.y, entries: new Float64Array(3) }),
        'problem.entries',
        '',
      ],
    ];
    for (const [fn, field, suggestion] of raw) {
      const e = (await caught(fn)) as { code: string; field: string; message: string };
      expect([e?.code, e?.field]).toEqual(['ERR_DLN_VALUE', field]);
      expect(e.message).toContain(suggestion ? `unknown option (did you mean ${suggestion}?)` : 'unknown option');
    }
    // Every key the parser reads is known: the full options run.
    const job = N.flow(p.native, w0, {
      tEnd: 0.1,
      rtol: 1e-6,
      atol: 1e-9,
      maxSteps: 10,
      firstStep: 1e-3,
      maxStep: 1,
      controller: 'PI',
      record: ['loss'],
      recordEvery: 1,
      times: new Float64Array([0.05]),
      events: [{ lossBelow: -1, terminal: true }],
      rankTolerance: 1e-4,
      sharpness: { method: 'lanczos', k: 1, tol: 1e-8, maxIterations: 0, powerIterations: 20, seed: 0, warmStart: true },
      lossCeiling: 1e9,
    });
    expect((await job.promise).status).toBe('completed');
  });
});

describe('the declarations agree with the core (issue 13, section 3)', () => {
  const N = native();
  const p = regression();
  type Call = (options: Record<string, unknown>) => unknown;
  interface Entry {
    name: string;
    fields: Record<string, Spec>;
    /** Options that make a call valid, without the option under test. */
    base: Record<string, unknown>;
    call: Call;
    /** Where the option sits ("options" or "options.sharpness"). */
    at: string;
    /** Options an option's check needs (a value the core checks only where it is used). */
    baseFor?: Record<string, Record<string, unknown>>;
  }
  const job = (start: () => { promise: Promise<unknown>; cancel(): void }) => async () => {
    const j = start();
    return j.promise;
  };
  const trainRecord = ['loss', 'gradNorm', 'rank', 'sharpness', 'sharpnessTopK', 'sharpnessPower', 'sharpnessHvps'];
  const entries: Entry[] = [
    {
      name: 'train',
      fields: gdFields,
      base: { learningRate: 0.05, steps: 30, record: trainRecord, recordEvery: 7 },
      call: (o) => job(() => N.train(p.native, w0, o))(),
      at: 'options',
    },
    {
      // Each field is checked under a kind it belongs to (a field of another kind is refused as such).
      name: 'train.optimizer',
      fields: optimizerFields,
      base: { kind: 'adam' },
      baseFor: {
        batchSize: { kind: 'sgd' },
        sigma: { kind: 'label-noise' },
        beta: { kind: 'momentum' },
        rho: { kind: 'sam' },
        newtonSchulz: { kind: 'muon' },
      },
      call: (o) => job(() => N.train(p.native, w0, { learningRate: 0.01, steps: 2, record: trainRecord, optimizer: o }))(),
      at: 'options.optimizer',
    },
    {
      name: 'train.sharpness',
      fields: sharpnessFields,
      base: { k: 2 },
      call: (o) => job(() => N.train(p.native, w0, { learningRate: 0.05, steps: 12, recordEvery: 4, record: trainRecord, sharpness: o }))(),
      at: 'options.sharpness',
    },
    {
      name: 'flow',
      // The central flow's options go to its own entry point (below).
      fields: Object.fromEntries(Object.entries(flowFields).filter(([k]) => !Object.hasOwn(centralFlowFields, k))),
      base: { tEnd: 2, record: ['loss', 'stepSize'], recordEvery: 3, maxSteps: 300 }, // maxSteps: a probe such as maxStep 1e-300 ends at once
      call: (o) => job(() => N.flow(p.native, w0, { ...o, times: o.times === undefined ? undefined : Float64Array.from(o.times as number[]) }))(),
      at: 'options',
    },
    {
      name: 'sharpness',
      fields: sharpnessFields,
      base: { k: 2 },
      call: (o) => job(() => N.sharpness(p.native, w0, o))(),
      at: 'options',
    },
    {
      name: 'centralFlow',
      // Every flow option, through the central flow's entry point (it shares the flow's parser).
      fields: flowFields,
      base: { tEnd: 2, learningRate: 0.1, record: ['loss'], maxSteps: 300 },
      call: (o) => job(() => (N as unknown as { centralFlow: typeof N.flow }).centralFlow(p.native, w0, o))(),
      at: 'options',
    },
    {
      name: 'sharpnessGradient',
      fields: sharpnessGradientFields,
      base: { eigengapTolerance: 1e-3 },
      // eigengapTolerance must be >= 10 tol with Lanczos: probe it with the dense method.
      baseFor: { eigengapTolerance: { method: 'dense' } },
      call: (o) => job(() => (N as unknown as { sharpnessGradient: typeof N.sharpness }).sharpnessGradient(p.native, w0, o))(),
      at: 'options',
    },
    {
      name: 'initWeights',
      fields: initFields,
      base: { kind: 'gaussian', scale: 0.3 },
      // sigma is the lazy init's: the core checks it there (an unused option's value is not checked).
      baseFor: { sigma: { kind: 'lazy' }, zeroLayer: { kind: 'zero-layer' } },
      call: (o) => N.initWeights({ widths: [3, 2, 1] }, o),
      at: 'options',
    },
    { name: 'marionChizatData', fields: marionChizatFields, base: { n: 7, d: 3 }, call: (o) => N.generateMarionChizat(o), at: 'options' },
    {
      name: 'jacotTeacherData',
      fields: jacotTeacherFields,
      base: { d: 4, rank: 2, n: 9, nTest: 5 },
      baseFor: { teacherStd: { teacherScale: 'constant' } },
      call: (o) => N.generateJacotTeacher(o),
      at: 'options',
    },
    {
      name: 'completionData',
      fields: completionFields,
      base: { rows: 8, cols: 7, rank: 2, observed: 9 },
      call: (o) => N.generateCompletion(o),
      at: 'options',
    },
  ];

  /** Values just outside a number option's declared range, and ones just inside. */
  function probes(s: Spec): { outside: unknown[]; inside: unknown[] } {
    const integer = s.kind === 'integer';
    const outside: unknown[] = [NaN, 'x'];
    const inside: unknown[] = [];
    const step = (v: number) => (integer ? 1 : Math.max(Math.abs(v) * 1e-9, 1e-300));
    if (s.gt !== undefined) {
      outside.push(s.gt);
      inside.push(s.gt + step(s.gt));
    }
    if (s.min !== undefined) {
      outside.push(s.min - step(s.min));
      inside.push(s.min);
    }
    if (s.max !== undefined) {
      outside.push(integer ? (s.max + 1 === s.max ? s.max * 2 : s.max + 1) : s.max * (1 + 1e-9));
      if (s.max <= 1000) inside.push(s.max); // not sizes: a 2^30-sample draw is no test
    }
    if (s.lt !== undefined) outside.push(s.lt);
    if (integer) outside.push(1.5);
    if (!s.infinite) outside.push(Infinity, -Infinity);
    else if (s.infinite === 'positive') outside.push(-Infinity);
    return { outside, inside };
  }

  const numeric = (e: Entry) => Object.entries(e.fields).filter(([, s]) => (s.kind === 'number' || s.kind === 'integer') && !s.expression);

  /** The field a call's error names, or null when it succeeds. */
  async function fieldOf(e: Entry, options: Record<string, unknown>): Promise<string | null> {
    const err = (await caught(() => e.call(options))) as { field?: string } | undefined;
    return err === undefined ? null : (err.field ?? '(no field)');
  }

  test.each(entries.map((e) => [e.name, e] as const))(
    '%s: values outside a declared bound are refused by the core, values inside are not',
    async (_n, e) => {
      let checked = 0;
      for (const [key, s] of numeric(e)) {
        const field = `${e.at}.${key}`;
        const { outside, inside } = probes(s);
        const base = { ...e.base, ...(e.baseFor?.[key] ?? {}) };
        for (const v of outside) {
          expect([key, v, await fieldOf(e, { ...base, [key]: v })]).toEqual([key, v, field]);
          checked++;
        }
        for (const v of inside) {
          const f = await fieldOf(e, { ...base, [key]: v });
          expect([key, v, f === field]).toEqual([key, v, false]);
          checked++;
        }
        // The API's own check (the declaration) refuses the same outside values with the same field.
        for (const v of outside) {
          const err = (await caught(() =>
            checkOptions({ kind: 'group', doc: '', fields: e.fields } as GroupSpec, { ...base, [key]: v }, e.at),
          )) as DlnError;
          expect([key, v, err?.field]).toEqual([key, v, field]);
        }
      }
      expect(checked).toBeGreaterThan(0);
    },
  );

  /** A deep comparison that distinguishes bits (typed arrays element by element, NaN equal to NaN). */
  function sameBits(a: unknown, b: unknown): boolean {
    if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
      const x = a as unknown as ArrayLike<number>;
      const y = b as unknown as ArrayLike<number>;
      return x.length === y.length && Array.from(x).every((v, i) => Object.is(v, y[i]));
    }
    if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameBits(v, b[i]));
    if (a && b && typeof a === 'object' && typeof b === 'object') {
      const ka = Object.keys(a).sort();
      const kb = Object.keys(b).sort();
      return sameBits(ka, kb) && ka.every((k) => sameBits((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
    }
    return Object.is(a, b);
  }

  /** The core's result without the option, and with the value given. */
  async function sameAsCoreDefault(e: Entry, key: string, value: unknown): Promise<boolean> {
    const base = { ...e.base };
    delete base[key];
    const a = await e.call(base);
    const b = await e.call({ ...base, [key]: value });
    return sameBits(a, b);
  }

  test.each(entries.map((e) => [e.name, e] as const))("%s: every declared default gives the core default's bits", async (_n, e) => {
    let checked = 0;
    for (const [key, s] of Object.entries(e.fields)) {
      if (s.default === undefined || s.kind === 'group' || s.kind === 'custom' || s.kind === 'list') continue;
      expect([key, await sameAsCoreDefault(e, key, s.default)]).toEqual([key, true]);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });

  test('false cases: a wrong default or a wrong bound is caught', async () => {
    const byName = Object.fromEntries(entries.map((e) => [e.name, e]));
    const wrongDefaults: [string, string, unknown][] = [
      ['train', 'recordEvery', 1],
      ['train', 'recordPerDecade', 5],
      ['train', 'lossTarget', 1e6],
      ['train.sharpness', 'tol', 1e-3],
      ['train.sharpness', 'powerIterations', 19],
      ['train.sharpness', 'seed', 1],
      ['train.sharpness', 'warmStart', false],
      ['sharpness', 'method', 'dense'],
      ['flow', 'rtol', 1e-5],
      ['flow', 'atol', 1e-6],
      ['flow', 'controller', 'PI'],
      ['flow', 'maxStep', 0.01],
      ['initWeights', 'scale', 0.5],
      ['initWeights', 'seed', 2],
      ['marionChizatData', 'noise', 0.5],
      ['jacotTeacherData', 'teacherScale', 'constant'],
      ['completionData', 'seed', 3],
    ];
    for (const [name, key, value] of wrongDefaults)
      expect([name, key, await sameAsCoreDefault(byName[name], key, value)]).toEqual([name, key, false]);
    // A declared bound looser than the core's: the core refuses a value the "declaration" lets in.
    const e = byName.flow;
    expect(await fieldOf(e, { ...e.base, rtol: 1e-15 })).toBe('options.rtol'); // were rtol declared > 0
    expect(await fieldOf(byName.train, { ...byName.train.base, recordPerDecade: 1001 })).toBe('options.recordPerDecade'); // were it unbounded
  });
});

describe('configs and --set say "did you mean" (issue 12 item 14)', () => {
  const minimal = { name: 't', data: { kind: 'marion-chizat', n: 10, d: 3 }, model: { depth: 2 }, train: { learningRate: 0.05, steps: 5 } };
  function configError(fn: () => unknown): DlnError {
    try {
      fn();
    } catch (err) {
      return err as DlnError;
    }
    throw new Error('expected an error');
  }

  test('an unknown key anywhere in a config names itself and the closest key', () => {
    const cases: [unknown, string, string][] = [
      [{ ...minimal, train: { ...minimal.train, recordEvry: 5 } }, 'train.recordEvry', 'recordEvery'],
      [{ ...minimal, train: { ...minimal.train, sharpness: { tl: 1 } } }, 'train.sharpness.tl', 'tol'],
      [{ ...minimal, train: { ...minimal.train, method: 'flow', tEnd: 1, events: [{ lossBelw: 0.1 }] } }, 'train.events[0].lossBelw', 'lossBelow'],
      [{ ...minimal, data: { ...minimal.data, nosie: 1 } }, 'data.nosie', 'noise'],
      [{ ...minimal, init: { scael: 0.1 } }, 'init.scael', 'scale'],
      [{ ...minimal, modle: {} }, 'modle', 'model'],
      [{ ...minimal, output: { trace: true } }, 'output.trace', 'traces'],
    ];
    for (const [config, field, suggestion] of cases) {
      const err = configError(() => resolveExperiment(config, 'my.yaml'));
      expect([err.code, err.field]).toEqual(['ERR_DLN_CONFIG', field]);
      expect(err.message).toContain(`${field}: unknown key (did you mean ${suggestion}?)`);
    }
  });

  test('--set with a misspelt path says the same', () => {
    const err = configError(() => resolveExperiment(minimal, 'my.yaml', { overrides: ['train.lerningRate=0.1'] }));
    expect(err.field).toBe('train.lerningRate');
    expect(err.message).toContain('(did you mean learningRate?)');
    const top = configError(() => resolveExperiment(minimal, 'my.yaml', { overrides: ['trian.steps=3'] }));
    expect(top.message).toContain('trian: unknown key (did you mean train?)');
  });

  test('--set on a field a sweep axis also sets is refused naming the axis; the axis itself can be set', () => {
    const swept = { ...minimal, sweep: [{ 'train.learningRate': [0.01, 0.02], 'train.steps': [20, 10] }, { 'init.scale': [0.1, 0.2] }] };
    const err = configError(() => resolveExperiment(swept, 'my.yaml', { overrides: ['train.learningRate=0.05'] }));
    expect([err.code, err.field]).toEqual(['ERR_DLN_CONFIG', 'train.learningRate']);
    expect(err.message).toContain('sweep[0] varies train.learningRate');
    // A parent path replaces the swept field too; a swept parent replaces a child override.
    expect(configError(() => resolveExperiment(swept, 'my.yaml', { overrides: ['init={scale: 0.3}'] })).message).toContain(
      'sweep[1] varies init.scale',
    );
    expect(
      configError(() => resolveExperiment({ ...minimal, sweep: [{ repetitions: [1, 2] }] }, 'my.yaml', { overrides: ['repetitions=3'] })).field,
    ).toBe('repetitions');
    // The preset of the issue: its learning-rate axis.
    expect(
      configError(() => resolveExperiment({ extends: 'marion-chizat-fig1' }, 'x.yaml', { overrides: ['train.learningRate=0.05'] })).message,
    ).toMatch(/sweep\[\d\] varies train\.learningRate/);
    // What the message suggests works, and fields no axis sets are fine.
    const ok = resolveExperiment(swept, 'my.yaml', {
      overrides: ['sweep[0][train.learningRate]=[0.05, 0.06]', 'train.recordEvery=2', 'init.kind=gaussian'],
    });
    expect(buildPlan(ok.experiment).runs.map((r) => r.values['train.learningRate'])).toEqual([0.05, 0.05, 0.06, 0.06]);
  });

  test('error paths: the whole path, brackets for dotted keys (issue 12 item 18)', () => {
    const past = configError(() => resolveExperiment({ ...minimal, sweep: [{ 'init.scale': [0.1] }] }, 'my.yaml', { overrides: ['sweep.5=3'] }));
    expect(past.field).toBe('sweep[5]');
    expect(past.message).toMatch(/^sweep\[5\]: index 5 is past the end of sweep \(length 1\)$/);
    const dotted = configError(() => resolveExperiment({ ...minimal, sweep: [{ 'init.scale': 'x' }] }, 'my.yaml'));
    expect(dotted.field).toBe('sweep[0][init.scale]');
    expect(() => setPath({ a: [[]] }, 'a.0.3', 1)).toThrow(/^a\[0\]\[3\]: index 3 is past the end of a\[0\] \(length 0\)$/);
  });
});

describe('the pipeline and the API given bad types (issue 12 item 18)', () => {
  const p = regression();
  test('train(p, w, null) and friends: DlnErrors naming the argument', async () => {
    const expectCode = async (fn: () => unknown, code: string, field: string) => {
      const e = (await caught(fn)) as DlnError;
      expect(e).toBeInstanceOf(DlnError);
      expect([e.code, e.field]).toEqual([code, field]);
    };
    await expectCode(() => train(p, w0, null as never), 'ERR_DLN_TYPE', 'options');
    await expectCode(() => train(p, w0, undefined as never), 'ERR_DLN_TYPE', 'options');
    await expectCode(() => train(null as never, w0, { learningRate: 0.1, steps: 1 }), 'ERR_DLN_TYPE', 'problem');
    await expectCode(() => flow(p, w0, 5 as never), 'ERR_DLN_TYPE', 'options');
    await expectCode(() => train(p, w0, { learningRate: 0.1, steps: 1, record: 'loss' as never }), 'ERR_DLN_TYPE', 'options.record');
    await expectCode(() => train(p, w0, { learningRate: 0.1, steps: 1, record: ['loss', 3 as never] }), 'ERR_DLN_TYPE', 'options.record[1]');
    await expectCode(() => initWeights([3, 2, 1], { kind: 5 as never }), 'ERR_DLN_TYPE', 'options.kind');
    // The binding alone names the field once (it said options.options.kind).
    await expectCode(() => callNative(() => native().initWeights({ widths: [3, 2, 1] }, { kind: 5 })), 'ERR_DLN_TYPE', 'options.kind');
    await expectCode(() => runExperiment('marion-chizat-fig1', null as never), 'ERR_DLN_TYPE', 'options');
    await expectCode(() => runExperiment('marion-chizat-fig1', { out: 5 } as never), 'ERR_DLN_TYPE', 'options.out');
    await expectCode(() => runExperiment('marion-chizat-fig1', {} as never), 'ERR_DLN_TYPE', 'options.out');
    await expectCode(() => runExperiment(5 as never, { out: os.tmpdir() }), 'ERR_DLN_CONFIG', undefined as never);
    await expectCode(() => mergeResults(null as never), 'ERR_DLN_TYPE', 'dirs');
    await expectCode(() => mergeResults('dir' as never), 'ERR_DLN_TYPE', 'dirs');
    await expectCode(() => mergeResults([5] as never), 'ERR_DLN_TYPE', 'dirs[0]');
    await expectCode(() => buildReport(null as never), 'ERR_DLN_TYPE', 'out');
    await expectCode(() => buildPlan(null as never), 'ERR_DLN_CONFIG', '(root)');
    await expectCode(() => buildPlan({ name: 'x' } as never), 'ERR_DLN_CONFIG', 'data');
    const ok = resolveExperiment(
      { name: 't', data: { kind: 'marion-chizat' }, model: { depth: 2 }, train: { learningRate: 0.1, steps: 1 } },
      't',
    ).experiment;
    await expectCode(() => buildPlan({ ...ok, sweep: [{ 'init.scale': [1] }, {}] } as never), 'ERR_DLN_CONFIG', 'sweep[1]');
  });

  test('invalid shard objects are errors, not a silent slice', async () => {
    const bad: [unknown, string, string][] = [
      [{ index: 2, count: 2 }, 'ERR_DLN_VALUE', 'options.shard.index'],
      [{ index: -1, count: 2 }, 'ERR_DLN_VALUE', 'options.shard.index'],
      [{ index: 0, count: 0 }, 'ERR_DLN_VALUE', 'options.shard.count'],
      [{ index: 0.5, count: 2 }, 'ERR_DLN_VALUE', 'options.shard.index'],
      [{ index: 0 }, 'ERR_DLN_TYPE', 'options.shard.count'],
      ['0/2', 'ERR_DLN_TYPE', 'options.shard'],
    ];
    for (const [shard, code, field] of bad) {
      const e = (await caught(() =>
        runExperiment('marion-chizat-fig1', { out: path.join(os.tmpdir(), 'never-written'), shard } as never),
      )) as DlnError;
      expect([shard, e.code, e.field]).toEqual([shard, code, field]);
    }
    expect(fs.existsSync(path.join(os.tmpdir(), 'never-written'))).toBe(false);
  });

  test('trace.scalar and trace.vector of a missing column: a DlnError listing the columns', async () => {
    const r = await train(p, w0, { learningRate: 0.1, steps: 2, record: ['loss', 'layerNorms'] });
    const e = (await caught(() => r.trace.scalar('los'))) as DlnError;
    expect([e.code, e.field]).toEqual(['ERR_DLN_VALUE', 'name']);
    expect(e.message).toBe("name: the trace has no column 'los' (did you mean loss?) (columns: step, time, loss, layerNorms)");
    expect(((await caught(() => r.trace.vector('x'))) as DlnError).code).toBe('ERR_DLN_VALUE');
    expect(((await caught(() => r.trace.scalar('layerNorms'))) as DlnError).message).toMatch(/use vector\(\)/);
    expect(((await caught(() => r.trace.scalar(5 as never))) as DlnError).code).toBe('ERR_DLN_TYPE');
  });
});

describe('expression names are looked up in own properties only (issue 12 item 15)', () => {
  const inherited = [
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'valueOf',
    'isPrototypeOf',
    '__defineGetter__',
    'propertyIsEnumerable',
  ];
  test('flow-event thresholds in a config: such a name is an unknown name, not a crash', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlnflow-names-'));
    try {
      for (const name of inherited) {
        const config = {
          name: 'names',
          data: { kind: 'marion-chizat', n: 8, d: 3 },
          model: { depth: 2 },
          train: { method: 'flow', tEnd: 1, events: [{ lossBelow: `0.5*${name}` }] },
        };
        const e = (await caught(() => runExperiment(config as never, { out: path.join(dir, name), report: false }))) as DlnError;
        expect([name, e?.code, e?.field]).toEqual([name, 'ERR_DLN_CONFIG', 'train.events[0].lossBelow']);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('recordResolver and the report resolver see own properties only', () => {
    for (const name of inherited) {
      expect([name, evaluateExpression(`${name}+1`, recordResolver({ loss: 2 }))]).toEqual([name, null]);
      expect([name, evaluateExpression(`${name}+1`, recordResolver({ [name]: 2 }))]).toEqual([name, 3]);
    }
  });
});

describe('the README is generated from the declarations', () => {
  test('README.md holds the current option tables (npm run docs:options)', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(README_BEGIN);
    expect(withOptionsBlock(readme)).toBe(readme);
  });

  test('false case: a changed declaration makes the README stale', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const before = readmeOptionsBlock();
    const original = sharpnessFields.tol.doc;
    (sharpnessFields.tol as { doc: string }).doc = `${original} (changed)`;
    try {
      expect(readmeOptionsBlock()).not.toBe(before);
      expect(withOptionsBlock(readme)).not.toBe(readme);
    } finally {
      (sharpnessFields.tol as { doc: string }).doc = original;
    }
  });

  test('every declared option of train, flow and the sharpness options is in the README, with its default', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const fields of [gdFields, flowFields, sharpnessFields]) {
      for (const [key, s] of Object.entries(fields)) {
        expect(readme).toContain(`| \`${key}\` |`);
        if (s.kind === 'number' || s.kind === 'integer') expect(readme).toContain(rangeText(s).replace(/\|/g, '\\|'));
      }
    }
  });
});

describe('the declarations are the types, the config schema and the CLI help', () => {
  test('TypeScript types come from the declarations', () => {
    const ok: TrainOptions = { learningRate: 0.1, steps: 3, sharpness: { method: 'power', k: 1 }, record: ['loss', 'sharpness'] };
    // @ts-expect-error a quantity name is a closed union: a misspelt one is a type error
    const misspelt: TrainOptions = { learningRate: 0.1, steps: 3, record: ['sharpnes'] };
    // @ts-expect-error learningRate is required
    const missing: TrainOptions = { steps: 3 };
    // @ts-expect-error an unknown key is a type error too
    const typo: TrainOptions = { learningRate: 0.1, steps: 3, recordEvry: 1 };
    // @ts-expect-error a method that does not exist
    const method: SharpnessOptions = { method: 'arnoldi' };
    const events: FlowOptions = { tEnd: Infinity, events: { lossBelow: 0.1 } };
    expect([ok, misspelt, missing, typo, method, events].length).toBe(6);
  });

  test('QUANTITIES (the closed union Quantity) is the list of names the core knows', async () => {
    const err = await train(regression(), w0, { learningRate: 0.1, steps: 1, record: ['nope' as Quantity] }).then(
      () => null,
      (e: Error) => e,
    );
    const known = /\(known: ([^)]*)\)/.exec(err!.message)![1].split(', ');
    expect([...QUANTITIES].sort()).toEqual([...known].sort());
  });

  test('the config schema carries the declared defaults, bounds and docs (dlnflow schema)', () => {
    const out = execFileSync(process.execPath, [path.join(ROOT, 'bin', 'dlnflow.js'), 'schema'], { encoding: 'utf8' });
    const schema = JSON.parse(out) as { properties: Record<string, { properties: Record<string, Record<string, unknown>> }> };
    const t = schema.properties.train.properties;
    expect(t.recordPerDecade.maximum).toBe(1000);
    expect(String(t.recordPerDecade.description)).toContain(gdFields.recordPerDecade.doc);
    expect(String(t.rtol.description)).toContain('flow: ');
    expect(String(t.rtol.description)).toContain('(default 0.000001)');
    expect(t.maxStep).toBeDefined(); // a flow option configs lacked before the declarations
  });

  test('CLI help states the declared docs and defaults', () => {
    const help = execFileSync(process.execPath, [path.join(ROOT, 'bin', 'dlnflow.js'), 'inspect', '--help'], { encoding: 'utf8' }).replace(
      /\s+/g,
      ' ',
    );
    expect(help).toContain('(default: 1e-10)');
    expect(help).toContain('relative Ritz residual');
  });

  test('closest: the typo threshold', () => {
    expect(closest('recordEvry', ['recordEvery', 'record'])).toBe('recordEvery');
    expect(closest('lossbelow', ['lossBelow'])).toBe('lossBelow');
    expect(closest('x', ['k', 'tol'])).toBe('k');
    expect(closest('zzzzzz', ['kind', 'scale'])).toBeUndefined();
    expect(closest('tEdn', ['tEnd'])).toBe('tEnd'); // a transposition is one edit
  });
});

describe('importing the training API does not load zod', () => {
  test('api, options declarations and checks only', () => {
    const script = [
      "require('./dist/api/train'); require('./dist/api/flow'); require('./dist/api/spectrum'); require('./dist/api/init'); require('./dist/api/data');",
      'const loaded = Object.keys(require.cache);',
      "process.stdout.write(JSON.stringify({ zod: loaded.some((m) => m.includes('node_modules/zod')), options: loaded.filter((m) => m.includes('dist/options/')).length }));",
    ].join('\n');
    const r = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' })) as { zod: boolean; options: number };
    expect(r.zod).toBe(false);
    expect(r.options).toBeGreaterThan(3);
    // False case: the config layer does load it.
    const withSchema = execFileSync(
      process.execPath,
      [
        '-e',
        "require('./dist/experiments/schema'); process.stdout.write(String(Object.keys(require.cache).some((m) => m.includes('node_modules/zod'))))",
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(withSchema).toBe('true');
  });
});
