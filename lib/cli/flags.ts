/**
 * Command-line flags from the option declarations (lib/options/): a flag's help is its option's doc
 * string, its default the option's (the config's default where a config has its own, as for the
 * initialization scale), so `--help` and the README say the same.
 */
import type { Spec } from '../options/declare';

/** The default a flag shows and passes: the config default where there is one, else the API's. */
export function flagDefault<T>(spec: Spec<T>): T | undefined {
  return spec.configDefault ?? spec.default;
}

/**
 * The help of a flag: the doc string (plus the values of an enumeration), with `prefix` and
 * `suffix`; `showDefault` states the default in the text, for a flag that passes none to
 * commander (which cannot print Infinity).
 */
export function flagHelp(spec: Spec, options: { prefix?: string; suffix?: string; showDefault?: boolean } = {}): string {
  let text = `${options.prefix ?? ''}${spec.doc}${options.suffix ?? ''}`;
  if (spec.kind === 'enum' && spec.values && !spec.doc.includes(spec.values[0])) text += ` (${spec.values.join(' | ')})`;
  const value = flagDefault(spec);
  if (options.showDefault && value !== undefined) text += ` (default: ${String(value)})`;
  else if (value === undefined && spec.defaultText !== undefined) text += ` (default: ${spec.defaultText})`;
  return text;
}
