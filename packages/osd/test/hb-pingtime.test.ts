/**
 * osd_stat_t's hb_pingtime as OSD::handle_osd_ping fills it, checked against real 16.2.0 OSDs'
 * reports in the corpus (ceph-object-corpus/16.2.0/objects/osd_stat_t): in the first minute only
 * back_last/front_last are set (last_update 0, averages 0), as sample 1d480ff5...; after it the
 * 1/5/15 windows hold averages between their minima and maxima, maxima growing and minima shrinking
 * with the window. Ours goes through the real osd_stat_t codec (v14) and back unchanged.
 */
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '@ts-ceph/common';
import { Reader, Writer } from '@ts-ceph/denc';
import { HbInterfaces, JsonFormatter, decodeOsdStatT, encodeOsdStatT, newOsdStat } from '@ts-ceph/maps';
import { HbPingTimes, hbPingLimits } from '../src/core/hb-pingtime';
import { dumpOsdNetwork, osdNetworkThresholdUs } from '../src/core/tell/osd-network';

const corpusDir = join(sharedDir(), 'ceph-object-corpus', '16.2.0', 'objects', 'osd_stat_t');
const corpus = readdirSync(corpusDir).map((f) => [f, decodeOsdStatT(new Reader(readFileSync(join(corpusDir, f))))] as const);

/** The shape a real OSD's entry has once it averaged at least one interval. */
function windowsConsistent(t: { ok(v: boolean, m: string): unknown }, i: HbInterfaces, what: string): void {
  for (const ch of ['back', 'front'] as const) {
    const [avg, min, max] = [i[`${ch}Pingtime`], i[`${ch}Min`], i[`${ch}Max`]];
    for (let w = 0; w < 3; w++) t.ok(min[w]! <= avg[w]! && avg[w]! <= max[w]!, `${what} ${ch}[${w}]: min <= avg <= max`);
    t.ok(max[0]! <= max[1]! && max[1]! <= max[2]!, `${what} ${ch}: maxima grow with the window`);
    t.ok(min[0]! >= min[1]! && min[1]! >= min[2]!, `${what} ${ch}: minima shrink with the window`);
  }
}

t.test('before the first interval ends only the last round trips are reported, as a real OSD does', async (t) => {
  const real = corpus.find(([f]) => f.startsWith('1d480ff5'))![1].hbPingtime[0]![1];
  const p = new HbPingTimes(60);
  p.sent(1, 1000, 1000.25);
  p.reply(1, 'back', 1000, 1000.5, 1_700_000_000);
  t.same(p.pingtimes(), [], 'one channel answered: nothing yet');
  p.reply(1, 'front', 1000, 1000.75, 1_700_000_000);
  const [[osd, ours]] = p.pingtimes() as [[number, HbInterfaces]];
  t.equal(osd, 1);
  t.same({ ...ours, backLast: 0, frontLast: 0 }, { ...real, backLast: 0, frontLast: 0 }, 'zeros but the last times, as the corpus sample');
  t.same([ours.backLast, ours.frontLast], [250, 500], 'microseconds since the ping left');
});

