/**
 * Hostile peers against the sans-I/O protocol cores (no sockets, no clock): frames a peer may not
 * send before the handshake is done are refused on their preamble (nothing buffered), a server may
 * not choose a connection mode the client did not offer, a peer that stops reading is cut off at
 * outQueueBytesMax, an authenticated peer can neither claim a daemon type it did not authenticate
 * as nor take over another entity's session by claiming its addresses, and in secure mode a
 * replayed or tampered frame ends the connection.
 */
import t from 'tap';
import { AddrType, EntityType, makeAddr } from '@ts-ceph/denc';
import {
  AuthNoneClient,
  AuthNoneServer,
  ClientProtocol,
  ConMode,
  encodeBanner,
  encodePreamble,
  makeMessage,
  msgrLimits,
  Policies,
  ProtocolOutput,
  ProtocolV2,
  ServerProtocol,
  Session,
  SessionDirectory,
  Tag,
} from '../src';
import { CLIENT_SOCK, env, makePair, pump, SERVER_ADDR, SharedKeyClient, SharedKeyServer } from './lib/harness';

const admin = { type: EntityType.CLIENT, id: 'admin' };
const faults = (os: ProtocolOutput[]) => os.flatMap((o) => (o.kind === 'fault' ? [o.error] : []));

function acceptingServer(): ServerProtocol {
  const s = new ServerProtocol(env(EntityType.MON, [SERVER_ADDR]), new AuthNoneServer(), CLIENT_SOCK);
  s.start(0);
  s.takeOutputs();
  s.receive(encodeBanner(), 0);
  t.equal(s.state, 'HELLO_ACCEPTING');
  return s;
}

t.test('before READY, a MESSAGE frame is refused on its preamble', async (t) => {
  const s = acceptingServer();
  // 32 bytes announcing a 64 MiB message: nothing of it may be waited for.
  s.receive(encodePreamble({ tag: Tag.MESSAGE, segments: [{ length: 41, align: 8 }, { length: 64 << 20, align: 8 }] }), 0);
  const [err] = faults(s.takeOutputs());
  t.equal(err?.code, 'EPROTO');
  t.match(err?.message, /MESSAGE frame in state HELLO_ACCEPTING/);
  t.equal(s.state, 'CLOSED');
});

t.test('before READY, a control frame over handshakeFrameBytesMax is refused on its preamble', async (t) => {
  const s = acceptingServer();
  const len = msgrLimits.handshakeFrameBytesMax + 1;
  t.ok(len < msgrLimits.controlFrameBytesMax, 'a size the general control-frame limit would let through');
  s.receive(encodePreamble({ tag: Tag.HELLO, segments: [{ length: len, align: 8 }] }), 0);
  const [err] = faults(s.takeOutputs());
  t.equal(err?.code, 'EMSGSIZE');
  t.match(err?.message, /handshakeFrameBytesMax/);
});

t.test('after READY, large messages and control frames are waited for as before', async (t) => {
  const { c, s } = makePair({ clientAuth: new AuthNoneClient(admin), serverAuth: new AuthNoneServer() });
  pump(c, s);
  t.equal(s.state, 'READY');
  s.receive(encodePreamble({ tag: Tag.MESSAGE, segments: [{ length: 41, align: 8 }, { length: 64 << 20, align: 8 }] }), 0);
  t.same(faults(s.takeOutputs()), [], 'a 64 MiB message is within messageFrameBytesMax once READY');
  t.equal(s.state, 'READY');
});

t.test('the client refuses a connection mode it did not offer (no downgrade to crc)', async (t) => {
  const key = Buffer.alloc(16, 7);
  class ForceCrc extends SharedKeyServer {
    override pickConMode(): number {
      return ConMode.CRC;
    }
  }
  const { c, s } = makePair({ clientAuth: new SharedKeyClient(key, [ConMode.SECURE]), serverAuth: new ForceCrc(key) });
  const ev = pump(c, s);
  const [err] = faults(ev.c);
  t.equal(err?.code, 'EACCES');
  t.match(err?.message, /mode 1, which we did not offer \(2\)/);
  t.not(c.state, 'READY');
  t.notOk(ev.c.some((o) => o.kind === 'ready'));
});

t.test('a peer that never reads our keepalive acks is cut off at outQueueBytesMax', async (t) => {
  const { c, s } = makePair({ clientAuth: new AuthNoneClient(admin), serverAuth: new AuthNoneServer() });
  pump(c, s);
  s.outQueueBytesMax = 4096;
  // The driver never reports a drain: every ack the server writes stays in its backlog.
  let out: ProtocolOutput[] = [];
  for (let i = 0; i < 500 && s.state === 'READY'; i++) {
    c.sendKeepalive(1_700_000_000_000 + i);
    for (const o of c.takeOutputs()) if (o.kind === 'write') s.receive(Buffer.concat(o.data), 0);
    out = out.concat(s.takeOutputs());
  }
  const [err] = faults(out);
  t.equal(err?.code, 'ECONNABORTED');
  t.match(err?.message, /peer is not reading: \d+ bytes held for it, over outQueueBytesMax 4096/);
  t.equal(s.state, 'CLOSED');
  const written = out.reduce((n, o) => n + (o.kind === 'write' ? o.bytes : 0), 0);
  t.ok(written <= 4096 + 64, `at most one frame over the limit was written (${written} bytes)`);
});

