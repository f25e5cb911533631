import { UTime } from '@ts-ceph/denc';
import { EversionT, OsdReqidT } from '@ts-ceph/maps';
import { MOSDOp, MOSDOpReply } from '@ts-ceph/messages';
import { CollT, GHObject, ObjectStore, Transaction } from '@ts-ceph/objectstore/interface';
import { ByteRanges, IntervalSet, SnapSetT, newSnapSet } from '@ts-ceph/maps';
import { OI_FLAG, ObjectInfo, newObjectInfo } from './object-info';
import { SnapContext, rangesUnion } from './snap-context';

/**
 * What an op reads from the store: the ObjectStore's read side. The op engine never writes through
 * it: writes go into the op's Transaction, which the PG's driver queues. As in Ceph, reads inside a
 * write op see the object as it was before the op (the store does not see the pending transaction);
 * the op tracks only the object's existence, size and info as the ops leave them (`obs`).
 */
export type StoreReader = Pick<
  ObjectStore,
  'exists' | 'stat' | 'read' | 'readShared' | 'fiemap' | 'getattr' | 'getattrs' | 'omapGetHeader' | 'omapGetKeys' | 'omapGetValues' | 'omapGetValsAfter' | 'collectionList'
>;

/** ObjectState (src/osd/osd_types.h): the object info and whether the object exists. */
export interface ObjectState {
  exists: boolean;
  oi: ObjectInfo;
}

/** What the op engine needs to know about the pool (from the OSDMap). */
export interface OpPool {
  id: number;
  name: string;
  pgNum: number;
  /** pg_pool_t::is_erasure(): EC pools refuse I/O until the EC data path exists (docs/LIMITS.md). */
  erasure: boolean;
  /** pg_pool_t::FLAG_FULL / FLAG_FULL_QUOTA: writes that add data are refused. */
  full: boolean;
  fullQuota: boolean;
  /** The pool's application metadata (caps may match on it: `profile rbd`, `tag`). */
  app?: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** The pool's snapshot facts; absent: no snapshots (core/snaps.ts). */
  snaps?: PoolSnaps;
}

/** What the op engine needs to know of a pool's snapshots (pg_pool_t and the OSDMap). */
export interface PoolSnaps {
  /** pg_pool_t::is_pool_snaps_mode (FLAG_POOL_SNAPS): writes use the pool's SnapContext. */
  poolSnapsMode: boolean;
  /** pg_pool_t::get_snap_context: snap_seq and the pool snaps, newest first. */
  snapc: SnapContext;
  /** OSDMap::removed_snaps_queue for the pool: removed, not yet purged. */
  removed: IntervalSet;
}

/** The client's request origin, as cls_get_request_origin reports it and watchers are keyed. */
export interface OpOrigin {
  /** entity_name_t: type (CEPH_ENTITY_TYPE_CLIENT = 8) and num. */
  name: import('@ts-ceph/denc').EntityNameT;
  /** The client's address (entity_addr_t) as the messenger saw it, for watch_info_t / list-watchers. */
  addr: import('@ts-ceph/denc').EntityAddr;
}

/**
 * OpContext (src/osd/PrimaryLogPG.h): one client op vector's execution against one object. The
 * handlers in ops/ read through `store`, write into `t` and update `obs`; `PG.execute` turns the
 * finished context into a log entry, the object info attr and the reply.
 */
export class OpContext {
  readonly t = new Transaction();
  /** The object as the ops leave it. */
  readonly obs: ObjectState;
  /** ctx->user_modify: a user-visible modification (bumps user_version). */
  userModify = false;
  /** ctx->num_read / num_write (a cls method's reads and writes are checked against its flags). */
  numRead = 0;
  numWrite = 0;
  /**
   * ctx->processed_subop_count: ops of the vector done so far, counting the sub-ops a class method
   * runs (each cls_cxx_* call is one). cls_cxx_subop_version names log entries with it.
   */
  processedSubops = 0;
  /** Bytes the op adds (delta_stats.num_bytes > 0): refused on a full pool. */
  bytesAdded = 0;
  /** ctx->user_at_version set by copy-from: the source's user_version becomes the reply's and the object's. */
  userAtVersion?: bigint;
  /** copy-from zeroes ctx->mtime: the object keeps the source's mtime instead of the client's. */
  keepMtime = false;
  /** Side effects to carry out once the op commits (watch registration, notifies). */
  readonly effects: (() => void)[] = [];
  /** ctx->snapc: the SnapContext a write runs under (core/snaps.ts). */
  snapc: SnapContext = { seq: 0n, snaps: [] };
  /** ctx->new_snapset: the head's SnapSet as the op leaves it (loaded for writes and list-snaps). */
  snapset: SnapSetT = newSnapSet();
  /** ctx->modified_ranges: head bytes the op changes (the newest clone stops sharing them). */
  modified: ByteRanges = [];
  /** ctx->modify: a write that logs even with an empty transaction (rollback to the head). */
  modify = false;

  constructor(
    readonly store: StoreReader,
    readonly coll: CollT,
    readonly oid: GHObject,
    readonly req: MOSDOp,
    readonly before: ObjectState,
    readonly env: { now: UTime; epoch: number; pool: OpPool; origin: OpOrigin; atVersion: EversionT; reqid: OsdReqidT; client?: unknown; pg: import('./pg').PG; watches?: import('./watch').WatchRegistry; copySource?: import('./ops/copy').CopySourceLocator },
  ) {
    this.obs = { exists: before.exists, oi: { ...before.oi, watchers: new Map(before.oi.watchers) } };
  }

  /** Record head bytes [off, off+len) as changed by this op (ctx->modified_ranges.union_of). */
  markModified(off: number, len: number): void {
    if (len > 0) this.modified = rangesUnion(this.modified, [[off, len]]);
  }

  get oi(): ObjectInfo {
    return this.obs.oi;
  }

  /** PrimaryLogPG::maybe_create_new_object: the first write to a missing object creates it. */
  maybeCreate(): void {
    if (this.obs.exists) {
      // A whiteout (a head deleted while clones still need its SnapSet) comes back to life.
      this.obs.oi.flags &= ~OI_FLAG.WHITEOUT;
      return;
    }
    this.t.touch(this.coll, this.oid);
    this.obs.exists = true;
    const fresh = newObjectInfo();
    fresh.userVersion = this.obs.oi.userVersion;
    this.obs.oi = fresh;
  }
}

/**
 * A handler's result: the op's rval (negative errno on failure). Out data goes into `out.data`. A
 * handler that reads nothing from the store answers synchronously (a number, no promise), so a
 * vector of such ops runs without one (op-run.ts).
 */
export type OpHandler = (ctx: OpContext, op: import('@ts-ceph/messages').OSDOp, out: import('@ts-ceph/messages').OSDOp) => number | Promise<number>;

export type { MOSDOpReply };
