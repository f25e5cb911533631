/**
 * MonitorDBStore::Op and MonitorDBStore::Transaction (src/mon/MonitorDBStore.h): one atomic batch of
 * puts and erases against the monitor's key/value store. Every map change is expressed as one of these;
 * the single-mon commit path writes it straight to the store, a Paxos quorum would ship the same
 * encoded bytes as the proposed value (Ceph stores them under `paxos/<version>`).
 */
import { assert } from '@ts-ceph/common/core';
import { Reader, Writer } from '@ts-ceph/denc';

export const StoreOp = { PUT: 1, ERASE: 2, COMPACT: 3, ERASE_RANGE: 4 } as const;

export interface StoreTxnOp {
  /** StoreOp.* */
  type: number;
  prefix: string;
  key: string;
  /** Value of a PUT (empty otherwise). */
  bl: Buffer;
  /** End key (exclusive) of ERASE_RANGE / COMPACT ranges, else ''. */
  endkey: string;
}

/** Keys (and bytes) of one transaction the store accepts, so one command cannot wedge the mon. */
export const storeTxnLimits = {
  storeTxnOpsMax: 1 << 16,
};

export class StoreTransaction {
  readonly ops: StoreTxnOp[] = [];
  /**
   * Ceph's approximate size accounting, kept because it is part of the encoding: starts at
   * 6 + 4 + 8*2 and grows by each op's approx_size().
   */
  bytes = 6 + 4 + 8 * 2;
  keys = 0;

  private add(op: StoreTxnOp, countKey: boolean): this {
    assert(this.ops.length < storeTxnLimits.storeTxnOpsMax, `transaction over ${storeTxnLimits.storeTxnOpsMax} ops`);
    this.ops.push(op);
    if (countKey) {
      this.keys++;
      this.bytes += approxSize(op);
    }
    return this;
  }

  put(prefix: string, key: string | number, bl: Buffer): this {
    return this.add({ type: StoreOp.PUT, prefix, key: String(key), bl, endkey: '' }, true);
  }

  /** put(prefix, key, version_t): the value is an encoded le64. */
  putVersion(prefix: string, key: string, v: number): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    return this.put(prefix, key, b);
  }

  erase(prefix: string, key: string | number): this {
    return this.add({ type: StoreOp.ERASE, prefix, key: String(key), bl: Buffer.alloc(0), endkey: '' }, true);
  }

  eraseRange(prefix: string, start: string, end: string): this {
    return this.add({ type: StoreOp.ERASE_RANGE, prefix, key: start, bl: Buffer.alloc(0), endkey: end }, true);
  }

  compactPrefix(prefix: string): this {
    return this.add({ type: StoreOp.COMPACT, prefix, key: '', bl: Buffer.alloc(0), endkey: '' }, false);
  }

  compactRange(prefix: string, start: string, end: string): this {
    return this.add({ type: StoreOp.COMPACT, prefix, key: start, bl: Buffer.alloc(0), endkey: end }, false);
  }

  /** Transaction::append: move `other`'s ops to the end of this one. */
  append(other: StoreTransaction): this {
    for (const op of other.ops) this.ops.push(op);
    this.keys += other.keys;
    this.bytes += other.bytes;
    return this;
  }

  empty(): boolean {
    return this.ops.length === 0;
  }
}

function approxSize(op: StoreTxnOp): number {
  const len = (s: string) => Buffer.byteLength(s, 'utf8');
  return 6 + 1 + 4 + len(op.prefix) + 4 + len(op.key) + 4 + len(op.endkey) + 4 + op.bl.length;
}

export function encodeStoreOp(w: Writer, op: StoreTxnOp): void {
  w.envelope(2, 1, () => {
    w.u8(op.type).string(op.prefix).string(op.key).blob(op.bl).string(op.endkey);
  });
}

export function decodeStoreOp(r: Reader): StoreTxnOp {
  return r.envelope('MonitorDBStore::Op', 2, (r, v) => {
    const type = r.u8('type');
    const prefix = r.string('prefix');
    const key = r.string('key');
    const bl = Buffer.from(r.blob('bl'));
    const endkey = v >= 2 ? r.string('endkey') : '';
    return { type, prefix, key, bl, endkey };
  });
}

export function encodeStoreTransaction(w: Writer, t: StoreTransaction): void {
  w.envelope(2, 1, () => {
    w.list(t.ops, encodeStoreOp);
    w.u64(t.bytes).u64(t.keys);
  });
}

export function decodeStoreTransaction(r: Reader): StoreTransaction {
  return r.envelope('MonitorDBStore::Transaction', 2, (r, v) => {
    const t = new StoreTransaction();
    const ops = r.list('ops', decodeStoreOp, 6);
    if (ops.length > storeTxnLimits.storeTxnOpsMax) r.fail('DENC_LIMIT', `${ops.length} ops over storeTxnOpsMax ${storeTxnLimits.storeTxnOpsMax}`, 'ops');
    t.ops.push(...ops);
    if (v >= 2) {
      t.bytes = r.u64n('bytes');
      t.keys = r.u64n('keys');
    }
    return t;
  });
}

export function storeTxnToBuffer(t: StoreTransaction): Buffer {
  const w = new Writer();
  encodeStoreTransaction(w, t);
  return w.finish();
}

export function storeTxnFromBuffer(b: Buffer): StoreTransaction {
  const r = new Reader(b);
  const t = decodeStoreTransaction(r);
  r.expectEnd('MonitorDBStore::Transaction');
  return t;
}
