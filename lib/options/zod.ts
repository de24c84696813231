/**
 * Zod schemas of experiment configs, built from the option declarations (lib/options/declare.ts).
 * Only the config layer loads this module (and so zod): the training API checks options with the
 * declarations themselves.
 *
 * How a declaration becomes a config field: its type and bounds become the zod type (infinite
 * numbers are written "inf" / "-inf", which JSON can hold; `expression` numbers also take an
 * expression string); its doc string is the field's description (with the API's default when the
 * config leaves it to the API); `fill` / `configDefault` make the schema fill a default at parse
 * time — only where the parsed config (and so its plan hash) has always carried one; other absent
 * options stay absent and the API applies the declared default when the run starts.
 */
import { z } from 'zod';
import { suggestion } from '../util/closest';
import type { ConfigKeys, ConfigValue, Filled, Group, GroupSpec, Spec } from './declare';

type Shape = Record<string, z.ZodType>;

/** The zod type of one config field: required, filled (a default) or optional, as declared. */
export type FieldZod<S> = S extends { readonly config: 'required' }
  ? z.ZodType<ConfigValue<S>>
  : Filled<S> extends true
    ? z.ZodDefault<z.ZodType<ConfigValue<S>>>
    : z.ZodOptional<z.ZodType<ConfigValue<S>>>;
export type ConfigZodShape<G extends Group> = { [K in ConfigKeys<G>]: FieldZod<G[K]> };

/** The message of an unknown-key issue: one line "key: unknown key (did you mean ...?)" per key (lib/config/issues.ts splits them). */
export function unknownKeysMessage(keys: readonly string[], known: readonly string[]): string {
  return keys.map((k) => `${k}: unknown key${suggestion(k, known)}`).join('\n');
}

/** z.strictObject whose unknown keys are reported with the closest known key. */
export function strictObject<S extends Shape>(shape: S): z.ZodObject<S, z.core.$strict> {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? unknownKeysMessage((iss as unknown as { keys: string[] }).keys, known) : undefined),
  });
}

function numberSchema(spec: Spec): z.ZodType {
  let s = z.number();
  if (spec.kind === 'integer') s = s.int('must be an integer');
  if (spec.gt !== undefined) s = s.gt(spec.gt, `must be > ${spec.gt}`);
  if (spec.min !== undefined) s = s.min(spec.min, `must be >= ${spec.min}`);
  if (spec.max !== undefined) s = s.max(spec.max, `must be <= ${spec.max}`);
  if (spec.lt !== undefined) s = s.lt(spec.lt, `must be < ${spec.lt}`);
  const alternatives: z.ZodType[] = [];
  if (spec.infinite === 'both' || spec.infinite === 'positive') alternatives.push(z.literal('inf'));
  if (spec.infinite === 'both' || spec.infinite === 'negative') alternatives.push(z.literal('-inf'));
  if (spec.expression) alternatives.push(z.string().min(1));
  return alternatives.length > 0 ? z.union([s, ...alternatives]) : s;
}

function baseSchema(spec: Spec, key: string): z.ZodType {
  switch (spec.kind) {
    case 'number':
    case 'integer':
      return numberSchema(spec);
    case 'boolean':
      return z.boolean();
    case 'string':
      return z.string().min(1);
    case 'enum':
      return z.enum(spec.values as [string, ...string[]]);
    case 'strings':
      return z.array(z.string().min(1));
    case 'numbers':
      return z.array(z.number());
    case 'group':
      return strictObject(configShape(spec as GroupSpec) as Shape);
    case 'list':
      return z.array(strictObject(configShape({ kind: 'group', fields: spec.fields ?? {}, doc: '' } as GroupSpec) as Shape));
    case 'custom':
      throw new Error(`option ${key}: a custom option cannot be a config field (declare it with config: false)`);
  }
}

/** The description of a config field: the doc, and the API's default when the config does not fill one. */
export function configDescription(spec: Spec, prefix = ''): string {
  let text = prefix ? `${prefix}: ${spec.doc}` : spec.doc;
  if (spec.infinite)
    text +=
      spec.infinite === 'both'
        ? ' ("inf" / "-inf" for the infinities)'
        : spec.infinite === 'positive'
          ? ' ("inf" for Infinity)'
          : ' ("-inf" for -Infinity)';
  if (!spec.fill && spec.configDefault === undefined) {
    if (spec.defaultText !== undefined) text += ` (default: ${spec.defaultText})`;
    else if (spec.default !== undefined && spec.kind !== 'group') text += ` (default ${JSON.stringify(spec.default) ?? String(spec.default)})`;
  }
  return text;
}

/** One config field from a declaration (`prefix` names the methods that use it, in a shared section). */
export function configField<S extends Spec>(spec: S, key: string, prefix = ''): FieldZod<S> {
  const base = baseSchema(spec, key);
  const description = configDescription(spec, prefix);
  let out: z.ZodType;
  if (spec.config === 'required') out = base.describe(description);
  else if (spec.fill) out = base.default(spec.default as never).describe(description);
  else if (spec.configDefault !== undefined) out = base.default(spec.configDefault as never).describe(description);
  else out = base.optional().describe(description);
  return out as unknown as FieldZod<S>;
}

/** The config fields of a declared options object (API-only options left out), in declaration order. */
export function configShape<G extends Group>(spec: GroupSpec<G>): ConfigZodShape<G> {
  const shape: Shape = {};
  for (const [key, s] of Object.entries(spec.fields)) if (s.config !== false) shape[key] = configField(s, key) as z.ZodType;
  return shape as ConfigZodShape<G>;
}
