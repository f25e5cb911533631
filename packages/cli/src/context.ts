import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadCephConf, cephError } from '@ts-ceph/common';
import { EntityName, EntityType, parseEntityName } from '@ts-ceph/denc';
import { MonClient, monClientFor, resolveClientConfig } from '@ts-ceph/rados';
import { GlobalOptions } from './args';

/** client_mount_timeout's default (300 s): how long we hunt for a monitor without --connect-timeout. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 300_000;

/**
 * The conf file as Ceph finds it (CEPH_CONF, then -c, then /etc/ceph/$cluster.conf,
 * ~/.ceph/$cluster.conf, ./$cluster.conf); `-c` wins over CEPH_CONF as in Ceph.
 */
export function findConf(o: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string {
  if (o.conf) return o.conf;
  if (env.CEPH_CONF) return env.CEPH_CONF;
  for (const p of [`/etc/ceph/${o.cluster}.conf`, join(homedir(), '.ceph', `${o.cluster}.conf`), `./${o.cluster}.conf`]) if (existsSync(p)) return p;
  throw cephError('ENOENT', 'did not load config file, using default settings, and no monitors were specified (-c or CEPH_CONF)');
}

export function entityName(o: GlobalOptions, env: NodeJS.ProcessEnv = process.env): EntityName {
  if (o.name) {
    const n = parseEntityName(o.name);
    if (!n) throw cephError('EINVAL', `bad entity name '${o.name}' (expected type.id, e.g. client.admin)`);
    return n;
  }
  const id = o.id ?? env.CEPH_ARGS?.match(/--id[= ](\S+)/)?.[1] ?? 'admin';
  return { type: EntityType.CLIENT, id };
}

/** Everything a subcommand that talks to the monitors needs, from the options and the environment. */
export function monClientFromOptions(o: GlobalOptions, env: NodeJS.ProcessEnv = process.env): { mon: MonClient; timeoutMs: number } {
  const conf = loadCephConf(findConf(o, env));
  const name = entityName(o, env);
  const cfg = resolveClientConfig(conf, name, { cluster: o.cluster, keyring: o.keyring ?? env.CEPH_KEYRING, monHost: o.monHost });
  const timeoutMs = o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  return { mon: monClientFor(cfg, { connectTimeoutMs: Math.min(10_000, timeoutMs) }), timeoutMs };
}
