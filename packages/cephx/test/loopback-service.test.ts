/**
 * Service authentication end to end, through the provider interfaces: an OSD fetches its rotating
 * secrets from the mon (GET_ROTATING_KEY over MAuth), a client presents an authorizer to it with the
 * challenge round, replayed authorizers are refused, tickets are renewed over MAuth
 * (GET_AUTH_SESSION_KEY / GET_PRINCIPAL_SESSION_KEY), tickets sealed with rotated-out secrets are
 * refused, and monitors authenticate to each other with the shared mon key.
 */
import t from 'tap';
import { EntityType, Reader } from '@ts-ceph/denc';
import { AuthMethod } from '@ts-ceph/messenger';
import {
  AuthRegistry,
  CephxServiceServerProvider,
  CephxMonPeerClientProvider,
  RotatingKeyRing,
  KeyRing,
  monAuthSession,
  decodeCephXResponseHeader,
  CEPHX_GET_ROTATING_KEY,
  CEPHX_GET_PRINCIPAL_SESSION_KEY,
  cryptoRandom,
} from '../src/index';
import { handshake, replay, monFixture, admin, osd0, T0 } from './lib/loopback';

function world() {
  const clock = { now: T0 };
  const now = () => clock.now;
  const f = monFixture({ now });
  // osd.0 logs in to the mon and fetches its rotating secrets over MAuth
  const osdClient = f.client(osd0, f.osdKey, EntityType.MON | EntityType.OSD | EntityType.MGR);
  const osdMon = handshake(osdClient, f.provider, EntityType.OSD, EntityType.MON);
  const monSide = monAuthSession(osdMon.server)!.handler!;
  const fetchRotating = () => {
    const res = monSide.handleRequest(osdClient.buildRotatingRequest(), undefined, now());
    if (res.status !== 0) throw new Error(`GET_ROTATING_KEY refused: ${res.reason}`);
    t.equal(osdClient.handleMAuthReply(0, osdClient.globalId, res.reply), 'done');
    keys.setSecrets(osdClient.rotatingSecrets!);
  };
  const keys = new RotatingKeyRing(EntityType.OSD, new KeyRing());
  fetchRotating();
  const osd = new CephxServiceServerProvider({ rng: cryptoRandom, keys, registry: new AuthRegistry(EntityType.OSD, { msServiceMode: 'crc secure', msClusterMode: 'crc secure' }) });
  const adminClient = f.client(admin, f.adminKey);
  const adminMon = handshake(adminClient, f.provider, EntityType.CLIENT, EntityType.MON);
  return { f, clock, osd, keys, osdClient, osdMon, fetchRotating, adminClient, adminMon };
}

t.test('GET_ROTATING_KEY: the OSD gets the rotating secrets of its own type', async (t) => {
  const w = world();
  const rot = w.osdClient.rotatingSecrets!;
  t.equal(rot.secrets.size, 3, 'previous, current, next');
  const mine = w.f.ks.data.rotatingSecrets.get(EntityType.OSD)!;
  for (const [id, k] of mine.secrets) t.ok(rot.secrets.get(id)?.key.equals(k.key), `secret ${id} matches the mon's`);
  t.notOk(w.keys.needNewSecrets(T0), 'fresh secrets');
  // a client may not fetch rotating secrets: it has no rotating type
  const res = monAuthSession(w.adminMon.server)!.handler!.handleRequest(w.adminClient.buildRotatingRequest(), undefined, T0);
  t.equal(res.status, -13, 'client.admin: EACCES');
  t.equal(decodeCephXResponseHeader(new Reader(res.reply)).requestType, CEPHX_GET_ROTATING_KEY);
});

