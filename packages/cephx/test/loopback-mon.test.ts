/**
 * Our cephx client provider against our monitor provider, through the AuthClientProvider /
 * AuthServerProvider interfaces (no network): the AUTH_MODE_MON handshake in crc and secure mode,
 * refusals (wrong key, unknown entity, missing or unparseable mon caps, no global_id, bad method),
 * and the global_id reclaim rules of CVE-2021-20288 with auth_allow_insecure_global_id_reclaim off
 * and on.
 */
import t from 'tap';
import { Reader, Writer, EntityType, decodeEntityName } from '@ts-ceph/denc';
import { AuthMethod, ConMode } from '@ts-ceph/messenger';
import {
  CryptoKey,
  CephxServiceHandler,
  GlobalIdStatus,
  monAuthSession,
  cryptoRandom,
  calcClientServerChallenge,
  decodeCephXServerChallenge,
  encodeCephXRequestHeader,
  encodeCephXAuthenticate,
  CEPHX_GET_AUTH_SESSION_KEY,
  AUTH_MODE_MON,
  CephXTicketBlob,
} from '../src/index';
import { handshake, replay, monFixture, admin, osd0, T0 } from './lib/loopback';

t.test('client.admin authenticates to the mon (crc)', async (t) => {
  const f = monFixture();
  const c = f.client(admin, f.adminKey);
  const x = handshake(c, f.provider, EntityType.CLIENT, EntityType.MON);
  t.equal(x.outcome, 'done', x.error?.reason ?? 'done');
  t.equal(x.method, AuthMethod.CEPHX);
  t.equal(x.sent[0]!.length, 22, 'AUTH_REQUEST payload is 22 bytes, as real clients send');
  const r = new Reader(x.sent[0]!);
  t.equal(r.u8(), AUTH_MODE_MON);
  t.same(decodeEntityName(r), admin);
  t.equal(r.u64(), 0n);
  t.equal(x.replies[0]!.kind === 'more' && x.replies[0]!.payload.length, 9, 'server challenge is 9 bytes');
  t.equal(x.sent[1]!.length, 36, 'AUTH_REQUEST_MORE is 36 bytes');
  t.equal(c.globalId, 4100n, 'the allocator assigned the global_id');
  t.ok(x.client.sessionKey && x.server.sessionKey && x.client.sessionKey.equals(x.server.sessionKey), 'both sides hold the same session key');
  t.equal(x.client.connectionSecret?.length, 0, 'crc: no connection secret');
  t.same(x.server.peerName, admin);
  t.equal(x.server.peerGlobalId, 4100n);
  t.same(x.server.peerCaps, { allowAll: false, text: 'allow *' });
  const s = monAuthSession(x.server)!;
  t.ok(s.monCaps?.isAllowAll(), 'mon caps parsed');
  t.equal(s.handler?.globalIdStatus, GlobalIdStatus.NEW_OK);
  for (const svc of [EntityType.AUTH, EntityType.MON, EntityType.OSD, EntityType.MGR]) t.ok(c.handler.ticketFor(svc), `ticket for service ${svc}`);
  t.notOk(c.needTickets(), 'nothing more needed');
});

t.test('secure mode: a 64-byte connection secret, the same on both sides', async (t) => {
  const f = monFixture({ now: () => T0, secure: true });
  const x = handshake(f.client(admin, f.adminKey), f.provider, EntityType.CLIENT, EntityType.MON);
  t.equal(x.outcome, 'done', x.error?.reason ?? 'done');
  t.equal(x.server.conMode, ConMode.SECURE);
  t.equal(x.client.conMode, ConMode.SECURE);
  t.equal(x.client.connectionSecret?.length, 64);
  t.ok(x.client.connectionSecret!.equals(x.server.connectionSecret!));
});

