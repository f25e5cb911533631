/**
 * The sans-I/O handshake machines against each other (no sockets): AUTH_NONE in crc mode, a shared
 * key auth in secure mode, AUTH_SIGNATURE catching a man in the middle, refused auth, features,
 * keepalives, acks, and the exact bytes Ceph expects of our first frames (banner, HELLO,
 * CLIENT_IDENT built by hand from the trace of a real `ceph -s`).
 */
import t from 'tap';
import { EntityType } from '@ts-ceph/denc';
import {
  AuthNoneClient,
  AuthNoneServer,
  ConMode,
  decodeControl,
  encodeBanner,
  encodeControl,
  FrameAssembler,
  FrameReader,
  makeMessage,
  Policies,
  ProtocolOutput,
  StreamDecoder,
  Tag,
} from '../src';
import { makePair, pump, SharedKeyClient, SharedKeyServer } from './lib/harness';

const admin = { type: EntityType.CLIENT, id: 'admin' };
const kinds = (os: ProtocolOutput[]) => os.map((o) => o.kind);

t.test('banner bytes are exactly what Ceph 16.2.15 sends', async (t) => {
  t.equal(encodeBanner().toString('hex'), Buffer.from('ceph v2\n').toString('hex') + '1000' + '0100000000000000' + '0000000000000000');
});

t.test('AUTH_NONE, crc mode: both sides READY, messages flow both ways', async (t) => {
  const { c, s } = makePair({ clientAuth: new AuthNoneClient(admin), serverAuth: new AuthNoneServer() });
  const ev = pump(c, s);
  t.same(kinds(ev.c), ['ready'], 'client ready');
  t.same(kinds(ev.s), ['ready'], 'server ready');
  t.equal(c.state, 'READY');
  t.equal(s.state, 'READY');
  t.equal(c.meta.conMode, ConMode.CRC);
  t.equal(c.session.lossy, true, 'server policy (stateless server) made the session lossy');
  t.equal(s.session.peerName?.type, EntityType.CLIENT);
  t.equal(s.meta.peerName?.id, 'admin', 'server learnt the client name from the auth payload');
  // The wire: banner, HELLO, AUTH_REQUEST, AUTH_SIGNATURE (zeros, no key), CLIENT_IDENT.
  const d = new StreamDecoder();
  for (const b of ev.wire.c2s) d.push(b);
  const items = d.drain();
  t.same(items.map((i) => (i.kind === 'banner' ? 'banner' : i.frame.tag)), ['banner', Tag.HELLO, Tag.AUTH_REQUEST, Tag.AUTH_SIGNATURE, Tag.CLIENT_IDENT]);
  const sig = items[3]!.kind === 'frame' ? items[3]!.frame.segments[0]! : Buffer.alloc(1);
  t.ok(sig.equals(Buffer.alloc(32)), 'no session key: signature is 32 zero bytes, as Ceph sends');

  c.send(makeMessage({ type: 5 }));
  c.send(makeMessage({ type: 15, version: 3, front: Buffer.from('subscribe') }));
  s.send(makeMessage({ type: 4, priority: 196, front: Buffer.from('monmap') }));
  const ev2 = pump(c, s);
  const got = ev2.s.filter((o) => o.kind === 'message').map((o) => (o.kind === 'message' ? [o.msg.type, o.msg.seq, o.msg.front.toString()] : []));
  t.same(got, [
    [5, 1, ''],
    [15, 2, 'subscribe'],
  ]);
  const back = ev2.c.find((o) => o.kind === 'message');
  t.equal(back?.kind === 'message' && back.msg.front.toString(), 'monmap');
  t.equal(back?.kind === 'message' && back.msg.src?.type, EntityType.MON, 'src is the peer');
});

t.test('shared-key auth, secure mode: AES-GCM frames, signatures verified both ways', async (t) => {
  const key = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
  const { c, s } = makePair({ clientAuth: new SharedKeyClient(key), serverAuth: new SharedKeyServer(key) });
  const ev = pump(c, s);
  t.same(kinds(ev.c), ['ready']);
  t.same(kinds(ev.s), ['ready']);
  t.equal(c.meta.conMode, ConMode.SECURE);
  t.ok(c.secure && s.secure, 'both ends switched to secure mode');
  const secret = Buffer.from('a very recognisable plaintext payload');
  c.send(makeMessage({ type: 50, front: secret, data: Buffer.alloc(100_000, 7) }));
  s.send(makeMessage({ type: 51, front: Buffer.from('ack'), middle: Buffer.from('m') }));
  const ev2 = pump(c, s);
  const wire = Buffer.concat(ev2.wire.c2s);
  t.equal(wire.indexOf(secret), -1, 'payload not visible on the wire');
  const m = ev2.s.find((o) => o.kind === 'message');
  t.ok(m?.kind === 'message' && m.msg.front.equals(secret) && m.msg.data.length === 100_000, 'server decrypted the message');
  const m2 = ev2.c.find((o) => o.kind === 'message');
  t.ok(m2?.kind === 'message' && m2.msg.middle.toString() === 'm', 'client decrypted the reply');
});

