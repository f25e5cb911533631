/**
 * OSD op codes, op flags and message flags (src/include/rados.h), and the names Ceph prints for
 * them (ceph_osd_op_name in src/common/ceph_strings.cc, ceph_osd_flag_name and
 * ceph_osd_op_flag_name in src/osd/osd_types.cc), so our logs read like an OSD's.
 */

/** CEPH_OSD_OP_MODE_* and CEPH_OSD_OP_TYPE_*: an op code is mode | type | number. */
export const CEPH_OSD_OP_MODE_RD = 0x1000;
export const CEPH_OSD_OP_MODE_WR = 0x2000;
export const CEPH_OSD_OP_MODE_RMW = 0x3000;
export const CEPH_OSD_OP_MODE_SUB = 0x4000;
export const CEPH_OSD_OP_MODE_CACHE = 0x8000;
export const CEPH_OSD_OP_TYPE = 0x0f00;
export const CEPH_OSD_OP_TYPE_DATA = 0x0200;
export const CEPH_OSD_OP_TYPE_ATTR = 0x0300;
export const CEPH_OSD_OP_TYPE_EXEC = 0x0400;
export const CEPH_OSD_OP_TYPE_PG = 0x0500;

const RD = CEPH_OSD_OP_MODE_RD;
const WR = CEPH_OSD_OP_MODE_WR;
const RMW = CEPH_OSD_OP_MODE_RMW;
const CACHE = CEPH_OSD_OP_MODE_CACHE;
const SUB = CEPH_OSD_OP_MODE_SUB;
const DATA = CEPH_OSD_OP_TYPE_DATA;
const ATTR = CEPH_OSD_OP_TYPE_ATTR;
const EXEC = CEPH_OSD_OP_TYPE_EXEC;
const PG = CEPH_OSD_OP_TYPE_PG;

/** CEPH_OSD_OP_* by suffix, in rados.h's __CEPH_FORALL_OSD_OPS order: `CephOsdOp.WRITEFULL === 0x2202`. */
export const CephOsdOp = {
  READ: RD | DATA | 1,
  STAT: RD | DATA | 2,
  MAPEXT: RD | DATA | 3,
  CHECKSUM: RD | DATA | 31,
  MASKTRUNC: RD | DATA | 4,
  SPARSE_READ: RD | DATA | 5,
  NOTIFY: RD | DATA | 6,
  NOTIFY_ACK: RD | DATA | 7,
  ASSERT_VER: RD | DATA | 8,
  LIST_WATCHERS: RD | DATA | 9,
  LIST_SNAPS: RD | DATA | 10,
  SYNC_READ: RD | DATA | 11,
  WRITE: WR | DATA | 1,
  WRITEFULL: WR | DATA | 2,
  TRUNCATE: WR | DATA | 3,
  ZERO: WR | DATA | 4,
  DELETE: WR | DATA | 5,
  APPEND: WR | DATA | 6,
  STARTSYNC: WR | DATA | 7,
  SETTRUNC: WR | DATA | 8,
  TRIMTRUNC: WR | DATA | 9,
  TMAPUP: RMW | DATA | 10,
  TMAPPUT: WR | DATA | 11,
  TMAPGET: RD | DATA | 12,
  CREATE: WR | DATA | 13,
  ROLLBACK: WR | DATA | 14,
  WATCH: WR | DATA | 15,
  OMAPGETKEYS: RD | DATA | 17,
  OMAPGETVALS: RD | DATA | 18,
  OMAPGETHEADER: RD | DATA | 19,
  OMAPGETVALSBYKEYS: RD | DATA | 20,
  OMAPSETVALS: WR | DATA | 21,
  OMAPSETHEADER: WR | DATA | 22,
  OMAPCLEAR: WR | DATA | 23,
  OMAPRMKEYS: WR | DATA | 24,
  OMAPRMKEYRANGE: WR | DATA | 44,
  OMAP_CMP: RD | DATA | 25,
  COPY_FROM: WR | DATA | 26,
  COPY_FROM2: WR | DATA | 45,
  UNDIRTY: WR | DATA | 28,
  ISDIRTY: RD | DATA | 29,
  COPY_GET: RD | DATA | 30,
  CACHE_FLUSH: CACHE | DATA | 31,
  CACHE_EVICT: CACHE | DATA | 32,
  CACHE_TRY_FLUSH: CACHE | DATA | 33,
  TMAP2OMAP: RMW | DATA | 34,
  SETALLOCHINT: WR | DATA | 35,
  CACHE_PIN: WR | DATA | 36,
  CACHE_UNPIN: WR | DATA | 37,
  WRITESAME: WR | DATA | 38,
  CMPEXT: RD | DATA | 32,
  SET_REDIRECT: WR | DATA | 39,
  SET_CHUNK: CACHE | DATA | 40,
  TIER_PROMOTE: WR | DATA | 41,
  UNSET_MANIFEST: WR | DATA | 42,
  TIER_FLUSH: CACHE | DATA | 43,
  TIER_EVICT: CACHE | DATA | 44,
  GETXATTR: RD | ATTR | 1,
  GETXATTRS: RD | ATTR | 2,
  CMPXATTR: RD | ATTR | 3,
  SETXATTR: WR | ATTR | 1,
  SETXATTRS: WR | ATTR | 2,
  RESETXATTRS: WR | ATTR | 3,
  RMXATTR: WR | ATTR | 4,
  PULL: SUB | 1,
  PUSH: SUB | 2,
  BALANCEREADS: SUB | 3,
  UNBALANCEREADS: SUB | 4,
  SCRUB: SUB | 5,
  SCRUB_RESERVE: SUB | 6,
  SCRUB_UNRESERVE: SUB | 7,
  SCRUB_MAP: SUB | 9,
  CALL: RD | EXEC | 1,
  PGLS: RD | PG | 1,
  PGLS_FILTER: RD | PG | 2,
  PG_HITSET_LS: RD | PG | 3,
  PG_HITSET_GET: RD | PG | 4,
  PGNLS: RD | PG | 5,
  PGNLS_FILTER: RD | PG | 6,
  SCRUBLS: RD | PG | 7,
} as const;

