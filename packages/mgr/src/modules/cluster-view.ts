/**
 * The read-only view of the cluster the mgr modules (prometheus, crash) read: what Ceph's
 * MgrModule.get('health' | 'mon_status' | 'osd_map' | 'df' | 'pg_summary' | 'mgr_map' ...) and
 * get_all_perf_counters() return, already reduced to the fields the modules use. The monitor
 * implements it from its own maps and the mgr role's PGMap. Every method is a snapshot at call time: nothing here is live or mutable.
 */

/** One health check as `ceph health -f json` lists it under "checks". */
export interface ViewHealthCheck {
  /** "HEALTH_WARN" or "HEALTH_ERR". */
  severity: string;
  summary: string;
  count: number;
  detail: string[];
}

export interface ViewHealth {
  /** "HEALTH_OK", "HEALTH_WARN" or "HEALTH_ERR". */
  status: string;
  /** In code order, muted checks included (as the mgr's health JSON lists them). */
  checks: Map<string, ViewHealthCheck>;
}

export interface ViewMon {
  name: string;
  rank: number;
  /** The legacy public address without the nonce, "127.0.0.1:6789". */
  publicAddr: string;
  inQuorum: boolean;
  hostname: string;
  cephVersion: string;
}

export interface ViewOsd {
  id: number;
  up: boolean;
  in: boolean;
  /** The OSDMap reweight, 0..1. */
  weight: number;
  /** "ip:port" or "-" when the OSD has no address in the map. */
  publicAddr: string;
  clusterAddr: string;
  /** undefined when the OSD is not in the CRUSH map. */
  deviceClass: string | undefined;
  /** The metadata the OSD sent at boot (`ceph osd metadata`), undefined if it never booted. */
  metadata: Map<string, string> | undefined;
  /** statfs from the OSD's last report, in bytes. */
  statBytes: number;
  statBytesUsed: number;
  /** PGs the OSD holds (osd_stat_t num_pgs), 0 until it reports. */
  numPg: number;
  applyLatencyMs: number;
  commitLatencyMs: number;
}

export interface ViewPool {
  id: number;
  name: string;
  /** pg_pool_t type: 1 replicated, 3 erasure. */
  type: number;
  size: number;
  /** "k+m" for an erasure pool whose profile is known. */
  ecKM: string | undefined;
  compressionMode: string;
  pgNum: number;
  /** `ceph df` per-pool stats (PGMap::dump_object_stat_sum). */
  stats: ViewPoolStats;
  /** PG state name ("active+clean") -> number of PGs of this pool in it. */
  pgStates: Map<string, number>;
  /** Recovery rates of `osd pool stats` (recovering_objects_per_sec ...), empty when idle. */
  recoveryRate: Map<string, number>;
}

export interface ViewPoolStats {
  maxAvail: number;
  availRaw: number;
  stored: number;
  storedRaw: number;
  objects: number;
  dirty: number;
  quotaBytes: number;
  quotaObjects: number;
  rd: number;
  rdBytes: number;
  wr: number;
  wrBytes: number;
  compressBytesUsed: number;
  compressUnderBytes: number;
  bytesUsed: number;
  /** A fraction 0..1, as `ceph df -f json` prints it. */
  percentUsed: number;
  objectsRepaired: number;
}

export interface ViewMgr {
  activeName: string;
  /** The active mgr's host and ceph_version (the service list's entry). */
  activeHost: string;
  activeVersion: string;
  standbys: string[];
  /** Modules enabled in the MgrMap. */
  modules: string[];
  alwaysOn: string[];
  /** available_modules: name -> can_run. */
  available: Map<string, boolean>;
}

/** One perf counter of a daemon (MgrModule.get_all_perf_counters), values as reported. */
export interface ViewPerfCounter {
  /** PERFCOUNTER_* type bits (TIME 1, U64 2, LONGRUNAVG 4, COUNTER 8, HISTOGRAM 0x10). */
  type: number;
  description: string;
  /** Raw value (nanoseconds for TIME counters). */
  value: number;
  /** Sample count of a LONGRUNAVG counter. */
  count: number;
}

export interface ViewDf {
  totalBytes: number;
  totalUsedBytes: number;
  totalUsedRawBytes: number;
}

export interface MgrClusterView {
  fsid(): string;
  health(): ViewHealth;
  mons(): ViewMon[];
  osds(): ViewOsd[];
  /** OSDMap flags as `osd dump` names them ("noout", "nodeep-scrub" ...). */
  osdFlags(): string[];
  pools(): ViewPool[];
  df(): ViewDf;
  mgr(): ViewMgr;
  /** num_objects_degraded / misplaced / unfound of the PG stat sum. */
  numObjects(): { degraded: number; misplaced: number; unfound: number };
  /** daemon ("osd.0") -> counter path ("osd.op_r") -> counter; empty until daemons report. */
  perfCounters(): Map<string, Map<string, ViewPerfCounter>>;
  /** Per-daemon health metrics (SLOW_OPS, PENDING_CREATING_PGS) from daemon reports. */
  daemonHealthMetrics(): Map<string, { type: string; value: number }[]>;
}
