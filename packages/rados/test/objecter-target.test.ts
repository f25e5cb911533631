/**
 * The Objecter's pure core against what real Ceph did and computes:
 *  - the captured `rados put/get` session (ceph-traces pcap-d-rados-put-get): with the osdmap the
 *    client received, every MOSDOp it sent targets the same pg, hash and OSD, and buildMOSDOp
 *    rebuilds the captured front byte for byte;
 *  - the OSDMaps of the daemon capture (boot, osd.3 added, a kill, an out, a SIGTERM): up/acting
 *    and primaries of every PG equal the stock osdmaptool's, and a resend is decided exactly when
 *    osdmaptool's mapping of the PG changed between two epochs, also through the placement cache
 *    kept across the epochs;
 *  - pause flags, a full pool, a deleted pool, last_force_op_resend, and MOSDMap gaps.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '@ts-ceph/common';
import { CEPH_FEATURES_ALL, formatAddr, Reader } from '@ts-ceph/denc';
import { cloneOSDMap, decodeOSDMap, OSDMap, OsdMapFlag, PoolFlag } from '@ts-ceph/maps';
import { CephMessage, decodeHeader2, messageTypes, StreamDecoder, Tag } from '@ts-ceph/messenger';
import { CEPH_MSG_OSD_MAP, CEPH_MSG_OSD_OP, CephOsdFlag, MOSDMap, MOSDOp, MOSDOpCodec } from '@ts-ceph/messages';
import { buildMOSDOp, calcTarget, feedOSDMap, OpTarget, osdAddr, PlacementCache, TargetState } from '../src';

const traces = join(sharedDir(), 'ceph-traces');

function messages(file: string): CephMessage[] {
  const d = new StreamDecoder();
  d.push(readFileSync(file));
  const out: CephMessage[] = [];
  for (const it of d.drain()) {
    if (it.kind !== 'frame' || it.frame.tag !== Tag.MESSAGE) continue;
    const s = it.frame.segments;
    const h = decodeHeader2(s[0]!);
    const e = Buffer.alloc(0);
    out.push({ type: h.type, version: h.version, compatVersion: h.compatVersion, priority: h.priority, tid: h.tid, dataOff: h.dataOff, front: s[1] ?? e, middle: s[2] ?? e, data: s[3] ?? e });
  }
  return out;
}

function objectTarget(op: MOSDOp): OpTarget {
  return { pool: op.oloc.pool, oid: op.oid, nspace: op.oloc.nspace, key: op.oloc.key, locHash: op.oloc.hash, flags: op.flags };
}

t.test('captured rados put/get: target and MOSDOp bytes', async (t) => {
  const s = (n: string, dir: string) => join(traces, 'streams', `pcap-d-rados-put-get.${n}.${dir}.bin`);
  const mapMsg = messages(s('02', 's2c')).find((m) => m.type === CEPH_MSG_OSD_MAP)!;
  const fed = feedOSDMap(undefined, messageTypes.decode(mapMsg) as MOSDMap);
  t.equal(fed.maps.length, 1, 'one full map');
  const m = fed.maps[0]!;
  t.match(formatAddr(osdAddr(m, 0)!), /^v2:127\.0\.0\.1:6808\//, 'osd.0 is the captured OSD (127.0.0.1:6808)');
  const ops = ['04', '09'].flatMap((n) => messages(s(n, 'c2s')).filter((x) => x.type === CEPH_MSG_OSD_OP));
  t.ok(ops.length >= 2, `${ops.length} captured MOSDOps`);
  for (const raw of ops) {
    const op = MOSDOpCodec.decode(raw, CEPH_FEATURES_ALL);
    const { state, result } = calcTarget(m, objectTarget(op), undefined);
    t.equal(result, 'need_resend', 'a new op is sent');
    t.same([state!.rawPg.seed, state!.actualPgid, state!.osd], [op.hash, op.pgid, 0], `${op.oid}: hash, pg and OSD as the client chose`);
    const rebuilt = buildMOSDOp({ target: objectTarget(op), state: state!, ops: op.ops, flags: op.flags, attempt: op.retryAttempt, epoch: op.osdmapEpoch, mtime: op.mtime, features: op.features });
    t.ok(MOSDOpCodec.encode(rebuilt, CEPH_FEATURES_ALL).front.equals(raw.front), `${op.oid} tid ${raw.tid}: the MOSDOp front rebuilt byte for byte`);
  }
});

// ---- the daemon capture's maps against osdmaptool ------------------------------------------------

const epochs = ['after-boot.e16', 'after-osd3.e22', 'after-kill.e28', 'after-out.e39', 'after-sigterm.e43'];
const mapFile = (e: string) => join(traces, 'daemons', 'maps', `osdmap.${e}.bin`);

interface Mapping {
  up: number[];
  upPrimary: number;
  acting: number[];
  actingPrimary: number;
}

/** osdmaptool --test-map-pgs-dump-all: "2.1 raw ([3,0,2], p3) up ([3,0,2], p3) acting ([3,0,2], p3)". */
function osdmaptoolMappings(file: string): Map<string, Mapping> {
  const out = execFileSync('osdmaptool', [file, '--test-map-pgs-dump-all'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const res = new Map<string, Mapping>();
  const list = (s: string) => (s ? s.split(',').map(Number) : []);
  for (const l of out.split('\n')) {
    const x = /^(\d+\.[0-9a-f]+) raw \(\[[^\]]*\], p-?\d+\) up \(\[([^\]]*)\], p(-?\d+)\) acting \(\[([^\]]*)\], p(-?\d+)\)/.exec(l);
    if (x) res.set(x[1]!, { up: list(x[2]!), upPrimary: Number(x[3]), acting: list(x[4]!), actingPrimary: Number(x[5]) });
  }
  return res;
}

