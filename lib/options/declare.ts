/**
 * The option declaration format: one declaration per option of every options object dlnflow
 * accepts — its name (the key), type, default, bounds and doc string. Everything else is derived:
 *
 *   - the TypeScript types of the API (`OptionsOf<typeof trainOptions>`),
 *   - the API's checks (`checkOptions`): unknown keys ("did you mean"), types and bounds, each
 *     error a DlnError naming the field by its dotted path, and the defaults the API applies
 *     (`withDefaults`),
 *   - the experiment-config schema (lib/options/zod.ts builds zod schemas from these, lazily: zod
 *     is never loaded by `require('dlnflow')`), hence the JSON Schema of `dlnflow schema`,
 *   - the CLI flags' help and defaults (lib/cli/flags.ts) and the README's option tables
 *     (lib/options/markdown.ts, scripts/docs/options-table.js).
 *
 * Values the core must check — cross-field or problem-dependent (k <= P, maxIterations >= k, times
 * within [0, tEnd]) — are not declared here: the core checks them once (src/), and its errors carry
 * the same dotted paths. The declarations hold what can be checked without the problem.
 *
 * Absent means undefined or null (as in the binding). An unknown key is an error unless its value
 * is undefined. This module is plain TypeScript with no dependency, so that importing the training
 * API stays cheap (docs/architecture.md, "Adding an option").
 */
import { fieldError } from '../errors';
import { suggestion } from '../util/closest';

export type Kind = 'number' | 'integer' | 'boolean' | 'string' | 'enum' | 'strings' | 'numbers' | 'group' | 'list' | 'custom';

/** Infinities a number option accepts besides finite values (NaN never). */
export type Infinite = 'both' | 'positive' | 'negative';

/**
 * One option. `T` is its TypeScript type, `R` whether the API requires it. Build one with the
 * helpers below (number, integer, oneOf, group, ...), not by hand.
 */
