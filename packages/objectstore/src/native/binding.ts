import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@ts-ceph/common';

/**
 * The C++ addon built from binding.gyp (native/*.cc). Every function here trusts its arguments only
 * as far as the C++ side re-checks bounds; callers go through device.ts / crypto.ts, which validate.
 */
export interface NativeDevice {
  /**
   * Queue one op; 0, or a negative errno (-EBUSY: ring full, -EBADF: closed, -EFAULT: bad range).
   * `flags` (SubmitFlag): LINK, the next submit is its partner, started only after this op
   * succeeded; BACKGROUND, issued from an io_uring worker instead of inline.
   */
  submit(op: number, slot: number, buf: Uint8Array | null, bufOffset: number, length: number, offset: number, flags?: number): number;
  /** Hand queued ops to the kernel; the number submitted or a negative errno. */
  flush(): number;
  /** True when closed now; false when in-flight pool ops must finish first. */
  close(): boolean;
  info(): NativeDeviceInfo;
  setFault(every: number, errno: number, count: number): void;
  registerBuffer(ab: ArrayBuffer): boolean;
  /** A durable write (pwritev2 RWF_DSYNC) on the calling thread: bytes written or a negative errno. */
  writeSync(buf: Uint8Array, bufOffset: number, length: number, offset: number): number;
  readonly fallbackReason: string;
}

export interface NativeDeviceInfo {
  backend: 'io_uring' | 'pool' | 'closed';
  size: number;
  blockdev: boolean;
  direct: boolean;
  capacity: number;
  inflight: number;
  registeredFile: boolean;
  registeredBuffer: boolean;
}

export interface NativeXtsKey {
  /** In place, or from `src` (at srcOffset) into `buf` (at offset). */
  crypt(encrypt: boolean, buf: Uint8Array, offset: number, length: number, sectorBytes: number, firstIv: number, ivStep: number, src?: Uint8Array, srcOffset?: number): void;
  /** crypt() on the libuv thread pool; the range must not be touched until it settles. */
  cryptAsync(encrypt: boolean, buf: Uint8Array, offset: number, length: number, sectorBytes: number, firstIv: number, ivStep: number, src?: Uint8Array, srcOffset?: number): Promise<void>;
  destroy(): void;
}

export interface NativeAddon {
  Device: new (
    path: string,
    direct: boolean,
    readonly: boolean,
    backend: string,
    entries: number,
    completions: Int32Array,
    onComplete: (count: number) => void,
  ) => NativeDevice;
  XtsKey: new (key: Uint8Array) => NativeXtsKey;
  crc32c(seed: number, buf: Uint8Array, offset: number, length: number, forceTable: boolean): number;
  crc32cBlocks(seed: number, buf: Uint8Array, blockBytes: number, out: Uint32Array): void;
  crc32cHardware: boolean;
  argon2(type: 'argon2i' | 'argon2id', password: Uint8Array, salt: Uint8Array, time: number, memoryKiB: number, lanes: number, outBytes: number): Promise<Buffer>;
  /** Bytes from an ArrayBuffer's first byte to its first `alignment`-aligned one. */
  alignSkip(ab: ArrayBuffer, alignment: number): number;
  /** glibc's malloc_trim(0): whether memory was returned. Absent from builds that predate it. */
  mallocTrim?(): boolean;
}

let cached: NativeAddon | undefined;

/** Load the addon once; a missing build is an operating failure with a clear instruction. */
export function nativeAddon(): NativeAddon {
  if (cached) return cached;
  const path = join(repoRoot(), 'build', 'Release', 'ts_ceph_native.node');
  if (!existsSync(path)) throw new Error(`native addon not built (${path}): run npm run build:native`);
  // The addon is a CommonJS native module; require is the only way to load it.
  cached = require(path) as NativeAddon;
  if (typeof cached.alignSkip !== 'function') throw new Error(`native addon at ${path} predates alignSkip: run npm run build:native`);
  return cached;
}
