import { cephError } from '@ts-ceph/common/core';
import { stringByteLength } from '@ts-ceph/denc';
import { CollT, GHObject, validateColl, validateGHObject } from './types';

/**
 * ObjectStore::Transaction: an ordered list of ops applied atomically. The op codes are Ceph's
 * (src/os/Transaction.h); the payloads are plain data. Ops that Ceph deprecated or never
 * implemented in BlueStore (COLL_ADD, COLL_MOVE, CLONERANGE, TRIMCACHE) are not offered.
 */
export const OP = {
  NOP: 0,
  TOUCH: 9,
  WRITE: 10,
  ZERO: 11,
  TRUNCATE: 12,
  REMOVE: 13,
  SETATTRS: 15,
  RMATTR: 16,
  CLONE: 17,
  MKCOLL: 20,
  RMCOLL: 21,
  RMATTRS: 28,
  CLONERANGE2: 30,
  OMAP_CLEAR: 31,
  OMAP_SETKEYS: 32,
  OMAP_RMKEYS: 33,
  OMAP_SETHEADER: 34,
  OMAP_RMKEYRANGE: 37,
  COLL_MOVE_RENAME: 38,
  SETALLOCHINT: 39,
  TRY_RENAME: 41,
  COLL_SET_BITS: 42,
} as const;

export type Op =
  | { op: typeof OP.NOP }
  | { op: typeof OP.TOUCH; cid: CollT; oid: GHObject }
  | { op: typeof OP.WRITE; cid: CollT; oid: GHObject; offset: number; data: Buffer }
  | { op: typeof OP.ZERO; cid: CollT; oid: GHObject; offset: number; length: number }
  | { op: typeof OP.TRUNCATE; cid: CollT; oid: GHObject; size: number }
  | { op: typeof OP.REMOVE; cid: CollT; oid: GHObject }
  | { op: typeof OP.SETATTRS; cid: CollT; oid: GHObject; attrs: Map<string, Buffer> }
  | { op: typeof OP.RMATTR; cid: CollT; oid: GHObject; name: string }
  | { op: typeof OP.RMATTRS; cid: CollT; oid: GHObject }
  | { op: typeof OP.CLONE; cid: CollT; oid: GHObject; noid: GHObject }
  | { op: typeof OP.CLONERANGE2; cid: CollT; oid: GHObject; noid: GHObject; srcOffset: number; length: number; dstOffset: number }
  | { op: typeof OP.MKCOLL; cid: CollT; bits: number }
  | { op: typeof OP.RMCOLL; cid: CollT }
  | { op: typeof OP.COLL_SET_BITS; cid: CollT; bits: number }
  | { op: typeof OP.COLL_MOVE_RENAME; cid: CollT; oid: GHObject; ncid: CollT; noid: GHObject }
  | { op: typeof OP.TRY_RENAME; cid: CollT; oid: GHObject; noid: GHObject }
  | { op: typeof OP.OMAP_CLEAR; cid: CollT; oid: GHObject }
  | { op: typeof OP.OMAP_SETKEYS; cid: CollT; oid: GHObject; kv: Map<string, Buffer> }
  | { op: typeof OP.OMAP_RMKEYS; cid: CollT; oid: GHObject; keys: string[] }
  | { op: typeof OP.OMAP_RMKEYRANGE; cid: CollT; oid: GHObject; first: string; last: string }
  | { op: typeof OP.OMAP_SETHEADER; cid: CollT; oid: GHObject; header: Buffer }
  | { op: typeof OP.SETALLOCHINT; cid: CollT; oid: GHObject; expectedObjectSize: number; expectedWriteSize: number; flags: number };

/** Bounds on one transaction (docs/LIMITS.md). */
export const txnOpsMax = 65536;
export const txnBytesMax = 256 * 1024 * 1024;
/** The largest object offset + length (Ceph's osd_max_object_size default is 128 MiB; we allow more for the meta collection). */
export const objectBytesMax = 1024 * 1024 * 1024;
/**
 * One xattr value. Ceph's OSD bounds none (osd_max_attr_size 0) below its 90 MiB write message;
 * BlueStore keeps xattrs in the onode as we do, so a value this large makes every onode update of
 * its object rewrite it: the same bound as an omap value.
 */
