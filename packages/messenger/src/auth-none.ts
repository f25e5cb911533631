import { cephError } from '@ts-ceph/common';
import { decodeEntityName, encodeEntityName, EntityName, Reader, Writer } from '@ts-ceph/denc';
import {
  AuthClientProvider,
  AuthConnectionMeta,
  AuthMethod,
  AuthRequest,
  AuthServerProvider,
  AuthServerResult,
  ConMode,
} from './auth-provider';

/**
 * CEPH_AUTH_NONE over msgr2, as Ceph's MonClient and Monitor speak it: the AUTH_REQUEST payload is
 * { u8 AUTH_MODE_MON (10), EntityName, le64 global_id } and the server answers AUTH_DONE at once
 * with an empty payload. No session key: AUTH_SIGNATURE carries zeros and only crc mode is possible.
 * For tests and for clusters configured with auth_*_required = none.
 */
export const AUTH_MODE_MON = 10;

export class AuthNoneClient implements AuthClientProvider {
  globalId = 0n;
  constructor(readonly name: EntityName) {}

  getAuthRequest(_meta: AuthConnectionMeta): AuthRequest {
    const w = new Writer();
    w.u8(AUTH_MODE_MON);
    encodeEntityName(w, this.name);
    w.u64(this.globalId);
    return { method: AuthMethod.NONE, preferredModes: [ConMode.CRC], payload: w.finish() };
  }

  handleAuthReplyMore(): Buffer {
    throw cephError('EPROTO', 'AUTH_NONE has no second round');
  }

  handleAuthDone(meta: AuthConnectionMeta, globalId: bigint, conMode: number): void {
    if (conMode !== ConMode.CRC) throw cephError('EACCES', `AUTH_NONE cannot do connection mode ${conMode}`);
    this.globalId = globalId;
    meta.conMode = conMode;
  }

  handleAuthBadMethod(): boolean {
    return false;
  }
}

export class AuthNoneServer implements AuthServerProvider {
  private nextGlobalId: bigint;
  constructor(firstGlobalId = 4100n) {
    this.nextGlobalId = firstGlobalId;
  }

  supportedMethods(): { methods: number[]; modes: number[] } {
    return { methods: [AuthMethod.NONE], modes: [ConMode.CRC] };
  }

  pickConMode(_peerType: number, method: number, preferredModes: number[]): number | undefined {
    if (method !== AuthMethod.NONE) return undefined;
    return preferredModes.includes(ConMode.CRC) ? ConMode.CRC : undefined;
  }

  handleAuthRequest(meta: AuthConnectionMeta, more: boolean, method: number, payload: Buffer): AuthServerResult {
    if (method !== AuthMethod.NONE || more) return { kind: 'error', result: -95, reason: `method ${method} not supported` };
    const r = new Reader(payload);
    const mode = r.u8('auth_mode');
    const name = decodeEntityName(r, 'entity_name');
    const gid = r.u64('global_id');
    if (mode !== AUTH_MODE_MON) return { kind: 'error', result: -22, reason: `auth mode ${mode}` };
    const globalId = gid !== 0n ? gid : this.nextGlobalId++;
    meta.peerName = name;
    meta.peerGlobalId = globalId;
    meta.peerCaps = { allowAll: true, text: 'allow *' };
    return { kind: 'done', globalId, payload: Buffer.alloc(0) };
  }
}
