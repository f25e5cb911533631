import { PgT, comparePg, pgKey } from './pg';

/**
 * A map keyed by pg_t that iterates in pg_t order (pool, then seed), like Ceph's
 * std::map<pg_t, ...> and PGTempMap. Lookups are by value.
 */
export class PgMap<V> {
  private readonly m = new Map<string, [PgT, V]>();
  private sorted: [PgT, V][] | undefined;

  constructor(entries?: Iterable<readonly [PgT, V]>) {
    if (entries) for (const [k, v] of entries) this.set(k, v);
  }

  get size(): number {
    return this.m.size;
  }
  get(pg: PgT): V | undefined {
    return this.m.get(pgKey(pg))?.[1];
  }
  has(pg: PgT): boolean {
    return this.m.has(pgKey(pg));
  }
  set(pg: PgT, v: V): this {
    this.m.set(pgKey(pg), [{ pool: pg.pool, seed: pg.seed }, v]);
    this.sorted = undefined;
    return this;
  }
  delete(pg: PgT): boolean {
    this.sorted = undefined;
    return this.m.delete(pgKey(pg));
  }
  clear(): void {
    this.m.clear();
    this.sorted = undefined;
  }
  /** Entries in pg_t order. */
  entries(): [PgT, V][] {
    if (!this.sorted) this.sorted = [...this.m.values()].sort((a, b) => comparePg(a[0], b[0]));
    return this.sorted;
  }
  keys(): PgT[] {
    return this.entries().map(([k]) => k);
  }
  [Symbol.iterator](): Iterator<[PgT, V]> {
    return this.entries()[Symbol.iterator]();
  }
  /** A copy whose values are copied with `copy`. */
  clone(copy: (v: V) => V): PgMap<V> {
    return new PgMap(this.entries().map(([k, v]) => [k, copy(v)] as [PgT, V]));
  }
}
