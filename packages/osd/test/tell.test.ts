/**
 * The pure tell-command core: the descriptions we serve are entry for entry those of a real 16.2.15
 * ceph-osd (test/fixtures/ceph-osd-16.2.15-command-descriptions.json, its get_command_descriptions
 * reply), the asok dispatcher's errors, bench's limits with Ceph's texts, the runtime config, the
 * op tracker's dump, the map-share decision, and the MCommand/MCommandReply codecs against bytes
 * built here by hand from src/messages/MCommand*.h.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Errno } from '@ts-ceph/common';
import { CephMessage } from '@ts-ceph/messenger';
import { MCommandCodec, MCommandReplyCodec } from '@ts-ceph/messages';
import { planBench, byteU, benchWrites } from '../src/core/tell/bench';
import { OsdConfig, parseOptionValue } from '../src/core/tell/osd-config';
import { OpTracker } from '../src/core/tell/op-tracker';
import { OsdPerfCounters } from '../src/core/tell/perf';
import { TellHost, TellOutcome, runTell } from '../src/core/tell/tell';
import { MapHistory, mapHistoryLimits } from '../src/core/map-history';

const fixture = join(__dirname, '..', '..', 'test', 'fixtures', 'ceph-osd-16.2.15-command-descriptions.json');

const rows = [
  { name: 'debug_osd', type: 'str', default: '1/5', daemon_default: '' },
  { name: 'osd_max_object_size', type: 'size', default: 134217728, daemon_default: '' },
  { name: 'osd_bench_max_block_size', type: 'size', default: 67108864, daemon_default: '' },
  { name: 'osd_bench_duration', type: 'uint', default: 30, daemon_default: '' },
  { name: 'osd_bench_small_size_max_iops', type: 'uint', default: 100, daemon_default: '' },
  { name: 'osd_bench_large_size_max_throughput', type: 'size', default: 104857600, daemon_default: '' },
  { name: 'osd_op_num_shards', type: 'int', default: 0, daemon_default: '' },
];

function host(conf: Record<string, string> = {}): TellHost {
  return {
    status: () => ({ clusterFsid: 'c', osdFsid: 'o', whoami: 3, state: 'active', oldestMap: 5, newestMap: 9, numPgs: 8 }),
    config: new OsdConfig(rows, (n) => conf[n]),
    tracker: new OpTracker(),
    perf: new OsdPerfCounters(),
    mappedPools: () => [1, 4],
    flushPgStats: () => (5n << 32n) + 1n,
    nowMs: () => 1_700_000_000_000,
  };
}

function reply(o: TellOutcome): { r: number; rs: string; out: string } {
  if (!('reply' in o)) throw new Error('expected a reply');
  return { r: o.reply.r, rs: o.reply.rs, out: o.reply.outbl.toString() };
}

const tell = (cmd: object | string, h = host()) => reply(runTell([typeof cmd === 'string' ? cmd : JSON.stringify(cmd)], h));

t.test('every served descriptor is the real OSD entry of the same prefix', async (t) => {
  const real = Object.values(JSON.parse(readFileSync(fixture, 'utf8')) as Record<string, { sig: unknown[]; help: string }>);
  const ours = Object.values(JSON.parse(tell({ prefix: 'get_command_descriptions' }).out) as Record<string, { sig: unknown[]; help: string }>);
  t.equal(ours.length, 26);
  for (const d of ours) {
    const words = d.sig.filter((w) => typeof w === 'string').join(' ');
    const match = real.find((r) => JSON.stringify(r) === JSON.stringify(d));
    t.ok(match, `${words} is served as a 16.2.15 OSD publishes it`);
  }
  const help = JSON.parse(tell({ prefix: 'help' }).out) as Record<string, string>;
  t.equal(help['config get'], 'config get <field>: get the config value');
});

t.test('the dispatcher answers as AdminSocket::execute_command', async (t) => {
  t.same(tell({ prefix: 'version' }).out, '{\n    "version": "16.2.15",\n    "release": "pacific",\n    "release_type": "stable"\n}\n');
  t.same(tell({ prefix: 'version', format: 'json' }).out, '{"version":"16.2.15","release":"pacific","release_type":"stable"}');
  t.same(tell({ prefix: 'bogus' }), { r: -Errno.EINVAL, rs: 'unknown command prefix bogus', out: '' });
  t.same(tell('notjson'), { r: -Errno.EINVAL, rs: 'invalid json', out: '' });
  t.same(tell({ prefix: 'config get' }), { r: -Errno.EINVAL, rs: 'invalid command json', out: '' });
  t.same(tell({ prefix: 'config set', var: 'debug_osd', val: '4' }), { r: -Errno.EINVAL, rs: 'invalid command json', out: '' }, 'n=N wants a list');
  t.same(tell({ prefix: 'bench', count: 'x' }), { r: -Errno.EINVAL, rs: 'invalid command json', out: '' });
  const st = JSON.parse(tell({ prefix: 'status' }).out) as object;
  t.same(st, { cluster_fsid: 'c', osd_fsid: 'o', whoami: 3, state: 'active', oldest_map: 5, cluster_osdmap_trim_lower_bound: 5, newest_map: 9, num_pgs: 8 });
  t.equal(tell({ prefix: 'flush_pg_stats' }).out, '21474836481', 'a bare number, as the real OSD prints it');
  t.equal(tell({ prefix: 'get_mapped_pools' }).out, '[\n    1,\n    4\n]\n');
  const perf = JSON.parse(tell({ prefix: 'perf dump', logger: 'osd', counter: 'op_w' }).out) as object;
  t.same(perf, { osd: { op_w: 0 } });
  const schema = JSON.parse(tell({ prefix: 'perf schema' }).out) as { osd: Record<string, unknown> };
  // The entries as osd_perf_counters.cc declares them (type bits U64|COUNTER, TIME|LONGRUNAVG).
  t.same(schema.osd.op, { type: 10, metric_type: 'counter', value_type: 'integer', description: 'Client operations', nick: 'ops', priority: 10, units: 'none' });
  t.same(schema.osd.op_r_latency, { type: 5, metric_type: 'gauge', value_type: 'real-integer-pair', description: 'Latency of read operation (including queue time)', nick: '', priority: 5, units: 'none' });
  t.same(Object.keys(schema.osd), Object.keys((JSON.parse(tell({ prefix: 'perf dump' }).out) as { osd: object }).osd), 'a schema entry per counter');
});

t.test('config get/set/unset with Ceph texts', async (t) => {
  const h = host({ osd_op_num_shards: '2' });
  t.equal(tell({ prefix: 'config get', var: 'osd_op_num_shards' }, h).out, '{\n    "osd_op_num_shards": "2"\n}\n', 'ceph.conf over the default');
  t.same(JSON.parse(tell({ prefix: 'config set', var: 'debug_osd', val: ['5'] }, h).out), { success: '' });
  t.same(JSON.parse(tell({ prefix: 'config get', var: 'debug_osd' }, h).out), { debug_osd: '5/5' });
  t.same(JSON.parse(tell({ prefix: 'config set', var: 'osd_max_object_size', val: ['4M'] }, h).out), { success: "osd_max_object_size = '4194304' " });
  t.same(tell({ prefix: 'config get', var: 'nope' }, h), { r: -Errno.ENOENT, rs: "error getting 'nope': (2) No such file or directory", out: '' });
  t.same(tell({ prefix: 'config set', var: 'nope', val: ['1'] }, h), { r: -Errno.ENOENT, rs: "error setting 'nope' to '1': (2) No such file or directory", out: '' });
  t.same(tell({ prefix: 'config set', var: 'osd_bench_duration', val: ['1.5'] }, h), { r: -Errno.EINVAL, rs: "error setting 'osd_bench_duration' to '1.5': (22) Invalid argument", out: '' });
  t.same(tell({ prefix: 'config unset', var: 'nope' }, h), { r: -Errno.EINVAL, rs: "error unsetting 'nope': (22) Invalid argument", out: '' });
  t.equal(tell({ prefix: 'config unset', var: 'osd_max_object_size' }, h).out, '{}\n');
  t.equal(h.config.get('osd_max_object_size'), '134217728');
  t.equal(parseOptionValue(rows[0]!, '3/7'), '3/7');
  t.equal(parseOptionValue(rows[0]!, 'x'), undefined);
  t.equal(parseOptionValue(rows[1]!, '2KiB'), '2048');
});

t.test('bench limits and results as OSD::asok_command', async (t) => {
  const l = { maxBlockSize: 64 << 20, durationSec: 30, smallSizeMaxIops: 100, largeSizeMaxThroughput: 100 << 20 };
  t.same(planBench({}, l), { count: 2 ** 30, bsize: 4 << 20, objectSize: 0, objectNum: 0 });
  t.throws(() => planBench({ count: 100_000_000, size: 4096 }, l), {
    errno: Errno.EINVAL,
    message: "'count' values greater than 12288000 for a block size of 4 KiB, assuming 100 IOPS, for 30 seconds, can cause ill effects on osd.  Please adjust 'osd_bench_small_size_max_iops' with a higher value if you wish to use a higher 'count'.",
  });
  t.throws(() => planBench({ count: 10_000_000_000, size: 4 << 20 }, l), {
    message: "'count' values greater than 3145728000 for a block size of 4 MiB, assuming 100 MiB/s, for 30 seconds, can cause ill effects on osd.  Please adjust 'osd_bench_large_size_max_throughput' with a higher value if you wish to use a higher 'count'.",
  });
  t.throws(() => planBench({ size: 128 << 20 }, l), { message: "block 'size' values are capped at 64 MiB. If you wish to use a higher value, please adjust 'osd_bench_max_block_size'" });
  t.equal(planBench({ count: 1024, size: 2048, object_size: 1024, object_num: 5 }, l).bsize, 1024, 'the block shrinks to the object size');
  t.same([byteU(4096), byteU(1536), byteU(100 << 20), byteU(512)], ['4 KiB', '1.50 KiB', '100 MiB', '512 B']);
  t.same(
    benchWrites({ count: 8192, bsize: 4096, objectSize: 0, objectNum: 0 }, () => 0),
    [
      { name: 'disk_bw_test_0', offset: 0 },
      { name: 'disk_bw_test_4096', offset: 0 },
    ],
  );
  const o = runTell([JSON.stringify({ prefix: 'bench', count: 8192, size: 4096 })], host());
  if (!('bench' in o)) throw new Error('bench must return a plan');
  t.same(JSON.parse(o.finish(0.5).outbl.toString()), { bytes_written: 8192, blocksize: 4096, elapsed_sec: 0.5, bytes_per_sec: 16384, iops: 4 });
});

t.test('the op tracker dumps ops in flight in OpTracker shape', async (t) => {
  const tr = new OpTracker();
  const id = tr.start({ description: 'osd_op(client.4100.0:7 1.0 ...)', client: 'client.4100', clientAddr: '127.0.0.1:0/1', tid: 7n }, 1_000);
  tr.mark(id, 'started', 1_250);
  const h = { ...host(), tracker: tr, nowMs: () => 1_500 };
  const d = JSON.parse(tell({ prefix: 'dump_ops_in_flight' }, h).out) as { ops: Record<string, unknown>[]; num_ops: number };
  t.equal(d.num_ops, 1);
  t.match(d.ops[0], { description: 'osd_op(client.4100.0:7 1.0 ...)', initiated_at: '1970-01-01T00:00:01.000000+0000', age: 0.5, type_data: { flag_point: 'started', client_info: { client: 'client.4100', tid: 7 } } });
  t.same(
    (d.ops[0]!.type_data as { events: unknown[] }).events,
    [
      { event: 'initiated', time: '1970-01-01T00:00:01.000000+0000', duration: 0 },
      { event: 'started', time: '1970-01-01T00:00:01.250000+0000', duration: 0.25 },
    ],
  );
  t.same(JSON.parse(tell({ prefix: 'dump_blocked_ops' }, h).out), { ops: [], complaint_time: 30, num_blocked_ops: 0 });
  tr.done(id);
  t.same(JSON.parse(tell({ prefix: 'ops' }, h).out), { ops: [], num_ops: 0 });
});

t.test('an op description given as a function is built only when a dump shows the op', async (t) => {
  const tr = new OpTracker();
  let built = 0;
  const info = () => (built++, { description: 'osd_op(client.4100.0:8 1.0 ...)', client: 'client.4100', clientAddr: '127.0.0.1:0/1', tid: 8n });
  tr.done(tr.start(info, 1_000));
  tr.start(info, 1_000);
  t.equal(built, 0, 'not built while nobody looks');
  const h = { ...host(), tracker: tr, nowMs: () => 1_500 };
  const d = JSON.parse(tell({ prefix: 'dump_ops_in_flight' }, h).out) as { ops: Record<string, unknown>[] };
  t.match(d.ops[0], { description: 'osd_op(client.4100.0:8 1.0 ...)', type_data: { client_info: { client: 'client.4100', tid: 8 } } });
  tell({ prefix: 'dump_ops_in_flight' }, h);
  t.equal(built, 1, 'built once, for the op still in flight');
});

t.test('map sharing: incrementals when we have them, else the full map', async (t) => {
  const h = new MapHistory();
  t.same(h.plan(5, 5), { kind: 'none' });
  t.same(h.plan(4, 5), { kind: 'full', epoch: 5 }, 'no incrementals yet');
  for (let e = 6; e <= 8; e++) h.addIncremental(e, Buffer.from([e]));
  t.same(h.plan(5, 8), { kind: 'incrementals', epochs: [6, 7, 8] });
  t.same(h.plan(4, 8), { kind: 'full', epoch: 8 });
  for (let e = 9; e <= 200; e++) h.addIncremental(e, Buffer.from([e & 0xff]));
  t.same(h.plan(150, 200), { kind: 'incrementals', epochs: Array.from({ length: mapHistoryLimits.shareEpochsMax }, (_, i) => 161 + i) }, 'at most osd_map_share_max_epochs');
  t.equal(h.oldestShareable, 200 - mapHistoryLimits.incrementalsKeptMax);
});

function msg(type: number, front: Buffer, data: Buffer): CephMessage {
  return { type, version: 1, compatVersion: 1, priority: 127, tid: 9n, dataOff: 0, seq: 1, front, middle: Buffer.alloc(0), data };
}

t.test('MCommand and MCommandReply against hand-built fronts', async (t) => {
  const cmd = '{"prefix":"version"}';
  const fsid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(cmd.length);
  const front = Buffer.concat([fsid, Buffer.from([1, 0, 0, 0]), len, Buffer.from(cmd)]);
  const m = MCommandCodec.decode(msg(97, front, Buffer.from('in')), 0n);
  t.same(m, { fsid: '00112233-4455-6677-8899-aabbccddeeff', cmd: [cmd], inbl: Buffer.from('in') });
  t.same(MCommandCodec.encode(m, 0n).front, front);
  const rfront = Buffer.from([0xea, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0x6e, 0x6f]);
  const r = MCommandReplyCodec.decode(msg(98, rfront, Buffer.from('out')), 0n);
  t.same(r, { r: -22, rs: 'no', outbl: Buffer.from('out') });
  const enc = MCommandReplyCodec.encode(r, 0n);
  t.same([enc.front, enc.data], [rfront, Buffer.from('out')]);
  t.equal(MCommandCodec.type, 97);
  t.equal(MCommandReplyCodec.type, 98);
});
