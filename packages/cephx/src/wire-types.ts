import { registerType, Reader, Writer, WireType, EntityType, formatEntityName } from '@ts-ceph/denc';
import { CEPH_CRYPTO_AES, CEPH_CRYPTO_NONE, CryptoKey, decodeCryptoKey, encodeCryptoKey } from './core/crypto';
import * as A from './core/auth-types';
import * as C from './core/cephx-types';
import * as K from './core/keyserver-data';
import { MonCap } from './core/caps/moncap';

/**
 * Every cephx type the Ceph object corpus holds, registered under its corpus directory name
 * (test/unit/corpus.test.ts round-trips them all).
 */
const owner = 'cephx';

const t0 = { sec: 1_700_000_000, nsec: 123_456_000 };
const key = (n: number) => new CryptoKey(CEPH_CRYPTO_AES, t0, Buffer.alloc(16, n));
const caps = (text: string): A.AuthCapsInfo => ({ allowAll: false, caps: A.capsBlob(text) });
const ticket = (): A.AuthTicket => ({
  name: { type: EntityType.CLIENT, id: 'admin' },
  globalId: 4170n,
  created: t0,
  expires: { sec: t0.sec + 3600, nsec: t0.nsec },
  caps: caps('allow *'),
  flags: 0,
});
const blob = (): C.CephXTicketBlob => ({ secretId: 2n, blob: Buffer.from('00112233445566778899aabbccddeeff', 'hex') });

function keyJSON(k: CryptoKey): unknown {
  return { type: k.type, created: k.created, key: k.toBase64() };
}

function reg<T>(t: Omit<WireType<T>, 'owner'>): void {
  registerType<T>({ owner, ...t });
}

reg<CryptoKey>({
  name: 'CryptoKey',
  decode: (r) => decodeCryptoKey(r),
  encode: encodeCryptoKey,
  toJSON: keyJSON,
  samples: () => [CryptoKey.empty(), key(1), new CryptoKey(CEPH_CRYPTO_NONE, t0, Buffer.from('plain'))],
});

reg<C.CephXServerChallenge>({
  name: 'CephXServerChallenge',
  decode: (r) => C.decodeCephXServerChallenge(r),
  encode: C.encodeCephXServerChallenge,
  samples: () => [{ serverChallenge: 1n }, { serverChallenge: 0xf105589e67e882aen }],
});

reg<C.CephXRequestHeader>({
  name: 'CephXRequestHeader',
  decode: (r) => C.decodeCephXRequestHeader(r),
  encode: C.encodeCephXRequestHeader,
  samples: () => [C.CEPHX_GET_AUTH_SESSION_KEY, C.CEPHX_GET_PRINCIPAL_SESSION_KEY, C.CEPHX_GET_ROTATING_KEY].map((requestType) => ({ requestType })),
});

reg<C.CephXResponseHeader>({
  name: 'CephXResponseHeader',
  decode: (r) => C.decodeCephXResponseHeader(r),
  encode: C.encodeCephXResponseHeader,
  samples: () => [
    { requestType: C.CEPHX_GET_AUTH_SESSION_KEY, status: 0 },
    { requestType: C.CEPHX_GET_PRINCIPAL_SESSION_KEY, status: -13 },
  ],
});

reg<C.CephXTicketBlob>({
  name: 'CephXTicketBlob',
  decode: (r) => C.decodeCephXTicketBlob(r),
  encode: C.encodeCephXTicketBlob,
  samples: () => [C.emptyTicketBlob(), blob(), { secretId: C.SECRET_ID_NONE, blob: Buffer.alloc(32, 7) }],
});

