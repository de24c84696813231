/** Shared plumbing for long native work: AbortSignal, progress, error re-wrapping. */
import { callNative, DlnAbortError, fieldError, wrapNative } from '../errors';
import type { NativeJob, NativeProgress } from '../native';

/** Progress of a long computation, delivered at most every ~100 ms. */
export interface Progress {
  /** Steps (gradient descent), accepted steps (flow) or runs (sweeps) done. */
  done: number;
  /** The budget, or 0 when unknown. */
  total: number;
  loss: number;
  /** Flow time, when it applies. */
  time: number;
}

export interface RunControls {
  /** Stops the work; the promise rejects with a DlnAbortError whose `partial` holds the result so far. */
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

function isAbortSignal(x: unknown): x is AbortSignal {
  return (
    typeof x === 'object' && x !== null && typeof (x as AbortSignal).aborted === 'boolean' && typeof (x as AbortSignal).addEventListener === 'function'
  );
}

/**
 * Starts a native job, wires the AbortSignal to its cancel flag and converts its result. A run the
 * signal stopped rejects with DlnAbortError carrying the converted partial result; a run stopped
 * otherwise resolves with status "cancelled".
 */
export async function runNativeJob<N extends { status: string }, R>(
  start: (onProgress?: (p: NativeProgress) => void) => NativeJob<N>,
  controls: RunControls,
  convert: (result: N) => R,
): Promise<R> {
  const { signal, onProgress } = controls;
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw fieldError('ERR_DLN_TYPE', 'onProgress', 'expected a function');
  }
  if (signal !== undefined && !isAbortSignal(signal)) throw fieldError('ERR_DLN_TYPE', 'signal', 'expected an AbortSignal');
  if (signal?.aborted) throw new DlnAbortError(signal.reason);
  const stackHolder = new Error();
  const job = callNative(() => start(onProgress ? (p) => onProgress({ ...p }) : undefined));
  const abort = () => job.cancel();
  signal?.addEventListener('abort', abort, { once: true });
  let result: N;
  try {
    result = await job.promise;
  } catch (err) {
    // Work with no partial result (an eigensolve) stops by throwing ERR_DLN_CANCELLED.
    if (signal?.aborted && (err as { code?: unknown } | null)?.code === 'ERR_DLN_CANCELLED') throw new DlnAbortError(signal.reason);
    throw wrapNative(err, stackHolder);
  } finally {
    signal?.removeEventListener('abort', abort);
  }
  const converted = convert(result);
  if (result.status === 'cancelled' && signal?.aborted) throw new DlnAbortError(signal.reason, converted);
  return converted;
}
