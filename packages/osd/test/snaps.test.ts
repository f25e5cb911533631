/**
 * Snapshots in the op engine on a MemStore: clone on the first write after a snap (CLONE log entry,
 * the clone's own object info, the head's SnapSet), reads at each snap id, LIST_SNAPS decoded,
 * rollback, whiteout heads, the pool's SnapContext in pool-snaps mode, ORDERSNAP, and the snap
 * trimmer's core deleting a clone whose snaps are all removed.
 */
import t from 'tap';
import { Reader } from '@ts-ceph/denc';
import { CEPH_NOSNAP, CEPH_SNAPDIR, decodeObjListSnapResponseT, decodeSnapSetT } from '@ts-ceph/maps';
import { CephOsdFlag, CephOsdOp, MOSDOp, osdOp, osdOpRead, osdOpWrite, osdOpWriteFull } from '@ts-ceph/messages';
import { ghobject } from '@ts-ceph/objectstore';
import { harness, req } from './lib/harness';
import { PgLogOp } from '../src/core/pg';
import { SS_ATTR, decodeObjectInfo, OI_ATTR, OI_FLAG } from '../src/core/object-info';
import { planTrim, trimClone } from '../src/core/snap-trim';
import { loadObjectStateIn } from '../src/core/object-info';

const head = ghobject({ pool: 1, name: 'obj', hash: 0x1234abcb, snap: CEPH_NOSNAP });
const snapc = (seq: bigint, snaps: bigint[]): Partial<MOSDOp> => ({ snapSeq: seq, snaps });
const readAt = (snapid: bigint) => req('obj', [osdOpRead(0, 0)], { flags: CephOsdFlag.READ, snapid });
const rollback = (snap: bigint) => {
  const args = Buffer.alloc(28);
  args.writeBigUInt64LE(snap, 0);
  return osdOp(CephOsdOp.ROLLBACK, { args });
};
const listSnaps = () => req('obj', [osdOp(CephOsdOp.LIST_SNAPS)], { flags: CephOsdFlag.READ, snapid: CEPH_SNAPDIR });

t.test('self-managed snaps: clone on first write, reads at each snap, list-snaps, rollback', async (t) => {
  const h = await harness();
  const { store, pg } = h;
  let r = await h.run(req('obj', [osdOpWriteFull(Buffer.from('version one'))]));
  t.equal(r.result, 0);
  // Snap 4 taken: the next write carries SnapContext seq 4, snaps [4].
  r = await h.run(req('obj', [osdOpWrite(0, Buffer.from('VERSION'))], snapc(4n, [4n])));
  t.same([r.result, r.replayVersion.version, r.userVersion], [0, 3n, 3n], 'the CLONE entry took v2, the write v3');
  const clone = { ...head, snap: 4n };
  t.equal(await store.exists(pg.coll, clone), true, 'clone obj:4 exists');
  t.same(pg.entries.map((e) => [e.op, e.soid.snap, e.version.version]), [[PgLogOp.MODIFY, CEPH_NOSNAP, 1n], [PgLogOp.CLONE, 4n, 2n], [PgLogOp.MODIFY, CEPH_NOSNAP, 3n]]);
  t.same(pg.entries[1]!.snaps, [4n], 'CLONE entry with its snaps');
  const coi = decodeObjectInfo(await store.getattr(pg.coll, clone, OI_ATTR));
  t.same([coi.version.version, coi.priorVersion.version, coi.userVersion, coi.size], [2n, 1n, 1n, 11]);
  await t.rejects(store.getattr(pg.coll, clone, SS_ATTR), 'a clone has no snapset');
  const ss = decodeSnapSetT(new Reader(await store.getattr(pg.coll, head, SS_ATTR)));
  t.same([ss.seq, ss.clones, ss.cloneSize, ss.cloneSnaps, ss.cloneOverlap], [4n, [4n], [[4n, 11]], [[4n, [4n]]], [[4n, [[7, 4]]]]], 'overlap lost the written bytes');

  // A second write under the same SnapContext does not clone again.
  r = await h.run(req('obj', [osdOpWrite(8, Buffer.from('TWO'))], snapc(4n, [4n])));
  t.equal(r.replayVersion.version, 4n);
  t.equal(pg.entries.filter((e) => e.op === PgLogOp.CLONE).length, 1);
  // Snaps 6 and 7: one clone serves both.
  r = await h.run(req('obj', [osdOpWriteFull(Buffer.from('third'))], snapc(7n, [7n, 6n, 4n])));
  t.equal(r.result, 0);

  const at = async (s: bigint) => {
    const x = await h.run(readAt(s));
    return x.result < 0 ? x.result : x.ops[0]!.data.toString();
  };
  t.same(await Promise.all([at(3n), at(4n), at(5n), at(6n), at(7n), at(8n)]), [-2, 'version one', -2, 'VERSION TWO', 'VERSION TWO', 'third']);

  r = await h.run(listSnaps());
  t.equal(r.result, 0);
  const ls = decodeObjListSnapResponseT(new Reader(r.ops[0]!.data));
  t.same(ls, {
    seq: 7n,
    clones: [
      { cloneid: 4n, snaps: [4n], overlap: [[7, 1]], size: 11 },
      { cloneid: 7n, snaps: [6n, 7n], overlap: [], size: 11 },
      { cloneid: CEPH_NOSNAP, snaps: [], overlap: [], size: 5 },
    ],
  });
  r = await h.run(req('obj', [osdOp(CephOsdOp.LIST_SNAPS)], { flags: CephOsdFlag.READ }));
  t.equal(r.result, -22, 'LIST_SNAPS off CEPH_SNAPDIR: EINVAL');
  r = await h.run(req('obj', [osdOpWrite(0, Buffer.from('x'))], { snapid: 4n }));
  t.equal(r.result, -22, 'a write to a snap: EINVAL');

  r = await h.run(req('obj', [rollback(6n)], snapc(7n, [7n, 6n, 4n])));
  t.equal(r.result, 0);
  t.equal(await at(CEPH_NOSNAP), 'VERSION TWO', 'rolled back to snap 6');
  r = await h.run(req('obj', [rollback(2n)], snapc(7n, [7n, 6n, 4n])));
  t.equal(r.result, 0, 'rollback to before the object existed deletes it');
  t.equal(await at(CEPH_NOSNAP), -2);
  t.equal(await at(4n), 'version one', 'clones survive');
  const hs = await loadObjectStateIn(store, pg.coll, head);
  t.same([hs.exists, hs.oi.flags & OI_FLAG.WHITEOUT], [true, OI_FLAG.WHITEOUT], 'the head is a whiteout');
  r = await h.run(listSnaps());
  t.same(decodeObjListSnapResponseT(new Reader(r.ops[0]!.data)).clones.map((c) => c.cloneid), [4n, 7n], 'no head in list-snaps');
  r = await h.run(req('obj', [osdOp(CephOsdOp.STAT)], { flags: CephOsdFlag.READ }));
  t.equal(r.result, -2, 'a whiteout stats ENOENT');
});

