/**
 * The OSD → mon messages: field values of the ones in the captured osd.0 boot stream (as the real
 * daemons logged them in ceph-traces/daemons/i-osd-create-boot.msglog), and for the ones the capture
 * has no bytes of (osd_failure, MOSDMarkMeDown, MOSDMarkMeDead, osd_pgtemp) fronts built here by hand
 * from the layouts in src/messages/MOSD*.h, whose sizes match the capture's (87, 84, 42 bytes).
 * Every front also decodes split at every byte boundary only as DencError/CephError.
 */
import t, { Test } from 'tap';
import { join } from 'node:path';
import { formatPg } from '@ts-ceph/maps';
import { fuzzDecodeTest, mutate } from '@ts-ceph/testkit';
import { CephMessage, MessageCodec } from '@ts-ceph/messenger';
import {
  MOSDAlive,
  MOSDAliveCodec,
  MOSDBeacon,
  MOSDBeaconCodec,
  MOSDBoot,
  MOSDBootCodec,
  MOSDFailure,
  MOSDFailureCodec,
  MOSDFailureFlag,
  MOSDMarkMeDead,
  MOSDMarkMeDeadCodec,
  MOSDMarkMeDown,
  MOSDMarkMeDownCodec,
  MOSDPGCreate2,
  MOSDPGCreate2Codec,
  MOSDPGCreated,
  MOSDPGCreatedCodec,
  MOSDPGTemp,
  MOSDPGTempCodec,
} from '../src';
import { checkTruncations, codecMessage } from './frames';
import { messagesOfStream, tracesDir } from './stream-messages';

const stream = join(tracesDir, 'daemons', 'streams', 'pcap-osd0-boot-mon.01.c2s.bin');

const messages = (): CephMessage[] => messagesOfStream(stream);

const msg = codecMessage;
/** Every prefix of `front` must decode cleanly or fail with a typed error. */
const splits = (t: Test, c: MessageCodec<unknown>, front: Buffer) => checkTruncations(t, c, front, { prefixMayDecode: true });

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
/** PaxosServiceMessage head: le64 version, le16 -1, le64 0. */
const paxos = (v: number) => Buffer.concat([Buffer.from([v, 0, 0, 0, 0, 0, 0, 0]), hex('ffff 0000000000000000')]);
const FSID = hex('3ec9b697905f4b08a7adb9c925da7c87');
/** entity_addrvec_t with one msgr2 addr 127.0.0.1:7408 nonce 29675 (0x73eb). */
const ADDRVEC = hex('02 01000000  01 01 01 1c000000  02000000 eb730000 10000000 0200 1cf0 7f000001 0000000000000000');

t.test('osd_boot, osd_beacon, osd_alive, osd_pg_created from the osd.0 boot capture', async (t) => {
  const all = messages();
  const boot = all.filter((m) => m.type === MOSDBootCodec.type).map((m) => MOSDBootCodec.decode(m, 0n) as MOSDBoot);
  t.equal(boot.length, 1);
  const b = boot[0]!;
  t.equal(MOSDBootCodec.describe!(b), 'osd_boot(osd.0 booted 0 features 4540138314316775423 v6)', 'as the OSD logged it');
  t.equal(b.sb.whoami, 0);
  t.equal(b.sb.clusterFsid, b.sb.clusterFsid.toLowerCase());
  t.ok(b.metadata.get('ceph_version')?.includes('16.2.15'), `metadata ceph_version ${b.metadata.get('ceph_version')}`);
  t.equal(b.hbBackAddrs.length, 1);
  t.equal(b.clusterAddrs[0]!.type, 2, 'msgr2 cluster addr');
  splits(t, MOSDBootCodec as MessageCodec<unknown>, all.find((m) => m.type === MOSDBootCodec.type)!.front);

  const beacon = all.filter((m) => m.type === MOSDBeaconCodec.type).map((m) => MOSDBeaconCodec.decode(m, 0n) as MOSDBeacon)[0]!;
  t.same(beacon.pgs, []);
  t.equal(beacon.osdBeaconReportIntervalSec, 300);
  t.equal(beacon.lastPurgedSnapsScrub.sec > 0, true);

  const alive = all.filter((m) => m.type === MOSDAliveCodec.type).map((m) => MOSDAliveCodec.decode(m, 0n) as MOSDAlive);
  t.ok(alive.length >= 1);
  for (const a of alive) t.equal(MOSDAliveCodec.describe!(a), `osd_alive(want up_thru ${a.want} have ${a.paxos.version})`);

  const created = all.filter((m) => m.type === MOSDPGCreatedCodec.type).map((m) => MOSDPGCreatedCodec.decode(m, 0n) as MOSDPGCreated);
  t.ok(created.length > 0);
  t.match(MOSDPGCreatedCodec.describe!(created[0]!), /^osd_pg_created\(\d+\.[0-9a-f]+\)$/);
});

