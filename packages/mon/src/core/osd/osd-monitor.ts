/**
 * The OSDMap service (src/mon/OSDMonitor.cc, service "osdmap"). Committed state is the current
 * OSDMap; the pending change is an OSDMap::Incremental for the next epoch. Each epoch stores its
 * incremental (`osdmap/<e>`) and its full map (`osdmap/full_<e>`, `full_latest`), both encoded with
 * the map's encoding features, so subscribers get exactly the bytes a real mon would send.
 */
import { Reader, UTime, Uuid, utimeFromMs, featureBit, Writer } from '@ts-ceph/denc';
import { assert, cephError } from '@ts-ceph/common/core';
import { CrushWrapper, decodeCrushMap, encodeCrushMap } from '@ts-ceph/crush';
import {
  OSDMap,
  Incremental,
  newIncremental,
  applyIncremental,
  encodeIncremental,
  encodeOSDMap,
  decodeOSDMap,
  createInitialOSDMap,
  getEncodingFeatures,
  crushOf,
  PgPoolT,
  clonePgPool,
  CreateInitialConf,
  BuildSimpleConf,
  OsdState,
  PoolFlag,
  propagateBasePropertiesToTiers,
} from '@ts-ceph/maps';
import { OSD_PG_CREATING_PREFIX, PgCreateTracker } from './pg-creates';
import { updatePoolFullFlags } from './osd-full';
import { PaxosService } from '../paxos-service';
import { StoreTransaction } from '../store-txn';
import { StoreView } from '../store-view';

/** Where OSD boot metadata lives in the store (Ceph's OSD_METADATA_PREFIX). */
export const OSD_METADATA_PREFIX = 'osd_metadata';

export const osdLimits = {
  /** Full maps and incrementals kept (Ceph: mon_min_osdmap_epochs 500). */
  osdmapEpochsKeptMin: 500,
};

/** The options OSDMonitor reads, evaluated at use so `ceph config set mon ...` takes effect. */
export interface OSDMonitorConf {
  initial: () => Partial<CreateInitialConf>;
  build: () => Partial<BuildSimpleConf>;
  get: (name: string) => string;
}

export class OSDMonitor extends PaxosService {
  osdmap!: OSDMap;
  pending: Incremental = newIncremental(0);
  /** Set when the pending incremental carries a new CRUSH map (decoded, editable). */
  private pendingCrushMap: CrushWrapper | undefined;
  /** The map encodePending built, adopted once its epoch is committed. */
  private applied: OSDMap | undefined;
  /** PGs of creating pools reported created (MOSDPGCreated). */
  readonly pgCreates = new PgCreateTracker();
  /** MOSDBoot metadata to store with the pending epoch (pending_metadata), by OSD id. */
  readonly pendingMetadata = new Map<number, Map<string, string>>();

  constructor(
    store: StoreView,
    readonly conf: OSDMonitorConf,
    private readonly fsid: () => Uuid,
  ) {
    super('osdmap', store);
  }

  /** create_initial: epoch 1 as a full map inside the first incremental. */
  createInitial(now: number): void {
    const m = createInitialOSDMap({ fsid: this.fsid(), now: utimeFromMs(now), conf: this.conf.initial(), buildConf: this.conf.build() });
    this.pending = newIncremental(1);
    this.pending.fsid = m.fsid;
    this.pending.fullmap = encodeOSDMap(m, getEncodingFeatures(m) | featureBit('RESERVED'));
    this.pending.fullCrc = m.crc ?? 0;
  }

  updateFromPaxos(): void {
    const latest = this.store.getVersion(this.name, 'full_latest');
    if (!latest) return;
    if (this.osdmap && this.osdmap.epoch === latest) return;
    // A running mon applies each committed incremental to the map it holds (so hash-ordered parts,
    // the blocklist, keep a live daemon's order); a starting one decodes the latest full map.
    if (this.applied?.epoch === latest) {
      this.osdmap = this.applied;
      this.applied = undefined;
      return;
    }
    const b = this.getVersionFull(latest);
    if (!b) throw cephError('EIO', `osdmap full_${latest} missing from the store`);
    this.osdmap = decodeOSDMap(new Reader(b));
  }

  createPending(): void {
    this.pending = newIncremental((this.osdmap?.epoch ?? 0) + 1);
    this.pending.fsid = this.osdmap?.fsid ?? this.fsid();
    this.pendingCrushMap = undefined;
    this.pendingMetadata.clear();
  }

  havePending(): boolean {
    return true;
  }

