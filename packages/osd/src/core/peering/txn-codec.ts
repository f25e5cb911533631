import { Reader, Writer } from '@ts-ceph/denc';
import { decodeGhobjectT, encodeGhobjectT } from '@ts-ceph/maps';
import { CollT, GHObject, OP, Op, Transaction, txnOpsMax, ghobject } from '@ts-ceph/objectstore/interface';

/**
 * The objectstore Transaction's op list on the wire, for RepOps (docs/formats/osd-messages.md):
 * u32 op count, then per op its Ceph op code (src/os/Transaction.h) and fields. Objects travel as
 * Ceph's ghobject_t, collections as (u8 type, s64 pool, u32 seed, s8 shard). Decoding rebuilds the
 * Transaction through its builder, so every bound and validation of a local transaction
 * (txnOpsMax, txnBytesMax, name lengths, ranges) holds for a received one too.
 *
 * A WRITE's bytes are not in the op list: the op carries their length and the bytes travel beside
 * it (`data`, in op order), so a RepOp sends the client's data buffer as its own message segment
 * and the replica's transaction writes from the received segment, with no copy on either side.
 */
const COLL_TYPES: CollT['type'][] = ['meta', 'pg', 'pg_temp'];

function putColl(w: Writer, c: CollT): void {
  w.u8(COLL_TYPES.indexOf(c.type)).i64(BigInt(c.pool)).u32(c.seed >>> 0).i8(c.shard);
}
function getColl(r: Reader): CollT {
  const type = COLL_TYPES[r.u8('coll.type')];
  if (!type) r.fail('DENC_MALFORMED', 'unknown collection type', 'coll.type');
  return { type, pool: r.i64n('coll.pool'), seed: r.u32('coll.seed'), shard: r.i8('coll.shard') };
}
function putOid(w: Writer, o: GHObject): void {
  encodeGhobjectT(w, { hobj: { oid: o.name, key: o.key, snap: o.snap, hash: o.hash, max: false, nspace: o.nspace, pool: o.pool }, generation: o.generation, shard: o.shard, max: false });
}
function getOid(r: Reader): GHObject {
  const g = decodeGhobjectT(r);
  const h = g.hobj;
  return ghobject({ pool: h.pool, nspace: h.nspace, key: h.key, name: h.oid, snap: h.snap, hash: h.hash, generation: g.generation, shard: g.shard });
}
const putKv = (w: Writer, m: Map<string, Buffer>): Writer => w.map(m, (ww, k) => ww.string(k), (ww, v) => ww.blob(v));
const getKv = (r: Reader, f: string): Map<string, Buffer> => r.map(f, (rr) => rr.string('key'), (rr) => rr.blob('value'), 8);

/** One op's fields after its code and (for object ops) its collection and object. */
function putFields(w: Writer, op: Op): void {
  switch (op.op) {
    case OP.WRITE: return void w.u64(op.offset).u32(op.data.length);
    case OP.ZERO: return void w.u64(op.offset).u64(op.length);
    case OP.TRUNCATE: return void w.u64(op.size);
    case OP.SETATTRS: return void putKv(w, op.attrs);
    case OP.RMATTR: return void w.string(op.name);
    case OP.CLONE: case OP.TRY_RENAME: return putOid(w, op.noid);
    case OP.CLONERANGE2: putOid(w, op.noid); return void w.u64(op.srcOffset).u64(op.length).u64(op.dstOffset);
    case OP.OMAP_SETKEYS: return void putKv(w, op.kv);
    case OP.OMAP_RMKEYS: return void w.list(op.keys, (ww, k) => ww.string(k));
    case OP.OMAP_RMKEYRANGE: return void w.string(op.first).string(op.last);
    case OP.OMAP_SETHEADER: return void w.blob(op.header);
    case OP.SETALLOCHINT: return void w.u64(op.expectedObjectSize).u64(op.expectedWriteSize).u32(op.flags);
    case OP.COLL_MOVE_RENAME: putColl(w, op.ncid); return putOid(w, op.noid);
    default: return;
  }
}

/** A transaction on the wire: its op list, and the WRITE ops' bytes in op order. */
export interface EncodedTxn {
  ops: Buffer;
  data: Buffer[];
}

/** Encode `t`'s ops but those `skip` names (the primary's own PG-log ops: each replica logs itself). */
export function encodeTransaction(t: Transaction, skip?: (op: Op) => boolean): EncodedTxn {
  const ops = skip ? t.ops.filter((o) => !skip(o)) : t.ops;
  const data: Buffer[] = [];
  const w = new Writer(undefined, 512 * ops.length + 64);
  w.u32(ops.length);
  for (const op of ops) {
    w.u32(op.op);
    if ('cid' in op) putColl(w, op.cid);
    if (op.op === OP.MKCOLL || op.op === OP.COLL_SET_BITS) w.u32(op.bits);
    if ('oid' in op) putOid(w, op.oid);
    putFields(w, op);
    if (op.op === OP.WRITE && op.data.length) data.push(op.data);
  }
  return { ops: w.finish(), data };
}

/**
 * Hands out the WRITE ops' bytes from the buffers that carried them: views, not copies, as long as
 * no write straddles two buffers (the encoder gives each write its own buffer, and the messenger
 * delivers them as one segment; a straddling write is joined, which is correct, only slower).
 */
