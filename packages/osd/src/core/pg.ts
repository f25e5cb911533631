import { assert } from '@ts-ceph/common/core';
import { Reader, UTime, Writer } from '@ts-ceph/denc';
import {
  EversionT,
  IntervalSet,
  OsdReqidT,
  PgT,
  decodePgFastInfoT,
  decodePgInfoT,
  PgInfoT,
  encodePgFastInfoT,
  encodePgInfoT,
  newPgInfo,
  PgFastInfoT,
  pgFastInfoOf,
} from '@ts-ceph/maps';
import { CEPH_NOSNAP, CollT, GHObject, POOL_MIN, Transaction, ghobject } from '@ts-ceph/objectstore/interface';
import { StoreReader } from './op-context';
import { ObjectContextCache } from './obc-cache';
import { decodeDup, decodeLogEntry, encodeDup, encodeLogEntry } from './pg-log-codec';

export { decodeDup, decodeLogEntry, encodeDup, encodeLogEntry };

/** pg_log_entry_t's op types (src/osd/osd_types.h). */
export const PgLogOp = { MODIFY: 1, CLONE: 2, DELETE: 3, LOST_REVERT: 5, LOST_DELETE: 6, LOST_MARK: 7, PROMOTE: 8, CLEAN: 9, ERROR: 10 } as const;

/** One op's rval and returned data, kept for a resent write op (pg_log_op_return_item_t). */
export interface OpReturn {
  rval: number;
  data: Buffer;
}

/** pg_log_entry_t: the fields the PG uses (stored as Ceph's pg_log_entry_t; docs/formats/osd-pg.md). */
export interface PgLogEntry {
  op: number;
  soid: GHObject;
  version: EversionT;
  priorVersion: EversionT;
  reqid: OsdReqidT;
  mtime: UTime;
  returnCode: number;
  userVersion: bigint;
  opReturns: OpReturn[];
  /** A CLONE entry's snaps (the clone serves them), newest first. */
  snaps?: bigint[];
}

/** pg_info_t: the fields the PG keeps today (the rest come with peering). */
export interface PgInfo {
  pgid: PgT;
  lastUpdate: EversionT;
  lastComplete: EversionT;
  lastUserVersion: bigint;
  logTail: EversionT;
  /** Epoch the PG was created in (history.epoch_created) and last persisted at (`_epoch`). */
  epochCreated: number;
  /** pg_info_t::purged_snaps: removed snaps this PG has trimmed (interval_set of snap ids). */
  purgedSnaps?: IntervalSet;
  /** pg_info_t::last_epoch_started: the last epoch this PG went active on this OSD (peering). */
  lastEpochStarted?: number;
  /** pg_history_t's peering fields (core/peering): absent on a size-1 OSD that never peered. */
  history?: PgPeerHistory;
  /**
   * A backfill of this copy is under way (pg_info_t::last_backfill below the maximum object, kept as
   * the minimum object): the copy must not be chosen as authoritative (pg_info_t::is_incomplete).
   */
  incomplete?: boolean;
  /** The last scrub's outcome (core/peering/scrub.ts): absent before the PG's first scrub. */
  scrub?: PgScrubHistory;
}

/**
 * pg_history_t's scrub fields and pg_stat_t's scrub error counts, kept in the PG's pg_info_t so the
 * stamps and an inconsistent PG's errors survive a restart (Ceph keeps both in pg_info_t).
 */
export interface PgScrubHistory {
  /** The PG's last_update when the last scrub / deep scrub began. */
  lastScrub: EversionT;
  lastDeepScrub: EversionT;
  lastScrubStamp: UTime;
  lastDeepScrubStamp: UTime;
  /** The last scrub that found no error. */
  lastCleanScrubStamp: UTime;
  /** num_scrub_errors = num_shallow_scrub_errors + num_deep_scrub_errors. */
  shallowErrors: number;
  deepErrors: number;
}

