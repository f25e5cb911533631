import { Errno } from '@ts-ceph/common/core';
import { UTime } from '@ts-ceph/denc';
import { OSDCap } from '@ts-ceph/cephx/core';
import { EversionT } from '@ts-ceph/maps';
import {
  CephOsdOp,
  CephOsdOpFlag,
  MOSDOp,
  MOSDOpReply,
  OSDOp,
  encodeStatReply,
  mOSDOpReplyFor,
  opExtent,
  setEnoentReplyVersions,
  setReplyVersions,
  CEPH_OSD_OP_MODE_RD,
  CEPH_OSD_OP_MODE_WR,
} from '@ts-ceph/messages';
import { CEPH_NOSNAP, CollT, GHObject, ObjectStore, Transaction, ghobject } from '@ts-ceph/objectstore/interface';
import { pgnls } from './pg-list';
import { OI_ATTR, ObjectInfo, decodeObjectInfo, encodeObjectInfo } from './object-info';

/** Named limits of the op engine (docs/LIMITS.md). */
export const osdOpEngineLimits = {
  /** Bytes one read op returns at most (osd_max_object_size-like bound on a single reply). */
  readBytesMax: 64 * 1024 * 1024,
  /** Largest object offset + length a write may reach (Ceph's osd_max_object_size default, 128 MiB). */
  objectBytesMax: 128 * 1024 * 1024,
};

/** One placement group this OSD is primary of: its collection and PG-log version counters. */
export interface PgState {
  pool: number;
  seed: number;
  coll: CollT;
  /** info.last_update: eversion of the last write the PG applied. */
  lastUpdate: EversionT;
  /** info.last_user_version. */
  lastUserVersion: bigint;
}

/** What the op engine needs to know about a pool from the OSDMap. */
export interface PoolInfo {
  name: string;
  /** pg_num (for where a PG's listing ends); 1 when unknown. */
  pgNum?: number;
}

/** The client session an op arrived on: its cephx caps for the OSD service. */
export interface OpSession {
  allowAll: boolean;
  cap: OSDCap | undefined;
}

/** Where an op is executed: the PG (undefined when we are not its primary), the map epoch, the time. */
export interface OpTarget {
  pg: PgState | undefined;
  pool: PoolInfo | undefined;
  epoch: number;
  now: UTime;
}

const isRead = (op: number): boolean => (op & CEPH_OSD_OP_MODE_RD) !== 0;
const isWrite = (op: number): boolean => (op & CEPH_OSD_OP_MODE_WR) !== 0;

/** The ops this slice executes; anything else gets -EOPNOTSUPP, as Ceph's do_osd_ops default case. */
const supportedOps = new Set<number>([
  CephOsdOp.READ,
  CephOsdOp.SYNC_READ,
  CephOsdOp.STAT,
  CephOsdOp.WRITE,
  CephOsdOp.WRITEFULL,
  CephOsdOp.APPEND,
  CephOsdOp.DELETE,
  CephOsdOp.CREATE,
  CephOsdOp.TRUNCATE,
  CephOsdOp.ZERO,
]);

/** The ghobject_t of a client object: the head (CEPH_NOSNAP) in the op's pool, with the client's hash. */
export function opObject(req: MOSDOp): GHObject {
  return ghobject({ pool: req.oloc.pool, nspace: req.oloc.nspace, key: req.oloc.key, name: req.oid, hash: req.hash >>> 0, snap: CEPH_NOSNAP });
}

/** OSDService::reply_op_error: the request's ops without data, versions v and uv. */
export function replyOpError(req: MOSDOp, err: number, epoch: number, v: EversionT = { epoch: 0, version: 0n }, uv = 0n): MOSDOpReply {
  const r = mOSDOpReplyFor(req, err, epoch);
  setReplyVersions(r, v, uv);
  return r;
}

/** PrimaryLogPG::op_has_sufficient_caps. */
function hasCaps(req: MOSDOp, s: OpSession, poolName: string): boolean {
  if (s.allowAll) return true;
  if (!s.cap) return false;
  const read = req.ops.some((o) => isRead(o.op));
  const write = req.ops.some((o) => isWrite(o.op));
  return s.cap.isCapable({ pool: poolName, nspace: req.oloc.nspace, object: req.oloc.key || req.oid, read, write });
}

