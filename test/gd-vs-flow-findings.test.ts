/**
 * marion-chizat-gd-vs-flow's findings (lib/papers/marion-chizat/gd-vs-flow.ts) on hand-made runs:
 * each claim holds on runs shaped like the measured ones and fails on a false case (a rise of
 * gfsSharpness, GD away from its flow's limit, a flow that does not conserve the imbalance, GD
 * growing it or shrinking it less at a larger η).
 */
import { gdVsFlowFindings, maxRise, type GdFlowEta, type GdFlowRun } from '../lib/papers/marion-chizat/gd-vs-flow';

const run = (r: Partial<GdFlowRun> = {}): GdFlowRun => ({
  rep: 0,
  gfsMaxRise: 1e-8,
  gfsStart: 26.6,
  gfsEnd: 26.5,
  gd: { sharpness: 26.5, weightNorm: 4.9, imbalance0: 1.71, imbalance: 1.705 },
  flow: { sharpness: 26.6, weightNorm: 4.91, imbalance0: 1.71, imbalance: 1.71 },
  ...r,
});
// η = 0.05: the flow's limit (26.6) below 2/η = 40; η = 0.1: above 2/η = 20, GD shrinks the imbalance more.
const measured = (): GdFlowEta[] => [
  { eta: 0.05, runs: [run(), run({ rep: 1 })] },
  { eta: 0.1, runs: [run({ gfsEnd: 21.3, gd: { sharpness: 29, weightNorm: 4.8, imbalance0: 1.71, imbalance: 1.37 } })] },
];
const byId = (etas: GdFlowEta[]) => Object.fromEntries(gdVsFlowFindings(etas).map((f) => [f.id, f.pass]));

describe('marion-chizat-gd-vs-flow findings', () => {
  test('maxRise: the largest relative rise between consecutive finite values', () => {
    expect(maxRise([3, 2, 2, 1])).toBe(0);
    expect(maxRise([3, 2, 2.2, 1])).toBeCloseTo(0.1, 12);
    expect(maxRise([3, NaN, 3.3])).toBeCloseTo(0.1, 12);
    expect(maxRise([3])).toBeNaN();
  });

  test('the measured shape passes every checked claim', () => {
    expect(byId(measured())).toEqual({
      'gfs-monotone': true,
      'gd-tracks-flow': true,
      'flow-conserves-imbalance': true,
      'gd-shrinks-imbalance': true,
      'end-points': null,
    });
  });

  test('false cases', () => {
    const m = measured();
    m[1].runs[0].gfsMaxRise = 1e-4;
    expect(byId(m)['gfs-monotone']).toBe(false);
    const t = measured();
    t[0].runs[1].gfsEnd = 25.9; // 2.6% below the flow's limit
    expect(byId(t)['gd-tracks-flow']).toBe(false);
    expect(byId([measured()[1]])['gd-tracks-flow']).toBe(false); // no run below the edge
    const c = measured();
    c[0].runs[0].flow!.imbalance = 1.7101;
    expect(byId(c)['flow-conserves-imbalance']).toBe(false);
    const g = measured();
    g[0].runs[0].gd!.imbalance = 1.72; // grows
    expect(byId(g)['gd-shrinks-imbalance']).toBe(false);
    const o = measured();
    o[1].runs[0].gd!.imbalance = 1.709; // shrinks, but less at η = 0.1 than at 0.05
    expect(byId(o)['gd-shrinks-imbalance']).toBe(false);
    expect(byId([])['gfs-monotone']).toBe(false);
  });
});
