/**
 * ParkingLot on a SimClock with stub transports: a parked socket is paused and stops reaching its
 * old handlers, is closed after the hold time, the oldest goes first beyond the cap, a peer's own
 * close takes it out, and clear() closes the rest.
 */
import t from 'tap';
import { SimClock } from '@ts-ceph/common';
import { ParkingLot } from '../src/parking';
import { Transport, TransportHandlers } from '../src/transport';

function stub(name: string): Transport & { name: string; paused: boolean; handlers?: TransportHandlers; closed: boolean } {
  const s = {
    name,
    paused: false,
    closed: false,
    handlers: undefined as TransportHandlers | undefined,
    bufferedBytes: 0,
    highWaterBytes: 0,
    local: { ip: '127.0.0.1', port: 3300 },
    remote: { ip: '127.0.0.2', port: 40000 },
    setHandlers: (h: TransportHandlers) => void (s.handlers = h),
    write: () => true,
    pause: () => void (s.paused = true),
    resume: () => void (s.paused = false),
    close: () => s.destroy(),
    destroy: () => {
      if (s.closed) return;
      s.closed = true;
      s.handlers?.onClose(undefined);
    },
  };
  return s;
}

t.test('held, then closed after holdMs; oldest first beyond the cap; a peer close leaves', (t) => {
  const clock = new SimClock();
  const lot = new ParkingLot(clock, 3, 10_000);
  const a = stub('a');
  const b = stub('b');
  const c = stub('c');
  const d = stub('d');
  lot.park(a);
  t.ok(a.paused && !a.closed, 'paused, not closed');
  clock.advance(1_000);
  lot.park(b);
  lot.park(c);
  lot.park(d);
  t.ok(a.closed, 'the oldest is closed when a fourth arrives');
  t.equal(lot.size, 3);
  c.destroy();
  t.equal(lot.size, 2, 'a socket the peer closed leaves the lot');
  clock.advance(9_999);
  t.notOk(b.closed || d.closed, 'held until 10 s after each was parked');
  clock.advance(1);
  t.ok(b.closed && d.closed);
  t.equal(lot.size, 0);
  const e = stub('e');
  lot.park(e);
  lot.clear();
  t.ok(e.closed, 'clear closes what is parked');
  t.end();
});