export const xattrBytesMax = 64 * 1024 * 1024;
export const omapKeyBytesMax = 8192;
export const omapValueBytesMax = 64 * 1024 * 1024;

function checkRange(what: string, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) throw cephError('EINVAL', `${what}: bad offset/length ${offset}~${length}`);
  if (offset + length > objectBytesMax) throw cephError('EFBIG', `${what}: ${offset}~${length} beyond objectBytesMax (${objectBytesMax})`);
}

export class Transaction {
  readonly ops: Op[] = [];
  private bytes = 0;

  get length(): number {
    return this.ops.length;
  }
  empty(): boolean {
    return this.ops.length === 0;
  }
  /** Payload bytes carried (data, attrs, omap): what the store will write at most. */
  get dataBytes(): number {
    return this.bytes;
  }

  private push(op: Op, bytes = 0): this {
    if (this.ops.length >= txnOpsMax) throw cephError('E2BIG', `transaction has more than txnOpsMax (${txnOpsMax}) ops`);
    if (this.bytes + bytes > txnBytesMax) throw cephError('E2BIG', `transaction carries more than txnBytesMax (${txnBytesMax}) bytes`);
    if ('cid' in op) validateColl(op.cid);
    if ('oid' in op) validateGHObject(op.oid);
    if ('noid' in op) validateGHObject(op.noid, 'new object');
    if ('ncid' in op) validateColl(op.ncid);
    this.ops.push(op);
    this.bytes += bytes;
    return this;
  }