t.test('messages to a peer that does not read: a lossy connection faults, a lossless session refuses more', async (t) => {
  const lossy = makePair({ clientAuth: new AuthNoneClient(admin), serverAuth: new AuthNoneServer() });
  pump(lossy.c, lossy.s);
  lossy.s.outQueueBytesMax = 10_000;
  const big = () => makeMessage({ type: 4, front: Buffer.alloc(4000) });
  lossy.s.send(big());
  lossy.s.send(big());
  t.equal(lossy.s.state, 'READY', 'two messages fit');
  lossy.s.send(big());
  t.equal(lossy.s.state, 'CLOSED', 'the third would exceed the limit: the lossy connection is closed');
  t.match(faults(lossy.s.takeOutputs())[0]?.message, /peer is not reading/);

  const lossless = makePair({ clientAuth: new AuthNoneClient(admin), serverAuth: new AuthNoneServer(), clientPolicy: Policies.losslessClient(), serverPolicy: () => Policies.statefulServer() });
  pump(lossless.c, lossless.s);
  t.equal(lossless.s.session.lossy, false);
  // Unacknowledged messages count until acked, on top of the transport's backlog.
  lossless.s.outQueueBytesMax = 20_000;
  lossless.s.send(big());
  lossless.s.send(big());
  t.equal(lossless.s.state, 'READY', 'two messages fit');
  t.throws(() => lossless.s.send(big()), { code: 'EAGAIN' }, 'the third does not: refused ...');
  t.equal(lossless.s.state, 'STANDBY', '... and the connection faulted; the session waits for the peer');
  t.match(faults(lossless.s.takeOutputs())[0]?.message, /peer is not reading/);
  let refused = 0;
  for (let i = 0; i < 10; i++) {
    try {
      lossless.s.send(big());
    } catch (e) {
      if ((e as { code?: string }).code === 'EAGAIN') refused++;
    }
  }
  t.ok(refused >= 7, `while the peer is away the session takes at most the limit (${refused} of 10 refused)`);
  t.ok(lossless.s.session.heldBytes <= 20_000, `held ${lossless.s.session.heldBytes} bytes`);
});

// ---- identities ----------------------------------------------------------------------------------

const OSD1_ADDR = makeAddr(AddrType.MSGR2, '127.0.0.1', 6801, 1111);
const osd = (id: string) => ({ type: EntityType.OSD, id });

/** osd.1's READY lossless session on our OSD, and a directory that finds it by its address. */
function osdSession(): { existing: ServerProtocol; dir: SessionDirectory } {
  const existing = new ServerProtocol(env(EntityType.OSD, [SERVER_ADDR], () => Policies.losslessPeer()), new AuthNoneServer(), CLIENT_SOCK);
  existing.state = 'READY';
  existing.policy = Policies.losslessPeer();
  existing.peerType = EntityType.OSD;
  existing.meta.peerName = osd('1');
  existing.session = Object.assign(new Session(false), { clientCookie: 7n, serverCookie: 8n, connectSeq: 1, peerGlobalSeq: 1, peerAddrs: [OSD1_ADDR] });
  existing.session.enqueue(makeMessage({ type: 70, front: Buffer.from('replication data for osd.1') }));
  return { existing, dir: { lookup: () => existing, register: () => true } };
}

/** A peer authenticating as `name` that claims osd.1's address (as CLIENT_IDENT, or SESSION_RECONNECT with `cookies`). */
function claimant(name: { type: number; id: string }, dir: SessionDirectory, helloType = EntityType.OSD, cookies?: { client: bigint; server: bigint }): { c: ClientProtocol; s: ServerProtocol } {
  const session = new Session(false);
  if (cookies) Object.assign(session, { clientCookie: cookies.client, serverCookie: cookies.server, connectSeq: 2 });
  const c = new ClientProtocol(env(helloType, [OSD1_ADDR]), new AuthNoneClient(name), SERVER_ADDR, EntityType.OSD, Policies.losslessPeer(), session);
  const s = new ServerProtocol(env(EntityType.OSD, [SERVER_ADDR], () => Policies.losslessPeer()), new AuthNoneServer(), CLIENT_SOCK, dir);
  c.start(0);
  s.start(0);
  return { c, s };
}

const tookOver = (os: ProtocolOutput[], ex: ProtocolV2) => os.some((o) => o.kind === 'takeover' && o.existing === ex);

