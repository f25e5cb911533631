import { strerror } from '@ts-ceph/common/core';
import { decodeUTime, encodeUTime, formatEntityNameT, Reader, UTime, Writer } from '@ts-ceph/denc';
import {
  decodeObjectLocatorT,
  decodeOsdReqidT,
  decodePgT,
  decodeSpgT,
  encodeObjectLocatorT,
  encodeOsdReqidT,
  encodePgT,
  encodeSpgT,
  EversionT,
  formatEversion,
  formatSpg,
  ObjectLocatorT,
  OsdReqidT,
  PgT,
  SpgT,
} from '@ts-ceph/maps';
import { CEPH_MSG_PRIO_DEFAULT, CephMessage, withDataParts } from '@ts-ceph/messenger/core';
import { defineMessage, readFront, writeFront } from './codec';
import { cephOsdFlagString, CephOsdFlag } from './osd-op-codes';
import { CEPH_OSD_OP_BYTES, decodeRawOSDOp, encodeRawOSDOp, formatOSDOp, formatSnapId, mergeOpData, mergeOpDataParts, OSDOp, RawOSDOp, splitOpData } from './osd-op-struct';
import { CEPH_MSG_OSD_OP, CEPH_MSG_OSD_OPREPLY } from './types';

/** Named limits of the OSD data-path codecs (docs/LIMITS.md, "messages"). */
export const osdOpLimits = {
  /** Ops in one MOSDOp/MOSDOpReply (the wire count is a u16 in requests; librados sends a handful). */
  opsPerMessageMax: 1024,
  /** Snap ids in one MOSDOp's snap context (a client's self-managed snapshots of one image). */
  snapsPerMessageMax: 65536,
};

/** osd_op's default priority: Objecter sends osd_client_op_priority (63). */
export const CEPH_MSG_PRIO_OSD_CLIENT_OP = 63;

/**
 * blkin_trace_info (src/common/zipkin_trace.h): three s64 ids, encoded raw (24 bytes). Clients built
 * without blkin, as Debian's are, send zeros.
 */
export interface BlkinTraceInfo {
  traceId: bigint;
  spanId: bigint;
  parentSpanId: bigint;
}
export const BLKIN_TRACE_NONE: Readonly<BlkinTraceInfo> = Object.freeze({ traceId: 0n, spanId: 0n, parentSpanId: 0n });

export function decodeBlkinTraceInfo(r: Reader): BlkinTraceInfo {
  return r.within('trace', () => ({ traceId: r.i64('trace_id'), spanId: r.i64('span_id'), parentSpanId: r.i64('parent_span_id') }));
}
export function encodeBlkinTraceInfo(w: Writer, t: BlkinTraceInfo): void {
  w.i64(t.traceId).i64(t.spanId).i64(t.parentSpanId);
}

function decodeEversion(r: Reader, field: string): EversionT {
  return r.within(field, () => {
    const version = r.u64('version');
    return { version, epoch: r.u32('epoch') };
  });
}
function encodeEversion(w: Writer, e: EversionT): void {
  w.u64(e.version).u32(e.epoch >>> 0);
}

/**
 * object_locator_t, refused unless it re-encodes to the bytes read: a pre-v6 encoding, which no 16.2
 * client sends, would otherwise come back different. (Names are bytes in Ceph; denc's strings keep
 * every byte, UTF-8 or not, so they always re-encode identically.)
 */
function exactLocator(r: Reader, field: string): ObjectLocatorT {
  const start = r.off;
  const l = decodeObjectLocatorT(r, field);
  const w = new Writer();
  encodeObjectLocatorT(w, l);
  if (!w.finish().equals(r.buf.subarray(start, r.off))) r.fail('DENC_MALFORMED', 'object_locator_t does not re-encode identically (an encoding older than v6)', field);
  return l;
}

function decodeRawOps(r: Reader, n: number): RawOSDOp[] {
  if (n > osdOpLimits.opsPerMessageMax) r.fail('DENC_LIMIT', `${n} ops over opsPerMessageMax ${osdOpLimits.opsPerMessageMax}`, 'num_ops');
  r.need(n * CEPH_OSD_OP_BYTES, 'ops');
  const out: RawOSDOp[] = [];
  for (let i = 0; i < n; i++) out.push(r.within(`ops[${i}]`, () => decodeRawOSDOp(r)));
  return out;
}

