/** Shared plumbing for long native work: AbortSignal, progress, error re-wrapping. */
import { callNative, DlnAbortError, fieldError, wrapNative } from '../errors';
import type { NativeJob, NativeProgress } from '../native';
import type { Progress } from '../options/run';

export type { Progress } from '../options/run';

export interface RunControls {
  /** Stops the work; the promise rejects with a DlnAbortError whose `partial` holds the result so far. */
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

function isAbortSignal(x: unknown): x is AbortSignal {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as AbortSignal).aborted === 'boolean' &&
    typeof (x as AbortSignal).addEventListener === 'function'
  );
}

/**
 * Starts a native job, wires the AbortSignal to its cancel flag and converts its result. A run the
 * signal stopped rejects with DlnAbortError carrying the converted partial result; a run stopped
 * otherwise resolves with status "cancelled". A progress callback that throws stops the job, and
 * the promise rejects with exactly what it threw (an Error or not): the caller's own failure, not
 * dlnflow's.
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
  let thrown: { value: unknown } | undefined;
  let job: NativeJob<N> | undefined;
  const progress = (p: NativeProgress) => {
    if (thrown) return;
    try {
      onProgress!({ ...p });
    } catch (err) {
      thrown = { value: err };
      job?.cancel();
    }
  };
  const started = callNative(() => start(onProgress ? progress : undefined));
  job = started;
  const abort = () => started.cancel();
  signal?.addEventListener('abort', abort, { once: true });
  let result: N;
  try {
    result = await started.promise;
  } catch (err) {
    if (thrown) throw thrown.value;
    // Work with no partial result (an eigensolve) stops by throwing ERR_DLN_CANCELLED.
    if (signal?.aborted && (err as { code?: unknown } | null)?.code === 'ERR_DLN_CANCELLED') throw new DlnAbortError(signal.reason);
    throw wrapNative(err, stackHolder);
  } finally {
    signal?.removeEventListener('abort', abort);
  }
  if (thrown) throw thrown.value;
  const converted = convert(result);
  if (result.status === 'cancelled' && signal?.aborted) throw new DlnAbortError(signal.reason, converted);
  return converted;
}