t.test('interval averages into the 1/5/15 windows (hb_vector_size 16, the first fills the ring)', async (t) => {
  const p = new HbPingTimes(2);
  const round = (stamp: number, back: number, front: number): void => {
    p.sent(2, stamp, stamp);
    p.reply(2, 'back', stamp, stamp + back, 1_700_000_000 + stamp / 1000);
    p.reply(2, 'front', stamp, stamp + front, 1_700_000_000 + stamp / 1000);
  };
  round(0, 1, 2);
  round(1000, 3, 2);
  round(2000, 2, 2); // the interval (2 s) is over: avg of 1, 3, 2 ms
  let e = p.pingtimes()[0]![1];
  t.same([e.backPingtime, e.backMin, e.backMax, e.backLast, e.lastUpdate], [[2000, 2000, 2000], [1000, 1000, 1000], [3000, 3000, 3000], 2000, 1_700_000_002]);
  round(3000, 5, 1);
  round(4500, 5, 1);
  e = p.pingtimes()[0]![1];
  t.same(e.backPingtime, [5000, 2600, 2200], 'newest interval; (5 + 4*2)/5; (5 + 14*2)/15 ms');
  t.same([e.backMin, e.backMax], [[5000, 1000, 1000], [5000, 5000, 5000]]);
  t.same(e.frontPingtime, [1000, 1800, 1933]);
  windowsConsistent(t, e, 'ours');
  for (const [f, s] of corpus) for (const [osd, i] of s.hbPingtime) if (i.lastUpdate) windowsConsistent(t, i, `corpus ${f.slice(0, 8)} osd.${osd}`);

  const stat = { ...newOsdStat(), hbPeers: [2], hbPingtime: p.pingtimes() };
  const w = new Writer();
  encodeOsdStatT(w, stat);
  t.same(decodeOsdStatT(new Reader(w.finish())).hbPingtime, stat.hbPingtime, 'through osd_stat_t v14 and back');
  p.forget(2);
  t.same(p.pingtimes(), [], 'a peer no longer pinged is dropped');
});

t.test('unanswered pings are bounded; a late answer to a forgotten one counts nothing', async (t) => {
  const p = new HbPingTimes(60);
  for (let i = 0; i <= hbPingLimits.pingsTrackedMax; i++) p.sent(3, i, i);
  p.reply(3, 'back', 0, 500, 0);
  p.reply(3, 'front', 0, 500, 0);
  t.same(p.pingtimes(), []);
  p.reply(3, 'back', 1, 501, 0);
  p.reply(3, 'front', 1, 501, 0);
  t.equal(p.pingtimes()[0]![1].backLast, 500_000);
});

t.test('dump_osd_network lists the peers at or over the threshold, longest first, as 16.2.15', async (t) => {
  const entry = (back: number, front: number, lastUpdate = 1_765_000_000): HbInterfaces => ({ lastUpdate, backPingtime: [back, back, back - 1], backMin: [100, 90, 80], backMax: [back + 5, back + 5, back + 5], backLast: back, frontPingtime: [front, front, front], frontMin: [1, 1, 1], frontMax: [front + 1, front + 1, front + 1], frontLast: front });
  const f = new JsonFormatter(false);
  dumpOsdNetwork(f, { whoami: 0, pingtimes: [[1, entry(552, 2100)], [2, entry(1500, 999)], [3, entry(9000, 9000, 0)]], thresholdUs: 1000, nowSec: 1_765_000_700, staleSec: 600 });
  const out = f.toString();
  t.same(JSON.parse(out), {
    threshold: 1,
    entries: [
      { 'last update': 'Sat Dec  6 05:46:40 2025', stale: true, 'from osd': 0, 'to osd': 1, interface: 'front', average: { '1min': 2.1, '5min': 2.1, '15min': 2.1 }, min: { '1min': 2.101, '5min': 2.101, '15min': 2.101 }, max: { '1min': 2.101, '5min': 2.101, '15min': 2.101 }, last: 2.1 },
      { 'last update': 'Sat Dec  6 05:46:40 2025', stale: true, 'from osd': 0, 'to osd': 2, interface: 'back', average: { '1min': 1.5, '5min': 1.5, '15min': 1.499 }, min: { '1min': 1.505, '5min': 1.505, '15min': 1.505 }, max: { '1min': 1.505, '5min': 1.505, '15min': 1.505 }, last: 1.5 },
    ],
  }, 'a peer never averaged (last_update 0) is left out; "min" repeats the maxima as Ceph does');
  t.match(out, /"1min":2\.100,/, 'three decimals, unquoted (fixed_u_to_string)');
  t.equal(osdNetworkThresholdUs(undefined, 0, 0.05, 20), 1_000_000, 'ratio × grace without mon_warn_on_slow_ping_time');
  t.equal(osdNetworkThresholdUs(undefined, 0.5, 0.05, 20), 500);
  t.equal(osdNetworkThresholdUs(0, 0.5, 0.05, 20), 0, 'an explicit 0 lists every peer');
});