/** The names ceph_osd_op_name prints. */
const OP_NAMES: Record<keyof typeof CephOsdOp, string> = {
  READ: 'read',
  STAT: 'stat',
  MAPEXT: 'mapext',
  CHECKSUM: 'checksum',
  MASKTRUNC: 'masktrunc',
  SPARSE_READ: 'sparse-read',
  NOTIFY: 'notify',
  NOTIFY_ACK: 'notify-ack',
  ASSERT_VER: 'assert-version',
  LIST_WATCHERS: 'list-watchers',
  LIST_SNAPS: 'list-snaps',
  SYNC_READ: 'sync_read',
  WRITE: 'write',
  WRITEFULL: 'writefull',
  TRUNCATE: 'truncate',
  ZERO: 'zero',
  DELETE: 'delete',
  APPEND: 'append',
  STARTSYNC: 'startsync',
  SETTRUNC: 'settrunc',
  TRIMTRUNC: 'trimtrunc',
  TMAPUP: 'tmapup',
  TMAPPUT: 'tmapput',
  TMAPGET: 'tmapget',
  CREATE: 'create',
  ROLLBACK: 'rollback',
  WATCH: 'watch',
  OMAPGETKEYS: 'omap-get-keys',
  OMAPGETVALS: 'omap-get-vals',
  OMAPGETHEADER: 'omap-get-header',
  OMAPGETVALSBYKEYS: 'omap-get-vals-by-keys',
  OMAPSETVALS: 'omap-set-vals',
  OMAPSETHEADER: 'omap-set-header',
  OMAPCLEAR: 'omap-clear',
  OMAPRMKEYS: 'omap-rm-keys',
  OMAPRMKEYRANGE: 'omap-rm-key-range',
  OMAP_CMP: 'omap-cmp',
  COPY_FROM: 'copy-from',
  COPY_FROM2: 'copy-from2',
  UNDIRTY: 'undirty',
  ISDIRTY: 'isdirty',
  COPY_GET: 'copy-get',
  CACHE_FLUSH: 'cache-flush',
  CACHE_EVICT: 'cache-evict',
  CACHE_TRY_FLUSH: 'cache-try-flush',
  TMAP2OMAP: 'tmap2omap',
  SETALLOCHINT: 'set-alloc-hint',
  CACHE_PIN: 'cache-pin',
  CACHE_UNPIN: 'cache-unpin',
  WRITESAME: 'write-same',
  CMPEXT: 'cmpext',
  SET_REDIRECT: 'set-redirect',
  SET_CHUNK: 'set-chunk',
  TIER_PROMOTE: 'tier-promote',
  UNSET_MANIFEST: 'unset-manifest',
  TIER_FLUSH: 'tier-flush',
  TIER_EVICT: 'tier-evict',
  GETXATTR: 'getxattr',
  GETXATTRS: 'getxattrs',
  CMPXATTR: 'cmpxattr',
  SETXATTR: 'setxattr',
  SETXATTRS: 'setxattrs',
  RESETXATTRS: 'resetxattrs',
  RMXATTR: 'rmxattr',
  PULL: 'pull',
  PUSH: 'push',
  BALANCEREADS: 'balance-reads',
  UNBALANCEREADS: 'unbalance-reads',
  SCRUB: 'scrub',
  SCRUB_RESERVE: 'scrub-reserve',
  SCRUB_UNRESERVE: 'scrub-unreserve',
  SCRUB_MAP: 'scrub-map',
  CALL: 'call',
  PGLS: 'pgls',
  PGLS_FILTER: 'pgls-filter',
  PG_HITSET_LS: 'pg-hitset-ls',
  PG_HITSET_GET: 'pg-hitset-get',
  PGNLS: 'pgnls',
  PGNLS_FILTER: 'pgnls-filter',
  SCRUBLS: 'scrubls',
};

