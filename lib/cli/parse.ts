/** Option parsers for commander that fail with a message naming the expected form. */
import { InvalidArgumentError } from 'commander';
import { DlnError } from '../errors';
import { parseFormats, type FigureFormat } from '../report/render';

export function parseNumber(value: string): number {
  const v = Number(value);
  if (value.trim() === '' || !Number.isFinite(v)) throw new InvalidArgumentError(`expected a finite number, got "${value}"`);
  return v;
}

export function parseInteger(value: string): number {
  const v = Number(value);
  if (!Number.isSafeInteger(v)) throw new InvalidArgumentError(`expected an integer, got "${value}"`);
  return v;
}

export function parsePositiveInteger(value: string): number {
  const v = parseInteger(value);
  if (v < 1) throw new InvalidArgumentError(`expected an integer >= 1, got "${value}"`);
  return v;
}

/** --formats svg,png,pdf */
export function parseFigureFormats(value: string): FigureFormat[] {
  try {
    return parseFormats(value);
  } catch (err) {
    if (err instanceof DlnError) throw new InvalidArgumentError(err.message.replace(/^formats: /, ''));
    throw err;
  }
}
