/**
 * Ceph feature bits, as Ceph 16.2 (Pacific) defines them. Source: src/include/ceph_features.h.
 *
 * `CEPH_FEATURE_X` is the bit alone; `CEPH_FEATUREMASK_X` adds the feature's incarnation bits (bits 57 and
 * 28 for features re-used after retirement), and `hasFeature(features, 'X')` tests the mask, exactly as
 * Ceph's HAVE_FEATURE does. Encoders take the peer's features as a bigint and gate on these.
 */
const INCARNATION: Record<1 | 2 | 3, bigint> = {
  1: 0n,
  2: 1n << 57n,
  3: (1n << 57n) | (1n << 28n),
};

/** [bit, incarnation] for every live feature name (retired names omitted). */
const featureDefs = {
  UID: [0, 1],
  NOSRCADDR: [1, 1],
  SERVER_NAUTILUS: [2, 3],
  FLOCK: [3, 1],
  SUBSCRIBE2: [4, 1],
  MONNAMES: [5, 1],
  RECONNECT_SEQ: [6, 1],
  DIRLAYOUTHASH: [7, 1],
  OBJECTLOCATOR: [8, 1],
  PGID64: [9, 1],
  INCSUBOSDMAP: [10, 1],
  PGPOOL3: [11, 1],
  OSDREPLYMUX: [12, 1],
  OSDENC: [13, 1],
  SERVER_KRAKEN: [14, 2],
  MONENC: [15, 1],
  SERVER_OCTOPUS: [16, 3],
  OSD_REPOP_MLCOD: [16, 3],
  OS_PERF_STAT_NS: [17, 3],
  CRUSH_TUNABLES: [18, 1],
  OSD_PGLOG_HARDLIMIT: [19, 2],
  SERVER_PACIFIC: [20, 3],
  SERVER_LUMINOUS: [21, 2],
  RESEND_ON_SPLIT: [21, 2],
  RADOS_BACKOFF: [21, 2],
  OSDMAP_PG_UPMAP: [21, 2],
  CRUSH_CHOOSE_ARGS: [21, 2],
  OSD_FIXED_COLLECTION_LIST: [22, 2],
  MSG_AUTH: [23, 1],
  RECOVERY_RESERVATION_2: [24, 2],
  CRUSH_TUNABLES2: [25, 1],
  CREATEPOOLID: [26, 1],
  REPLY_CREATE_INODE: [27, 1],
  SERVER_MIMIC: [28, 2],
  MDSENC: [29, 1],
  OSDHASHPSPOOL: [30, 1],
  MON_SINGLE_PAXOS: [31, 1],
  STRETCH_MODE: [32, 3],
  /** Range blocklists (OSDMap v11); defined by the 16.2.x backport, advertised by 16.2.15 daemons. */
  RANGE_BLOCKLIST: [34, 3],
  OSD_CACHEPOOL: [35, 1],
  CRUSH_V2: [36, 1],
  EXPORT_PEER: [37, 1],
  OSDMAP_ENC: [39, 1],
  MDS_INLINE_DATA: [40, 1],
  CRUSH_TUNABLES3: [41, 1],
  OSD_PRIMARY_AFFINITY: [41, 1],
  MSGR_KEEPALIVE2: [42, 1],
  OSD_POOLRESEND: [43, 1],
  OSD_FADVISE_FLAGS: [46, 1],
  MDS_QUOTA: [47, 1],
  CRUSH_V4: [48, 1],
  NEW_OSDOP_ENCODING: [56, 1],
  MON_STATEFUL_SUB: [57, 1],
  SERVER_JEWEL: [57, 1],
  CRUSH_TUNABLES5: [58, 1],
  NEW_OSDOPREPLY_ENCODING: [58, 1],
  FS_FILE_LAYOUT_V2: [58, 1],
  FS_BTIME: [59, 1],
  FS_CHANGE_ATTR: [59, 1],
  MSG_ADDR2: [59, 1],
  OSD_RECOVERY_DELETES: [60, 1],
  CEPHX_V2: [61, 1],
  RESERVED: [62, 1],
} as const satisfies Record<string, readonly [number, 1 | 2 | 3]>;

export type FeatureName = keyof typeof featureDefs;

/** The bit of a feature alone (CEPH_FEATURE_X). */
export function featureBit(name: FeatureName): bigint {
  return 1n << BigInt(featureDefs[name][0]);
}

/** The bit plus incarnation bits (CEPH_FEATUREMASK_X). */
export function featureMask(name: FeatureName): bigint {
  const [bit, inc] = featureDefs[name];
  return (1n << BigInt(bit)) | INCARNATION[inc];
}

/** Ceph's HAVE_FEATURE(features, X). */
export function hasFeature(features: bigint, name: FeatureName): boolean {
  const m = featureMask(name);
  return (features & m) === m;
}

/**
 * Features defined but not in CEPH_FEATURES_ALL: OS_PERF_STAT_NS is only a marker for an encoding
 * (objectstore_perf_stat_t), never advertised; RESERVED is a sentinel.
 */
const notAdvertised: ReadonlySet<FeatureName> = new Set(['OS_PERF_STAT_NS', 'RESERVED']);

/**
 * CEPH_FEATURES_ALL as a 16.2.15 daemon advertises it (0x3f01cfbdfffdffff, the value in the
 * SERVER_IDENT/CLIENT_IDENT frames of ../shared/ceph-traces/streams).
 */
export const CEPH_FEATURES_ALL: bigint = (Object.keys(featureDefs) as FeatureName[])
  .filter((n) => !notAdvertised.has(n))
  .reduce((acc, n) => acc | featureMask(n), 0n);

export const CEPH_FEATURES_SUPPORTED_DEFAULT = CEPH_FEATURES_ALL;

/** CEPH_FEATURES_CRUSH. */
export const CEPH_FEATURES_CRUSH: bigint =
  featureBit('CRUSH_TUNABLES') |
  featureBit('CRUSH_TUNABLES2') |
  featureBit('CRUSH_TUNABLES3') |
  featureBit('CRUSH_TUNABLES5') |
  featureBit('CRUSH_V2') |
  featureBit('CRUSH_V4') |
  featureMask('CRUSH_CHOOSE_ARGS');

/** Names of the features set in `features` (for logs and `ceph features`). */
export function featureNames(features: bigint): FeatureName[] {
  return (Object.keys(featureDefs) as FeatureName[]).filter((n) => hasFeature(features, n));
}
