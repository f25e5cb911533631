/**
 * Hostile peers against a whole Messenger (the driver: sockets, timers, dispatch). Time is driven
 * through a SimClock wherever the behaviour is a timeout:
 *  - a raw socket that connects and sends nothing is closed at the handshake deadline;
 *  - a READY connection with no traffic is closed after ms_connection_idle_timeout, not before;
 *  - a flood of half-open connections is capped at handshakeConnectionsMax, the rest closed on arrival;
 *  - a client that never reads is disconnected once outQueueBytesMax is held for it, and the server
 *    keeps serving others;
 *  - a dispatcher that throws fails that connection, not the process;
 *  - an accepted lossless connection that fails its handshake is not kept in standby forever;
 *  - an accept error on the listening socket is logged, not fatal, and a transport that fails while
 *    being accepted is dropped without leaving a connection behind.
 */
import t from 'tap';
import { connect as netConnect, Server, Socket } from 'node:net';
import { CephError, configureLog, SimClock, stderrSink } from '@ts-ceph/common';
import { EntityType } from '@ts-ceph/denc';
import { freePort, waitFor } from '@ts-ceph/testkit';
import { AuthNoneClient, AuthNoneServer, Connection, Dispatcher, encodeBanner, encodePreamble, makeMessage, MemoryNetwork, Messenger, MessengerOptions, Policies, Tag, Transport, TransportFactory } from '../src';
import { SharedKeyServer } from './lib/harness';

const admin = { type: EntityType.CLIENT, id: 'admin' };
const lines: string[] = [];
configureLog({ sink: { write: (l) => void lines.push(l) }, levels: { ms: 1 } });
t.teardown(() => configureLog({ sink: stderrSink, levels: { ms: 0 } }));

const tick = () => new Promise<void>((r) => setImmediate(r));

function server(opts: Partial<MessengerOptions> = {}): Messenger {
  return new Messenger({ entityType: EntityType.MON, nonce: 0, authServer: new AuthNoneServer(), ...opts });
}

function client(opts: Partial<MessengerOptions> = {}): Messenger {
  return new Messenger({ entityType: EntityType.CLIENT, authClient: new AuthNoneClient(admin), defaultPolicy: Policies.lossyClient(), ...opts });
}

function rawSocket(port: number): Promise<{ sock: Socket; closed: Promise<void>; isClosed: () => boolean }> {
  return new Promise((resolve, reject) => {
    const sock = netConnect(port, '127.0.0.1');
    let done = false;
    const closed = new Promise<void>((r) => sock.on('close', () => ((done = true), r())));
    sock.on('error', () => {});
    sock.on('data', () => {});
    sock.once('connect', () => resolve({ sock, closed, isClosed: () => done }));
    sock.once('error', reject);
  });
}

/** A dispatcher that records resets and answers message type 0x7001 with `replyBytes` of payload. */
function recorder(replyBytes = 0): Dispatcher & { resets: CephError[]; got: number } {
  const d = {
    resets: [] as CephError[],
    got: 0,
    msDispatch(con: Connection, msg: { type: number }) {
      d.got++;
      if (msg.type === 0x7001 && replyBytes) con.send(makeMessage({ type: 0x7002, front: Buffer.alloc(replyBytes) }));
    },
    msHandleReset(_con: Connection, err: CephError) {
      d.resets.push(err);
    },
  };
  return d;
}

t.test('a raw socket that sends nothing is closed at the handshake deadline (ms_connection_ready_timeout)', async (t) => {
  const clock = new SimClock();
  const s = server({ clock });
  const port = await freePort();
  await s.bind('127.0.0.1', port);
  t.teardown(() => s.shutdown());
  const raw = await rawSocket(port);
  await waitFor(() => s.handshakingCount === 1, 5000, 'the server to accept');
  clock.advance(9_999);
  await tick();
  t.notOk(raw.isClosed(), 'still open just before the deadline');
  clock.advance(1);
  await raw.closed;
  t.equal(s.handshakingCount, 0);
  t.equal(s.connectionCount, 0, 'nothing left of it');
  t.ok(lines.some((l) => /fault: handshake not complete after 10000 ms/.test(l)), 'the reason is logged');
});

