/**
 * ts-osd fences blocklisted clients (OSDMap blocklist), driven by the real 16.2.15 clients against
 * ts-mon + one ts-osd. python3-rbd: a client holds an image's exclusive lock, a second one with
 * rbd_blocklist_on_break_lock breaks it (librbd blocklists the owner through the monitor, waits for
 * that map, then breaks the lock); the old owner gets ConnectionShutdown (ESHUTDOWN, EBLOCKLISTED) on
 * is_exclusive_lock_owner and on write, its watch on the header is gone from `rados listwatchers`,
 * and the breaker takes the lock and writes (Ceph's test_rbd.py TestExclusiveLock.test_break_lock,
 * plus the watch). python3-rados: `ceph osd blocklist add ADDR` makes that client's next op fail with
 * ESHUTDOWN, and after `blocklist rm` a new connection works. Fails, never skips.
 */
import t from 'tap';
import { rbdPython } from './osd-lib';

const script = `
import json, subprocess, sys, time, rados, rbd
conf, pool = sys.argv[1], sys.argv[2]
out = {}
def connect():
    c = rados.Rados(conffile=conf); c.connect()
    return c, c.open_ioctx(pool)
def shutdown_error(f):
    try:
        f()
        return 'no error'
    except (rbd.ConnectionShutdown, rados.ConnectionShutdown) as e:
        return e.errno
def ceph(*args):
    r = subprocess.run(['ceph', '-c', conf, *args], capture_output=True, text=True, timeout=30)
    return [r.returncode, r.stderr.strip()]
def watchers(oid):
    r = subprocess.run(['rados', '-c', conf, '-p', pool, 'listwatchers', oid], capture_output=True, text=True, timeout=30)
    return [l.split()[0].split('=')[1] for l in r.stdout.splitlines() if l.startswith('watcher=')]

owner_c, owner_io = connect()
breaker_c, breaker_io = connect()
breaker_c.conf_set('rbd_blocklist_on_break_lock', 'true')
rbd.RBD().create(owner_io, 'img', 8 << 20, old_format=False, features=61)
owner, breaker = rbd.Image(owner_io, 'img'), rbd.Image(breaker_io, 'img')
header = 'rbd_header.' + owner.id()
owner_addr, breaker_addr = owner_c.get_addrs(), breaker_c.get_addrs()
owner.lock_acquire(rbd.RBD_LOCK_MODE_EXCLUSIVE)
owner.write(b'o' * 4096, 0)
out['owner'] = owner.is_exclusive_lock_owner()
out['watchers_before'] = sorted(watchers(header)) == sorted([owner_addr, breaker_addr])
lock_owners = list(breaker.lock_get_owners())
out['lock_owners'] = len(lock_owners)
breaker.lock_break(rbd.RBD_LOCK_MODE_EXCLUSIVE, lock_owners[0]['owner'])
out['is_owner_after_break'] = shutdown_error(owner.is_exclusive_lock_owner)
owner_c.wait_for_latest_osdmap()
out['write_after_break'] = shutdown_error(lambda: owner.write(b'x' * 4096, 0))
# The watch goes through a write on the PG once the OSD has the map: allow it a moment.
for _ in range(50):
    left = watchers(header)
    if owner_addr not in left:
        break
    time.sleep(0.1)
out['watchers_after'] = [w == breaker_addr for w in left]
breaker.lock_acquire(rbd.RBD_LOCK_MODE_EXCLUSIVE)
breaker.write(b'b' * 4096, 0)
out['breaker'] = [breaker.is_exclusive_lock_owner(), breaker.read(0, 4096) == b'b' * 4096]
ls = subprocess.run(['ceph', '-c', conf, 'osd', 'blocklist', 'ls'], capture_output=True, text=True, timeout=30).stdout
out['blocklisted'] = [l.split()[0] for l in ls.splitlines()] == [owner_addr]
try:
    owner.close()
except rbd.ConnectionShutdown:
    pass
breaker.close()
rbd.RBD().remove(breaker_io, 'img')

plain_c, plain_io = connect()
plain_io.write_full('plain', b'before')
addr = plain_c.get_addrs()
out['add'] = ceph('osd', 'blocklist', 'add', addr)[0]
plain_c.wait_for_latest_osdmap()
out['plain_write'] = shutdown_error(lambda: plain_io.write_full('plain', b'fenced'))
out['plain_read'] = shutdown_error(lambda: plain_io.read('plain'))
out['rm'] = ceph('osd', 'blocklist', 'rm', addr)[0]
fresh_c, fresh_io = connect()
fresh_io.write_full('plain', b'after')
out['fresh_read'] = fresh_io.read('plain').decode()
for c in (owner_c, breaker_c, plain_c, fresh_c):
    c.shutdown()
print(json.dumps(out))
`;

t.test('blocklisted clients are fenced: rbd lock break and ceph osd blocklist add/rm', async (t) => {
  const { o } = await rbdPython(t, script);
  t.equal(o.owner, true, 'the first client owns the exclusive lock');
  t.equal(o.watchers_before, true, 'both clients watch the header');
  t.equal(o.lock_owners, 1, 'the breaker sees one lock owner');
  t.equal(o.is_owner_after_break, 108, 'the old owner: is_exclusive_lock_owner raises ConnectionShutdown (ESHUTDOWN)');
  t.equal(o.write_after_break, 108, 'and write does too');
  t.same(o.watchers_after, [true], "the old owner's watch is gone from the header; the breaker's stays");
  t.same(o.breaker, [true, true], 'the breaker takes the lock and writes');
  t.equal(o.blocklisted, true, "librbd blocklisted the old owner's address, and only it (`ceph osd blocklist ls`)");
  t.equal(o.add, 0, 'ceph osd blocklist add');
  t.equal(o.plain_write, 108, 'a blocklisted rados client: write_full fails with ESHUTDOWN');
  t.equal(o.plain_read, 108, 'and read too');
  t.equal(o.rm, 0, 'ceph osd blocklist rm');
  t.equal(o.fresh_read, 'after', 'a new connection writes and reads after the entry is removed');
});
