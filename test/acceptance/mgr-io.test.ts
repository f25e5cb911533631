/**
 * Client I/O rates from ts-osd (issue 11, deliver 2): ts-osd counts each PG's client reads and
 * writes in pg_stat_t (num_rd/num_rd_kb/num_wr/num_wr_kb, as PrimaryLogPG::do_osd_ops does) and
 * sends them in MPGStats, so during a `rados bench 10 write` `ceph -s` has an `io:` section and
 * `ceph osd pool stats` the pool's client io, within a factor of 2 of what rados bench reports (its average
 * below, its best second above: the mgr's rate window can be shorter than the bench).
 * The text forms are those of a real 16.2.15 cluster under the same bench (the reference cluster,
 * ../shared/ceph-ref: "    client:   5.0 MiB/s wr, 0 op/s rd, 1 op/s wr" and "pool bench id 2\n
 * client io 9.3 MiB/s wr, 0 op/s rd, 2 op/s wr").
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { requireBinary, run, waitFor } from '@ts-ceph/testkit';
import { json } from './mon-lib';
import { bootstrapTsCluster } from './osd-cluster-lib';

/**
 * Polls `status` twice a second until stdin closes; prints the sample with the highest client write
 * rate (write_bytes_sec of the JSON form) with the plain `status` and `osd pool stats q` texts taken then.
 */
const pollScript = `
import json, select, sys, time, rados
c = rados.Rados(conffile=sys.argv[1])
c.connect()
def cmd(**kw):
    r, out, err = c.mon_command(json.dumps(kw), b'')
    return out.decode()
def mgr(**kw):
    r, out, err = c.mgr_command(json.dumps(kw), b'')
    return out.decode()
best, status, pool = 0, '', ''
while not select.select([sys.stdin], [], [], 0.5)[0]:
    rate = json.loads(cmd(prefix='status', format='json'))['pgmap'].get('write_bytes_sec', 0)
    if rate > best:
        best, status, pool = rate, cmd(prefix='status'), mgr(prefix='osd pool stats', pool_name='q')
c.shutdown()
print(json.dumps({'best': best, 'status': status, 'pool': pool}))
`;

/** byteU's units, as a factor of one byte. */
const units: Record<string, number> = { B: 1, KiB: 1024, MiB: 1 << 20, GiB: 1 << 30 };