class DataCursor {
  private i = 0;
  private off = 0;
  constructor(private readonly bufs: readonly Buffer[]) {}

  take(r: Reader, n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      const b = this.bufs[this.i];
      if (!b) r.fail('DENC_SHORT', `write data ends ${need} bytes short`, 'data');
      const k = Math.min(need, b.length - this.off);
      parts.push(b.subarray(this.off, this.off + k));
      need -= k;
      this.off += k;
      if (this.off === b.length) {
        this.i++;
        this.off = 0;
      }
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
  }

  /** Bytes no WRITE op claimed. */
  get left(): number {
    let n = -this.off;
    for (let i = this.i; i < this.bufs.length; i++) n += this.bufs[i]!.length;
    return n;
  }
}

/** Object ops: each carries a collection and an object before its own fields. */
const objectOps = new Set<number>([OP.TOUCH, OP.WRITE, OP.ZERO, OP.TRUNCATE, OP.REMOVE, OP.SETATTRS, OP.RMATTR, OP.RMATTRS, OP.CLONE, OP.CLONERANGE2, OP.COLL_MOVE_RENAME, OP.TRY_RENAME, OP.OMAP_CLEAR, OP.OMAP_SETKEYS, OP.OMAP_RMKEYS, OP.OMAP_RMKEYRANGE, OP.OMAP_SETHEADER, OP.SETALLOCHINT]);

function getOp(r: Reader, t: Transaction, data: DataCursor): void {
  const code = r.u32('op');
  if (code === OP.NOP) return void t.nop();
  const c = getColl(r);
  if (code === OP.MKCOLL) return void t.createCollection(c, r.u32('bits'));
  if (code === OP.COLL_SET_BITS) return void t.collectionSetBits(c, r.u32('bits'));
  if (code === OP.RMCOLL) return void t.removeCollection(c);
  if (!objectOps.has(code)) r.fail('DENC_MALFORMED', `transaction op ${code} is not one we carry`, 'op');
  const o = getOid(r);
  switch (code) {
    case OP.TOUCH: return void t.touch(c, o);
    case OP.WRITE: {
      const off = r.u64n('offset');
      // The length needs no limit of its own: the cursor hands out only bytes that arrived, and the
      // builder checks the range against objectBytesMax.
      return void t.write(c, o, off, data.take(r, r.u32('length')));
    }
    case OP.ZERO: return void t.zero(c, o, r.u64n('offset'), r.u64n('length'));
    case OP.TRUNCATE: return void t.truncate(c, o, r.u64n('size'));
    case OP.REMOVE: return void t.remove(c, o);
    case OP.SETATTRS: return void t.setattrs(c, o, getKv(r, 'attrs'));
    case OP.RMATTR: return void t.rmattr(c, o, r.string('name'));
    case OP.RMATTRS: return void t.rmattrs(c, o);
    case OP.CLONE: return void t.clone(c, o, getOid(r));
    case OP.TRY_RENAME: return void t.tryRename(c, o, getOid(r));
    case OP.CLONERANGE2: {
      const n = getOid(r);
      return void t.cloneRange(c, o, n, r.u64n('src_offset'), r.u64n('length'), r.u64n('dst_offset'));
    }
    case OP.OMAP_CLEAR: return void t.omapClear(c, o);
    case OP.OMAP_SETKEYS: return void t.omapSetKeys(c, o, getKv(r, 'kv'));
    case OP.OMAP_RMKEYS: return void t.omapRmKeys(c, o, r.list('keys', (rr) => rr.string('key'), 4));
    case OP.OMAP_RMKEYRANGE: return void t.omapRmKeyRange(c, o, r.string('first'), r.string('last'));
    case OP.OMAP_SETHEADER: return void t.omapSetHeader(c, o, r.blob('header'));
    case OP.SETALLOCHINT: return void t.setAllocHint(c, o, r.u64n('object_size'), r.u64n('write_size'), r.u32('flags'));
    default: {
      const nc = getColl(r);
      return void t.collectionMoveRename(c, o, nc, getOid(r));
    }
  }
}

/**
 * Decode a transaction from its op list and the WRITE ops' bytes (which it keeps as views); throws
 * DencError (bad bytes, data short or left over) or CephError (a bound the builder enforces).
 */
export function decodeTransaction(b: Uint8Array, data: readonly Buffer[] = []): Transaction {
  const r = new Reader(b);
  const n = r.u32('op count');
  if (n > txnOpsMax) r.fail('DENC_LIMIT', `more than txnOpsMax (${txnOpsMax}) ops`, 'op count');
  const t = new Transaction();
  const cursor = new DataCursor(data);
  for (let i = 0; i < n; i++) getOp(r, t, cursor);
  r.expectEnd('transaction');
  if (cursor.left) r.fail('DENC_MALFORMED', `${cursor.left} bytes of write data no op claims`, 'data');
  return t;
}

/** A ghobject_t on its own (peer messages name objects this way). */
export function encodeOid(o: GHObject): Buffer {
  const w = new Writer();
  putOid(w, o);
  return w.finish();
}
export function decodeOid(b: Uint8Array): GHObject {
  const r = new Reader(b);
  const o = getOid(r);
  r.expectEnd('ghobject_t');
  return o;
}