reg<C.CephXAuthenticate>({
  name: 'CephXAuthenticate',
  decode: (r) => C.decodeCephXAuthenticate(r),
  encode: C.encodeCephXAuthenticate,
  samples: () => [
    { clientChallenge: 0x6c911975a1fa3411n, key: 0x1234n, oldTicket: C.emptyTicketBlob(), otherKeys: 0x35, oldTicketMayBeOmitted: false },
    { clientChallenge: 1n, key: 2n, oldTicket: blob(), otherKeys: 0x20, oldTicketMayBeOmitted: false },
  ],
});

reg<C.CephXChallengeBlob>({
  name: 'CephXChallengeBlob',
  decode: (r) => C.decodeCephXChallengeBlob(r),
  encode: C.encodeCephXChallengeBlob,
  samples: () => [{ serverChallenge: 1n, clientChallenge: 0xffff_ffff_ffff_ffffn }],
});

reg<C.CephXServiceTicketRequest>({
  name: 'CephXServiceTicketRequest',
  decode: (r) => C.decodeCephXServiceTicketRequest(r),
  encode: C.encodeCephXServiceTicketRequest,
  samples: () => [{ keys: EntityType.MON | EntityType.OSD | EntityType.MGR }],
});

reg<C.CephXAuthorizeReply>({
  name: 'CephXAuthorizeReply',
  decode: (r) => C.decodeCephXAuthorizeReply(r),
  encode: C.encodeCephXAuthorizeReply,
  samples: () => [
    { noncePlusOne: 42n, connectionSecret: Buffer.alloc(0) },
    { noncePlusOne: 43n, connectionSecret: Buffer.alloc(64, 9) },
  ],
});

reg<C.CephXAuthorize>({
  name: 'CephXAuthorize',
  decode: (r) => C.decodeCephXAuthorize(r),
  encode: C.encodeCephXAuthorize,
  samples: () => [
    { nonce: 7n, haveChallenge: false, serverChallengePlusOne: 0n },
    { nonce: 8n, haveChallenge: true, serverChallengePlusOne: 99n },
  ],
});

reg<C.CephXAuthorizeChallenge>({
  name: 'CephXAuthorizeChallenge',
  decode: (r) => C.decodeCephXAuthorizeChallenge(r),
  encode: C.encodeCephXAuthorizeChallenge,
  samples: () => [{ serverChallenge: 0x0123456789abcdefn }],
});

reg<C.CephXServiceTicket>({
  name: 'CephXServiceTicket',
  decode: (r) => C.decodeCephXServiceTicket(r),
  encode: C.encodeCephXServiceTicket,
  toJSON: (v) => ({ session_key: keyJSON(v.sessionKey), validity: v.validity }),
  samples: () => [{ sessionKey: key(3), validity: { sec: 259200, nsec: 0 } }],
});

reg<C.CephXServiceTicketInfo>({
  name: 'CephXServiceTicketInfo',
  decode: (r) => C.decodeCephXServiceTicketInfo(r),
  encode: C.encodeCephXServiceTicketInfo,
  toJSON: (v) => ({ ticket: { ...v.ticket, name: formatEntityName(v.ticket.name) }, session_key: keyJSON(v.sessionKey) }),
  samples: () => [{ ticket: ticket(), sessionKey: key(4) }],
});

reg<A.AuthTicket>({
  name: 'AuthTicket',
  decode: (r) => A.decodeAuthTicket(r),
  encode: A.encodeAuthTicket,
  samples: () => [ticket(), { ...ticket(), name: { type: EntityType.OSD, id: '0' }, caps: { allowAll: true, caps: Buffer.alloc(0) }, flags: 1 }],
});

reg<A.AuthCapsInfo>({
  name: 'AuthCapsInfo',
  decode: (r) => A.decodeAuthCapsInfo(r),
  encode: A.encodeAuthCapsInfo,
  samples: () => [{ allowAll: true, caps: Buffer.alloc(0) }, caps('allow profile osd')],
});

const entityAuth = (): A.EntityAuth => ({ key: key(5), caps: A.entityCapsFromText([['mon', 'allow *'], ['osd', 'allow rw pool=p1'], ['mgr', 'allow r']]) });

