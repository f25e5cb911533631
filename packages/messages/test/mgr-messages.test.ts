/**
 * The mgr session messages (MMgrOpen, MMgrConfigure, MMgrReport, MMgrCommand(Reply), MPGStats).
 * The captures have no bytes of them (only their summaries: ceph-traces/daemons/v-mgr-reports.md),
 * so each front is built here by hand from the layouts in src/messages/MMgr*.h and MPGStats.h; the
 * pg_stat_t, osd_stat_t and store_statfs_t inside MPGStats are samples from the Ceph object corpus.
 * Each decodes to the expected fields, re-encodes byte-identically and refuses every truncation
 * with a typed error.
 */
import t, { Test } from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '@ts-ceph/common';
import { MessageCodec } from '@ts-ceph/messenger';
import { MMgrCommand, MMgrCommandCodec, MMgrCommandReplyCodec, MMgrConfigureCodec, MMgrOpen, MMgrOpenCodec, MMgrReport, MMgrReportCodec, MPGStats, MPGStatsCodec, unpackPerfValues, PerfCounterTypeBits, decodeConfigBl, encodeConfigBl, decodeConfigDefaultsBl, encodeConfigDefaultsBl, confLevelName, ConfLevel } from '../src';
import { DencError } from '@ts-ceph/denc';
import { checkTruncations, codecMessage } from './frames';

const msg = codecMessage;
const splits = (t: Test, c: MessageCodec<unknown>, front: Buffer) => checkTruncations(t, c, front, { prefixMayDecode: true });

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const str = (s: string) => Buffer.concat([Buffer.from([s.length, 0, 0, 0]), Buffer.from(s)]);
const u32 = (n: number) => Buffer.from([n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24]);

function corpus(type: string): Buffer {
  const dir = join(sharedDir(), 'ceph-object-corpus', '16.2.0', 'objects', type);
  return readFileSync(join(dir, readdirSync(dir).sort()[0]!));
}

t.test('MMgrOpen v3: an OSD, and a service daemon with metadata and status', async (t) => {
  const osd = Buffer.concat([str('0'), str(''), hex('00'), u32(0), u32(0)]);
  const c = MMgrOpenCodec as MessageCodec<unknown>;
  const o = MMgrOpenCodec.decode(msg(c, osd), 0n) as MMgrOpen;
  t.same([o.daemonName, o.serviceName, o.serviceDaemon], ['0', '', false]);
  t.ok(MMgrOpenCodec.encode(o, 0n).front.equals(osd), 're-encodes byte-identically');
  const svc = Buffer.concat([str('d1'), str('rgw'), hex('01'), u32(1), str('hostname'), str('h1'), u32(1), str('state'), str('up'), u32(2), hex('abcd'), u32(0)]);
  const s = MMgrOpenCodec.decode(msg(c, svc), 0n) as MMgrOpen;
  t.same([s.daemonName, s.serviceName, s.serviceDaemon, s.daemonMetadata, s.daemonStatus, s.configBl.toString('hex')], ['d1', 'rgw', true, [['hostname', 'h1']], [['state', 'up']], 'abcd']);
  t.ok(MMgrOpenCodec.encode(s, 0n).front.equals(svc));
  const v1 = MMgrOpenCodec.decode(msg(c, str('x'), 1), 0n) as MMgrOpen;
  t.same([v1.daemonName, v1.serviceDaemon], ['x', false], 'v1 carries only the name');
  splits(t, c, svc);
});

t.test('MMgrConfigure v4: period, threshold, no queries, no metric config', async (t) => {
  const front = hex('05000000 05000000 00000000 00');
  const c = MMgrConfigureCodec as MessageCodec<unknown>;
  const m = MMgrConfigureCodec.decode(msg(c, front), 0n);
  t.same(m, { statsPeriod: 5, statsThreshold: 5 });
  t.ok(MMgrConfigureCodec.encode(m, 0n).front.equals(front));
  t.same(MMgrConfigureCodec.decode(msg(c, hex('02000000'), 1), 0n), { statsPeriod: 2, statsThreshold: 0 }, 'v1: the period only');
});

t.test('MMgrReport v9: one declared counter and its packed value', async (t) => {
  // PerfCounterType v3: path, description, nick, type (U64|COUNTER), priority 5, unit 0.
  const type = Buffer.concat([hex('03 01'), u32(4 + 6 + 4 + 4 + 3), str('osd.op'), str(''), str(''), hex('0a 05 00')]);
  const packed = Buffer.concat([hex('01 01'), u32(8), hex('0700000000000000')]);
  const front = Buffer.concat([str('0'), u32(1), type, u32(packed.length), packed, u32(0), str(''), hex('00'), u32(0), u32(0), u32(0), hex('00'), hex('00')]);
  const c = MMgrReportCodec as MessageCodec<unknown>;
  const r = MMgrReportCodec.decode(msg(c, front), 0n) as MMgrReport;
  t.same(r.declareTypes, [{ path: 'osd.op', description: '', nick: '', type: PerfCounterTypeBits.U64 | PerfCounterTypeBits.COUNTER, priority: 5, unit: 0 }]);
  t.same(unpackPerfValues(r.packed, r.declareTypes), [[7n]]);
  t.equal(r.daemonStatus, undefined);
  t.ok(MMgrReportCodec.encode(r, 0n).front.equals(front), 're-encodes byte-identically');
  splits(t, c, front);
});