t.test('an idle READY connection is closed after ms_connection_idle_timeout, an active one is not', async (t) => {
  const clock = new SimClock();
  const net = new MemoryNetwork();
  const s = server({ clock, transports: net });
  const sd = recorder();
  s.addDispatcher(sd);
  const [addr] = await s.bind('127.0.0.1', 3300);
  const c = client({ clock, transports: net });
  const cd = recorder();
  c.addDispatcher(cd);
  const con = c.connectTo(addr!, EntityType.MON);
  await waitFor(() => con.isConnected, 5000, 'ready');
  clock.advance(600_000);
  await tick();
  t.ok(con.isConnected, 'idle for 600 s: still up');
  con.sendKeepalive(); // traffic both ways (KEEPALIVE2, then its ack)
  await waitFor(() => con.lastKeepaliveAckMs > 0, 5000, 'keepalive ack');
  clock.advance(600_000);
  await tick();
  t.ok(con.isConnected, '600 s after the keepalive: still up (the idle clock restarted)');
  t.same([cd.resets.length, sd.resets.length], [0, 0]);
  clock.advance(300_001);
  await waitFor(() => cd.resets.length > 0 && sd.resets.length > 0, 5000, 'both ends to time out');
  t.equal(cd.resets[0]!.code, 'ETIMEDOUT');
  t.match(cd.resets[0]!.message, /^idle \(900001 ms\) for more than 900000 ms$/);
  t.match(sd.resets[0]!.message, /idle \(\d+ ms\) for more than 900000 ms/);
  await c.shutdown();
  await s.shutdown();
});

t.test('a flood of half-open connections: at most handshakeConnectionsMax are kept, each bounded', async (t) => {
  const clock = new SimClock();
  const s = server({ clock, handshakeConnectionsMax: 8 });
  const port = await freePort();
  await s.bind('127.0.0.1', port);
  t.teardown(() => s.shutdown());
  // Each sends a banner and half of a 200 KiB HELLO (within handshakeFrameBytesMax), then stalls.
  const stall = Buffer.concat([encodeBanner(), encodePreamble({ tag: Tag.HELLO, segments: [{ length: 200 << 10, align: 8 }] }), Buffer.alloc(100 << 10, 0x5a)]);
  const raws = await Promise.all(Array.from({ length: 40 }, () => rawSocket(port)));
  for (const r of raws) r.sock.write(stall);
  await waitFor(() => raws.filter((r) => r.isClosed()).length >= 32, 10_000, '32 connections refused');
  await tick();
  t.equal(s.handshakingCount, 8, 'eight kept in their handshake');
  t.equal(raws.filter((r) => r.isClosed()).length, 32, 'the rest closed on arrival');
  t.ok(lines.some((l) => /refusing connection from 127\.0\.0\.1:\d+: 8 connections in the handshake \(handshakeConnectionsMax 8\)/.test(l)), 'and logged');
  clock.advance(10_000);
  await Promise.all(raws.map((r) => r.closed));
  t.equal(s.handshakingCount, 0, 'the stalled ones hit the handshake deadline');
  // The server is usable again.
  const c = client();
  const con = c.connectTo(s.addrs[0]!, EntityType.MON);
  await waitFor(() => con.isConnected, 5000, 'a real client to connect');
  await c.shutdown();
});

t.test('a client that never reads is disconnected; the server keeps serving others', async (t) => {
  const s = server({ outQueueBytesMax: 4 << 20 });
  const sd = recorder(512 << 10);
  s.addDispatcher(sd);
  const port = await freePort();
  await s.bind('127.0.0.1', port);
  t.teardown(() => s.shutdown());
  const slow = client();
  const slowD = recorder();
  slow.addDispatcher(slowD);
  const sc = slow.connectTo(s.addrs[0]!, EntityType.MON);
  await waitFor(() => sc.isConnected, 5000, 'slow client ready');
  sc.transport!.pause(); // from now on it never reads
  for (let i = 0; i < 64; i++) sc.send(makeMessage({ type: 0x7001 })); // asks for 32 MiB of replies
  await waitFor(() => sd.resets.some((e) => e.code === 'ECONNABORTED'), 20_000, 'the server to give up on the slow client');
  t.match(sd.resets.find((e) => e.code === 'ECONNABORTED')!.message, /peer is not reading: \d+ bytes held for it, over outQueueBytesMax 4194304/);
  t.ok(lines.some((l) => /fault: peer is not reading/.test(l)), 'the reason is logged');
  const fast = client();
  let replies = 0;
  fast.addDispatcher({ msDispatch: (_c, m) => void (m.type === 0x7002 && replies++) });
  const fc = fast.connectTo(s.addrs[0]!, EntityType.MON);
  fc.send(makeMessage({ type: 0x7001 }));
  await waitFor(() => replies === 1, 10_000, 'a reply to the other client');
  t.pass('another client is served');
  await fast.shutdown();
  await slow.shutdown();
});