t.test('refusals', async (t) => {
  const f = monFixture();
  const wrong = handshake(f.client(admin, CryptoKey.generate(cryptoRandom, T0)), f.provider, EntityType.CLIENT, EntityType.MON);
  t.match(wrong, { outcome: 'error', error: { result: -13 } }, 'wrong key: EACCES');
  t.match(wrong.error?.reason, /wrong proof/);
  const unknown = handshake(f.client({ type: EntityType.CLIENT, id: 'nobody' }, f.adminKey), f.provider, EntityType.CLIENT, EntityType.MON);
  t.match(unknown, { outcome: 'error', error: { result: -13 } }, 'unknown entity: EACCES');
  const noMon = handshake(f.client({ type: EntityType.CLIENT, id: 'nomon' }, f.noMonKey), f.provider, EntityType.CLIENT, EntityType.MON);
  t.match(noMon, { outcome: 'error', error: { result: -13, reason: /mon caps null/ } }, 'no mon caps: EACCES');
  const bad = handshake(f.client({ type: EntityType.CLIENT, id: 'badcaps' }, f.badCapsKey), f.provider, EntityType.CLIENT, EntityType.MON);
  t.match(bad, { outcome: 'error', error: { result: -13, reason: /unparseable caps/ } }, 'unparseable mon caps: EACCES');
  f.allocator.fail = true;
  const busy = handshake(f.client(admin, f.adminKey), f.provider, EntityType.CLIENT, EntityType.MON);
  t.match(busy, { outcome: 'error', error: { result: -16 } }, 'no global_id to hand out: EBUSY');
  f.allocator.fail = false;
  const req = Buffer.from(handshake(f.client(admin, f.adminKey), f.provider, EntityType.CLIENT, EntityType.MON).sent[0]!);
  t.match(replay(f.provider, EntityType.CLIENT, EntityType.MON, AuthMethod.NONE, [req]), [{ kind: 'error', result: -95 }], 'AUTH_NONE: EOPNOTSUPP');
  t.match(replay(f.provider, EntityType.CLIENT, EntityType.MON, AuthMethod.CEPHX, [Buffer.alloc(0)]), [{ kind: 'error', result: -13 }], 'empty payload');
  t.match(replay(f.provider, EntityType.CLIENT, EntityType.MON, AuthMethod.CEPHX, [Buffer.from([42, 0])]), [{ kind: 'error', result: -13 }], 'unknown auth mode');
  t.match(replay(f.provider, EntityType.CLIENT, EntityType.MON, AuthMethod.CEPHX, [req, Buffer.from([1])]), [{ kind: 'more' }, { kind: 'error', result: -1 }], 'truncated request header: EPERM');
  // every truncation of a valid exchange is refused cleanly, never thrown
  const good = handshake(f.client(admin, f.adminKey), f.provider, EntityType.CLIENT, EntityType.MON);
  for (let n = 0; n < good.sent[1]!.length; n++) {
    const res = replay(f.provider, EntityType.CLIENT, EntityType.MON, AuthMethod.CEPHX, [good.sent[0]!, good.sent[1]!.subarray(0, n)]);
    if (res[1]!.kind !== 'error') t.fail(`truncated to ${n} bytes was not refused`);
  }
  for (let n = 1; n < good.sent[0]!.length; n++) {
    const res = replay(f.provider, EntityType.CLIENT, EntityType.MON, AuthMethod.CEPHX, [good.sent[0]!.subarray(0, n)]);
    if (res[0]!.kind !== 'error') t.fail(`AUTH_REQUEST truncated to ${n} bytes was not refused`);
  }
  t.pass('all truncations refused');
  const c = f.client(admin, f.adminKey);
  t.equal(c.handleAuthBadMethod({ peerType: EntityType.MON, selfType: EntityType.CLIENT, authMethod: 2, conMode: 0 }, AuthMethod.CEPHX, -13, [AuthMethod.NONE], []), false, 'bad method: give up');
});

t.test('global_id reclaim (auth_allow_insecure_global_id_reclaim = false)', async (t) => {
  const f = monFixture();
  const a = f.client(admin, f.adminKey);
  t.equal(handshake(a, f.provider, EntityType.CLIENT, EntityType.MON).outcome, 'done');
  const gid = a.globalId;
  const oldSession = a.handler.ticketFor(EntityType.AUTH)!.sessionKey;
  // reconnect: same client state, presents its auth ticket for the same global_id
  const again = handshake(a, f.provider, EntityType.CLIENT, EntityType.MON);
  t.equal(again.outcome, 'done', again.error?.reason ?? 'done');
  t.equal(a.globalId, gid, 'kept its global_id');
  t.equal(monAuthSession(again.server)?.handler?.globalIdStatus, GlobalIdStatus.RECLAIM_OK);
  t.notOk(a.handler.ticketFor(EntityType.AUTH)!.sessionKey.equals(oldSession), 'new auth session key (the new ticket came sealed with the old one)');

  // an impostor with the same key but no ticket claims that global_id
  const b = f.client(admin, f.adminKey);
  b.handler.globalId = gid;
  t.match(handshake(b, f.provider, EntityType.CLIENT, EntityType.MON), { outcome: 'error', error: { result: -13, reason: /without presenting ticket/ } }, 'no ticket: EACCES');

  // a valid ticket, but for another global_id
  const c = f.client(admin, f.adminKey);
  t.equal(handshake(c, f.provider, EntityType.CLIENT, EntityType.MON).outcome, 'done');
  t.not(c.globalId, gid);
  c.handler.globalId = gid;
  t.match(handshake(c, f.provider, EntityType.CLIENT, EntityType.MON), { outcome: 'error', error: { result: -13, reason: /mismatching ticket/ } }, 'mismatching ticket: EACCES');

  // a garbage ticket
  const d = f.client(admin, f.adminKey);
  t.equal(handshake(d, f.provider, EntityType.CLIENT, EntityType.MON).outcome, 'done');
  const auth = d.handler.tickets.get(EntityType.AUTH)!;
  auth.ticket = { secretId: auth.ticket.secretId, blob: Buffer.alloc(auth.ticket.blob.length, 0x5a) };
  t.match(handshake(d, f.provider, EntityType.CLIENT, EntityType.MON), { outcome: 'error', error: { result: -13, reason: /bad ticket/ } }, 'bad ticket: EACCES');

  // a new global_id must not come with a ticket
  const e = f.client(admin, f.adminKey);
  t.equal(handshake(e, f.provider, EntityType.CLIENT, EntityType.MON).outcome, 'done');
  e.handler.globalId = 0n;
  t.match(handshake(e, f.provider, EntityType.CLIENT, EntityType.MON), { outcome: 'error', error: { result: -22, reason: /superfluous ticket/ } }, 'superfluous ticket: EINVAL');
});