reg<A.EntityAuth>({
  name: 'EntityAuth',
  decode: (r) => A.decodeEntityAuth(r),
  encode: A.encodeEntityAuth,
  toJSON: (v) => ({ key: keyJSON(v.key), caps: Object.fromEntries(A.entityCapsText(v)) }),
  samples: () => [entityAuth(), { key: CryptoKey.empty(), caps: new Map() }],
});

reg<A.ExpiringCryptoKey>({
  name: 'ExpiringCryptoKey',
  decode: (r) => A.decodeExpiringCryptoKey(r),
  encode: A.encodeExpiringCryptoKey,
  samples: () => [{ key: key(6), expiration: { sec: t0.sec + 7200, nsec: 0 } }],
});

const rotating = (): A.RotatingSecrets => ({
  secrets: new Map([
    [1n, { key: key(7), expiration: { sec: t0.sec + 3600, nsec: 0 } }],
    [2n, { key: key(8), expiration: { sec: t0.sec + 7200, nsec: 0 } }],
    [3n, { key: key(9), expiration: { sec: t0.sec + 10800, nsec: 0 } }],
  ]),
  maxVer: 3n,
});

reg<A.RotatingSecrets>({
  name: 'RotatingSecrets',
  decode: (r) => A.decodeRotatingSecrets(r),
  encode: A.encodeRotatingSecrets,
  samples: () => [rotating(), { secrets: new Map(), maxVer: 0n }],
});

const ksd = (): K.KeyServerData => ({
  version: 5n,
  rotatingVer: 2n,
  secrets: new Map([
    ['client.admin', { name: { type: EntityType.CLIENT, id: 'admin' }, auth: entityAuth() }],
    ['osd.0', { name: { type: EntityType.OSD, id: '0' }, auth: { key: key(10), caps: A.entityCapsFromText([['osd', 'allow *']]) } }],
  ]),
  rotatingSecrets: new Map([
    [EntityType.AUTH, rotating()],
    [EntityType.OSD, rotating()],
  ]),
});

for (const name of ['KeyServerData', 'KeyServer']) {
  reg<K.KeyServerData>({
    name,
    decode: (r) => K.decodeKeyServerData(r),
    encode: K.encodeKeyServerData,
    samples: () => [K.emptyKeyServerData(), ksd()],
  });
}

reg<K.KeyServerIncremental>({
  name: 'KeyServerData::Incremental',
  decode: (r) => K.decodeKeyServerIncremental(r),
  encode: K.encodeKeyServerIncremental,
  samples: () => [
    { op: K.AUTH_INC_ADD, name: { type: EntityType.CLIENT, id: 'foo' }, auth: entityAuth() },
    { op: K.AUTH_INC_DEL, name: { type: EntityType.CLIENT, id: 'foo' }, auth: { key: CryptoKey.empty(), caps: new Map() } },
    { op: K.AUTH_INC_SET_ROTATING, rotatingBl: K.encodeRotating(ksd()) },
  ],
});

/** MonCap's encoding is ENCODE_START(4, 4) around its text; a text that does not parse decodes empty, as in Ceph. */
function decodeMonCap(r: Reader): MonCap {
  const text = r.envelope('MonCap', 4, (r) => r.string('text'));
  try {
    return MonCap.parse(text);
  } catch {
    return MonCap.empty();
  }
}

function encodeMonCap(w: Writer, c: MonCap): void {
  w.envelope(4, 4, (w) => w.string(c.text));
}

reg<MonCap>({
  name: 'MonCap',
  decode: decodeMonCap,
  encode: encodeMonCap,
  toJSON: (c) => ({ text: c.text }),
  samples: () => [MonCap.empty(), MonCap.parse('allow *'), MonCap.parse('allow service foo r, allow command bar with k1=v1'), MonCap.parse('allow profile osd')],
});
