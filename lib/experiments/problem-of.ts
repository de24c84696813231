/**
 * The problem a run of an experiment trains on, as a problem file (README "Problem files"): the
 * same data, architecture, projection and penalty as the run's problem (execute.ts builds it from
 * the same calls; test/cli-problem.test.ts checks that the two agree bit for bit), as plain JSON
 * that `inspect` and `flow` read.
 */
import { readFile } from 'node:fs/promises';
import { completionData, jacotTeacherData, marionChizatData } from '../api/data';
import { toRows as rows } from '../api/matrix';
import { DlnError } from '../errors';
import { completionOptions, jacotTeacherOptions, marionChizatOptions } from '../options/data';
import { pick } from '../options/declare';
import { architecture, projectionOf } from './execute';
import type { RunSeeds } from './plan';
import type { Experiment } from './schema';

/** A problem file's JSON (lib/config/problem-file.ts validates it on the way back in). */
export type ProblemFileJson = Record<string, unknown>;

function entryRows(flat: Float64Array): number[][] {
  return Array.from({ length: flat.length / 3 }, (_, i) => [flat[3 * i], flat[3 * i + 1], flat[3 * i + 2]]);
}

/** The problem file of `config` with the run's seeds. */
export async function problemFileOf(config: Experiment, seeds: RunSeeds): Promise<ProblemFileJson> {
  const data = config.data;
  const l2 = config.model.l2;
  if (data.kind === 'marion-chizat') {
    // The seed drawn with is seeds.data (data.seed when pinned); the authors' sources take none.
    const { seed: _pinned, ...drawn } = pick(marionChizatOptions, data);
    const d = marionChizatData({ ...drawn, ...(data.source === 'seed' ? { seed: seeds.data } : {}) });
    const withProjection = config.model.projection !== 'none';
    const width = config.model.width ?? data.d;
    const widths = architecture(config, data.d, withProjection ? width : 1);
    const file: ProblemFileJson = { X: rows(d.X), y: Array.from(d.y), widths };
    if (withProjection) file.projection = Array.from(projectionOf(config, d, widths, seeds.projection));
    if (d.yTest.length > 0) {
      file.XTest = rows(d.XTest);
      file.yTest = Array.from(d.yTest);
    }
    return { ...file, loss: 'mse', l2 };
  }
  if (data.kind === 'jacot-teacher') {
    const d = jacotTeacherData({ ...pick(jacotTeacherOptions, data), seed: seeds.data });
    const file: ProblemFileJson = { X: rows(d.X), Y: rows(d.Y), widths: architecture(config, data.d, data.d) };
    if (d.YTest.rows > 0) {
      file.XTest = rows(d.XTest);
      file.YTest = rows(d.YTest);
    }
    return { ...file, loss: 'mse', l2 };
  }
  if (data.kind === 'completion') {
    const d = completionData({ ...pick(completionOptions, data), seed: seeds.data });
    const loss: Record<string, unknown> = { type: 'matrix-completion', entries: entryRows(d.entries) };
    if (d.testEntries.length > 0) loss.testEntries = entryRows(d.testEntries);
    return { widths: architecture(config, data.cols, data.rows), loss, l2 };
  }
  // A problem file already: print it as the run reads it (without the weights, which are a point, not the problem).
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await readFile(data.path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new DlnError('ERR_DLN_IO', `cannot read ${data.path}: ${(err as Error).message}`, { cause: err });
  }
  const { weights: _weights, $schema: _schema, ...rest } = json;
  return rest;
}