t.test('a dispatcher that throws fails that connection, not the process', async (t) => {
  const net = new MemoryNetwork();
  const s = server({ transports: net });
  let served = 0;
  s.addDispatcher({
    msDispatch(con, msg) {
      if (msg.type === 0x7003) throw new TypeError("Cannot read properties of undefined (reading 'epoch')");
      served++;
      con.send(makeMessage({ type: 0x7002 }));
    },
  });
  const [addr] = await s.bind('127.0.0.1', 3300);
  const c = client({ transports: net });
  const cd = recorder();
  c.addDispatcher(cd);
  const con = c.connectTo(addr!, EntityType.MON);
  con.send(makeMessage({ type: 0x7003 }));
  await waitFor(() => cd.resets.length === 1, 5000, 'the server to drop the connection');
  t.ok(lines.some((l) => /dispatcher failed on dispatch of type 28675: TypeError: Cannot read properties/.test(l)), 'logged with the reason');
  const again = c.connectTo(addr!, EntityType.MON);
  again.send(makeMessage({ type: 0x7001 }));
  await waitFor(() => served === 1, 5000, 'the next connection to be served');
  await c.shutdown();
  await s.shutdown();
});

t.test('an accepted lossless connection that fails its handshake is not kept', async (t) => {
  const net = new MemoryNetwork();
  // A daemon serving its peers statefully; this peer cannot authenticate (no common method).
  const s = new Messenger({ entityType: EntityType.OSD, nonce: 1, authServer: new SharedKeyServer(Buffer.alloc(16, 1)), transports: net, defaultPolicy: Policies.statefulServer() });
  const [addr] = await s.bind('127.0.0.1', 6800);
  for (let i = 0; i < 5; i++) {
    const c = client({ transports: net });
    const cd = recorder();
    c.addDispatcher(cd);
    c.connectTo(addr!, EntityType.OSD);
    await waitFor(() => cd.resets.length === 1, 5000, 'refused');
    await c.shutdown();
  }
  await waitFor(() => s.connectionCount === 0, 5000, 'the failed connections to go away', 20);
  t.equal(s.connectionCount, 0, 'no standby leftovers');
  await s.shutdown();
});

t.test('an accept error on the listening socket is logged, the listener keeps serving', async (t) => {
  const s = server();
  const port = await freePort();
  await s.bind('127.0.0.1', port);
  t.teardown(() => s.shutdown());
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  const listener = handles.find((h): h is Server => h instanceof Server && (h.address() as { port?: number } | null)?.port === port);
  t.ok(listener, 'found the listening socket');
  // What libuv reports when accept() fails (ECONNABORTED, or EMFILE past its reserve-fd trick).
  listener!.emit('error', Object.assign(new Error('accept ECONNABORTED'), { code: 'ECONNABORTED' }));
  t.ok(lines.some((l) => l.includes(`accept on 127.0.0.1:${port} failed: accept ECONNABORTED`)));
  const c = client();
  const con = c.connectTo(s.addrs[0]!, EntityType.MON);
  await waitFor(() => con.isConnected, 5000, 'a client to connect afterwards');
  await c.shutdown();
});

t.test('a transport that fails while being accepted is dropped, not thrown into the listener', async (t) => {
  let onAccept: ((tr: Transport) => void) | undefined;
  const factory: TransportFactory = {
    connect: () => Promise.reject(new Error('unused')),
    listen: async (local, cb) => ((onAccept = cb), { local, close: async () => {} }),
  };
  const s = server({ transports: factory });
  await s.bind('127.0.0.1', 3300);
  let destroyed = false;
  const broken = {
    remote: { ip: '127.0.0.1', port: 5555 },
    local: { ip: '127.0.0.1', port: 3300 },
    bufferedBytes: 0,
    highWaterBytes: 1 << 20,
    closed: false,
    setHandlers() {
      throw new Error('socket already gone');
    },
    write: () => false,
    pause() {},
    resume() {},
    close() {},
    destroy() {
      destroyed = true;
    },
  } as Transport;
  t.doesNotThrow(() => onAccept!(broken));
  t.ok(destroyed, 'the transport was destroyed');
  t.ok(lines.some((l) => /accepting from 127\.0\.0\.1:5555 failed: Error: socket already gone/.test(l)));
  t.equal(s.connectionCount, 0);
  await s.shutdown();
});
