/**
 * The Transport contract (src/transport.ts), one suite run against every implementation (STYLE §4):
 * TCP on loopback and the in-memory network. Ordered delivery, backpressure (write() false over the
 * high-water mark, then onDrain), close() flushing what was written, destroy(), exactly one onClose,
 * a refused connect, write() completion callbacks.
 */
import t from 'tap';
import { CephError } from '@ts-ceph/common';
import { freePort, waitFor } from '@ts-ceph/testkit';
import { MemoryNetwork, TcpTransportFactory, Transport, TransportFactory } from '../src';

const impls: [string, () => TransportFactory][] = [
  ['tcp', () => new TcpTransportFactory(64 << 10)],
  ['memory', () => new MemoryNetwork()],
];

interface Ends {
  a: Transport;
  b: Transport;
  rx: Buffer[];
  closes: { a: (CephError | undefined)[]; b: (CephError | undefined)[] };
  drains: number;
  stop(): Promise<void>;
}

async function pair(f: TransportFactory): Promise<Ends> {
  const port = await freePort();
  let accepted: Transport | undefined;
  const l = await f.listen({ ip: '127.0.0.1', port }, (tr) => (accepted = tr));
  const a = await f.connect({ ip: '127.0.0.1', port }, 2000);
  const b = await waitFor(() => accepted, 2000, 'accept', 1);
  const e: Ends = { a, b, rx: [], closes: { a: [], b: [] }, drains: 0, stop: () => l.close() };
  a.setHandlers({ onData() {}, onDrain: () => void e.drains++, onClose: (err) => void e.closes.a.push(err) });
  b.setHandlers({ onData: (d) => void e.rx.push(d), onDrain() {}, onClose: (err) => void e.closes.b.push(err) });
  return e;
}

for (const [name, make] of impls) {
  t.test(`${name}: bytes arrive in order`, async (t) => {
    const e = await pair(make());
    const want: Buffer[] = [];
    for (let i = 0; i < 500; i++) {
      const b = Buffer.alloc(1 + (i % 97) * 13, i & 0xff);
      want.push(b);
      e.a.write([b.subarray(0, b.length >> 1), b.subarray(b.length >> 1)]);
    }
    const total = want.reduce((s, b) => s + b.length, 0);
    await waitFor(() => e.rx.reduce((s, b) => s + b.length, 0) >= total, 5000, 'all bytes');
    t.ok(Buffer.concat(e.rx).equals(Buffer.concat(want)), `${total} bytes in order`);
    e.a.destroy();
    await e.stop();
  });

  t.test(`${name}: backpressure`, async (t) => {
    const e = await pair(make());
    e.b.pause();
    let ok = true;
    let n = 0;
    while (ok && n < 10_000) {
      ok = e.a.write([Buffer.alloc(16 << 10)]);
      n++;
    }
    t.notOk(ok, `write() returned false after ${n} × 16 KiB`);
    t.ok(e.a.bufferedBytes >= e.a.highWaterBytes, `bufferedBytes ${e.a.bufferedBytes} >= high water ${e.a.highWaterBytes}`);
    e.b.resume();
    await waitFor(() => e.drains > 0, 5000, 'drain');
    await waitFor(() => e.rx.reduce((s, b) => s + b.length, 0) === n * (16 << 10), 5000, 'everything delivered after resume');
    t.pass('drained and delivered');
    e.a.destroy();
    await e.stop();
  });

  t.test(`${name}: close() delivers what was written, then both ends close once`, async (t) => {
    const e = await pair(make());
    e.a.write([Buffer.from('last words')]);
    e.a.close();
    e.a.close();
    await waitFor(() => e.closes.a.length > 0 && e.closes.b.length > 0, 5000, 'both closed');
    await new Promise((r) => setTimeout(r, 50));
    t.equal(Buffer.concat(e.rx).toString(), 'last words');
    t.same([e.closes.a.length, e.closes.b.length], [1, 1], 'onClose exactly once on each end');
    t.equal(e.closes.b[0], undefined, 'a clean close carries no error');
    t.notOk(e.a.write([Buffer.from('x')]), 'writes after close are refused');
    await e.stop();
  });

  t.test(`${name}: a write's done callback comes once, after write() returned and the bytes left`, async (t) => {
    const e = await pair(make());
    const calls: string[] = [];
    let inside = true;
    const big = Buffer.alloc(1 << 20, 5);
    e.a.write([Buffer.from('a'), big], () => calls.push(inside ? 'inside write()' : 'first'));
    e.a.write([Buffer.alloc(0)], () => calls.push('empty'));
    e.a.write([Buffer.from('c')]);
    e.a.write([Buffer.from('d')], () => calls.push('third'));
    inside = false;
    await waitFor(() => calls.length === 3, 5000, 'three done callbacks');
    await waitFor(() => e.rx.reduce((n, b) => n + b.length, 0) === 3 + (1 << 20), 5000, 'all bytes delivered');
    t.same([...calls].sort(), ['empty', 'first', 'third'], 'each once, none from inside write()');
    await new Promise((r) => setTimeout(r, 20));
    t.equal(calls.length, 3, 'no repeats');
    e.a.destroy();
    await e.stop();
  });

  t.test(`${name}: destroy() closes both ends`, async (t) => {
    const e = await pair(make());
    e.b.destroy();
    await waitFor(() => e.closes.a.length > 0 && e.closes.b.length > 0, 5000, 'both closed');
    t.ok(e.a.closed && e.b.closed);
    await e.stop();
  });

  t.test(`${name}: connecting to nothing is ECONNREFUSED`, async (t) => {
    const port = await freePort();
    await t.rejects(make().connect({ ip: '127.0.0.1', port }, 2000), { code: 'ECONNREFUSED' });
  });
}
