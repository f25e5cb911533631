/**
 * cls_lock as src/test/cls_lock/test_cls_lock.cc drives it (TestMultiLocking, TestMeta, TestCookie,
 * TestMultipleLocks, TestLockDuration, TestAssertLocked, TestSetCookie, TestRenew, the exclusive
 * ephemeral cases), with a clock the test moves instead of sleep(), plus the stored xattr byte by byte.
 */
import t from 'tap';
import { Errno } from '@ts-ceph/common';
import { Reader, UTime, Writer } from '@ts-ceph/denc';
import { builtinClsRegistry } from '../src/core/cls/index';
import * as L from '../src/core/cls/lock-types';
import { Caller, MemPool, client } from './cls-memory-context';

const zero = { sec: 0, nsec: 0 };
const enc = <T>(f: (w: Writer, v: T) => void, v: T) => {
  const w = new Writer();
  f(w, v);
  return w.finish();
};

interface LockOpts {
  type?: number;
  cookie?: string;
  tag?: string;
  description?: string;
  duration?: UTime;
  flags?: number;
}

/** rados::cls::lock::Lock, the client-side helper the Ceph test uses. */
function locker(pool: MemPool, who: Caller, name: string, oid = 'foo') {
  const o: Required<LockOpts> = { type: L.ClsLockType.EXCLUSIVE, cookie: '', tag: '', description: '', duration: zero, flags: 0 };
  const rval = async (method: string, input: Buffer) => (await pool.call(who, oid, 'lock', method, input)).rval;
  return {
    o,
    lock: (type: number) => rval('lock', enc(L.encodeClsLockLockOp, { name, ...o, type })),
    unlock: () => rval('unlock', enc(L.encodeClsLockUnlockOp, { name, cookie: o.cookie })),
    breakLock: (victim: Caller) => rval('break_lock', enc(L.encodeClsLockBreakOp, { name, locker: victim.name, cookie: o.cookie })),
    assertLocked: (type: number) => rval('assert_locked', enc(L.encodeClsLockAssertOp, { name, type, cookie: o.cookie, tag: o.tag })),
    setCookie: (type: number, newCookie: string) => rval('set_cookie', enc(L.encodeClsLockSetCookieOp, { name, type, cookie: o.cookie, tag: o.tag, newCookie })),
  };
}

async function info(pool: MemPool, oid: string, name: string): Promise<L.LockInfo> {
  const r = await pool.call(client(1), oid, 'lock', 'get_info', enc(L.encodeClsLockGetInfoOp, { name }));
  if (r.rval !== 0) throw new Error(`get_info: ${r.rval}`);
  return L.decodeLockInfo(new Reader(r.outdata));
}

async function listLocks(pool: MemPool, oid: string): Promise<string[]> {
  const r = await pool.call(client(1), oid, 'lock', 'list_locks');
  return L.decodeClsLockListLocksReply(new Reader(r.outdata)).locks;
}

const { EXCLUSIVE, SHARED, EXCLUSIVE_EPHEMERAL } = L.ClsLockType;

t.test('TestMultiLocking', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  const [c1, c2] = [client(4101), client(4102)];
  pool.writeFull('foo', Buffer.alloc(0));
  const l = locker(pool, c1, 'mylock');
  l.o.duration = { sec: 120, nsec: 0 };
  t.equal(await l.lock(EXCLUSIVE), 0);
  t.equal(await l.lock(EXCLUSIVE), -Errno.EEXIST);
  l.o.flags = L.LOCK_FLAG_MAY_RENEW;
  t.equal(await l.lock(EXCLUSIVE), 0, 'may_renew is idempotent');
  l.o.flags = 0;
  const l2 = locker(pool, c2, 'mylock');
  t.equal(await l2.lock(EXCLUSIVE), -Errno.EBUSY);
  t.equal(await l2.lock(SHARED), -Errno.EBUSY);
  t.same(await listLocks(pool, 'foo'), ['mylock']);
  const i1 = await info(pool, 'foo', 'mylock');
  t.same([i1.lockType, i1.lockers.length], [EXCLUSIVE, 1]);
  t.same(i1.lockers[0]![1].expiration, { sec: pool.now.sec + 120, nsec: 0 });
  t.equal(await l.unlock(), 0);
  t.equal(await l2.lock(SHARED), 0);
  t.equal(await l.lock(SHARED), 0);
  const i2 = await info(pool, 'foo', 'mylock');
  t.same([i2.lockType, i2.lockers.length], [SHARED, 2]);
  t.equal(await l2.breakLock(c1), 0);
  const i3 = await info(pool, 'foo', 'mylock');
  t.same(
    i3.lockers.map(([id]) => id.locker),
    [c2.name],
  );
  const lTag = locker(pool, c1, 'mylock');
  lTag.o.tag = 'non-default tag';
  t.equal(await lTag.lock(SHARED), -Errno.EBUSY);
  l.o.description = 'new description';
  t.equal(await l.lock(SHARED), 0);
});

