/**
 * OSD_SLOW_PING_TIME_BACK/FRONT from ts-osd (issue 11, deliver 4): three ts-osd measure their
 * heartbeat round trips and report them as osd_stat_t hb_pingtime (averaged over
 * debug_heartbeat_testing_span = 2 s here instead of Ceph's minute); with mon_warn_on_slow_ping_time
 * at 0.001 ms every heartbeat is "slow", and `ceph health detail` says so in Ceph's words. With the
 * default threshold (mon_warn_on_slow_ping_ratio × osd_heartbeat_grace) there is no warning.
 * `ceph daemon osd.0 dump_osd_network 0` lists its peers' times.
 */
import t from 'tap';
import { appendFileSync } from 'node:fs';
import { requireBinary, waitFor } from '@ts-ceph/testkit';
import { json } from './mon-lib';
import { bootstrapTsCluster } from './osd-cluster-lib';

t.test('3 ts-osd: slow heartbeat warnings from their ping times', async (t) => {
  requireBinary('ceph');
  const c = await bootstrapTsCluster(3);
  t.teardown(() => c.cleanup());
  let r = await c.tsCeph(['down', '--dir', c.dir]);
  t.equal(r.code, 0, r.stderr);
  appendFileSync(c.conf, '\n[osd]\ndebug_heartbeat_testing_span = 2\n');
  r = await c.tsCeph(['start', '--dir', c.dir]);
  t.equal(r.code, 0, `ts-ceph start: ${r.stderr}`);

  // Reported ping times reach the PG map: every OSD has its two peers' averages.
  await waitFor(
    async () => {
      const d = json<{ osd_stats: { osd: number; hb_peers: number[] }[] }>(await c.ceph(['pg', 'dump', 'osds', '-f', 'json']));
      return d.osd_stats.length === 3 && d.osd_stats.every((o) => o.hb_peers.length === 2);
    },
    60_000,
    'hb_peers in pg dump osds',
    1_000,
  );
  let detail = (await c.ceph(['health', 'detail'])).stdout;
  t.notMatch(detail, /SLOW_PING/, `no warning under the default threshold: ${detail}`);

  r = await c.ceph(['config', 'set', 'global', 'mon_warn_on_slow_ping_time', '0.001']);
  t.equal(r.code, 0, r.stderr);
  // Each OSD's next report (mgr_stats_period) brings its pairs under the new threshold: wait for all
  // six (from, to) pairs on both sides, not just the first warning.
  const pairLines = (d: string): number => (d.match(/ {4}Slow OSD heartbeats on (back|front) from /g) ?? []).length;
  await waitFor(async () => pairLines((detail = (await c.ceph(['health', 'detail'])).stdout)) === 12, 30_000, 'slow ping warnings for every pair', 1_000).catch(() => undefined);
  for (const side of ['back', 'front']) {
    t.match(detail, new RegExp(`\\[WRN\\] OSD_SLOW_PING_TIME_${side.toUpperCase()}: Slow OSD heartbeats on ${side} \\(longest \\d+\\.\\d{3}ms\\)\\n`), `${side}: the summary as 16.2.15 words it:\n${detail}`);
    const lines = detail.match(new RegExp(` {4}Slow OSD heartbeats on ${side} from osd\\.\\d \\[[^\\]]*\\] to osd\\.\\d \\[[^\\]]*\\] \\d+\\.\\d{3} msec( possibly improving)?\\n`, 'g')) ?? [];
    t.equal(lines.length, 6, `${side}: one detail line per (from, to) pair of 3 OSDs`);
  }
  // The OSD's own view (dump_osd_network 0: every peer whose averages were taken), as 16.2.15 keys it
  // (the root section's name, network_ping_times, is not printed).
  const net = json<{ threshold: number; entries: { 'from osd': number; 'to osd': number; interface: string; average: Record<string, number> }[] }>(await c.ceph(['daemon', 'osd.0', 'dump_osd_network', '0']));
  t.equal(net.threshold, 0);
  t.same(net.entries.map((e) => `${e['from osd']}>${e['to osd']} ${e.interface}`).sort(), ['0>1 back', '0>1 front', '0>2 back', '0>2 front'], 'dump_osd_network: both peers, both interfaces');
  t.same(Object.keys(net.entries[0]?.average ?? {}), ['1min', '5min', '15min']);
  r = await c.ceph(['config', 'rm', 'global', 'mon_warn_on_slow_ping_time']);
  t.equal(r.code, 0, r.stderr);
  await waitFor(async () => !/SLOW_PING/.test((detail = (await c.ceph(['health', 'detail'])).stdout)), 30_000, 'warning cleared', 1_000).catch(() => undefined);
  t.notMatch(detail, /SLOW_PING/, 'the warning clears with the default threshold again');
});
