/**
 * The metric families and label tuples of Ceph 16.2.15's prometheus module
 * (src/pybind/mgr/prometheus/module.py, PG_STATES from src/pybind/mgr/mgr_module.py). The alert
 * rules and dashboards select on these exact names and labels.
 */

export const DF_CLUSTER = ['total_bytes', 'total_used_bytes', 'total_used_raw_bytes'] as const;

export const DF_POOL = [
  'max_avail', 'avail_raw', 'stored', 'stored_raw', 'objects', 'dirty', 'quota_bytes', 'quota_objects', 'rd', 'rd_bytes', 'wr', 'wr_bytes',
  'compress_bytes_used', 'compress_under_bytes', 'bytes_used', 'percent_used',
] as const;

/** The DF_POOL entries the module types as counters; the rest are gauges. */
export const DF_POOL_COUNTERS = new Set(['rd', 'rd_bytes', 'wr', 'wr_bytes']);

/** OSD_POOL_STATS lists num_bytes_recovered twice; the second entry adds nothing. */
export const OSD_POOL_STATS = ['recovering_objects_per_sec', 'recovering_bytes_per_sec', 'recovering_keys_per_sec', 'num_objects_recovered', 'num_bytes_recovered'] as const;

export const OSD_FLAGS = ['noup', 'nodown', 'noout', 'noin', 'nobackfill', 'norebalance', 'norecover', 'noscrub', 'nodeep-scrub'] as const;

export const MON_METADATA = ['ceph_daemon', 'hostname', 'public_addr', 'rank', 'ceph_version'] as const;
export const MGR_METADATA = ['ceph_daemon', 'hostname', 'ceph_version'] as const;
export const OSD_METADATA = ['back_iface', 'ceph_daemon', 'cluster_addr', 'device_class', 'front_iface', 'hostname', 'objectstore', 'public_addr', 'ceph_version'] as const;
export const OSD_STATUS = ['weight', 'up', 'in'] as const;
export const OSD_STATS = ['apply_latency_ms', 'commit_latency_ms'] as const;
export const POOL_METADATA = ['pool_id', 'name', 'type', 'description', 'compression_mode'] as const;
export const DISK_OCCUPATION = ['ceph_daemon', 'device', 'db_device', 'wal_device', 'instance', 'devices', 'device_ids'] as const;
export const NUM_OBJECTS = ['degraded', 'misplaced', 'unfound'] as const;
export const HEALTHCHECK_DETAIL = ['name', 'severity'] as const;

/** HEALTH_CHECKS: checks whose count becomes a metric of its own (ceph_healthcheck_<name>). */
export const HEALTH_CHECKS: readonly [string, string][] = [['SLOW_OPS', 'OSD or Monitor requests taking a long time to process']];

export const PG_STATES = [
  'active', 'clean', 'down', 'recovery_unfound', 'backfill_unfound', 'scrubbing', 'degraded', 'inconsistent', 'peering', 'repair', 'recovering',
  'forced_recovery', 'backfill_wait', 'incomplete', 'stale', 'remapped', 'deep', 'backfilling', 'forced_backfill', 'backfill_toofull',
  'recovery_wait', 'recovery_toofull', 'undersized', 'activating', 'peered', 'snaptrim', 'snaptrim_wait', 'snaptrim_error', 'creating', 'unknown',
  'premerge', 'failed_repair', 'laggy', 'wait',
] as const;

/** The mgr's PERFCOUNTER_* type bits (src/pybind/mgr/mgr_module.py). */
export const PerfType = { TIME: 1, U64: 2, LONGRUNAVG: 4, COUNTER: 8, HISTOGRAM: 0x10 } as const;

/** _stattype_to_str: '' for a type the module skips. */
export function statTypeName(type: number): 'gauge' | 'counter' | 'histogram' | '' {
  const t = type & ~3;
  if (t === 0) return 'gauge';
  if (t === PerfType.LONGRUNAVG || t === PerfType.COUNTER) return 'counter';
  if (t === PerfType.HISTOGRAM) return 'histogram';
  return '';
}

/** health_status_to_number */
export function healthStatusNumber(status: string): number {
  if (status === 'HEALTH_OK') return 0;
  if (status === 'HEALTH_WARN') return 1;
  if (status === 'HEALTH_ERR') return 2;
  throw new Error(`unknown status "${status}"`);
}
