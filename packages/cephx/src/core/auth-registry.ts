import { EntityType } from '@ts-ceph/denc';
import { cephError } from '@ts-ceph/common/core';
import { AuthMethod, ConMode } from '@ts-ceph/messenger/core';

/**
 * AuthRegistry (src/auth/AuthRegistry.cc): which auth methods and connection modes we accept, by our
 * own entity type and the peer's, from the auth_*_required and ms_*_mode settings.
 */
export interface AuthSettings {
  /** auth_supported (overrides the three below when set). */
  authSupported?: string;
  authClusterRequired: string;
  authServiceRequired: string;
  authClientRequired: string;
  msMonClusterMode: string;
  msMonServiceMode: string;
  msMonClientMode: string;
  msClusterMode: string;
  msServiceMode: string;
  msClientMode: string;
}

/** Ceph 16.2.15's defaults (ceph-conf -D). */
export const DEFAULT_AUTH_SETTINGS: AuthSettings = {
  authClusterRequired: 'cephx',
  authServiceRequired: 'cephx',
  authClientRequired: 'cephx, none',
  msMonClusterMode: 'secure crc',
  msMonServiceMode: 'secure crc',
  msMonClientMode: 'secure crc',
  msClusterMode: 'crc secure',
  msServiceMode: 'crc secure',
  msClientMode: 'crc secure',
};

/** get_str_list: split on commas, semicolons, spaces and tabs. */
function strList(s: string): string[] {
  return s.split(/[,;\s]+/).filter((x) => x !== '');
}

export function parseMethodList(s: string): number[] {
  const out: number[] = [];
  for (const m of strList(s)) {
    if (m === 'cephx') out.push(AuthMethod.CEPHX);
    else if (m === 'none') out.push(AuthMethod.NONE);
    else if (m === 'gss') out.push(AuthMethod.GSS);
    else throw cephError('EINVAL', `unknown auth method '${m}' in '${s}'`);
  }
  return out;
}

export function parseModeList(s: string): number[] {
  const out: number[] = [];
  for (const m of strList(s)) {
    if (m === 'crc') out.push(ConMode.CRC);
    else if (m === 'secure') out.push(ConMode.SECURE);
    else throw cephError('EINVAL', `unknown connection mode '${m}' in '${s}'`);
  }
  return out;
}

export class AuthRegistry {
  readonly clusterMethods: number[];
  readonly serviceMethods: number[];
  readonly clientMethods: number[];
  private readonly modes: Record<'monCluster' | 'monService' | 'monClient' | 'cluster' | 'service' | 'client', number[]>;

  /** `selfType` is our entity type (EntityType.MON, OSD, CLIENT ...). */
  constructor(
    readonly selfType: number,
    settings: Partial<AuthSettings> = {},
  ) {
    const s = { ...DEFAULT_AUTH_SETTINGS, ...settings };
    const sup = s.authSupported?.trim();
    this.clusterMethods = parseMethodList(sup || s.authClusterRequired);
    this.serviceMethods = parseMethodList(sup || s.authServiceRequired);
    this.clientMethods = parseMethodList(sup || s.authClientRequired);
    this.modes = {
      monCluster: parseModeList(s.msMonClusterMode),
      monService: parseModeList(s.msMonServiceMode),
      monClient: parseModeList(s.msMonClientMode),
      cluster: parseModeList(s.msClusterMode),
      service: parseModeList(s.msServiceMode),
      client: parseModeList(s.msClientMode),
    };
  }

  /** AuthRegistry::get_supported_methods: methods and modes for a peer of `peerType`. */
  supported(peerType: number): { methods: number[]; modes: number[] } {
    const peerIsMonish = peerType === EntityType.MON || peerType === EntityType.MGR;
    if (this.selfType === EntityType.CLIENT) {
      return { methods: this.clientMethods, modes: peerIsMonish ? this.modes.monClient : this.modes.client };
    }
    if (this.selfType === EntityType.MON || this.selfType === EntityType.MGR) {
      return peerIsMonish
        ? { methods: this.clusterMethods, modes: this.modes.monCluster }
        : { methods: this.serviceMethods, modes: this.modes.monService };
    }
    if (peerIsMonish) return { methods: this.clusterMethods, modes: this.modes.monCluster };
    if (peerType === EntityType.MDS || peerType === EntityType.OSD) return { methods: this.clusterMethods, modes: this.modes.cluster };
    return { methods: this.serviceMethods, modes: this.modes.service };
  }

  isSupportedMethod(peerType: number, method: number): boolean {
    return this.supported(peerType).methods.includes(method);
  }

  /** AuthRegistry::get_supported_modes: AUTH_NONE gets crc only. */
  supportedModes(peerType: number, method: number): number[] {
    const modes = this.supported(peerType).modes;
    return method === AuthMethod.NONE ? modes.filter((m) => m === ConMode.CRC) : [...modes];
  }

  /** AuthRegistry::pick_mode: the first of the peer's preferences we allow. */
  pickMode(peerType: number, method: number, preferred: readonly number[]): number | undefined {
    const allowed = this.supportedModes(peerType, method);
    return preferred.find((m) => allowed.includes(m));
  }

  /**
   * Which methods the mon accepts from an entity authenticating to it (Monitor::handle_auth_request:
   * daemons by auth_cluster_required, everyone else by auth_service_required).
   */
  monAcceptsMethod(entityType: number, method: number): boolean {
    const daemon = entityType === EntityType.MON || entityType === EntityType.OSD || entityType === EntityType.MDS || entityType === EntityType.MGR;
    return (daemon ? this.clusterMethods : this.serviceMethods).includes(method);
  }
}

/** AuthConnectionMeta::get_connection_secret_length: 4 x 16 bytes for secure mode, none for crc. */
export function connectionSecretLength(conMode: number): number {
  return conMode === ConMode.SECURE ? 64 : 0;
}
