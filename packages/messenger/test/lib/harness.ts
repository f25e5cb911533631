import { createHash, createHmac, randomBytes } from 'node:crypto';
import { cephError } from '@ts-ceph/common';
import { AddrType, EntityType, makeAddr } from '@ts-ceph/denc';
import {
  AuthClientProvider,
  AuthConnectionMeta,
  AuthMethod,
  AuthRequest,
  AuthServerProvider,
  AuthServerResult,
  ClientProtocol,
  ConMode,
  Policies,
  Policy,
  nativeGcmBinding,
  ProtocolEnv,
  ProtocolOutput,
  ProtocolV2,
  ServerProtocol,
  SessionDirectory,
} from '../../src';

/**
 * Test doubles for driving the sans-I/O protocol cores against each other without sockets, and a
 * shared-secret auth method so secure mode and AUTH_SIGNATURE can be exercised without cephx:
 * the client sends a nonce, the server answers with its own, both derive the session key and the
 * 40-byte connection secret from HMAC(secret, nonces) (different derivation than cephx, same shape).
 */
export const TEST_AUTH_METHOD = AuthMethod.CEPHX;

function derive(secret: Buffer, cn: Buffer, sn: Buffer, label: string, n: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; Buffer.concat(out).length < n; i++) out.push(createHmac('sha256', secret).update(`${label}${i}`).update(cn).update(sn).digest());
  return Buffer.concat(out).subarray(0, n);
}

export class SharedKeyClient implements AuthClientProvider {
  constructor(
    private readonly secret: Buffer,
    private readonly modes: number[] = [ConMode.SECURE, ConMode.CRC],
  ) {}
  getAuthRequest(meta: AuthConnectionMeta): AuthRequest {
    const cn = randomBytes(8);
    meta.providerState = { cn };
    return { method: TEST_AUTH_METHOD, preferredModes: this.modes, payload: cn };
  }
  handleAuthReplyMore(meta: AuthConnectionMeta, payload: Buffer): Buffer {
    const st = meta.providerState as { cn: Buffer; sn?: Buffer };
    st.sn = payload;
    return createHmac('sha256', this.secret).update(st.cn).update(payload).digest();
  }
  handleAuthDone(meta: AuthConnectionMeta, _gid: bigint, conMode: number): void {
    const st = meta.providerState as { cn: Buffer; sn: Buffer };
    meta.sessionKey = derive(this.secret, st.cn, st.sn, 'session', 16);
    if (conMode === ConMode.SECURE) meta.connectionSecret = derive(this.secret, st.cn, st.sn, 'conn', 40);
  }
  handleAuthBadMethod(): boolean {
    return false;
  }
}

export class SharedKeyServer implements AuthServerProvider {
  private gid = 5000n;
  constructor(
    private readonly secret: Buffer,
    private readonly modes: number[] = [ConMode.SECURE, ConMode.CRC],
  ) {}
  supportedMethods() {
    return { methods: [TEST_AUTH_METHOD], modes: this.modes };
  }
  pickConMode(_t: number, method: number, preferred: number[]): number | undefined {
    if (method !== TEST_AUTH_METHOD) return undefined;
    return preferred.find((m) => this.modes.includes(m));
  }
  handleAuthRequest(meta: AuthConnectionMeta, more: boolean, _m: number, payload: Buffer): AuthServerResult {
    if (!more) {
      const sn = randomBytes(8);
      meta.providerState = { cn: Buffer.from(payload), sn };
      return { kind: 'more', payload: sn };
    }
    const st = meta.providerState as { cn: Buffer; sn: Buffer };
    const want = createHmac('sha256', this.secret).update(st.cn).update(st.sn).digest();
    if (!want.equals(payload)) return { kind: 'error', result: -13, reason: 'bad proof' };
    meta.sessionKey = derive(this.secret, st.cn, st.sn, 'session', 16);
    if (meta.conMode === ConMode.SECURE) meta.connectionSecret = derive(this.secret, st.cn, st.sn, 'conn', 40);
    return { kind: 'done', globalId: this.gid++, payload: Buffer.alloc(0) };
  }
}

