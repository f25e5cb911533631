import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { logger, repoRoot } from '@ts-ceph/common';
import { installCrc32c } from '@ts-ceph/denc';
import type { GcmBinding, NativeGcmContext } from './core/gcm';

const log = logger('ms');

/** Which AES-GCM secure mode uses: TS_CEPH_GCM=node forces node:crypto (tests of the fallback). */
export type GcmImpl = 'native' | 'node';

let probed: { binding: GcmBinding | undefined; why: string } | undefined;

/**
 * The native AES-128-GCM (native/gcm.cc) as a GcmBinding for the protocol cores, or undefined when
 * the addon is not built (or TS_CEPH_GCM=node): secure mode then uses node:crypto, with the same
 * bytes on the wire and more CPU per frame. Probed once per process; the reason for a fallback is
 * logged once.
 */
export function nativeGcmBinding(): GcmBinding | undefined {
  if (!probed) {
    probed = probe();
    if (!probed.binding) log.info(`secure mode uses node:crypto AES-GCM: ${probed.why}`);
  }
  return probed.binding;
}

/** Why the native binding is not used ('' when it is). */
export function nativeGcmFallbackReason(): string {
  nativeGcmBinding();
  return probed!.why;
}

let crcInstalled = false;

/**
 * Long crc32c runs (crc-mode frame segments: a 1 MiB data segment is checksummed once by the sender
 * and once by the receiver) go to the native addon's interleaved crc32c from now on, when the addon
 * is built; fast-crc32c keeps them otherwise. Same results either way (installCrc32c checks it).
 * Once per process.
 */
export function installNativeCrc32c(): void {
  if (crcInstalled) return;
  crcInstalled = true;
  const path = join(repoRoot(), 'build', 'Release', 'ts_ceph_native.node');
  if (!existsSync(path)) return;
  try {
    // The addon is a CommonJS native module; require is the only way to load it.
    const addon = require(path) as { crc32c?: (seed: number, buf: Uint8Array, off: number, len: number, forceTable: boolean) => number };
    const fn = addon.crc32c;
    if (fn) installCrc32c((seed, data) => fn(seed, data, 0, data.byteLength, false) >>> 0);
  } catch (e) {
    log.info(`crc32c stays with fast-crc32c: ${(e as Error).message}`);
  }
}

function probe(): { binding: GcmBinding | undefined; why: string } {
  if (process.env.TS_CEPH_GCM === 'node') return { binding: undefined, why: 'TS_CEPH_GCM=node' };
  const path = join(repoRoot(), 'build', 'Release', 'ts_ceph_native.node');
  if (!existsSync(path)) return { binding: undefined, why: `native addon not built (${path})` };
  try {
    // The addon is a CommonJS native module; require is the only way to load it.
    const addon = require(path) as { GcmContext?: new (key: Uint8Array, encrypt: boolean) => NativeGcmContext };
    const Ctor = addon.GcmContext;
    if (!Ctor) return { binding: undefined, why: 'native addon has no GcmContext (rebuild it: npm run build:native)' };
    if (opensInPlace(Ctor)) return { binding: (key, encrypt) => new Ctor(key, encrypt), why: '' };
    log.info('the native addon predates in-place AES-GCM open (rebuild it: npm run build:native): landed secure frames are copied before they are opened');
    return { binding: (key, encrypt) => copyingInPlace(new Ctor(key, encrypt)), why: '' };
  } catch (e) {
    return { binding: undefined, why: `native addon failed to load: ${(e as Error).message}` };
  }
}

/**
 * Whether this build of the addon opens in place (out == in exactly, native/gcm.cc): an older one
 * refuses any overlap with a RangeError. Probed with an empty operation whose 16-byte tag sits
 * where its (empty) plaintext goes; the tag is wrong, which is not the question.
 */
function opensInPlace(Ctor: new (key: Uint8Array, encrypt: boolean) => NativeGcmContext): boolean {
  const ctx = new Ctor(Buffer.alloc(16), false);
  const b = Buffer.alloc(16);
  try {
    ctx.open(b, 0, Buffer.alloc(12), new Uint32Array(1), 1, [b]);
    return true;
  } catch {
    return false;
  } finally {
    ctx.destroy();
  }
}

/** An old addon's context made to accept an exact in-place open: the ciphertext is copied first. */
export function copyingInPlace(ctx: NativeGcmContext): NativeGcmContext {
  return {
    seal: (...a) => ctx.seal(...a),
    open: (out, outOffset, nonces, opBytes, ops, pieces, aad) => {
      const p = pieces[0];
      const same = pieces.length === 1 && p !== undefined && p.buffer === out.buffer && p.byteOffset === out.byteOffset + outOffset;
      const src = same ? [Uint8Array.prototype.slice.call(p)] : pieces;
      return aad ? ctx.open(out, outOffset, nonces, opBytes, ops, src, aad) : ctx.open(out, outOffset, nonces, opBytes, ops, src);
    },
    destroy: () => ctx.destroy(),
  };
}