  /** encode_pending: apply to a copy, store the full map and the incremental with the same features. */
  encodePending(t: StoreTransaction, now: number): void {
    const inc = this.pending;
    assert(inc.epoch === this.lastCommitted + 1, `osdmap pending epoch ${inc.epoch} after ${this.lastCommitted}`);
    inc.modified = utimeFromMs(now);
    if (this.pendingCrushMap) inc.crush = encodeCrushMap(this.pendingCrushMap);
    // OSDMonitor::encode_pending: a blank new_state would mean "toggle up"; drop it. Any up or
    // in change stamps last_up_change / last_in_change (`osd stat`'s "since").
    for (const [id, st] of inc.newState) {
      if (st === 0) inc.newState.delete(id);
      else if (st & OsdState.UP) inc.newLastUpChange = inc.modified;
    }
    if (inc.newUpClient.size) inc.newLastUpChange = inc.modified;
    for (const [id, w] of inc.newWeight) {
      if (id >= this.osdmap.maxOsd ? w !== 0 : !!w !== !!(this.osdmap.osdWeight[id] ?? 0)) {
        inc.newLastInChange = inc.modified;
        break;
      }
    }
    // A cache tier follows its base pool's snapshots and application metadata.
    if (!inc.fullmap.length && this.osdmap) propagateBasePropertiesToTiers(inc, this.osdmap);
    // The pools full OSDs serve get their FULL/BACKFILLFULL/NEARFULL flags (osd-full.ts).
    const flagged = !inc.fullmap.length && this.osdmap ? updatePoolFullFlags(this.osdmap, inc) : undefined;
    let next: OSDMap;
    if (inc.fullmap.length) {
      next = decodeOSDMap(new Reader(inc.fullmap));
      next.epoch = inc.epoch;
    } else {
      next = flagged ?? applyIncremental(this.osdmap, inc);
    }
    const features = getEncodingFeatures(next) | featureBit('RESERVED');
    const full = encodeOSDMap(next, features);
    this.applied = next;
    inc.fullCrc = next.crc ?? 0;
    inc.haveCrc = true;
    inc.encodeFeatures = features;
    this.putVersionFull(t, inc.epoch, full);
    this.putVersionLatestFull(t, inc.epoch);
    this.putVersion(t, inc.epoch, encodeIncremental(inc, features));
    this.putLastCommitted(t, inc.epoch);
    // The epoch each new pool is created in, for its PGs' MOSDPGCreate2 (creating_pgs_t).
    for (const [id, p] of inc.newPools) {
      if (this.osdmap?.pools.has(id) || !(p.flags & PoolFlag.CREATING)) continue;
      t.put(OSD_PG_CREATING_PREFIX, id, new Writer().u32(inc.epoch).finish());
    }
    for (const id of inc.oldPools) {
      t.erase(OSD_PG_CREATING_PREFIX, id);
      t.erase(OSD_PG_CREATING_PREFIX, `${id}_created`);
    }
    this.pgCreates.encode(t);
    // OSD metadata (`osd metadata`): prefix osd_metadata, key the id, value map<string,string>.
    for (const [id, md] of this.pendingMetadata) {
      const w = new Writer();
      const keys = [...md.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      w.u32(keys.length);
      for (const k of keys) w.string(k).string(md.get(k)!);
      t.put(OSD_METADATA_PREFIX, id, w.finish());
    }
  }

  /** A raw store value of this service's side tables (osd_metadata, osd_pg_creating). */
  storeGet(prefix: string, key: string | number): Buffer | undefined {
    return this.store.get(prefix, key);
  }

  /** The metadata an OSD sent at its last boot (in key order), or undefined if it never booted. */
  osdMetadata(id: number): Map<string, string> | undefined {
    const b = this.store.get(OSD_METADATA_PREFIX, id);
    if (!b) return undefined;
    const r = new Reader(b);
    return r.map('metadata', (rr) => rr.string('key'), (rr) => rr.string('value'), 8);
  }

  override getTrimTo(): number {
    const e = this.lastCommitted;
    return e > osdLimits.osdmapEpochsKeptMin ? e - osdLimits.osdmapEpochsKeptMin : 0;
  }

  get epoch(): number {
    return this.osdmap.epoch;
  }

  /** The stored incremental of epoch `e` (as sent in MOSDMap.incremental_maps). */
  incrementalBytes(e: number): Buffer | undefined {
    return this.getVersion(e);
  }

  /** The stored full map of epoch `e`. */
  fullBytes(e: number): Buffer | undefined {
    return this.getVersionFull(e);
  }

  // ---- pending-state helpers used by the command handlers ----------------------------------------

  /**
   * _get_pending_crush: an editable copy of the CRUSH map this epoch will carry. Editing it changes
   * nothing until crushChanged() adopts it, so a command that finds nothing to do leaves no pending
   * CRUSH change behind (and hasPendingCrush() still says whether another command made one).
   */
  pendingCrush(): CrushWrapper {
    const bytes = this.pendingCrushMap ? encodeCrushMap(this.pendingCrushMap) : this.pending.crush.length ? this.pending.crush : this.osdmap.crush;
    return bytes.length ? decodeCrushMap(bytes) : decodeCrushMap(encodeCrushMap(crushOf(this.osdmap)));
  }

  /** Mark the pending CRUSH map as changed (it is encoded into the incremental at proposal). */
  crushChanged(cw: CrushWrapper): void {
    this.pendingCrushMap = cw;
  }

  hasPendingCrush(): boolean {
    return this.pendingCrushMap !== undefined || this.pending.crush.length > 0;
  }

  /** Replace the pending CRUSH map with raw bytes (setcrushmap). */
  setPendingCrushBytes(b: Buffer): void {
    this.pendingCrushMap = decodeCrushMap(b);
  }

  /** The pool as the pending epoch will have it (copying it into new_pools on first change). */
  pendingPool(id: number): PgPoolT {
    let p = this.pending.newPools.get(id);
    if (!p) {
      const cur = this.osdmap.pools.get(id);
      if (!cur) throw cephError('ENOENT', `unrecognized pool id ${id}`);
      p = clonePgPool(cur);
      this.pending.newPools.set(id, p);
    }
    p.lastChange = this.pending.epoch;
    return p;
  }

  poolIsPendingDelete(id: number): boolean {
    return this.pending.oldPools.includes(id);
  }

  /** Look a pool up by name in the committed map (-ENOENT if absent). */
  lookupPool(name: string): number {
    for (const [id, n] of this.osdmap.poolName) if (n === name) return id;
    return -2;
  }

  /** Is a pool with this name being created in the pending epoch? */
  poolIsPendingCreate(name: string): boolean {
    for (const n of this.pending.newPoolNames.values()) if (n === name) return true;
    return false;
  }

  stamp(now: number): UTime {
    return utimeFromMs(now);
  }
}