t.test('TestMeta: tag and description', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  const [c1, c2] = [client(1), client(2)];
  pool.writeFull('foo', Buffer.alloc(0));
  const l = locker(pool, c1, 'mylock');
  t.equal(await l.lock(SHARED), 0);
  const lTag = locker(pool, c2, 'mylock');
  lTag.o.tag = 'non-default tag';
  t.equal(await lTag.lock(SHARED), -Errno.EBUSY);
  t.equal(await l.unlock(), 0);
  const l2 = locker(pool, c2, 'mylock');
  l2.o.description = 'new description';
  t.equal(await l2.lock(SHARED), 0);
  const i = await info(pool, 'foo', 'mylock');
  t.same([i.lockers.length, i.lockers[0]![1].description], [1, 'new description']);
  t.equal(await l2.unlock(), 0);
  l.o.tag = 'new_tag';
  l.o.flags = L.LOCK_FLAG_MAY_RENEW;
  t.equal(await l.lock(EXCLUSIVE), 0);
  t.equal((await info(pool, 'foo', 'mylock')).tag, 'new_tag');
  l.o.tag = '';
  t.equal(await l.lock(EXCLUSIVE), -Errno.EBUSY, 'a renew with another tag');
  l.o.tag = 'new_tag';
  t.equal(await l.lock(EXCLUSIVE), 0);
});

t.test('TestCookie, TestMultipleLocks', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  const l = locker(pool, client(1), 'mylock');
  t.equal(await l.lock(EXCLUSIVE), 0, 'lock creates the object');
  l.o.cookie = 'new cookie';
  t.equal(await l.lock(EXCLUSIVE), -Errno.EBUSY);
  t.equal(await l.unlock(), -Errno.ENOENT);
  l.o.cookie = '';
  t.equal(await l.unlock(), 0);
  t.equal((await info(pool, 'foo', 'mylock')).lockers.length, 0);
  l.o.cookie = 'new cookie';
  t.equal(await l.lock(SHARED), 0);
  l.o.cookie = '';
  t.equal(await l.lock(SHARED), 0);
  t.equal((await info(pool, 'foo', 'mylock')).lockers.length, 2);
  t.equal(await locker(pool, client(1), 'lock1', 'bar').lock(EXCLUSIVE), 0);
  t.equal(await locker(pool, client(1), 'lock2', 'bar').lock(EXCLUSIVE), 0);
  t.same(await listLocks(pool, 'bar'), ['lock1', 'lock2']);
});

t.test('TestLockDuration: an expired lock can be taken again', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  const l = locker(pool, client(1), 'lock');
  l.o.duration = { sec: 5, nsec: 0 };
  t.equal(await l.lock(EXCLUSIVE), 0);
  pool.advance(5);
  t.equal(await l.lock(EXCLUSIVE), -Errno.EEXIST, 'still held at exactly the expiration');
  pool.now = { sec: pool.now.sec, nsec: 1 };
  t.equal(await l.lock(EXCLUSIVE), 0);
});

