/** Option parsers for commander that fail with a message naming the expected form. */
import { InvalidArgumentError } from 'commander';

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
