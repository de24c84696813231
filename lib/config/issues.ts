/** Turns zod issues into one DlnError (ERR_DLN_CONFIG) that names every bad field by its path. */
import type { z } from 'zod';
import { DlnError } from '../errors';

/**
 * A zod path as a dotted path: `train.sharpness.k`, `sweep[5]`, and keys that hold dots or
 * brackets in brackets (`sweep[0][init.scale]`), the form `--set` and sweep axes accept.
 */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/[.[\]]/.test(String(p)) || String(p) === '') out += `[${String(p)}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out || '(root)';
}

/** One line per problem: an unknown-key issue (lib/options/zod.ts strictObject) gives one per key, with its own path. */
function lines(issue: z.core.$ZodIssue): { field: string; text: string }[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.message.split('\n').map((line, i) => {
      const key = issue.keys[i] ?? '';
      const rest = line.startsWith(`${key}: `) ? line.slice(key.length + 2) : line;
      const field = formatPath([...issue.path, key]);
      return { field, text: `${field}: ${rest}` };
    });
  }
  const field = formatPath(issue.path);
  return [{ field, text: `${field}: ${issue.message}` }];
}

export function configError(source: string, error: z.ZodError): DlnError {
  const all = error.issues.flatMap(lines);
  const shown = all.slice(0, 20).map((l) => `  ${l.text}`);
  if (all.length > 20) shown.push(`  ... and ${all.length - 20} more`);
  return new DlnError('ERR_DLN_CONFIG', `${source} is not valid:\n${shown.join('\n')}`, {
    field: all[0]?.field,
  });
}
