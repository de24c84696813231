/**
 * jacot-fig2's gradient flow beside GD: the time-shift tolerant comparison (plateau losses and ranks,
 * escape times) and the finding built on it, fed true and false cases on synthetic staircases.
 */
import { compareWithFlow, firstPassage, followsFlowFinding, logTimes, type FlowComparison } from '../lib/papers/jacot/fig2';

const ETA = 1e-3;
const TIME_TOL = Math.pow(10, 1 / 50) - 1; // one record interval at 50 per decade (4.7%)

/**
 * A loss staircase on GD's log-spaced record times: plateaus at `levels`, escapes (steep sigmoids
 * in log t) at `escapes`; the rank is the number of escapes passed; the sharpness ramps to `sMax`.
 */
function staircase(time: number[], levels: number[], escapes: number[], sMax = 1500) {
  const loss = time.map((t) => {
    let logL = Math.log(levels[0]);
    escapes.forEach((e, k) => {
      const x = (Math.log(Math.max(t, 1e-12)) - Math.log(e)) / 0.01;
      logL += (Math.log(levels[k + 1]) - Math.log(levels[k])) / (1 + Math.exp(-x));
    });
    return Math.exp(logL);
  });
  const rank = time.map((t) => escapes.filter((e) => t >= e).length);
  const sharpness = time.map((t) => 8 + (sMax - 8) * Math.min(1, t / escapes[0]));
  return { loss, rank, sharpness };
}

const time = logTimes(ETA, 100, 50);
const LEVELS = [1338, 420, 68, 1.86, 0.04];
const ESCAPES = [0.3, 0.6, 1.5, 20];

function compare(gd: ReturnType<typeof staircase>, flow: ReturnType<typeof staircase>): FlowComparison {
  return {
    time,
    gdLoss: gd.loss,
    flowLoss: flow.loss,
    gdRank: gd.rank,
    flowRank: flow.rank,
    gdSharpness: gd.sharpness,
    flowSharpness: flow.sharpness,
  };
}

const judge = (c: FlowComparison) => followsFlowFinding(4, ETA, 100, compareWithFlow(c, ETA, 1e-6), 0.01, TIME_TOL);

