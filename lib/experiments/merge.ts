/**
 * Combining shards: result directories of the same plan (on one shared file system or copied
 * from several machines) are merged into one; missing runs are listed with the shard that owes
 * them. The caller (pipeline/merge.ts) then builds the report of a complete plan, identical to
 * that of an unsharded run.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DlnError } from '../errors';
import { experimentSchema } from './schema';
import { buildPlan, type PlannedRun } from './plan';
import { readManifest, type Manifest } from './manifest';
import { ensureDir, readAllResults, runsDir, writeFileAtomic } from './store';
import type { RunRecord } from './execute';

export interface MergeShardsOptions {
  /** Where the merged results go (default: the first directory). */
  out?: string;
}

export interface MergedShards {
  out: string;
  planned: number;
  present: number;
  missing: PlannedRun[];
  /** Shard counts seen in the runs/ file names, and the shards (i/N) that owe missing runs. */
  owingShards: string[];
  /** Records of the same run that differ between directories (should never happen). */
  conflicts: string[];
}

export async function mergeShards(dirs: string[], options: MergeShardsOptions = {}): Promise<MergedShards> {
  if (dirs.length === 0) throw new DlnError('ERR_DLN_VALUE', 'merge: give at least one results directory', { field: 'dirs' });
  const manifests: Manifest[] = dirs.map((d) => {
    const m = readManifest(d);
    if (!m) throw new DlnError('ERR_DLN_IO', `${d} has no experiment.json: not a dlnflow results directory`, { field: 'dirs' });
    return m;
  });
  const first = manifests[0];
  manifests.forEach((m, i) => {
    if (m.planHash !== first.planHash) {
      throw new DlnError('ERR_DLN_CONFIG', `${dirs[i]} holds plan ${m.planHash} ("${m.name}"), ${dirs[0]} holds plan ${first.planHash}: not shards of one experiment`, {
        field: 'dirs',
      });
    }
  });
  const parsed = experimentSchema.parse(first.config);
  const plan = buildPlan(parsed);
  const out = options.out ?? dirs[0];
  const sameDir = (a: string, b: string) => resolve(a) === resolve(b);

  const merged = new Map<string, RunRecord>();
  const conflicts: string[] = [];
  const shardCounts = new Set<number>();
  for (const d of dirs) {
    const { records } = readAllResults(d);
    for (const [id, r] of records) {
      const seen = merged.get(id);
      if (seen && JSON.stringify(seen) !== JSON.stringify(r)) conflicts.push(id);
      if (!seen) merged.set(id, r);
    }
    if (existsSync(runsDir(d))) {
      for (const f of readdirSync(runsDir(d))) {
        const m = /^shard-\d+-of-(\d+)\.jsonl$/.exec(f);
        if (m) shardCounts.add(Number(m[1]));
      }
    }
  }

  if (!dirs.some((d) => sameDir(d, out))) {
    ensureDir(out);
    writeFileAtomic(join(out, 'experiment.json'), `${JSON.stringify(first, null, 2)}\n`);
    writeFileAtomic(join(out, 'plan.jsonl'), plan.runs.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }
  ensureDir(runsDir(out));
  const own = readAllResults(out).records;
  const imported = plan.runs.filter((r) => merged.has(r.id) && !own.has(r.id)).map((r) => merged.get(r.id)!);
  if (imported.length > 0) {
    writeFileAtomic(join(runsDir(out), `merged-${Date.now()}.jsonl`), imported.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }

  const missing = plan.runs.filter((r) => !merged.has(r.id));
  const owing = new Set<string>();
  for (const n of shardCounts) for (const r of missing) owing.add(`${r.index % n}/${n}`);
  return {
    out,
    planned: plan.runs.length,
    present: plan.runs.length - missing.length,
    missing,
    owingShards: [...owing].sort(),
    conflicts,
  };
}