t.test('TestAssertLocked', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  const l = locker(pool, client(1), 'lock1');
  t.equal(await l.lock(EXCLUSIVE), 0);
  t.equal(await l.assertLocked(EXCLUSIVE), 0);
  t.equal(await l.assertLocked(SHARED), -Errno.EBUSY);
  l.o.tag = 'tag';
  t.equal(await l.assertLocked(EXCLUSIVE), -Errno.EBUSY);
  l.o.tag = '';
  l.o.cookie = 'cookie';
  t.equal(await l.assertLocked(EXCLUSIVE), -Errno.EBUSY);
  l.o.cookie = '';
  t.equal(await locker(pool, client(2), 'lock1').assertLocked(EXCLUSIVE), -Errno.EBUSY, 'another client');
  t.equal(await l.unlock(), 0);
  t.equal(await l.assertLocked(EXCLUSIVE), -Errno.EBUSY);
  t.equal(await l.assertLocked(L.ClsLockType.NONE), -Errno.EINVAL);
  t.equal(await locker(pool, client(1), 'lock1', 'nothing').assertLocked(EXCLUSIVE), -Errno.ENOENT);
});

t.test('TestSetCookie', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  const l = locker(pool, client(1), 'name');
  Object.assign(l.o, { cookie: 'cookie', tag: 'tag' });
  t.equal(await l.setCookie(SHARED, 'new cookie'), -Errno.ENOENT, 'no object yet');
  t.equal(await l.lock(SHARED), 0);
  const l2 = locker(pool, client(1), 'name');
  Object.assign(l2.o, { cookie: 'cookie 2', tag: 'tag' });
  t.equal(await l2.lock(SHARED), 0);
  t.equal(await l.setCookie(SHARED, 'cookie'), -Errno.EBUSY, 'new cookie is the old one');
  l.o.tag = 'wrong tag';
  t.equal(await l.setCookie(SHARED, 'new cookie'), -Errno.EBUSY);
  Object.assign(l.o, { cookie: 'wrong cookie', tag: 'tag' });
  t.equal(await l.setCookie(SHARED, 'new cookie'), -Errno.EBUSY);
  l.o.cookie = 'cookie';
  t.equal(await l.setCookie(EXCLUSIVE, 'new cookie'), -Errno.EBUSY);
  t.equal(await l.setCookie(SHARED, 'cookie 2'), -Errno.EBUSY, 'cookie in use');
  t.equal(await l.setCookie(SHARED, 'new cookie'), 0);
  t.same(
    (await info(pool, 'foo', 'name')).lockers.map(([id]) => id.cookie),
    ['cookie 2', 'new cookie'],
  );
});

t.test('TestRenew: MAY_RENEW relocks after expiry, MUST_RENEW does not', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  const l1 = locker(pool, client(1), 'mylock1', 'foo1');
  l1.o.duration = { sec: 5, nsec: 0 };
  t.equal(await l1.lock(EXCLUSIVE), 0);
  l1.o.flags = L.LOCK_FLAG_MAY_RENEW;
  pool.advance(2);
  t.equal(await l1.lock(EXCLUSIVE), 0);
  pool.advance(7);
  t.equal(await l1.lock(EXCLUSIVE), 0);
  t.equal(await l1.unlock(), 0);
  const l2 = locker(pool, client(1), 'mylock2', 'foo2');
  l2.o.duration = { sec: 5, nsec: 0 };
  t.equal(await l2.lock(EXCLUSIVE), 0);
  l2.o.flags = L.LOCK_FLAG_MUST_RENEW;
  pool.advance(2);
  t.equal(await l2.lock(EXCLUSIVE), 0);
  pool.advance(7);
  t.equal(await l2.lock(EXCLUSIVE), -Errno.ENOENT);
  t.equal(await l2.unlock(), -Errno.ENOENT);
  const l3 = locker(pool, client(1), 'mylock3', 'foo3');
  Object.assign(l3.o, { duration: { sec: 5, nsec: 0 }, flags: L.LOCK_FLAG_MUST_RENEW });
  t.equal(await l3.lock(EXCLUSIVE), -Errno.ENOENT);
  l3.o.flags = L.LOCK_FLAG_MAY_RENEW | L.LOCK_FLAG_MUST_RENEW;
  t.equal(await l3.lock(EXCLUSIVE), -Errno.EINVAL);
});

