/**
 * The problem file (README "Problem files"):
 *   { "X": [[...]...] (n x d_0), "y": [...] | "Y": [[...]], "widths": [d_0, ..., d_L],
 *     "projection": [...]?, "loss": "mse" | {"type": "matrix-completion", "entries": [[row, col, value], ...],
 *     "testEntries": [...]?}, "l2": 0?, "weights": [W_1, ..., W_L]?, "XTest"?, "yTest" | "YTest"? }
 * Each W_k is a row-major nested array of shape d_k x d_{k-1}.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DlnError } from '../errors';
import { Problem } from '../api/problem';
import { strictObject } from '../options/zod';
import { configError } from './issues';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const row = z.array(finite);
const matrix = z.array(row);
const entry = z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative(), finite]);

const completionLoss = strictObject({
  type: z.literal('matrix-completion'),
  entries: z.array(entry).min(1),
  testEntries: z.array(entry).optional(),
});

export const problemFileSchema = strictObject({
  $schema: z.string().optional(),
  X: matrix.optional(),
  y: row.optional(),
  Y: matrix.optional(),
  XTest: matrix.optional(),
  yTest: row.optional(),
  YTest: matrix.optional(),
  widths: z.array(z.number().int().positive()).min(2, 'needs at least [d_0, d_1]'),
  projection: row.optional(),
  loss: z.union([z.literal('mse'), completionLoss]).default('mse'),
  l2: finite.nonnegative().default(0),
  weights: z.array(matrix).optional(),
}).superRefine((f, ctx) => {
  if (f.loss === 'mse') {
    if (!f.X) ctx.addIssue({ code: 'custom', path: ['X'], message: 'is required for the mse loss' });
    if (!f.y === !f.Y) ctx.addIssue({ code: 'custom', path: ['y'], message: 'give exactly one of y (univariate) or Y (multivariate)' });
  } else if (f.X || f.y || f.Y) {
    ctx.addIssue({ code: 'custom', path: ['X'], message: 'matrix completion takes entries, not X / y / Y' });
  }
});

export type ProblemFile = z.infer<typeof problemFileSchema>;

export interface LoadedProblem {
  problem: Problem;
  /** The file's weights, flattened, if it had any. */
  weights?: Float64Array;
  file: ProblemFile;
}

export function problemFromFile(file: ProblemFile): LoadedProblem {
  let problem: Problem;
  if (file.loss !== 'mse') {
    problem = Problem.completion({ widths: file.widths, entries: file.loss.entries, testEntries: file.loss.testEntries, l2: file.l2 });
  } else if (file.y) {
    problem = Problem.regression({
      widths: file.widths,
      X: file.X!,
      y: file.y,
      projection: file.projection,
      XTest: file.XTest,
      yTest: file.yTest,
      l2: file.l2,
    });
  } else {
    problem = Problem.mse({ widths: file.widths, X: file.X!, Y: file.Y!, XTest: file.XTest, YTest: file.YTest, l2: file.l2 });
  }
  const weights = file.weights ? problem.weights(file.weights) : undefined;
  return { problem, weights, file };
}

export function parseProblemFile(json: unknown, source = 'problem file'): LoadedProblem {
  const parsed = problemFileSchema.safeParse(json);
  if (!parsed.success) throw configError(source, parsed.error);
  return problemFromFile(parsed.data);
}

export async function loadProblemFile(path: string): Promise<LoadedProblem> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new DlnError('ERR_DLN_IO', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DlnError('ERR_DLN_CONFIG', `${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  return parseProblemFile(json, path);
}