/** The pg_history_t fields peering reads and moves (src/osd/osd_types.h). */
export interface PgPeerHistory {
  /** Lower bound on the last epoch the PG went active anywhere. */
  lastEpochStarted: number;
  /** The last epoch the PG was clean (every object on every acting OSD). */
  lastEpochClean: number;
  /** The first epoch of the current interval. */
  sameIntervalSince: number;
}

/** What the PG log remembers of a trimmed write: enough to answer a resent op (pg_log_dup_t). */
export interface PgLogDup {
  reqid: OsdReqidT;
  version: EversionT;
  userVersion: bigint;
  returnCode: number;
}

/** Named limits of the PG log (docs/LIMITS.md). */
export const pgLogLimits = {
  /** osd_min_pg_log_entries: entries kept after a trim. */
  entriesMin: 250,
  /** osd_pg_log_trim_min: trim only when this many entries are over the minimum. */
  trimMin: 100,
  /** osd_pg_log_dups_tracked: trimmed reqids remembered for dup detection. */
  dupsTracked: 3000,
  /** Entries (plus dups) a PG loads at mount at most; more is corruption. */
  loadEntriesMax: 1_000_000,
};

/**
 * A log entry the OSD makes on its own (a clone, a watch timeout, a snap trim): no client request,
 * so an empty reqid (never matched as a resend) and no op returns.
 */
export function internalLogEntry(op: number, soid: GHObject, version: EversionT, priorVersion: EversionT, mtime: UTime, userVersion: bigint, snaps?: bigint[]): PgLogEntry {
  return { op, soid, version, priorVersion, reqid: { name: { type: 0, num: 0 }, tid: 0n, inc: 0 }, mtime, returnCode: 0, userVersion, opReturns: [], ...(snaps ? { snaps } : {}) };
}

export function evCmp(a: EversionT, b: EversionT): number {
  return a.epoch !== b.epoch ? (a.epoch < b.epoch ? -1 : 1) : a.version === b.version ? 0 : a.version < b.version ? -1 : 1;
}

/** eversion_t::get_key_name: the PG log's omap key, 10-digit epoch '.' 20-digit version. */
export function evKeyName(e: EversionT): string {
  return `${String(e.epoch).padStart(10, '0')}.${String(e.version).padStart(20, '0')}`;
}

export function reqidKey(r: OsdReqidT): string {
  return `${r.name.type}.${r.name.num}:${r.inc}:${r.tid}`;
}

/** spg_t::make_pgmeta_oid: the PG's own object (empty name, hash = seed), holding info and log in its omap. */
export function pgmetaOid(pgid: PgT): GHObject {
  return ghobject({ pool: pgid.pool, name: '', hash: pgid.seed, snap: CEPH_NOSNAP });
}

export const INFO_KEY = '_info';
export const EPOCH_KEY = '_epoch';
export const FASTINFO_KEY = '_fastinfo';
const DUP_PREFIX = 'dup_';

/**
 * The PG's info and log are kept in Ceph's encodings (pg_info_t under `_info`, pg_log_entry_t with
 * its crc under each eversion key, pg_log_dup_t under `dup_<key>`: PG::prepare_info_keymap,
 * PGLog::write_log_and_missing), so a ceph-osd could read a ts-osd's PG metadata.
 */
export function encodeInfo(i: PgInfo): Buffer {
  const w = new Writer();
  encodePgInfoT(w, infoT(i));
  return w.finish();
}