const opNames = new Map<number, string>((Object.keys(CephOsdOp) as (keyof typeof CephOsdOp)[]).map((k) => [CephOsdOp[k], OP_NAMES[k]]));

/** ceph_osd_op_name: "writefull", or "???" for a code Ceph does not know. */
export function cephOsdOpName(op: number): string {
  return opNames.get(op) ?? '???';
}

export function cephOsdOpTypeData(op: number): boolean {
  return (op & CEPH_OSD_OP_TYPE) === CEPH_OSD_OP_TYPE_DATA;
}
export function cephOsdOpTypeAttr(op: number): boolean {
  return (op & CEPH_OSD_OP_TYPE) === CEPH_OSD_OP_TYPE_ATTR;
}
export function cephOsdOpTypeExec(op: number): boolean {
  return (op & CEPH_OSD_OP_TYPE) === CEPH_OSD_OP_TYPE_EXEC;
}
export function cephOsdOpTypePg(op: number): boolean {
  return (op & CEPH_OSD_OP_TYPE) === CEPH_OSD_OP_TYPE_PG;
}
/** ceph_osd_op_mode_modify: the op may change the object. */
export function cephOsdOpModeModify(op: number): boolean {
  return (op & CEPH_OSD_OP_MODE_WR) !== 0;
}

/** CEPH_OSD_FLAG_* (message flags, MOSDOp.flags and MOSDOpReply.flags). */
export const CephOsdFlag = {
  ACK: 0x0001,
  ONNVRAM: 0x0002,
  ONDISK: 0x0004,
  RETRY: 0x0008,
  READ: 0x0010,
  WRITE: 0x0020,
  ORDERSNAP: 0x0040,
  PEERSTAT_OLD: 0x0080,
  BALANCE_READS: 0x0100,
  PARALLELEXEC: 0x0200,
  PGOP: 0x0400,
  EXEC: 0x0800,
  EXEC_PUBLIC: 0x1000,
  LOCALIZE_READS: 0x2000,
  RWORDERED: 0x4000,
  IGNORE_CACHE: 0x8000,
  SKIPRWLOCKS: 0x10000,
  IGNORE_OVERLAY: 0x20000,
  FLUSH: 0x40000,
  MAP_SNAP_CLONE: 0x80000,
  ENFORCE_SNAPC: 0x100000,
  REDIRECTED: 0x200000,
  KNOWN_REDIR: 0x400000,
  FULL_TRY: 0x800000,
  FULL_FORCE: 0x1000000,
  IGNORE_REDIRECT: 0x2000000,
  RETURNVEC: 0x4000000,
} as const;