t.test('pool snaps mode, ORDERSNAP, invalid SnapContext', async (t) => {
  const h = await harness();
  await h.run(req('obj', [osdOpWriteFull(Buffer.from('aaaa'))]));
  h.pool.snaps = { poolSnapsMode: true, snapc: { seq: 2n, snaps: [2n] }, removed: [] };
  let r = await h.run(req('obj', [osdOpWriteFull(Buffer.from('bbbb'))]));
  t.equal(r.result, 0);
  t.equal(await h.store.exists(h.pg.coll, { ...head, snap: 2n }), true, 'the pool SnapContext made clone 2');
  r = await h.run(readAt(2n));
  t.equal(r.ops[0]!.data.toString(), 'aaaa');
  r = await h.run(req('obj', [osdOpWriteFull(Buffer.from('c'))], { flags: CephOsdFlag.WRITE | CephOsdFlag.ORDERSNAP | CephOsdFlag.ENFORCE_SNAPC, snapSeq: 1n, snaps: [1n] }));
  t.equal(r.result, -85, 'ORDERSNAP with an older SnapContext: EOLDSNAPC');
  r = await h.run(req('obj', [osdOpWriteFull(Buffer.from('c'))], { flags: CephOsdFlag.WRITE | CephOsdFlag.ENFORCE_SNAPC, snapSeq: 3n, snaps: [2n, 3n] }));
  t.equal(r.result, -22, 'snaps not descending: EINVAL');
});

t.test('trim: a clone whose snaps are all removed is deleted, the others lose the snap', async (t) => {
  const h = await harness();
  const { store, pg } = h;
  await h.run(req('obj', [osdOpWriteFull(Buffer.from('one'))]));
  await h.run(req('obj', [osdOpWriteFull(Buffer.from('two'))], snapc(3n, [3n])));
  await h.run(req('obj', [osdOpWriteFull(Buffer.from('three'))], snapc(5n, [5n, 4n, 3n])));
  const removed: [number, number][] = [[3, 2]];
  const ss = decodeSnapSetT(new Reader(await store.getattr(pg.coll, head, SS_ATTR)));
  t.same(planTrim(ss, removed), [3n, 5n], 'both clones hold a removed snap');
  for (const c of planTrim(ss, removed)) {
    const work = await trimClone(store, pg, head, c, removed, { epoch: 9, now: { sec: 1, nsec: 0 } });
    t.ok(work, `clone ${c} trimmed`);
    await store.queueTransaction(work!);
  }
  t.equal(await store.exists(pg.coll, { ...head, snap: 3n }), false, 'clone 3 (snap 3 only) deleted');
  t.equal(await store.exists(pg.coll, { ...head, snap: 5n }), true, 'clone 5 still serves snap 5');
  const after = decodeSnapSetT(new Reader(await store.getattr(pg.coll, head, SS_ATTR)));
  t.same([after.clones, after.cloneSnaps], [[5n], [[5n, [5n]]]]);
  t.same(pg.entries.slice(-4).map((e) => [e.op, e.soid.snap]), [[PgLogOp.DELETE, 3n], [PgLogOp.MODIFY, CEPH_NOSNAP], [PgLogOp.MODIFY, 5n], [PgLogOp.MODIFY, CEPH_NOSNAP]]);
  // Deleting the head keeps a whiteout; trimming the last clone then removes it.
  let r = await h.run(req('obj', [osdOp(CephOsdOp.DELETE)], snapc(5n, [5n])));
  t.equal(r.result, 0);
  t.equal(await store.exists(pg.coll, head), true, 'whiteout head');
  const w = await trimClone(store, pg, head, 5n, [[3, 3]], { epoch: 9, now: { sec: 1, nsec: 0 } });
  await store.queueTransaction(w!);
  t.equal(await store.exists(pg.coll, { ...head, snap: 5n }), false);
  t.equal(await store.exists(pg.coll, head), false, 'the whiteout head went with its last clone');
  r = await h.run(readAt(CEPH_NOSNAP));
  t.equal(r.result, -2);
});
