import { CephError, cephError, isCephError } from '@ts-ceph/common/core';
import { AddrType, Reader, UTime, Writer, compareStringBytes, compareUTime } from '@ts-ceph/denc';
import { ClsContext } from './context';
import { CLS_METHOD_PROMOTE, CLS_METHOD_RD, CLS_METHOD_WR, ClsMethod, decodeClsInput } from './registry';
import * as L from './lock-types';

/**
 * cls_lock (src/cls/lock/cls_lock.cc): advisory locks on an object, each kept in the xattr
 * `lock.<name>` as an encoded lock_info_t, so a real ceph-osd reads what ts-osd wrote. Expired lockers
 * are dropped whenever a lock is read (against ctx.now); an exclusive-ephemeral lock removes its object
 * when its last locker goes. Same methods, flags, checks in the same order, and errnos.
 */

const LOCK_PREFIX = 'lock.';

/** Decode a method's input; a malformed one is EINVAL (cls_lock catches buffer::error). */
const decodeInput = <T>(input: Buffer, decode: (r: Reader) => T): T => decodeClsInput('cls_lock', input, decode);

function emptyLock(): L.LockInfo {
  return { lockers: [], lockType: L.ClsLockType.NONE, tag: '' };
}

function addUTime(a: UTime, b: UTime): UTime {
  const nsec = a.nsec + b.nsec;
  return { sec: a.sec + b.sec + Math.floor(nsec / 1e9), nsec: nsec % 1e9 };
}

const isZero = (t: UTime) => t.sec === 0 && t.nsec === 0;

/**
 * read_lock: the lock's state with expired lockers dropped; an empty lock when the xattr is missing
 * (ENODATA), ENOENT when the object is missing, EIO when the xattr does not decode.
 */
async function readLock(ctx: ClsContext, name: string): Promise<L.LockInfo> {
  let bl: Buffer;
  try {
    bl = await ctx.getxattr(LOCK_PREFIX + name);
  } catch (e) {
    if (isCephError(e, 'ENODATA')) return emptyLock();
    throw e;
  }
  let lock: L.LockInfo;
  try {
    lock = L.decodeLockInfo(new Reader(bl));
  } catch (e) {
    if (!(e instanceof CephError)) throw e;
    ctx.log(0, `error decoding ${LOCK_PREFIX}${name}`);
    throw cephError('EIO', `cls_lock: ${LOCK_PREFIX}${name} does not decode`);
  }
  lock.lockers = lock.lockers.filter(([, info]) => isZero(info.expiration) || compareUTime(info.expiration, ctx.now) >= 0);
  if (lock.lockers.length === 0 && L.clsLockIsEphemeral(lock.lockType)) {
    // Ceph logs a failed clean-up and carries on.
    await ctx.remove().catch((e: unknown) => {
      if (!isCephError(e)) throw e;
      ctx.log(0, `error, on read, cleaning lock object ${e.message}`);
    });
  }
  return lock;
}

async function writeLock(ctx: ClsContext, name: string, lock: L.LockInfo): Promise<void> {
  const w = new Writer(ctx.clientFeatures);
  L.encodeLockInfo(w, lock);
  await ctx.setxattr(LOCK_PREFIX + name, w.finish());
}

function findLocker(lock: L.LockInfo, id: L.LockerId): number {
  return lock.lockers.findIndex(([k]) => L.compareLockerId(k, id) === 0);
}

/** lock_obj: take or renew a lock for the calling client. */
async function lockOp(ctx: ClsContext, input: Buffer): Promise<void> {
  const op = decodeInput(input, L.decodeClsLockLockOp);
  const failIfExists = (op.flags & L.LOCK_FLAG_MAY_RENEW) === 0;
  const failIfDoesNotExist = (op.flags & L.LOCK_FLAG_MUST_RENEW) !== 0;
  ctx.log(20, `requested lock_type=${L.clsLockTypeStr(op.type)} fail_if_exists=${+failIfExists} fail_if_does_not_exist=${+failIfDoesNotExist}`);
  if (!L.clsLockIsValid(op.type)) throw cephError('EINVAL', 'cls_lock: invalid lock type');
  if (op.name === '') throw cephError('EINVAL', 'cls_lock: empty lock name');
  // MAY_RENEW and MUST_RENEW disagree about a lock that does not exist yet.
  if (!failIfExists && failIfDoesNotExist) throw cephError('EINVAL', 'cls_lock: MAY_RENEW with MUST_RENEW');
  let lock: L.LockInfo;
  try {
    lock = await readLock(ctx, op.name);
  } catch (e) {
    if (!isCephError(e, 'ENOENT')) throw e;
    lock = emptyLock();
  }
  const id: L.LockerId = { locker: ctx.origin.name, cookie: op.cookie };
  // Checked before the renew test, which may drop our own entry.
  if (lock.lockers.length && op.tag !== lock.tag) throw cephError('EBUSY', 'cls_lock: conflicting tag');
  const mine = findLocker(lock, id);
  if (mine >= 0) {
    if (failIfExists && !failIfDoesNotExist) throw cephError('EEXIST', 'cls_lock: already locked by this locker');
    lock.lockers.splice(mine, 1);
  } else if (failIfDoesNotExist) {
    throw cephError('ENOENT', 'cls_lock: MUST_RENEW a lock not held');
  }
  if (lock.lockers.length) {
    if (L.clsLockIsExclusive(op.type)) throw cephError('EBUSY', 'cls_lock: already locked');
    if (lock.lockType !== op.type) throw cephError('EBUSY', 'cls_lock: conflicting lock type');
  }
  lock.lockType = op.type;
  lock.tag = op.tag;
  const expiration = isZero(op.duration) ? { sec: 0, nsec: 0 } : addUTime(ctx.now, op.duration);
  // Stored as a legacy address whatever the client spoke, so old clients can print it.
  const addr = { ...ctx.origin.addr, type: AddrType.LEGACY };
  lock.lockers.push([id, { expiration, addr, description: op.description }]);
  await writeLock(ctx, op.name, lock);
}

