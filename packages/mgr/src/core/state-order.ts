/**
 * The order Ceph prints PG states in. PGMap keeps num_pg_by_state as an
 * std::unordered_map<uint64_t,int32_t> (state bits -> PGs), and both `ceph pg stat`
 * (print_oneline_summary walks it) and `ceph -s` (print_summary: by count, descending, ties in
 * the reverse of the walk of the mon's decoded copy) print in its iteration order, which follows
 * from libstdc++'s hashtable: the hash of an integer is itself, a key's bucket is key % buckets, a
 * key inserted into an empty bucket goes to the front of the whole list, one inserted into a used
 * bucket to the front of that bucket's run; the bucket count grows 1 -> 13 -> 29 -> ... (the prime
 * rehash policy with max load 1.0), and a rehash re-inserts every node in list order by the same
 * rule. Erasing keeps the others' order; clear() keeps the bucket count. Pure.
 */

/** libstdc++'s __fast_bkt and the start of its __prime_list (hashtable-aux.cc). */
const fastBkt = [2, 2, 2, 3, 5, 5, 7, 7, 11, 11, 11, 11, 13, 13];
const primes = [17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 103, 109, 113, 127, 137, 139, 149, 157, 167, 179, 193, 199, 211, 227, 241, 257, 277, 293, 313, 337, 359, 383, 409, 439, 467, 503, 541];

/** The iteration order of an std::unordered_map with uint64 keys, as libstdc++ keeps it. */
export class UnorderedKeys {
  private order: bigint[] = [];
  private buckets = 1;
  private nextResize = 0;

  get bucketCount(): number {
    return this.buckets;
  }

  keys(): readonly bigint[] {
    return this.order;
  }

  has(k: bigint): boolean {
    return this.order.includes(k);
  }

  /** _M_insert_unique_node: rehash first when the load would pass 1.0, then link the node. */
  insert(k: bigint): void {
    if (this.has(k)) return;
    const grow = this.needRehash(this.order.length);
    if (grow) {
      const old = this.order;
      this.order = [];
      this.buckets = grow;
      for (const x of old) this.link(x);
    }
    this.link(k);
  }

  erase(k: bigint): void {
    this.order = this.order.filter((x) => x !== k);
  }

  clear(): void {
    this.order = [];
  }

  /** _M_insert_bucket_begin. */
  private link(k: bigint): void {
    const n = BigInt(this.buckets);
    const i = this.order.findIndex((x) => x % n === k % n);
    if (i < 0) this.order.unshift(k);
    else this.order.splice(i, 0, k);
  }

  /** _Prime_rehash_policy::_M_need_rehash for one insertion: the new bucket count, or 0. */
  private needRehash(elements: number): number {
    if (elements + 1 <= this.nextResize) return 0;
    const minBkts = Math.max(elements + 1, this.nextResize ? 0 : 11);
    if (minBkts < this.buckets) {
      this.nextResize = this.buckets;
      return 0;
    }
    return this.nextBkt(Math.max(Math.floor(minBkts) + 1, this.buckets * 2));
  }

  /** _Prime_rehash_policy::_M_next_bkt. */
  private nextBkt(n: number): number {
    const b = n < fastBkt.length ? fastBkt[n]! : primes.find((p) => p >= n) ?? nextPrime(n);
    this.nextResize = b;
    return b;
  }
}

function nextPrime(n: number): number {
  for (let p = n; ; p++) {
    let prime = p > 1;
    for (let d = 2; d * d <= p && prime; d++) if (p % d === 0) prime = false;
    if (prime) return p;
  }
}

/**
 * num_pg_by_state with its iteration order: PGMap::stat_pg_add/stat_pg_sub as the mgr applies each
 * tick's incremental (a PG's old state out, erased at zero, its new state in).
 */
export class PgStateCounts {
  readonly counts = new Map<bigint, number>();
  readonly order = new UnorderedKeys();

  add(state: bigint): void {
    this.counts.set(state, (this.counts.get(state) ?? 0) + 1);
    this.order.insert(state);
  }

  sub(state: bigint): void {
    const n = (this.counts.get(state) ?? 0) - 1;
    if (n > 0) return void this.counts.set(state, n);
    this.counts.delete(state);
    this.order.erase(state);
  }

  /** The states in the mgr's iteration order (`pg stat`). */
  mgrOrder(): bigint[] {
    return [...this.order.keys()];
  }

  /**
   * The states as `ceph -s` prints them: the mon decodes the digest's map into its own copy (the
   * mgr's walk inserted into a cleared table that kept its bucket count, at least 13 once used),
   * print_summary puts them in a multimap by count and walks it backwards.
   */
  statusOrder(): bigint[] {
    const mon = new UnorderedKeys();
    for (const k of this.mgrOrder()) mon.insert(k);
    const walk = mon.keys();
    return [...walk].map((k, i) => ({ k, i, n: this.counts.get(k) ?? 0 })).sort((a, b) => b.n - a.n || b.i - a.i).map((x) => x.k);
  }
}
