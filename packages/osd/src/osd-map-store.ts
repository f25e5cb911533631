import { logger } from '@ts-ceph/common';
import { CEPH_FEATURES_ALL, Reader, Uuid } from '@ts-ceph/denc';
import { decodeOSDSuperblockHead } from '@ts-ceph/messages';
import { OSDMap, decodeOSDMap, encodeOSDMap } from '@ts-ceph/maps';
import { ObjectStore, Transaction, collMeta } from '@ts-ceph/objectstore';
import { incOsdmapObject, mapStoreLimits, osdmapObject, superblockObject, trimPlan } from './core/map-store';
import { encodeOSDSuperblock } from './core/superblock';

const log = logger('osd');

/**
 * The OSD's stored OSDMaps (core/map-store.ts says which objects and why): each applied epoch is
 * written to the meta collection with the superblock's oldest_map/newest_map in the same
 * transaction, so a restarted OSD asks the monitor only for the epochs after its newest and
 * replays its PGs' intervals from the ones it kept. Recent maps stay decoded in memory; writes
 * are ordered by the store, and a map is readable (from memory) as soon as it is put.
 */
export class OsdMapStore {
  oldest = 0;
  newest = 0;
  private readonly cache = new Map<number, OSDMap>();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ObjectStore,
    private readonly whoami: number,
    private readonly osdFsid: Uuid,
    private readonly lim = mapStoreLimits,
  ) {}

  /** Mount: the superblock's range and the newest map, when there is one. */
  async load(): Promise<OSDMap | undefined> {
    const meta = collMeta();
    if (!(await this.store.collectionExists(meta))) await this.store.queueTransaction(new Transaction().createCollection(meta));
    if (!(await this.store.exists(meta, superblockObject()))) return undefined;
    const sb = decodeOSDSuperblockHead(new Reader(await this.store.read(meta, superblockObject(), 0, 0)));
    this.oldest = sb.oldestMap;
    this.newest = sb.newestMap;
    log.dout(1, `stored osdmaps ${this.oldest}..${this.newest}`);
    return this.newest ? this.get(this.newest) : undefined;
  }

  /**
   * Maps the OSD applied, in epoch order, with the monitor's raw incrementals by epoch: stored in
   * one transaction with the new superblock; the epochs no PG needs (below `neededFrom`) trimmed.
   */
  put(maps: readonly OSDMap[], incs: ReadonlyMap<number, Buffer>, neededFrom: number): void {
    const fresh = maps.filter((m) => m.epoch > this.newest);
    if (!fresh.length) return;
    const meta = collMeta();
    const t = new Transaction();
    for (const m of fresh) {
      this.remember(m);
      t.write(meta, osdmapObject(m.epoch), 0, encodeOSDMap(m, CEPH_FEATURES_ALL));
      const inc = incs.get(m.epoch);
      if (inc) t.write(meta, incOsdmapObject(m.epoch), 0, inc);
    }
    this.newest = fresh[fresh.length - 1]!.epoch;
    if (!this.oldest) this.oldest = fresh[0]!.epoch;
    const trim = trimPlan(this.oldest, this.newest, neededFrom, this.lim);
    for (const e of trim) {
      this.cache.delete(e);
      t.remove(meta, osdmapObject(e));
      t.remove(meta, incOsdmapObject(e));
    }
    if (trim.length) this.oldest = trim[trim.length - 1]! + 1;
    const last = fresh[fresh.length - 1]!;
    t.truncate(meta, superblockObject(), 0);
    t.write(meta, superblockObject(), 0, encodeOSDSuperblock({ clusterFsid: last.fsid, whoami: this.whoami, currentEpoch: this.newest, oldestMap: this.oldest, newestMap: this.newest, mounted: 0, cleanThru: 0, osdFsid: this.osdFsid }));
    const run = (): Promise<void> => this.store.queueTransaction(t).catch((e: Error) => log.error(`storing osdmaps: ${e.message}`));
    this.chain = this.chain.then(run);
  }

  /** The map of `epoch`, from memory or the store; undefined when it was trimmed or never seen. */
  async get(epoch: number): Promise<OSDMap | undefined> {
    if (epoch < this.oldest || epoch > this.newest) return undefined;
    const hit = this.cache.get(epoch);
    if (hit) return hit;
    await this.chain;
    const meta = collMeta();
    if (!(await this.store.exists(meta, osdmapObject(epoch)))) return undefined;
    const m = decodeOSDMap(new Reader(await this.store.read(meta, osdmapObject(epoch), 0, 0)));
    this.remember(m);
    return m;
  }

  /** Every stored map from `from` to `to` (inclusive) that we still have, in order. */
  async range(from: number, to: number): Promise<OSDMap[]> {
    const out: OSDMap[] = [];
    for (let e = Math.max(from, this.oldest || from); e <= to; e++) {
      const m = await this.get(e);
      if (m) out.push(m);
    }
    return out;
  }

  /** Wait for the queued writes (before unmount). */
  flush(): Promise<void> {
    return this.chain;
  }

  private remember(m: OSDMap): void {
    this.cache.delete(m.epoch);
    this.cache.set(m.epoch, m);
    for (const e of this.cache.keys()) {
      if (this.cache.size <= this.lim.cachedMapsMax) break;
      this.cache.delete(e);
    }
  }
}