/** Our PgInfo as the pg_info_t it is stored as (also what `pg PGID query` dumps). */
export function infoT(i: PgInfo): PgInfoT {
  const ci = newPgInfo({ pgid: i.pgid, shard: -1 });
  ci.lastEpochStarted = i.lastEpochStarted ?? 0;
  if (i.incomplete) ci.lastBackfill = { oid: '', key: '', snap: 0n, hash: 0, max: false, nspace: '', pool: POOL_MIN };
  if (i.history) {
    ci.history.lastEpochStarted = i.history.lastEpochStarted;
    ci.history.lastEpochClean = i.history.lastEpochClean;
    ci.history.sameIntervalSince = i.history.sameIntervalSince;
  }
  ci.lastUpdate = i.lastUpdate;
  ci.lastComplete = i.lastComplete;
  ci.logTail = i.logTail;
  ci.lastUserVersion = i.lastUserVersion;
  ci.history.epochCreated = i.epochCreated;
  ci.history.epochPoolCreated = i.epochCreated;
  ci.purgedSnaps = i.purgedSnaps ?? [];
  if (i.scrub) setScrubHistory(ci, i.scrub);
  return ci;
}
export function decodeInfo(pgid: PgT, b: Uint8Array, fast?: Uint8Array): PgInfo {
  const ci = decodePgInfoT(new Reader(b));
  const h = ci.history;
  const i: PgInfo = { pgid, lastUpdate: ci.lastUpdate, lastComplete: ci.lastComplete, lastUserVersion: ci.lastUserVersion, logTail: ci.logTail, epochCreated: h.epochCreated, purgedSnaps: ci.purgedSnaps };
  if (!ci.lastBackfill.max) i.incomplete = true;
  if (ci.lastEpochStarted || h.lastEpochStarted || h.sameIntervalSince) {
    i.lastEpochStarted = ci.lastEpochStarted;
    i.history = { lastEpochStarted: h.lastEpochStarted, lastEpochClean: h.lastEpochClean, sameIntervalSince: h.sameIntervalSince };
  }
  if (h.lastScrubStamp.sec || h.lastDeepScrubStamp.sec) {
    const sum = ci.stats.stats.sum;
    i.scrub = { lastScrub: h.lastScrub, lastDeepScrub: h.lastDeepScrub, lastScrubStamp: h.lastScrubStamp, lastDeepScrubStamp: h.lastDeepScrubStamp, lastCleanScrubStamp: h.lastCleanScrubStamp, shallowErrors: sum.num_shallow_scrub_errors ?? 0, deepErrors: sum.num_deep_scrub_errors ?? 0 };
  }
  if (fast) {
    // pg_fast_info_t::try_apply_to: only a fast info newer than the full one counts.
    const f = decodePgFastInfoT(new Reader(fast));
    if (evCmp(f.lastUpdate, i.lastUpdate) > 0) {
      i.lastUpdate = f.lastUpdate;
      i.lastComplete = f.lastComplete;
      i.lastUserVersion = f.lastUserVersion;
    }
  }
  return i;
}

/** The scrub fields into pg_history_t and (as Ceph also keeps them) pg_stat_t. */
function setScrubHistory(ci: ReturnType<typeof newPgInfo>, x: PgScrubHistory): void {
  for (const o of [ci.history, ci.stats]) {
    o.lastScrub = x.lastScrub;
    o.lastDeepScrub = x.lastDeepScrub;
    o.lastScrubStamp = x.lastScrubStamp;
    o.lastDeepScrubStamp = x.lastDeepScrubStamp;
    o.lastCleanScrubStamp = x.lastCleanScrubStamp;
  }
  const sum = ci.stats.stats.sum;
  sum.num_shallow_scrub_errors = x.shallowErrors;
  sum.num_deep_scrub_errors = x.deepErrors;
  sum.num_scrub_errors = x.shallowErrors + x.deepErrors;
}

/**
 * pg_fast_info_t for the common write, which moves only last_update, last_complete and
 * last_user_version: PG::prepare_info_keymap stores it under `_fastinfo` instead of re-encoding the
 * whole pg_info_t. The stats fields keep their initial values, as in our full info.
 */
function encodeFastInfo(template: PgFastInfoT, i: PgInfo): Buffer {
  template.lastUpdate = i.lastUpdate;
  template.lastComplete = i.lastComplete;
  template.lastUserVersion = i.lastUserVersion;
  const w = new Writer();
  encodePgFastInfoT(w, template);
  return w.finish();
}

/**
 * A placement group's info and log (PG + PGLog, src/osd/PG.h, PGLog.h) as a sans-I/O object: the
 * op engine asks it for the next version, appends entries (which also puts the entry, the info and
 * any trim into the op's own transaction, so data and log are durable together) and asks it for
 * resent requests. The log is ordered by version; versions only grow, across restarts too.
 */