t.test('client -> OSD: authorizer, challenge, reply', async (t) => {
  const w = world();
  const x = handshake(w.adminClient, w.osd, EntityType.CLIENT, EntityType.OSD);
  t.equal(x.outcome, 'done', x.error?.reason ?? 'done');
  t.equal(x.replies.length, 2, 'one challenge round, then done');
  t.equal(x.replies[0]!.kind, 'more', 'the first authorizer is always challenged');
  t.same(x.server.peerName, admin);
  t.equal(x.server.peerGlobalId, w.adminClient.globalId);
  t.same(x.server.peerCaps, { allowAll: false, text: 'allow *' }, 'the OSD learns the osd caps from the ticket');
  t.ok(x.client.sessionKey!.equals(x.server.sessionKey!), 'same session key');
  t.ok(x.client.sessionKey!.equals(w.adminClient.handler.ticketFor(EntityType.OSD)!.sessionKey.secret), 'the osd ticket session key');

  // client.foo: caps "allow rw pool=p1" travel to the OSD
  const foo = w.f.client({ type: EntityType.CLIENT, id: 'foo' }, w.f.fooKey);
  t.equal(handshake(foo, w.f.provider, EntityType.CLIENT, EntityType.MON).outcome, 'done');
  const y = handshake(foo, w.osd, EntityType.CLIENT, EntityType.OSD);
  t.same(y.server.peerCaps, { allowAll: false, text: 'allow rw pool=p1' });

  // secure mode between client and OSD: both ends derive the same 64-byte secret
  const secureOsd = new CephxServiceServerProvider({ rng: cryptoRandom, keys: w.keys, registry: new AuthRegistry(EntityType.OSD, { msServiceMode: 'secure' }) });
  const secureClient = w.f.client(admin, w.f.adminKey, undefined, { msClientMode: 'secure crc' });
  handshake(secureClient, w.f.provider, EntityType.CLIENT, EntityType.MON);
  const z = handshake(secureClient, secureOsd, EntityType.CLIENT, EntityType.OSD);
  t.equal(z.server.conMode, 2);
  t.equal(z.client.connectionSecret?.length, 64);
  t.ok(z.client.connectionSecret!.equals(z.server.connectionSecret!));
});

t.test('replayed authorizers are refused', async (t) => {
  const w = world();
  const x = handshake(w.adminClient, w.osd, EntityType.CLIENT, EntityType.OSD);
  t.equal(x.outcome, 'done');
  const [first, answer] = x.sent as [Buffer, Buffer];
  // a captured first round only earns a fresh challenge ...
  const r1 = replay(w.osd, EntityType.CLIENT, EntityType.OSD, AuthMethod.CEPHX, [first, answer]);
  t.equal(r1[0]!.kind, 'more', 'replayed authorizer: challenged');
  t.match(r1[1], { kind: 'error', result: -13, reason: /challenge/ }, 'replayed answer to an old challenge: EACCES');
  // ... and presenting the answer straight away (or the unanswered authorizer twice) fails too
  t.match(replay(w.osd, EntityType.CLIENT, EntityType.OSD, AuthMethod.CEPHX, [first, first]), [{ kind: 'more' }, { kind: 'error', result: -13 }]);
  t.match(replay(w.osd, EntityType.CLIENT, EntityType.OSD, AuthMethod.CEPHX, [answer]), [{ kind: 'more' }], 'an answer without our challenge gets a new challenge');
  // tampering with the ticket or the encrypted part
  for (const at of [20, first.length - 5]) {
    const bad = Buffer.from(first);
    bad[at]! ^= 0x40;
    t.match(replay(w.osd, EntityType.CLIENT, EntityType.OSD, AuthMethod.CEPHX, [bad]), [{ kind: 'error', result: -13 }], `flipped byte ${at}: EACCES`);
  }
  for (let n = 0; n < first.length; n += 7) {
    const res = replay(w.osd, EntityType.CLIENT, EntityType.OSD, AuthMethod.CEPHX, [first.subarray(0, n)]);
    if (res[0]!.kind !== 'error') t.fail(`truncated authorizer (${n} bytes) accepted`);
  }
  t.match(replay(w.osd, EntityType.CLIENT, EntityType.OSD, AuthMethod.NONE, [first]), [{ kind: 'error', result: -95 }], 'AUTH_NONE: EOPNOTSUPP');
});