const flagNames: Record<number, string> = {
  0x0001: 'ack',
  0x0002: 'onnvram',
  0x0004: 'ondisk',
  0x0008: 'retry',
  0x0010: 'read',
  0x0020: 'write',
  0x0040: 'ordersnap',
  0x0080: 'peerstat_old',
  0x0100: 'balance_reads',
  0x0200: 'parallelexec',
  0x0400: 'pgop',
  0x0800: 'exec',
  0x1000: 'exec_public',
  0x2000: 'localize_reads',
  0x4000: 'rwordered',
  0x8000: 'ignore_cache',
  0x10000: 'skiprwlocks',
  0x20000: 'ignore_overlay',
  0x40000: 'flush',
  0x80000: 'map_snap_clone',
  0x100000: 'enforce_snapc',
  0x200000: 'redirected',
  0x400000: 'known_if_redirected',
  0x800000: 'full_try',
  0x1000000: 'full_force',
  0x2000000: 'ignore_redirect',
  0x4000000: 'returnvec',
};

/** CEPH_OSD_OP_FLAG_* (per-op flags, ceph_osd_op.flags). */
export const CephOsdOpFlag = {
  EXCL: 0x1,
  FAILOK: 0x2,
  FADVISE_RANDOM: 0x4,
  FADVISE_SEQUENTIAL: 0x8,
  FADVISE_WILLNEED: 0x10,
  FADVISE_DONTNEED: 0x20,
  FADVISE_NOCACHE: 0x40,
  WITH_REFERENCE: 0x80,
  BYPASS_CLEAN_CACHE: 0x100,
} as const;

const opFlagNames: Record<number, string> = {
  0x1: 'excl',
  0x2: 'failok',
  0x4: 'fadvise_random',
  0x8: 'fadvise_sequential',
  0x10: 'fadvise_willneed',
  0x20: 'fadvise_dontneed',
  0x40: 'fadvise_nocache',
  0x80: 'with_reference',
  0x100: 'bypass_clean_cache',
};

function bitString(flags: number, names: Record<number, string>): string {
  const parts: string[] = [];
  for (let i = 0; i < 32; i++) {
    const bit = (1 << i) >>> 0;
    if ((flags >>> 0) & bit) parts.push(names[bit] ?? '???');
  }
  return parts.length ? parts.join('+') : '-';
}

/** ceph_osd_flag_string: "ondisk+write+known_if_redirected", "-" for none. */
export function cephOsdFlagString(flags: number): string {
  return bitString(flags, flagNames);
}

/** ceph_osd_op_flag_string: "excl+fadvise_dontneed", "-" for none. */
export function cephOsdOpFlagString(flags: number): string {
  return bitString(flags, opFlagNames);
}

/** CEPH_OSD_WATCH_OP_* (ceph_osd_op.watch.op). */
export const CephOsdWatchOp = { UNWATCH: 0, LEGACY_WATCH: 1, WATCH: 3, RECONNECT: 5, PING: 7 } as const;

/** ceph_osd_watch_op_name (legacy watch prints "???", as Ceph's does). */
export function cephOsdWatchOpName(op: number): string {
  return ({ 0: 'unwatch', 3: 'watch', 5: 'reconnect', 7: 'ping' } as Record<number, string>)[op] ?? '???';
}

/** CEPH_OSD_CMPXATTR_OP_* and CEPH_OSD_CMPXATTR_MODE_*. */
export const CephOsdCmpxattrOp = { EQ: 1, NE: 2, GT: 3, GTE: 4, LT: 5, LTE: 6 } as const;
export const CephOsdCmpxattrMode = { STRING: 1, U64: 2 } as const;

/** CEPH_OSD_CHECKSUM_OP_TYPE_*. */
export const CephOsdChecksumType = { XXHASH32: 0, XXHASH64: 1, CRC32C: 2 } as const;