/**
 * MOSDOp (src/messages/MOSDOp.h), v8 compat 3, what every Ceph client since Luminous sends with
 * RESEND_ON_SPLIT: spg_t pgid (the pg the client computed), le32 raw object hash, le32 osdmap
 * epoch, le32 flags (CEPH_OSD_FLAG_*), osd_reqid_t reqid, blkin trace; then le32 client_inc,
 * utime mtime, object_locator_t, object_t oid, le16 num_ops + ceph_osd_op[num_ops], le64 snapid
 * (CEPH_NOSNAP for the head), le64 snap_seq, vector<le64> snaps, le32 retry_attempt, le64 the
 * client's features. Each op's indata is in the data segment (payload_len bytes each, in order).
 * The client's tid is the header's.
 */
export interface MOSDOp {
  pgid: SpgT;
  /** u32 full placement hash of the object (hobject_t hash). */
  hash: number;
  osdmapEpoch: number;
  flags: number;
  reqid: OsdReqidT;
  trace: BlkinTraceInfo;
  clientInc: number;
  mtime: UTime;
  oloc: ObjectLocatorT;
  oid: string;
  ops: OSDOp[];
  /** snapid_t to read (CEPH_NOSNAP: the head). */
  snapid: bigint;
  snapSeq: bigint;
  snaps: bigint[];
  /** s32, -1 when unknown, 0 for the first attempt. */
  retryAttempt: number;
  features: bigint;
  /** Data-segment bytes past the ops' indata (Ceph ignores them); usually empty. */
  dataTail?: Buffer;
}

function decodeMOSDOp(m: CephMessage): MOSDOp {
  if (m.version !== 8) {
    const r = new Reader(m.front);
    r.fail('DENC_INCOMPAT', `MOSDOp v${m.version}: only v8 (RESEND_ON_SPLIT clients, luminous+) is supported`, 'MOSDOp');
  }
  let raws: RawOSDOp[] = [];
  const p = readFront(m, 'MOSDOp', (r) => {
    const pgid = decodeSpgT(r, 'pgid');
    const hash = r.u32('hash');
    const osdmapEpoch = r.u32('osdmap_epoch');
    const flags = r.u32('flags');
    const reqid = decodeOsdReqidT(r, 'reqid');
    const trace = decodeBlkinTraceInfo(r);
    const clientInc = r.u32('client_inc');
    const mtime = decodeUTime(r, 'mtime');
    const oloc = exactLocator(r, 'oloc');
    const oid = r.string('oid');
    raws = decodeRawOps(r, r.u16('num_ops'));
    const snapid = r.u64('snapid');
    const snapSeq = r.u64('snap_seq');
    const nSnaps = r.count('snaps', 8);
    if (nSnaps > osdOpLimits.snapsPerMessageMax) r.fail('DENC_LIMIT', `${nSnaps} snaps over snapsPerMessageMax ${osdOpLimits.snapsPerMessageMax}`, 'snaps');
    const snaps: bigint[] = [];
    for (let i = 0; i < nSnaps; i++) snaps.push(r.u64('snap'));
    const retryAttempt = r.i32('retry_attempt');
    const features = r.u64('features');
    return { pgid, hash, osdmapEpoch, flags, reqid, trace, clientInc, mtime, oloc, oid, ops: [] as OSDOp[], snapid, snapSeq, snaps, retryAttempt, features };
  });
  const { ops, tail } = splitOpData(new Reader(m.data), raws, m.data, []);
  p.ops = ops;
  if (tail.length) return { ...p, dataTail: Buffer.from(tail) };
  return p;
}

