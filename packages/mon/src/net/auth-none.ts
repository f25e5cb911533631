/**
 * The monitor's auth server: cephx through @ts-ceph/cephx's CephxMonServerProvider, and
 * auth_*_required = none (AuthNoneServiceHandler) here: a "none" client names itself, gets a
 * global_id and every cap, in one round (Monitor::handle_auth_request + do_start_session).
 */
import { Errno } from '@ts-ceph/common';
import { Reader, decodeEntityName, formatEntityName } from '@ts-ceph/denc';
import { AuthConnectionMeta, AuthMethod, AuthServerProvider, AuthServerResult } from '@ts-ceph/messenger';
import { AUTH_MODE_MON, AUTH_MODE_MON_MAX, AuthRegistry } from '@ts-ceph/cephx';

export class MonAuthServer implements AuthServerProvider {
  constructor(
    private readonly cephx: AuthServerProvider,
    private readonly registry: AuthRegistry,
    private readonly allocateGlobalId: () => bigint | undefined,
  ) {}

  supportedMethods(peerType: number): { methods: number[]; modes: number[] } {
    return this.cephx.supportedMethods(peerType);
  }

  pickConMode(peerType: number, method: number, preferredModes: number[]): number | undefined {
    return this.cephx.pickConMode(peerType, method, preferredModes);
  }

  handleAuthRequest(meta: AuthConnectionMeta, more: boolean, method: number, payload: Buffer): AuthServerResult {
    if (method !== AuthMethod.NONE || more) return this.cephx.handleAuthRequest(meta, more, method, payload);
    const refuse = (errno: number, reason: string): AuthServerResult => ({ kind: 'error', result: -errno, reason });
    if (!payload.length) return refuse(Errno.EACCES, 'empty auth payload');
    try {
      const r = new Reader(payload);
      const mode = r.u8('mode');
      if (mode < AUTH_MODE_MON || mode > AUTH_MODE_MON_MAX) return refuse(Errno.EOPNOTSUPP, `auth none with mode ${mode}`);
      const name = decodeEntityName(r, 'entity_name');
      let globalId = r.u64('global_id');
      if (!this.registry.monAcceptsMethod(name.type, method)) return refuse(Errno.EOPNOTSUPP, `${formatEntityName(name)}: auth method none is not allowed`);
      if (globalId === 0n) {
        const id = this.allocateGlobalId();
        if (!id) return refuse(Errno.EBUSY, 'failed to assign global_id');
        globalId = id;
      }
      meta.peerName = name;
      meta.peerGlobalId = globalId;
      meta.peerCaps = { allowAll: true, text: '' };
      return { kind: 'done', globalId, payload: Buffer.alloc(0) };
    } catch (e) {
      return refuse(Errno.EACCES, `malformed auth request: ${(e as Error).message}`);
    }
  }
}
