/**
 * Object classes through the real clients: python3-rados `execute` on the hello class (say_hello,
 * record_hello and its EEXIST, bad_reader/bad_writer's EIO, an unknown method's EOPNOTSUPP, an unknown class's EPERM), its
 * lock_exclusive / lock_shared / unlock (EBUSY for a second exclusive locker), and the `rados lock`
 * CLI (get, list, info, break) on the lock class.
 */
import t from 'tap';
import { startTsOsdCluster } from './osd-lib';

const script = `
import errno, json, sys, rados
c = rados.Rados(conffile=sys.argv[1]); c.connect()
io = c.open_ioctx(sys.argv[2])
out = {}
def err(f):
    try:
        f(); return 0
    except rados.Error as e:
        return -e.errno if hasattr(e, 'errno') and e.errno else str(type(e).__name__)
io.write_full('h', b'x')
ret, data = io.execute('h', 'hello', 'say_hello', b'ts-ceph')
out['say'] = [ret, data.decode()]
ret, data = io.execute('rec', 'hello', 'record_hello', b'world')
out['record'] = ret
out['recorded'] = io.read('rec').decode()
out['record_again'] = err(lambda: io.execute('rec', 'hello', 'record_hello', b'world'))
out['bad_reader'] = err(lambda: io.execute('h', 'hello', 'bad_reader', b''))
out['bad_writer'] = err(lambda: io.execute('h', 'hello', 'bad_writer', b''))
out['no_method'] = err(lambda: io.execute('h', 'hello', 'nosuch', b''))
out['no_class'] = err(lambda: io.execute('h', 'nosuchclass', 'x', b''))
io.lock_exclusive('lk', 'mylock', 'cookie1', desc='first')
out['second_excl'] = err(lambda: io.lock_exclusive('lk', 'mylock', 'cookie2'))
io.unlock('lk', 'mylock', 'cookie1')
out['unlock_again'] = err(lambda: io.unlock('lk', 'mylock', 'cookie1'))
io.lock_shared('lk', 'shlock', 'c1', 'tag1')
io.lock_shared('lk', 'shlock', 'c2', 'tag1')
out['shared_other_tag'] = err(lambda: io.lock_shared('lk', 'shlock', 'c3', 'tag2'))
print(json.dumps(out))
`;

t.test('object classes with python3-rados and the rados lock CLI', async (t) => {
  const c = await startTsOsdCluster();
  t.teardown(() => c.stop());
  const r = await c.python(script);
  t.equal(r.code, 0, `python: ${r.stderr}\n${c.osdLog()}`);
  const o = JSON.parse(r.stdout || '{}') as Record<string, unknown>;
  t.same(o.say, [15, 'Hello, ts-ceph!'], 'say_hello returns its output length and the greeting');
  t.equal(o.record, 0, 'record_hello');
  t.equal(o.recorded, 'Hello, world!', 'what record_hello wrote');
  t.equal(o.record_again, -17, 'record_hello again: EEXIST');
  t.equal(o.bad_reader, -5, 'bad_reader: EIO');
  t.equal(o.bad_writer, -5, 'bad_writer: EIO');
  t.equal(o.no_method, -95, 'unknown method: EOPNOTSUPP');
  t.equal(o.no_class, -1, 'a class not in osd_class_load_list: EPERM (as a 16.2.15 OSD)');
  t.equal(o.second_excl, -16, 'a second exclusive locker: EBUSY');
  t.equal(o.unlock_again, -2, 'unlock of a lock not held: ENOENT');
  t.equal(o.shared_other_tag, -16, 'a shared lock with another tag: EBUSY');

  let x = await c.rados(['lock', 'list', 'lk']);
  t.equal(x.code, 0, `lock list: ${x.stderr}`);
  // cls_lock keeps an unlocked lock's xattr (with no lockers), so list_locks still names it, as Ceph's.
  t.same(JSON.parse(x.stdout), { objname: 'lk', locks: [{ name: 'mylock' }, { name: 'shlock' }] }, 'lock list');
  x = await c.rados(['lock', 'info', 'lk', 'shlock']);
  t.equal(x.code, 0, `lock info: ${x.stderr}`);
  const info = JSON.parse(x.stdout) as { name: string; type: string; tag: string; lockers: { name: string; cookie: string }[] };
  t.same([info.name, info.type, info.tag, info.lockers.map((l) => l.cookie).sort()], ['shlock', 'shared', 'tag1', ['c1', 'c2']], 'lock info');
  x = await c.rados(['lock', 'get', 'cli', 'clilock', '--lock-cookie', 'ck']);
  t.equal(x.code, 0, `lock get: ${x.stderr}`);
  x = await c.rados(['lock', 'get', 'cli', 'clilock', '--lock-cookie', 'other']);
  t.not(x.code, 0, 'a second exclusive lock get fails');
  t.match(x.stderr, /Device or resource busy/, `EBUSY: ${x.stderr}`);
  x = await c.rados(['lock', 'info', 'cli', 'clilock']);
  const locker = (JSON.parse(x.stdout) as { lockers: { name: string }[] }).lockers[0]!.name;
  x = await c.rados(['lock', 'break', 'cli', 'clilock', locker, '--lock-cookie', 'ck']);
  t.equal(x.code, 0, `lock break: ${x.stderr}`);
  x = await c.rados(['lock', 'info', 'cli', 'clilock']);
  t.same((JSON.parse(x.stdout) as { lockers: unknown[] }).lockers, [], 'no lockers after the break');
});