export const MOSDOpCodec = defineMessage<MOSDOp>({
  type: CEPH_MSG_OSD_OP,
  name: 'osd_op',
  version: 8,
  compatVersion: 3,
  priority: CEPH_MSG_PRIO_OSD_CLIENT_OP,
  decode: (m) => decodeMOSDOp(m),
  encode: (p) => {
    if (p.ops.length > 0xffff) throw new RangeError(`MOSDOp with ${p.ops.length} ops: num_ops is a u16`);
    const body = writeFront((w) => {
      encodeSpgT(w, p.pgid);
      w.u32(p.hash >>> 0).u32(p.osdmapEpoch).u32(p.flags >>> 0);
      encodeOsdReqidT(w, p.reqid);
      encodeBlkinTraceInfo(w, p.trace);
      w.u32(p.clientInc >>> 0);
      encodeUTime(w, p.mtime);
      encodeObjectLocatorT(w, p.oloc);
      w.string(p.oid).u16(p.ops.length);
      for (const o of p.ops) encodeRawOSDOp(w, o);
      w.u64(p.snapid).u64(p.snapSeq).list(p.snaps, (ww, s) => ww.u64(s));
      w.i32(p.retryAttempt).u64(p.features);
    });
    return { ...body, data: mergeOpData(p.ops, p.dataTail) };
  },
  describe: (p) => formatMOSDOp(p),
});

/** operator<< for hobject_t: "3:08a725f1:::pobj:head" (pool, bit-reversed hash, escaped ns:key:name, snap). */
export function formatHobject(pool: number, hash: number, nspace: string, key: string, oid: string, snap: bigint): string {
  let rev = 0;
  for (let i = 0; i < 32; i++) rev = (rev << 1) | ((hash >>> i) & 1);
  return `${pool}:${(rev >>> 0).toString(16).padStart(8, '0')}:${escapeName(nspace)}:${escapeName(key)}:${escapeName(oid)}:${formatSnapId(snap)}`;
}

/** append_out_escaped (src/common/hobject.cc): '%', ':', '/' and bytes outside 32..126 as %xx. */
function escapeName(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) out += b === 0x25 || b === 0x3a || b === 0x2f || b < 32 || b >= 127 ? `%${b.toString(16).padStart(2, '0')}` : String.fromCharCode(b);
  return out;
}

/**
 * MOSDOp::print: "osd_op(client.4123.0:1 3.10 3:08a725f1:::pobj:head [writefull 0~8192 in=8192b]
 * snapc 0=[] ondisk+write+known_if_redirected e21)". A reqid with no name and tid 0 prints as the
 * sender and header tid (get_reqid), which only the receiver knows: pass them in `header`.
 */
export function formatMOSDOp(p: MOSDOp, header?: { src: string; tid: bigint }): string {
  const unnamed = p.reqid.name.type === 0 && p.reqid.name.num === 0 && p.reqid.tid === 0n;
  const reqid = unnamed && header ? `${header.src}.${p.reqid.inc}:${header.tid}` : `${formatEntityNameT(p.reqid.name)}.${p.reqid.inc}:${p.reqid.tid}`;
  const key = p.oloc.key === p.oid ? '' : p.oloc.key;
  const hobj = formatHobject(p.pgid.pgid.pool, p.hash, p.oloc.nspace, key, p.oid, p.snapid);
  const ops = p.ops.map((o) => formatOSDOp(o, 'in')).join(',');
  const snaps = `[${p.snaps.map(formatSnapId).join(',')}]`;
  const retry = p.flags & CephOsdFlag.RETRY ? ` RETRY=${p.retryAttempt}` : '';
  return `osd_op(${reqid} ${formatSpg(p.pgid)} ${hobj} [${ops}] snapc ${formatSnapId(p.snapSeq)}=${snaps}${retry} ${cephOsdFlagString(p.flags)} e${p.osdmapEpoch})`;
}

/**
 * request_redirect_t (src/osd/osd_types.{h,cc}): ENCODE_START(1,1) { object_locator_t
 * redirect_locator, string redirect_object, le32 legacy osd_instructions length (0; that many
 * bytes follow and are skipped) }.
 */
export interface RequestRedirectT {
  locator: ObjectLocatorT;
  object: string;
  /** The removed osd_instructions bytes an old sender may still include (kept for exact re-encoding). */
  legacyInstructions: Buffer;
}

