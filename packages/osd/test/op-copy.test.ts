/**
 * copy-from / copy-from2 / copy-get through the op engine (PrimaryLogPG::do_copy_get, start_copy,
 * finish_copyfrom): the destination becomes the source's data, user xattrs, omap and header (its own
 * are gone), takes the source's user_version and mtime; a missing source is ENOENT, a wrong
 * src_version ERANGE/EOVERFLOW, a copy from itself EINVAL, all leaving the destination unchanged;
 * sources bigger than one 8 MiB chunk, in another PG's collection, with many omap keys.
 */
import t from 'tap';
import { Reader } from '@ts-ceph/denc';
import {
  CephOsdCopyFromFlag,
  CephOsdFlag,
  CephOsdOp,
  MOSDOp,
  decodeObjectCopyDataT,
  encodeOmapSetVals,
  objectCopyCursor,
  osdOp,
  osdOpCopyFrom,
  osdOpCopyGet,
  osdOpRead,
  osdOpWriteFull,
  osdOpXattr,
} from '@ts-ceph/messages';
import { CEPH_NOSNAP, GHObject, MemStore, Transaction, collPG, ghobject } from '@ts-ceph/objectstore';
import { PG } from '../src/core/pg';
import { OI_ATTR, decodeObjectInfo } from '../src/core/object-info';
import { CopySourceLocator } from '../src/core/ops/copy';
import { harness, req, Harness } from './lib/harness';

const RD = { flags: CephOsdFlag.READ };
const HASH = 0x1234abcb;
const oloc = (pool = 1, nspace = '', key = '') => ({ pool, nspace, key, hash: -1 });
const objOf = (pool: number, name: string): GHObject => ghobject({ pool, nspace: '', key: '', name, hash: HASH, snap: CEPH_NOSNAP });

/** Sources in pool 1 live in the harness PG; pool 2's in a second PG (2.0) of the same store. */
async function withSecondPg(h: Harness): Promise<{ pg2: PG; at2: (m: MOSDOp) => MOSDOp }> {
  const pg2 = PG.fresh(collPG(2, 0), { pool: 2, seed: 0 }, 9);
  const t0 = new Transaction().createCollection(pg2.coll, 0);
  pg2.initTransaction(t0);
  await h.store.queueTransaction(t0);
  const locate: CopySourceLocator = (src) => {
    if (src.oloc.pool === 1) return { coll: h.pg.coll, oid: ghobject({ pool: 1, nspace: src.oloc.nspace, key: src.oloc.key, name: src.name, hash: HASH, snap: CEPH_NOSNAP }) };
    if (src.oloc.pool === 2) return { coll: pg2.coll, oid: ghobject({ pool: 2, nspace: src.oloc.nspace, key: src.oloc.key, name: src.name, hash: HASH, snap: CEPH_NOSNAP }) };
    return -2;
  };
  h.copySource = locate;
  const at2 = (m: MOSDOp): MOSDOp => ({ ...m, pgid: { pgid: { pool: 2, seed: 0 }, shard: -1 }, oloc: { ...m.oloc, pool: 2 } });
  return { pg2, at2 };
}

async function omapOf(store: MemStore, coll: ReturnType<typeof collPG>, o: GHObject): Promise<[Buffer, Map<string, Buffer>]> {
  const all = new Map<string, Buffer>();
  let after = '';
  for (;;) {
    const p = await store.omapGetValsAfter(coll, o, after, 1000);
    for (const [k, v] of p.values) {
      all.set(k, Buffer.from(v));
      after = k;
    }
    if (!p.more || p.values.size === 0) break;
  }
  return [Buffer.from(await store.omapGetHeader(coll, o)), all];
}

const userAttrs = async (store: MemStore, coll: ReturnType<typeof collPG>, o: GHObject) =>
  new Map([...(await store.getattrs(coll, o)).entries()].filter(([k]) => k.length > 1 && k[0] === '_').map(([k, v]) => [k, Buffer.from(v).toString()]));

