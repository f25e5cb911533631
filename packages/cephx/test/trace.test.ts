/**
 * cephx against real traffic: the msgr2 streams of a real Ceph 16.2.15 cluster
 * (ceph-traces/streams/pcap-*.bin, keys in pcap-keys.txt). Every AUTH_* payload is decoded with our
 * codecs; the client's proof is checked with client.admin's key; AUTH_DONE is opened (session key,
 * validity, tickets, connection secret) by our client handler; the service authorizers sent to the
 * mgr and an OSD are decrypted with the session keys those tickets carried, the challenge round and
 * the authorizer reply are checked; and both AUTH_SIGNATURE frames must equal HMAC-SHA256 of the
 * pre-auth bytes under the session key we derived, which proves every key we decrypted is right.
 * The tickets themselves are sealed with rotating keys the capture does not include.
 */
import t from 'tap';
import type { Test } from 'tap';
import { Reader, EntityType, decodeEntityName } from '@ts-ceph/denc';
import { AuthMethod, ConMode, AuthConnectionMeta } from '@ts-ceph/messenger';
import {
  CryptoKey,
  KeyServer,
  KeyRing,
  AuthRegistry,
  CephxMonServerProvider,
  CephxClientHandler,
  calcClientServerChallenge,
  decodeAuthorizerHead,
  decodeCephXAuthenticate,
  decodeCephXAuthorize,
  decodeCephXAuthorizeChallenge,
  decodeCephXAuthorizeReply,
  decodeCephXRequestHeader,
  decodeCephXResponseHeader,
  decodeCephXServerChallenge,
  decodeDecrypt,
  decodeDecryptBl,
  CEPHX_GET_AUTH_SESSION_KEY,
  AUTH_MODE_MON,
  AUTH_MODE_AUTHORIZER,
  GlobalIdStatus,
  monAuthSession,
  entityCapsFromText,
  cryptoRandom,
} from '../src/index';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '@ts-ceph/common';
import { authFrames, pcapKeys, walk } from './lib/msgr2-walk';

const keys = pcapKeys();
const admin = CryptoKey.fromBase64(keys.get('client.admin')!);
const captureNow = Date.UTC(2026, 10, 22, 10, 46, 33);

/** Replay a mon session through our client handler; returns the tickets it learned. */
function monSession(t: Tap, capture: string, n: number, wantServices: number) {
  const a = authFrames(capture, n);
  t.equal(a.request.method, AuthMethod.CEPHX, 'method cephx');
  t.same(a.request.modes, [ConMode.CRC], 'crc mode preferred (ms_mon_client_mode = crc)');
  // AUTH_REQUEST: u8 AUTH_MODE_MON, EntityName client.admin, le64 global_id 0 (22 bytes)
  t.equal(a.request.payload.length, 22);
  const r = new Reader(a.request.payload);
  t.equal(r.u8(), AUTH_MODE_MON);
  t.same(decodeEntityName(r), { type: EntityType.CLIENT, id: 'admin' });
  t.equal(r.u64(), 0n, 'fresh client: global_id 0');
  // AUTH_REPLY_MORE: CephXServerChallenge (9 bytes)
  const ch = decodeCephXServerChallenge(new Reader(a.replyMore.payload));
  t.not(ch.serverChallenge, 0n);
  // AUTH_REQUEST_MORE: CephXRequestHeader + CephXAuthenticate v3 (36 bytes)
  const qr = new Reader(a.requestMore.payload);
  t.equal(decodeCephXRequestHeader(qr).requestType, CEPHX_GET_AUTH_SESSION_KEY);
  const req = decodeCephXAuthenticate(qr);
  qr.expectEnd();
  t.equal(req.structV, 3);
  t.equal(req.oldTicket.blob.length, 0, 'no old ticket on a fresh connection');
  t.equal(req.otherKeys, wantServices | EntityType.AUTH, 'other_keys = the wanted services');
  t.equal(calcClientServerChallenge(admin, ch.serverChallenge, req.clientChallenge), req.key, "the client's proof checks out with client.admin's key");
  const wrong = CryptoKey.fromBase64(keys.get('client.foo')!);
  t.not(calcClientServerChallenge(wrong, ch.serverChallenge, req.clientChallenge), req.key, 'and not with another key');

  // AUTH_DONE through our client handler
  const h = new CephxClientHandler({ name: { type: EntityType.CLIENT, id: 'admin' }, secret: admin, want: wantServices, rng: { bytes: (k) => Buffer.alloc(k, 1) } });
  t.same(h.handleResponse(0, a.replyMore.payload, captureNow), { kind: 'again' });
  h.globalId = a.done.globalId;
  const done = h.handleResponse(0, a.done.payload, captureNow);
  t.equal(done.kind, 'done', 'all wanted tickets present');
  t.equal(done.connectionSecret?.length, 0, 'crc mode: empty connection secret');
  const auth = h.ticketFor(EntityType.AUTH)!;
  t.equal(auth.expiresMs - captureNow, 259200_000, 'auth ticket validity = auth_mon_ticket_ttl');
  t.equal(auth.renewAfterMs - captureNow, 259200_000 * 0.75, 'renew after 3/4 of it');
  t.equal(auth.ticket.secretId, 2n);
  for (const svc of [EntityType.MON, EntityType.OSD, EntityType.MGR]) {
    const tk = h.ticketFor(svc);
    if (wantServices & svc) t.equal(tk?.expiresMs! - captureNow, 3600_000, `service ${svc} ticket valid auth_service_ticket_ttl`);
    else t.equal(tk, undefined, `no ticket for service ${svc}`);
  }
  // AUTH_SIGNATURE: HMAC-SHA256(session key, every byte received before it, banner included)
  t.ok(done.sessionKey!.hmacSha256(a.s2c.subarray(0, a.done.frame.end)).equals(a.clientSignature), "client's AUTH_SIGNATURE matches our session key");
  t.ok(done.sessionKey!.hmacSha256(a.c2s.subarray(0, a.requestMore.frame.end)).equals(a.serverSignature), "server's AUTH_SIGNATURE matches too");
  return { handler: h, globalId: a.done.globalId, frames: a };
}

