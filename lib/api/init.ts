/** Initial weights, drawn in the core from streams keyed by (seed, stream, layer). */
import { callNative, fieldError } from '../errors';
import { native } from '../native';
import { checkOptions, withDefaults, type OptionsOf, type TypeOf } from '../options/declare';
import { initFields, initOptions } from '../options/init';
import { toVector } from './matrix';

function widthsArg(widths: readonly number[]): number[] {
  if (!Array.isArray(widths)) throw fieldError('ERR_DLN_TYPE', 'widths', 'expected an array of integers');
  return widths.slice();
}

export type InitKind = TypeOf<typeof initFields.kind>;

/**
 * The options of initWeights(), declared in lib/options/init.ts: kind (gaussian: N(0, scale^2)
 * entries, optionally `layerScales` per layer; zero-layer: gaussian with layer `zeroLayer` set to 0;
 * residual: I + scale / sqrt(L d) N (square layers); lazy: Jacot et al.'s large-norm init), scale,
 * sigma, zeroLayer, layerScales, seed, stream.
 */
export type InitOptions = OptionsOf<typeof initOptions.fields>;

export function initWeights(widths: readonly number[], options: InitOptions = {}): Float64Array {
  checkOptions(initOptions, options);
  const opts: Record<string, unknown> = withDefaults(initOptions, options);
  if (options.layerScales !== undefined) opts.layerScales = toVector(options.layerScales, 'options.layerScales');
  const w = widthsArg(widths);
  return callNative(() => native().initWeights({ widths: w }, opts));
}

/** The entry std of Jacot et al.'s lazy (large-norm) init for these widths. */
export function lazyStd(widths: readonly number[], sigma = 1): number {
  const w = widthsArg(widths);
  return callNative(() => native().lazyStd({ widths: w }, { sigma }));
}

/** A uniformly random unit vector (the residual experiments' projection p). */
export function randomUnitVector(d: number, seed = 0, stream = 0): Float64Array {
  return callNative(() => native().randomUnitVector({ d, seed, stream }));
}
