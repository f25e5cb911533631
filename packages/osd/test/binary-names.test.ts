/**
 * omap keys and xattr names are bytes in Ceph (std::string), not UTF-8: radosgw keeps its versioned
 * objects' index entries under keys starting with 0x80, and test_rados_tool.sh sets a 128-byte
 * random key. The OSD must answer with the bytes it was given, order and prefix-match by bytes,
 * and move them byte-exact to the replicas (the RepOp's transaction) and in a recovery push (a
 * msgpack peer message). Keys are built from bytes by hand; expected orders come from Buffer.compare
 * on those bytes, never from the code under test.
 */
import t from 'tap';
import { Writer, stringFromBytes, stringToBytes } from '@ts-ceph/denc';
import { CephOsdFlag, CephOsdOp, MOSDOp, encodeOmapSetVals, omapGetKeysReply, omapGetValsReply, osdOp, osdOpXattr, strBufferMapReply } from '@ts-ceph/messages';
import { collPG } from '@ts-ceph/objectstore';
import { opObject } from '../src/core/op-engine';
import { PeerWire, PgMapping, ReplicatedPG, decodePeerWire, encodePeerWire } from '../src/core/peering';
import { harness, req } from './lib/harness';
import { clientOp, pumpCores, threeCores } from './lib/cores';

const hex = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');
const str = (h: string): string => stringFromBytes(hex(h));
/** 'a', 'a' e2 82 (a cut '€'), 'a€', radosgw's 0x80 instance key, ff fe, 'é'. */
const keyBytes = [hex('61'), hex('61 e282'), hex('61 e282ac'), hex('80 31303030 5f6f626a'), hex('fffe'), hex('c3a9')];
const keys = new Map(keyBytes.map((k, i) => [stringFromBytes(k), Buffer.from([i])]));
const xattrName = str('78 ff');
const read = { flags: CephOsdFlag.READ };

const setOps = (): MOSDOp['ops'] => [osdOp(CephOsdOp.OMAPSETVALS, { data: encodeOmapSetVals(keys) }), osdOpXattr(CephOsdOp.SETXATTR, xattrName, Buffer.from('xv'))];
const getVals = (after: string, prefix: string): MOSDOp['ops'] => [osdOp(CephOsdOp.OMAPGETVALS, { data: new Writer().string(after).u64(100n).string(prefix).finish() })];
const bytesOf = (ks: Iterable<string>): Buffer[] => [...ks].map(stringToBytes);

t.test('omap and xattr ops answer with the bytes they were given, ordered and filtered by bytes', async (t) => {
  const h = await harness();
  t.equal((await h.run(req('bin', setOps()))).result, 0);
  let r = await h.run(req('bin', [osdOp(CephOsdOp.OMAPGETKEYS, { data: new Writer().string('').u64(100n).finish() })], read));
  t.same(bytesOf(omapGetKeysReply(r.ops[0]!).keys), [...keyBytes].sort(Buffer.compare), 'get-keys: every key byte-exact, in byte order');
  // filter_prefix 61 e2 82 is a byte prefix of 'a€' (61 e2 82 ac) though not a code-unit prefix of it.
  r = await h.run(req('bin', getVals('', str('61 e282')), read));
  t.same(bytesOf(omapGetValsReply(r.ops[0]!).vals.keys()), [hex('61 e282'), hex('61 e282ac')], 'get-vals by a prefix that ends inside a character');
  // start_after 'é' (c3 a9) is after the prefix 0x80 in bytes (not in UTF-16): nothing left to match.
  r = await h.run(req('bin', getVals(str('c3a9'), str('80')), read));
  t.same([...omapGetValsReply(r.ops[0]!).vals.keys()], [], 'a prefix below start_after in byte order is not looked up');
  r = await h.run(req('bin', getVals(str('61'), str('80')), read));
  t.same(bytesOf(omapGetValsReply(r.ops[0]!).vals.keys()), [hex('80 31303030 5f6f626a')], 'a prefix above start_after: from the prefix on');
  const byKeys = new Writer().list([str('fffe'), str('80 31303030 5f6f626a'), 'zz'], (w, k) => w.string(k)).finish();
  r = await h.run(req('bin', [osdOp(CephOsdOp.OMAPGETVALSBYKEYS, { data: byKeys })], read));
  const got = strBufferMapReply(r.ops[0]!);
  t.same(bytesOf(got.keys()), [hex('80 31303030 5f6f626a'), hex('fffe')], 'get-vals-by-keys: found keys in byte order');
  t.same([...got.values()], [Buffer.from([3]), Buffer.from([4])]);
  r = await h.run(req('bin', [osdOp(CephOsdOp.GETXATTRS)], read));
  t.same(bytesOf(strBufferMapReply(r.ops[0]!).keys()), [hex('78 ff')], 'getxattrs: the name byte-exact');
  r = await h.run(req('bin', [osdOpXattr(CephOsdOp.GETXATTR, xattrName)], read));
  t.same([r.result, r.ops[0]!.data.toString()], [0, 'xv'], 'getxattr by the binary name');
  t.equal((await h.run(req('bin', [osdOp(CephOsdOp.OMAPRMKEYS, { data: new Writer().list([str('61 e282')], (w, k) => w.string(k)).finish() })]))).result, 0);
  r = await h.run(req('bin', getVals('', str('61 e2')), read));
  t.same(bytesOf(omapGetValsReply(r.ops[0]!).vals.keys()), [hex('61 e282ac')], 'rm-keys removed the cut key only');
});

