/**
 * Tickets and requests cephx must refuse although a 16.2 cluster would take them:
 *  - a service ticket past its expiry (plus ticketExpiryGraceMs), while the secret that sealed it is
 *    still in the service's rotating keyring;
 *  - GET_PRINCIPAL_SESSION_KEY with an expired auth ticket, with another service's ticket, or with
 *    another entity's auth ticket on this session;
 *  - GET_PRINCIPAL_SESSION_KEY / GET_ROTATING_KEY in the handshake, before GET_AUTH_SESSION_KEY proved
 *    the name;
 *  - a captured AUTH_REQUEST + AUTH_REQUEST_MORE replayed on a new connection;
 *  - at a monitor, an authorizer that is not a monitor's ticket sealed with the mon. key.
 */
import t from 'tap';
import { EntityName, EntityType, utimeFromMs, Writer } from '@ts-ceph/denc';
import { AuthClientProvider, AuthMethod, AuthServerResult } from '@ts-ceph/messenger';
import {
  answerChallenge,
  Authorizer,
  AuthRegistry,
  buildAuthorizer,
  buildServiceTicketBlob,
  CryptoKey,
  cryptoRandom,
  SECRET_ID_NONE,
  CEPHX_GET_PRINCIPAL_SESSION_KEY,
  CephxServiceServerProvider,
  encodeCephXRequestHeader,
  encodeCephXServiceTicketRequest,
  KeyRing,
  monAuthSession,
  RotatingKeyRing,
  ticketExpiryGraceMs,
} from '../src/index';
import { admin, handshake, meta, monFixture, osd0, replay, T0 } from './lib/loopback';

const HOUR = 3600_000;

function world() {
  const clock = { now: T0 };
  const now = () => clock.now;
  const f = monFixture({ now });
  const keys = new RotatingKeyRing(EntityType.OSD, new KeyRing());
  keys.setSecrets(f.ks.data.rotatingSecrets.get(EntityType.OSD)!);
  const registry = new AuthRegistry(EntityType.OSD, { msServiceMode: 'crc secure', msClusterMode: 'crc secure' });
  const osd = new CephxServiceServerProvider({ rng: cryptoRandom, keys, registry, now });
  const c = f.client(admin, f.adminKey);
  const mon = handshake(c, f.provider, EntityType.CLIENT, EntityType.MON);
  t.equal(mon.outcome, 'done');
  return { clock, f, keys, registry, osd, c, monSide: monAuthSession(mon.server)!.handler! };
}

t.test('an expired service ticket is refused, though its sealing secret is still current', async (t) => {
  const w = world();
  t.equal(handshake(w.c, w.osd, EntityType.CLIENT, EntityType.OSD).outcome, 'done', 'fresh ticket accepted');
  w.clock.now = T0 + HOUR + ticketExpiryGraceMs - 1000;
  t.equal(handshake(w.c, w.osd, EntityType.CLIENT, EntityType.OSD).outcome, 'done', 'within the grace for clock skew: accepted');
  w.clock.now = T0 + HOUR + ticketExpiryGraceMs + 1000;
  const osdTicket = w.c.handler.tickets.get(EntityType.OSD)!.ticket;
  t.ok(w.keys.getServiceSecret(EntityType.OSD, osdTicket.secretId), 'the OSD still holds the secret that sealed it');
  const x = handshake(w.c, w.osd, EntityType.CLIENT, EntityType.OSD);
  t.match(x, { outcome: 'error', error: { result: -13, reason: /ticket for service 4 expired 61 s ago/ } });
});

t.test('without a clock of its own the service checks expiry against the time the messenger stamped', async (t) => {
  const w = world();
  const osd = new CephxServiceServerProvider({ rng: cryptoRandom, keys: w.keys, registry: w.registry });
  const first = handshake(w.c, osd, EntityType.CLIENT, EntityType.OSD);
  const sm = meta(EntityType.CLIENT, EntityType.OSD);
  sm.conMode = 1;
  sm.nowMs = T0 + 2 * HOUR;
  const r = [osd.handleAuthRequest(sm, false, AuthMethod.CEPHX, first.sent[0]!)];
  t.match(r, [{ kind: 'error', result: -13, reason: /expired/ }]);
});