/** A legacy (CephXAuthenticate v2) client at the handler level. */
function legacyAttempt(f: ReturnType<typeof monFixture> & { insecure: boolean }, gid: bigint, oldTicket: CephXTicketBlob, structV: number) {
  const h = new CephxServiceHandler(f.ks, cryptoRandom, { allowInsecureGlobalIdReclaim: f.insecure });
  const ch = decodeCephXServerChallenge(new Reader(h.startSession(admin, gid, false))).serverChallenge;
  const w = new Writer();
  encodeCephXRequestHeader(w, { requestType: CEPHX_GET_AUTH_SESSION_KEY });
  const clientChallenge = 77n;
  encodeCephXAuthenticate(w, { clientChallenge, key: calcClientServerChallenge(f.adminKey, ch, clientChallenge), oldTicket, otherKeys: 0, oldTicketMayBeOmitted: structV < 3, structV });
  const res = h.handleRequest(w.finish(), 0, T0);
  return { status: res.status, globalIdStatus: h.globalIdStatus, reason: res.reason };
}

t.test('insecure reclaim: legacy clients only, and only when allowed', async (t) => {
  const strict = Object.assign(monFixture(), { insecure: false });
  const lax = Object.assign(monFixture({ now: () => T0, allowInsecureGlobalIdReclaim: true }), { insecure: true });
  const none = { secretId: 0n, blob: Buffer.alloc(0) };
  t.match(legacyAttempt(strict, 4242n, none, 2), { status: -13 }, 'strict: legacy client without ticket refused');
  t.match(legacyAttempt(lax, 4242n, none, 2), { status: 1, globalIdStatus: GlobalIdStatus.RECLAIM_INSECURE }, 'lax: legacy client without ticket allowed, marked insecure');
  t.match(legacyAttempt(lax, 4242n, none, 3), { status: -13 }, 'lax: a v3 client must still present its ticket');
  t.match(legacyAttempt(lax, 4242n, { secretId: 2n, blob: Buffer.alloc(48, 1) }, 2), { status: 1, globalIdStatus: GlobalIdStatus.RECLAIM_INSECURE }, 'lax: legacy client with a bad ticket allowed');
  // a new global_id from a legacy client is marked "not exposed"
  const h = new CephxServiceHandler(strict.ks, cryptoRandom);
  const ch = decodeCephXServerChallenge(new Reader(h.startSession(admin, 5000n, true))).serverChallenge;
  const w = new Writer();
  encodeCephXRequestHeader(w, { requestType: CEPHX_GET_AUTH_SESSION_KEY });
  encodeCephXAuthenticate(w, { clientChallenge: 1n, key: calcClientServerChallenge(strict.adminKey, ch, 1n), oldTicket: none, otherKeys: 0, oldTicketMayBeOmitted: true, structV: 2 });
  t.equal(h.handleRequest(w.finish(), undefined, T0).status, 1);
  t.equal(h.globalIdStatus, GlobalIdStatus.NEW_NOT_EXPOSED);
});

t.test('daemons authenticate with their own keys and profile caps', async (t) => {
  const f = monFixture();
  const o = f.client(osd0, f.osdKey, EntityType.MON | EntityType.OSD | EntityType.MGR);
  const x = handshake(o, f.provider, EntityType.OSD, EntityType.MON);
  t.equal(x.outcome, 'done', x.error?.reason ?? 'done');
  const caps = monAuthSession(x.server)!.monCaps!;
  t.ok(caps.isCapable({ name: osd0, service: 'osd', read: true, write: true, exec: true }), 'profile osd: rwx on the osd service');
  t.notOk(caps.isCapable({ name: osd0, service: 'auth', read: true }), 'but not auth');
});