t.test('another entity cannot take over a session by claiming its addresses (CLIENT_IDENT)', async (t) => {
  const { existing, dir } = osdSession();
  const { c, s } = claimant(osd('2'), dir);
  const ev = pump(c, s);
  const [err] = faults(ev.s);
  t.equal(err?.code, 'EACCES');
  t.match(err?.message, /osd\.2 claims the addresses of osd\.1's session/);
  t.notOk(tookOver(ev.s, existing), 'no takeover');
  t.equal(existing.state, 'READY', "osd.1's session is untouched");
  t.equal(existing.session.queuedCount, 1, 'and so are its queued messages');
});

t.test('another entity cannot resume a session by presenting its cookie (SESSION_RECONNECT)', async (t) => {
  const { existing, dir } = osdSession();
  const { c, s } = claimant(osd('2'), dir, EntityType.OSD, { client: 7n, server: 8n });
  const ev = pump(c, s);
  t.match(faults(ev.s)[0]?.message, /osd\.2 claims the addresses of osd\.1's session/);
  t.notOk(tookOver(ev.s, existing));
  t.notOk(ev.s.some((o) => o.kind === 'message'), 'nothing of the session was delivered to the claimant');
});

t.test('the owner itself still resumes and replaces its session', async (t) => {
  const a = osdSession();
  const x = claimant(osd('1'), a.dir, EntityType.OSD, { client: 7n, server: 8n });
  const ev = pump(x.c, x.s);
  t.ok(tookOver(ev.s, a.existing), 'SESSION_RECONNECT by osd.1: resumed');
  t.ok(ev.c.some((o) => o.kind === 'ready' && o.reconnected));
  const b = osdSession();
  const y = claimant(osd('1'), b.dir);
  t.ok(tookOver(pump(y.c, y.s).s, b.existing), 'CLIENT_IDENT from a restarted osd.1: takes over');
});

t.test('a peer announcing a daemon type must have authenticated as that type', async (t) => {
  const dir: SessionDirectory = { lookup: () => undefined, register: () => true };
  const x = claimant(admin, dir, EntityType.OSD);
  const [err] = faults(pump(x.c, x.s).s);
  t.equal(err?.code, 'EACCES');
  t.match(err?.message, /announced itself as osd but authenticated as client\.admin/);
  t.not(x.s.state, 'READY');
  // The other way round is fine: `ceph --name osd.0 ...` is a client authenticating as an OSD.
  const y = new ClientProtocol(env(EntityType.CLIENT, []), new AuthNoneClient(osd('0')), SERVER_ADDR, EntityType.MON, Policies.lossyClient());
  const s = new ServerProtocol(env(EntityType.MON, [SERVER_ADDR]), new AuthNoneServer(), CLIENT_SOCK);
  y.start(0);
  s.start(0);
  pump(y, s);
  t.equal(s.state, 'READY');
});

for (const gcm of ['native', 'node'] as const) {
  t.test(`secure mode (${gcm} AES-GCM): a replayed or tampered frame closes the connection`, async (t) => {
    const key = Buffer.alloc(16, 3);
    const secure = () => {
      const p = makePair({ clientAuth: new SharedKeyClient(key, [ConMode.SECURE]), serverAuth: new SharedKeyServer(key), gcm });
      pump(p.c, p.s);
      t.ok(p.c.secure && p.s.state === 'READY', 'secure and READY');
      p.c.send(makeMessage({ type: 9, front: Buffer.from('transfer 100 to alice') }));
      const frame = Buffer.concat(p.c.takeOutputs().flatMap((o) => (o.kind === 'write' ? o.data : [])));
      return { ...p, frame };
    };
    const a = secure();
    a.s.receive(a.frame, 0);
    t.same(a.s.takeOutputs().map((o) => o.kind), ['message'], 'delivered once');
    a.s.receive(a.frame, 0);
    const [replayErr] = faults(a.s.takeOutputs());
    t.equal(replayErr?.code, 'EBADMSG', 'the same bytes again: the nonce has moved on, the tag fails');
    t.equal(a.s.state, 'CLOSED');

    for (const at of [5, 40, a.frame.length - 20]) {
      const x = secure();
      const bad = Buffer.from(x.frame);
      bad[at]! ^= 0x01;
      x.s.receive(bad, 0);
      const out = x.s.takeOutputs();
      t.notOk(out.some((o) => o.kind === 'message'), `flipped bit at ${at}: nothing delivered`);
      t.equal(faults(out)[0]?.code, 'EBADMSG', `flipped bit at ${at}: EBADMSG`);
      t.equal(x.s.state, 'CLOSED');
    }
  });
}

t.test('a refused credential is reported (authFailed) with the claimed entity, and the handshake goes on', (t) => {
  const { c, s } = makePair({ clientAuth: new SharedKeyClient(Buffer.alloc(16, 1)), serverAuth: new SharedKeyServer(Buffer.alloc(16, 2)) });
  const { s: out } = pump(c, s);
  const failed = out.filter((o) => o.kind === 'authFailed');
  t.equal(failed.length, 1, 'the SharedKeyClient gives up after one AUTH_BAD_METHOD');
  t.match(failed[0], { kind: 'authFailed', result: -13, reason: 'bad proof' });
  t.end();
});
