/**
 * `--set path=value` overrides (the value read as YAML) and the deep merge of config patches
 * (`extends`, `quick:`). Paths are those of util/paths.ts.
 */
import YAML from 'yaml';
import { DlnError } from '../errors';
import { isPlainObject, parsePath, setPath } from '../util/paths';

/** `path=value`, the value read as YAML (numbers, booleans, [lists], {maps}, or a plain string). */
export function parseOverride(text: string): { path: string; value: unknown } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new DlnError('ERR_DLN_CONFIG', `--set "${text}": expected path=value, e.g. train.learningRate=0.02`);
  const path = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1);
  let value: unknown;
  try {
    value = raw.trim() === '' ? '' : YAML.parse(raw);
  } catch (err) {
    throw new DlnError('ERR_DLN_CONFIG', `--set ${path}: cannot read "${raw}" (${(err as Error).message})`, { field: path });
  }
  parsePath(path);
  return { path, value };
}

export function applyOverrides(root: unknown, overrides: readonly string[]): unknown {
  let out = root;
  for (const o of overrides) {
    const { path, value } = parseOverride(o);
    out = setPath(out, path, value);
  }
  return out;
}

/** Deep merge for configs: objects merge key by key, everything else (arrays included) replaces. */
export function deepMerge(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch === undefined ? base : patch;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) out[k] = deepMerge(base[k], v);
  return out;
}