t.test('copy-from copies data, xattrs, omap and header, and the source user_version', async (t) => {
  const h = await harness();
  const { pg2, at2 } = await withSecondPg(h);
  const big = Buffer.alloc(9 * 1024 * 1024 + 333);
  for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
  const keys = new Map<string, Buffer>();
  for (let i = 0; i < 300; i++) keys.set(`k${String(i).padStart(4, '0')}`, Buffer.alloc(40_000, i));
  const src = await h.run(
    at2(
      req('src', [
        osdOpWriteFull(big),
        osdOpXattr(CephOsdOp.SETXATTR, 'a', Buffer.from('1')),
        osdOpXattr(CephOsdOp.SETXATTR, 'b', Buffer.from('two')),
        osdOp(CephOsdOp.OMAPSETVALS, { data: encodeOmapSetVals(keys) }),
        osdOp(CephOsdOp.OMAPSETHEADER, { data: Buffer.from('HDR') }),
      ]),
    ),
    undefined,
    { pg: pg2 },
  );
  t.equal(src.result, 0);
  // A destination with its own data, xattr and omap: all of it is replaced.
  let r = await h.run(req('dst', [osdOpWriteFull(Buffer.from('old')), osdOpXattr(CephOsdOp.SETXATTR, 'stale', Buffer.from('x')), osdOp(CephOsdOp.OMAPSETVALS, { data: encodeOmapSetVals(new Map([['gone', Buffer.from('y')]])) })]));
  t.equal(r.result, 0);
  r = await h.run(req('dst', [osdOpCopyFrom({ name: 'src', oloc: oloc(2) })], { mtime: { sec: 1, nsec: 0 } }));
  t.equal(r.result, 0, 'copy-from succeeds');
  t.equal(r.userVersion, src.userVersion, 'the reply carries the source user_version (finish_copyfrom)');
  const dst = objOf(1, 'dst');
  t.ok(Buffer.from(await h.store.read(h.pg.coll, dst, 0, big.length + 10)).equals(big), 'data byte-exact across two 8 MiB chunks');
  t.same(await userAttrs(h.store, h.pg.coll, dst), new Map([['_a', '1'], ['_b', 'two']]), 'the source xattrs only');
  const [hdr, omap] = await omapOf(h.store, h.pg.coll, dst);
  t.equal(hdr.toString(), 'HDR', 'omap header');
  t.same([...omap.keys()], [...keys.keys()], 'every omap key, none of the old ones');
  t.ok([...keys].every(([k, v]) => omap.get(k)!.equals(v)), 'omap values byte-exact');
  const oi = decodeObjectInfo(await h.store.getattr(h.pg.coll, dst, OI_ATTR));
  const soi = decodeObjectInfo(await h.store.getattr(pg2.coll, objOf(2, 'src'), OI_ATTR));
  t.same([oi.size, oi.userVersion, oi.mtime], [big.length, src.userVersion, soi.mtime], 'size, user_version and mtime are the source object info');
  r = await h.run(req('dst', [osdOpRead(0, 3)], RD));
  t.same([r.result, r.userVersion], [0, src.userVersion], 'reads report the copied user_version');
});