function pgTargets(m: OSDMap): [string, OpTarget][] {
  const out: [string, OpTarget][] = [];
  for (const [pool, p] of m.pools) for (let seed = 0; seed < p.pgNum; seed++) out.push([`${pool}.${seed.toString(16)}`, { pool, oid: '', nspace: '', key: '', locHash: -1, pgSeed: seed, flags: CephOsdFlag.READ }]);
  return out;
}

t.test('mappings and resend decisions equal osdmaptool across the daemon capture', async (t) => {
  const maps = epochs.map((e) => decodeOSDMap(new Reader(readFileSync(mapFile(e)))));
  const tool = epochs.map((e) => osdmaptoolMappings(mapFile(e)));
  for (let i = 0; i < maps.length; i++) {
    let same = 0;
    const targets = pgTargets(maps[i]!);
    for (const [pg, tg] of targets) {
      const st = calcTarget(maps[i]!, tg, undefined).state!;
      const want = tool[i]!.get(pg);
      if (want && JSON.stringify([st.up, st.upPrimary, st.acting, st.actingPrimary]) === JSON.stringify([want.up, want.upPrimary, want.acting, want.actingPrimary]) && st.osd === want.actingPrimary) same++;
      else t.fail(`${epochs[i]} ${pg}: ours ${JSON.stringify(st.acting)} p${st.actingPrimary}, osdmaptool ${JSON.stringify(want)}`);
    }
    t.equal(same, targets.length, `${epochs[i]}: all ${same} PGs map as osdmaptool maps them`);
  }
  for (let i = 1; i < maps.length; i++) {
    let resends = 0;
    let checked = 0;
    for (const [pg, tg] of pgTargets(maps[i - 1]!)) {
      const before = tool[i - 1]!.get(pg)!;
      const after = tool[i]!.get(pg);
      if (!after) continue;
      const prev: TargetState = calcTarget(maps[i - 1]!, tg, undefined).state!;
      const moved = JSON.stringify(before) !== JSON.stringify(after);
      const primaryMoved = before.actingPrimary !== after.actingPrimary;
      const any = calcTarget(maps[i]!, tg, prev, true);
      const legacy = calcTarget(maps[i]!, tg, prev, false);
      if (any.result !== (moved ? 'need_resend' : 'no_action')) t.fail(`${epochs[i]} ${pg} (any change): ${any.result}, mapping moved: ${moved}`);
      if (legacy.result !== (primaryMoved ? 'need_resend' : 'no_action')) t.fail(`${epochs[i]} ${pg} (primary only): ${legacy.result}, primary moved: ${primaryMoved}`);
      if (moved) resends++;
      checked++;
    }
    t.pass(`${epochs[i - 1]} -> ${epochs[i]}: ${checked} PGs checked, ${resends} resent`);
  }
  // The kill of e28 moved PGs: the check above must have had something to decide.
  const killed = pgTargets(maps[1]!).filter(([pg]) => JSON.stringify(tool[1]!.get(pg)) !== JSON.stringify(tool[2]!.get(pg)));
  t.ok(killed.length > 0, `${killed.length} PGs moved when the OSD was killed`);
});

