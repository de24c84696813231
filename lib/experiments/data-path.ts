/**
 * Problem-file paths (`data: {kind: file, path}`) are resolved when an experiment is loaded: a
 * path written in a config file relative to that file's directory, one given by `--set` or in a
 * config object relative to the working directory. The loaded experiment holds absolute paths, so
 * its manifest and every later step (a resume, the report, a merge) read the same file wherever
 * they run from; the plan hash covers the file's content, not its path (plan.ts).
 */
import { isAbsolute, resolve } from 'node:path';
import { isPlainObject, parsePath } from '../util/paths';

function isDataPath(axis: string): boolean {
  try {
    const p = parsePath(axis);
    return p.length === 2 && p[0] === 'data' && p[1] === 'path';
  } catch {
    return false; // the schema reports a bad axis
  }
}

const absolute = (path: unknown, base: string): unknown =>
  typeof path === 'string' && path !== '' && !isAbsolute(path) ? resolve(base, path) : path;

/** `data.path` and sweep values of `data.path` in one config body (or `quick:` patch), made absolute against `base`. */
function resolveBody(body: Record<string, unknown>, base: string): Record<string, unknown> {
  const out = { ...body };
  if (isPlainObject(out.data) && out.data.path !== undefined) out.data = { ...out.data, path: absolute(out.data.path, base) };
  if (Array.isArray(out.sweep)) {
    out.sweep = out.sweep.map((factor) => {
      if (!isPlainObject(factor)) return factor;
      const copy: Record<string, unknown> = { ...factor };
      for (const [axis, values] of Object.entries(copy)) {
        if (isDataPath(axis) && Array.isArray(values)) copy[axis] = values.map((v) => absolute(v, base));
      }
      return copy;
    });
  }
  return out;
}

/** A raw config (as read from a file) with its problem-file paths resolved against `base`. */
export function resolveDataPaths(raw: unknown, base: string): unknown {
  if (!isPlainObject(raw)) return raw;
  const out = resolveBody(raw, base);
  if (isPlainObject(out.quick)) out.quick = resolveBody(out.quick, base);
  return out;
}