export function decodeRequestRedirectT(r: Reader, field = 'request_redirect_t'): RequestRedirectT {
  return r.envelope(field, 1, () => {
    const locator = exactLocator(r, 'redirect_locator');
    const object = r.string('redirect_object');
    const n = r.u32('legacy_osd_instructions_len');
    return { locator, object, legacyInstructions: Buffer.from(r.bytes(n, 'legacy_osd_instructions')) };
  });
}

export function encodeRequestRedirectT(w: Writer, v: RequestRedirectT): void {
  w.envelope(1, 1, () => {
    encodeObjectLocatorT(w, v.locator);
    w.string(v.object).u32(v.legacyInstructions.length).bytes(v.legacyInstructions);
  });
}

/**
 * MOSDOpReply (src/messages/MOSDOpReply.h), v8 compat 2: object_t oid, pg_t pgid, le64 flags, le32
 * result (errorcode32_t: 0 or -errno), eversion_t bad_replay_version, le32 osdmap epoch, le32
 * num_ops + ceph_osd_op[num_ops], le32 retry_attempt, le32 rval per op, eversion_t replay_version,
 * le64 user_version, u8 do_redirect (+ request_redirect_t), blkin trace. Each op's outdata is in
 * the data segment (payload_len bytes each). The tid is the header's (the request's).
 */
export interface MOSDOpReply {
  oid: string;
  pgid: PgT;
  /** s64 CEPH_OSD_FLAG_* (the request's flags with ACK/ONDISK/ONNVRAM replaced by the ack kind). */
  flags: bigint;
  result: number;
  badReplayVersion: EversionT;
  osdmapEpoch: number;
  ops: OSDOp[];
  retryAttempt: number;
  replayVersion: EversionT;
  userVersion: bigint;
  redirect: RequestRedirectT | undefined;
  trace: BlkinTraceInfo;
  dataTail?: Buffer;
}

function decodeMOSDOpReply(m: CephMessage): MOSDOpReply {
  if (m.version !== 8) {
    const r = new Reader(m.front);
    r.fail('DENC_INCOMPAT', `MOSDOpReply v${m.version}: only v8 is supported`, 'MOSDOpReply');
  }
  let raws: RawOSDOp[] = [];
  let rvals: number[] = [];
  const p = readFront(m, 'MOSDOpReply', (r) => {
    const oid = r.string('oid');
    const pgid = decodePgT(r, 'pgid');
    const flags = r.i64('flags');
    const result = r.i32('result');
    const badReplayVersion = decodeEversion(r, 'bad_replay_version');
    const osdmapEpoch = r.u32('osdmap_epoch');
    const n = r.u32('num_ops');
    raws = decodeRawOps(r, n);
    const retryAttempt = r.i32('retry_attempt');
    r.need(4 * n, 'rvals');
    rvals = [];
    for (let i = 0; i < n; i++) rvals.push(r.i32('rval'));
    const replayVersion = decodeEversion(r, 'replay_version');
    const userVersion = r.u64('user_version');
    const redirect = r.bool('do_redirect') ? decodeRequestRedirectT(r, 'redirect') : undefined;
    const trace = decodeBlkinTraceInfo(r);
    return { oid, pgid, flags, result, badReplayVersion, osdmapEpoch, ops: [] as OSDOp[], retryAttempt, replayVersion, userVersion, redirect, trace };
  });
  const { ops, tail } = splitOpData(new Reader(m.data), raws, m.data, rvals);
  p.ops = ops;
  if (tail.length) return { ...p, dataTail: Buffer.from(tail) };
  return p;
}

