/** jacot-fig2's gradient flow beside GD: the finding that says where GD leaves the flow, fed true and false cases. */
import { leavesFlowFinding, logTimes } from '../lib/papers/jacot/fig2';

describe('where GD leaves the flow (S > 2/eta)', () => {
  test('a crossing: GD close before, less sharp after', () => {
    expect(leavesFlowFinding(4, 1e-3, 1500, 0.6, 0.01, 1990, 2950).pass).toBe(true);
    expect(leavesFlowFinding(4, 1e-3, 1500, 0.6, 0.01, 1990, 2950).observed).toMatch(/passes 2\/eta at t = 0\.6/);
    // False cases: GD far from the flow before the crossing; GD as sharp as the flow after it.
    expect(leavesFlowFinding(4, 1e-3, 1500, 0.6, 0.2, 1990, 2950).pass).toBe(false);
    expect(leavesFlowFinding(4, 1e-3, 1500, 0.6, 0.01, 2950, 2950).pass).toBe(false);
    expect(leavesFlowFinding(4, 1e-3, 1500, 0.6, 0.01, null, 2950).pass).toBe(false);
  });
  test('no crossing: GD follows the flow over the whole horizon', () => {
    expect(leavesFlowFinding(4, 1e-3, 60, null, 0.052, null, null).pass).toBe(true);
    expect(leavesFlowFinding(4, 1e-3, 60, null, 0.3, null, null).pass).toBe(false);
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