type Tap = Test;

t.test('a-ceph-status: bootstrap mon session (auth ticket only)', async (t) => {
  monSession(t, 'a-ceph-status', 0, 0);
});

t.test('a-ceph-status: mon session with mon/osd/mgr tickets, then the mgr session', async (t) => {
  const { handler, globalId } = monSession(t, 'a-ceph-status', 1, EntityType.MON | EntityType.OSD | EntityType.MGR);
  serviceSession(t, 'a-ceph-status', 2, handler, globalId, EntityType.MGR);
});

t.test('d-rados-put-get: mon, mgr and osd.0 sessions', async (t) => {
  monSession(t, 'd-rados-put-get', 0, 0);
  const { handler, globalId } = monSession(t, 'd-rados-put-get', 2, EntityType.MON | EntityType.OSD | EntityType.MGR);
  serviceSession(t, 'd-rados-put-get', 3, handler, globalId, EntityType.MGR);
  serviceSession(t, 'd-rados-put-get', 4, handler, globalId, EntityType.OSD);
  const second = monSession(t, 'd-rados-put-get', 7, EntityType.MON | EntityType.OSD | EntityType.MGR);
  serviceSession(t, 'd-rados-put-get', 9, second.handler, second.globalId, EntityType.OSD);
});

function serviceSession(t: Tap, capture: string, n: number, h: CephxClientHandler, globalId: bigint, service: number): void {
  const a = authFrames(capture, n);
  const tk = h.ticketFor(service)!;
  t.equal(a.request.payload.length, 174, 'authorizer is 174 bytes');
  const r = new Reader(a.request.payload);
  const head = decodeAuthorizerHead(r);
  t.equal(head.authorizerV, AUTH_MODE_AUTHORIZER);
  t.equal(head.globalId, globalId, 'authorizer carries the global_id of the mon session');
  t.equal(head.serviceId, service);
  t.ok(head.ticket.blob.equals(tk.ticket.blob), 'it presents the ticket the mon handed out');
  const first = decodeDecrypt(r, tk.sessionKey, (r) => decodeCephXAuthorize(r));
  r.expectEnd();
  t.equal(first.haveChallenge, false, 'first round: no challenge yet');
  const challenge = decodeDecryptBl(tk.sessionKey, a.replyMore.payload, (r) => decodeCephXAuthorizeChallenge(r));
  const r2 = new Reader(a.requestMore.payload);
  const head2 = decodeAuthorizerHead(r2);
  t.ok(head2.ticket.blob.equals(head.ticket.blob));
  const second = decodeDecrypt(r2, tk.sessionKey, (r) => decodeCephXAuthorize(r));
  t.equal(second.nonce, first.nonce, 'same nonce');
  t.ok(second.haveChallenge);
  t.equal(second.serverChallengePlusOne, challenge.serverChallenge + 1n, 'answers challenge + 1');
  t.equal(a.done.globalId, globalId);
  const reply = decodeDecrypt(new Reader(a.done.payload), tk.sessionKey, (r) => decodeCephXAuthorizeReply(r));
  t.equal(reply.noncePlusOne, first.nonce + 1n, 'reply carries nonce + 1');
  t.equal(reply.connectionSecret.length, 0, 'crc mode: no connection secret');
  t.ok(tk.sessionKey.hmacSha256(a.s2c.subarray(0, a.done.frame.end)).equals(a.clientSignature), 'client AUTH_SIGNATURE under the service session key');
  t.ok(tk.sessionKey.hmacSha256(a.c2s.subarray(0, a.requestMore.frame.end)).equals(a.serverSignature), 'server AUTH_SIGNATURE under the service session key');
}

