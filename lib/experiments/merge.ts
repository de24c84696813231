/**
 * Combining shards: result directories of the same plan (on one shared file system or copied
 * from several machines) are merged into one, with everything a report needs: the result lines
 * and each run's trace and weights files. Missing runs are listed with the shard that owes them.
 * The caller (pipeline/merge.ts) then builds the report of a complete plan, identical to that of
 * an unsharded run.
 *
 * Every directory must hold the same plan, and so must `out` if it exists: a merge never writes
 * into another experiment's directory, and records of another plan are an error naming both.
 * The merge holds OUT/runs/merge.lock (exclusive: no run may be writing into OUT meanwhile).
 *
 * The shards' run metadata (metadata/<shard>.jsonl: how, where and when each invocation ran) comes
 * along: OUT's file of each name gets the lines it does not hold yet, in the source's order, so a
 * merged directory says how every one of its runs was made and a repeated merge adds nothing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DlnError } from '../errors';
import { copyFileAtomic } from '../util/atomic-write';
import { lockResultsWriter } from './lock';
import { claimOut, LEGACY_NORMALS, otherPlanError, readManifest, type Manifest } from './manifest';
import { buildPlan, type PlannedRun } from './plan';
import { checkOut } from './runner';
import { experimentSchema } from './schema';
import {
  encodeRecordLine,
  ensureDir,
  ensureSubdir,
  indexPlan,
  readAllResults,
  resultFileNames,
  runsDir,
  tracePath,
  weightsPath,
  writeFileAtomic,
  type StoredRecord,
} from './store';

export interface MergeShardsOptions {
  /** Where the merged results go (default: the first directory). */
  out?: string;
  /** Break OUT's locks even if their holders may be alive (they must be gone). */
  forceUnlock?: boolean;
}

export interface MergedShards {
  out: string;
  planned: number;
  present: number;
  missing: PlannedRun[];
  /** Shard counts seen in the runs/ file names, and the shards (i/N) that owe missing runs. */
  owingShards: string[];
  /** Records of the same run that differ between (or within) directories (should never happen). */
  conflicts: string[];
  /** Runs whose trace or weights file (kept by this experiment) is in no directory: counted missing. */
  incomplete: string[];
}

