import { EntityAddr, EntityNameT, Reader, UTime, Writer, compareStringBytes, decodeEntityAddr, decodeEntityNameT, decodeUTime, encodeEntityAddr, encodeEntityNameT, encodeUTime } from '@ts-ceph/denc';

/**
 * cls_lock's types (src/cls/lock/cls_lock_types.h, cls_lock_ops.h). Every struct is ENCODE_START(1, 1)
 * and decoded with DECODE_START_LEGACY_COMPAT_LEN(1, 1, 1): struct_v, struct_compat and struct_len are
 * always present. lock_info_t is what cls_lock stores in the object's xattr `lock.<name>`.
 */

/** ClsLockType, a u8 on the wire. */
export const ClsLockType = { NONE: 0, EXCLUSIVE: 1, SHARED: 2, EXCLUSIVE_EPHEMERAL: 3 } as const;

/** cls_lock_lock_op.flags: renew an existing lock of ours (idempotent), or only renew. */
export const LOCK_FLAG_MAY_RENEW = 0x1;
export const LOCK_FLAG_MUST_RENEW = 0x2;

export function clsLockIsExclusive(t: number): boolean {
  return t === ClsLockType.EXCLUSIVE || t === ClsLockType.EXCLUSIVE_EPHEMERAL;
}
export function clsLockIsEphemeral(t: number): boolean {
  return t === ClsLockType.EXCLUSIVE_EPHEMERAL;
}
export function clsLockIsValid(t: number): boolean {
  return t === ClsLockType.SHARED || clsLockIsExclusive(t);
}
/** cls_lock_type_str. */
export function clsLockTypeStr(t: number): string {
  return ['none', 'exclusive', 'shared', 'exclusive-ephemeral'][t] ?? '<unknown>';
}

/** locker_id_t: who holds the lock (the client's entity_name_t) and with which cookie. */
export interface LockerId {
  locker: EntityNameT;
  cookie: string;
}

/** locker_info_t: expiration (zero: never), the locker's address (stored as TYPE_LEGACY), description. */
export interface LockerInfo {
  expiration: UTime;
  addr: EntityAddr;
  description: string;
}

/** lock_info_t and cls_lock_get_info_reply (same layout): lockers in locker_id_t order, type, tag. */
export interface LockInfo {
  lockers: [LockerId, LockerInfo][];
  lockType: number;
  tag: string;
}

export interface ClsLockLockOp {
  name: string;
  type: number;
  cookie: string;
  tag: string;
  description: string;
  /** Seconds + nanoseconds the lock lasts; zero: until unlocked. */
  duration: UTime;
  flags: number;
}
export interface ClsLockUnlockOp {
  name: string;
  cookie: string;
}
export interface ClsLockBreakOp {
  name: string;
  locker: EntityNameT;
  cookie: string;
}
export interface ClsLockGetInfoOp {
  name: string;
}
export interface ClsLockListLocksReply {
  locks: string[];
}
export interface ClsLockAssertOp {
  name: string;
  type: number;
  cookie: string;
  tag: string;
}
export interface ClsLockSetCookieOp extends ClsLockAssertOp {
  newCookie: string;
}

/** Byte order of two strings, as std::string::compare. */
function compareBytes(a: string, b: string): number {
  return compareStringBytes(a, b);
}

/** locker_id_t::operator<: entity_name_t (type, then num), then cookie. */
export function compareLockerId(a: LockerId, b: LockerId): number {
  return a.locker.type - b.locker.type || Math.sign(a.locker.num - b.locker.num) || compareBytes(a.cookie, b.cookie);
}

function v1<T>(r: Reader, name: string, fn: () => T): T {
  return r.envelopeLegacy(name, 1, 1, 1, fn);
}

export function decodeLockerId(r: Reader): LockerId {
  return v1(r, 'locker_id_t', () => ({ locker: decodeEntityNameT(r, 'locker'), cookie: r.string('cookie') }));
}
export function encodeLockerId(w: Writer, v: LockerId): void {
  w.envelope(1, 1, () => {
    encodeEntityNameT(w, v.locker);
    w.string(v.cookie);
  });
}

export function decodeLockerInfo(r: Reader): LockerInfo {
  return v1(r, 'locker_info_t', () => ({ expiration: decodeUTime(r, 'expiration'), addr: decodeEntityAddr(r, 'addr'), description: r.string('description') }));
}
/** The address goes out in the form the writer's features allow (cls_get_client_features in cls_lock). */
export function encodeLockerInfo(w: Writer, v: LockerInfo): void {
  w.envelope(1, 1, () => {
    encodeUTime(w, v.expiration);
    encodeEntityAddr(w, v.addr);
    w.string(v.description);
  });
}