t.test('our mon server provider accepts the real client (server challenge replayed)', async (t) => {
  const a = authFrames('a-ceph-status', 1);
  const ks = new KeyServer({ rng: { bytes: (n) => Buffer.alloc(n, 7) } });
  ks.addAuth({ type: EntityType.CLIENT, id: 'admin' }, { key: admin, caps: entityCapsFromText([['mon', 'allow *'], ['osd', 'allow *'], ['mgr', 'allow *']]) });
  ks.rotate(captureNow);
  // the server challenge is the only random draw before the proof check: make it the captured one
  const replay = a.replyMore.payload.subarray(1, 9);
  let draws = 0;
  const rng = { bytes: (n: number) => (draws++ === 0 ? Buffer.from(replay) : Buffer.alloc(n, 9)) };
  const p = new CephxMonServerProvider({
    keyServer: ks,
    monKeyring: new KeyRing(),
    registry: new AuthRegistry(EntityType.MON, { msMonClientMode: 'crc', msMonServiceMode: 'crc' }),
    allocateGlobalId: () => a.done.globalId,
    now: () => captureNow,
    rng,
  });
  const meta: AuthConnectionMeta = { peerType: EntityType.CLIENT, selfType: EntityType.MON, authMethod: AuthMethod.CEPHX, conMode: ConMode.CRC };
  const first = p.handleAuthRequest(meta, false, AuthMethod.CEPHX, a.request.payload);
  t.same(first, { kind: 'more', payload: a.replyMore.payload }, 'AUTH_REPLY_MORE is byte-identical to the real mon');
  const done = p.handleAuthRequest(meta, true, AuthMethod.CEPHX, a.requestMore.payload);
  t.equal(done.kind, 'done', "the real client's proof is accepted");
  if (done.kind !== 'done') return;
  t.equal(done.globalId, a.done.globalId);
  t.same(meta.peerName, { type: EntityType.CLIENT, id: 'admin' });
  t.same(meta.peerCaps, { allowAll: false, text: 'allow *' });
  t.equal(monAuthSession(meta)?.handler?.globalIdStatus, GlobalIdStatus.NEW_OK, 'v3 client on a new global_id: NEW_OK');
  t.equal(done.payload.length, a.done.payload.length, 'AUTH_DONE payload has the real size (760 bytes)');
  // and a real client with the wrong key would be refused: flip one bit of its proof
  const tampered = Buffer.from(a.requestMore.payload);
  tampered[2 + 1 + 8] ^= 1;
  draws = 0;
  const meta2: AuthConnectionMeta = { ...meta, providerState: undefined };
  p.handleAuthRequest(meta2, false, AuthMethod.CEPHX, a.request.payload);
  const refused = p.handleAuthRequest(meta2, true, AuthMethod.CEPHX, tampered);
  t.match(refused, { kind: 'error', result: -13 }, 'tampered proof: EACCES');
});

t.test('daemon trace: an OSD fetches its rotating keys over MAuth (plaintext parts and sizes)', async (t) => {
  // osd.0's key of that capture is not published, so check everything but the ciphertext
  const dir = join(sharedDir(), 'ceph-traces', 'daemons', 'streams');
  const ks = new KeyServer({ rng: cryptoRandom });
  ks.addAuth({ type: EntityType.OSD, id: '0' }, { key: admin, caps: entityCapsFromText([['osd', 'allow *']]) });
  ks.rotate(captureNow);
  const ours = ks.getRotatingEncrypted({ type: EntityType.OSD, id: '0' })!;
  for (const n of ['00', '01']) {
    const msgs = (d: string) =>
      walk(readFileSync(join(dir, `pcap-osd0-boot-mon.${n}.${d}.bin`)))
        .frames.filter((f) => f.tag === 17)
        .map((f) => ({ type: f.segments[0]!.readUInt16LE(16), front: f.segments[1]! }));
    const auth = msgs('c2s').find((m) => m.type === 17)!;
    // MAuth: paxos header (le64 version, le16 session_mon, le64 session_mon_tid), le32 protocol, bufferlist payload, le32 monmap_epoch
    const r = new Reader(auth.front);
    r.skip(18);
    t.equal(r.u32(), AuthMethod.CEPHX);
    const payload = r.blob();
    t.same(decodeCephXRequestHeader(new Reader(payload)), { requestType: 0x400 }, 'GET_ROTATING_KEY is a bare 2-byte header');
    const reply = msgs('s2c').find((m) => m.type === 18)!;
    const rr = new Reader(reply.front);
    t.equal(rr.u32(), AuthMethod.CEPHX, 'MAuthReply protocol');
    t.equal(rr.i32(), 0, 'result');
    t.ok(rr.u64() > 0n, 'global_id');
    const bl = rr.blob();
    const br = new Reader(bl);
    t.same(decodeCephXResponseHeader(br), { requestType: 0x400, status: 0 });
    t.equal(bl.length - 6, ours.length, `the encrypted RotatingSecrets (3 secrets) is ${ours.length} bytes, as ours`);
  }
});