  nop(): this {
    return this.push({ op: OP.NOP });
  }
  touch(cid: CollT, oid: GHObject): this {
    return this.push({ op: OP.TOUCH, cid, oid });
  }
  /**
   * The transaction keeps `data` by reference, as Ceph's bufferlist does, and so may the store
   * until the write is on the device: the caller must not change those bytes after queueing.
   */
  write(cid: CollT, oid: GHObject, offset: number, data: Uint8Array): this {
    checkRange('write', offset, data.byteLength);
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return this.push({ op: OP.WRITE, cid, oid, offset, data: buf }, data.byteLength);
  }
  zero(cid: CollT, oid: GHObject, offset: number, length: number): this {
    checkRange('zero', offset, length);
    return this.push({ op: OP.ZERO, cid, oid, offset, length });
  }
  truncate(cid: CollT, oid: GHObject, size: number): this {
    checkRange('truncate', size, 0);
    return this.push({ op: OP.TRUNCATE, cid, oid, size });
  }
  remove(cid: CollT, oid: GHObject): this {
    return this.push({ op: OP.REMOVE, cid, oid });
  }
  setattr(cid: CollT, oid: GHObject, name: string, value: Uint8Array): this {
    return this.setattrs(cid, oid, new Map([[name, Buffer.from(value)]]));
  }
  setattrs(cid: CollT, oid: GHObject, attrs: Map<string, Buffer>): this {
    let bytes = 0;
    for (const [k, v] of attrs) {
      if (!k || stringByteLength(k) > omapKeyBytesMax) throw cephError('EINVAL', `xattr name '${k.slice(0, 32)}' empty or too long`);
      if (v.byteLength > xattrBytesMax) throw cephError('E2BIG', `xattr ${k}: value larger than xattrBytesMax (${xattrBytesMax})`);
      bytes += k.length + v.byteLength;
    }
    return this.push({ op: OP.SETATTRS, cid, oid, attrs: new Map(attrs) }, bytes);
  }
  rmattr(cid: CollT, oid: GHObject, name: string): this {
    return this.push({ op: OP.RMATTR, cid, oid, name });
  }
  rmattrs(cid: CollT, oid: GHObject): this {
    return this.push({ op: OP.RMATTRS, cid, oid });
  }
  clone(cid: CollT, oid: GHObject, noid: GHObject): this {
    return this.push({ op: OP.CLONE, cid, oid, noid });
  }
  cloneRange(cid: CollT, oid: GHObject, noid: GHObject, srcOffset: number, length: number, dstOffset: number): this {
    checkRange('clone_range source', srcOffset, length);
    checkRange('clone_range destination', dstOffset, length);
    return this.push({ op: OP.CLONERANGE2, cid, oid, noid, srcOffset, length, dstOffset });
  }
  createCollection(cid: CollT, bits = 0): this {
    return this.push({ op: OP.MKCOLL, cid, bits });
  }
  removeCollection(cid: CollT): this {
    return this.push({ op: OP.RMCOLL, cid });
  }
  collectionSetBits(cid: CollT, bits: number): this {
    return this.push({ op: OP.COLL_SET_BITS, cid, bits });
  }
  collectionMoveRename(cid: CollT, oid: GHObject, ncid: CollT, noid: GHObject): this {
    return this.push({ op: OP.COLL_MOVE_RENAME, cid, oid, ncid, noid });
  }
  tryRename(cid: CollT, oid: GHObject, noid: GHObject): this {
    return this.push({ op: OP.TRY_RENAME, cid, oid, noid });
  }
  omapClear(cid: CollT, oid: GHObject): this {
    return this.push({ op: OP.OMAP_CLEAR, cid, oid });
  }
  omapSetKeys(cid: CollT, oid: GHObject, kv: Map<string, Buffer>): this {
    let bytes = 0;
    for (const [k, v] of kv) {
      if (stringByteLength(k) > omapKeyBytesMax) throw cephError('EINVAL', `omap key longer than omapKeyBytesMax (${omapKeyBytesMax})`);
      if (v.byteLength > omapValueBytesMax) throw cephError('E2BIG', `omap value larger than omapValueBytesMax`);
      bytes += k.length + v.byteLength;
    }
    return this.push({ op: OP.OMAP_SETKEYS, cid, oid, kv: new Map(kv) }, bytes);
  }
  omapRmKeys(cid: CollT, oid: GHObject, keys: string[]): this {
    return this.push({ op: OP.OMAP_RMKEYS, cid, oid, keys: [...keys] });
  }
  /** Remove keys in [first, last) (BlueStore's rm_range_keys is end-exclusive). */
  omapRmKeyRange(cid: CollT, oid: GHObject, first: string, last: string): this {
    return this.push({ op: OP.OMAP_RMKEYRANGE, cid, oid, first, last });
  }
  omapSetHeader(cid: CollT, oid: GHObject, header: Uint8Array): this {
    if (header.byteLength > omapValueBytesMax) throw cephError('E2BIG', 'omap header larger than omapValueBytesMax');
    return this.push({ op: OP.OMAP_SETHEADER, cid, oid, header: Buffer.from(header) }, header.byteLength);
  }
  setAllocHint(cid: CollT, oid: GHObject, expectedObjectSize: number, expectedWriteSize: number, flags = 0): this {
    return this.push({ op: OP.SETALLOCHINT, cid, oid, expectedObjectSize, expectedWriteSize, flags });
  }
  /** Append another transaction's ops (Transaction::append). */
  append(other: Transaction): this {
    for (const op of other.ops) this.push(op);
    return this;
  }
}

/**
 * Whether a missing object is tolerated for an op (the op becomes a no-op), as BlueStore's
 * _txc_add_transaction decides: ENOENT is fatal for clones, setattr(s), rmattr and the omap
 * setters; everything else on a missing object is skipped.
 */
export function enoentTolerated(op: Op['op']): boolean {
  return !(
    op === OP.CLONE ||
    op === OP.CLONERANGE2 ||
    op === OP.SETATTRS ||
    op === OP.RMATTR ||
    op === OP.OMAP_SETKEYS ||
    op === OP.OMAP_RMKEYS ||
    op === OP.OMAP_RMKEYRANGE ||
    op === OP.OMAP_SETHEADER
  );
}
