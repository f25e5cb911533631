/**
 * python3-rbd (librbd 16.2.15) against ts-mon + one ts-osd: create, open, write/read, resize,
 * snapshots (create, list, protect, rollback), clone, list_children, flatten, trash move/list/
 * restore/remove, image metadata, advisory locks (list_lockers, a second exclusive locker refused), and
 * aio_write/aio_read with completions. Then two clients on one image: the second writer asks the
 * first for the exclusive lock (request-lock over watch/notify) and gets it, and a snapshot the first
 * takes is seen by the second. Last, a LUKS2-formatted image (encryption_format/encryption_load)
 * reads back what was written through the encryption layer.
 */
import t from 'tap';
import { rbdPython } from './osd-lib';

const script = `
import json, os, sys, threading, rados, rbd
c = rados.Rados(conffile=sys.argv[1]); c.connect()
io = c.open_ioctx(sys.argv[2])
out = {}
r = rbd.RBD()
r.create(io, 'img', 16 << 20)
data = os.urandom(1 << 20)
with rbd.Image(io, 'img') as im:
    im.write(data, 4 << 20)
    out['read'] = im.read(4 << 20, 1 << 20) == data
    out['hole'] = im.read(0, 4096) == bytes(4096)
    im.resize(32 << 20)
    out['size'] = im.size()
    im.create_snap('s1')
    im.write(bytes(1 << 20), 4 << 20)
    out['snaps'] = [s['name'] for s in im.list_snaps()]
    im.rollback_to_snap('s1')
    out['rolled_back'] = im.read(4 << 20, 1 << 20) == data
    im.protect_snap('s1')
    out['protected'] = im.is_protected_snap('s1')
    im.metadata_set('k', 'v')
    out['meta'] = [im.metadata_get('k'), list(im.metadata_list())]
    im.metadata_remove('k')
    out['meta_after'] = list(im.metadata_list())
    done = threading.Event()
    res = {}
    def wrote(comp):
        res['w'] = comp.get_return_value()
    blob = os.urandom(65536)
    comp = im.aio_write(blob, 1 << 20, wrote)
    comp.wait_for_complete_and_cb()
    def read(comp, buf):
        res['r'] = buf
        done.set()
    comp = im.aio_read(1 << 20, 65536, read)
    comp.wait_for_complete_and_cb()
    done.wait(30)
    out['aio'] = [res.get('w'), res.get('r') == blob]
r.clone(io, 'img', 's1', io, 'child', features=rbd.RBD_FEATURE_LAYERING)
with rbd.Image(io, 'img', snapshot='s1') as snap:
    out['children'] = [list(x) for x in snap.list_children()]
with rbd.Image(io, 'child') as ch:
    out['child_read'] = ch.read(4 << 20, 1 << 20) == data
    ch.flatten()
    out['flat_parent'] = None
    try:
        ch.parent_info()
    except rbd.ImageNotFound:
        out['flat_parent'] = 'none'
with rbd.Image(io, 'img', snapshot='s1') as snap:
    out['children_after'] = list(snap.list_children())
with rbd.Image(io, 'img') as im:
    im.unprotect_snap('s1')
    im.remove_snap('s1')
# A fresh handle: one that wrote holds the exclusive-lock feature's own lock on the header.
with rbd.Image(io, 'img') as im:
    im.lock_exclusive('cookie1')
    out['lockers'] = [l[1] for l in im.list_lockers()['lockers']]
    im.unlock('cookie1')
r.trash_move(io, 'child')
tl = list(r.trash_list(io))
out['trash'] = [t['name'] for t in tl]
r.trash_restore(io, tl[0]['id'], 'child2')
out['after_restore'] = sorted(r.list(io))
r.trash_move(io, 'child2')
r.trash_remove(io, tl[0]['id'])
out['trash_after'] = list(r.trash_list(io))
r.remove(io, 'img')
out['final'] = r.list(io)
print(json.dumps(out))
`;

const twoClients = `
import json, sys, rados, rbd
c1 = rados.Rados(conffile=sys.argv[1]); c1.connect()
c2 = rados.Rados(conffile=sys.argv[1]); c2.connect()
io1 = c1.open_ioctx(sys.argv[2]); io2 = c2.open_ioctx(sys.argv[2])
out = {}
rbd.RBD().create(io1, 'two', 8 << 20)
a = rbd.Image(io1, 'two'); b = rbd.Image(io2, 'two')
a.write(b'A' * 4096, 0)
out['a_owner'] = a.is_exclusive_lock_owner()
b.write(b'B' * 4096, 4096)
out['owners'] = [a.is_exclusive_lock_owner(), b.is_exclusive_lock_owner()]
out['data'] = a.read(0, 8192) == b'A' * 4096 + b'B' * 4096
a.create_snap('from_a')
out['b_snaps'] = [s['name'] for s in b.list_snaps()]
a.close(); b.close()
rbd.RBD().create(io1, 'enc', 64 << 20)
with rbd.Image(io1, 'enc') as im:
    im.encryption_format(rbd.RBD_ENCRYPTION_FORMAT_LUKS2, 'secretpass')
blob = b'luks2 ' * 10000
with rbd.Image(io1, 'enc') as im:
    im.encryption_load(rbd.RBD_ENCRYPTION_FORMAT_LUKS2, 'secretpass')
    im.write(blob, 1 << 20)
with rbd.Image(io1, 'enc') as im:
    im.encryption_load(rbd.RBD_ENCRYPTION_FORMAT_LUKS2, 'secretpass')
    out['luks2'] = im.read(1 << 20, len(blob)) == blob
print(json.dumps(out))
`;

t.test('python3-rbd workflows on ts-osd', async (t) => {
  const { c, o } = await rbdPython(t, script, { deviceBytes: 512 << 20 });
  t.equal(o.read, true, 'read back what was written');
  t.equal(o.hole, true, 'an unwritten extent reads as zeros');
  t.equal(o.size, 32 << 20, 'resize');
  t.same(o.snaps, ['s1'], 'list_snaps');
  t.equal(o.rolled_back, true, 'rollback_to_snap');
  t.equal(o.protected, true, 'protect_snap');
  t.same(o.meta, ['v', [['k', 'v']]], 'metadata_set/get/list');
  t.same(o.meta_after, [], 'metadata_remove');
  t.same(o.aio, [0, true], 'aio_write then aio_read with completions');
  t.same(o.children, [['rbd', 'child']], 'list_children');
  t.equal(o.child_read, true, 'the clone reads through to its parent');
  t.equal(o.flat_parent, 'none', 'no parent after flatten');
  t.same(o.children_after, [], 'no children after flatten');
  t.same(o.lockers, ['cookie1'], 'list_lockers');
  t.same(o.trash, ['child'], 'trash_list');
  t.same(o.after_restore, ['child2', 'img'], 'trash_restore under a new name');
  t.same(o.trash_after, [], 'trash_remove');
  t.same(o.final, [], 'remove: the pool is empty (child2 went through the trash)');

  const r2 = await c.python(twoClients);
  t.equal(r2.code, 0, `python (two clients): ${r2.stderr.slice(-3000)}\n${c.osdLog(20)}`);
  const o2 = JSON.parse(r2.stdout || '{}') as Record<string, unknown>;
  t.equal(o2.a_owner, true, 'the first writer owns the exclusive lock');
  t.same(o2.owners, [false, true], 'the second writer asked for it and got it');
  t.equal(o2.data, true, 'both writes landed');
  t.same(o2.b_snaps, ['from_a'], "the first client's snapshot is seen by the second");
  t.equal(o2.luks2, true, 'a LUKS2 image reads back through its encryption layer');
});
