import { Reader, Writer, stringFromBytes, stringToBytes } from '@ts-ceph/denc';
import { withDataParts } from '@ts-ceph/messenger/core';
import {
  CephOsdOp,
  cephOsdOpFlagString,
  cephOsdOpName,
  cephOsdOpTypeAttr,
  cephOsdOpTypeData,
  cephOsdOpTypeExec,
  cephOsdOpTypePg,
  cephOsdWatchOpName,
} from './osd-op-codes';

/**
 * struct ceph_osd_op (src/include/rados.h), 38 packed bytes: le16 op, le32 flags, a 28-byte union
 * of per-op arguments, le32 payload_len. We keep the union as raw bytes, so any op, known or not,
 * re-encodes exactly; the accessors below read the union the way the op code says Ceph does.
 * payload_len is not stored: it is the length of the op's indata (MOSDOp) or outdata
 * (MOSDOpReply), which the message carries concatenated in its data segment
 * (OSDOp::split/merge_osd_op_vector_{in,out}_data in src/osd/osd_types.{h,cc}).
 */
export const CEPH_OSD_OP_BYTES = 38;
export const CEPH_OSD_OP_UNION_BYTES = 28;

export interface OSDOp {
  /** le16 CEPH_OSD_OP_* code. */
  op: number;
  /** le32 CEPH_OSD_OP_FLAG_* bits. */
  flags: number;
  /** The 28-byte argument union, exactly as sent. */
  args: Buffer;
  /** Request data for this op (MOSDOp), or reply data (MOSDOpReply); its length is payload_len. */
  data: Buffer;
  /**
   * Reply data made of several buffers (setOpDataParts: a sparse-read's extent map, then the
   * store's buffers as they are); encoded into the message's data segment without a join.
   */
  dataParts?: readonly Buffer[];
  /** Per-op return value (MOSDOpReply only; 0 in requests). */
  rval: number;
}

/** The fixed part of one op as read from the front; `payloadLen` bytes of data follow in the data segment. */
export interface RawOSDOp {
  op: number;
  flags: number;
  args: Buffer;
  payloadLen: number;
}

export function decodeRawOSDOp(r: Reader): RawOSDOp {
  const op = r.u16('op');
  const flags = r.u32('flags');
  const args = Buffer.from(r.bytes(CEPH_OSD_OP_UNION_BYTES, 'union'));
  const payloadLen = r.u32('payload_len');
  return { op, flags, args, payloadLen };
}

export function encodeRawOSDOp(w: Writer, o: OSDOp): void {
  if (o.args.length !== CEPH_OSD_OP_UNION_BYTES) throw new RangeError(`ceph_osd_op union must be ${CEPH_OSD_OP_UNION_BYTES} bytes, got ${o.args.length}`);
  w.u16(o.op).u32(o.flags >>> 0).bytes(o.args).u32(opDataBytes(o));
}

/** payload_len: the op's data bytes, without joining its parts. */
export function opDataBytes(o: OSDOp): number {
  if (!o.dataParts) return o.data.length;
  let n = 0;
  for (const p of o.dataParts) n += p.length;
  return n;
}

/**
 * Make the op's data the concatenation of `parts` without joining them: a message's data parts
 * (withDataParts: `data` joins them on first read and replaces them when assigned), per op.
 */
export function setOpDataParts(o: OSDOp, parts: readonly Buffer[]): void {
  withDataParts(o, parts);
}

/**
 * Give each op its payload_len bytes of `data`, in op order (split_osd_op_vector_{in,out}_data).
 * Bytes past the last op's share are returned as the tail (Ceph ignores them; we keep them so the
 * message re-encodes exactly).
 */
export function splitOpData(r: Reader, raws: RawOSDOp[], data: Buffer, rvals: number[]): { ops: OSDOp[]; tail: Buffer } {
  let off = 0;
  const ops: OSDOp[] = [];
  for (const [i, raw] of raws.entries()) {
    if (raw.payloadLen > data.length - off) r.fail('DENC_SHORT', `op ${i} payload_len ${raw.payloadLen} exceeds the ${data.length - off} data bytes left`, 'data');
    ops.push({ op: raw.op, flags: raw.flags, args: raw.args, data: data.subarray(off, off + raw.payloadLen), rval: rvals[i] ?? 0 });
    off += raw.payloadLen;
  }
  return { ops, tail: data.subarray(off) };
}

