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
  /** The memory limit in bytes (see setMemoryLimit). */
  /**
   * The most `setWorkerThreads` (or DLNFLOW_THREADS) accepts now. OpenBLAS has a fixed pool of
   * work buffers, 2 x its compiled MAX_THREADS (128 for the usual MAX_THREADS=64), shared by every
   * thread inside it at once; past it OpenBLAS corrupts memory. One is kept for each JavaScript
   * thread with dlnflow loaded and one for each OpenBLAS thread beyond the first (its pool never
   * shrinks), the rest is for runs. 4096 with other BLAS libraries.
   */
  maxWorkerThreads: number;
  /** The most `setBlasThreads` accepts: OpenBLAS's compiled MAX_THREADS. */
  maxBlasThreads: number;
  memoryLimit: number;
  /**
   * The instruction-set level the hot kernels (chain products, GD step, Hessian-vector products)
   * run at: `baseline` unless DLNFLOW_CPU asks for `avx2` (AVX2 + FMA), `avx512`, or `best` (the
   * highest this CPU supports); an unsupported or unknown value makes loading fail with
   * ERR_DLN_VALUE. Each level is deterministic on its own, but levels round differently (FMA): the
   * level is part of a run's identity (run metadata records it). `baseline` gives the bits of builds
   * without dispatch, on every machine.
   */
  cpuLevel: 'baseline' | 'avx2' | 'avx512';
  /** The levels this build and CPU support (DLNFLOW_CPU accepts these). */
  cpuLevels: ('baseline' | 'avx2' | 'avx512')[];
  /**
   * The instruction set the SIMD lanes' kernels run (sweeps' gradient-descent runs in lanes,
   * docs/algorithms.md §4.8): the widest this CPU has, with the rounding of `cpuLevel` (at
   * `baseline`, AVX2 or AVX-512 code compiled without FMA contraction gives the baseline's bits).
   */
  laneIsa: 'baseline' | 'avx2' | 'avx512';
  /** Runs per lane group (doubles per SIMD value of the lanes). */
  laneWidth: number;
  /**
   * The identity of the normal draws (data, teacher, initial weights, label noise, power-iteration
   * starts): `polar-detlog-1`, the polar method with dlnflow's own log (docs/algorithms.md §2.8),
   * the same bits on every machine. A results directory records it (experiment.json) and is not
   * resumed by a build that draws otherwise.
   */
  normals: string;
  napiVersion: number;
  compiler: string;
}

export function buildInfo(): BuildInfo {
  return callNative(() => native().buildInfo());
}

/**
 * Threads OpenBLAS may use inside one call (default 1: runs are parallel across cores instead).
 * Results are deterministic for a given BLAS thread count, but a different count can change their
 * last bits (OpenBLAS splits large products differently). Refused (ERR_DLN_VALUE) above
 * `buildInfo().maxBlasThreads`, or when the extra OpenBLAS threads would leave less room than the
 * worker threads set need (see `maxWorkerThreads`).
 */
export function setBlasThreads(threads: number): void {
  callNative(() => native().setBlasThreads(threads));
}

/**
 * Caps how many long computations run at once (default: one per core within
 * `buildInfo().maxWorkerThreads`, or DLNFLOW_THREADS, which must then be a positive integer within
 * it). Each computation is single-threaded and deterministic, so this changes speed, never results.
 * Refused (ERR_DLN_VALUE, naming the limit) above `maxWorkerThreads`.
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
export function setBlasThresholds(thresholds: OptionsOf<typeof blasThresholdOptions.fields>): void {
  checkOptions(blasThresholdOptions, thresholds, 'thresholds');
  callNative(() => native().setBlasThresholds(thresholds));
}