t.test('GET_PRINCIPAL_SESSION_KEY with an expired auth ticket is refused', async (t) => {
  const w = world();
  w.clock.now = T0 + 2701_000; // the service tickets are due, the auth ticket is not
  const renew = w.c.buildRenewalRequest();
  t.equal(w.monSide.handleRequest(renew, undefined, w.clock.now).status, 0, 'accepted while the auth ticket is valid');
  const res = w.monSide.handleRequest(renew, undefined, T0 + 259_200_000 + ticketExpiryGraceMs + 1000);
  t.equal(res.status, -13);
  t.match(res.reason, /ticket for service 32 expired/);
});

t.test('GET_PRINCIPAL_SESSION_KEY only with this session\'s own auth ticket', async (t) => {
  const w = world();
  // client.foo's renewal request, presented on client.admin's session
  const foo = w.f.client({ type: EntityType.CLIENT, id: 'foo' }, w.f.fooKey);
  t.equal(handshake(foo, w.f.provider, EntityType.CLIENT, EntityType.MON).outcome, 'done');
  w.clock.now = T0 + 2701_000;
  const res = w.monSide.handleRequest(foo.buildRenewalRequest(), undefined, w.clock.now);
  t.equal(res.status, -13);
  t.match(res.reason, /with the ticket of client\.foo .* on the session of client\.admin/);
  // an authorizer built from the OSD ticket instead of the auth ticket
  const wr = new Writer();
  encodeCephXRequestHeader(wr, { requestType: CEPHX_GET_PRINCIPAL_SESSION_KEY });
  wr.bytes(w.c.handler.buildAuthorizer(EntityType.OSD)!.bl);
  encodeCephXServiceTicketRequest(wr, { keys: EntityType.OSD | EntityType.MGR });
  const res2 = w.monSide.handleRequest(wr.finish(), undefined, w.clock.now);
  t.equal(res2.status, -13);
  t.match(res2.reason, /with a ticket for service 4, not auth/);
});

t.test('no service tickets or rotating secrets before the name is proven', async (t) => {
  const w = world();
  w.clock.now = T0 + 2701_000;
  // A peer that sniffed nothing but holds client.admin's auth ticket and session key asks in its
  // first AUTH_REQUEST_MORE, skipping the proof of the key.
  const req = w.c.getAuthRequest(meta(EntityType.MON, EntityType.CLIENT)).payload;
  const r: AuthServerResult[] = replay(w.f.provider, EntityType.CLIENT, EntityType.MON, AuthMethod.CEPHX, [req, w.c.buildRenewalRequest()]);
  t.match(r, [{ kind: 'more' }, { kind: 'error', result: -13, reason: /request 0x200 before client\.admin authenticated/ }]);
  // GET_ROTATING_KEY under a claimed daemon name
  const osd = w.f.client(osd0, w.f.osdKey);
  const oreq = osd.getAuthRequest(meta(EntityType.MON, EntityType.OSD)).payload;
  const r2 = replay(w.f.provider, EntityType.OSD, EntityType.MON, AuthMethod.CEPHX, [oreq, osd.buildRotatingRequest()]);
  t.match(r2, [{ kind: 'more' }, { kind: 'error', result: -13, reason: /request 0x400 before osd\.0 authenticated/ }]);
});

t.test('a captured AUTH_REQUEST + AUTH_REQUEST_MORE replayed on a new connection is refused', async (t) => {
  const w = world();
  const fresh = w.f.client(admin, w.f.adminKey);
  const x = handshake(fresh, w.f.provider, EntityType.CLIENT, EntityType.MON);
  t.equal(x.outcome, 'done');
  const r = replay(w.f.provider, EntityType.CLIENT, EntityType.MON, AuthMethod.CEPHX, x.sent);
  t.match(r, [{ kind: 'more' }, { kind: 'error', result: -13, reason: /wrong proof of the server challenge/ }], 'the new server challenge defeats the old proof');
});

