/**
 * CEPH_OSD_OP_CALL through the op engine: the hello class as test_cls_hello.cc expects it (say_hello
 * reads, record_hello writes and bumps the version, EEXIST the second time, bad_reader/bad_writer
 * EIO), a class not in osd_class_load_list EPERM and an unknown method EOPNOTSUPP for the whole op, class caps (EPERM), and lock's
 * exclusive lock seen by a second client as EBUSY.
 */
import t from 'tap';
import { OSDCap } from '@ts-ceph/cephx';
import { CephOsdFlag, CephOsdOp, osdOp, osdOpCall, osdOpRead, osdOpWriteFull } from '@ts-ceph/messages';
import { harness, req } from './lib/harness';

const RD = { flags: CephOsdFlag.READ };

t.test('hello through the op engine', async (t) => {
  const h = await harness();
  let r = await h.run(req('hi', [osdOpCall('hello', 'say_hello', Buffer.from('ts'))], RD));
  t.equal(r.result, -2, 'say_hello on a missing object: ENOENT before the method runs');
  r = await h.run(req('hi', [osdOpWriteFull(Buffer.from('x'))]));
  t.equal(r.result, 0);
  r = await h.run(req('hi', [osdOpCall('hello', 'say_hello', Buffer.from('ts'))], RD));
  t.same([r.result, r.ops[0]!.data.toString()], [0, 'Hello, ts!'], 'say_hello');
  r = await h.run(req('hi', [osdOpCall('hello', 'say_hello')], RD));
  t.equal(r.ops[0]!.data.toString(), 'Hello, world!');
  r = await h.run(req('rec', [osdOpCall('hello', 'record_hello', Buffer.from('Tester'))]));
  t.same([r.result, r.userVersion > 0n], [0, true], 'record_hello is a write: it creates the object and bumps its version');
  r = await h.run(req('rec', [osdOpRead(0, 0)], RD));
  t.equal(r.ops[0]!.data.toString(), 'Hello, Tester!', 'what record_hello wrote');
  r = await h.run(req('rec', [osdOpCall('hello', 'record_hello', Buffer.from('Tester'))]));
  t.equal(r.result, -17, 'record_hello again: EEXIST');
  r = await h.run(req('hi', [osdOpCall('hello', 'bad_reader')]));
  t.equal(r.result, -5, 'bad_reader: EIO');
  r = await h.run(req('hi', [osdOpCall('hello', 'bad_writer')], RD));
  t.equal(r.result, -5, 'bad_writer: EIO');
  r = await h.run(req('hi', [osdOpCall('hello', 'nosuch')], RD));
  t.equal(r.result, -95, 'unknown method: EOPNOTSUPP');
  r = await h.run(req('hi', [osdOpCall('nosuchclass', 'x')], RD));
  t.equal(r.result, -1, 'a class not in osd_class_load_list: EPERM, as a 16.2.15 OSD');
  r = await h.run(req('hi', [osdOpCall('hello', 'record_hello', Buffer.from('a'))]), { allowAll: false, cap: OSDCap.parse('allow r') });
  t.equal(r.result, -1, 'class-write without caps: EPERM');
  r = await h.run(req('hi', [osdOpCall('hello', 'say_hello')], RD), { allowAll: false, cap: OSDCap.parse('allow r class-read') });
  t.equal(r.result, 0, 'r class-read may call a read method');
  r = await h.run(req('hi', [osdOp(CephOsdOp.STAT)], RD));
  t.equal(r.result, 0);
});
