/**
 * do_op's checks before an op vector runs (PrimaryLogPG.cc): caps, class methods, the object's
 * name, snaps and size. Each answers an errno (0: fine) for op-engine.ts to reply with.
 */
import { CephError, Errno } from '@ts-ceph/common/core';
import { stringByteLength } from '@ts-ceph/denc';
import { OSDCap, OSDClassInfo } from '@ts-ceph/cephx/core';
import { CephOsdOp, MOSDOp, opCall, CEPH_OSD_OP_MODE_RD } from '@ts-ceph/messages';
import { CEPH_NOSNAP, CEPH_SNAPDIR, objectNameBytesMax, objectNamespaceBytesMax } from '@ts-ceph/objectstore/interface';
import { OpPool } from './op-context';
import { isWrite } from './op-run';
import { osdDataOpLimits } from './ops/data';
import { clsRegistry } from './ops/call';

/** The client session an op arrived on: its cephx caps for the OSD service. */
export interface OpSession {
  allowAll: boolean;
  cap: OSDCap | undefined;
}

const isRead = (op: number): boolean => (op & CEPH_OSD_OP_MODE_RD) !== 0;
const errno = (e: number): number => -e;

/** PrimaryLogPG::op_has_sufficient_caps, with the class methods the op calls (OpInfo::ClassInfo). */
export function hasCaps(req: MOSDOp, s: OpSession, pool: OpPool, classes: OSDClassInfo[]): boolean {
  if (s.allowAll) return true;
  if (!s.cap) return false;
  const read = req.ops.some((o) => isRead(o.op));
  const write = req.ops.some((o) => isWrite(o.op)) || classes.some((c) => c.write);
  return s.cap.isCapable({ pool: pool.name, app: pool.app, nspace: req.oloc.nspace, object: req.oloc.key || req.oid, read, write, classes });
}

/** OpInfo::set_from_op for CALL ops: each call's class info; EOPNOTSUPP (or EINVAL) for a bad one. */
export function resolveCalls(req: MOSDOp): OSDClassInfo[] | number {
  const out: OSDClassInfo[] = [];
  for (const o of req.ops) {
    if (o.op !== CephOsdOp.CALL) continue;
    const c = opCall(o);
    if (c.className === undefined || c.method === undefined) return errno(Errno.EINVAL);
    try {
      out.push(clsRegistry.classInfo(c.className, c.method));
    } catch (e) {
      return e instanceof CephError ? -e.errno : errno(Errno.EOPNOTSUPP);
    }
  }
  return out;
}

/**
 * do_op's checks of the object's name before it looks the object up (PrimaryLogPG.cc, after the PG
 * ops): a name or locator key over osd_max_object_name_len or a namespace over
 * osd_max_object_namespace_len is ENAMETOOLONG for reads too (a stat of such a name is not ENOENT),
 * and an empty name is EINVAL.
 */
export function objectNameCheck(req: MOSDOp): number {
  if (stringByteLength(req.oid) > objectNameBytesMax) return errno(Errno.ENAMETOOLONG);
  if (stringByteLength(req.oloc.key) > objectNameBytesMax) return errno(Errno.ENAMETOOLONG);
  if (stringByteLength(req.oloc.nspace) > objectNamespaceBytesMax) return errno(Errno.ENAMETOOLONG);
  if (req.oid.length === 0) return errno(Errno.EINVAL);
  return 0;
}

/**
 * do_op's snap and size checks: no writes to a snap, none carrying more than osd_max_write_size;
 * LIST_SNAPS only on CEPH_SNAPDIR and nothing else there.
 */
export function snapOpCheck(req: MOSDOp, mayWrite: boolean): number {
  if (mayWrite && req.snapid !== CEPH_NOSNAP) return errno(Errno.EINVAL);
  if (mayWrite && req.ops.reduce((n, o) => n + o.data.length, 0) > osdDataOpLimits.writeBytesMax) return errno(Errno.EMSGSIZE);
  for (const o of req.ops) if ((o.op === CephOsdOp.LIST_SNAPS) !== (req.snapid === CEPH_SNAPDIR)) return errno(Errno.EINVAL);
  return 0;
}