const mapping = (epoch: number, acting: number[]): PgMapping => ({ epoch, up: acting, upPrimary: acting[0]!, acting, primary: acting[0]!, size: 3, minSize: 2, upOsds: new Set(acting) });

/** Three cores; the network and commits are pumped through the daemons' wire encodings. */
interface Cluster {
  cores: ReplicatedPG[];
  stores: Awaited<ReturnType<typeof threeCores>>['stores'];
  /** Every peer message sent, as it went on the wire. */
  sent: { type: string; b: PeerWire }[];
  op(r: MOSDOp): Promise<void>;
  /** Every core to a new map (or a tick), then deliver until nothing moves. */
  advance(m: PgMapping): Promise<void>;
  tick(): Promise<void>;
}

async function cluster(): Promise<Cluster> {
  const { cores, stores } = await threeCores();
  const net: { from: number; to: number; b: PeerWire }[] = [];
  const commits: { osd: number; token: number }[] = [];
  const kicks: number[] = [];
  const sent: { type: string; b: PeerWire }[] = [];
  const collect = (osd: number): void => {
    for (const o of cores[osd]!.take()) {
      if (o.kind === 'send') {
        const b = encodePeerWire(o.msg);
        sent.push({ type: o.msg.type, b });
        net.push({ from: osd, to: o.to, b });
      } else if (o.kind === 'txn') {
        void stores[osd]!.queueTransaction(o.t);
        commits.push({ osd, token: o.token });
      } else if (o.kind === 'kick') kicks.push(osd);
    }
  };
  const pump = (): Promise<void> => pumpCores(cores, { net, kicks, commits }, new Set(), collect);
  for (let osd = 0; osd < 3; osd++) {
    await cores[osd]!.init([mapping(5, [0, 1, 2])]);
    collect(osd);
  }
  await pump();
  return {
    cores,
    stores,
    sent,
    async op(r) {
      await cores[0]!.handleOp(clientOp(r));
      collect(0);
      await pump();
    },
    async advance(m) {
      for (let osd = 0; osd < 3; osd++) await cores[osd]!.advanceMap(m), collect(osd);
      await pump();
    },
    async tick() {
      for (let osd = 0; osd < 3; osd++) await cores[osd]!.tick(), collect(osd);
      await pump();
    },
  };
}

t.test('a binary omap key and xattr name reach the replicas and a recovery push byte-exact', async (t) => {
  const c = await cluster();
  t.equal(c.cores[0]!.phase, 'active');
  const coll = collPG(1, 3);
  const want = [...keyBytes].sort(Buffer.compare);
  const check = async (osd: number, name: string, what: string): Promise<void> => {
    const o = opObject(req(name, []));
    t.same(bytesOf(await c.stores[osd]!.omapGetKeys(coll, o)), want, `${what}: osd.${osd} has every key byte-exact`);
    t.same(bytesOf((await c.stores[osd]!.getattrs(coll, o)).keys()).filter((n) => n[0] === 0x5f && n.length > 1), [hex('5f 78 ff')], `${what}: osd.${osd} has the xattr name byte-exact`);
  };
  await c.op(req('rep', setOps(), { reqid: { name: { type: 8, num: 4100 }, tid: 1n, inc: 0 } }));
  t.ok(c.sent.some((m) => m.type === 'repop'), 'the write went out as RepOps');
  for (const osd of [0, 1, 2]) await check(osd, 'rep', 'RepOp');

  // osd.2 leaves the acting set; a write it misses; it comes back and is recovered by a push.
  await c.advance(mapping(6, [0, 1]));
  await c.op(req('rec', setOps(), { osdmapEpoch: 6, reqid: { name: { type: 8, num: 4100 }, tid: 2n, inc: 0 } }));
  t.same(await c.stores[2]!.omapGetKeys(coll, opObject(req('rec', []))).catch(() => []), [], 'osd.2 missed the write');
  await c.advance(mapping(7, [0, 1, 2]));
  for (let i = 0; i < 5 && !c.sent.some((m) => m.type === 'push'); i++) await c.tick();
  const push = c.sent.find((m) => m.type === 'push');
  t.ok(push, 'osd.2 was recovered by a push');
  if (push) {
    const m = decodePeerWire(push.b.body, push.b.data);
    if (m.type !== 'push') throw new Error('not a push');
    t.same(m.omap.map(([k]) => k), want, 'the push carries the keys as their bytes');
  }
  await check(2, 'rec', 'push');
});
