/**
 * Errors thrown by dlnflow. Every error has a stable `code`; errors about an argument name it in
 * `field` (a dotted path such as `options.learningRate`).
 */

/** Stable error codes (see README, "Errors"). */
export type DlnErrorCode =
  /** A value of the wrong type (a plain array where a Float64Array is required, a string for a number...). */
  | 'ERR_DLN_TYPE'
  /** Wrong length or shape, or dimensions that do not match each other. */
  | 'ERR_DLN_SHAPE'
  /** A value out of range, or not finite where a finite value is required. */
  | 'ERR_DLN_VALUE'
  /** The request would exceed the memory limit (`setMemoryLimit`), or its size overflows. */
  | 'ERR_DLN_MEMORY'
  /** The work was cancelled through an AbortSignal. */
  | 'ERR_DLN_CANCELLED'
  /** A configuration file or object does not match its schema. */
  | 'ERR_DLN_CONFIG'
  /** A file could not be read or written. */
  | 'ERR_DLN_IO'
  /** A results directory (or one of its result files) is locked by another live process. */
  | 'ERR_DLN_BUSY'
  /** The native addon could not be loaded. */
  | 'ERR_DLN_NATIVE_LOAD'
  /** A bug in dlnflow: please report it. */
  | 'ERR_DLN_INTERNAL';

const KNOWN_CODES = new Set<string>([
  'ERR_DLN_TYPE',
  'ERR_DLN_SHAPE',
  'ERR_DLN_VALUE',
  'ERR_DLN_MEMORY',
  'ERR_DLN_CANCELLED',
  'ERR_DLN_CONFIG',
  'ERR_DLN_IO',
  'ERR_DLN_BUSY',
  'ERR_DLN_NATIVE_LOAD',
  'ERR_DLN_INTERNAL',
]);

export class DlnError extends Error {
  readonly code: DlnErrorCode;
  readonly field?: string;

  constructor(code: DlnErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = code === 'ERR_DLN_CANCELLED' ? 'AbortError' : 'DlnError';
    this.code = code;
    if (options.field !== undefined) this.field = options.field;
  }
}

/** Thrown (as the rejection) when an AbortSignal stops a run; `partial` holds what was done. */
export class DlnAbortError<T = unknown> extends DlnError {
  readonly partial?: T;
  constructor(reason: unknown, partial?: T) {
    super('ERR_DLN_CANCELLED', reason instanceof Error ? `aborted: ${reason.message}` : 'the operation was aborted', {
      cause: reason,
    });
    this.name = 'AbortError';
    if (partial !== undefined) this.partial = partial;
  }
}

export function fieldError(code: DlnErrorCode, field: string, message: string): DlnError {
  return new DlnError(code, `${field}: ${message}`, { field });
}

/**
 * Re-creates an error thrown by the addon in this realm (native errors are not `instanceof Error`
 * of the caller's realm under jest or vm contexts), keeping its code and field and attaching the
 * caller's stack rather than the native one.
 */
export function wrapNative(err: unknown, stackHolder?: Error): unknown {
  if (err instanceof DlnError) return err;
  if (err === null || typeof err !== 'object') return err;
  const e = err as { code?: unknown; message?: unknown; field?: unknown };
  if (typeof e.code !== 'string' || !KNOWN_CODES.has(e.code)) return err;
  const wrapped = new DlnError(e.code as DlnErrorCode, String(e.message), {
    field: typeof e.field === 'string' ? e.field : undefined,
  });
  if (stackHolder?.stack) {
    wrapped.stack = `${wrapped.name}: ${wrapped.message}\n${stackHolder.stack.split('\n').slice(1).join('\n')}`;
  }
  return wrapped;
}

/** Calls into the addon, re-wrapping what it throws. */
export function callNative<T>(fn: () => T): T {
  const stackHolder = new Error();
  try {
    return fn();
  } catch (err) {
    throw wrapNative(err, stackHolder);
  }
}
