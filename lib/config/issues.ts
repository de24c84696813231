/** Turns zod issues into one DlnError (ERR_DLN_CONFIG) that names every bad field by its path. */
import type { z } from 'zod';
import { DlnError } from '../errors';

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out || '(root)';
}

export function configError(source: string, error: z.ZodError): DlnError {
  const lines = error.issues.slice(0, 20).map((i) => `  ${formatPath(i.path)}: ${i.message}`);
  if (error.issues.length > 20) lines.push(`  ... and ${error.issues.length - 20} more`);
  const first = error.issues[0];
  return new DlnError('ERR_DLN_CONFIG', `${source} is not valid:\n${lines.join('\n')}`, {
    field: first ? formatPath(first.path) : undefined,
  });
}