t.test('copy-from failures leave the destination unchanged', async (t) => {
  const h = await harness();
  await withSecondPg(h);
  let r = await h.run(req('d', [osdOpWriteFull(Buffer.from('dest'))]));
  await h.run(req('s', [osdOpWriteFull(Buffer.from('first'))]));
  r = await h.run(req('s', [osdOpWriteFull(Buffer.from('source'))]));
  const uv = r.userVersion;
  t.ok(uv > 1n, 'a src_version of uv - 1 still asserts (0 would not)');
  r = await h.run(req('d', [osdOpCopyFrom({ name: 'nosuch', oloc: oloc() })]));
  t.equal(r.result, -2, 'missing source: ENOENT');
  r = await h.run(req('d', [osdOpCopyFrom({ name: 's', oloc: oloc() }, { srcVersion: uv - 1n })]));
  t.equal(r.result, -34, 'src_version older than the source: ERANGE');
  r = await h.run(req('d', [osdOpCopyFrom({ name: 's', oloc: oloc() }, { srcVersion: uv + 1n })]));
  t.equal(r.result, -75, 'src_version newer than the source: EOVERFLOW');
  r = await h.run(req('d', [osdOpCopyFrom({ name: 'd', oloc: oloc() })]));
  t.equal(r.result, -22, 'copy from itself: EINVAL');
  r = await h.run(req('d', [osdOpCopyFrom({ name: 's', oloc: oloc(9) })]));
  t.equal(r.result, -2, 'source pool unknown to the locator: ENOENT');
  r = await h.run(req('d', [osdOpCopyFrom({ name: 's', oloc: oloc() }, { v2: true, flags: 64 })]));
  t.equal(r.result, -22, 'copy-from2 with an unknown flag: EINVAL');
  r = await h.run(req('d', [osdOpRead(0, 0)], RD));
  t.equal(r.ops[0]!.data.toString(), 'dest', 'the destination is unchanged');
  r = await h.run(req('d', [osdOpCopyFrom({ name: 's', oloc: oloc() }, { srcVersion: uv })]));
  t.same([r.result, r.userVersion], [0, uv], 'the right src_version copies');
  r = await h.run(req('d', [osdOpRead(0, 0)], RD));
  t.equal(r.ops[0]!.data.toString(), 'source');
  h.copySource = undefined;
  r = await h.run(req('e', [osdOpCopyFrom({ name: 's', oloc: oloc() })]));
  t.equal(r.result, -95, 'no local source resolver: EOPNOTSUPP');
});

t.test('copy-from2 with FLAG_TRUNCATE_SEQ sets the client truncate_seq/size', async (t) => {
  const h = await harness();
  await withSecondPg(h);
  await h.run(req('s', [osdOpWriteFull(Buffer.from('abc'))]));
  const r = await h.run(req('d', [osdOpCopyFrom({ name: 's', oloc: oloc(), truncate: { seq: 7, size: 3n } }, { v2: true, flags: CephOsdCopyFromFlag.TRUNCATE_SEQ })]));
  t.equal(r.result, 0);
  const oi = decodeObjectInfo(await h.store.getattr(h.pg.coll, objOf(1, 'd'), OI_ATTR));
  t.same([oi.truncateSeq, oi.truncateSize], [7, 3n]);
});

t.test('copy-get returns chunks with an advancing cursor', async (t) => {
  const h = await harness();
  const keys = new Map([...'abcdef'].map((k) => [k, Buffer.alloc(10, k)]));
  await h.run(req('o', [osdOpWriteFull(Buffer.from('0123456789')), osdOpXattr(CephOsdOp.SETXATTR, 'x', Buffer.from('y')), osdOp(CephOsdOp.OMAPSETVALS, { data: encodeOmapSetVals(keys) })]));
  let cursor = objectCopyCursor();
  const data: Buffer[] = [];
  const seen: string[] = [];
  let rounds = 0;
  for (; rounds < 20 && !(cursor.attrComplete && cursor.dataComplete && cursor.omapComplete); rounds++) {
    const r = await h.run(req('o', [osdOpCopyGet(cursor, 6n)], RD));
    t.equal(r.result, 0);
    const d = decodeObjectCopyDataT(new Reader(r.ops[0]!.data));
    if (rounds === 0) t.same([...d.attrs.keys()], ['x'], 'attrs in the first chunk, without the _ prefix');
    t.equal(d.size, 10n);
    data.push(d.data);
    if (d.omapData.length) for (let i = 0, off = 4; i < d.omapData.readUInt32LE(0); i++) {
      const kl = d.omapData.readUInt32LE(off);
      seen.push(d.omapData.toString('utf8', off + 4, off + 4 + kl));
      off += 4 + kl + 4 + d.omapData.readUInt32LE(off + 4 + kl);
    }
    cursor = d.cursor;
  }
  t.equal(Buffer.concat(data).toString(), '0123456789', 'data in 6-byte chunks');
  t.same(seen, [...'abcdef'], 'every omap key once, in order');
  t.ok(rounds > 3, 'it took several chunks');
  const r = await h.run(req('nosuch', [osdOpCopyGet(objectCopyCursor(), 100n)], RD));
  t.equal(r.result, -2, 'copy-get of a missing object: ENOENT');
});
