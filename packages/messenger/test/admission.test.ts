/**
 * The handshake admission policy (core/admission.ts) on a fake clock: a flood from one address only
 * ever displaces itself, the global cap evicts the oldest unauthenticated handshake instead of
 * refusing the newcomer, an authenticated handshake is never evicted, and HELLO deadlines expire in
 * order.
 */
import t from 'tap';
import { HandshakeAdmission } from '../src/core/admission';

const limits = { handshakeConnectionsMax: 6, handshakesPerAddrMax: 3, helloTimeoutMs: 2000 };

t.test('a flood from one address evicts its own oldest handshake, never another address', (t) => {
  const a = new HandshakeAdmission<string>(limits);
  t.same(a.admit('legit', '127.0.0.1', 0), { admitted: true, evict: [] });
  for (let i = 0; i < 3; i++) t.same(a.admit(`x${i}`, '127.0.0.2', i + 1), { admitted: true, evict: [] });
  const d = a.admit('x3', '127.0.0.2', 10);
  t.same(d, { admitted: true, evict: [{ key: 'x0', addr: '127.0.0.2', limit: 'per-address' }] });
  t.equal(a.countFor('127.0.0.2'), 3);
  t.equal(a.stageOf('legit'), 'banner', 'the other address keeps its handshake');
  t.equal(a.stageOf('x0'), undefined);
  for (let i = 4; i < 50; i++) t.equal(a.admit(`x${i}`, '127.0.0.2', 10 + i).evict[0]?.key, `x${i - 3}`);
  t.equal(a.size, 4);
  t.end();
});

t.test('the global cap evicts the oldest unauthenticated handshake of any address', (t) => {
  const a = new HandshakeAdmission<string>(limits);
  const addrs = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];
  for (let i = 0; i < 6; i++) t.ok(a.admit(`c${i}`, addrs[i % 3]!, i).admitted);
  a.progressed('c0', 'authenticated');
  a.progressed('c1', 'hello');
  const d = a.admit('new', '10.0.0.9', 100);
  t.same(d, { admitted: true, evict: [{ key: 'c1', addr: '10.0.0.2', limit: 'global' }] }, 'c0 is older but authenticated');
  t.equal(a.size, 6);
  t.end();
});

t.test('both limits at once evict one of each; a wall of authenticated handshakes refuses', (t) => {
  const a = new HandshakeAdmission<string>({ handshakeConnectionsMax: 3, handshakesPerAddrMax: 2, helloTimeoutMs: 2000 });
  a.admit('a0', 'A', 0);
  a.admit('b0', 'B', 1);
  a.admit('a1', 'A', 2);
  const d = a.admit('a2', 'A', 3);
  t.same(d.evict.map((e) => e.key), ['a0'], 'the per-address eviction made room under the global cap too');
  for (const k of ['b0', 'a1', 'a2']) a.progressed(k, 'authenticated');
  t.same(a.admit('c0', 'C', 4), { admitted: false, evict: [] });
  t.same(a.admit('a3', 'A', 5), { admitted: false, evict: [] });
  a.finished('b0');
  t.ok(a.admit('c1', 'C', 6).admitted, 'room again once a handshake ends');
  t.end();
});

t.test('HELLO deadline: only connections still without a HELLO expire, oldest first', (t) => {
  const a = new HandshakeAdmission<string>(limits);
  t.equal(a.nextDeadlineMs(), undefined);
  a.admit('p', '1.1.1.1', 0);
  a.admit('q', '1.1.1.2', 500);
  a.admit('r', '1.1.1.3', 900);
  t.equal(a.nextDeadlineMs(), 2000);
  a.progressed('p', 'hello');
  t.equal(a.nextDeadlineMs(), 2500);
  t.same(a.expired(2499), []);
  t.same(a.expired(2900), ['q', 'r']);
  a.progressed('p', 'banner');
  t.equal(a.stageOf('p'), 'hello', 'stages do not move backwards');
  a.finished('q');
  a.finished('q');
  t.equal(a.size, 2);
  t.equal(a.countFor('1.1.1.2'), 0);
  t.end();
});
