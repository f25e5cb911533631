/**
 * Compound operations on one object (librados' ObjectWriteOperation / ObjectReadOperation, built as
 * src/osdc/Objecter.h ObjectOperation builds them): each call appends one ceph_osd_op, and read
 * calls remember how to decode their op's reply data. The OSD applies the ops of one MOSDOp
 * atomically and in order, stopping at the first that fails (unless it carries FAILOK).
 */
import { Writer, stringToBytes } from '@ts-ceph/denc';
import {
  CEPH_OSD_OP_MODE_WR,
  CephOsdCmpxattrMode,
  CephOsdOp,
  CephOsdOpFlag,
  encodeOmapSetVals,
  omapGetKeysReply,
  omapGetValsReply,
  OSDOp,
  osdOp,
  osdOpCall,
  osdOpExtent,
  osdOpRead,
  osdOpWrite,
  osdOpWriteFull,
  osdOpXattr,
  statReply,
  strBufferMapReply,
} from '@ts-ceph/messages';

/** What one op answered: its rval, its raw reply data, and the decoded value for read ops. */
export interface OpResult {
  rval: number;
  data: Buffer;
  value?: unknown;
}

export interface ObjectStat {
  size: bigint;
  /** Modification time, ms since the epoch. */
  mtimeMs: number;
}

/** A decoder for one op's reply data. */
type Decoder = (o: OSDOp) => unknown;

function u64(v: bigint | number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(v));
  return b;
}

/**
 * Strings in std::string order (bytewise over their bytes: denc's string-bytes.ts). Each key is encoded once, not once per
 * comparison: an index entry read batches up to 64 keys, and the comparator's copies showed in
 * profiles.
 */
function byteSorted<T>(items: readonly T[], keyOf: (v: T) => string): T[] {
  if (items.length < 2) return [...items];
  const enc = items.map((v) => ({ v, b: stringToBytes(keyOf(v)) }));
  enc.sort((x, y) => Buffer.compare(x.b, y.b));
  return enc.map((e) => e.v);
}

function keySet(keys: Iterable<string>): Buffer {
  // std::set<std::string>: sorted, unique (the OSD walks it in order).
  const sorted = byteSorted([...new Set(keys)], (k) => k);
  return new Writer().list(sorted, (w, k) => w.string(k)).finish();
}

/** The ops of one MOSDOp and the decoders of their replies. */
export class ObjectOperation {
  readonly ops: OSDOp[] = [];
  readonly decoders: (Decoder | undefined)[] = [];

  /** True when any op writes (the message then carries CEPH_OSD_FLAG_WRITE, else READ). */
  get isWrite(): boolean {
    return this.ops.some((o) => (o.op & CEPH_OSD_OP_MODE_WR) !== 0);
  }

  protected add(op: OSDOp, decode?: Decoder): this {
    this.ops.push(op);
    this.decoders.push(decode);
    return this;
  }

  /** Decode each op's reply data with its decoder (ops that failed keep only their rval). */
  decodeReply(reply: readonly OSDOp[]): OpResult[] {
    return reply.map((o, i) => {
      const d = this.decoders[i];
      return d && o.rval >= 0 ? { rval: o.rval, data: o.data, value: d(o) } : { rval: o.rval, data: o.data };
    });
  }

  /** assert_exists: a stat whose answer nobody reads (ENOENT stops the operation). */
  assertExists(): this {
    return this.add(osdOp(CephOsdOp.STAT));
  }

  /** assert_version: ERANGE if `ver` is older than the object's user version, EOVERFLOW if newer. */
  assertVersion(ver: bigint): this {
    const args = Buffer.alloc(28);
    args.writeBigUInt64LE(ver, 8);
    return this.add(osdOp(CephOsdOp.ASSERT_VER, { args }));
  }

  /** cmpxattr: ECANCELED unless `name` compares as `op` (CEPH_OSD_CMPXATTR_OP_*) with `value`. */
  cmpxattr(name: string, op: number, value: Buffer | bigint): this {
    if (typeof value === 'bigint') return this.add(osdOpXattr(CephOsdOp.CMPXATTR, name, u64(value), { op, mode: CephOsdCmpxattrMode.U64 }));
    return this.add(osdOpXattr(CephOsdOp.CMPXATTR, name, value, { op, mode: CephOsdCmpxattrMode.STRING }));
  }

