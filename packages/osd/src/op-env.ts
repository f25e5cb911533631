import { OSDMap, PoolFlag } from '@ts-ceph/maps';
import type { OpPool } from './core/op-context';
import type { CopySourceLocator } from './core/ops/copy';
import type { PG } from './core/pg';
import { copySourceLocator } from './copy-driver';
import { poolSnapFacts } from './snap-trimmer';

/**
 * The parts of a client op's environment that depend only on the OSDMap: each pool's facts (its
 * flags, application metadata and snapshot context) and the copy-from locator. An OSDMap is an
 * immutable value, so they are built once per map and pool instead of once per op: the snapshot
 * facts alone sorted the pool's snaps and built a SnapContext for every 4 KiB write.
 */
export class OpEnvCache {
  private map: OSDMap | undefined;
  private readonly pools = new Map<number, OpPool | undefined>();
  private copy: CopySourceLocator | undefined;

  constructor(
    private readonly whoami: number,
    private readonly pgs: ReadonlyMap<string, PG>,
    private readonly log: (level: number, msg: string) => void,
  ) {}

  /** The op engine's view of pool `id` in `map` (undefined: no such pool); shared, never to be changed. */
  pool(map: OSDMap, id: number): OpPool | undefined {
    this.use(map);
    if (this.pools.has(id)) return this.pools.get(id);
    const pool = map.pools.get(id);
    const name = map.poolName.get(id);
    const out: OpPool | undefined =
      pool && name !== undefined
        ? { id, name, pgNum: pool.pgNum, erasure: pool.type === 3, full: (pool.flags & PoolFlag.FULL) !== 0, fullQuota: (pool.flags & PoolFlag.FULL_QUOTA) !== 0, app: pool.applicationMetadata, snaps: poolSnapFacts(map, id) }
        : undefined;
    this.pools.set(id, out);
    return out;
  }

  /** copy-from's source locator for `map` (copy-driver.ts). */
  copySource(map: OSDMap): CopySourceLocator {
    this.use(map);
    return (this.copy ??= copySourceLocator(map, this.whoami, this.pgs, this.log));
  }

  private use(map: OSDMap): void {
    if (map === this.map) return;
    this.map = map;
    this.pools.clear();
    this.copy = undefined;
  }
}
