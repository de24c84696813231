/** Initial weights, drawn in the core from streams keyed by (seed, stream, layer). */
import { callNative } from '../errors';
import { native } from '../native';
import { fieldError } from '../errors';
import { toVector, type VectorLike } from './matrix';

function widthsArg(widths: readonly number[]): number[] {
  if (!Array.isArray(widths)) throw fieldError('ERR_DLN_TYPE', 'widths', 'expected an array of integers');
  return widths.slice();
}

export type InitKind = 'gaussian' | 'zero-layer' | 'residual' | 'lazy';

export interface InitOptions {
  /**
   * gaussian: N(0, scale^2) entries (optionally `layerScales` per layer); zero-layer: gaussian with
   * layer `zeroLayer` (0-based) set to 0; residual: I + scale / sqrt(L d) N (square layers);
   * lazy: Jacot et al.'s large-norm init, std sigma^{1/L} w^{-(L-1)/(2L)} (w the hidden width).
   */
  kind?: InitKind;
  scale?: number;
  layerScales?: VectorLike;
  zeroLayer?: number;
  sigma?: number;
  seed?: number;
  /** Selects an independent stream for the same seed, e.g. the repetition index. */
  stream?: number;
}

export function initWeights(widths: readonly number[], options: InitOptions = {}): Float64Array {
  if (options === null || typeof options !== 'object') throw fieldError('ERR_DLN_TYPE', 'options', 'expected an object');
  const opts: Record<string, unknown> = { ...options };
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
