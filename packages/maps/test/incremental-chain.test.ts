/**
 * OSDMap::Incremental against real traffic: the incrementals a 16.2.15 monitor sent a booting OSD
 * (ceph-traces/daemons/streams) decode, re-encode byte for byte, and applied one after another from an
 * empty map reproduce every epoch's full-map crc that the monitor put in each incremental, and the
 * full map the monitor also sent, byte for byte. This is the check a real OSD makes before it
 * trusts an incremental.
 */
import t from 'tap';
import { join } from 'node:path';
import { CEPH_FEATURES_ALL, Reader } from '@ts-ceph/denc';
import { applyIncremental, decodeIncremental, decodeOSDMap, encodeIncremental, encodeOSDMap, encodePending, newOSDMap, newIncremental, newPendingIncremental, OSDMap, pendingOsdCreate } from '../src';
import { MSG_OSD_MAP, splitMOSDMap, streamMessages, traces } from './lib/traces';

const msgs = streamMessages(join(traces, 'daemons/streams/pcap-osd0-boot-mon.01.s2c.bin')).filter((m) => m.type === MSG_OSD_MAP);
const incs = new Map<number, Buffer>();
const fulls = new Map<number, Buffer>();
for (const m of msgs) {
  const s = splitMOSDMap(m.front);
  for (const [e, b] of s.incrementals) incs.set(e, b);
  for (const [e, b] of s.fulls) fulls.set(e, b);
}

t.test('the chain e1..e15', async (t) => {
  const epochs = [...incs.keys()].sort((a, b) => a - b);
  t.same(epochs, Array.from({ length: 15 }, (_, i) => i + 1), 'the stream holds incrementals 1..15');
  let m: OSDMap = newOSDMap();
  for (const e of epochs) {
    const bytes = incs.get(e)!;
    const r = new Reader(bytes);
    const inc = decodeIncremental(r);
    r.expectEnd();
    t.equal(inc.epoch, e);
    t.ok(inc.haveCrc, `e${e} carries crcs`);
    t.same(encodeIncremental(inc, inc.encodeFeatures), bytes, `e${e} incremental re-encodes byte for byte`);
    m = applyIncremental(m, inc);
    const full = encodeOSDMap(m, inc.encodeFeatures);
    t.equal(m.crc, inc.fullCrc, `e${e}: the applied map's crc is the monitor's full_crc`);
    const sent = fulls.get(e);
    if (sent) t.same(full, sent, `e${e}: the applied map equals the full map the monitor sent`);
  }
  t.equal(m.epoch, 15);
});

t.test('the full map e7 alone decodes and re-encodes', async (t) => {
  const b = fulls.get(7)!;
  const m = decodeOSDMap(new Reader(b));
  t.same(encodeOSDMap(m, CEPH_FEATURES_ALL), b);
});

t.test('apply_incremental refuses what Ceph refuses', async (t) => {
  const m = newOSDMap();
  m.epoch = 5;
  m.fsid = 'a6c7bebf-40b0-47a7-a6ea-2967e3d757b1';
  const wrongEpoch = newIncremental(7);
  wrongEpoch.fsid = m.fsid;
  t.throws(() => applyIncremental(m, wrongEpoch), { code: 'EINVAL' }, 'an epoch that does not follow');
  const wrongFsid = newIncremental(6);
  wrongFsid.fsid = '00000000-0000-0000-0000-000000000001';
  t.throws(() => applyIncremental(m, wrongFsid), { code: 'EINVAL' }, 'another cluster');
  const badOsd = newIncremental(6);
  badOsd.fsid = m.fsid;
  badOsd.newWeight.set(3, 0x10000);
  t.throws(() => applyIncremental(m, badOsd), { code: 'EINVAL' }, 'an OSD beyond max_osd');
  t.equal(m.epoch, 5, 'the input map is untouched');
});

t.test('encodePending rebuilds the monitor\'s own incrementals', async (t) => {
  // e2..e4 are `ceph osd new` (an OSD id, its uuid, in and NEW); e5, e6 carry new CRUSH maps.
  let m = newOSDMap();
  for (let e = 1; e <= 6; e++) {
    const real = decodeIncremental(new Reader(incs.get(e)!));
    if (e >= 2 && e <= 4) {
      const inc = newPendingIncremental(m, real.modified);
      const [[osd, uuid]] = [...real.newUuid.entries()];
      pendingOsdCreate(inc, m, osd!, uuid!);
      const out = encodePending(m, inc);
      t.same(out.incremental, incs.get(e), `e${e}: osd.${osd} created: the incremental is the monitor's, byte for byte`);
      t.equal(out.features, real.encodeFeatures, 'encoded with the map\'s encoding features');
    }
    if (e === 5 || e === 6) {
      const inc = newPendingIncremental(m, real.modified);
      inc.crush = real.crush;
      t.same(encodePending(m, inc).incremental, incs.get(e), `e${e}: a new CRUSH map, byte for byte`);
    }
    m = applyIncremental(m, real);
  }
});