export async function mergeShards(dirs: string[], options: MergeShardsOptions = {}): Promise<MergedShards> {
  if (!Array.isArray(dirs) || dirs.length === 0) throw new DlnError('ERR_DLN_VALUE', 'merge: give at least one results directory', { field: 'dirs' });
  dirs.forEach((d, i) => checkOut(d, `dirs[${i}]`));
  if (typeof options !== 'object' || options === null) throw new DlnError('ERR_DLN_TYPE', 'options: expected an object', { field: 'options' });
  const manifests: Manifest[] = dirs.map((d) => {
    const m = readManifest(d);
    if (!m) throw new DlnError('ERR_DLN_IO', `${d} has no experiment.json: not a dlnflow results directory`, { field: 'dirs' });
    return m;
  });
  const first = manifests[0];
  manifests.forEach((m, i) => {
    if ((m.normals ?? LEGACY_NORMALS) !== (first.normals ?? LEGACY_NORMALS)) {
      throw new DlnError(
        'ERR_DLN_CONFIG',
        `${dirs[i]} holds runs drawn with normals "${m.normals ?? LEGACY_NORMALS}", ${dirs[0]} with "${first.normals ?? LEGACY_NORMALS}" ` +
          '(docs/algorithms.md §2.8): not shards of one experiment; merge each with its own kind',
        { field: 'dirs' },
      );
    }
    if (m.planHash !== first.planHash) {
      throw new DlnError(
        'ERR_DLN_CONFIG',
        `${dirs[i]} holds plan ${m.planHash} ("${m.name}"), ${dirs[0]} holds plan ${first.planHash} ("${first.name}"): not shards of one experiment`,
        {
          field: 'dirs',
        },
      );
    }
  });
  const parsed = experimentSchema.safeParse(first.config);
  if (!parsed.success)
    throw new DlnError('ERR_DLN_CONFIG', `${dirs[0]}/experiment.json does not match this version of dlnflow's schema`, { field: 'dirs' });
  // The problem files by the hashes recorded: results can be merged where the data is not.
  const plan = buildPlan(parsed.data, { fileHash: (p) => first.dataFiles[p] ?? '' });
  if (plan.hash !== first.planHash) {
    throw new DlnError(
      'ERR_DLN_CONFIG',
      `${dirs[0]}/experiment.json expands to plan ${plan.hash}, not the recorded ${first.planHash} (written by another dlnflow version?)`,
      { field: 'dirs' },
    );
  }
  const index = indexPlan(plan);
  const out = options.out === undefined ? dirs[0] : checkOut(options.out);
  const sameDir = (a: string, b: string) => resolve(a) === resolve(b);

  const target = readManifest(out);
  if (target && target.planHash !== first.planHash) throw otherPlanError(out, target, first, 'merge into a new --out');

  ensureDir(out);
  const runs = ensureSubdir(out, 'runs');
  const lock = await lockResultsWriter(out, runs, { kind: 'merge' }, { forceUnlock: options.forceUnlock });
  try {
    await claimOut(out, first, plan.runs, { forceUnlock: options.forceUnlock, keepExisting: true });
    const keepTraces = plan.experiment.output.traces;
    const keepWeights = plan.experiment.output.weights;
    if (keepTraces) ensureSubdir(out, 'traces');
    if (keepWeights) ensureSubdir(out, 'weights');

    // Every record, with the directories that hold it (the first is taken; differing copies are conflicts).
    const merged = new Map<string, { record: StoredRecord; dirs: string[] }>();
    const conflicts = new Set<string>();
    const shardCounts = new Set<number>();
    const ordered = [out, ...dirs.filter((d) => !sameDir(d, out))];
    for (const d of ordered) {
      const all = readAllResults(d, index);
      for (const id of all.conflicts) conflicts.add(id);
      for (const [id, r] of all.records) {
        const seen = merged.get(id);
        if (!seen) merged.set(id, { record: r, dirs: [d] });
        else {
          if (JSON.stringify(seen.record) !== JSON.stringify(r)) conflicts.add(id);
          seen.dirs.push(d);
        }
      }
      for (const f of resultFileNames(d)) {
        const m = /^shard-\d+-of-(\d+)\.jsonl$/.exec(f);
        if (m) shardCounts.add(Number(m[1]));
      }
    }

    // Traces and weights first, then the lines: a listed run always has its files.
    const incomplete: string[] = [];
    const own = readAllResults(out, index).records;
    const imported: StoredRecord[] = [];
    for (const run of plan.runs) {
      const entry = merged.get(run.id);
      if (!entry) continue;
      const files: [boolean, (dir: string, id: string) => string][] = [
        [keepTraces, tracePath],
        [keepWeights, weightsPath],
      ];
      let complete = true;
      for (const [kept, pathOf] of files) {
        if (!kept) continue;
        const dest = pathOf(out, run.id);
        if (existsSync(dest)) continue;
        const from = entry.dirs.map((d) => pathOf(d, run.id)).find((p) => existsSync(p));
        if (from) await copyFileAtomic(from, dest);
        else complete = false;
      }
      if (!complete) {
        incomplete.push(run.id);
        merged.delete(run.id);
        continue;
      }
      if (!own.has(run.id)) imported.push(entry.record);
    }
    if (imported.length > 0) {
      const name = `merged-${Date.now()}-${process.pid}.jsonl`;
      await lock.assertHeld();
      await writeFileAtomic(join(runsDir(out), name), imported.map(encodeRecordLine).join('\n') + '\n');
    }

    await mergeMetadata(out, ordered.slice(1));

    const missing = plan.runs.filter((r) => !merged.has(r.id));
    const owing = new Set<string>();
    for (const n of shardCounts) for (const r of missing) owing.add(`${r.index % n}/${n}`);
    return {
      out,
      planned: plan.runs.length,
      present: plan.runs.length - missing.length,
      missing,
      owingShards: [...owing].sort(),
      conflicts: [...conflicts],
      incomplete,
    };
  } finally {
    lock.release();
  }
}

/** Whole lines of a metadata file (a torn last line, from a crash mid-append, is left out). */
function metadataLines(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  lines.pop(); // after the last newline: empty, or a torn line
  return lines.filter((l) => l.length > 0);
}

/** Every source's metadata/*.jsonl into OUT/metadata/: each file gets the lines it lacks, in order. */
async function mergeMetadata(out: string, sources: string[]): Promise<void> {
  const wanted = new Map<string, string[]>();
  for (const d of sources) {
    const dir = join(d, 'metadata');
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      if (!/^(all|shard-\d+-of-\d+)\.jsonl$/.test(name)) continue;
      const lines = wanted.get(name) ?? [];
      for (const l of metadataLines(join(dir, name))) if (!lines.includes(l)) lines.push(l);
      wanted.set(name, lines);
    }
  }
  if (wanted.size === 0) return;
  const dir = ensureSubdir(out, 'metadata');
  for (const [name, lines] of wanted) {
    const dest = join(dir, name);
    const have = existsSync(dest) ? metadataLines(dest) : [];
    const add = lines.filter((l) => !have.includes(l));
    if (add.length === 0) continue;
    await writeFileAtomic(dest, [...have, ...add].join('\n') + '\n');
  }
}
