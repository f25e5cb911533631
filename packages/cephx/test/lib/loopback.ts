/**
 * Drives an AuthClientProvider against an AuthServerProvider the way the msgr2 handshake does
 * (AUTH_REQUEST, AUTH_REPLY_MORE / AUTH_REQUEST_MORE rounds, AUTH_DONE or AUTH_BAD_METHOD), calling
 * the interface methods directly: no frames, no network. It records every payload so tests can
 * replay or tamper with them.
 */
import { EntityType, EntityName } from '@ts-ceph/denc';
import { AuthClientProvider, AuthConnectionMeta, AuthServerProvider, AuthServerResult } from '@ts-ceph/messenger';
import { CryptoKey, KeyRing, KeyServer, AuthRegistry, AuthSettings, CephxMonServerProvider, CephxClientProvider, entityCapsFromText, cryptoRandom } from '../../src/index';

export interface Exchange {
  client: AuthConnectionMeta;
  server: AuthConnectionMeta;
  /** Payloads the client sent: [AUTH_REQUEST, AUTH_REQUEST_MORE ...]. */
  sent: Buffer[];
  /** Server results in order. */
  replies: AuthServerResult[];
  outcome: 'done' | 'error';
  error?: { result: number; reason: string };
  method: number;
}

export function meta(peerType: number, selfType: number): AuthConnectionMeta {
  return { peerType, selfType, authMethod: 0, conMode: 0 };
}

export function handshake(client: AuthClientProvider, server: AuthServerProvider, clientType: number, serverType: number, roundsMax = 4): Exchange {
  const cm = meta(serverType, clientType);
  const sm = meta(clientType, serverType);
  const req = client.getAuthRequest(cm);
  const mode = server.pickConMode(clientType, req.method, req.preferredModes);
  if (mode === undefined) throw new Error('no common connection mode');
  sm.conMode = mode;
  sm.authMethod = req.method;
  const x: Exchange = { client: cm, server: sm, sent: [req.payload], replies: [], outcome: 'error', method: req.method };
  let res = server.handleAuthRequest(sm, false, req.method, req.payload);
  for (let i = 0; ; i++) {
    x.replies.push(res);
    if (res.kind === 'error') {
      x.error = { result: res.result, reason: res.reason };
      return x;
    }
    if (res.kind === 'done') {
      client.handleAuthDone(cm, res.globalId, mode, res.payload);
      x.outcome = 'done';
      return x;
    }
    if (i >= roundsMax) throw new Error('too many auth rounds');
    const more = client.handleAuthReplyMore(cm, res.payload);
    x.sent.push(more);
    res = server.handleAuthRequest(sm, true, req.method, more);
  }
}

/** Replay recorded client payloads on a fresh server connection. */
export function replay(server: AuthServerProvider, clientType: number, serverType: number, method: number, payloads: Buffer[], conMode = 1): AuthServerResult[] {
  const sm = meta(clientType, serverType);
  sm.conMode = conMode;
  return payloads.map((p, i) => server.handleAuthRequest(sm, i > 0, method, p));
}

export const T0 = 1_700_000_000_000;
export const admin: EntityName = { type: EntityType.CLIENT, id: 'admin' };
export const osd0: EntityName = { type: EntityType.OSD, id: '0' };

/** A mon's auth state with a few entities, and its provider. */
export function monFixture(opts: { now: () => number; secure?: boolean; allowInsecureGlobalIdReclaim?: boolean } = { now: () => T0 }) {
  const keys = new Map<string, CryptoKey>();
  const ks = new KeyServer({ rng: cryptoRandom });
  const add = (name: EntityName, caps: [string, string][]) => {
    const key = CryptoKey.generate(ks.rng, T0);
    keys.set(`${name.type}.${name.id}`, key);
    ks.addAuth(name, { key, caps: entityCapsFromText(caps) });
    return key;
  };
  const adminKey = add(admin, [
    ['mon', 'allow *'],
    ['osd', 'allow *'],
    ['mgr', 'allow *'],
  ]);
  const osdKey = add(osd0, [
    ['mon', 'allow profile osd'],
    ['osd', 'allow *'],
    ['mgr', 'allow profile osd'],
  ]);
  const fooKey = add({ type: EntityType.CLIENT, id: 'foo' }, [
    ['mon', 'allow r'],
    ['osd', 'allow rw pool=p1'],
  ]);
  const noMonKey = add({ type: EntityType.CLIENT, id: 'nomon' }, [['osd', 'allow r']]);
  const badCapsKey = add({ type: EntityType.CLIENT, id: 'badcaps' }, [['mon', 'allow bogus']]);
  const monKeyring = new KeyRing();
  const monSecret = CryptoKey.generate(ks.rng, T0);
  monKeyring.add({ type: EntityType.MON, id: '' }, { key: monSecret, caps: entityCapsFromText([['mon', 'allow *']]) });
  ks.extraSecrets.import(monKeyring);
  ks.rotate(opts.now());
  let nextGid = 4100n;
  const mode = opts.secure ? 'secure' : 'crc';
  const monRegistry = new AuthRegistry(EntityType.MON, { msMonClientMode: mode, msMonServiceMode: mode, msMonClusterMode: mode });
  const allocator = { fail: false };
  const provider = new CephxMonServerProvider({
    rng: cryptoRandom,
    keyServer: ks,
    monKeyring,
    registry: monRegistry,
    allocateGlobalId: () => (allocator.fail ? undefined : nextGid++),
    now: opts.now,
    allowInsecureGlobalIdReclaim: opts.allowInsecureGlobalIdReclaim,
  });
  const client = (name: EntityName, secret: CryptoKey, want?: number, settings: Partial<AuthSettings> = {}) =>
    new CephxClientProvider({
      rng: cryptoRandom,
      name,
      secret,
      want,
      registry: new AuthRegistry(name.type, { msMonClientMode: mode, msClientMode: mode, msMonClusterMode: mode, msClusterMode: mode, ...settings }),
      now: opts.now,
    });
  return { ks, provider, monKeyring, monSecret, adminKey, osdKey, fooKey, noMonKey, badCapsKey, client, allocator };
}