export function decodeLockInfo(r: Reader, name = 'lock_info_t'): LockInfo {
  return v1(r, name, () => ({
    lockers: r.pairs('lockers', decodeLockerId, decodeLockerInfo, 20),
    lockType: r.u8('lock_type'),
    tag: r.string('tag'),
  }));
}
export function encodeLockInfo(w: Writer, v: LockInfo): void {
  w.envelope(1, 1, () => {
    const sorted = [...v.lockers].sort((a, b) => compareLockerId(a[0], b[0]));
    w.pairs(sorted, encodeLockerId, encodeLockerInfo);
    w.u8(v.lockType).string(v.tag);
  });
}

export function decodeClsLockLockOp(r: Reader): ClsLockLockOp {
  return v1(r, 'cls_lock_lock_op', () => ({
    name: r.string('name'),
    type: r.u8('type'),
    cookie: r.string('cookie'),
    tag: r.string('tag'),
    description: r.string('description'),
    duration: decodeUTime(r, 'duration'),
    flags: r.u8('flags'),
  }));
}
export function encodeClsLockLockOp(w: Writer, v: ClsLockLockOp): void {
  w.envelope(1, 1, () => {
    w.string(v.name).u8(v.type).string(v.cookie).string(v.tag).string(v.description);
    encodeUTime(w, v.duration);
    w.u8(v.flags);
  });
}

export function decodeClsLockUnlockOp(r: Reader): ClsLockUnlockOp {
  return v1(r, 'cls_lock_unlock_op', () => ({ name: r.string('name'), cookie: r.string('cookie') }));
}
export function encodeClsLockUnlockOp(w: Writer, v: ClsLockUnlockOp): void {
  w.envelope(1, 1, () => w.string(v.name).string(v.cookie));
}

export function decodeClsLockBreakOp(r: Reader): ClsLockBreakOp {
  return v1(r, 'cls_lock_break_op', () => ({ name: r.string('name'), locker: decodeEntityNameT(r, 'locker'), cookie: r.string('cookie') }));
}
export function encodeClsLockBreakOp(w: Writer, v: ClsLockBreakOp): void {
  w.envelope(1, 1, () => {
    w.string(v.name);
    encodeEntityNameT(w, v.locker);
    w.string(v.cookie);
  });
}

export function decodeClsLockGetInfoOp(r: Reader): ClsLockGetInfoOp {
  return v1(r, 'cls_lock_get_info_op', () => ({ name: r.string('name') }));
}
export function encodeClsLockGetInfoOp(w: Writer, v: ClsLockGetInfoOp): void {
  w.envelope(1, 1, () => w.string(v.name));
}

export function decodeClsLockListLocksReply(r: Reader): ClsLockListLocksReply {
  return v1(r, 'cls_lock_list_locks_reply', () => ({ locks: r.list('locks', (rr) => rr.string('lock'), 4) }));
}
export function encodeClsLockListLocksReply(w: Writer, v: ClsLockListLocksReply): void {
  w.envelope(1, 1, () => w.list(v.locks, (ww, s) => ww.string(s)));
}

export function decodeClsLockAssertOp(r: Reader): ClsLockAssertOp {
  return v1(r, 'cls_lock_assert_op', () => ({ name: r.string('name'), type: r.u8('type'), cookie: r.string('cookie'), tag: r.string('tag') }));
}
export function encodeClsLockAssertOp(w: Writer, v: ClsLockAssertOp): void {
  w.envelope(1, 1, () => w.string(v.name).u8(v.type).string(v.cookie).string(v.tag));
}

export function decodeClsLockSetCookieOp(r: Reader): ClsLockSetCookieOp {
  return v1(r, 'cls_lock_set_cookie_op', () => ({
    name: r.string('name'),
    type: r.u8('type'),
    cookie: r.string('cookie'),
    tag: r.string('tag'),
    newCookie: r.string('new_cookie'),
  }));
}
export function encodeClsLockSetCookieOp(w: Writer, v: ClsLockSetCookieOp): void {
  w.envelope(1, 1, () => w.string(v.name).u8(v.type).string(v.cookie).string(v.tag).string(v.newCookie));
}
