/**
 * A results directory records the identity of its runs' normal draws (experiment.json `normals`,
 * buildInfo().normals; docs/algorithms.md §2.8): a resume or merge that would mix runs drawn with
 * the system's log (directories written before the draws had their own log) and runs drawn with
 * dlnflow's own log is refused with ERR_DLN_CONFIG naming `out`; the old directory can still be
 * merged and reported on its own. False case: the same directory with its identity intact resumes.
 */
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildInfo, mergeResults, runExperiment } from '../lib';
import type { ExperimentInput } from '../lib/experiments/schema';

const root = fs.mkdtempSync(path.join(tmpdir(), 'dlnflow-normals-'));
const read = (d: string, f: string) => fs.readFileSync(path.join(d, f), 'utf8');
const records = (d: string) =>
  fs
    .readdirSync(path.join(d, 'runs'))
    .map((f) => read(path.join(d, 'runs'), f))
    .join('');

const config: ExperimentInput = {
  name: 'normals-identity',
  data: { kind: 'marion-chizat', n: 20, d: 5, noise: 1 },
  model: { depth: 3 },
  init: { kind: 'gaussian', scale: 0.5 },
  train: { learningRate: 0.05, steps: 50, recordEvery: 0, record: ['loss'] },
  repetitions: 2,
};

// A copy of a finished directory whose manifest says its runs were drawn otherwise (`normals`
// absent: written before it was recorded).
function copyWithNormals(from: string, name: string, normals: string | undefined): string {
  const to = path.join(root, name);
  fs.cpSync(from, to, { recursive: true });
  const manifest = JSON.parse(read(to, 'experiment.json'));
  if (normals === undefined) delete manifest.normals;
  else manifest.normals = normals;
  fs.writeFileSync(path.join(to, 'experiment.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return to;
}

describe('the normal draws identity of a results directory', () => {
  const out = path.join(root, 'new');
  beforeAll(async () => {
    await runExperiment(config, { out });
  });

  test('buildInfo().normals is recorded in experiment.json', () => {
    expect(buildInfo().normals).toBe('polar-detlog-1');
    expect(JSON.parse(read(out, 'experiment.json')).normals).toBe(buildInfo().normals);
  });

  test('false case: a directory with this identity resumes (nothing to redo)', async () => {
    const before = records(out);
    await expect(runExperiment(config, { out })).resolves.toBeDefined();
    expect(records(out)).toBe(before);
  });

  test.each([
    ['written before the identity was recorded', undefined, 'polar-libm-log'],
    ['with another identity', 'polar-other-2', 'polar-other-2'],
  ])('a resume into a directory %s is refused, the directory untouched', async (_, normals, named) => {
    const old = copyWithNormals(out, `old-${named}`, normals);
    const manifest = read(old, 'experiment.json');
    const before = records(old);
    const err = await runExperiment(config, { out: old }).catch((e) => e);
    expect(err).toMatchObject({ code: 'ERR_DLN_CONFIG', field: 'out' });
    expect(err.message).toContain(old);
    expect(err.message).toContain(`"${named}"`);
    expect(err.message).toContain('polar-detlog-1');
    expect(err.message).toContain('new --out');
    expect(read(old, 'experiment.json')).toBe(manifest);
    expect(records(old)).toBe(before);
  });

  test('an old directory still merges and reports on its own; merged with a new one it is refused', async () => {
    const old = copyWithNormals(out, 'old-merge', undefined);
    await expect(mergeResults([old])).resolves.toBeDefined();
    expect(fs.existsSync(path.join(old, 'report.html'))).toBe(true);
    const err = await mergeResults([out, old], { out: path.join(root, 'mixed') }).catch((e) => e);
    expect(err).toMatchObject({ code: 'ERR_DLN_CONFIG', field: 'dirs' });
    expect(err.message).toContain(old);
    expect(err.message).toContain('polar-libm-log');
  });
});