export class PG {
  readonly entries: PgLogEntry[] = [];
  private readonly byReqid = new Map<string, PgLogEntry | PgLogDup>();
  /** Trimmed requests still answered as resends, oldest first (pg_log_t::dups). */
  readonly dups: PgLogDup[] = [];
  readonly meta: GHObject;
  private readonly fastTemplate = pgFastInfoOf(newPgInfo({ pgid: { pool: 0, seed: 0 }, shard: -1 }));
  /** The `_epoch` value last put in a transaction (PG::dirty_epoch: written only when it changes). */
  private epochWritten = -1;
  /**
   * Each appended entry's pg_log_entry_t bytes until the primary's RepOp takes them
   * (takeEncoded), so a write encodes its entry once for the log and every replica.
   */
  private readonly encoded = new WeakMap<PgLogEntry, Buffer>();
  /** The primary's object contexts (obc-cache.ts): kept true by PeeringPG.queue's invalidation. */
  readonly obc = new ObjectContextCache();

  constructor(
    readonly coll: CollT,
    public info: PgInfo,
  ) {
    this.meta = pgmetaOid(info.pgid);
  }

  get pgid(): PgT {
    return this.info.pgid;
  }

  static fresh(coll: CollT, pgid: PgT, epoch: number): PG {
    const z = { epoch: 0, version: 0n };
    return new PG(coll, { pgid, lastUpdate: z, lastComplete: z, lastUserVersion: 0n, logTail: z, epochCreated: epoch });
  }

  /** The transaction ops that create the PG's meta object with its first info. */
  initTransaction(t: Transaction): void {
    t.touch(this.coll, this.meta);
    t.omapSetKeys(this.coll, this.meta, new Map([[INFO_KEY, encodeInfo(this.info)], [EPOCH_KEY, u32(this.info.epochCreated)]]));
  }

  /** Read the info, log and dups of a PG from its meta object (PG::read_state + PGLog::read_log). */
  static async load(store: StoreReader, coll: CollT, pgid: PgT): Promise<PG | undefined> {
    const meta = pgmetaOid(pgid);
    if (!(await store.exists(coll, meta))) return undefined;
    const head = await store.omapGetValues(coll, meta, [INFO_KEY, FASTINFO_KEY]);
    const raw = head.get(INFO_KEY);
    if (!raw) return undefined;
    const pg = new PG(coll, decodeInfo(pgid, raw, head.get(FASTINFO_KEY)));
    let after = '';
    let n = 0;
    for (;;) {
      const page = await store.omapGetValsAfter(coll, meta, after, 1024);
      for (const [k, v] of page.values) {
        after = k;
        if (++n > pgLogLimits.loadEntriesMax) throw new Error(`pg ${pgid.pool}.${pgid.seed.toString(16)}: more than loadEntriesMax log entries`);
        if (k.startsWith(DUP_PREFIX)) {
          const d = decodeDup(v);
          pg.dups.push(d);
          pg.byReqid.set(reqidKey(d.reqid), d);
        } else if (/^\d{10}\.\d{20}$/.test(k)) {
          const e = decodeLogEntry(v);
          pg.entries.push(e);
          pg.byReqid.set(reqidKey(e.reqid), e);
        }
      }
      if (!page.more || page.values.size === 0) break;
    }
    return pg;
  }

  /** PG::get_next_version: the eversion the next write gets at `epoch`. */
  nextVersion(epoch: number): EversionT {
    return { epoch: Math.max(epoch, this.info.lastUpdate.epoch), version: this.info.lastUpdate.version + 1n };
  }

  /** A resent request's recorded outcome (PGLog::get_request / dups), or undefined. */
  findRequest(reqid: OsdReqidT): PgLogEntry | PgLogDup | undefined {
    if (reqid.tid === 0n) return undefined;
    return this.byReqid.get(reqidKey(reqid));
  }

