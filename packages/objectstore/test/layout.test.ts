// The hand-rolled encoders on the commit path (onode, extent shard, shard key, ghobject sort key)
// against independent reference encoders built with denc's Writer and plain Buffer methods (the
// formats in docs/formats/objectstore.md), byte for byte, and decoded back.
import t from 'tap';
import { Writer } from '@ts-ceph/denc';
import { CEPH_NOSNAP, CEPH_SNAPDIR, GHObject, ghobjectSortKey, NO_GEN, POOL_MIN, reverseBits32 } from '../src';
import * as L from '../src/blockstore/layout';

function refSortKey(o: GHObject): string {
  const esc = (s: string): Buffer => {
    const out: number[] = [];
    for (const c of Buffer.from(s, 'utf8')) out.push(...(c === 0 ? [0, 1] : [c]));
    return Buffer.from([...out, 0, 0]);
  };
  const fixed = Buffer.alloc(13);
  fixed.writeUInt8(o.shard + 1, 0);
  fixed.writeBigUInt64BE(BigInt(o.pool) + (1n << 63n), 1);
  fixed.writeUInt32BE(reverseBits32(o.hash), 9);
  const tail = Buffer.alloc(16);
  tail.writeBigUInt64BE(o.snap, 0);
  tail.writeBigUInt64BE(o.generation, 8);
  return Buffer.concat([fixed, esc(o.nspace), esc(o.key || o.name), esc(o.name), tail]).toString('latin1');
}

function refOnode(o: L.OnodeRecord): Buffer {
  const w = new Writer();
  w.envelope(1, 1, (w) => {
    w.u64(o.nid);
    w.i64(BigInt(o.oid.pool)).string(o.oid.nspace).string(o.oid.key).string(o.oid.name).u64(o.oid.snap).u32(o.oid.hash).u64(o.oid.generation).i8(o.oid.shard);
    w.u64(o.size);
    w.u32(o.attrs.size);
    for (const [k, v] of o.attrs) w.string(k).blob(v);
    w.bool(o.hasOmap);
    w.list(o.shards, (w, s) => w.u32(s));
  });
  return w.finish();
}

t.test('ghobject sort keys', async (t) => {
  let n = 0;
  let bad = 0;
  for (const pool of [POOL_MIN, -9007199254740991, -1, 0, 1, 4294967295, 4294967296, 9007199254740991])
    for (const name of ['', 'a', 'rbd_data.1', 'x\u0000y', 'héllo', '日本', '\u007f\u0080'])
      for (const key of ['', 'k\u0000'])
        for (const snap of [0n, 5n, CEPH_NOSNAP, CEPH_SNAPDIR])
          for (const generation of [0n, 0x1_0000_0001n, NO_GEN])
            for (const shard of [-1, 0, 127])
              for (const hash of [0, 0xdeadbeef, 0xffffffff]) {
                const o = { pool, nspace: name ? 'ns' : '', key, name, snap, hash, generation, shard };
                n++;
                if (ghobjectSortKey(o) !== refSortKey(o)) bad++;
              }
  t.equal(bad, 0, `${n} objects: the same bytes as the reference`);
});

t.test('onode, shard and shard key encodings', async (t) => {
  for (const pool of [POOL_MIN, -1, 0, 2 ** 40])
    for (const attrs of [new Map<string, Buffer>(), new Map([['_', Buffer.from('oi')], ['snapset', Buffer.alloc(0)], ['ü', Buffer.alloc(300, 7)]])])
      for (const shards of [[], [0, 3, 70000]]) {
        const o: L.OnodeRecord = { nid: 2 ** 33 + 5, oid: { pool, nspace: 'ns', key: 'k', name: '日本\u0000', snap: CEPH_NOSNAP, hash: 0xdeadbeef, generation: NO_GEN, shard: -1 }, size: 2 ** 35 + 3, attrs, hasOmap: true, shards };
        const enc = L.encodeOnode(o);
        t.same(enc, refOnode(o));
        t.same(L.decodeOnode(enc), o);
      }
  const s = L.newShard();
  for (let i = 0; i < L.shardBlocks; i++) {
    s.pblocks[i] = i % 5 ? Math.floor(2 ** (i % 53) * 0.77) : 0;
    s.csums[i] = (i * 0x9e3779b1) >>> 0;
  }
  const ref = new Writer().envelope(1, 1, (w) => {
    for (let i = 0; i < L.shardBlocks; i++) w.u64(s.pblocks[i]!).u32(s.csums[i]!);
  });
  t.same(L.encodeShard(s), ref.finish());
  t.same(L.decodeShard(L.encodeShard(s)), s);
  for (const [nid, sh] of [[0, 0], [1, 2], [2 ** 33 + 1, 2 ** 40], [2 ** 53 - 1, 5]] as const) {
    const k = Buffer.alloc(17);
    k.write('X');
    k.writeBigUInt64BE(BigInt(nid), 1);
    k.writeBigUInt64BE(BigInt(sh), 9);
    t.same(L.shardKey(nid, sh), k, `shard key ${nid}/${sh}`);
  }
});
