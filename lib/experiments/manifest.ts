/**
 * OUT/experiment.json, the manifest of a results directory: what was run (the resolved config,
 * its plan hash, the SHA-256 of each problem file it reads, the package and BLAS that ran it),
 * deterministic (no dates), the same for every shard. It is checked and written under
 * OUT/experiment.json.lock before the first run, so of two experiments started together into one
 * directory exactly one claims it; the report and merge read it back.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildInfo } from '../api/system';
import { DlnError } from '../errors';
import type { LoadedExperiment } from './config';
import { MANIFEST_WAIT_MS, withLock, type LockOptions } from './lock';
import type { Plan, PlannedRun } from './plan';
import type { Experiment } from './schema';
import { readIfExistsSync } from '../util/atomic-write';
import { readJson, writeFileAtomic } from './store';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- package.json lies outside lib/ (tsconfig.build.json's rootDir): an import would pull it into dist/
const pkg = require('../../package.json') as { name: string; version: string };

/** Format 2: run ids carry the plan hash, records carry `plan`, problem files enter by content. */
export const MANIFEST_FORMAT = 2;

export interface Manifest {
  format: 2;
  name: string;
  preset: string | null;
  source: string;
  quick: boolean;
  overrides: string[];
  planHash: string;
  runs: number;
  axes: string[];
  /** SHA-256 of each problem file the plan reads, by (absolute) path. */
  dataFiles: Record<string, string>;
  package: { name: string; version: string };
  blasVendor: string;
  /**
   * The identity of the normal draws that made the runs (buildInfo().normals); absent in
   * directories written before it was recorded, whose draws used the system's log.
   */
  normals?: string;
  config: Experiment;
}

export function manifestOf(loaded: LoadedExperiment, plan: Plan): Manifest {
  return {
    format: MANIFEST_FORMAT,
    name: loaded.experiment.name,
    preset: loaded.preset ?? null,
    source: loaded.source,
    quick: loaded.quick,
    overrides: loaded.overrides,
    planHash: plan.hash,
    runs: plan.runs.length,
    axes: plan.axes,
    dataFiles: plan.dataFiles,
    package: { name: pkg.name, version: pkg.version },
    blasVendor: buildInfo().blasVendor,
    normals: buildInfo().normals,
    config: loaded.experiment,
  };
}

export function readManifest(out: string): Manifest | undefined {
  const p = join(out, 'experiment.json');
  if (!existsSync(p)) return undefined;
  const m = readJson<Partial<Manifest> & { format?: unknown; package?: { version?: string } }>(p);
  if (typeof m !== 'object' || m === null || typeof m.planHash !== 'string') {
    throw new DlnError('ERR_DLN_CONFIG', `${p} is not a dlnflow manifest (no planHash)`, { field: 'out' });
  }
  if (m.format !== MANIFEST_FORMAT) {
    throw new DlnError(
      'ERR_DLN_CONFIG',
      `${p} has format ${String(m.format)} (written by dlnflow ${m.package?.version ?? '?'}); this dlnflow reads format ${MANIFEST_FORMAT}, ` +
        'whose run ids carry the plan hash: rerun the experiment into a new directory',
      { field: 'out' },
    );
  }
  return { ...m, dataFiles: m.dataFiles ?? {} } as Manifest;
}

/** The message for a directory that holds another plan (naming a changed problem file when that is why). */
export function otherPlanError(out: string, existing: Manifest, manifest: Pick<Manifest, 'planHash' | 'name' | 'dataFiles'>, hint: string): DlnError {
  const changed = Object.entries(manifest.dataFiles).filter(
    ([path, hash]) => existing.dataFiles[path] !== undefined && existing.dataFiles[path] !== hash,
  );
  const why = changed.length ? `; the problem file ${changed.map(([p]) => p).join(', ')} has changed since those results were written` : '';
  return new DlnError(
    'ERR_DLN_CONFIG',
    `${out} holds another experiment ("${existing.name}", plan ${existing.planHash}); this one is "${manifest.name}", plan ${manifest.planHash}${why}: ${hint}`,
    { field: 'out' },
  );
}

/** What a manifest without `normals` drew with: the system's log (before it was recorded). */
export const LEGACY_NORMALS = 'polar-libm-log';

/**
 * Refuses to add runs to `out` when its runs were drawn with other normals (docs/algorithms.md
 * §2.8): the same seeds would give other data and initial weights, and the directory would mix two
 * streams. Reading, reporting and merging such a directory on its own stay possible.
 */
export function checkSameNormals(out: string, existing: Pick<Manifest, 'normals' | 'package'>, manifest: Pick<Manifest, 'normals'>): void {
  const theirs = existing.normals ?? LEGACY_NORMALS;
  const ours = manifest.normals ?? LEGACY_NORMALS;
  if (theirs === ours) return;
  throw new DlnError(
    'ERR_DLN_CONFIG',
    `${out} holds runs drawn with normals "${theirs}" (dlnflow ${existing.package?.version ?? '?'}); this dlnflow draws "${ours}" ` +
      '(the Gaussian draws changed: the same seeds give other data and initial weights, docs/algorithms.md §2.8): ' +
      'resuming would mix the two; rerun into a new --out (the old directory can still be reported and merged)',
    { field: 'out' },
  );
}

export function planLines(runs: readonly PlannedRun[]): string {
  return runs.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

/**
 * Under OUT's manifest lock: checks that OUT holds this very plan (or nothing yet) and writes the
 * manifest and plan.jsonl (the manifest again when it changed: a resume may change the report's
 * figures, which are not part of the plan). `keepExisting` leaves an existing manifest as it is.
 */
export async function claimOut(
  out: string,
  manifest: Manifest,
  runs: readonly PlannedRun[],
  options: LockOptions & { keepExisting?: boolean } = {},
): Promise<void> {
  await withLock(
    join(out, 'experiment.json.lock'),
    'experiment.json',
    out,
    { forceUnlock: options.forceUnlock, waitMs: MANIFEST_WAIT_MS },
    async () => {
      const existing = readManifest(out);
      if (existing && existing.planHash !== manifest.planHash) {
        throw otherPlanError(out, existing, manifest, 'choose a new --out, or delete that directory to start over');
      }
      if (existing) checkSameNormals(out, existing, manifest);
      if (existing && options.keepExisting) return;
      const text = `${JSON.stringify(manifest, null, 2)}\n`;
      const manifestPath = join(out, 'experiment.json');
      if (!existing || readIfExistsSync(manifestPath) !== text) await writeFileAtomic(manifestPath, text);
      const planPath = join(out, 'plan.jsonl');
      const plan = planLines(runs);
      if (readIfExistsSync(planPath) !== plan) await writeFileAtomic(planPath, plan);
    },
  );
}