t.test('the placement cache answers as osdmaptool while the maps change under it', async (t) => {
  const cache = new PlacementCache();
  const maps = epochs.map((e) => decodeOSDMap(new Reader(readFileSync(mapFile(e)))));
  // Map after map through one cache, each PG twice (the second answer from the cache): a stale
  // entry would give the previous epoch's sets, and the kill of e28 moved PGs.
  for (let i = 0; i < maps.length; i++) {
    const tool = osdmaptoolMappings(mapFile(epochs[i]!));
    let same = 0;
    const targets = pgTargets(maps[i]!);
    for (const [pg, tg] of [...targets, ...targets]) {
      const st = calcTarget(maps[i]!, tg, undefined, false, cache).state!;
      const want = tool.get(pg)!;
      if (JSON.stringify([st.up, st.upPrimary, st.acting, st.actingPrimary]) === JSON.stringify([want.up, want.upPrimary, want.acting, want.actingPrimary])) same++;
    }
    t.equal(same, 2 * targets.length, `${epochs[i]}: every PG, asked twice, maps as osdmaptool maps it`);
  }
});

t.test('pause, full pool, deleted pool, forced resend', async (t) => {
  const m = decodeOSDMap(new Reader(readFileSync(mapFile(epochs[0]!))));
  const pool = [...m.pools.keys()].find((p) => m.pools.get(p)!.pgNum > 1)!;
  const read: OpTarget = { pool, oid: 'obj', nspace: '', key: '', locHash: -1, flags: CephOsdFlag.READ };
  const write: OpTarget = { ...read, flags: CephOsdFlag.WRITE };
  const base = calcTarget(m, write, undefined).state!;
  const next = (f: (x: OSDMap) => void): OSDMap => {
    const x = cloneOSDMap(m);
    x.epoch = m.epoch + 1;
    f(x);
    return x;
  };
  const paused = next((x) => (x.flags |= OsdMapFlag.PAUSEWR));
  const w = calcTarget(paused, write, base, true);
  t.same([w.result, w.state!.paused], ['no_action', true], 'pausewr holds writes');
  t.equal(calcTarget(paused, read, calcTarget(m, read, undefined).state, true).state!.paused, false, 'pausewr lets reads through');
  const unpaused = next((x) => (x.epoch += 1));
  t.equal(calcTarget(unpaused, write, w.state, true).result, 'need_resend', 'unpausing resends the held write');
  const full = next((x) => (x.pools.get(pool)!.flags |= PoolFlag.FULL));
  t.equal(calcTarget(full, write, base).state!.paused, true, 'a full pool holds writes');
  t.equal(calcTarget(full, { ...write, flags: CephOsdFlag.WRITE | CephOsdFlag.FULL_TRY }, base).state!.paused, false, 'FULL_TRY writes go to a full pool');
  const gone = next((x) => x.pools.delete(pool));
  t.same(calcTarget(gone, write, base), { state: undefined, result: 'pool_dne' }, 'a deleted pool');
  const forced = next((x) => (x.pools.get(pool)!.lastForceOpResend = x.epoch));
  t.equal(calcTarget(forced, write, base).result, 'need_resend', 'last_force_op_resend at this epoch resends');
  const forcedState = calcTarget(forced, write, base).state!;
  t.equal(calcTarget(forced, write, forcedState).result, 'no_action', 'but only once');
  t.equal(calcTarget(next(() => {}), write, base, true).result, 'no_action', 'an unrelated new epoch changes nothing');
});

t.test('MOSDMap feeding: first full map, a gap, nothing new', async (t) => {
  const bins = epochs.slice(0, 2).map((e) => readFileSync(mapFile(e)));
  const [e16, e22] = bins.map((b) => decodeOSDMap(new Reader(b))) as [OSDMap, OSDMap];
  const msg = (maps: [number, Buffer][], incs: [number, Buffer][] = []): MOSDMap => ({ fsid: e16.fsid, maps: new Map(maps), incrementalMaps: new Map(incs), oldestMap: 1, newestMap: 22, gapRemovedSnaps: [] });
  const first = feedOSDMap(undefined, msg([[16, bins[0]!]]));
  t.same([first.maps.map((m) => m.epoch), first.missingFrom], [[16], undefined], 'the first map');
  const jump = feedOSDMap(e16, msg([[22, bins[1]!]]));
  t.same([jump.maps.map((m) => m.epoch), jump.missingFrom], [[22], undefined], 'a full map past a gap is taken');
  const gap = feedOSDMap(e16, msg([], [[20, Buffer.alloc(0)]]));
  t.same([gap.maps.length, gap.missingFrom], [0, 17], 'an incremental past a gap asks for the missing epochs');
  t.same(feedOSDMap(e22, msg([[16, bins[0]!]])).maps, [], 'an older map changes nothing');
});
