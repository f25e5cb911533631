/**
 * Hostile peers against a whole Messenger (the driver: sockets, timers, dispatch). Time is driven
 * through a SimClock wherever the behaviour is a timeout:
 *  - a raw socket that connects and sends nothing is closed at the HELLO deadline (2 s), one that
 *    sent its HELLO at the handshake deadline (10 s);
 *  - a READY connection with no traffic is closed after ms_connection_idle_timeout, not before;
 *  - a flood of half-open connections is capped at handshakeConnectionsMax by evicting the oldest,
 *    and a flood from one address (127.0.0.2) never displaces a client from another (127.0.0.1),
 *    with one summary line per interval instead of a line per connection;
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
import { AddrType, makeAddr } from '@ts-ceph/denc';
import { AuthNoneClient, AuthNoneServer, Connection, Dispatcher, encodeBanner, encodeControl, encodePreamble, FrameAssembler, makeMessage, MemoryNetwork, Messenger, MessengerOptions, Policies, Tag, Transport, TransportFactory } from '../src';
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

function rawSocket(port: number, localAddress?: string): Promise<{ sock: Socket; closed: Promise<void>; isClosed: () => boolean }> {
  return new Promise((resolve, reject) => {
    const sock = netConnect({ port, host: '127.0.0.1', localAddress });
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

/** Our banner and a HELLO frame from a client, as a raw socket would send them. */
function bannerAndHello(): Buffer {
  const hello = encodeControl({ tag: Tag.HELLO, entityType: EntityType.CLIENT, peerAddr: makeAddr(AddrType.MSGR2, '127.0.0.1', 3300, 0) });
  return Buffer.concat([encodeBanner(), ...new FrameAssembler().assemble(Tag.HELLO, [hello], [8])]);
}

t.test('a raw socket that sends nothing is closed at the HELLO deadline; one that sent HELLO at the handshake deadline', async (t) => {
  const clock = new SimClock();
  const s = server({ clock });
  const port = await freePort();
  await s.bind('127.0.0.1', port);
  t.teardown(() => s.shutdown());
  const mute = await rawSocket(port);
  const hello = await rawSocket(port);
  hello.sock.write(bannerAndHello());
  await waitFor(() => s.handshakingCount === 2, 5000, 'the server to accept');
  await tick();
  clock.advance(1_999);
  await tick();
  t.equal(s.parkedCount, 0, 'still in its handshake just before the HELLO deadline');
  clock.advance(1);
  t.equal(s.parkedCount, 1, 'out of the handshake at the HELLO deadline: parked, not closed (a flood would reconnect)');
  t.equal(s.handshakingCount, 1, 'the one that sent HELLO is kept');
  clock.advance(7_999);
  await tick();
  t.notOk(hello.isClosed() || mute.isClosed(), 'both open just before the handshake deadline');
  clock.advance(1);
  await hello.closed;
  t.equal(s.handshakingCount, 0);
  clock.advance(2_000);
  await mute.closed;
  t.equal(s.parkedCount, 0, 'the parked socket is closed after parkedHoldMs');
  t.equal(s.connectionCount, 0, 'nothing left of them');
  t.notOk(lines.some((l) => /fault: handshake not complete/.test(l)), 'no line per connection at debug_ms 1');
  clock.advance(10_000);
  const summary = lines.find((l) => /ms summary/.test(l));
  t.match(summary, /handshakes without a HELLO in time 1 \(127\.0\.0\.1 x1\)/, 'counted in the summary');
  t.match(summary, /failed handshakes \(ETIMEDOUT\) 1 \(127\.0\.0\.1 x1\)/);
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

t.test('a flood of half-open connections: at most handshakeConnectionsMax are kept, the oldest evicted', async (t) => {
  const clock = new SimClock();
  const s = server({ clock, handshakeConnectionsMax: 8 });
  const port = await freePort();
  await s.bind('127.0.0.1', port);
  t.teardown(() => s.shutdown());
  lines.length = 0;
  // Each sends a banner and half of a 200 KiB HELLO (within handshakeFrameBytesMax), then stalls.
  const stall = Buffer.concat([encodeBanner(), encodePreamble({ tag: Tag.HELLO, segments: [{ length: 200 << 10, align: 8 }] }), Buffer.alloc(100 << 10, 0x5a)]);
  const raws: Awaited<ReturnType<typeof rawSocket>>[] = [];
  for (let i = 0; i < 40; i++) {
    const r = await rawSocket(port);
    r.sock.write(stall);
    raws.push(r);
  }
  await waitFor(() => s.parkedCount >= 32, 10_000, '32 connections evicted');
  await tick();
  t.equal(s.handshakingCount, 8, 'eight kept in their handshake');
  t.equal(raws.filter((r) => r.isClosed()).length, 0, 'the evicted ones are parked (held open, unread), not closed');
  t.notOk(lines.some((l) => / ms \d+ .*(fault|refusing)/.test(l)), 'no line per connection');
  // The server is usable while the flood holds every slot: a prompt client evicts the oldest.
  const c = client();
  const con = c.connectTo(s.addrs[0]!, EntityType.MON);
  await waitFor(() => con.isConnected, 5000, 'a real client to connect');
  await c.shutdown();
  t.equal(s.parkedCount, 33, 'the prompt client evicted the oldest handshake');
  clock.advance(10_000);
  t.equal(s.handshakingCount, 0, 'the stalled ones hit the HELLO deadline');
  clock.advance(10_000);
  await Promise.all(raws.map((r) => r.closed));
  t.equal(s.parkedCount, 0, 'and every parked socket was closed after parkedHoldMs');
  t.match(lines.find((l) => /ms summary/.test(l)), /evicted handshakes \(global limit\) 33 \(127\.0\.0\.1 x33\)/, 'one summary line with the count');
});

t.test('a flood from one address displaces only itself (handshakesPerAddrMax)', async (t) => {
  const s = server({ handshakesPerAddrMax: 16 });
  const port = await freePort();
  await s.bind('127.0.0.1', port);
  t.teardown(() => s.shutdown());
  // The attacker (127.0.0.2) holds 100 connections open and reopens each as it closes (parking
  // means it has nothing to reopen within this test).
  let stop = false;
  let opened = 0;
  const attack = async (): Promise<void> => {
    while (!stop) {
      const r = await rawSocket(port, '127.0.0.2').catch(() => undefined);
      if (!r) continue;
      opened++;
      await r.closed;
    }
  };
  const attackers = Array.from({ length: 100 }, () => attack());
  await waitFor(() => opened >= 100 && s.parkedCount >= 84, 20_000, 'the flood to fill its slots');
  t.ok(s.handshakingCount <= 16, `at most 16 handshakes held (${s.handshakingCount})`);
  for (let i = 0; i < 5; i++) {
    const c = client();
    const con = c.connectTo(s.addrs[0]!, EntityType.MON);
    await waitFor(() => con.isConnected, 2000, `legitimate client ${i} to connect during the flood`);
    await c.shutdown();
  }
  stop = true;
  await s.shutdown();
  await Promise.all(attackers);
  const summary = lines.filter((l) => /ms summary/.test(l)).pop();
  t.match(summary, /evicted handshakes \(per-address limit\) \d+ \(127\.0\.0\.2 x\d+\)/, 'the evictions are summarized at shutdown');
  t.notMatch(summary, /127\.0\.0\.1 x/, 'the legitimate address was never evicted');
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
