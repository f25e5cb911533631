/**
 * Where a monitor keeps things, from its ceph.conf (mon_data, keyring, log_file, pid_file,
 * mon_cluster_log_file) with $cluster / $id / $name expanded as Ceph does.
 */
import { CephConf } from '@ts-ceph/common';
import { EffectiveConfig } from './core/config/effective';

export function expandMeta(v: string, id: string, cluster = 'ceph', channel = ''): string {
  return v.replace(/\$\{?(cluster|type|id|name|channel)\}?/g, (_m, n: string) => ({ cluster, type: 'mon', id, name: `mon.${id}`, channel })[n] ?? '');
}

export interface MonPaths {
  data: string;
  keyring: string;
  logFile: string;
  pidFile: string;
  /** channel -> file (mon_cluster_log_file's "default=... cluster=..." form). */
  clusterLog: (channel: string) => string | undefined;
}

export function monPaths(conf: CephConf, eff: EffectiveConfig, id: string, dataOverride?: string): MonPaths {
  const get = (k: string) => conf.get(k, `mon.${id}`);
  const data = dataOverride ?? expandMeta(get('mon_data') ?? `/var/lib/ceph/mon/ceph-${id}`, id);
  const clog = eff.str('mon_cluster_log_file');
  const byChannel = new Map<string, string>();
  for (const part of clog.split(/\s+/).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq < 0) byChannel.set('default', part);
    else byChannel.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return {
    data,
    keyring: expandMeta(get('keyring') ?? `${data}/keyring`, id),
    logFile: expandMeta(get('log_file') ?? '', id),
    pidFile: expandMeta(get('pid_file') ?? '', id),
    clusterLog: (ch) => {
      const f = byChannel.get(ch) ?? byChannel.get('default');
      return f ? expandMeta(f, id, 'ceph', ch) : undefined;
    },
  };
}
