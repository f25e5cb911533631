/**
 * Linux errno values, as Ceph puts them on the wire (negated in replies such as MMonCommandAck.r and
 * MOSDOpReply.result). Ceph-specific aliases are listed under their Ceph names.
 * Source: /usr/include/asm-generic/errno-base.h, errno.h; Ceph's src/include/errno.h (EBLOCKLISTED,
 * EOLDSNAPC).
 */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  EPIPE: 32,
  EDOM: 33,
  ERANGE: 34,
  EDEADLK: 35,
  ENAMETOOLONG: 36,
  ENOLCK: 37,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ENOMSG: 42,
  ENODATA: 61,
  ETIME: 62,
  ENOLINK: 67,
  EPROTO: 71,
  EBADMSG: 74,
  EOVERFLOW: 75,
  EILSEQ: 84,
  /** Ceph: EOLDSNAPC is ERESTART (85). */
  EOLDSNAPC: 85,
  EUSERS: 87,
  EMSGSIZE: 90,
  EOPNOTSUPP: 95,
  EADDRINUSE: 98,
  ENETUNREACH: 101,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOTCONN: 107,
  /** Ceph: EBLOCKLISTED is ESHUTDOWN (108). */
  ESHUTDOWN: 108,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EALREADY: 114,
  EINPROGRESS: 115,
  ESTALE: 116,
  EDQUOT: 122,
  ECANCELED: 125,
  EKEYREJECTED: 129,
  ENOTRECOVERABLE: 131,
} as const;

export type ErrnoName = keyof typeof Errno;

export const EBLOCKLISTED = Errno.ESHUTDOWN;

const byNumber = new Map<number, ErrnoName>();
for (const [k, v] of Object.entries(Errno)) if (!byNumber.has(v)) byNumber.set(v, k as ErrnoName);

/** The symbolic name of an errno value (positive or negative), or `E<n>` if unknown. */
export function errnoName(n: number): string {
  return byNumber.get(Math.abs(n)) ?? `E${Math.abs(n)}`;
}

/** strerror(3) texts for the errno values Ceph tools print ("Error EACCES: ..."). */
const strerrorText: Partial<Record<ErrnoName, string>> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  EIO: 'Input/output error',
  E2BIG: 'Argument list too long',
  ENOEXEC: 'Exec format error',
  EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  EINVAL: 'Invalid argument',
  EFBIG: 'File too large',
  ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system',
  ERANGE: 'Numerical result out of range',
  ENAMETOOLONG: 'File name too long',
  ENOSYS: 'Function not implemented',
  ENOTEMPTY: 'Directory not empty',
  ENODATA: 'No data available',
  EPROTO: 'Protocol error',
  EBADMSG: 'Bad message',
  EOVERFLOW: 'Value too large for defined data type',
  EOPNOTSUPP: 'Operation not supported',
  ECONNRESET: 'Connection reset by peer',
  ENOTCONN: 'Transport endpoint is not connected',
  ESHUTDOWN: 'Cannot send after transport endpoint shutdown',
  ETIMEDOUT: 'Connection timed out',
  ECONNREFUSED: 'Connection refused',
  ECANCELED: 'Operation canceled',
};

export function strerror(n: number): string {
  const name = byNumber.get(Math.abs(n));
  return (name && strerrorText[name]) ?? `Unknown error ${Math.abs(n)}`;
}
