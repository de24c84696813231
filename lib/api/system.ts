/** Build facts and process-wide settings. */
import { callNative } from '../errors';
import { native } from '../native';

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
  /** The memory limit in bytes (see setMemoryLimit). */
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

/**
 * Caps the native memory dlnflow's work in flight holds at once in this process (bytes; every
 * thread and worker_thread shares it). Runs, eigensolves, dense Hessians and measurements reserve
 * what they will hold before allocating it -- weights copied in and out, working buffers, and a
 * run's trace as it grows -- and give it back when their result is handed over or they fail. A
 * request that would take the total above the limit is refused with ERR_DLN_MEMORY naming the
 * field; a run whose trace outgrows it rejects with ERR_DLN_MEMORY on `options.recordEvery`.
 * Default: half of the memory available to the process (physical memory, or its cgroup's limit
 * when lower). Lowering it below what is held now only makes new requests fail.
 */
export function setMemoryLimit(bytes: number): void {
  callNative(() => native().setMemoryLimit(bytes));
}

/** For benchmarks: the sizes from which products go to BLAS (see BuildInfo.blasThresholds). */
export function setBlasThresholds(thresholds: { gemm?: number; gemv?: number }): void {
  callNative(() => native().setBlasThresholds(thresholds));
}
