/**
 * OUT/experiment.json, the manifest of a results directory: what was run (the resolved config,
 * its plan hash, the package and BLAS that ran it), deterministic (no dates), the same for every
 * shard. Written before the first run; the report and merge read it back.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildInfo } from '../api/system';
import { DlnError } from '../errors';
import type { LoadedExperiment } from './config';
import type { Plan } from './plan';
import type { Experiment } from './schema';
import { ensureDir, readJson, runsDir, writeFileAtomic } from './store';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const pkg = require('../../package.json') as { name: string; version: string };

export interface Manifest {
  format: 1;
  name: string;
  preset: string | null;
  source: string;
  quick: boolean;
  overrides: string[];
  planHash: string;
  runs: number;
  axes: string[];
  package: { name: string; version: string };
  blasVendor: string;
  config: Experiment;
}

export function manifestOf(loaded: LoadedExperiment, plan: Plan): Manifest {
  return {
    format: 1,
    name: loaded.experiment.name,
    preset: loaded.preset ?? null,
    source: loaded.source,
    quick: loaded.quick,
    overrides: loaded.overrides,
    planHash: plan.hash,
    runs: plan.runs.length,
    axes: plan.axes,
    package: { name: pkg.name, version: pkg.version },
    blasVendor: buildInfo().blasVendor,
    config: loaded.experiment,
  };
}

export function readManifest(out: string): Manifest | undefined {
  const p = join(out, 'experiment.json');
  return existsSync(p) ? readJson<Manifest>(p) : undefined;
}

/** Creates OUT (or checks that it holds this very plan) and writes the manifest and plan. */
export function prepareOut(out: string, manifest: Manifest, plan: Plan): void {
  const existing = readManifest(out);
  if (existing && existing.planHash !== manifest.planHash) {
    throw new DlnError(
      'ERR_DLN_CONFIG',
      `${out} holds another experiment ("${existing.name}", plan ${existing.planHash}; this one is plan ${manifest.planHash}): ` +
        'choose a new --out, or delete that directory to start over',
      { field: 'out' },
    );
  }
  ensureDir(runsDir(out));
  if (plan.experiment.output.traces) ensureDir(join(out, 'traces'));
  if (plan.experiment.output.weights) ensureDir(join(out, 'weights'));
  writeFileAtomic(join(out, 'experiment.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileAtomic(join(out, 'plan.jsonl'), plan.runs.map((r) => JSON.stringify(r)).join('\n') + '\n');
}
