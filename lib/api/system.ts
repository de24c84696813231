/** Build facts and process-wide settings. */
import { callNative } from '../errors';
import { native } from '../native';
import { checkOptions, type OptionsOf } from '../options/declare';
import { blasThresholdOptions } from '../options/system';

export interface BuildInfo {
  /** BLAS the addon was built against: "openblas", "accelerate", "cblas" or "none". */
  blasVendor: string;
  blasThreads: number;
  /**
   * Size from which products go to BLAS instead of the built-in loops: `gemm` for m*n*k of
   * multi-column products, `gemv` for rows*cols of matrix-vector products.
   */
  blasThresholds: { gemm: number; gemv: number };
  /** Long computations (train, flow, ...) run at most this many at once, each on its own thread. */
  workerThreads: number;
  memoryLimit: number;
  napiVersion: number;
  compiler: string;
}

export function buildInfo(): BuildInfo {
  return callNative(() => native().buildInfo());
}

/** Threads OpenBLAS may use inside one call (default 1: runs are parallel across cores instead). */
export function setBlasThreads(threads: number): void {
  callNative(() => native().setBlasThreads(threads));
}

/**
 * Caps how many long computations run at once (default: one per core, or DLNFLOW_THREADS). Each
 * computation is single-threaded and deterministic, so this changes speed, never results.
 */
export function setWorkerThreads(threads: number): void {
  callNative(() => native().setWorkerThreads(threads));
}

/** Requests needing more memory than this (bytes, default 8 GiB) are refused with ERR_DLN_MEMORY. */
export function setMemoryLimit(bytes: number): void {
  callNative(() => native().setMemoryLimit(bytes));
}

/** For benchmarks: the sizes from which products go to BLAS (see BuildInfo.blasThresholds). */
export function setBlasThresholds(thresholds: OptionsOf<typeof blasThresholdOptions.fields>): void {
  checkOptions(blasThresholdOptions, thresholds, 'thresholds');
  callNative(() => native().setBlasThresholds(thresholds));
}
