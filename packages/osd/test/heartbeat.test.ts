/**
 * The heartbeat core (core/heartbeat.ts) on whole-millisecond time: which peers are pinged, when a
 * silent peer is reported (after the grace, failed since its last reply), the cancel when it answers
 * again, an immediate report for a refused connection, no reports after our own stall, and the
 * YOU_DIED verdict for a pinger our map has down.
 */
import t from 'tap';
import { OSDMap, OsdState, newOSDMap, newOsdInfo } from '@ts-ceph/maps';
import { HeartbeatCore, HeartbeatOutput, answerPing, chooseHeartbeatPeers } from '../src/core/heartbeat';

/** A map with OSDs 0..n-1; `down` ones exist but are not up; up_from is `upFrom[o]` (default 1). */
function mapOf(epoch: number, n: number, down: number[] = [], upFrom: Record<number, number> = {}): OSDMap {
  const m = newOSDMap();
  m.epoch = epoch;
  m.maxOsd = n;
  m.osdState = [...Array(n).keys()].map((o) => (down.includes(o) ? OsdState.EXISTS : OsdState.EXISTS | OsdState.UP));
  m.osdInfo = [...Array(n).keys()].map((o) => ({ ...newOsdInfo(), upFrom: upFrom[o] ?? 1, downAt: down.includes(o) ? epoch : 0 }));
  return m;
}

const kinds = (o: HeartbeatOutput[]) => o.map((x) => `${x.kind}:${x.osd}`);
const conf = { intervalMs: 1000, graceMs: 6000, minPeers: 10 };

t.test('peers: PG peers, up neighbours by id, then more up to min_peers; never ourselves or down OSDs', async (t) => {
  const m = mapOf(5, 8, [3]);
  t.same(chooseHeartbeatPeers(m, 2, 10, []), [0, 1, 4, 5, 6, 7], 'few OSDs: all the other up ones');
  t.same(chooseHeartbeatPeers(m, 2, 0, []), [1, 4], 'min_peers 0: the next (3 is down, so 4) and previous neighbours');
  t.same(chooseHeartbeatPeers(m, 7, 0, []), [0, 6], 'the next neighbour of the last wraps to the first');
  t.same(chooseHeartbeatPeers(m, 2, 0, [6, 2, 3]), [1, 4, 6], 'PG peers join (not ourselves, not the down osd.3)');
  t.same(chooseHeartbeatPeers(mapOf(1, 1), 0, 10, []), [], 'alone: nobody');
});

t.test('a silent peer is reported after the grace, failed since its last reply, and cancelled when it answers', async (t) => {
  const h = new HeartbeatCore(0, conf);
  t.same(kinds(h.onMap(mapOf(3, 3), [])), ['connect:1', 'connect:2']);
  t.same(kinds(h.tick(1000)), ['ping:1', 'ping:2'], 'the first round pings both');
  for (const ch of ['back', 'front'] as const) {
    t.same(h.reply(1, ch, 1000, 1010), []);
    t.same(h.reply(2, ch, 1000, 1012), []);
  }
  let now = 1000;
  // osd.2 goes silent after the first round; osd.1 keeps answering.
  let reported: HeartbeatOutput[] = [];
  while (!reported.length && now < 20_000) {
    now += 1000;
    const out = h.tick(now);
    reported = out.filter((o) => o.kind === 'failure');
    for (const ch of ['back', 'front'] as const) h.reply(1, ch, now, now + 5);
  }
  t.equal(now, 9000, 'reported at the first round after the oldest unanswered ping (sent at 2000) passed its deadline (8000)');
  t.same(reported, [{ kind: 'failure', osd: 2, failedForSec: 7 }].map((r) => ({ ...r, immediate: false })), 'failed for the time since its last reply (1012)');
  t.same(h.tick(10_000).filter((o) => o.kind === 'failure'), [], 'reported once, not every round');
  t.same(h.reply(2, 'back', 5000, 10_001), [], 'one channel answering is not healthy yet');
  t.same(h.reply(2, 'front', 9500, 10_002), [], 'a stamp we did not send is ignored');
  t.same(h.reply(2, 'front', 5000, 10_003), [{ kind: 'still-alive', osd: 2 }], 'both channels answered: older pings count as answered, the next deadline is ahead, the report is cancelled');
  t.same(h.reply(2, 'back', 6000, 10_004), [], 'cancelled once');
});

