/**
 * Named limits of the map decoders (STYLE §11), on top of denc's generic ones. A map that breaks one is
 * refused with a DencError naming the limit. Listed in docs/LIMITS.md under "maps".
 */
export const mapsLimits = {
  /** Largest OSD id + 1 an OSDMap may declare (Ceph's mon_max_osd defaults to 10000; headroom kept). */
  osdsPerMapMax: 1 << 20,
  /** Most pools in one OSDMap or Incremental. */
  poolsPerMapMax: 1 << 16,
  /** Most intervals in one interval_set (removed snaps). */
  intervalsPerSetMax: 1 << 20,
  /** Most OSDs in one pg_temp / pg_upmap entry (a PG never has more than 256 shards). */
  osdsPerPgMappingMax: 256,
  /** Most monitors in one MonMap. */
  monsPerMapMax: 1 << 10,
  /** Largest embedded crush map blob kept raw in an OSDMap. */
  crushBytesMax: 64 << 20,
  /** Most pg_num a pool may have for placement loops (Ceph's mon_max_pool_pg_num is 64k). */
  pgsPerPoolMax: 1 << 22,
  /** Most watchers decoded from one object_info_t (Ceph has no limit; each costs a session). */
  watchersPerObjectMax: 1 << 16,
  /** Most entries in one decoded pg_log_t (Ceph's osd_max_pg_log_entries defaults to 10000). */
  pgLogEntriesMax: 1 << 20,
  /** Most clones in one SnapSet. */
  clonesPerSnapSetMax: 1 << 20,
  /** Most heartbeat peers (and ping time entries) in one osd_stat_t. */
  hbPeersPerOsdMax: 1 << 16,
};
