/**
 * Dotted-path access into plain JSON values, for `--set path=value` overrides and sweep axes.
 * A path is segments separated by "."; a segment in brackets is taken literally, so keys that
 * contain dots can be reached: `sweep[1][init.scale]`, `report.figures.0.yScale`.
 */
import YAML from 'yaml';
import { DlnError } from '../errors';

export function parsePath(path: string): string[] {
  const out: string[] = [];
  let i = 0;
  let current = '';
  const push = () => {
    if (current !== '') out.push(current);
    current = '';
  };
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      push();
      i++;
    } else if (c === '[') {
      push();
      const end = path.indexOf(']', i);
      if (end < 0) throw new DlnError('ERR_DLN_CONFIG', `path "${path}": unclosed "["`, { field: path });
      const inner = path.slice(i + 1, end).replace(/^["']|["']$/g, '');
      if (inner === '') throw new DlnError('ERR_DLN_CONFIG', `path "${path}": empty "[]"`, { field: path });
      out.push(inner);
      i = end + 1;
    } else {
      current += c;
      i++;
    }
  }
  push();
  if (out.length === 0) throw new DlnError('ERR_DLN_CONFIG', `empty path "${path}"`, { field: path });
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A copy of `root` with `value` at `path` (intermediate objects are created; arrays are indexed). */
export function setPath(root: unknown, path: string | string[], value: unknown): unknown {
  const segments = typeof path === 'string' ? parsePath(path) : path;
  const [head, ...rest] = segments;
  const child = (container: unknown) => (rest.length === 0 ? value : setPath(container, rest, value));
  if (Array.isArray(root) && /^\d+$/.test(head)) {
    const copy = root.slice();
    const index = Number(head);
    if (index > copy.length) {
      throw new DlnError('ERR_DLN_CONFIG', `${segments.join('.')}: index ${index} is past the end (length ${copy.length})`);
    }
    copy[index] = child(copy[index]);
    return copy;
  }
  const base = isPlainObject(root) ? root : {};
  return { ...base, [head]: child(base[head]) };
}

export function getPath(root: unknown, path: string | string[]): unknown {
  const segments = typeof path === 'string' ? parsePath(path) : path;
  let v: unknown = root;
  for (const s of segments) {
    if (Array.isArray(v) && /^\d+$/.test(s)) v = v[Number(s)];
    else if (isPlainObject(v)) v = v[s];
    else return undefined;
  }
  return v;
}

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