/** remove_lock: drop one locker; ENOENT if it holds no such lock. */
async function removeLock(ctx: ClsContext, name: string, id: L.LockerId): Promise<void> {
  const lock = await readLock(ctx, name);
  const i = findLocker(lock, id);
  if (i < 0) throw cephError('ENOENT', `cls_lock: no locker ${id.cookie} on ${name}`);
  lock.lockers.splice(i, 1);
  if (L.clsLockIsEphemeral(lock.lockType)) await ctx.remove();
  else await writeLock(ctx, name, lock);
}

async function unlockOp(ctx: ClsContext, input: Buffer): Promise<void> {
  const op = decodeInput(input, L.decodeClsLockUnlockOp);
  await removeLock(ctx, op.name, { locker: ctx.origin.name, cookie: op.cookie });
}

async function breakLock(ctx: ClsContext, input: Buffer): Promise<void> {
  const op = decodeInput(input, L.decodeClsLockBreakOp);
  await removeLock(ctx, op.name, { locker: op.locker, cookie: op.cookie });
}

async function getInfo(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const op = decodeInput(input, L.decodeClsLockGetInfoOp);
  const lock = await readLock(ctx, op.name);
  const w = new Writer(ctx.clientFeatures);
  L.encodeLockInfo(w, lock);
  return w.finish();
}

async function listLocks(ctx: ClsContext): Promise<Buffer> {
  const attrs = await ctx.getxattrs();
  const names = [...attrs.keys()].sort(compareStringBytes);
  const locks = names.filter((n) => n.startsWith(LOCK_PREFIX)).map((n) => n.slice(LOCK_PREFIX.length));
  const w = new Writer();
  L.encodeClsLockListLocksReply(w, { locks });
  return w.finish();
}

/** The checks assert_locked and set_cookie share: EBUSY unless the caller holds the lock as described. */
async function heldLock(ctx: ClsContext, op: L.ClsLockAssertOp): Promise<{ lock: L.LockInfo; index: number }> {
  if (!L.clsLockIsValid(op.type)) throw cephError('EINVAL', 'cls_lock: invalid lock type');
  if (op.name === '') throw cephError('EINVAL', 'cls_lock: empty lock name');
  const lock = await readLock(ctx, op.name);
  if (lock.lockers.length === 0) throw cephError('EBUSY', 'cls_lock: object not locked');
  if (lock.lockType !== op.type) throw cephError('EBUSY', `cls_lock: lock type mismatch: current=${L.clsLockTypeStr(lock.lockType)}`);
  if (lock.tag !== op.tag) throw cephError('EBUSY', 'cls_lock: lock tag mismatch');
  const index = findLocker(lock, { locker: ctx.origin.name, cookie: op.cookie });
  if (index < 0) throw cephError('EBUSY', 'cls_lock: not locked by this client');
  return { lock, index };
}

async function assertLocked(ctx: ClsContext, input: Buffer): Promise<void> {
  await heldLock(ctx, decodeInput(input, L.decodeClsLockAssertOp));
}

async function setCookie(ctx: ClsContext, input: Buffer): Promise<void> {
  const op = decodeInput(input, L.decodeClsLockSetCookieOp);
  const { lock, index } = await heldLock(ctx, op);
  const id: L.LockerId = { locker: ctx.origin.name, cookie: op.newCookie };
  if (findLocker(lock, id) >= 0) throw cephError('EBUSY', 'cls_lock: lock cookie in use');
  const info = lock.lockers[index]![1];
  lock.lockers.splice(index, 1);
  lock.lockers.push([id, info]);
  await writeLock(ctx, op.name, lock);
}

export const lockMethods: Readonly<Record<string, ClsMethod>> = {
  lock: { flags: CLS_METHOD_RD | CLS_METHOD_WR | CLS_METHOD_PROMOTE, fn: lockOp },
  unlock: { flags: CLS_METHOD_RD | CLS_METHOD_WR | CLS_METHOD_PROMOTE, fn: unlockOp },
  break_lock: { flags: CLS_METHOD_RD | CLS_METHOD_WR, fn: breakLock },
  get_info: { flags: CLS_METHOD_RD, fn: getInfo },
  list_locks: { flags: CLS_METHOD_RD, fn: (ctx) => listLocks(ctx) },
  assert_locked: { flags: CLS_METHOD_RD | CLS_METHOD_PROMOTE, fn: assertLocked },
  set_cookie: { flags: CLS_METHOD_RD | CLS_METHOD_WR | CLS_METHOD_PROMOTE, fn: setCookie },
};