  /**
   * Append `e` to the log and put the entry, the new info and any trim into `t` (the op's own
   * transaction). A MODIFY/DELETE/ERROR advances last_update; user-visible writes last_user_version.
   */
  append(e: PgLogEntry, t: Transaction, epoch: number, bytes?: Buffer): void {
    assert(evCmp(e.version, this.info.lastUpdate) > 0, `log entry ${evKeyName(e.version)} not after last_update ${evKeyName(this.info.lastUpdate)}`);
    // Encode before changing anything: an entry that cannot be encoded must not stay in the log in
    // memory (a resend would be answered as a duplicate of a write that never reached the disk).
    // A replica passes the bytes the primary sent (decoded, crc-checked): the same encoding.
    const b = bytes ?? encodeLogEntry(e);
    if (!bytes) this.encoded.set(e, b);
    const keys = new Map<string, Buffer>([[evKeyName(e.version), b]]);
    this.entries.push(e);
    this.byReqid.set(reqidKey(e.reqid), e);
    this.info.lastUpdate = e.version;
    this.info.lastComplete = e.version;
    if (e.userVersion > this.info.lastUserVersion) this.info.lastUserVersion = e.userVersion;
    // A trim moves log_tail, which only the full pg_info_t carries (PG::dirty_big_info).
    if (this.trim(t, keys)) keys.set(INFO_KEY, encodeInfo(this.info));
    else keys.set(FASTINFO_KEY, encodeFastInfo(this.fastTemplate, this.info));
    if (epoch !== this.epochWritten) {
      keys.set(EPOCH_KEY, u32(epoch));
      this.epochWritten = epoch;
    }
    t.omapSetKeys(this.coll, this.meta, keys);
  }

  /** The encoding of an appended entry (kept from append once, else made again). */
  takeEncoded(e: PgLogEntry): Buffer {
    const b = this.encoded.get(e);
    this.encoded.delete(e);
    return b ?? encodeLogEntry(e);
  }

  /** Record snaps as purged (trimmed) in the PG's info, persisted with `t` (pg_info_t::purged_snaps). */
  setPurgedSnaps(s: IntervalSet, t: Transaction): void {
    this.info.purgedSnaps = s;
    t.omapSetKeys(this.coll, this.meta, new Map([[INFO_KEY, encodeInfo(this.info)]]));
  }

  /** Persist the whole pg_info_t with `t` (peering moved a history field or last_epoch_started). */
  saveInfo(t: Transaction): void {
    t.omapSetKeys(this.coll, this.meta, new Map([[INFO_KEY, encodeInfo(this.info)]]));
  }

  /**
   * Peering adopted another OSD's (the authoritative) log: replace every entry, in memory and in
   * `t`, and take its last_update, log_tail and last_user_version (PGLog::merge_log's outcome once
   * divergent entries are set aside by the caller). Dups stay: they answer resends either way.
   */
  replaceLog(entries: PgLogEntry[], from: Pick<PgInfo, 'lastUpdate' | 'logTail' | 'lastUserVersion'>, t: Transaction): void {
    for (const e of this.entries) if (this.byReqid.get(reqidKey(e.reqid)) === e) this.byReqid.delete(reqidKey(e.reqid));
    this.entries.length = 0;
    // Every eversion key starts with a digit; '_info', '_epoch' and 'dup_' keys sort outside [0, :).
    t.omapRmKeyRange(this.coll, this.meta, '0', ':');
    // A _fastinfo newer than the adopted head would win at the next load (decodeInfo): drop it.
    t.omapRmKeys(this.coll, this.meta, [FASTINFO_KEY]);
    const keys = new Map<string, Buffer>();
    for (const e of entries) {
      keys.set(evKeyName(e.version), encodeLogEntry(e));
      this.entries.push(e);
      this.byReqid.set(reqidKey(e.reqid), e);
    }
    this.info.lastUpdate = from.lastUpdate;
    this.info.lastComplete = from.lastUpdate;
    this.info.logTail = from.logTail;
    this.info.lastUserVersion = from.lastUserVersion;
    keys.set(INFO_KEY, encodeInfo(this.info));
    t.omapSetKeys(this.coll, this.meta, keys);
  }