/** The state one op vector works on: the object as it is, then as the ops leave it. */
interface ObjState {
  exists: boolean;
  size: number;
  oi: ObjectInfo | undefined;
}

async function loadObject(store: ObjectStore, c: CollT, o: GHObject): Promise<ObjState> {
  if (!(await store.exists(c, o))) return { exists: false, size: 0, oi: undefined };
  const st = await store.stat(c, o);
  let oi: ObjectInfo | undefined;
  try {
    oi = decodeObjectInfo(await store.getattr(c, o, OI_ATTR));
  } catch {
    oi = undefined;
  }
  return { exists: true, size: st.size, oi };
}

function errno(e: number): number {
  return -e;
}

/**
 * Execute one client MOSDOp against the store (PrimaryLogPG::do_op → do_osd_ops → execute_ctx, for
 * a pool of size 1: the primary's commit is the whole commit). Never throws for bad input: misdirected
 * ops get -ENXIO, missing caps -EPERM, unknown op codes -EOPNOTSUPP, each as Ceph replies them.
 * Writes are applied in one Transaction, only if every op succeeded (or was FAILOK).
 */
export async function executeOp(store: ObjectStore, req: MOSDOp, session: OpSession, target: OpTarget): Promise<MOSDOpReply> {
  const { pg, pool, epoch } = target;
  if (!pg || !pool || req.pgid.pgid.pool !== pg.pool || req.pgid.pgid.seed !== pg.seed || req.oloc.pool !== pg.pool) {
    return replyOpError(req, errno(Errno.ENXIO), epoch);
  }
  if (!hasCaps(req, session, pool.name)) return replyOpError(req, errno(Errno.EPERM), epoch);
  if (req.snapid !== CEPH_NOSNAP) return replyOpError(req, errno(Errno.EOPNOTSUPP), epoch);
  if (req.ops.some((o) => o.op === CephOsdOp.PGNLS)) return pgOp(store, req, pg, pool, epoch);
  const mayWrite = req.ops.some((o) => isWrite(o.op));
  const oid = opObject(req);
  const before = await loadObject(store, pg.coll, oid);
  if (!before.exists && !mayWrite) return replyOpError(req, errno(Errno.ENOENT), epoch);

  const reply = mOSDOpReplyFor(req, 0, epoch);
  const t = new Transaction();
  const obj: ObjState = { ...before };
  let result = 0;
  let modified = false;
  for (let i = 0; i < req.ops.length; i++) {
    const op = req.ops[i]!;
    const out = reply.ops[i]!;
    let r: number;
    if (!supportedOps.has(op.op)) r = errno(Errno.EOPNOTSUPP);
    else r = await doOne(store, pg.coll, oid, op, out, obj, t, target);
    if (r >= 0 && isWrite(op.op) && op.op !== CephOsdOp.DELETE) modified = true;
    if (r >= 0 && op.op === CephOsdOp.DELETE) modified = true;
    out.rval = r;
    if (r < 0 && !(op.flags & CephOsdOpFlag.FAILOK)) {
      result = r;
      break;
    }
  }
  reply.result = result;
  if (result < 0 || !modified) {
    // complete_read_ctx: reads (and failed writes) report the object's version, ENOENT a floor.
    for (const o of reply.ops) if (result < 0) o.data = Buffer.alloc(0);
    if (result >= 0) setReplyVersions(reply, { epoch: 0, version: 0n }, before.oi?.userVersion ?? 0n);
    else if (result === errno(Errno.ENOENT)) setEnoentReplyVersions(reply, pg.lastUpdate, pg.lastUserVersion);
    return reply;
  }
  const at: EversionT = { epoch, version: pg.lastUpdate.version + 1n };
  const uv = (pg.lastUserVersion > (before.oi?.userVersion ?? 0n) ? pg.lastUserVersion : before.oi?.userVersion ?? 0n) + 1n;
  if (obj.exists) t.setattr(pg.coll, oid, OI_ATTR, encodeObjectInfo({ epoch: at.epoch, version: at.version, userVersion: uv, mtime: target.now }));
  await store.queueTransaction(t);
  pg.lastUpdate = at;
  pg.lastUserVersion = uv;
  for (const o of reply.ops) o.data = Buffer.alloc(0);
  setReplyVersions(reply, at, uv);
  return reply;
}

