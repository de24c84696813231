// DLNFLOW_CPU (src/kernels/cpu_dispatch.hpp): read when the addon loads, reported by
// buildInfo().cpuLevel, recorded in run metadata; unknown and unsupported values are refused with
// ERR_DLN_VALUE naming it. Each case loads the addon in a fresh process (the level is fixed at load).
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { buildInfo } from '../lib';

const root = path.resolve(__dirname, '..');

function load(value: string | undefined): { level?: string; levels?: string[]; code?: string; message?: string; sum?: string } {
  const env = { ...process.env };
  delete env.DLNFLOW_CPU;
  if (value !== undefined) env.DLNFLOW_CPU = value;
  const script = `
    const d = require(${JSON.stringify(path.join(root, 'dist', 'index.js'))});
    try {
      const info = d.buildInfo();
      const data = d.marionChizatData({ n: 50, d: 5, seed: 0 });
      const widths = [5, 5, 5, 5, 5, 5, 1];
      const p = d.Problem.regression({ X: data.X, y: data.y, widths });
      const w = d.initWeights(widths, { scale: 0.3, seed: 1 });
      const hv = d.hessianVectorProduct(p, w, w);
      const sum = Buffer.from(new Float64Array(hv).buffer).toString('base64');
      console.log(JSON.stringify({ level: info.cpuLevel, levels: info.cpuLevels, sum }));
    } catch (e) {
      console.log(JSON.stringify({ code: e.code, message: e.message }));
    }`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8' }));
}

describe('CPU level (DLNFLOW_CPU)', () => {
  const levels = buildInfo().cpuLevels;

  test('default is baseline; buildInfo lists the supported levels', () => {
    expect(buildInfo().cpuLevel).toBe(process.env.DLNFLOW_CPU ?? 'baseline');
    expect(levels[0]).toBe('baseline');
    const unset = load(undefined);
    expect(unset.level).toBe('baseline');
    expect(load('').level).toBe('baseline');
    expect(load('baseline').sum).toBe(unset.sum);
  });

  test('each supported level is honoured; best is the last one listed', () => {
    const base = load('baseline');
    for (const level of levels) {
      const r = load(level);
      expect(r.level).toBe(level);
      // False case for "the level is applied": a wider level rounds differently (FMA), so a
      // Hessian-vector product differs somewhere in its bits.
      if (level !== 'baseline') expect(r.sum).not.toBe(base.sum);
    }
    expect(load('best').level).toBe(levels[levels.length - 1]);
  });

  test('unknown and unsupported levels are refused with ERR_DLN_VALUE naming DLNFLOW_CPU', () => {
    for (const bad of ['avx3', 'AVX2', ' baseline', 'sse2']) {
      const r = load(bad);
      expect(r.code).toBe('ERR_DLN_VALUE');
      expect(r.message).toMatch(/^DLNFLOW_CPU: expected baseline, avx2, avx512 or best/);
    }
    for (const level of ['avx2', 'avx512'].filter((l) => !levels.includes(l as never))) {
      const r = load(level);
      expect(r.code).toBe('ERR_DLN_VALUE');
      expect(r.message).toContain(`level "${level}" is not supported`);
    }
  });
});