t.test('ts-osd: ceph -s and osd pool stats show rados bench\'s writes', async (t) => {
  for (const b of ['ceph', 'rados']) requireBinary(b);
  const c = await bootstrapTsCluster(1);
  t.teardown(() => c.cleanup());
  for (const args of [['osd', 'pool', 'create', 'q', '8'], ['osd', 'pool', 'application', 'enable', 'q', 'rados']]) {
    const r = await c.ceph(args);
    t.equal(r.code, 0, `ceph ${args.join(' ')}: ${r.stderr.trim()}`);
  }
  // The mgr takes no rate from a cluster sum that was all zeros (PGMap::update_global_delta: "skip
  // calculating delta while sum was not synchronized"), so the first report that holds the bench's
  // writes would be dropped from the window. A real cluster's sum is never zero by then (the
  // devicehealth module's pool holds objects); one object written and reported first does the same.
  const seed = await run('rados', ['-c', c.conf, '-p', 'q', 'put', 'seed', c.conf]);
  t.equal(seed.code, 0, `rados put seed: ${seed.stderr.trim()}`);
  const pgWrites = async (): Promise<number> =>
    json<{ pg_map: { pg_stats: { stat_sum: { num_write: number } }[] } }>(await c.ceph(['pg', 'dump', '-f', 'json'])).pg_map.pg_stats.reduce((n, p) => n + p.stat_sum.num_write, 0);
  await waitFor(async () => (await pgWrites()) >= 1, 30_000, 'the seed write reported', 500);
  // One mgr tick (mgr_tick_period 2 s) more, so the window's last sum is the seeded one.
  await new Promise((r) => setTimeout(r, 3_000));
  // 64 KiB writes, at most 40000 objects (2.4 GiB): 4 MiB ones at a fast host's ~500 MB/s filled the
  // 4 GiB device within 10 s (ENOSPC, rados bench exit 1).
  const bench = spawn('rados', ['-c', c.conf, '-p', 'q', 'bench', '10', 'write', '-b', '65536', '--max-objects', '40000', '--no-cleanup'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let benchErr = '';
  bench.stderr.on('data', (b: Buffer) => (benchErr += b.toString()));
  let benchOut = '';
  bench.stdout.on('data', (b: Buffer) => (benchOut += b.toString()));
  const exited = new Promise<number | null>((resolve) => bench.on('exit', resolve));
  t.teardown(() => void (bench.exitCode === null && bench.kill('SIGKILL')));

  // Sample while the bench runs and a little after: the mgr's rate averages over its last ticks
  // (mon_stat_smooth_intervals), so the highest sample is the one whose window holds the most of
  // the bench's writes. One python3-rados session polls (a `ceph` CLI call takes seconds here).
  const poller = spawn('/usr/bin/python3', ['-c', pollScript, c.conf], { stdio: ['pipe', 'pipe', 'pipe'] });
  let pollOut = '';
  poller.stdout.on('data', (b: Buffer) => (pollOut += b.toString()));
  const polled = new Promise<number | null>((resolve) => poller.on('exit', resolve));
  t.teardown(() => void (poller.exitCode === null && poller.kill('SIGKILL')));
  await exited;
  await new Promise((r) => setTimeout(r, 8_000));
  poller.stdin.end();
  t.equal(await polled, 0, 'the poller ran');
  const { best, status: statusText, pool: poolText } = JSON.parse(pollOut) as { best: number; status: string; pool: string };
  t.equal(await exited, 0, `rados bench ran: ${benchErr.slice(-600)}`);
  const mb = /Bandwidth \(MB\/sec\):\s+([\d.]+)/.exec(benchOut);
  t.ok(mb, `rados bench reports its bandwidth: ${benchOut.slice(-600)}`);
  const benchBytesSec = Number(mb?.[1] ?? 0) * 1e6;
  const benchMaxBytesSec = Number(/Max bandwidth \(MB\/sec\):\s+([\d.]+)/.exec(benchOut)?.[1] ?? 0) * 1e6;
  t.comment(`rados bench ${(benchBytesSec / 1e6).toFixed(1)} MB/s (max ${(benchMaxBytesSec / 1e6).toFixed(1)}); ceph -s at most ${(best / 1e6).toFixed(1)} MB/s`);
  // The mgr's window can be shorter than the bench (a report every mgr_stats_period lands in one
  // mgr tick), so its best sample is held to the bench's average below and its best second above.
  t.ok(best >= benchBytesSec / 2 && best <= Math.max(benchBytesSec, benchMaxBytesSec) * 2, `ceph -s write rate ${best} B/s within a factor of 2 of rados bench's ${benchBytesSec} (max ${benchMaxBytesSec})`);

  // Rates of 1000 and more print with a prefix, as Ceph's si_u_t does: "1.22k op/s wr".
  const io = /\n {2}io:\n {4}client: {3}([\d.]+) (B|KiB|MiB|GiB)\/s wr, [\d.]+[kMG]? op\/s rd, ([\d.]+)[kMG]? op\/s wr\n/.exec(statusText);
  t.ok(io, `ceph -s has the io: section as 16.2.15 prints it:\n${statusText}`);
  if (io) t.ok(Number(io[1]) * units[io[2]!]! > 0 && Number(io[3]) > 0, 'with write bytes and ops');
  t.match(poolText, /^pool q id \d+\n {2}client io [\d.]+ (B|KiB|MiB|GiB)\/s wr, [\d.]+[kMG]? op\/s rd, [\d.]+[kMG]? op\/s wr\n/, `osd pool stats, as 16.2.15 prints it:\n${poolText}`);
  // Each object is one [set-alloc-hint, write] op: one num_write, as a 16.2.15 OSD counts it; and
  // rados bench writes its benchmark_last_metadata object at the end (one write-full); the seed is one more.
  const objects = Number(/Total writes made:\s+(\d+)/.exec(benchOut)?.[1] ?? -1) + 2;
  let writes = -1;
  await waitFor(
    async () => {
      writes = await pgWrites();
      return writes === objects;
    },
    20_000,
    'pg dump num_write',
    1_000,
  ).catch(() => undefined);
  t.equal(writes, objects, 'pg dump: one num_write per object rados bench wrote, one for its metadata object and one for the seed');
});
