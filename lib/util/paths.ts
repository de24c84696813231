/**
 * Dotted-path access into plain JSON values, for `--set path=value` overrides, sweep axes and the
 * report's names. A path is segments separated by "."; a segment in brackets is taken literally,
 * so keys that contain dots can be reached: `sweep[1][init.scale]`, `report.figures.0.yScale`.
 */
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

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A copy of `root` with `value` at `path` (intermediate objects are created; arrays are indexed). */
export function setPath(root: unknown, path: string | string[], value: unknown): unknown {
  const segments = typeof path === 'string' ? parsePath(path) : path;
  return setAt(root, segments, 0, value);
}

function setAt(root: unknown, segments: string[], depth: number, value: unknown): unknown {
  const head = segments[depth];
  const last = depth === segments.length - 1;
  const child = (container: unknown) => (last ? value : setAt(container, segments, depth + 1, value));
  if (Array.isArray(root) && /^\d+$/.test(head)) {
    const copy = root.slice();
    const index = Number(head);
    if (index > copy.length) {
      // The field is the whole path as written, e.g. "sweep[5]" (not the last segment alone).
      const field = formatSegments(segments.slice(0, depth + 1));
      throw new DlnError(
        'ERR_DLN_CONFIG',
        `${formatSegments(segments)}: index ${index} is past the end of ${formatSegments(segments.slice(0, depth))} (length ${copy.length})`,
        { field },
      );
    }
    copy[index] = child(copy[index]);
    return copy;
  }
  const base = isPlainObject(root) ? root : {};
  return { ...base, [head]: child(Object.hasOwn(base, head) ? base[head] : undefined) };
}

/** Segments as a path: dotted, with numeric and dotted segments in brackets ("sweep[0][init.scale]"). */
export function formatSegments(segments: readonly string[]): string {
  let out = '';
  for (const s of segments) {
    if (/^\d+$/.test(s) || /[.[\]]/.test(s)) out += `[${s}]`;
    else out += out === '' ? s : `.${s}`;
  }
  return out;
}

export function getPath(root: unknown, path: string | string[]): unknown {
  const segments = typeof path === 'string' ? parsePath(path) : path;
  let v: unknown = root;
  for (const s of segments) {
    if (Array.isArray(v) && /^\d+$/.test(s)) v = v[Number(s)];
    else if (isPlainObject(v) && Object.hasOwn(v, s))
      v = v[s]; // own keys only: "constructor" is no field
    else return undefined;
  }
  return v;
}