export const MOSDOpReplyCodec = defineMessage<MOSDOpReply>({
  type: CEPH_MSG_OSD_OPREPLY,
  name: 'osd_op_reply',
  version: 8,
  compatVersion: 2,
  priority: CEPH_MSG_PRIO_DEFAULT,
  decode: (m) => decodeMOSDOpReply(m),
  encode: (p) => {
    const body = writeFront((w) => {
      w.string(p.oid);
      encodePgT(w, p.pgid);
      w.i64(p.flags).i32(p.result);
      encodeEversion(w, p.badReplayVersion);
      w.u32(p.osdmapEpoch).u32(p.ops.length);
      for (const o of p.ops) encodeRawOSDOp(w, o);
      w.i32(p.retryAttempt);
      for (const o of p.ops) w.i32(o.rval);
      encodeEversion(w, p.replayVersion);
      w.u64(p.userVersion).bool(p.redirect !== undefined);
      if (p.redirect) encodeRequestRedirectT(w, p.redirect);
      encodeBlkinTraceInfo(w, p.trace);
    });
    // The reply's data is sent as the ops' buffers where they lie: a read's data is the store's.
    return withDataParts(body, mergeOpDataParts(p.ops, p.dataTail));
  },
  describe: (p) => formatMOSDOpReply(p),
});

/** MOSDOpReply::print: "osd_op_reply(1 pobj [writefull 0~8192] v21'1 uv1 ondisk = 0)" (tid from the header). */
export function formatMOSDOpReply(p: MOSDOpReply, tid: bigint = 0n): string {
  const f = Number(BigInt.asUintN(32, p.flags));
  const ack = f & CephOsdFlag.ONDISK ? 'ondisk' : f & CephOsdFlag.ONNVRAM ? 'onnvram' : 'ack';
  const ops = p.ops.map((o) => formatOSDOp(o, 'out')).join(',');
  const redirect = p.redirect ? ` redirect: { object ${p.redirect.object}, locator{${formatLocatorBrief(p.redirect.locator)}} }` : '';
  return `osd_op_reply(${tid} ${p.oid} [${ops}] v${formatEversion(p.replayVersion)} uv${p.userVersion} ${ack} = ${p.result}${p.result < 0 ? ` ((${-p.result}) ${strerror(p.result)})` : ''}${redirect})`;
}

function formatLocatorBrief(l: ObjectLocatorT): string {
  return `@${l.pool}${l.nspace ? `;${l.nspace}` : ''}${l.key ? `:${l.key}` : ''}`;
}

/**
 * The reply an OSD starts from for `req` (MOSDOpReply's constructor from an MOSDOp): same oid, the
 * raw pg, the request's ops with their indata dropped (outdata and rval to be filled in), the
 * request's flags with ACK/ONDISK/ONNVRAM replaced by `ackFlag`, its retry attempt; versions zero.
 * A 16.2 OSD acks with ACK|ONDISK (the captured replies carry both), which is the default.
 */
export function mOSDOpReplyFor(req: MOSDOp, result: number, osdmapEpoch: number, ackFlag: number = CephOsdFlag.ACK | CephOsdFlag.ONDISK): MOSDOpReply {
  const keep = ~(CephOsdFlag.ONDISK | CephOsdFlag.ONNVRAM | CephOsdFlag.ACK);
  const zero = { epoch: 0, version: 0n };
  return {
    oid: req.oid,
    pgid: req.pgid.pgid,
    flags: BigInt(((req.flags & keep) | ackFlag) >>> 0),
    result,
    badReplayVersion: zero,
    osdmapEpoch,
    ops: req.ops.map((o) => ({ ...o, data: Buffer.alloc(0), rval: 0 })),
    retryAttempt: req.retryAttempt,
    replayVersion: zero,
    userVersion: 0n,
    redirect: undefined,
    trace: BLKIN_TRACE_NONE,
  };
}

/**
 * MOSDOpReply::set_reply_versions: replay_version = v, user_version = uv, and the legacy
 * bad_replay_version = v with its version replaced by uv when uv is set (old clients read that one).
 */
export function setReplyVersions(p: MOSDOpReply, v: EversionT, uv: bigint): void {
  p.replayVersion = v;
  p.userVersion = uv;
  p.badReplayVersion = uv ? { epoch: v.epoch, version: uv } : v;
}

/** MOSDOpReply::set_enoent_reply_versions (also used for reads): user_version and bad_replay_version only. */
export function setEnoentReplyVersions(p: MOSDOpReply, v: EversionT, uv: bigint): void {
  p.userVersion = uv;
  p.badReplayVersion = v;
}
