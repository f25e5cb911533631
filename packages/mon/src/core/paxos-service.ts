/**
 * The base of every map/database service (Ceph's PaxosService, src/mon/PaxosService.h). A service has
 * committed state (rebuilt from the store by updateFromPaxos) and a pending change that commands edit;
 * encodePending turns the pending change into store ops for the next version. The driver runs
 * propose -> commit -> updateFromPaxos -> createPending -> publish, for one service at a time.
 *
 * Store layout per service (as Ceph): `<name>/first_committed`, `<name>/last_committed` (le64),
 * `<name>/<v>` (the version's delta or map), and for services with full maps `<name>/full_<v>` and
 * `<name>/full_latest`.
 */
import { StoreTransaction } from './store-txn';
import { StoreView } from './store-view';

export abstract class PaxosService {
  constructor(
    readonly name: string,
    protected readonly store: StoreView,
  ) {}

  get firstCommitted(): number {
    return this.store.getVersion(this.name, 'first_committed');
  }
  get lastCommitted(): number {
    return this.store.getVersion(this.name, 'last_committed');
  }

  /** Fill the pending change with the service's first version (mkfs). */
  abstract createInitial(now: number): void;
  /** Rebuild in-memory state from the committed store contents. */
  abstract updateFromPaxos(): void;
  /** Start a fresh pending change on top of the committed state. */
  abstract createPending(): void;
  /** Write the pending change as the next version. `now` is wall-clock milliseconds. */
  abstract encodePending(t: StoreTransaction, now: number): void;
  /** True if the pending change holds something to commit. */
  abstract havePending(): boolean;

  /** Versions older than this may be erased (0: keep everything). */
  getTrimTo(): number {
    return 0;
  }

  protected putLastCommitted(t: StoreTransaction, v: number): void {
    t.putVersion(this.name, 'last_committed', v);
    if (this.firstCommitted === 0) t.putVersion(this.name, 'first_committed', v);
  }

  protected putVersion(t: StoreTransaction, v: number, bl: Buffer): void {
    t.put(this.name, v, bl);
  }

  protected putVersionFull(t: StoreTransaction, v: number, bl: Buffer): void {
    t.put(this.name, `full_${v}`, bl);
  }

  protected putVersionLatestFull(t: StoreTransaction, v: number): void {
    t.putVersion(this.name, 'full_latest', v);
  }

  getVersion(v: number): Buffer | undefined {
    return this.store.get(this.name, v);
  }

  getVersionFull(v: number): Buffer | undefined {
    return this.store.get(this.name, `full_${v}`);
  }

  /** Erase versions [first_committed, trimTo) in `t` (PaxosService::encode_trim). */
  encodeTrim(t: StoreTransaction): void {
    const first = this.firstCommitted;
    const to = this.getTrimTo();
    if (to <= first || first === 0) return;
    for (let v = first; v < to; v++) {
      t.erase(this.name, v);
      t.erase(this.name, `full_${v}`);
    }
    t.putVersion(this.name, 'first_committed', to);
  }
}
