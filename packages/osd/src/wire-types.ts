import { AddrType, EntityType, WireType, makeAddr, registerType } from '@ts-ceph/denc';
import * as L from './core/cls/lock-types';
import './core/cls/rbd/wire-types';
import './core/cls/wire-types';

/**
 * The OSD's wire types under their corpus directory names (test/unit/corpus.test.ts round-trips them
 * all): cls_lock's ops, replies and stored lock state. lock_info_t, locker_id_t and locker_info_t are in
 * the corpus twice, under their bare and their namespaced names.
 */
const owner = 'osd';

function reg<T>(t: Omit<WireType<T>, 'owner'>): void {
  registerType<T>({ owner, ...t });
}

const client = (num: number) => ({ type: EntityType.CLIENT, num });
const t0 = { sec: 1_700_000_000, nsec: 250_000_000 };
const lockerId = (num: number, cookie: string): L.LockerId => ({ locker: client(num), cookie });
const lockerInfo = (description: string): L.LockerInfo => ({ expiration: t0, addr: makeAddr(AddrType.LEGACY, '10.1.2.3', 0, 77), description });
const lockInfos = (): L.LockInfo[] => [
  { lockers: [], lockType: L.ClsLockType.NONE, tag: '' },
  {
    lockers: [
      [lockerId(4100, 'auto 1'), lockerInfo('')],
      [lockerId(4101, ''), { ...lockerInfo('rbd'), expiration: { sec: 0, nsec: 0 } }],
    ],
    lockType: L.ClsLockType.SHARED,
    tag: 'internal',
  },
];

for (const prefix of ['', 'rados::cls::lock::']) {
  reg<L.LockInfo>({ name: `${prefix}lock_info_t`, decode: (r) => L.decodeLockInfo(r), encode: L.encodeLockInfo, samples: lockInfos });
  reg<L.LockerId>({ name: `${prefix}locker_id_t`, decode: L.decodeLockerId, encode: L.encodeLockerId, samples: () => [lockerId(1, ''), lockerId(-1, 'c')] });
  reg<L.LockerInfo>({ name: `${prefix}locker_info_t`, decode: L.decodeLockerInfo, encode: L.encodeLockerInfo, samples: () => [lockerInfo('d')] });
}

reg<L.LockInfo>({ name: 'cls_lock_get_info_reply', decode: (r) => L.decodeLockInfo(r, 'cls_lock_get_info_reply'), encode: L.encodeLockInfo, samples: lockInfos });

reg<L.ClsLockLockOp>({
  name: 'cls_lock_lock_op',
  decode: L.decodeClsLockLockOp,
  encode: L.encodeClsLockLockOp,
  samples: () => [
    { name: 'rbd_lock', type: L.ClsLockType.EXCLUSIVE, cookie: 'auto 140', tag: '', description: '', duration: { sec: 0, nsec: 0 }, flags: 0 },
    { name: 'l', type: L.ClsLockType.SHARED, cookie: 'c', tag: 't', description: 'd', duration: { sec: 30, nsec: 5 }, flags: L.LOCK_FLAG_MAY_RENEW },
  ],
});

reg<L.ClsLockUnlockOp>({ name: 'cls_lock_unlock_op', decode: L.decodeClsLockUnlockOp, encode: L.encodeClsLockUnlockOp, samples: () => [{ name: 'l', cookie: 'c' }] });

reg<L.ClsLockBreakOp>({
  name: 'cls_lock_break_op',
  decode: L.decodeClsLockBreakOp,
  encode: L.encodeClsLockBreakOp,
  samples: () => [{ name: 'l', locker: client(4100), cookie: 'c' }],
});

reg<L.ClsLockGetInfoOp>({ name: 'cls_lock_get_info_op', decode: L.decodeClsLockGetInfoOp, encode: L.encodeClsLockGetInfoOp, samples: () => [{ name: 'rbd_lock' }] });

reg<L.ClsLockListLocksReply>({
  name: 'cls_lock_list_locks_reply',
  decode: L.decodeClsLockListLocksReply,
  encode: L.encodeClsLockListLocksReply,
  samples: () => [{ locks: [] }, { locks: ['a', 'rbd_lock'] }],
});

reg<L.ClsLockAssertOp>({
  name: 'cls_lock_assert_op',
  decode: L.decodeClsLockAssertOp,
  encode: L.encodeClsLockAssertOp,
  samples: () => [{ name: 'l', type: L.ClsLockType.EXCLUSIVE, cookie: 'c', tag: 't' }],
});

reg<L.ClsLockSetCookieOp>({
  name: 'cls_lock_set_cookie_op',
  decode: L.decodeClsLockSetCookieOp,
  encode: L.encodeClsLockSetCookieOp,
  samples: () => [{ name: 'l', type: L.ClsLockType.SHARED, cookie: 'c', tag: 't', newCookie: 'n' }],
});
