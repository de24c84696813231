/**
 * Findings are claims about a preset's own sweep. A config that `extends` the preset and changes
 * its sweep gets them marked not applicable — a third state, never ✓ or ✗ — in the terminal, in
 * report.html and in summary.json; a config that changes the data keeps them (a claim that can
 * fail on other data), and the authors' Fig. 1d claim fails on seed 172's data.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { findPreset } from '../lib/papers';
import { referenceConfigs } from '../lib/papers/common';
import { marionChizatFig1 } from '../lib/papers/marion-chizat/fig1';
import { runExperiment } from '../lib/pipeline';
import { findingStatus, scopeFindings, valuesOver, type Finding } from '../lib/report/findings';
import { presetConfig } from './synthetic-results';

const dir = mkdtempSync(path.join(tmpdir(), 'dlnflow-scope-'));
const finding = (about?: string[]): Finding => ({ id: 'x', claim: 'c', observed: 'o', expected: 'e', pass: true, ...(about ? { about } : {}) });

describe('scopeFindings', () => {
  const full = presetConfig(marionChizatFig1);
  const quick = presetConfig(marionChizatFig1, { quick: true });
  const refs = referenceConfigs(marionChizatFig1);

  test('the references are the preset as run: full and --quick', () => {
    expect(refs).toHaveLength(2);
    expect(valuesOver(refs[0], 'init.scale')).toEqual(valuesOver(full, 'init.scale'));
    expect(valuesOver(refs[1], 'init.scale')).toEqual([0.25, 0.4, 0.5, 0.6]);
    expect(valuesOver(full, 'train.steps')).toEqual([40000, 10000, 4000, 4000, 2000]);
    expect(valuesOver(full, 'init.kind')).toEqual(['gaussian']);
    expect(valuesOver(full, 'repetitions')).toEqual([20, 20, 20, 20, 80]);
  });

  test('the preset itself, full or quick, and other data: applicable', () => {
    for (const config of [full, quick, presetConfig(marionChizatFig1, { overrides: ['data.source=seed', 'data.seed=172'] })]) {
      const [f] = scopeFindings([finding(), finding(['train.learningRate', 'init.scale'])], config, refs);
      expect(findingStatus(f)).toBe('pass');
    }
  });

  test('another sweep (or another value of what a finding is about): not applicable, never pass or fail', () => {
    const otherScales = presetConfig(marionChizatFig1, { overrides: ['sweep[1][init.scale]=[0.3, 0.5]'] });
    const otherSteps = presetConfig(marionChizatFig1, { overrides: ['sweep[0][train.steps]=[100, 100, 100, 100, 100]'] });
    for (const config of [otherScales, otherSteps]) {
      const [byDefault, aboutScales, aboutKind] = scopeFindings(
        [finding(), finding(['init.scale', 'train.steps']), finding(['init.kind'])],
        config,
        refs,
      );
      expect(findingStatus(byDefault)).toBe('not-applicable');
      expect(byDefault.pass).toBeNull();
      expect(findingStatus(aboutScales)).toBe('not-applicable');
      // A finding about something the change leaves alone still applies.
      expect(findingStatus(aboutKind)).toBe('pass');
    }
    const [f] = scopeFindings([finding()], otherScales, refs);
    expect(f.notApplicable).toMatch(/init\.scale = \[0\.25, .*\]; this experiment runs \[0\.3, 0\.5\]/);
    // A failed claim is not applicable either: it is about a sweep that did not run.
    const [failed] = scopeFindings([{ ...finding(), pass: false }], otherScales, refs);
    expect(findingStatus(failed)).toBe('not-applicable');
    // Repetitions are not part of the default scope.
    const fewer = presetConfig(marionChizatFig1, { overrides: ['sweep[0][repetitions]=[2, 2, 2, 2, 2]'] });
    expect(findingStatus(scopeFindings([finding()], fewer, refs)[0])).toBe('pass');
  });
});

describe('end to end', () => {
  test('a config extending a preset with another sweep: every finding is "–", in the terminal, summary.json and report.html', async () => {
    const file = path.join(dir, 'mine.yaml');
    writeFileSync(
      file,
      [
        'extends: marion-chizat-fig1-traces',
        'name: my-traces',
        'repetitions: 1',
        'train: {steps: 40}',
        'sweep:',
        '  - train.learningRate: [0.02, 0.1]',
        '  - init.scale: [0.35]',
      ].join('\n'),
    );
    const out = path.join(dir, 'mine');
    const outcome = await runExperiment(file, { out });
    const s = outcome.summary!;
    expect(s.findings.length).toBeGreaterThan(0);
    for (const f of s.findings) {
      expect(f.status).toBe('not-applicable');
      expect(f.pass).toBeNull();
    }
    expect((s as { text?: string }).text).toMatch(/– not applicable: .*init\.scale = 0\.3; this experiment runs 0\.35/);
    expect((s as { text?: string }).text).not.toMatch(/[✓✗]/);
    const json = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(json.findings.map((f: Finding) => f.status)).toEqual(s.findings.map(() => 'not-applicable'));
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/<tr class="na"><td><span class="na" title="not applicable">–<\/span>/);
    expect(html).not.toMatch(/class="(pass|fail)"/);
    // The statements of how the reproduction was made are in the report itself.
    expect(html).toMatch(/How this reproduction was made/);
    expect(html).toMatch(/float64/);
    expect(json.notes.join(' ')).toMatch(/float64/);
    expect(html).toMatch(/The bands of the sweep figures are the 95% percentile bootstrap interval/);
  });

  test("the authors' Fig. 1d claim fails on seed 172's data: `run marion-chizat-fig1-traces --set data.source=seed --set data.seed=172`", async () => {
    const out = path.join(dir, 'seed-172');
    const outcome = await runExperiment('marion-chizat-fig1-traces', { out, overrides: ['data.source=seed', 'data.seed=172'] });
    const failed = outcome.summary!.findings.filter((f) => f.status === 'fail');
    expect(failed.map((f) => f.id)).toContain('eos-0.1-0.3');
    expect(failed.find((f) => f.id === 'eos-0.1-0.3')!.observed).toMatch(/^\d+ of 20 runs oscillate \(the one drawn: no\)/);
    // The scoped preset is what the pipeline uses.
    expect(findPreset('marion-chizat-fig1-traces')!.findings).not.toBe(undefined);
  });
});
