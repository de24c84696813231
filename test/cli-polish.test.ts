/**
 * The command line's newcomer paths: "did you mean" for a misspelt preset (run,
 * plan, config, presets, extends), `plan all`, `dlnflow config` printing the resolved config (a
 * config itself: saved, it plans the same), and `dlnflow presets NAME` without YAML anchors.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';
import { main } from '../lib/cli/main';
import { findPreset, presets } from '../lib/papers';

const root = mkdtempSync(path.join(tmpdir(), 'dlnflow-cli-polish-'));

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (stdout.push(String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => (stderr.push(String(s)), true));
  try {
    const code = await main(['node', 'dlnflow', ...args]);
    return { code, stdout: stdout.join(''), stderr: stderr.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

describe('did you mean', () => {
  test.each([
    [['run', 'marion-chizat-fig11', '--out', path.join(root, 'never')], 'marion-chizat-fig1'],
    [['plan', 'jacot-fg2'], 'jacot-fig2'],
    [['config', 'Jacot-Greedy'], 'jacot-greedy'],
    [['presets', 'marion-chizat-fig3-trace'], 'marion-chizat-fig3-traces'],
  ])('%j', async (args, near) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`(did you mean ${near}?)`);
  });

  test('in extends, and nothing offered for a name close to no preset', async () => {
    const file = path.join(root, 'typo.yaml');
    writeFileSync(file, 'extends: marion-chizat-fig-1\nname: mine\n');
    expect((await cli(['plan', file])).stderr).toMatch(/extends: no preset named "marion-chizat-fig-1" \(did you mean marion-chizat-fig1\?\)/);
    const far = await cli(['plan', 'resnet50']);
    expect(far.code).toBe(2);
    expect(far.stderr).not.toMatch(/did you mean/);
    expect(far.stderr).toMatch(/neither a preset nor a \.yaml\/\.yml\/\.json file \(see `dlnflow presets`\)/);
  });
});

test('plan all: one line per preset and a total; --json an array', async () => {
  const r = await cli(['plan', 'all', '--quick']);
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(presets.length + 1);
  presets.forEach((p, i) => expect(lines[i]).toMatch(new RegExp(`^${p.name}: \\d+ runs over \\d+ grid points; .*plan [0-9a-f]{16}$`)));
  const json = JSON.parse((await cli(['plan', 'all', '--quick', '--json'])).stdout) as { name: string; runs: number }[];
  expect(json.map((j) => j.name)).toEqual(presets.map((p) => p.name));
  expect(lines.at(-1)).toBe(`all: ${json.reduce((n, j) => n + j.runs, 0)} runs in ${presets.length} presets`);
  const one = JSON.parse((await cli(['plan', 'jacot-fig2', '--json'])).stdout);
  expect(one.name).toBe('jacot-fig2');
});

test('dlnflow config: the resolved config, every default in; saved to a file it plans the same', async () => {
  const args = ['marion-chizat-fig1-traces', '--quick', '--set', 'train.sharpness.k=2'];
  const r = await cli(['config', ...args]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^# resolved from preset marion-chizat-fig1-traces --quick --set train\.sharpness\.k=2\n# plan [0-9a-f]{16}: \d+ runs\n/);
  const parsed = YAML.parse(r.stdout);
  expect(parsed.train.sharpness).toMatchObject({ k: 2, method: 'lanczos' });
  // Defaults the preset does not write.
  expect(findPreset('marion-chizat-fig1-traces')!.config).not.toHaveProperty('model.l2');
  expect(parsed.model).toMatchObject({ l2: 0, projection: 'none' });
  expect(parsed.quick).toBeUndefined();
  const file = path.join(root, 'resolved.yaml');
  writeFileSync(file, r.stdout);
  const hash = (out: string) => /plan ([0-9a-f]{16})/.exec(out)![1];
  const planned = await cli(['plan', ...args]);
  expect(hash((await cli(['plan', file])).stdout)).toBe(hash(planned.stdout));
  expect(hash(r.stdout)).toBe(hash(planned.stdout));
  // --json: the same config.
  expect(JSON.parse((await cli(['config', ...args, '--json'])).stdout)).toEqual(parsed);
});

test('dlnflow presets NAME: YAML without anchors, equal to the preset', async () => {
  let withAnchors = 0;
  for (const p of presets) {
    const r = await cli(['presets', p.name]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/(^|\s)[&*][A-Za-z]\w*/m);
    expect(YAML.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(findPreset(p.name)!.config)));
    // The false case: YAML's default would write anchors for these presets.
    if (/(^|\s)[&*]a\d+/m.test(YAML.stringify(p.config))) withAnchors++;
  }
  expect(withAnchors).toBeGreaterThan(3);
});