/**
 * PrimaryLogPG::do_pg_op: a vector of PG ops (pgnls only here; others -EOPNOTSUPP). The reply
 * carries the PG's last_update / last_user_version, and pgnls's rval (1 at the end of the PG) as
 * its result.
 */
async function pgOp(store: ObjectStore, req: MOSDOp, pg: PgState, pool: PoolInfo, epoch: number): Promise<MOSDOpReply> {
  const reply = mOSDOpReplyFor(req, 0, epoch);
  let result = 0;
  for (let i = 0; i < req.ops.length && result >= 0; i++) {
    const op = req.ops[i]!;
    const out = reply.ops[i]!;
    result = op.op === CephOsdOp.PGNLS ? await pgnls(store, pg, pool.pgNum ?? 1, req.oloc.nspace, op, out) : errno(Errno.EOPNOTSUPP);
    out.rval = result;
  }
  reply.result = result;
  setReplyVersions(reply, pg.lastUpdate, pg.lastUserVersion);
  return reply;
}

/** One op of the vector (do_osd_ops' switch); returns its rval. Writes go into `t`, reads into `out.data`. */
async function doOne(store: ObjectStore, c: CollT, o: GHObject, op: OSDOp, out: OSDOp, obj: ObjState, t: Transaction, target: OpTarget): Promise<number> {
  const ensure = (): void => {
    if (!obj.exists) {
      t.touch(c, o);
      obj.exists = true;
      obj.size = 0;
    }
  };
  switch (op.op) {
    case CephOsdOp.READ:
    case CephOsdOp.SYNC_READ: {
      if (!obj.exists) return errno(Errno.ENOENT);
      const { offset, length } = opExtent(op);
      const off = Number(offset);
      let len = length === 0n ? obj.size : Number(length);
      if (len > osdOpEngineLimits.readBytesMax) return errno(Errno.EINVAL);
      if (off >= obj.size) len = 0;
      else len = Math.min(len, obj.size - off);
      out.data = len > 0 ? Buffer.from(await store.read(c, o, off, len)) : Buffer.alloc(0);
      return 0;
    }
    case CephOsdOp.STAT: {
      if (!obj.exists) return errno(Errno.ENOENT);
      out.data = encodeStatReply(BigInt(obj.size), obj.oi?.mtime ?? { sec: 0, nsec: 0 });
      return 0;
    }
    case CephOsdOp.CREATE: {
      if (obj.exists && op.flags & CephOsdOpFlag.EXCL) return errno(Errno.EEXIST);
      ensure();
      return 0;
    }
    case CephOsdOp.DELETE: {
      if (!obj.exists) return errno(Errno.ENOENT);
      t.remove(c, o);
      obj.exists = false;
      obj.size = 0;
      return 0;
    }
    case CephOsdOp.WRITE:
    case CephOsdOp.WRITEFULL:
    case CephOsdOp.APPEND: {
      const { offset, length } = opExtent(op);
      if (op.op !== CephOsdOp.WRITEFULL && op.op !== CephOsdOp.APPEND && Number(length) !== op.data.length) return errno(Errno.EINVAL);
      const off = op.op === CephOsdOp.WRITEFULL ? 0 : op.op === CephOsdOp.APPEND ? obj.size : Number(offset);
      if (off + op.data.length > osdOpEngineLimits.objectBytesMax) return errno(Errno.EFBIG);
      ensure();
      if (op.op === CephOsdOp.WRITEFULL) {
        t.truncate(c, o, 0);
        obj.size = 0;
      }
      if (op.data.length > 0) t.write(c, o, off, op.data);
      obj.size = Math.max(obj.size, off + op.data.length);
      return 0;
    }
    case CephOsdOp.TRUNCATE: {
      const { offset } = opExtent(op);
      if (Number(offset) > osdOpEngineLimits.objectBytesMax) return errno(Errno.EFBIG);
      ensure();
      t.truncate(c, o, Number(offset));
      obj.size = Number(offset);
      return 0;
    }
    case CephOsdOp.ZERO: {
      if (!obj.exists) return 0;
      const { offset, length } = opExtent(op);
      const off = Number(offset);
      const end = Math.min(obj.size, off + Number(length));
      if (end > off) t.zero(c, o, off, end - off);
      return 0;
    }
    default:
      void target;
      return errno(Errno.EOPNOTSUPP);
  }
}
