/**
 * The OSD's boot/beacon/map-wait decisions (core/osd-service.ts) on a fake clock: boot once on the
 * first map, boot again when a map shows us down, a beacon at most every osd_beacon_report_interval
 * and only while up and connected, ops from a client ahead of us wait, a map message with a gap asks
 * for the missing epochs.
 */
import t from 'tap';
import { CEPH_FEATURES_ALL } from '@ts-ceph/denc';
import { OSDMap, OsdState, encodeOSDMap, newOSDMap } from '@ts-ceph/maps';
import { OsdService, applyMapMessage } from '../src/core/osd-service';

function mapAt(epoch: number, up: boolean): OSDMap {
  const m = newOSDMap();
  m.epoch = epoch;
  m.maxOsd = 1;
  m.osdState = [up ? OsdState.EXISTS | OsdState.UP : OsdState.EXISTS];
  return m;
}

t.test('boot, beacons, waiting ops', (t) => {
  const s = new OsdService(0, 1000);
  const pgs = [{ pool: 1, seed: 0 }];
  let d = s.onMap(mapAt(3, false), 0, true, pgs);
  t.same(d.map((x) => x.kind), ['boot', 'retry-waiting-ops'], 'first map: boot, no beacon while down');
  d = s.onMap(mapAt(4, true), 10, true, pgs);
  t.same(d.map((x) => x.kind), ['beacon', 'retry-waiting-ops'], 'up: a beacon at once');
  t.same(d[0], { kind: 'beacon', epoch: 4, pgs });
  t.same(s.onTick(mapAt(4, true), 500, true, pgs), [], 'no beacon before the interval');
  t.same(s.onTick(mapAt(4, true), 1010, false, pgs), [], 'no beacon without the monitor');
  t.same(s.onTick(mapAt(4, true), 1011, true, pgs).map((x) => x.kind), ['beacon'], 'a beacon after the interval');
  d = s.onMap(mapAt(5, false), 1100, true, pgs);
  t.same(d.map((x) => x.kind), ['boot', 'retry-waiting-ops'], 'marked down: boot again');
  t.equal(s.admitOp(mapAt(5, true), 6), 'wait', 'a client ahead of us waits');
  t.equal(s.admitOp(mapAt(5, true), 5), 'run');
  t.equal(s.admitOp(undefined, 1), 'wait', 'no map yet: wait');
  t.end();
});

t.test('map messages: the newest full map, following incrementals, gaps', (t) => {
  const enc = (m: OSDMap): Buffer => encodeOSDMap(m, CEPH_FEATURES_ALL);
  const r = applyMapMessage(undefined, { maps: new Map([[7, enc(mapAt(7, true))], [6, enc(mapAt(6, true))]]), incrementalMaps: new Map() });
  t.equal(r.map?.epoch, 7, 'the newest full map');
  t.equal(r.missingFrom, undefined);
  const same = applyMapMessage(r.map, { maps: new Map([[5, enc(mapAt(5, true))]]), incrementalMaps: new Map() });
  t.equal(same.map, r.map, 'an older map changes nothing');
  t.end();
});