t.test('osd_failure: hand-built 87-byte front', async (t) => {
  const front = Buffer.concat([paxos(27), FSID, hex('01000000'), ADDRVEC, hex('1b000000 03 15000000')]);
  t.equal(front.length, 87, 'size as captured');
  const f = MOSDFailureCodec.decode(msg(MOSDFailureCodec as MessageCodec<unknown>, front), 0n) as MOSDFailure;
  t.equal(f.targetOsd, 1);
  t.equal(f.epoch, 27);
  t.equal(f.flags, MOSDFailureFlag.FAILED | MOSDFailureFlag.IMMEDIATE);
  t.equal(f.failedForSec, 21);
  t.equal(f.targetAddrs[0]!.nonce, 29675);
  t.equal(MOSDFailureCodec.describe!(f), 'osd_failure(failed immediate osd.1 for 21sec e27 v27)');
  t.ok(MOSDFailureCodec.encode(f, 0n).front.equals(front), 're-encodes byte-identically');
  splits(t, MOSDFailureCodec as MessageCodec<unknown>, front);
  t.throws(() => MOSDFailureCodec.decode(msg(MOSDFailureCodec as MessageCodec<unknown>, front, 3), 0n), { name: 'CephError' }, 'pre-octopus v3 refused');
});

t.test('MOSDMarkMeDown v4 and v3, MOSDMarkMeDead: hand-built fronts', async (t) => {
  const front = Buffer.concat([paxos(43), FSID, hex('02000000'), ADDRVEC, hex('2b000000 01 00')]);
  t.equal(front.length, 84, 'size as captured');
  const c = MOSDMarkMeDownCodec as MessageCodec<unknown>;
  const d = MOSDMarkMeDownCodec.decode(msg(c, front), 0n) as MOSDMarkMeDown;
  t.same([d.targetOsd, d.epoch, d.requestAck, d.downAndDead], [2, 43, true, false]);
  t.ok(MOSDMarkMeDownCodec.encode(d, 0n).front.equals(front));
  const v3 = MOSDMarkMeDownCodec.decode(msg(c, front.subarray(0, 83), 3), 0n) as MOSDMarkMeDown;
  t.same([v3.requestAck, v3.downAndDead], [true, false], 'v3 has no down_and_dead');
  splits(t, c, front);

  const dead = Buffer.concat([paxos(30), FSID, hex('01000000 1e000000')]);
  t.equal(dead.length, 42, 'size as captured');
  const m = MOSDMarkMeDeadCodec.decode(msg(MOSDMarkMeDeadCodec as MessageCodec<unknown>, dead), 0n) as MOSDMarkMeDead;
  t.same([m.targetOsd, m.epoch], [1, 30]);
  t.ok(MOSDMarkMeDeadCodec.encode(m, 0n).front.equals(dead));
  splits(t, MOSDMarkMeDeadCodec as MessageCodec<unknown>, dead);
});

