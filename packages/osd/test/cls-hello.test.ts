/**
 * cls_hello as src/test/cls_hello/test_cls_hello.cc drives it (SayHello, RecordHello, WriteReturnData,
 * Loud, BadMethods), plus the registry rules of a CALL: a class not in osd_class_load_list EPERM, a listed class we lack or an unknown method EOPNOTSUPP, the EIO of
 * a method that reads without RD or writes without WR, the class caps of OSDCap.
 */
import t from 'tap';
import { Errno } from '@ts-ceph/common';
import { OSDCap } from '@ts-ceph/cephx';
import { builtinClsRegistry } from '../src/core/cls/index';
import { helloMethods } from '../src/core/cls/hello';
import { parseClsCall } from '../src/core/cls/call';
import { CLS_METHOD_PROMOTE, CLS_METHOD_RD, CLS_METHOD_WR, ClsRegistry } from '../src/core/cls/registry';
import { MemPool, client } from './cls-memory-context';

const b = (s: string) => Buffer.from(s);
const text = (o: { outdata: Buffer }) => o.outdata.toString();

t.test('say_hello: ENOENT on a missing object, greeting, EINVAL past 100 bytes', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  const c = client(4100);
  t.equal((await pool.call(c, 'myobject', 'hello', 'say_hello')).rval, -Errno.ENOENT);
  pool.writeFull('myobject', b(''));
  const r = await pool.call(c, 'myobject', 'hello', 'say_hello');
  t.same([r.rval, text(r)], [0, 'Hello, world!']);
  t.equal(text(await pool.call(c, 'myobject', 'hello', 'say_hello', b('Tester'))), 'Hello, Tester!');
  t.equal((await pool.call(c, 'myobject', 'hello', 'say_hello', Buffer.alloc(4096, 1))).rval, -Errno.EINVAL);
  t.equal((await pool.call(c, 'myobject', 'hello', 'say_hello', Buffer.alloc(100, 0x41))).rval, 0, '100 bytes is still accepted');
});

t.test('record_hello then replay; EEXIST the second time; said_by is the caller', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  const c = client(4101, 0, 3521);
  t.equal((await pool.call(c, 'myobject', 'hello', 'record_hello')).rval, 0);
  t.equal((await pool.call(c, 'myobject', 'hello', 'record_hello')).rval, -Errno.EEXIST);
  t.equal((await pool.call(c, 'myobject2', 'hello', 'record_hello', b('Tester'))).rval, 0);
  const again = await pool.call(c, 'myobject2', 'hello', 'record_hello', b('Tester'));
  t.same([again.rval, again.outdata.length], [-Errno.EEXIST, 0]);
  t.equal(text(await pool.call(c, 'myobject', 'hello', 'replay')), 'Hello, world!');
  t.equal(text(await pool.call(c, 'myobject2', 'hello', 'replay')), 'Hello, Tester!');
  t.equal(pool.objects.get('myobject')!.xattrs.get('said_by')!.toString(), 'client.4101 10.0.0.1:0/3521');
  t.equal((await pool.call(c, 'big', 'hello', 'record_hello', Buffer.alloc(101))).rval, -Errno.EINVAL);
  t.notOk(pool.objects.has('big'), 'a failed record_hello creates nothing');
});

t.test('write_return_data: rval 42 and data; EINVAL with data and no change; too much data', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  const c = client(1);
  const ok = await pool.call(c, 'foo', 'hello', 'write_return_data');
  t.same([ok.rval, text(ok)], [42, 'you might see this']);
  t.equal(pool.objects.get('foo')!.xattrs.get('foo')!.toString(), 'bar');
  const bad = await pool.call(c, 'foo2', 'hello', 'writes_dont_return_data', Buffer.alloc(4096, 1));
  t.same([bad.rval, text(bad)], [-Errno.EINVAL, 'too much input data!']);
  t.notOk(pool.objects.has('foo2'), 'the setxattr of the failed call is not applied');
  const big = await pool.call(c, 'foo', 'hello', 'write_too_much_return_data');
  t.equal(big.rval, 42);
  t.ok(big.outdata.length > 32, 'more than osd_max_write_op_reply_len, for the engine to turn into EOVERFLOW');
});