t.test('ticket expiry and renewal over MAuth', async (t) => {
  const w = world();
  const c = w.adminClient;
  const monSide = monAuthSession(w.adminMon.server)!.handler!;
  const oldOsdKey = c.handler.ticketFor(EntityType.OSD)!.sessionKey;
  t.notOk(c.needTickets(), 'fresh tickets');
  w.clock.now = T0 + 2701_000; // past 3/4 of the 3600 s service ticket ttl
  t.ok(c.needTickets(), 'service tickets due for renewal');
  const renew = c.buildRenewalRequest();
  const res = monSide.handleRequest(renew, undefined, w.clock.now);
  t.equal(res.status, 0, res.reason ?? 'ok');
  t.equal(decodeCephXResponseHeader(new Reader(res.reply)).requestType, CEPHX_GET_PRINCIPAL_SESSION_KEY, 'renewed with GET_PRINCIPAL_SESSION_KEY');
  t.equal(c.handleMAuthReply(0, c.globalId, res.reply), 'done');
  t.notOk(c.needTickets(), 'renewed');
  t.notOk(c.handler.ticketFor(EntityType.OSD)!.sessionKey.equals(oldOsdKey), 'new osd session key');
  t.equal(handshake(c, w.osd, EntityType.CLIENT, EntityType.OSD).outcome, 'done', 'the renewed ticket works');

  // the auth ticket itself (ttl 259200 s) is renewed with GET_AUTH_SESSION_KEY on the same session
  w.clock.now = T0 + 200_000_000;
  w.f.ks.rotate(w.clock.now);
  t.ok(c.needTickets());
  const res2 = monSide.handleRequest(c.buildRenewalRequest(), undefined, w.clock.now);
  t.equal(res2.status, 1, res2.reason ?? 'ok');
  t.equal(c.handleMAuthReply(0, c.globalId, res2.reply), 'done');
  t.notOk(c.needTickets(), 'auth ticket renewed, sealed with the old session key');

  // a MAuthReply with an error surfaces as that errno
  t.throws(() => c.handleMAuthReply(-13, c.globalId, Buffer.alloc(0)), { code: 'CEPHX_REFUSED', message: /error -13/ });
});

t.test('tickets sealed with rotated-out secrets are refused', async (t) => {
  const w = world();
  const c = w.adminClient;
  t.equal(handshake(c, w.osd, EntityType.CLIENT, EntityType.OSD).outcome, 'done');
  // time passes: three service ttls, the mon rotates, the OSD fetches the new secrets
  for (let i = 1; i <= 4; i++) {
    w.clock.now = T0 + i * 3600_000;
    w.f.ks.rotate(w.clock.now);
  }
  t.ok(w.keys.needNewSecrets(w.clock.now), 'the OSD notices its secrets expired');
  w.fetchRotating();
  t.notOk(w.keys.needNewSecrets(w.clock.now));
  const stale = handshake(c, w.osd, EntityType.CLIENT, EntityType.OSD);
  t.match(stale, { outcome: 'error', error: { result: -13, reason: /no secret for service 4/ } }, 'old ticket: EACCES');
  t.notOk(c.handler.haveKey(EntityType.OSD, w.clock.now), 'the client knows its ticket expired');
  // the client renews via the mon and gets in again
  const monSide = monAuthSession(w.adminMon.server)!.handler!;
  const res = monSide.handleRequest(c.buildRenewalRequest(), undefined, w.clock.now);
  t.ok(res.status >= 0, res.reason ?? 'ok');
  c.handleMAuthReply(0, c.globalId, res.reply);
  t.equal(handshake(c, w.osd, EntityType.CLIENT, EntityType.OSD).outcome, 'done', 'fresh ticket accepted');
});

t.test('monitors authenticate to each other with the mon key', async (t) => {
  const w = world();
  const peer = new CephxMonPeerClientProvider({ rng: cryptoRandom, keyServer: w.f.ks, monSecret: w.f.monSecret, registry: new AuthRegistry(EntityType.MON), now: () => w.clock.now });
  const x = handshake(peer, w.f.provider, EntityType.MON, EntityType.MON);
  t.equal(x.outcome, 'done', x.error?.reason ?? 'done');
  t.same(x.server.peerName, { type: EntityType.MON, id: '' });
  t.equal(x.server.peerGlobalId, 0n);
  t.equal(x.server.conMode, 1, 'the mon allows crc only here (ms_mon_cluster_mode = crc)');
  t.ok(x.client.connectionSecret!.equals(x.server.connectionSecret!));
  // a mon with another mon key is refused
  const impostor = new CephxMonPeerClientProvider({ rng: cryptoRandom, keyServer: w.f.ks, monSecret: w.f.adminKey, registry: new AuthRegistry(EntityType.MON), now: () => w.clock.now });
  t.match(handshake(impostor, w.f.provider, EntityType.MON, EntityType.MON), { outcome: 'error', error: { result: -13 } });
  // and the mon can reach the mgr with the MGR rotating secret
  const mgrKeys = new RotatingKeyRing(EntityType.MGR, new KeyRing());
  mgrKeys.setSecrets(w.f.ks.data.rotatingSecrets.get(EntityType.MGR)!);
  const mgr = new CephxServiceServerProvider({ rng: cryptoRandom, keys: mgrKeys, registry: new AuthRegistry(EntityType.MGR) });
  t.equal(handshake(peer, mgr, EntityType.MON, EntityType.MGR).outcome, 'done');
});