export interface Spec<T = unknown, R extends boolean = boolean> {
  readonly kind: Kind;
  /** One sentence (or two): what it does, for the README, the JSON Schema and `--help`. */
  readonly doc: string;
  /** What the API uses when the option is absent; the README states it. */
  readonly default?: T;
  /** A default that depends on the problem or the other options, in words ("min(P, 300)"). */
  readonly defaultText?: string;
  readonly required?: R;
  // Numbers.
  readonly min?: number;
  readonly max?: number;
  /** Exclusive bounds. */
  readonly gt?: number;
  readonly lt?: number;
  readonly infinite?: Infinite;
  // Enumerations.
  readonly values?: readonly string[];
  // Nested options (group) and arrays of them (list; `single`: one object is accepted too).
  readonly fields?: Group;
  readonly single?: boolean;
  /** Custom options: the type's name for the docs, and a check (throwing a DlnError) for values only TypeScript sees. */
  readonly type?: string;
  readonly check?: (value: unknown, field: string) => void;
  // Experiment configs (lib/options/zod.ts).
  /** false: an API-only option (no config field). 'required': required in configs. Default: optional there. */
  readonly config?: false | 'required';
  /** The config schema fills `default` at parse time (the parsed config, and so the plan hash, carries it). */
  readonly fill?: boolean;
  /** A config default of its own, filled at parse time. */
  readonly configDefault?: T;
  /** In configs the value may also be an expression string (flow-event thresholds). */
  readonly expression?: boolean;
  /** Phantom: carries T. */
  readonly __type?: T;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Spec<T> uses T in and out (default, check), so only any admits every option's Spec
export type Group = Readonly<Record<string, Spec<any, boolean>>>;

/** A group of options: a nested options object, or a whole options object of an entry point. */
export interface GroupSpec<G extends Group = Group, R extends boolean = boolean> extends Spec<OptionsOf<G>, R> {
  readonly kind: 'group';
  readonly fields: G;
}

/** The TypeScript type of one option. */
export type TypeOf<S> = S extends { readonly __type?: infer T } ? T : never;
type RequiredKeys<G> = { [K in keyof G]-?: G[K] extends { readonly required: true } ? K : never }[keyof G];
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The TypeScript type of an options object declared by `G`. */
export type OptionsOf<G extends Group> = Simplify<
  { -readonly [K in RequiredKeys<G>]: TypeOf<G[K]> } & { -readonly [K in Exclude<keyof G, RequiredKeys<G>>]?: TypeOf<G[K]> }
>;

// Config types (the zod schemas of lib/options/zod.ts produce and accept these).
type Infinities<S> = S extends { readonly infinite: 'both' }
  ? 'inf' | '-inf'
  : S extends { readonly infinite: 'positive' }
    ? 'inf'
    : S extends { readonly infinite: 'negative' }
      ? '-inf'
      : never;
type Expression<S> = S extends { readonly expression: true } ? string : never;
/** The value of an option in a parsed config. */
export type ConfigValue<S> = S extends { readonly kind: 'group'; readonly fields: infer G extends Group }
  ? ConfigOf<G>
  : S extends { readonly kind: 'list'; readonly fields: infer G extends Group }
    ? ConfigOf<G>[]
    : S extends { readonly kind: 'number' | 'integer' }
      ? number | Infinities<S> | Expression<S>
      : S extends { readonly kind: 'numbers' }
        ? number[]
        : TypeOf<S>;
/** Options a config fills (or requires): always present once parsed. */
export type Filled<S> = S extends { readonly fill: true }
  ? true
  : S extends { readonly configDefault: unknown }
    ? true
    : S extends { readonly config: 'required' }
      ? true
      : false;
export type ConfigKeys<G> = { [K in keyof G]: G[K] extends { readonly config: false } ? never : K }[keyof G] & string;
/** A parsed config section declared by `G`. */
export type ConfigOf<G extends Group> = Simplify<
  { -readonly [K in ConfigKeys<G> as Filled<G[K]> extends true ? K : never]: ConfigValue<G[K]> } & {
    -readonly [K in ConfigKeys<G> as Filled<G[K]> extends true ? never : K]?: ConfigValue<G[K]>;
  }
>;

export interface Common<T> {
  doc: string;
  default?: T;
  defaultText?: string;
  config?: false | 'required';
  fill?: boolean;
  configDefault?: T;
}

export interface NumberOptions extends Common<number> {
  min?: number;
  max?: number;
  gt?: number;
  lt?: number;
  infinite?: Infinite;
  expression?: boolean;
}

// The builders keep their arguments' literal types (fill: true, infinite: 'positive', ...), which the
// config types above read.

export function number<const O extends NumberOptions>(o: O): Spec<number, false> & { readonly kind: 'number' } & O {
  return { kind: 'number', ...o };
}

export function integer<const O extends Common<number> & { min?: number; max?: number }>(
  o: O,
): Spec<number, false> & { readonly kind: 'integer' } & O {
  return { kind: 'integer', ...o };
}

export function boolean<const O extends Common<boolean>>(o: O): Spec<boolean, false> & { readonly kind: 'boolean' } & O {
  return { kind: 'boolean', ...o };
}

export function string<T extends string = string, const O extends Common<T> = Common<T>>(o: O): Spec<T, false> & { readonly kind: 'string' } & O {
  return { kind: 'string', ...o };
}

export function oneOf<const V extends readonly string[], const O extends Common<V[number]>>(
  values: V,
  o: O,
): Spec<V[number], false> & { readonly kind: 'enum' } & O {
  return { kind: 'enum', values, ...o };
}

/** A list of names (quantities to record). */
export function names<T extends string = string, const O extends Common<T[]> = Common<T[]>>(
  o: O,
): Spec<T[], false> & { readonly kind: 'strings' } & O {
  return { kind: 'strings', ...o };
}

/** Numbers as an array or typed array (the core checks the values). */
export function numbers<const O extends Common<ArrayLike<number>>>(o: O): Spec<ArrayLike<number>, false> & { readonly kind: 'numbers' } & O {
  return { kind: 'numbers', ...o };
}

export function group<const G extends Group, const O extends Common<OptionsOf<G>>>(fields: G, o: O): GroupSpec<G, false> & O {
  return { kind: 'group', fields, ...o };
}

export function list<const G extends Group, const O extends Common<OptionsOf<G>[]> & { single?: boolean }>(
  fields: G,
  o: O,
): Spec<O extends { single: true } ? OptionsOf<G> | OptionsOf<G>[] : OptionsOf<G>[], false> & { readonly kind: 'list'; readonly fields: G } & O {
  return { kind: 'list', fields, ...o } as never;
}

/** A value only TypeScript checks (a function, an AbortSignal, a matrix): `type` names it for the docs. */
export function custom<T>(
  o: Common<T> & { type: string; check?: (value: unknown, field: string) => void },
): Spec<T, false> & { readonly kind: 'custom'; readonly config: false } {
  return { kind: 'custom', ...o, config: false };
}

export function required<S extends Spec<unknown, false>>(spec: S): Omit<S, 'required'> & { readonly required: true } {
  return { ...spec, required: true };
}

/** The options object of an entry point. */
export function options<const G extends Group>(fields: G): GroupSpec<G, false> {
  return { kind: 'group', fields, doc: '' };
}

// ---------------------------------------------------------------------------------------------
// Checking values (the API's side).

export function typeName(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (ArrayBuffer.isView(v)) return 'a typed array';
  switch (typeof v) {
    case 'boolean':
      return 'a boolean';
    case 'number':
      return Number.isNaN(v) ? 'NaN' : 'a number';
    case 'string':
      return 'a string';
    case 'function':
      return 'a function';
    case 'bigint':
      return 'a bigint';
    case 'symbol':
      return 'a symbol';
    default:
      return 'an object';
  }
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (typeof v === 'number') return String(v);
  return typeName(v);
}

/** A bound as people read it: large powers of two as 2^k, long decimals to 3 digits (100 eps = 2.22e-14). */
function bound(v: number): string {
  const k = Math.log2(v);
  if (v >= 2 ** 20 && Number.isInteger(k)) return `2^${k}`;
  const s = String(v);
  return s.length > 10 ? v.toPrecision(3) : s;
}

/** The admissible range of a number option in words: "> 0", ">= 1, <= 1000", "> 0 or Infinity". */
export function rangeText(spec: Spec): string {
  const parts: string[] = [];
  if (spec.gt !== undefined) parts.push(`> ${bound(spec.gt)}`);
  if (spec.min !== undefined) parts.push(`>= ${bound(spec.min)}`);
  if (spec.max !== undefined) parts.push(`<= ${bound(spec.max)}`);
  if (spec.lt !== undefined) parts.push(`< ${bound(spec.lt)}`);
  let text = parts.join(', ');
  if (spec.infinite === 'both') text = text ? `${text}, or ±Infinity` : 'or ±Infinity';
  else if (spec.infinite === 'positive') text = text ? `${text}, or Infinity` : 'or Infinity';
  else if (spec.infinite === 'negative') text = text ? `${text}, or -Infinity` : 'or -Infinity';
  return text;
}

/** The type of an option in words, as error messages and the docs say it. */
export function typeText(spec: Spec): string {
  switch (spec.kind) {
    case 'number':
      return spec.infinite ? 'a number' : 'a finite number';
    case 'integer':
      return 'an integer';
    case 'boolean':
      return 'a boolean';
    case 'string':
      return 'a string';
    case 'enum':
      return (spec.values ?? []).map((v) => JSON.stringify(v)).join(' | ');
    case 'strings':
      return 'an array of strings';
    case 'numbers':
      return 'an array of numbers';
    case 'group':
      return 'an object';
    case 'list':
      return spec.single ? 'an object or an array of objects' : 'an array of objects';
    case 'custom':
      return spec.type ?? 'a value';
  }
}

const isAbsent = (v: unknown) => v === undefined || v === null;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

function checkNumber(spec: Spec, v: unknown, field: string): void {
  const what = spec.kind === 'integer' ? 'an integer' : typeText(spec);
  if (typeof v !== 'number') throw fieldError('ERR_DLN_TYPE', field, `expected ${what}, got ${typeName(v)}`);
  if (Number.isNaN(v)) throw fieldError('ERR_DLN_VALUE', field, `expected ${what}, got NaN`);
  if (!Number.isFinite(v)) {
    const ok = spec.kind === 'number' && (spec.infinite === 'both' || (spec.infinite === 'positive' ? v > 0 : spec.infinite === 'negative' && v < 0));
    if (!ok)
      throw fieldError(
        'ERR_DLN_VALUE',
        field,
        `expected ${spec.kind === 'integer' ? 'an integer' : 'a finite number'}${rangeSuffix(spec)}, got ${v}`,
      );
    return;
  }
  if (spec.kind === 'integer' && !Number.isInteger(v)) throw fieldError('ERR_DLN_VALUE', field, `expected an integer, got ${v}`);
  const bad =
    (spec.gt !== undefined && !(v > spec.gt)) ||
    (spec.min !== undefined && v < spec.min) ||
    (spec.max !== undefined && v > spec.max) ||
    (spec.lt !== undefined && !(v < spec.lt));
  if (bad) throw fieldError('ERR_DLN_VALUE', field, `must be ${rangeText(spec)}, got ${v}`);
}

function rangeSuffix(spec: Spec): string {
  const r = rangeText(spec);
  return r ? ` ${r}` : '';
}

function checkValue(spec: Spec, v: unknown, field: string): void {
  switch (spec.kind) {
    case 'number':
    case 'integer':
      return checkNumber(spec, v, field);
    case 'boolean':
      if (typeof v !== 'boolean') throw fieldError('ERR_DLN_TYPE', field, `expected a boolean, got ${typeName(v)}`);
      return;
    case 'string':
      if (typeof v !== 'string') throw fieldError('ERR_DLN_TYPE', field, `expected a string, got ${typeName(v)}`);
      return;
    case 'enum': {
      const values = spec.values ?? [];
      if (typeof v !== 'string') throw fieldError('ERR_DLN_TYPE', field, `expected ${typeText(spec)}, got ${typeName(v)}`);
      if (!values.includes(v)) {
        const hint = suggestion(v, values);
        throw fieldError('ERR_DLN_VALUE', field, `expected ${typeText(spec)}, got ${show(v)}${hint.startsWith(' (did') ? hint : ''}`);
      }
      return;
    }
    case 'strings':
      if (!Array.isArray(v)) throw fieldError('ERR_DLN_TYPE', field, `expected an array of strings, got ${typeName(v)}`);
      v.forEach((e, i) => {
        if (typeof e !== 'string') throw fieldError('ERR_DLN_TYPE', `${field}[${i}]`, `expected a string, got ${typeName(e)}`);
      });
      return;
    case 'numbers': {
      const ok = Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
      if (!ok) throw fieldError('ERR_DLN_TYPE', field, `expected an array of numbers, got ${typeName(v)}`);
      if (Array.isArray(v)) {
        v.forEach((e, i) => {
          if (typeof e !== 'number') throw fieldError('ERR_DLN_TYPE', `${field}[${i}]`, `expected a number, got ${typeName(e)}`);
        });
      }
      return;
    }
    case 'group':
      return checkGroup(spec as GroupSpec, v, field);
    case 'list': {
      const group = { kind: 'group', fields: spec.fields ?? {}, doc: '' } as GroupSpec;
      if (Array.isArray(v)) {
        v.forEach((e, i) => checkGroup(group, e, `${field}[${i}]`));
        return;
      }
      if (spec.single && isPlainObject(v)) return checkGroup(group, v, field);
      throw fieldError('ERR_DLN_TYPE', field, `expected ${typeText(spec)}, got ${typeName(v)}`);
    }
    case 'custom':
      spec.check?.(v, field);
      return;
  }
}

function checkGroup(spec: GroupSpec, value: unknown, path: string, extra: readonly string[] = []): void {
  if (!isPlainObject(value)) throw fieldError('ERR_DLN_TYPE', path, `expected an object, got ${typeName(value)}`);
  const fields = spec.fields;
  const known = [...Object.keys(fields), ...extra];
  // Unknown keys first: a misspelt required option is reported as the typo it is.
  for (const key of Object.keys(value)) {
    if (value[key] === undefined || Object.hasOwn(fields, key) || extra.includes(key)) continue;
    throw fieldError('ERR_DLN_VALUE', `${path}.${key}`, `unknown option${suggestion(key, known)}`);
  }
  for (const [key, spec] of Object.entries(fields)) {
    const v = Object.hasOwn(value, key) ? value[key] : undefined;
    const field = `${path}.${key}`;
    if (isAbsent(v)) {
      if (spec.required) throw fieldError('ERR_DLN_TYPE', field, `is required (${typeText(spec)}${rangeSuffix(spec)})`);
      continue;
    }
    checkValue(spec, v, field);
  }
  spec.check?.(value, path);
}

/**
 * Checks an options object against its declaration: an object, no unknown key (keys in `extra`
 * are allowed and left to the caller), every present option of its type and within its bounds,
 * every required one present. Throws a DlnError naming the field (`options.k`), its code
 * ERR_DLN_TYPE for a wrong type or a missing required option and ERR_DLN_VALUE otherwise.
 */
export function checkOptions(spec: GroupSpec, value: unknown, path = 'options', extra: readonly string[] = []): void {
  checkGroup(spec, value, path, extra);
}

/** A copy of a checked options object with the declared defaults in place of absent options (nested groups and lists too). */
export function withDefaults<T extends object>(spec: GroupSpec, value: T): T {
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [key, s] of Object.entries(spec.fields)) {
    const v = out[key];
    if (isAbsent(v)) {
      if (s.default !== undefined) out[key] = s.default;
      else if (v === null) delete out[key];
      continue;
    }
    if (s.kind === 'group') out[key] = withDefaults(s as GroupSpec, v as object);
    else if (s.kind === 'list' && s.fields) {
      const g = { kind: 'group', fields: s.fields, doc: '' } as GroupSpec;
      out[key] = Array.isArray(v) ? v.map((e) => withDefaults(g, e as object)) : withDefaults(g, v as object);
    }
  }
  return out as T;
}

/** The declared options present in `value` (config sections shared by several entry points). */
export function pick(spec: GroupSpec, value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(spec.fields)) if (value[key] !== undefined) out[key] = value[key];
  return out;
}

/**
 * Config values as the API takes them: infinities are written "inf" / "-inf" in configs (JSON
 * cannot hold them), numbers in the API.
 */
export function fromConfig(spec: Spec, value: unknown): unknown {
  if (value === 'inf' && (spec.kind === 'number' || spec.kind === 'integer')) return Infinity;
  if (value === '-inf' && (spec.kind === 'number' || spec.kind === 'integer')) return -Infinity;
  if (spec.kind === 'group' && isPlainObject(value)) {
    const out: Record<string, unknown> = { ...value };
    for (const [k, s] of Object.entries(spec.fields ?? {})) if (out[k] !== undefined) out[k] = fromConfig(s, out[k]);
    return out;
  }
  if (spec.kind === 'list' && Array.isArray(value)) {
    const g = { kind: 'group', fields: spec.fields ?? {}, doc: '' } as GroupSpec;
    return value.map((e) => fromConfig(g, e));
  }
  return value;
}