t.test('Loud: turn_it_to_11 upper-cases the recorded hello', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  const c = client(9);
  t.equal((await pool.call(c, 'myobject', 'hello', 'record_hello')).rval, 0);
  t.equal(text(await pool.call(c, 'myobject', 'hello', 'replay')), 'Hello, world!');
  t.equal((await pool.call(c, 'myobject', 'hello', 'turn_it_to_11')).rval, 0);
  t.equal(text(await pool.call(c, 'myobject', 'hello', 'replay')), 'HELLO, WORLD!');
  t.equal(pool.objects.get('myobject')!.xattrs.get('amplified_by')!.toString(), 'client.9 10.0.0.1:0/1009');
  t.equal((await pool.call(c, 'myobject', 'hello', 'turn_it_to_11', b('x'))).rval, -Errno.EINVAL);
  t.equal((await pool.call(c, 'nothing', 'hello', 'turn_it_to_11')).rval, -Errno.ENOENT, 'reading a missing object');
});

t.test('BadMethods: bad_reader and bad_writer fail with EIO and change nothing', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  const c = client(2);
  pool.writeFull('myobject', b('keep'));
  const r = await pool.call(c, 'myobject', 'hello', 'bad_reader');
  t.same([r.rval, r.outdata.length], [-Errno.EIO, 0]);
  t.equal((await pool.call(c, 'myobject', 'hello', 'bad_writer', b('changed'))).rval, -Errno.EIO);
  t.equal(pool.objects.get('myobject')!.data.toString(), 'keep');
});

t.test('a class not in osd_class_load_list: EPERM; a listed class we lack or an unknown method: EOPNOTSUPP', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  pool.writeFull('o', b(''));
  t.equal((await pool.call(client(1), 'o', 'nosuchclass', 'say_hello')).rval, -Errno.EPERM);
  t.equal((await pool.call(client(1), 'o', 'fifo', 'say_hello')).rval, -Errno.EOPNOTSUPP);
  t.equal((await pool.call(client(1), 'o', 'hello', 'nosuchmethod')).rval, -Errno.EOPNOTSUPP);
  t.throws(() => builtinClsRegistry().registerClass('hello', {}), /registered twice/);
});

t.test('hello method flags are cls_hello.cc\'s', async (t) => {
  const reg = builtinClsRegistry();
  const flags = (m: string) => reg.lookupMethod('hello', m).flags;
  t.equal(flags('say_hello'), CLS_METHOD_RD);
  t.equal(flags('record_hello'), CLS_METHOD_WR | CLS_METHOD_PROMOTE);
  t.equal(flags('turn_it_to_11'), CLS_METHOD_RD | CLS_METHOD_WR | CLS_METHOD_PROMOTE);
  t.equal(flags('bad_reader'), CLS_METHOD_WR);
  t.equal(flags('bad_writer'), CLS_METHOD_RD);
});

t.test('class caps: OSDCap.isCapable with the registry\'s ClassInfo (OSDCapGrant::is_capable)', async (t) => {
  const reg = builtinClsRegistry();
  const can = (cap: string, cls: string, m: string, r = reg) =>
    OSDCap.parse(cap).isCapable({ pool: 'rbd', read: true, classes: [r.classInfo(cls, m)] });
  t.notOk(can('allow r', 'hello', 'say_hello'), 'r alone does not grant class-read');
  t.notOk(can('allow rw', 'hello', 'record_hello'), 'rw does not grant class-write');
  t.ok(can('allow rx', 'hello', 'say_hello'));
  t.ok(can('allow r class-read', 'hello', 'say_hello'));
  t.notOk(can('allow r class-read', 'hello', 'record_hello'), 'a WR method needs class-write');
  t.ok(can('allow r class-write', 'hello', 'record_hello'));
  t.ok(can('allow r class-read class-write', 'hello', 'turn_it_to_11'));
  t.notOk(can('allow r class-read', 'hello', 'turn_it_to_11'));
  t.ok(can('allow *', 'hello', 'turn_it_to_11'));
  t.notOk(can('allow x', 'hello', 'say_hello'), 'CALL is a read op code: it needs r');
  const strict = new ClsRegistry('lock');
  strict.registerClass('hello', helloMethods);
  t.notOk(can('allow rx', 'hello', 'say_hello', strict), 'a class off osd_class_default_list needs an explicit grant');
  // Ceph checks a grant's r/w before its class clause, and a CALL needs r: a bare class grant never
  // passes on its own, and x on another grant does not cover a class off the list.
  t.notOk(can('allow r, allow class hello', 'hello', 'say_hello', strict));
  t.notOk(can('allow rwx', 'hello', 'say_hello', strict));
  t.ok(can('allow *', 'hello', 'say_hello', strict));
});

t.test('parseClsCall splits class, method and input; EINVAL when short', async (t) => {
  const indata = Buffer.concat([b('hello'), b('say_hello'), b('in')]);
  t.same(parseClsCall(indata, 5, 9, 2), { className: 'hello', methodName: 'say_hello', input: b('in') });
  t.throws(() => parseClsCall(indata, 5, 9, 3), { code: 'EINVAL' });
});