  /**
   * omap_cmp: ECANCELED unless every key's value compares as its `op` (CEPH_OSD_CMPXATTR_OP_*) with
   * `value` (the OSD reads a missing key as empty, so EQ with an empty value asserts it absent).
   * The OSD compares against the object as it was before this operation's own writes.
   */
  omapCmp(assertions: ReadonlyMap<string, { value: Buffer; op: number }>): this {
    // map<string, pair<bufferlist, le32 op>>, in key order as std::map encodes it.
    const sorted = byteSorted([...assertions], (a) => a[0]);
    const data = new Writer().list(sorted, (w, [k, a]) => w.string(k).blob(a.value).i32(a.op)).finish();
    return this.add(osdOp(CephOsdOp.OMAP_CMP, { data }));
  }

  /** exec: call method `cls.method` with `input`; its output is the op's data. */
  exec(cls: string, method: string, input: Buffer = Buffer.alloc(0)): this {
    return this.add(osdOpCall(cls, method, input), (o) => o.data);
  }
}

/** ObjectReadOperation: reads of one object; each result is in `results[i].value` in call order. */
export class ReadOp extends ObjectOperation {
  read(offset: number | bigint, length: number | bigint): this {
    return this.add(osdOpRead(offset, length), (o) => o.data);
  }

  stat(): this {
    return this.add(osdOp(CephOsdOp.STAT), (o): ObjectStat => {
      const s = statReply(o);
      return { size: s.size, mtimeMs: s.mtime.sec * 1000 + Math.floor(s.mtime.nsec / 1e6) };
    });
  }

  getxattr(name: string): this {
    return this.add(osdOpXattr(CephOsdOp.GETXATTR, name), (o) => o.data);
  }

  getxattrs(): this {
    return this.add(osdOp(CephOsdOp.GETXATTRS), (o) => strBufferMapReply(o));
  }

  /** omap_get_vals2: up to `max` pairs after `startAfter` whose keys begin with `prefix`; value {vals, more}. */
  omapGetVals(startAfter: string, prefix: string, max: number): this {
    const data = new Writer().string(startAfter).u64(BigInt(max)).string(prefix).finish();
    return this.add(osdOp(CephOsdOp.OMAPGETVALS, { data }), (o) => omapGetValsReply(o));
  }

  /** omap_get_keys2: up to `max` keys after `startAfter`; value {keys, more}. */
  omapGetKeys(startAfter: string, max: number): this {
    const data = new Writer().string(startAfter).u64(BigInt(max)).finish();
    return this.add(osdOp(CephOsdOp.OMAPGETKEYS, { data }), (o) => omapGetKeysReply(o));
  }

  omapGetValsByKeys(keys: Iterable<string>): this {
    return this.add(osdOp(CephOsdOp.OMAPGETVALSBYKEYS, { data: keySet(keys) }), (o) => strBufferMapReply(o));
  }

  omapGetHeader(): this {
    return this.add(osdOp(CephOsdOp.OMAPGETHEADER), (o) => o.data);
  }
}

/** ObjectWriteOperation: applied atomically; no reply data except from exec. */
export class WriteOp extends ObjectOperation {
  /** create: with `exclusive`, EEXIST if the object exists. */
  create(exclusive: boolean): this {
    return this.add(osdOp(CephOsdOp.CREATE, { flags: exclusive ? CephOsdOpFlag.EXCL : 0 }));
  }

  write(offset: number | bigint, data: Buffer): this {
    return this.add(osdOpWrite(offset, data));
  }

  writeFull(data: Buffer): this {
    return this.add(osdOpWriteFull(data));
  }

  append(data: Buffer): this {
    return this.add(osdOpExtent(CephOsdOp.APPEND, 0, data.length, data));
  }

  truncate(size: number | bigint): this {
    return this.add(osdOpExtent(CephOsdOp.TRUNCATE, size, 0));
  }

  zero(offset: number | bigint, length: number | bigint): this {
    return this.add(osdOpExtent(CephOsdOp.ZERO, offset, length));
  }

  remove(): this {
    return this.add(osdOp(CephOsdOp.DELETE));
  }

  setxattr(name: string, value: Buffer): this {
    return this.add(osdOpXattr(CephOsdOp.SETXATTR, name, value));
  }

  rmxattr(name: string): this {
    return this.add(osdOpXattr(CephOsdOp.RMXATTR, name));
  }

  omapSet(vals: ReadonlyMap<string, Buffer>): this {
    return this.add(osdOp(CephOsdOp.OMAPSETVALS, { data: encodeOmapSetVals(vals) }));
  }

  omapRmKeys(keys: Iterable<string>): this {
    return this.add(osdOp(CephOsdOp.OMAPRMKEYS, { data: keySet(keys) }));
  }

  omapClear(): this {
    return this.add(osdOp(CephOsdOp.OMAPCLEAR));
  }

  omapSetHeader(header: Buffer): this {
    return this.add(osdOp(CephOsdOp.OMAPSETHEADER, { data: header }));
  }
}
