/**
 * The monitor map service (src/mon/MonmapMonitor.cc, service "monmap"): `monmap/<e>` holds each
 * epoch's full MonMap. mkfs takes the given (or generated) map, sets epoch 1, the persistent features
 * of this release and min_mon_release pacific.
 */
import { utimeFromMs } from '@ts-ceph/denc';
import { MonMap, decodeMonMap, encodeMonMap, MON_FEATURES_PERSISTENT, CephRelease } from '@ts-ceph/maps';
import { FullMapService } from '../map-service';
import { StoreView } from '../store-view';

export class MonmapMonitor extends FullMapService<MonMap> {
  monmap!: MonMap;

  constructor(store: StoreView) {
    super('monmap', store, 'monmap', { decode: (r) => decodeMonMap(r), encode: encodeMonMap });
  }

  protected setCommitted(m: MonMap): void {
    this.monmap = m;
  }

  /** create_initial from the mkfs monmap. */
  createInitialFrom(m: MonMap, now: number): void {
    const p = { ...m, monInfo: new Map(m.monInfo), ranks: [...m.ranks] };
    p.epoch = 1;
    p.persistentFeatures = MON_FEATURES_PERSISTENT;
    p.minMonRelease = CephRelease.pacific;
    if (!p.created.sec) p.created = utimeFromMs(now);
    if (!p.lastChanged.sec) p.lastChanged = p.created;
    this.pendingMap = p;
  }

  createInitial(): void {
    // Needs the mkfs monmap; the monitor calls createInitialFrom.
  }

  /** The stored encoding of the current map (what MMonMap carries). */
  currentBytes(): Buffer {
    return this.getVersion(this.lastCommitted)!;
  }

  mapAt(epoch: number): Buffer | undefined {
    return this.getVersion(epoch);
  }
}