t.test('exclusive ephemeral: unlock removes the object; an expired one can be stolen', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  const l1 = locker(pool, client(1), 'mylock1', 'foo1');
  Object.assign(l1.o, { duration: { sec: 5, nsec: 0 }, flags: L.LOCK_FLAG_MAY_RENEW });
  t.equal(await l1.lock(EXCLUSIVE_EPHEMERAL), 0);
  t.ok(pool.objects.has('foo1'));
  t.equal(await l1.unlock(), 0);
  t.notOk(pool.objects.has('foo1'), 'ENOENT on stat after unlock');
  const l2 = locker(pool, client(1), 'mylock2', 'foo2');
  t.equal(await l2.lock(EXCLUSIVE), 0);
  t.equal(await l2.unlock(), 0);
  t.ok(pool.objects.has('foo2'), 'a plain exclusive lock leaves its object');
  for (const type of [EXCLUSIVE_EPHEMERAL, EXCLUSIVE]) {
    const a = locker(pool, client(1), 'l', 'steal');
    a.o.duration = { sec: 3, nsec: 0 };
    t.equal(await a.lock(EXCLUSIVE_EPHEMERAL), 0);
    pool.advance(4);
    const b = locker(pool, client(2), 'l', 'steal');
    b.o.duration = { sec: 3, nsec: 0 };
    t.equal(await b.lock(type), 0, `${L.clsLockTypeStr(type)} takes the expired ephemeral lock`);
    pool.advance(1);
    t.equal(await b.unlock(), 0);
    t.equal(await a.unlock(), -Errno.ENOENT);
    pool.objects.delete('steal');
  }
});

t.test('get_info of an expired ephemeral lock removes the object: EIO for a RD-only method', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  const l = locker(pool, client(1), 'e', 'eph');
  l.o.duration = { sec: 1, nsec: 0 };
  t.equal(await l.lock(EXCLUSIVE_EPHEMERAL), 0);
  pool.advance(2);
  const r = await pool.call(client(1), 'eph', 'lock', 'get_info', enc(L.encodeClsLockGetInfoOp, { name: 'e' }));
  t.equal(r.rval, -Errno.EIO);
  t.ok(pool.objects.has('eph'), 'the failed read changed nothing');
});

t.test('bad input is EINVAL; a corrupt lock xattr is EIO; get_info of no lock is empty', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  pool.writeFull('foo', Buffer.alloc(0));
  for (const m of ['lock', 'unlock', 'break_lock', 'get_info', 'assert_locked', 'set_cookie']) {
    t.equal((await pool.call(client(1), 'foo', 'lock', m, Buffer.from([1]))).rval, -Errno.EINVAL, m);
  }
  t.equal(await locker(pool, client(1), '').lock(EXCLUSIVE), -Errno.EINVAL, 'empty name');
  t.equal(await locker(pool, client(1), 'x').lock(L.ClsLockType.NONE), -Errno.EINVAL, 'type none');
  t.same(await info(pool, 'foo', 'none'), { lockers: [], lockType: L.ClsLockType.NONE, tag: '' });
  pool.objects.get('foo')!.xattrs.set('lock.bad', Buffer.from([1, 1, 9]));
  t.equal(await locker(pool, client(1), 'bad').lock(EXCLUSIVE), -Errno.EIO);
});

t.test('the lock.<name> xattr is lock_info_t byte for byte, with the address as TYPE_LEGACY', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  const l = locker(pool, client(5, 0, 1005), 'l');
  l.o.cookie = 'c';
  t.equal(await l.lock(EXCLUSIVE), 0);
  // entity_addr_t with MSG_ADDR2: marker 1, envelope (28 bytes), type 1 (legacy), nonce 1005, elen 16,
  // family 2 (LE), port 0 and 10.0.0.1 (network order), 8 bytes of sin_zero.
  const addr = ['01', '01011c000000', '01000000', 'ed030000', '10000000', '0200', '0000', '0a000001', '0000000000000000'].join('');
  const lockerId = '01010e000000' + '08' + '0500000000000000' + '0100000063';
  const lockerInfo = '01012f000000' + '0000000000000000' + addr + '00000000';
  const body = '01000000' + lockerId + lockerInfo + '01' + '00000000';
  const expected = '0101' + (body.length / 2).toString(16).padStart(2, '0') + '000000' + body;
  t.equal(pool.objects.get('foo')!.xattrs.get('lock.l')!.toString('hex'), expected);
});