  /**
   * Take the authoritative copy's dups we do not have (PGLog::merge_log merges pg_log_t::dups):
   * a request trimmed there must still be answered as a resend here, never run twice.
   */
  mergeDups(dups: readonly PgLogDup[], t: Transaction): void {
    const keys = new Map<string, Buffer>();
    for (const d of dups) {
      if (this.byReqid.has(reqidKey(d.reqid))) continue;
      this.dups.push(d);
      this.byReqid.set(reqidKey(d.reqid), d);
      keys.set(DUP_PREFIX + evKeyName(d.version), encodeDup(d));
    }
    if (!keys.size) return;
    this.dups.sort((a, b) => evCmp(a.version, b.version));
    const rm: string[] = [];
    while (this.dups.length > pgLogLimits.dupsTracked) {
      const d = this.dups.shift()!;
      if (this.byReqid.get(reqidKey(d.reqid)) === d) this.byReqid.delete(reqidKey(d.reqid));
      if (!keys.delete(DUP_PREFIX + evKeyName(d.version))) rm.push(DUP_PREFIX + evKeyName(d.version));
    }
    if (rm.length) t.omapRmKeys(this.coll, this.meta, rm);
    if (keys.size) t.omapSetKeys(this.coll, this.meta, keys);
  }

  /**
   * A write whose transaction the store refused (ENOSPC): take its entry out of the in-memory log
   * so a resent op executes again instead of being answered as a dup. When nothing was appended
   * since, the info goes back to `prev` (what the store still holds); otherwise the later entry's
   * info, queued after it, supersedes both. Entries a refused append trimmed stay dups in memory
   * (the store still has them as entries; a restart reads them back as such).
   */
  forget(e: PgLogEntry, prev: PgInfo): void {
    const i = this.entries.lastIndexOf(e);
    if (i >= 0) this.entries.splice(i, 1);
    if (this.byReqid.get(reqidKey(e.reqid)) === e) this.byReqid.delete(reqidKey(e.reqid));
    if (evCmp(this.info.lastUpdate, e.version) === 0) Object.assign(this.info, prev);
  }

  /**
   * calc_trim_to's limit (min_last_complete_ondisk): the log keeps every entry from this version
   * on. Peering gives its oldest missing object's version, so a copy we still lack can be found
   * through the log of an OSD that holds it, not only by a backfill that could not supply it.
   */
  trimKeepFrom: () => EversionT | undefined = () => undefined;

  /**
   * PGLog::trim: keep entriesMin entries, turn the trimmed ones into dups (bounded by dupsTracked).
   * True when it trimmed (log_tail moved).
   */
  private trim(t: Transaction, keys: Map<string, Buffer>): boolean {
    if (this.entries.length <= pgLogLimits.entriesMin + pgLogLimits.trimMin) return false;
    let n = this.entries.length - pgLogLimits.entriesMin;
    const keep = this.trimKeepFrom();
    while (keep && n > 0 && evCmp(this.entries[n - 1]!.version, keep) >= 0) n--;
    if (n <= 0) return false;
    const cut = this.entries.splice(0, n);
    const rm: string[] = [];
    for (const e of cut) {
      rm.push(evKeyName(e.version));
      if (e.reqid.tid === 0n) continue;
      const d: PgLogDup = { reqid: e.reqid, version: e.version, userVersion: e.userVersion, returnCode: e.returnCode };
      this.dups.push(d);
      this.byReqid.set(reqidKey(e.reqid), d);
      keys.set(DUP_PREFIX + evKeyName(e.version), encodeDup(d));
    }
    while (this.dups.length > pgLogLimits.dupsTracked) {
      const d = this.dups.shift()!;
      if (this.byReqid.get(reqidKey(d.reqid)) === d) this.byReqid.delete(reqidKey(d.reqid));
      rm.push(DUP_PREFIX + evKeyName(d.version));
    }
    this.info.logTail = cut[cut.length - 1]!.version;
    const live = rm.filter((k) => !keys.has(k));
    if (live.length) t.omapRmKeys(this.coll, this.meta, live);
    for (const k of rm) keys.delete(k);
    return true;
  }
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
}
