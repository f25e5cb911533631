import { existsSync, readFileSync } from 'node:fs';
import { CephConf, cephError, parseIntStrict } from '@ts-ceph/common';
import { EntityName, EntityType, formatEntityName } from '@ts-ceph/denc';
import { AuthNoneClient, AuthMethod } from '@ts-ceph/messenger';
import { AuthRegistry, AuthSettings, CephxClientProvider, CryptoKey, loadKeyRing, cryptoRandom } from '@ts-ceph/cephx';
import { MonAuthClient, MonClient, MonClientOptions } from './mon-client';
import { InitialMon, parseMonHost } from './mon-host';

/** Ceph's default `keyring` search path (src/common/options.cc, option "keyring"). */
export const DEFAULT_KEYRING_SEARCH = '/etc/ceph/$cluster.$name.keyring,/etc/ceph/$cluster.keyring,/etc/ceph/keyring,/etc/ceph/keyring.bin';

export interface ClientConfig {
  name: EntityName;
  cluster: string;
  monHost: InitialMon[];
  authSettings: Partial<AuthSettings>;
  /** Our secret, if a keyring (or `key`/`keyfile`) had one. */
  key: CryptoKey | undefined;
  keyringPath: string | undefined;
}

/**
 * Resolve what a client needs from ceph.conf and the command line, as Ceph's common_preinit and
 * KeyRing::from_ceph_context do: mon_host, the auth_* and ms_*_mode options for our entity, and our
 * key from `key`, `keyfile`, or the first readable file on the `keyring` path (metavariables
 * expanded: $cluster, $name, $type, $id).
 */
export function resolveClientConfig(conf: CephConf, name: EntityName, opts: { cluster?: string; keyring?: string; monHost?: string } = {}): ClientConfig {
  const cluster = opts.cluster ?? 'ceph';
  const who = formatEntityName(name);
  const get = (k: string) => conf.get(k, who, cluster);
  const monHost = opts.monHost ?? get('mon_host') ?? get('mon_addr');
  if (!monHost) throw cephError('EINVAL', 'no monitors specified to connect to (set mon_host in the conf)');
  const authSettings: Partial<AuthSettings> = {};
  const map: [keyof AuthSettings, string][] = [
    ['authSupported', 'auth_supported'],
    ['authClusterRequired', 'auth_cluster_required'],
    ['authServiceRequired', 'auth_service_required'],
    ['authClientRequired', 'auth_client_required'],
    ['msMonClusterMode', 'ms_mon_cluster_mode'],
    ['msMonServiceMode', 'ms_mon_service_mode'],
    ['msMonClientMode', 'ms_mon_client_mode'],
    ['msClusterMode', 'ms_cluster_mode'],
    ['msServiceMode', 'ms_service_mode'],
    ['msClientMode', 'ms_client_mode'],
  ];
  for (const [k, opt] of map) {
    const v = get(opt);
    if (v !== undefined) authSettings[k] = v;
  }
  let key: CryptoKey | undefined;
  let keyringPath: string | undefined;
  const inline = get('key');
  const keyfile = get('keyfile');
  if (inline) key = CryptoKey.fromBase64(inline);
  else if (keyfile) key = CryptoKey.fromBase64(readFileSync(keyfile, 'utf8'));
  else {
    const search = (opts.keyring ?? get('keyring') ?? DEFAULT_KEYRING_SEARCH).replace(/\$cluster/g, cluster).replace(/\$name/g, who).replace(/\$type/g, who.split('.')[0]!).replace(/\$id/g, name.id);
    for (const p of search.split(/[,;\s]+/).filter(Boolean)) {
      if (!existsSync(p)) continue;
      keyringPath = p;
      const kr = loadKeyRing(p);
      key = kr.getSecret(name);
      if (!key) throw cephError('ENOENT', `keyring ${p} has no key for ${who}`);
      break;
    }
  }
  return { name, cluster, monHost: parseMonHost(monHost), authSettings, key, keyringPath };
}

/** A MonClient for `cfg`: cephx with our key when cephx is allowed and we have a key, else none. */
export function monClientFor(cfg: ClientConfig, extra: Partial<MonClientOptions> = {}): MonClient {
  const registry = new AuthRegistry(EntityType.CLIENT, cfg.authSettings);
  const methods = registry.supported(EntityType.MON).methods;
  const auth = (): MonAuthClient => {
    if (methods.includes(AuthMethod.CEPHX) && cfg.key) {
      return new CephxClientProvider({ rng: cryptoRandom, name: cfg.name, secret: cfg.key, registry, now: () => Date.now() });
    }
    if (methods.includes(AuthMethod.NONE)) return new AuthNoneClient(cfg.name);
    if (methods.includes(AuthMethod.CEPHX)) {
      throw cephError('ENOENT', `no keyring found for ${formatEntityName(cfg.name)}${cfg.keyringPath ? '' : ' (searched the keyring path)'}, and auth_client_required does not allow none`);
    }
    throw cephError('EOPNOTSUPP', 'no supported auth method');
  };
  auth(); // fail early (no key) rather than at the first connection
  return new MonClient({ name: cfg.name, initialMons: cfg.monHost, auth, ...extra });
}

export function parseTimeoutSeconds(v: string, what: string): number {
  return parseIntStrict(v, what) * 1000;
}