t.test('after AUTH_BAD_METHOD for "none", the client\'s cephx AUTH_REQUEST starts over', async (t) => {
  const w = world();
  const sm = meta(EntityType.CLIENT, EntityType.MON);
  sm.conMode = 1;
  const fresh = w.f.client(admin, w.f.adminKey);
  const cm = meta(EntityType.MON, EntityType.CLIENT);
  const req = fresh.getAuthRequest(cm).payload;
  t.match(w.f.provider.handleAuthRequest(sm, false, AuthMethod.NONE, req), { kind: 'error', result: -95 }, 'none: EOPNOTSUPP');
  const more = w.f.provider.handleAuthRequest(sm, false, AuthMethod.CEPHX, req);
  t.equal(more.kind, 'more', 'cephx on the same connection: the server challenge');
  const done = w.f.provider.handleAuthRequest(sm, true, AuthMethod.CEPHX, fresh.handleAuthReplyMore(cm, (more as { payload: Buffer }).payload));
  t.equal(done.kind, 'done');
});

/**
 * A peer that presents an authorizer with a ticket it sealed itself: for `service`, naming `name`
 * (global id `globalId`), with every cap, under `serviceSecret` (a key it should not be able to use
 * as a service's shared key). It answers the server's challenge as a real client would.
 */
function forgedAuthorizerPeer(service: number, name: EntityName, globalId: bigint, serviceSecret: CryptoKey): AuthClientProvider {
  const sessionKey = CryptoKey.generate(cryptoRandom, T0);
  const forged = buildServiceTicketBlob({
    serviceId: service,
    secretId: SECRET_ID_NONE,
    ticket: { name, globalId, created: utimeFromMs(T0), expires: utimeFromMs(T0 + HOUR), caps: { allowAll: true, caps: Buffer.alloc(0) }, flags: 0 },
    sessionKey,
    serviceSecret,
    validity: { sec: 3600, nsec: 0 },
  });
  return {
    getAuthRequest: (m) => {
      m.providerState = buildAuthorizer(globalId, service, forged, sessionKey, cryptoRandom);
      return { method: AuthMethod.CEPHX, preferredModes: [1], payload: (m.providerState as Authorizer).bl };
    },
    handleAuthReplyMore: (m, p) => (m.providerState = answerChallenge(m.providerState as Authorizer, p)).bl,
    handleAuthDone: () => {},
    handleAuthBadMethod: () => false,
  };
}

t.test('a monitor takes authorizers only from monitors, sealed with the mon. key', async (t) => {
  const w = world();
  // An entity whose id is empty ("osd.") has a key that looks like a service's shared key.
  const osdDot = CryptoKey.generate(cryptoRandom, T0);
  w.f.ks.addAuth({ type: EntityType.OSD, id: '' }, { key: osdDot, caps: new Map() });
  const peer = forgedAuthorizerPeer(EntityType.OSD, { type: EntityType.MON, id: '' }, 0n, osdDot);
  const x = handshake(peer, w.f.provider, EntityType.MON, EntityType.MON);
  t.match(x, { outcome: 'error', error: { result: -13, reason: /authorizer for service 4 from mon\.: only monitors/ } });
  t.notOk(x.server.peerCaps, 'no caps were granted');
});

t.test('a service takes authorizers only for its own service type', async (t) => {
  const w = world();
  const clientDot = CryptoKey.generate(cryptoRandom, T0);
  w.keys.keyring.add({ type: EntityType.CLIENT, id: '' }, { key: clientDot, caps: new Map() });
  const peer = forgedAuthorizerPeer(EntityType.CLIENT, admin, 1n, clientDot);
  const x = handshake(peer, w.osd, EntityType.CLIENT, EntityType.OSD);
  t.match(x, { outcome: 'error', error: { result: -13, reason: /authorizer for service 8, we are service 4/ } });
});
