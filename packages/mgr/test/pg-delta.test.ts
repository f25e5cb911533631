/**
 * The PG map's rate windows (PGMap::update_delta, client_io_rate_summary): sums taken at ticks,
 * the first one only a baseline, the window capped at mon_stat_smooth_intervals, each tick's
 * duration capped at twice mon_delta_reset_interval; expected rates computed by hand.
 */
import t from 'tap';
import { newObjectStatSum, ObjectStatSumT } from '@ts-ceph/maps';
import { StatDelta, clientIoText, onelineIoText } from '../src';

const CONF = { smoothIntervals: 2, resetIntervalSec: 10 };

function sum(rd: number, rdKb: number, wr: number, wrKb: number): ObjectStatSumT {
  const s = newObjectStatSum();
  Object.assign(s, { num_rd: rd, num_rd_kb: rdKb, num_wr: wr, num_wr_kb: wrKb, num_objects: 1 });
  return s;
}

t.test('rates over the smoothed window', async (t) => {
  const d = new StatDelta();
  d.update(1_000, sum(10, 40, 0, 0), CONF);
  t.equal(d.clientIo(), undefined, 'the first sum is only a baseline');
  d.update(3_000, sum(30, 120, 4, 16), CONF);
  // 20 reads and 80 KiB read, 4 writes and 16 KiB written in 2 s.
  t.same(d.clientIo(), { readOpPerSec: 10, writeOpPerSec: 2, opPerSec: 12, readBytesSec: 40960, writeBytesSec: 8192 });
  d.update(5_000, sum(30, 120, 10, 40), CONF);
  // Window: the last two deltas, 4 s: 20 reads, 10 writes, 80 KiB read, 40 KiB written.
  t.same(d.clientIo(), { readOpPerSec: 5, writeOpPerSec: 2, opPerSec: 7, readBytesSec: 20480, writeBytesSec: 10240 });
  d.update(7_000, sum(30, 120, 10, 40), CONF);
  // Window: 6 writes in 4 s, no reads: the read bytes are left out as Ceph prints them.
  t.same(d.clientIo(), { readOpPerSec: 0, writeOpPerSec: 1, opPerSec: 1, writeBytesSec: 6144 });
  d.update(9_000, sum(30, 120, 10, 40), CONF);
  t.equal(d.clientIo(), undefined, 'idle for a whole window: no io line');
  d.update(109_000, sum(30, 120, 30, 40), CONF);
  // A 100 s gap counts as 20 s (2 * mon_delta_reset_interval); window 22 s, 20 writes.
  t.same(d.clientIo(), { readOpPerSec: 0, writeOpPerSec: 0, opPerSec: 0, writeBytesSec: 0 });
  t.equal(d.deltaSec, 22);
});

t.test('the printed forms (client_io_rate_summary, print_oneline_summary)', async (t) => {
  const r = { readOpPerSec: 10, writeOpPerSec: 2, opPerSec: 12, readBytesSec: 40960, writeBytesSec: 8192 };
  t.equal(clientIoText(r), '40 KiB/s rd, 8 KiB/s wr, 10 op/s rd, 2 op/s wr');
  t.equal(clientIoText({ readOpPerSec: 0, writeOpPerSec: 1, opPerSec: 1, writeBytesSec: 6144 }), '6 KiB/s wr, 0 op/s rd, 1 op/s wr');
  t.equal(onelineIoText(r), '; 40 KiB/s rd, 8 KiB/s wr, 12 op/s');
  t.equal(clientIoText(undefined) + onelineIoText(undefined), '');
});
