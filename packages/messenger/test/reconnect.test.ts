/**
 * The session-level answers to SESSION_RECONNECT (ProtocolV2::handle_reconnect), driven on the
 * sans-I/O machines: RECONNECT_OK with replay, SESSION_RESET when the server lost the session,
 * SESSION_RETRY / SESSION_RETRY_GLOBAL for stale sequence numbers, WAIT for a reconnect race; and
 * the banner's feature negotiation (REVISION_1 required, a peer's compression offer ignored, a peer
 * requiring what we lack refused). Plus a server restart under a live lossless client.
 */
import t from 'tap';
import { EntityType } from '@ts-ceph/denc';
import { waitFor } from '@ts-ceph/testkit';
import {
  AuthNoneClient,
  AuthNoneServer,
  ClientProtocol,
  encodeBanner,
  makeMessage,
  MemoryNetwork,
  Messenger,
  Policies,
  ProtocolOutput,
  ProtocolV2,
  ServerProtocol,
  Session,
  SessionDirectory,
} from '../src';
import { CLIENT_SOCK, env, pump, SERVER_ADDR } from './lib/harness';

const admin = { type: EntityType.CLIENT, id: 'admin' };
const kinds = (os: ProtocolOutput[]) => os.map((o) => o.kind);

/** A lossless client session that had been talking to the server, and the server's record of it. */
function established(opts: { clientConnectSeq?: number; serverConnectSeq?: number; serverPeerGlobalSeq?: number; clientGlobalSeq?: number; unacked?: number }) {
  const cs = new Session(false);
  Object.assign(cs, { clientCookie: 11n, serverCookie: 22n, connectSeq: opts.clientConnectSeq ?? 1, inSeq: 5, outSeq: 0 });
  for (let i = 0; i < (opts.unacked ?? 0); i++) cs.enqueue(makeMessage({ type: 2, front: Buffer.from([i]) }));
  const ss = new Session(false);
  Object.assign(ss, { clientCookie: 11n, serverCookie: 22n, connectSeq: opts.serverConnectSeq ?? 0, inSeq: 0, peerGlobalSeq: opts.serverPeerGlobalSeq ?? 0 });
  const existing = new ServerProtocol(env(EntityType.MON, [SERVER_ADDR], () => Policies.statefulServer()), new AuthNoneServer(), CLIENT_SOCK);
  existing.session = ss;
  existing.policy = Policies.statefulServer();
  existing.state = 'STANDBY';
  const dir: SessionDirectory = { lookup: () => existing, register: () => true };
  const cenv = env(EntityType.CLIENT, []);
  if (opts.clientGlobalSeq) cenv.nextGlobalSeq = () => opts.clientGlobalSeq!;
  const c = new ClientProtocol(cenv, new AuthNoneClient(admin), SERVER_ADDR, EntityType.MON, Policies.losslessClient(), cs);
  const s = new ServerProtocol(env(EntityType.MON, [SERVER_ADDR], () => Policies.statefulServer()), new AuthNoneServer(), CLIENT_SOCK, dir);
  c.start(0);
  s.start(0);
  return { c, s, existing };
}

t.test('SESSION_RECONNECT → RECONNECT_OK: the session resumes, unacked messages are replayed', async (t) => {
  const { c, s, existing } = established({ unacked: 3 });
  const ev = pump(c, s);
  t.same(kinds(ev.c), ['ready'], 'client ready');
  t.ok(ev.c[0]?.kind === 'ready' && ev.c[0].reconnected, 'as a reconnect');
  t.ok(ev.s.some((o) => o.kind === 'takeover' && o.existing === existing), 'server took over the existing session');
  t.equal(s.session, existing.session, 'the accepting protocol now owns that session');
  const got = ev.s.filter((o) => o.kind === 'message');
  t.equal(got.length, 3, 'the queued messages arrived after the resume');
  t.equal(s.session.connectSeq, 1, 'connect_seq adopted from the reconnect');
});

t.test('the server lost the session: SESSION_RESET, the client starts a new one', async (t) => {
  const { c } = established({});
  const s = new ServerProtocol(env(EntityType.MON, [SERVER_ADDR], () => Policies.statefulServer()), new AuthNoneServer(), CLIENT_SOCK, { lookup: () => undefined, register: () => true });
  s.start(0);
  const ev = pump(c, s);
  t.ok(ev.c.some((o) => o.kind === 'remoteReset'), 'remote reset reported (full reset)');
  t.ok(ev.c.some((o) => o.kind === 'ready' && !o.reconnected), 'then a fresh session');
  t.equal(c.session.inSeq, 0, 'sequence numbers restarted');
  t.not(c.session.serverCookie, 22n, 'new server cookie');
});