describe('GD against its eta -> 0 limit, time-shift tolerant', () => {
  test('firstPassage interpolates in (log t, log loss): exact on a power law', () => {
    const t = [1, 2, 4, 8];
    const l = t.map((x) => 100 * Math.pow(x, -2));
    expect(firstPassage(t, l, 100 * Math.pow(3, -2))).toBeCloseTo(3, 12);
    expect(firstPassage(t, l, 25)).toBe(2);
    expect(firstPassage(t, l, 1)).toBeNull();
  });

  test('GD on the flow, shifted 1% at a steep drop: passes although the pointwise loss gap is large there', () => {
    const flow = staircase(time, LEVELS, ESCAPES);
    const gd = staircase(
      time,
      LEVELS,
      ESCAPES.map((e) => e * 1.01),
    );
    // The old pointwise measure: far beyond 10% at the drops.
    const pointwise = Math.max(...time.map((_, i) => Math.abs(gd.loss[i] / flow.loss[i] - 1)));
    expect(pointwise).toBeGreaterThan(0.5);
    const m = compareWithFlow(compare(gd, flow), ETA, 1e-6);
    expect(m.plateaus.length).toBe(5); // the four saddles and the final stretch
    expect(m.escapes.length).toBe(4);
    // Located to the record spacing: a drop within one interval is interpolated across it.
    for (const e of m.escapes) expect(Math.abs(e.shift - 0.01)).toBeLessThan(TIME_TOL);
    const f = judge(compare(gd, flow));
    expect(f.pass).toBe(true);
    expect(f.id).toBe('gd-follows-flow-L4');
    expect(f.observed).toMatch(/stays below 2\/eta = 2000 up to t = 100/);
  });

  test('false cases: a late escape, a different plateau, a different rank sequence, too few escapes', () => {
    const flow = staircase(time, LEVELS, ESCAPES);
    // GD escapes the rank-1 saddle 10% later (a perturbed trajectory).
    const late = staircase(time, LEVELS, [0.3, 0.66, 1.5, 20]);
    expect(judge(compare(late, flow)).pass).toBe(false);
    // GD's rank-2 plateau 3% above the flow's.
    const higher = staircase(time, [1338, 420, 70, 1.86, 0.04], ESCAPES);
    expect(judge(compare(higher, flow)).pass).toBe(false);
    // Same losses, but GD's rank jumps 0 -> 2.
    const skipped = staircase(time, LEVELS, ESCAPES);
    skipped.rank = skipped.rank.map((r) => (r === 1 ? 2 : r));
    expect(judge(compare(skipped, flow)).pass).toBe(false);
    // A single saddle: nothing shown.
    const one = staircase(time, [1338, 420], [0.3]);
    expect(judge(compare(one, one)).pass).toBe(false);
  });

  test("below the flow's accuracy floor (rtol^2 L(0)) the runs are not compared; above it they are", () => {
    // Both fit the data and stop at their own floors (flow 1e-22, GD 5e-28) after t = 50.
    const floors = [...LEVELS, 1e-22];
    const flow = staircase(time, floors, [...ESCAPES, 50]);
    const gd = staircase(time, [...LEVELS, 5e-28], [...ESCAPES, 50]);
    const m = compareWithFlow(compare(gd, flow), ETA, 1e-6);
    expect(m.lossFloor).toBeCloseTo(1338e-12, 20);
    expect(m.plateaus.every((p) => p.flowLoss > m.lossFloor)).toBe(true);
    expect(judge(compare(gd, flow)).pass).toBe(true);
    // False case: the same floors, but judged without one (rtol 1e-30) compares the floors and fails.
    expect(followsFlowFinding(4, ETA, 100, compareWithFlow(compare(gd, flow), ETA, 1e-30), 0.01, TIME_TOL).pass).toBe(false);
  });

  test('where the flow passes 2/eta: compared before it, and GD must be less sharp after it', () => {
    const flow = staircase(time, LEVELS, ESCAPES, 2950);
    const gdFollowsThenFlat = staircase(time, LEVELS, ESCAPES, 2950);
    gdFollowsThenFlat.sharpness = gdFollowsThenFlat.sharpness.map((s) => Math.min(s, 1990));
    const m = compareWithFlow(compare(gdFollowsThenFlat, flow), ETA, 1e-6);
    expect(m.tCross).not.toBeNull();
    expect(m.tCross!).toBeLessThan(0.3);
    const f = followsFlowFinding(4, ETA, 100, m, 0.01, TIME_TOL);
    expect(f.observed).toMatch(/passes 2\/eta at t = /);
    // Before the crossing there is no escape to compare: too few escapes, so this fails...
    expect(f.pass).toBe(false);
    // ...and with the crossing after the second escape it passes, but not if GD is as sharp as the flow after it.
    const lateCross = (g: ReturnType<typeof staircase>) => ({
      ...g,
      sharpness: time.map((t) => (t < 1 ? 1500 : 2950)),
    });
    const fl = lateCross(flow);
    const gdLess = { ...lateCross(flow), sharpness: time.map((t) => (t < 1 ? 1500 : 1990)) };
    expect(judge(compare(gdLess, fl)).pass).toBe(true);
    expect(judge(compare(lateCross(flow), fl)).pass).toBe(false);
  });

  test("the flow's rows are GD's log-spaced recorded times (RecordSchedule)", () => {
    const t = logTimes(1e-3, 60, 20);
    expect(t.slice(0, 3)).toEqual([1e-3, 2e-3, 3e-3]);
    expect(t.every((v, i) => i === 0 || v > t[i - 1])).toBe(true);
    expect(t.at(-1)).toBeLessThan(60);
    // Every time is eta * an integer step.
    for (const v of t) expect(Math.abs(v / 1e-3 - Math.round(v / 1e-3))).toBeLessThan(1e-9);
  });
});