t.test('osd_pgtemp: hand-built front, entries in pg_t order, [] clears', async (t) => {
  const pg = (pool: number, seed: number) => Buffer.concat([hex('01'), Buffer.from([pool, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([seed, 0, 0, 0]), hex('ffffffff')]);
  const front = Buffer.concat([paxos(22), hex('16000000'), hex('02000000'), pg(2, 0x1a), hex('02000000 00000000 02000000'), pg(3, 4), hex('00000000'), hex('00')]);
  const c = MOSDPGTempCodec as MessageCodec<unknown>;
  const p = MOSDPGTempCodec.decode(msg(c, front), 0n) as MOSDPGTemp;
  t.equal(p.mapEpoch, 22);
  t.same(p.pgTemp, [
    [{ pool: 2, seed: 0x1a }, [0, 2]],
    [{ pool: 3, seed: 4 }, []],
  ]);
  t.equal(MOSDPGTempCodec.describe!(p), 'osd_pgtemp(e22 {2.1a=[0,2],3.4=[]} v22)');
  t.ok(MOSDPGTempCodec.encode({ ...p, pgTemp: [...p.pgTemp].reverse() }, 0n).front.equals(front), 'encoded in pg_t order');
  splits(t, c, front);
  // A hostile count is refused before any allocation.
  const huge = Buffer.concat([paxos(22), hex('16000000 ffffff7f')]);
  t.throws(() => MOSDPGTempCodec.decode(msg(c, huge), 0n));
});

t.test('mutated fronts decode or fail with a typed error (fuzz)', async (t) => {
  const fronts: [MessageCodec<unknown>, Buffer][] = messages()
    .filter((m) => [MOSDBootCodec, MOSDBeaconCodec, MOSDAliveCodec, MOSDPGCreatedCodec].some((c) => c.type === m.type))
    .map((m) => [[MOSDBootCodec, MOSDBeaconCodec, MOSDAliveCodec, MOSDPGCreatedCodec].find((c) => c.type === m.type) as MessageCodec<unknown>, m.front]);
  fronts.push([MOSDFailureCodec as MessageCodec<unknown>, Buffer.concat([paxos(27), FSID, hex('01000000'), ADDRVEC, hex('1b000000 03 15000000')])]);
  fronts.push([MOSDMarkMeDownCodec as MessageCodec<unknown>, Buffer.concat([paxos(43), FSID, hex('02000000'), ADDRVEC, hex('2b000000 01 00')])]);
  fuzzDecodeTest(t, {
    bases: fronts,
    cases: 300 * fronts.length,
    mutate: (rng, [c, front]): [MessageCodec<unknown>, Buffer] => [c, mutate(rng, front)],
    decode: ([c, front]) => void c.decode(msg(c, front), 0n),
    show: ([c, front]) => `${c.name} front ${front.toString('hex').slice(0, 200)}`,
  });
});

t.test('pg_create2 (mon → OSD) from the capture', async (t) => {
  const fronts = messagesOfStream(stream.replace('c2s', 's2c')).filter((m) => m.type === MOSDPGCreate2Codec.type);
  t.ok(fronts.length > 0, `${fronts.length} pg_create2`);
  for (const f of fronts) {
    const p = MOSDPGCreate2Codec.decode(f, 0n) as MOSDPGCreate2;
    t.ok(p.pgs.length > 0 && p.pgs.every(([, v]) => v.created > 0 && v.created <= p.epoch), MOSDPGCreate2Codec.describe!(p));
    t.same(p.pgExtra.map(([s]) => formatPg(s.pgid)), p.pgs.map(([s]) => formatPg(s.pgid)), 'pg_extra for the same PGs');
    t.ok(MOSDPGCreate2Codec.encode(p, 0n).front.equals(f.front), 're-encodes byte-identically');
  }
  splits(t, MOSDPGCreate2Codec as MessageCodec<unknown>, fronts[0]!.front);
});