export function mergeOpData(ops: readonly OSDOp[], tail: Buffer | undefined): Buffer {
  const parts = mergeOpDataParts(ops, tail);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** merge_osd_op_vector_out_data as a list of buffers to send one after the other (no join). */
export function mergeOpDataParts(ops: readonly OSDOp[], tail: Buffer | undefined): Buffer[] {
  const parts: Buffer[] = [];
  for (const o of ops) {
    if (o.dataParts) {
      for (const p of o.dataParts) if (p.length) parts.push(p);
    } else if (o.data.length) parts.push(o.data);
  }
  if (tail && tail.length) parts.push(tail);
  return parts;
}

// ---- typed views of the union --------------------------------------------------------------------

/** extent: le64 offset, le64 length, le64 truncate_size, le32 truncate_seq (read/write/zero/...). */
export interface OpExtent {
  offset: bigint;
  length: bigint;
  truncateSize: bigint;
  truncateSeq: number;
}
export function opExtent(o: OSDOp): OpExtent {
  const a = o.args;
  return { offset: a.readBigUInt64LE(0), length: a.readBigUInt64LE(8), truncateSize: a.readBigUInt64LE(16), truncateSeq: a.readUInt32LE(24) };
}

/** xattr: le32 name_len, le32 value_len, u8 cmp_op, u8 cmp_mode; name then value in the op data. */
export interface OpXattr {
  nameLen: number;
  valueLen: number;
  cmpOp: number;
  cmpMode: number;
  /** The attribute name (undefined when the data is shorter than name_len). */
  name: string | undefined;
  /** The value bytes after the name (setxattr/cmpxattr), when present. */
  value: Buffer | undefined;
}
export function opXattr(o: OSDOp): OpXattr {
  const a = o.args;
  const nameLen = a.readUInt32LE(0);
  const valueLen = a.readUInt32LE(4);
  const name = nameLen <= o.data.length ? stringFromBytes(o.data, 0, nameLen) : undefined;
  const value = nameLen + valueLen <= o.data.length && valueLen > 0 ? o.data.subarray(nameLen, nameLen + valueLen) : undefined;
  return { nameLen, valueLen, cmpOp: a[8]!, cmpMode: a[9]!, name, value };
}

/** cls: u8 class_len, u8 method_len, u8 argc, le32 indata_len; data = class, method, input. */
export interface OpCall {
  className: string | undefined;
  method: string | undefined;
  argc: number;
  indataLen: number;
  /** The method's input (the data after class and method names). */
  input: Buffer | undefined;
}
export function opCall(o: OSDOp): OpCall {
  const a = o.args;
  const cl = a[0]!;
  const ml = a[1]!;
  const indataLen = a.readUInt32LE(3);
  const ok = cl + ml <= o.data.length;
  return {
    className: ok ? stringFromBytes(o.data, 0, cl) : undefined,
    method: ok ? stringFromBytes(o.data, cl, cl + ml) : undefined,
    argc: a[2]!,
    indataLen,
    input: ok && cl + ml + indataLen <= o.data.length ? o.data.subarray(cl + ml, cl + ml + indataLen) : undefined,
  };
}

/** watch: le64 cookie, le64 ver (unused), u8 op (CEPH_OSD_WATCH_OP_*), le32 gen, le32 timeout (s). */
export interface OpWatch {
  cookie: bigint;
  ver: bigint;
  op: number;
  gen: number;
  timeout: number;
}
export function opWatch(o: OSDOp): OpWatch {
  const a = o.args;
  return { cookie: a.readBigUInt64LE(0), ver: a.readBigUInt64LE(8), op: a[16]!, gen: a.readUInt32LE(17), timeout: a.readUInt32LE(21) };
}

/**
 * notify: le64 cookie; data = le32 prot_ver, le32 timeout (s), bufferlist payload (librados'
 * ObjectOperation::notify). notify-ack uses the data only: le64 notify_id, le64 cookie, bufferlist reply.
 */
export interface OpNotify {
  cookie: bigint;
  protVer: number | undefined;
  timeout: number | undefined;
  payload: Buffer | undefined;
}
export function opNotify(o: OSDOp): OpNotify {
  const cookie = o.args.readBigUInt64LE(0);
  const r = new Reader(o.data);
  try {
    const protVer = r.u32('prot_ver');
    const timeout = r.u32('timeout');
    return { cookie, protVer, timeout, payload: Buffer.from(r.blob('payload')) };
  } catch {
    return { cookie, protVer: undefined, timeout: undefined, payload: undefined };
  }
}

/** checksum: le64 offset, le64 length, le32 chunk_size, u8 type (CEPH_OSD_CHECKSUM_OP_TYPE_*); data = init value. */
export interface OpChecksum {
  offset: bigint;
  length: bigint;
  chunkSize: number;
  type: number;
}
export function opChecksum(o: OSDOp): OpChecksum {
  const a = o.args;
  return { offset: a.readBigUInt64LE(0), length: a.readBigUInt64LE(8), chunkSize: a.readUInt32LE(16), type: a[20]! };
}

/** alloc_hint: le64 expected_object_size, le64 expected_write_size, le32 flags. */
export interface OpAllocHint {
  expectedObjectSize: bigint;
  expectedWriteSize: bigint;
  flags: number;
}
export function opAllocHint(o: OSDOp): OpAllocHint {
  const a = o.args;
  return { expectedObjectSize: a.readBigUInt64LE(0), expectedWriteSize: a.readBigUInt64LE(8), flags: a.readUInt32LE(16) };
}

/** pgls: le64 count, le32 start_epoch. */
export function opPgls(o: OSDOp): { count: bigint; startEpoch: number } {
  return { count: o.args.readBigUInt64LE(0), startEpoch: o.args.readUInt32LE(8) };
}

/** snap (rollback): le64 snapid. assert_ver: le64 unused, le64 ver. */
export function opSnapId(o: OSDOp): bigint {
  return o.args.readBigUInt64LE(0);
}
export function opAssertVer(o: OSDOp): bigint {
  return o.args.readBigUInt64LE(8);
}

// ---- builders ------------------------------------------------------------------------------------

function union(fill: (b: Buffer) => void): Buffer {
  const b = Buffer.alloc(CEPH_OSD_OP_UNION_BYTES);
  fill(b);
  return b;
}

export function osdOp(op: number, opts: { flags?: number; args?: Buffer; data?: Buffer; rval?: number } = {}): OSDOp {
  return { op, flags: opts.flags ?? 0, args: opts.args ?? Buffer.alloc(CEPH_OSD_OP_UNION_BYTES), data: opts.data ?? Buffer.alloc(0), rval: opts.rval ?? 0 };
}

/** An extent op (read, write, writefull, append, zero, truncate, sparse-read, cmpext). */
export function osdOpExtent(op: number, offset: bigint | number, length: bigint | number, data?: Buffer, flags = 0, truncate: { size: bigint; seq: number } = { size: 0n, seq: 0 }): OSDOp {
  const args = union((b) => {
    b.writeBigUInt64LE(BigInt(offset), 0);
    b.writeBigUInt64LE(BigInt(length), 8);
    b.writeBigUInt64LE(truncate.size, 16);
    b.writeUInt32LE(truncate.seq, 24);
  });
  return osdOp(op, { flags, args, data });
}

export function osdOpRead(offset: bigint | number, length: bigint | number, flags = 0): OSDOp {
  return osdOpExtent(CephOsdOp.READ, offset, length, undefined, flags);
}
export function osdOpWrite(offset: bigint | number, data: Buffer, flags = 0): OSDOp {
  return osdOpExtent(CephOsdOp.WRITE, offset, data.length, data, flags);
}
export function osdOpWriteFull(data: Buffer, flags = 0): OSDOp {
  return osdOpExtent(CephOsdOp.WRITEFULL, 0, data.length, data, flags);
}

/** An xattr op: data = name then value. */
export function osdOpXattr(op: number, name: string, value?: Buffer, cmp: { op: number; mode: number } = { op: 0, mode: 0 }): OSDOp {
  const n = stringToBytes(name);
  const v = value ?? Buffer.alloc(0);
  const args = union((b) => {
    b.writeUInt32LE(n.length, 0);
    b.writeUInt32LE(v.length, 4);
    b[8] = cmp.op;
    b[9] = cmp.mode;
  });
  return osdOp(op, { args, data: Buffer.concat([n, v]) });
}

/** A cls call: data = class name, method name, input. */
export function osdOpCall(className: string, method: string, input: Buffer = Buffer.alloc(0)): OSDOp {
  const c = stringToBytes(className);
  const m = stringToBytes(method);
  if (c.length > 255 || m.length > 255) throw new RangeError('cls class and method names are at most 255 bytes');
  const args = union((b) => {
    b[0] = c.length;
    b[1] = m.length;
    b.writeUInt32LE(input.length, 3);
  });
  return osdOp(CephOsdOp.CALL, { args, data: Buffer.concat([c, m, input]) });
}

export function osdOpWatch(watchOp: number, cookie: bigint, gen = 0, timeout = 0): OSDOp {
  const args = union((b) => {
    b.writeBigUInt64LE(cookie, 0);
    b[16] = watchOp;
    b.writeUInt32LE(gen, 17);
    b.writeUInt32LE(timeout, 21);
  });
  return osdOp(CephOsdOp.WATCH, { args });
}

// ---- printing ------------------------------------------------------------------------------------

/** operator<<(ostream&, const OSDOp&) in src/osd/osd_types.cc: "writefull 0~8192 in=8192b". */
export function formatOSDOp(o: OSDOp, dir: 'in' | 'out'): string {
  let s = cephOsdOpName(o.op);
  if (cephOsdOpTypeData(o.op)) {
    const a = o.args;
    switch (o.op) {
      case CephOsdOp.ASSERT_VER:
        s += ` v${opAssertVer(o)}`;
        break;
      case CephOsdOp.TRUNCATE:
        s += ` ${opExtent(o).offset}`;
        break;
      case CephOsdOp.MASKTRUNC:
      case CephOsdOp.TRIMTRUNC: {
        const e = opExtent(o);
        s += ` ${e.truncateSeq}@${BigInt.asIntN(64, e.truncateSize)}`;
        break;
      }
      case CephOsdOp.ROLLBACK:
        s += ` ${formatSnapId(opSnapId(o))}`;
        break;
      case CephOsdOp.WATCH: {
        const w = opWatch(o);
        s += ` ${cephOsdWatchOpName(w.op)} cookie ${w.cookie}${w.gen ? ` gen ${w.gen}` : ''}`;
        break;
      }
      case CephOsdOp.NOTIFY:
        s += ` cookie ${a.readBigUInt64LE(0)}`;
        break;
      case CephOsdOp.COPY_GET:
        s += ` max ${a.readBigUInt64LE(0)}`;
        break;
      case CephOsdOp.COPY_FROM:
        s += ` ver ${a.readBigUInt64LE(8)}`;
        break;
      case CephOsdOp.SETALLOCHINT: {
        const h = opAllocHint(o);
        s += ` object_size ${h.expectedObjectSize} write_size ${h.expectedWriteSize}`;
        break;
      }
      case CephOsdOp.READ:
      case CephOsdOp.SPARSE_READ:
      case CephOsdOp.SYNC_READ:
      case CephOsdOp.WRITE:
      case CephOsdOp.WRITEFULL:
      case CephOsdOp.ZERO:
      case CephOsdOp.APPEND:
      case CephOsdOp.MAPEXT:
      case CephOsdOp.CMPEXT: {
        const e = opExtent(o);
        s += ` ${e.offset}~${e.length}`;
        if (e.truncateSeq) s += ` [${e.truncateSeq}@${BigInt.asIntN(64, e.truncateSize)}]`;
        if (o.flags) s += ` [${cephOsdOpFlagString(o.flags)}]`;
        break;
      }
    }
  } else if (cephOsdOpTypeAttr(o.op)) {
    const x = opXattr(o);
    // Ceph prints the name from the op's indata, which a reply no longer has.
    if (x.nameLen && o.data.length && dir === 'in') s += ` ${o.data.toString('latin1', 0, Math.min(x.nameLen, o.data.length))}`;
    if (x.valueLen) s += ` (${x.valueLen})`;
    if (o.op === CephOsdOp.CMPXATTR) s += ` op ${x.cmpOp} mode ${x.cmpMode}`;
  } else if (cephOsdOpTypeExec(o.op)) {
    const cl = o.args[0]!;
    const ml = o.args[1]!;
    if (cl && o.data.length && dir === 'in') s += ` ${o.data.toString('latin1', 0, Math.min(cl, o.data.length))}.${o.data.toString('latin1', Math.min(cl, o.data.length), Math.min(cl + ml, o.data.length))}`;
  } else if (cephOsdOpTypePg(o.op)) {
    if (o.op === CephOsdOp.PGLS || o.op === CephOsdOp.PGLS_FILTER || o.op === CephOsdOp.PGNLS || o.op === CephOsdOp.PGNLS_FILTER) s += ` start_epoch ${opPgls(o).startEpoch}`;
  }
  if (o.data.length) s += ` ${dir}=${o.data.length}b`;
  return s;
}

/** operator<< for snapid_t: "head", "snapdir" or hex. */
export function formatSnapId(s: bigint): string {
  if (s === 0xfffffffffffffffen) return 'head';
  if (s === 0xffffffffffffffffn) return 'snapdir';
  return s.toString(16);
}
