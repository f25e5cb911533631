/**
 * EventSummary on a SimClock: nothing is written while nothing happens, one line per interval with
 * counts per event and key (most frequent first), keys beyond keysMax counted together, and a
 * flush at shutdown writes what is pending.
 */
import t from 'tap';
import { EventSummary, SimClock } from '../src';

t.test('one line per interval with counts per key', (t) => {
  const clock = new SimClock();
  const lines: string[] = [];
  const s = new EventSummary({ clock, intervalMs: 10_000, keysMax: 2, title: 'ms summary', write: (l) => lines.push(l) });
  clock.advance(60_000);
  t.same(lines, [], 'quiet: nothing written');
  for (let i = 0; i < 1000; i++) s.note('evicted handshakes', '127.0.0.2');
  s.note('evicted handshakes', '10.0.0.1');
  s.note('evicted handshakes', '10.0.0.2', 3);
  s.note('auth failures', 'client.admin from 127.0.0.1', 7);
  clock.advance(9_999);
  t.same(lines, [], 'not before the interval ends');
  clock.advance(1);
  t.same(lines, ['ms summary (last 10 s): evicted handshakes 1004 (127.0.0.2 x1000, 10.0.0.1 x1, 3 more); auth failures 7 (client.admin from 127.0.0.1 x7)']);
  clock.advance(30_000);
  t.equal(lines.length, 1, 'a new interval starts only with the next event');
  s.note('failed handshakes (ETIMEDOUT)', '127.0.0.2');
  clock.advance(2_000);
  t.equal(s.pendingLine(), 'ms summary (last 2 s): failed handshakes (ETIMEDOUT) 1 (127.0.0.2 x1)');
  s.flush();
  t.equal(lines.length, 2, 'flush writes what is pending');
  s.flush();
  clock.advance(20_000);
  t.equal(lines.length, 2, 'and cancels the interval');
  t.end();
});