t.test('MMgrCommand and MMgrCommandReply', async (t) => {
  const fsid = hex('3ec9b697905f4b08a7adb9c925da7c87');
  const cmd = '{"prefix": "pg stat", "target": ["mon-mgr", ""]}';
  const front = Buffer.concat([fsid, u32(1), str(cmd)]);
  const c = MMgrCommandCodec as MessageCodec<unknown>;
  const m = MMgrCommandCodec.decode(msg(c, front), 0n) as MMgrCommand;
  t.same([m.fsid, m.cmd], ['3ec9b697-905f-4b08-a7ad-b9c925da7c87', [cmd]]);
  t.ok(MMgrCommandCodec.encode(m, 0n).front.equals(front));
  const rep = Buffer.concat([hex('f3ffffff'), str('no')]);
  const rc = MMgrCommandReplyCodec as MessageCodec<unknown>;
  const r = MMgrCommandReplyCodec.decode(msg(rc, rep, 1, Buffer.from('out')), 0n);
  t.same([r.r, r.rs, r.outbl.toString()], [-13, 'no', 'out']);
  t.ok(MMgrCommandReplyCodec.encode(r, 0n).front.equals(rep));
});

t.test('MPGStats v2 around corpus pg_stat_t, osd_stat_t and store_statfs_t samples', async (t) => {
  const paxos = hex('0000000000000000 ffff 0000000000000000');
  const fsid = hex('3ec9b697905f4b08a7adb9c925da7c87');
  const pgt = hex('01 0300000000000000 1a000000 ffffffff');
  const front = Buffer.concat([paxos, fsid, corpus('osd_stat_t'), u32(1), pgt, corpus('pg_stat_t'), u32(21), hex('0000000000000000'), u32(1), hex('0300000000000000'), corpus('store_statfs_t')]);
  const c = MPGStatsCodec as MessageCodec<unknown>;
  const m = MPGStatsCodec.decode(msg(c, front), 0n) as MPGStats;
  t.same(m.pgStat.map(([pg]) => pg), [{ pool: 3, seed: 0x1a }]);
  t.equal(m.epoch, 21);
  t.same(m.poolStat.map(([p]) => p), [3]);
  t.ok(m.osdStat.numOsds >= 1, 'num_osds 0 reads as 1 (MPGStats::decode_payload)');
  const again = MPGStatsCodec.encode(m, 0n).front;
  t.same(MPGStatsCodec.decode(msg(c, again), 0n), m, 'decodes to the same message after re-encoding');
  const v1 = front.subarray(0, front.length - 4 - 8 - corpus('store_statfs_t').length);
  t.same((MPGStatsCodec.decode(msg(c, v1, 1), 0n) as MPGStats).poolStat, [], 'v1 has no pool_stat');
  splits(t, c, front);
});

t.test('config_bl and config_defaults_bl (md_config_t::get_config_bl / get_defaults_bl)', async (t) => {
  // Built by hand from config.cc: u32 count, then per option its name, u32 level count and
  // (i32 level, string value) pairs in level order; then ignored_mon_values (map<string,string>).
  const le32 = (n: number): string => Buffer.from(new Uint32Array([n]).buffer).toString('hex');
  const str = (s: string): string => le32(s.length) + Buffer.from(s).toString('hex');
  const bl = hex(le32(2) + str('osd_heartbeat_grace') + le32(2) + le32(1) + str('10') + le32(2) + str('6') + str('osd_max_backfills') + le32(1) + le32(1) + str('3') + le32(1) + str('osd_op_queue') + str('mclock'));
  const c = decodeConfigBl(bl);
  t.same([...c.values].map(([n, m]) => [n, [...m]]), [
    ['osd_heartbeat_grace', [[1, '10'], [2, '6']]],
    ['osd_max_backfills', [[1, '3']]],
  ]);
  t.same([...c.ignoredMon], [['osd_op_queue', 'mclock']]);
  t.ok(encodeConfigBl(c).equals(bl), 're-encodes byte-identically');
  for (let n = 0; n < bl.length; n++) t.throws(() => decodeConfigBl(bl.subarray(0, n)), DencError, `truncated at ${n}`);
  t.throws(() => decodeConfigBl(hex(le32(0xffffffff))), DencError, 'an absurd count is refused before anything is read');
  const d = hex(le32(2) + str('a') + str('1') + str('b') + str('x y'));
  t.same([...decodeConfigDefaultsBl(d)], [['a', '1'], ['b', 'x y']]);
  t.ok(encodeConfigDefaultsBl([['b', 'x y'], ['a', '1']]).equals(d), 'defaults in name order, as the schema map is');
  t.equal(confLevelName(ConfLevel.OVERRIDE), 'override');
  t.equal(confLevelName(9), '???');
});