t.test('a man in the middle rewriting HELLO is caught by AUTH_SIGNATURE', async (t) => {
  const key = Buffer.alloc(16, 3);
  const { c, s } = makePair({ clientAuth: new SharedKeyClient(key), serverAuth: new SharedKeyServer(key) });
  const asm = new FrameAssembler();
  let rewrote = false;
  const ev = pump(c, s, (dir, data) => {
    // The client's HELLO is its first frame after the 26-byte banner; re-frame it with a new address
    // so every CRC still checks out: only the transcript signature can notice.
    if (dir !== 'c2s' || rewrote || data.subarray(0, 8).toString() === 'ceph v2\n') return data;
    const r = new FrameReader();
    r.push(data);
    const out: Buffer[] = [];
    for (let f = r.next(); f; f = r.next()) {
      if (f.tag === Tag.HELLO) {
        const h = decodeControl(Tag.HELLO, f.segments[0]!);
        if (h.tag === Tag.HELLO) h.peerAddr = { ...h.peerAddr, nonce: 99 };
        out.push(...asm.assemble(Tag.HELLO, [encodeControl(h)], [8]));
        rewrote = true;
      } else out.push(...f.raw);
    }
    return Buffer.concat(out);
  });
  t.ok(rewrote, 'HELLO was rewritten in flight');
  const faults = [...ev.c, ...ev.s].filter((o) => o.kind === 'fault');
  t.ok(faults.length >= 1, 'the handshake failed');
  t.match(faults.map((f) => (f.kind === 'fault' ? f.error.message : '')).join(';'), /signature mismatch/);
  t.notOk([...ev.c, ...ev.s].some((o) => o.kind === 'ready'), 'no side reached READY');
});

t.test('a wrong key: AUTH_BAD_METHOD, client fails with EACCES', async (t) => {
  const { c, s } = makePair({ clientAuth: new SharedKeyClient(Buffer.alloc(16, 1)), serverAuth: new SharedKeyServer(Buffer.alloc(16, 2)) });
  const ev = pump(c, s);
  const f = ev.c.find((o) => o.kind === 'fault');
  t.ok(f?.kind === 'fault', 'client faulted');
  t.equal(f?.kind === 'fault' && f.error.code, 'EACCES');
  t.equal(c.state, 'CLOSED');
});

t.test('no common connection mode: AUTH_BAD_METHOD with EOPNOTSUPP', async (t) => {
  const key = Buffer.alloc(16, 1);
  const { c, s } = makePair({ clientAuth: new SharedKeyClient(key, [ConMode.SECURE]), serverAuth: new SharedKeyServer(key, [ConMode.CRC]) });
  const ev = pump(c, s);
  const f = ev.c.find((o) => o.kind === 'fault');
  t.equal(f?.kind === 'fault' && f.error.code, 'EOPNOTSUPP');
});

t.test('missing required features: IDENT_MISSING_FEATURES', async (t) => {
  const pol = { ...Policies.statelessServer(), featuresRequired: 1n << 62n };
  const { c, s } = makePair({ clientAuth: new AuthNoneClient(admin), serverAuth: new AuthNoneServer(), serverPolicy: () => pol });
  const ev = pump(c, s);
  const f = ev.c.find((o) => o.kind === 'fault');
  t.equal(f?.kind === 'fault' && f.error.code, 'EOPNOTSUPP');
  t.match(f?.kind === 'fault' ? f.error.message : '', /4000000000000000/);
});

t.test('keepalive and lossless acks', async (t) => {
  const { c, s } = makePair({
    clientAuth: new AuthNoneClient(admin),
    serverAuth: new AuthNoneServer(),
    clientPolicy: Policies.losslessPeer(),
    serverPolicy: () => Policies.statefulServer(),
  });
  pump(c, s);
  t.equal(c.session.lossy, false);
  t.ok(c.session.clientCookie !== 0n && c.session.serverCookie !== 0n, 'lossless sessions have cookies');
  c.sendKeepalive(1_700_000_123_456);
  const ev = pump(c, s);
  const ack = ev.c.find((o) => o.kind === 'keepaliveAck');
  t.same(ack?.kind === 'keepaliveAck' && ack.stamp, { sec: 1_700_000_123, nsec: 456_000_000 }, 'KEEPALIVE2_ACK echoes the stamp');
  for (let i = 0; i < 3; i++) c.send(makeMessage({ type: 2 }));
  pump(c, s);
  t.equal(s.session.inSeq, 3);
  t.equal(c.session.sent.length, 0, 'the server ACK frame released every sent message');
});

t.test('frames in the wrong state fault the connection with a reason', async (t) => {
  const { c, s } = makePair({ clientAuth: new AuthNoneClient(admin), serverAuth: new AuthNoneServer() });
  c.takeOutputs();
  s.takeOutputs();
  const asm = new FrameAssembler();
  // A MESSAGE frame straight after the banner.
  s.receive(Buffer.concat([encodeBanner(), ...asm.assemble(Tag.MESSAGE, [Buffer.alloc(41)], [8])]), 0);
  const f = s.takeOutputs().find((o) => o.kind === 'fault');
  t.match(f?.kind === 'fault' ? f.error.message : '', /MESSAGE frame in state HELLO_ACCEPTING/);
  t.equal(s.state, 'CLOSED');
});
