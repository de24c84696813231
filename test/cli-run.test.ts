/**
 * The experiment commands as a user runs them (the compiled bin): run with progress lines, a sweep
 * killed with SIGKILL halfway and restarted, shards from Slurm's variables merged, presets, schema.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const bin = path.resolve(__dirname, '..', 'bin', 'dlnflow.js');
const dir = mkdtempSync(path.join(tmpdir(), 'dlnflow-cli-run-'));
const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, CI: '1', ...env } });
const read = (d: string, f: string) => readFileSync(path.join(d, f), 'utf8');

const configFile = path.join(dir, 'sweep.yaml');
writeFileSync(
  configFile,
  `name: cli-sweep
data: {kind: marion-chizat, n: 50, d: 5}
model: {depth: 4}
train: {learningRate: 0.05, steps: 2000000, record: [loss, distance]}
repetitions: 6
sweep:
  - init.scale: [0.3, 0.4, 0.5, 0.6]
report:
  figures:
    - {kind: sweep, id: distance, x: init.scale, y: distance, yScale: log}
`,
);

describe('dlnflow run', () => {
  test('runs a config with plain progress lines (not a TTY), writes the report and says where', () => {
    const out = path.join(dir, 'plain');
    const r = run(['run', configFile, '--out', out, '--set', 'train.steps=2000']);
    expect(r.stderr).toMatch(/cli-sweep: 24\/24 runs \(100%\)/);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('ran 24 runs');
    expect(r.stdout).toContain(path.join(out, 'report.html'));
    expect(existsSync(path.join(out, 'figures', 'distance.svg'))).toBe(true);
  });

  test('a sweep killed with SIGKILL halfway restarts to every run exactly once, identical to an uninterrupted sweep', async () => {
    const reference = path.join(dir, 'reference');
    expect(run(['run', configFile, '--out', reference]).status).toBe(0);
    const out = path.join(dir, 'killed');
    // One worker thread: the runs' records come a unit at a time (16, then 8: lanes.ts), so the
    // kill lands between the units. With two threads both units ran at once and, in 8-wide lanes,
    // ended within milliseconds of each other: all 24 lines were there before the kill.
    const child = spawn(process.execPath, [bin, 'run', configFile, '--out', out], {
      stdio: 'ignore',
      env: { ...process.env, CI: '1', DLNFLOW_THREADS: '1' },
    });
    const file = path.join(out, 'runs', 'all.jsonl');
    const lines = () => (existsSync(file) ? read(out, 'runs/all.jsonl').split('\n').length - 1 : 0);
    const deadline = Date.now() + 60_000;
    while (lines() < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const before = lines();
    expect(before).toBeGreaterThanOrEqual(6);
    expect(before).toBeLessThan(24);
    expect(existsSync(path.join(out, 'results.jsonl'))).toBe(false);
    const again = run(['run', configFile, '--out', out, '--json']);
    expect(again.status).toBe(0);
    const outcome = JSON.parse(again.stdout);
    expect(outcome.resumed).toBe(before);
    expect(outcome.ran).toBe(24 - before);
    const ids = read(out, 'runs/all.jsonl')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).id);
    expect(new Set(ids).size).toBe(24);
    expect(ids).toHaveLength(24);
    for (const f of ['results.jsonl', 'aggregate.csv', 'summary.json']) expect(read(out, f)).toBe(read(reference, f));
  }, 120_000);

  test('shards from SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT, then merge', () => {
    const out = path.join(dir, 'slurm');
    for (const id of ['1', '2', '3']) {
      const r = run(['run', configFile, '--out', out, '--set', 'train.steps=2000'], {
        SLURM_ARRAY_TASK_ID: id,
        SLURM_ARRAY_TASK_COUNT: '3',
        SLURM_ARRAY_TASK_MIN: '1',
      });
      expect(r.status).toBe(0);
    }
    const m = run(['merge', out, '--json']);
    expect(m.status).toBe(0);
    expect(JSON.parse(m.stdout)).toMatchObject({ planned: 24, present: 24, missing: [] });
    const single = path.join(dir, 'single');
    run(['run', configFile, '--out', single, '--set', 'train.steps=2000']);
    expect(read(out, 'results.jsonl')).toBe(read(single, 'results.jsonl'));
  });

  test('merge reports missing runs and the shard that owes them, with exit code 3', () => {
    const out = path.join(dir, 'half');
    run(['run', configFile, '--out', out, '--set', 'train.steps=2000', '--shard', '0/2']);
    const m = run(['merge', out]);
    expect(m.status).toBe(3);
    expect(m.stderr).toContain('12 of 24 runs are missing (exit code 3)');
    expect(m.stdout).toContain('12/24 runs present');
    expect(m.stdout).toContain('owed by shard(s) 1/2');
  });

  test('bad input: an unknown preset, a bad override, a bad shard, a bad config field', () => {
    const a = run(['run', 'no-such-thing', '--out', path.join(dir, 'x')]);
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/neither a preset nor a \.yaml/);
    const b = run(['run', configFile, '--out', path.join(dir, 'y'), '--set', 'train.learningRate=-1']);
    expect(b.status).toBe(2);
    expect(b.stderr).toContain('train.learningRate');
    expect(b.stderr).toContain('[ERR_DLN_CONFIG]');
    const c = run(['run', configFile, '--out', path.join(dir, 'z'), '--shard', '3/3']);
    expect(c.status).toBe(2);
    expect(c.stderr).toContain('0 <= i < N');
  });
});

describe('dlnflow presets, plan and schema', () => {
  test('presets lists one line per preset; a preset prints as YAML that runs as a config', () => {
    const r = run(['presets']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(7);
    expect(lines[0]).toMatch(/^marion-chizat-fig1\s+Marion & Chizat Fig\. 1a,b and 2/);
    const yaml = run(['presets', 'marion-chizat-depth']);
    expect(yaml.stdout).toContain('name: marion-chizat-depth');
    const file = path.join(dir, 'depth.yaml');
    writeFileSync(file, yaml.stdout);
    const plan = run(['plan', file, '--quick', '--json']);
    expect(JSON.parse(plan.stdout)).toMatchObject({ name: 'marion-chizat-depth', runs: 3 * 13 * 6, axes: ['model.depth', 'train.learningRate'] });
  });

  test('schema prints a JSON Schema', () => {
    const r = run(['schema']);
    const schema = JSON.parse(r.stdout);
    expect(schema.$schema).toContain('json-schema.org');
    expect(schema.properties.train).toBeDefined();
  });
});