t.test('stale connect_seq: SESSION_RETRY, the client retries with connect_seq + 1', async (t) => {
  const { c, s } = established({ clientConnectSeq: 1, serverConnectSeq: 4 });
  const ev = pump(c, s);
  t.ok(ev.c.some((o) => o.kind === 'ready' && o.reconnected), 'resumed after the retry');
  t.equal(c.session.connectSeq, 5, 'connect_seq = server connect_seq + 1');
});

t.test('stale global_seq: SESSION_RETRY_GLOBAL, the client moves its global_seq past the server\'s', async (t) => {
  const { c, s } = established({ serverPeerGlobalSeq: 40, clientGlobalSeq: 3 });
  const gs: number[] = [];
  const orig = c['env'].nextGlobalSeq;
  c['env'].nextGlobalSeq = (atLeast?: number) => {
    gs.push(atLeast ?? 0);
    return atLeast ? atLeast + 1 : orig();
  };
  const ev = pump(c, s);
  t.ok(ev.c.some((o) => o.kind === 'ready' && o.reconnected), 'resumed after the retry');
  t.same(gs, [40], 'asked for a global_seq past 40');
  t.equal(c.session.globalSeq, 41);
});

t.test('reconnect race the existing connection wins: WAIT, the client backs off', async (t) => {
  const { c, s, existing } = established({ clientConnectSeq: 0, serverConnectSeq: 0 });
  // The existing side is itself connecting (not a server policy) and has the higher address.
  existing.policy = Policies.losslessPeer();
  existing.state = 'SESSION_CONNECTING';
  existing.session.peerAddrs = [{ ...SERVER_ADDR, nonce: 0xffffffff }];
  const ev = pump(c, s);
  const f = ev.c.find((o) => o.kind === 'fault');
  t.ok(f?.kind === 'fault' && f.wait, 'client fault with wait=true');
  t.equal(c.state, 'CLOSED');
});

t.test('banner feature negotiation', async (t) => {
  const srv = () => {
    const s: ProtocolV2 = new ServerProtocol(env(EntityType.MON, [SERVER_ADDR]), new AuthNoneServer(), CLIENT_SOCK);
    s.start(0);
    s.takeOutputs();
    return s;
  };
  let s = srv();
  s.receive(encodeBanner({ supported: 3n, required: 0n }), 0);
  t.same(kinds(s.takeOutputs()), ['write'], 'a peer offering compression (bit 1) is fine: HELLO goes out');
  s = srv();
  s.receive(encodeBanner({ supported: 3n, required: 2n }), 0);
  const f = s.takeOutputs().find((o) => o.kind === 'fault');
  t.match(f?.kind === 'fault' ? f.error.message : '', /requires msgr2 features 0x2/);
  s = srv();
  s.receive(encodeBanner({ supported: 0n, required: 0n }), 0);
  const g = s.takeOutputs().find((o) => o.kind === 'fault');
  t.match(g?.kind === 'fault' ? g.error.message : '', /does not support msgr2.1/, 'a msgr2.0 peer is refused');
  s = srv();
  s.receive(Buffer.from('ceph v027'), 0);
  s.receive(Buffer.alloc(1), 0);
  const h = s.takeOutputs().find((o) => o.kind === 'fault');
  t.match(h?.kind === 'fault' ? h.error.message : '', /msgr1/, 'a msgr1 banner is named as such');
});

t.test('a lossless client survives a server restart: remote reset, then a new session', async (t) => {
  const net = new MemoryNetwork();
  const mk = () => new Messenger({ entityType: EntityType.OSD, nonce: 9, authServer: new AuthNoneServer(), transports: net, defaultPolicy: Policies.statefulServer() });
  let server = mk();
  const got: number[] = [];
  const d = { msDispatch: (_c: unknown, m: { front: Buffer }) => void got.push(m.front[0]!) };
  server.addDispatcher(d);
  const [addr] = await server.bind('127.0.0.1', 6800);
  const client = new Messenger({ entityType: EntityType.OSD, authClient: new AuthNoneClient({ type: EntityType.OSD, id: '1' }), transports: net, defaultPolicy: Policies.losslessPeer(), initialBackoffMs: 5, maxBackoffMs: 20 });
  let remoteResets = 0;
  client.addDispatcher({ msDispatch() {}, msHandleRemoteReset: () => void remoteResets++ });
  const con = client.connectTo(addr!, EntityType.OSD);
  con.send(makeMessage({ type: 2, front: Buffer.from([1]) }));
  await waitFor(() => got.length === 1, 5000, 'first message');
  await server.shutdown();
  server = mk();
  server.addDispatcher(d);
  await server.bind('127.0.0.1', 6800);
  await waitFor(() => remoteResets === 1 && con.isConnected, 5000, 'remote reset and a new session');
  con.send(makeMessage({ type: 2, front: Buffer.from([2]) }));
  await waitFor(() => got.length === 2, 5000, 'second message on the new session');
  t.same(got, [1, 2]);
  t.equal(remoteResets, 1, 'the client was told its old session is gone');
  await client.shutdown();
  await server.shutdown();
});
