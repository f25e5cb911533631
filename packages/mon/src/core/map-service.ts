/**
 * A service whose every version is the whole encoded map, `<name>/<epoch>` (Ceph's MonmapMonitor and
 * MgrMonitor keep a pending_map the same way): the pending change is a complete new map that
 * replaces the committed one when it commits.
 */
import { Reader, Writer, CEPH_FEATURES_ALL } from '@ts-ceph/denc';
import { cephError } from '@ts-ceph/common/core';
import { PaxosService } from './paxos-service';
import { StoreTransaction } from './store-txn';
import { StoreView } from './store-view';

/** How a map is read from and written to the store. */
export interface MapCodec<M> {
  decode(r: Reader): M;
  encode(w: Writer, m: M): void;
}

export abstract class FullMapService<M extends { epoch: number }> extends PaxosService {
  /** The next map, set by create_initial or a command; undefined when nothing is pending. */
  protected pendingMap: M | undefined;

  constructor(
    name: string,
    store: StoreView,
    /** The map's name in errors ("monmap", "mgrmap"). */
    private readonly mapName: string,
    private readonly codec: MapCodec<M>,
  ) {
    super(name, store);
  }

  /** Take a newly committed (or, at start, the stored) map as the current one. */
  protected abstract setCommitted(m: M): void;

  updateFromPaxos(): void {
    const v = this.lastCommitted;
    const b = this.getVersion(v);
    if (!b) throw cephError('EIO', `${this.mapName} epoch ${v} missing from the store`);
    this.setCommitted(this.codec.decode(new Reader(b)));
  }

  createPending(): void {
    this.pendingMap = undefined;
  }

  havePending(): boolean {
    return this.pendingMap !== undefined;
  }

  encodePending(t: StoreTransaction): void {
    const m = this.pendingMap!;
    this.putVersion(t, m.epoch, this.encodeMap(m));
    this.putLastCommitted(t, m.epoch);
  }

  /** `m` encoded for a peer with `features` (the store keeps the all-features encoding). */
  encodeMap(m: M, features: bigint = CEPH_FEATURES_ALL): Buffer {
    const w = new Writer(features);
    this.codec.encode(w, m);
    return w.finish();
  }
}
