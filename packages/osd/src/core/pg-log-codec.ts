/** pg_log_entry_t and pg_log_dup_t as the PG keeps them in its pgmeta omap (Ceph's encodings). */
import { Reader, Writer, crc32c } from '@ts-ceph/denc';
import { HobjectT, decodeLogSnaps, encodeLogSnaps, decodePgLogDupT, decodePgLogEntryT, encodePgLogDupT, encodePgLogEntryT, newPgLogEntry, unrollbackableModDesc } from '@ts-ceph/maps';
import { GHObject, ghobject } from '@ts-ceph/objectstore/interface';
import type { PgLogDup, PgLogEntry } from './pg';

const toHobject = (o: GHObject): HobjectT => ({ oid: o.name, key: o.key, snap: o.snap, hash: o.hash, max: false, nspace: o.nspace, pool: o.pool });

/** pg_log_entry_t::encode_with_checksum: bufferlist(entry) then its crc32c (seed 0). */
export function encodeLogEntry(e: PgLogEntry): Buffer {
  const ce = newPgLogEntry(e.op, toHobject(e.soid), e.version, e.priorVersion, e.userVersion, e.reqid, e.mtime, e.returnCode);
  ce.modDesc = unrollbackableModDesc();
  ce.opReturns = e.opReturns.map((o) => ({ rval: o.rval, bl: o.data }));
  if (e.snaps) ce.snaps = encodeLogSnaps(e.snaps);
  const inner = new Writer();
  encodePgLogEntryT(inner, ce);
  const body = inner.finish();
  const w = new Writer();
  w.blob(body).u32(crc32c(0, body));
  return w.finish();
}
export function decodeLogEntry(b: Uint8Array): PgLogEntry {
  const r = new Reader(b);
  const body = r.blob('pg_log_entry_t');
  const crc = r.u32('crc');
  if (crc32c(0, body) !== crc) r.fail('DENC_MALFORMED', 'pg log entry crc mismatch', 'pg_log_entry_t');
  const ce = decodePgLogEntryT(new Reader(body));
  const h = ce.soid;
  return {
    op: ce.op,
    soid: ghobject({ pool: h.pool, nspace: h.nspace, key: h.key, name: h.oid, hash: h.hash, snap: h.snap }),
    version: ce.version,
    priorVersion: ce.priorVersion,
    reqid: ce.reqid,
    mtime: ce.mtime,
    returnCode: ce.returnCode,
    userVersion: ce.userVersion,
    opReturns: ce.opReturns.map((o) => ({ rval: o.rval, data: o.bl })),
    ...(ce.snaps.length ? { snaps: decodeLogSnaps(ce.snaps) } : {}),
  };
}
export function encodeDup(d: PgLogDup): Buffer {
  const w = new Writer();
  encodePgLogDupT(w, { reqid: d.reqid, version: d.version, userVersion: d.userVersion, returnCode: d.returnCode, opReturns: [] });
  return w.finish();
}
export function decodeDup(b: Uint8Array): PgLogDup {
  const d = decodePgLogDupT(new Reader(b));
  return { reqid: d.reqid, version: d.version, userVersion: d.userVersion, returnCode: d.returnCode };
}