t.test('a map that shows our previous incarnation up (a restart) makes no peers and no reports until we are up again', async (t) => {
  const h = new HeartbeatCore(0, conf);
  t.same(kinds(h.onMap(mapOf(3, 3), [], false)), [], 'the stored map: not pinging from it');
  t.same(h.refused(1), [], 'a refused connection is not reported');
  t.same(h.tick(1000), [], 'no rounds');
  t.same(kinds(h.onMap(mapOf(5, 3, [], { 0: 5 }), [], true)), ['connect:1', 'connect:2'], 'up at our own addresses: heartbeats start');
});

t.test('refused connections are reported at once; a new incarnation starts fresh; a map with the peer down forgets it', async (t) => {
  const h = new HeartbeatCore(0, conf);
  h.onMap(mapOf(3, 2), []);
  t.same(h.refused(1), [{ kind: 'failure', osd: 1, failedForSec: 7, immediate: true }], 'FLAG_IMMEDIATE, failed_for = grace + 1');
  t.same(h.refused(5), [], 'not a peer of ours');
  t.same(kinds(h.onMap(mapOf(4, 2, [1]), [])), ['disconnect:1'], 'marked down: no longer pinged');
  t.same(h.refused(1), [], 'nothing to report about a down peer');
  t.same(kinds(h.onMap(mapOf(6, 2, [], { 1: 6 }), [])), ['connect:1'], 'up again: pinged again');
  t.same(kinds(h.onMap(mapOf(8, 2, [], { 1: 8 }), [])), ['disconnect:1', 'connect:1'], 'a new up_from replaces the record');
  t.same(kinds(h.onMap(mapOf(9, 2, [0]), [])), ['disconnect:1'], 'we are down: no peers');
  t.same(h.tick(100_000), [], 'and no pings');
});

t.test('marked down ourselves, we forget our peers: back up, a peer silent since before gets a fresh grace', async (t) => {
  // The simulation's seeds 3702, 5743 and 9342: an OSD partitioned from a peer crashed (or was
  // marked down) and came back once the network had healed; reports built on stamps from before
  // got the healthy peer marked down after the heal. OSD::shutdown and reset_heartbeat_peers after
  // a markdown start over; so does this core.
  const h = new HeartbeatCore(0, conf);
  h.onMap(mapOf(3, 2), []);
  h.tick(1000);
  for (const ch of ['back', 'front'] as const) h.reply(1, ch, 1000, 1010);
  for (let now = 2000; now <= 5000; now += 1000) t.same(kinds(h.tick(now)), ['ping:1'], `osd.1 silent at ${now}, within the grace`);
  t.same(kinds(h.onMap(mapOf(4, 2, [0]), [])), ['disconnect:1'], 'we are marked down: every record goes');
  t.same(h.tick(6000), []);
  t.same(h.tick(7000), []);
  t.same(kinds(h.onMap(mapOf(5, 2, [], { 0: 5 }), [])), ['connect:1'], 'up again: a new record');
  t.same(kinds(h.tick(8000)), ['ping:1'], 'past the old ping\'s deadline (8000) but nothing reported: the record is new');
  for (let now = 9000; now <= 14_000; now += 1000) t.same(kinds(h.tick(now)), ['ping:1'], `no report at ${now}`);
  t.same(h.tick(15_000).filter((o) => o.kind === 'failure'), [{ kind: 'failure', osd: 1, failedForSec: 7, immediate: false }], 'still silent: reported a grace after the new first ping, failed since it (8000)');
});

t.test('after our own stall the missing replies are not blamed on the peers', async (t) => {
  const h = new HeartbeatCore(0, conf);
  h.onMap(mapOf(3, 2), []);
  h.tick(1000);
  h.reply(1, 'back', 1000, 1001);
  h.reply(1, 'front', 1000, 1001);
  h.tick(2000);
  // SIGSTOP for 20 s: the next round comes long after every deadline.
  t.same(kinds(h.tick(22_000)), ['ping:1'], 'no report, a fresh ping');
  t.same(kinds(h.tick(23_000)), ['ping:1']);
  t.same(h.pendingFailures(23_000), [], 'nothing pending');
});

t.test('answerPing: YOU_DIED to a sender our map has down since after its map', async (t) => {
  const m = mapOf(10, 3, [2]);
  t.same(answerPing(m, 1, 9), { youDied: false }, 'an up sender');
  t.same(answerPing(m, 2, 9), { youDied: true }, 'down at e10, it pinged with e9');
  t.same(answerPing(m, 2, 10), { youDied: false }, 'it already has the map that marks it down');
  t.same(answerPing(m, 7, 1), { youDied: true }, 'no such OSD');
  t.same(answerPing(undefined, 1, 1), { youDied: false }, 'no map yet');
});