export const SERVER_ADDR = makeAddr(AddrType.MSGR2, '127.0.0.1', 3300, 0);
export const CLIENT_SOCK = makeAddr(AddrType.MSGR2, '127.0.0.1', 51000, 0);

/** A protocol environment; secure mode uses the native AES-GCM when it is built, unless `gcm` is 'node'. */
export function env(type: number, addrs: ReturnType<typeof makeAddr>[], policy?: (t: number) => Policy, gcm: 'native' | 'node' = 'native'): ProtocolEnv & { addrs: typeof addrs } {
  let gseq = 0;
  const e = {
    addrs,
    myType: type,
    myAddrs: () => e.addrs,
    learnedAddr: (a: ReturnType<typeof makeAddr>) => {
      if (!e.addrs.length) e.addrs = [makeAddr(AddrType.ANY, '127.0.0.1', 0, 1234)];
      void a;
    },
    myGid: () => -1n,
    nextGlobalSeq: (atLeast = 0) => (gseq = Math.max(gseq, atLeast) + 1),
    randomCookie: () => randomBytes(8).readBigUInt64LE(0) || 1n,
    policyFor: policy ?? (() => Policies.statelessServer()),
    gcm: gcm === 'native' ? nativeGcmBinding() : undefined,
  };
  return e;
}

export type Tap = (dir: 'c2s' | 's2c', data: Buffer) => Buffer | undefined;

/** Shuttle outputs between two protocols until neither has anything to say; returns the events. */
export function pump(c: ProtocolV2, s: ProtocolV2, tap?: Tap, nowMs = 1_700_000_000_000): { c: ProtocolOutput[]; s: ProtocolOutput[]; wire: { c2s: Buffer[]; s2c: Buffer[] } } {
  const events = { c: [] as ProtocolOutput[], s: [] as ProtocolOutput[], wire: { c2s: [] as Buffer[], s2c: [] as Buffer[] } };
  for (let round = 0; round < 10_000; round++) {
    const co = c.takeOutputs();
    const so = s.takeOutputs();
    if (!co.length && !so.length) return events;
    for (const o of co) {
      if (o.kind !== 'write') {
        events.c.push(o);
        continue;
      }
      let d: Buffer | undefined = Buffer.concat(o.data);
      events.wire.c2s.push(d);
      if (tap) d = tap('c2s', d);
      if (d) s.receive(d, nowMs);
    }
    for (const o of so) {
      if (o.kind !== 'write') {
        events.s.push(o);
        continue;
      }
      let d: Buffer | undefined = Buffer.concat(o.data);
      events.wire.s2c.push(d);
      if (tap) d = tap('s2c', d);
      if (d) c.receive(d, nowMs);
    }
  }
  throw new Error('protocols did not settle');
}

export function makePair(opts: {
  clientAuth: AuthClientProvider;
  serverAuth: AuthServerProvider;
  clientPolicy?: Policy;
  serverPolicy?: (t: number) => Policy;
  directory?: SessionDirectory;
  gcm?: 'native' | 'node';
}): { c: ClientProtocol; s: ServerProtocol } {
  const c = new ClientProtocol(env(EntityType.CLIENT, [], undefined, opts.gcm), opts.clientAuth, SERVER_ADDR, EntityType.MON, opts.clientPolicy ?? Policies.lossyClient());
  const s = new ServerProtocol(env(EntityType.MON, [SERVER_ADDR], opts.serverPolicy, opts.gcm), opts.serverAuth, CLIENT_SOCK, opts.directory);
  c.start(0);
  s.start(0);
  return { c, s };
}

export function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex').slice(0, 16);
}

export function refuse(): never {
  throw cephError('EACCES', 'refused');
}
