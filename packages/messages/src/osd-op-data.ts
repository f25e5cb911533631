import { decodeUTime, Reader, UTime, Writer } from '@ts-ceph/denc';
import { OSDOp } from './osd-op-struct';

/**
 * The encoded arguments some ops carry in their data (indata), and the results some replies carry
 * in theirs (outdata), as librados writes and PrimaryLogPG::do_osd_ops reads them
 * (src/osd/PrimaryLogPG.cc, src/osdc/Objecter.h ObjectOperation). Decoders throw DencError naming
 * the field on malformed input; an OSD answers that with -EINVAL, as Ceph's decode failures do.
 */

function within<T>(o: OSDOp, name: string, fn: (r: Reader) => T): T {
  const r = new Reader(o.data);
  return r.within(name, () => fn(r));
}

/** map<string, bufferlist>: le32 count, then (string key, le32 len + bytes) pairs. */
function readStrBlMap(r: Reader, field: string): Map<string, Buffer> {
  return r.map(field, (rr) => rr.string('key'), (rr) => Buffer.from(rr.blob('value')), 8);
}
function writeStrBlMap(w: Writer, m: ReadonlyMap<string, Buffer>): void {
  w.map(m, (ww, k) => ww.string(k), (ww, v) => ww.blob(v));
}
function readStrSet(r: Reader, field: string): string[] {
  return r.list(field, (rr) => rr.string('key'), 4);
}

/** omap-get-keys in: string start_after, le64 max_return. */
export function omapGetKeysArgs(o: OSDOp): { startAfter: string; maxReturn: bigint } {
  return within(o, 'omap-get-keys', (r) => ({ startAfter: r.string('start_after'), maxReturn: r.u64('max_return') }));
}

/** omap-get-vals in: string start_after, le64 max_return, string filter_prefix. */
export function omapGetValsArgs(o: OSDOp): { startAfter: string; maxReturn: bigint; filterPrefix: string } {
  return within(o, 'omap-get-vals', (r) => ({ startAfter: r.string('start_after'), maxReturn: r.u64('max_return'), filterPrefix: r.string('filter_prefix') }));
}

/** omap-get-vals-by-keys and omap-rm-keys in: set<string>. */
export function omapKeySetArgs(o: OSDOp): string[] {
  return within(o, 'omap-keys', (r) => readStrSet(r, 'keys'));
}

/** omap-set-vals in: map<string, bufferlist>. */
export function omapSetValsArgs(o: OSDOp): Map<string, Buffer> {
  return within(o, 'omap-set-vals', (r) => readStrBlMap(r, 'vals'));
}

/** omap-rm-key-range in: string key_begin, string key_end. */
export function omapRmKeyRangeArgs(o: OSDOp): { begin: string; end: string } {
  return within(o, 'omap-rm-key-range', (r) => ({ begin: r.string('key_begin'), end: r.string('key_end') }));
}

/** omap-cmp in: map<string, pair<bufferlist value, le32 CEPH_OSD_CMPXATTR_OP_*>>. */
export function omapCmpArgs(o: OSDOp): Map<string, { value: Buffer; op: number }> {
  return within(o, 'omap-cmp', (r) => r.map('assertions', (rr) => rr.string('key'), (rr) => ({ value: Buffer.from(rr.blob('value')), op: rr.i32('op') }), 12));
}

/** notify-ack in: le64 notify_id, le64 cookie, bufferlist reply payload. */
export function notifyAckArgs(o: OSDOp): { notifyId: bigint; cookie: bigint; reply: Buffer } {
  return within(o, 'notify-ack', (r) => ({ notifyId: r.u64('notify_id'), cookie: r.u64('cookie'), reply: r.remaining() ? Buffer.from(r.blob('reply')) : Buffer.alloc(0) }));
}

// ---- reply data ----------------------------------------------------------------------------------

/** stat out: le64 size, utime mtime (16 bytes). */
export function statReply(o: OSDOp): { size: bigint; mtime: UTime } {
  return within(o, 'stat', (r) => ({ size: r.u64('size'), mtime: decodeUTime(r, 'mtime') }));
}
export function encodeStatReply(size: bigint, mtime: UTime): Buffer {
  return new Writer().u64(size).u32(mtime.sec).u32(mtime.nsec).finish();
}

/** sparse-read out: map<le64 offset, le64 length> of the extents that hold data, then bufferlist of their bytes. */
export function sparseReadReply(o: OSDOp): { extents: [bigint, bigint][]; data: Buffer } {
  return within(o, 'sparse-read', (r) => ({ extents: r.list('extents', (rr) => [rr.u64('offset'), rr.u64('length')] as [bigint, bigint], 16), data: Buffer.from(r.blob('data')) }));
}
/** The reply as one buffer (a test, a tool); the OSD sends encodeSparseReadReplyParts' list as it is. */
export function encodeSparseReadReply(extents: readonly (readonly [bigint, bigint])[], data: Buffer | readonly Buffer[]): Buffer {
  return Buffer.concat(encodeSparseReadReplyParts(extents, Buffer.isBuffer(data) ? [data] : data));
}

/**
 * The reply as buffers to send one after the other: the extent map and the bufferlist's le32
 * length in one small buffer, then the extents' bytes as the store returned them (not copied: a
 * 1 MiB rbd read is a sparse read, and its data goes to the socket, or the cipher, from the store's
 * buffer).
 */
export function encodeSparseReadReplyParts(extents: readonly (readonly [bigint, bigint])[], parts: readonly Buffer[]): Buffer[] {
  let bytes = 0;
  for (const p of parts) bytes += p.length;
  const head = Buffer.allocUnsafe(4 + 16 * extents.length + 4);
  let o = head.writeUInt32LE(extents.length, 0);
  for (const [off, len] of extents) o = head.writeBigUInt64LE(len, head.writeBigUInt64LE(off, o));
  head.writeUInt32LE(bytes, o);
  return [head, ...parts];
}

/** omap-get-vals out: map<string, bufferlist>, u8 more (truncated). */
export function omapGetValsReply(o: OSDOp): { vals: Map<string, Buffer>; more: boolean } {
  return within(o, 'omap-get-vals', (r) => ({ vals: readStrBlMap(r, 'vals'), more: r.remaining() ? r.bool('more') : false }));
}
export function encodeOmapGetValsReply(vals: ReadonlyMap<string, Buffer>, more: boolean): Buffer {
  const w = new Writer();
  writeStrBlMap(w, vals);
  return w.bool(more).finish();
}

/** omap-get-keys out: set<string>, u8 more. */
export function omapGetKeysReply(o: OSDOp): { keys: string[]; more: boolean } {
  return within(o, 'omap-get-keys', (r) => ({ keys: readStrSet(r, 'keys'), more: r.remaining() ? r.bool('more') : false }));
}

/** getxattrs and omap-get-vals-by-keys out: map<string, bufferlist>. */
export function strBufferMapReply(o: OSDOp): Map<string, Buffer> {
  return within(o, 'map', (r) => readStrBlMap(r, 'entries'));
}
export function encodeStrBufferMap(m: ReadonlyMap<string, Buffer>): Buffer {
  const w = new Writer();
  writeStrBlMap(w, m);
  return w.finish();
}

/** omap-set-vals in, for builders: map<string, bufferlist>. */
export function encodeOmapSetVals(m: ReadonlyMap<string, Buffer>): Buffer {
  return encodeStrBufferMap(m);
}
