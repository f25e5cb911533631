import { Errno, ErrnoName } from './errno';

/**
 * Operating failures and bad input (STYLE §12, second channel): a stable `code` that scripts and tests
 * can rely on, and the errno Ceph would return for the same failure.
 */
export class CephError extends Error {
  readonly code: string;
  readonly errno: number;
  constructor(code: string, errno: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CephError';
    this.code = code;
    this.errno = errno;
  }
}

/** A CephError whose code is the errno's own name: `cephError('EACCES', 'access denied')`. */
export function cephError(name: ErrnoName, message: string, options?: { cause?: unknown }): CephError {
  return new CephError(name, Errno[name], message, options);
}

/** True if `e` is a CephError with the given errno name. */
export function isCephError(e: unknown, name?: ErrnoName): e is CephError {
  return e instanceof CephError && (name === undefined || e.errno === Errno[name]);
}

/**
 * Our own bugs (STYLE §12, first channel). Kept on in production: a broken invariant must stop the
 * operation loudly rather than corrupt state quietly.
 */
export class AssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssertionError';
  }
}

export function assert(cond: unknown, message = 'assertion failed'): asserts cond {
  if (!cond) throw new AssertionError(message);
}

export function unreachable(x: never, what = 'value'): never {
  throw new AssertionError(`unreachable: unexpected ${what} ${String(x)}`);
}
