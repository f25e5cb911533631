import { EntityAddr, UTime } from '@ts-ceph/denc';
import { addrMemBytes, compareAddr } from '../format/addr';

/**
 * OSDMap::blocklist is a std::unordered_map<entity_addr_t, utime_t> in Ceph, and `ceph osd dump`,
 * `osdmaptool --print` and `ceph osd blocklist ls` list it in that hash table's iteration order. To
 * print the same lists this class reproduces libstdc++'s (GCC 12) _Hashtable exactly: the node list,
 * "insert at the beginning of the bucket", and the _Prime_rehash_policy growth (13 buckets first,
 * then primes from its table at least twice the size), with Ceph's std::hash<entity_addr_t> (blobhash
 * of the in-memory struct, src/include/blobhash.h, finished with rjhash32 from src/include/hash.h).
 * A decoded map inserts in wire (sorted) order into a fresh table; incrementals insert and erase.
 */

/** libstdc++'s __prime_list (bucket counts), the values below 2^32. */
const PRIMES: readonly number[] = [
  2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 103, 109,
  113, 127, 137, 139, 149, 157, 167, 179, 193, 199, 211, 227, 241, 257, 277, 293, 313, 337, 359, 383, 409,
  439, 467, 503, 541, 577, 619, 661, 709, 761, 823, 887, 953, 1031, 1109, 1193, 1289, 1381, 1493, 1613, 1741,
  1879, 2029, 2179, 2357, 2549, 2753, 2971, 3209, 3469, 3739, 4027, 4349, 4703, 5087, 5503, 5953, 6427, 6949,
  7517, 8123, 8783, 9497, 10273, 11113, 12011, 12983, 14033, 15173, 16411, 17749, 19183, 20753, 22447, 24281,
  26267, 28411, 30727, 33223, 35933, 38873, 42043, 45481, 49201, 53201, 57557, 62233, 67307, 72817, 78779,
  85229, 92203, 99733, 107897, 116731, 126271, 136607, 147793, 159871, 172933, 187091, 202409, 218971,
  236897, 256279, 277261, 299951, 324503, 351061, 379787, 410857, 444487, 480881, 520241, 562841, 608903,
  658753, 712697, 771049, 834181, 902483, 976369, 1056323, 1142821, 1236397, 1337629, 1447153, 1565659,
  1693859, 1832561, 1982627, 2144977, 2320627, 2510653, 2716249, 2938679, 3179303, 3439651, 3721303, 4026031,
  4355707, 4712381, 5098259, 5515729, 5967347, 6456007, 6984629, 7556579, 8175383, 8844859, 9569143,
  10352717, 11200489, 12117689, 13109983, 14183539, 15345007, 16601593, 17961079, 19431899, 21023161,
  22744717, 24607243, 26622317, 28802401, 31160981, 33712729, 36473443, 39460231, 42691603, 46187573,
  49969847, 54061849, 58488943, 63278561, 68460391, 74066549, 80131819, 86693767, 93793069, 101473717,
  109783337, 118773397, 128499677, 139022417, 150406843, 162723577, 176048909, 190465427, 206062531,
  222936881, 241193053, 260944219, 282312799, 305431229, 330442829, 357502601, 386778277, 418451333,
  452718089, 489790921, 529899637, 573292817, 620239453, 671030513, 725980837, 785430967, 849749479,
  919334987, 994618837, 1076067617, 1164186217, 1259520799, 1362662261, 1474249943, 1594975441, 1725587117,
  1866894511, 2019773507, 2185171673, 2364114217, 2557710269, 2767159799, 2993761039, 3238918481, 3504151727,
  3791104843, 4101556399, 4294967291,
];
const FAST_BKT = [2, 2, 2, 3, 5, 5, 7, 7, 11, 11, 11, 11, 13, 13];

/** rjhash32 (src/include/hash.h). */
function rjhash32(a: number): number {
  a = (a + 0x7ed55d16 + (a << 12)) >>> 0;
  a = (a ^ 0xc761c23c ^ (a >>> 19)) >>> 0;
  a = (a + 0x165667b1 + (a << 5)) >>> 0;
  a = ((a + 0xd3a2646c) ^ (a << 9)) >>> 0;
  a = (a + 0xfd7046c5 + (a << 3)) >>> 0;
  a = (a ^ 0xb55a4f09 ^ (a >>> 16)) >>> 0;
  return a;
}

/** std::hash<entity_addr_t>: blobhash of the 36-byte struct (9 little-endian words XORed). */
export function entityAddrHash(a: EntityAddr): number {
  const b = addrMemBytes(a);
  let acc = 0;
  for (let i = 0; i < b.length; i += 4) acc = (acc ^ b.readUInt32LE(i)) >>> 0;
  return rjhash32(acc);
}

interface Node<V> {
  key: EntityAddr;
  value: V;
  hash: number;
  next: Node<V> | null;
}

/** The "before begin" sentinel every bucket's "before node" may point at. */
interface Before<V> {
  next: Node<V> | null;
}

export class AddrHashMap<V> {
  private readonly beforeBegin: Before<V> = { next: null };
  private buckets: (Before<V> | null)[] = [null];
  private nextResize = 0;
  private count = 0;

  static from<V>(sorted: Iterable<readonly [EntityAddr, V]>): AddrHashMap<V> {
    const m = new AddrHashMap<V>();
    for (const [k, v] of sorted) m.set(k, v);
    return m;
  }

  get size(): number {
    return this.count;
  }

  private find(key: EntityAddr, hash: number): Node<V> | undefined {
    for (let n = this.beforeBegin.next; n; n = n.next) if (n.hash === hash && compareAddr(n.key, key) === 0) return n;
    return undefined;
  }

  get(key: EntityAddr): V | undefined {
    return this.find(key, entityAddrHash(key))?.value;
  }
  has(key: EntityAddr): boolean {
    return this.find(key, entityAddrHash(key)) !== undefined;
  }

  /** _Prime_rehash_policy::_M_next_bkt. */
  private nextBkt(n: number): number {
    if (n < FAST_BKT.length) {
      if (n === 0) return 1;
      this.nextResize = FAST_BKT[n]!;
      return FAST_BKT[n]!;
    }
    let lo = 6;
    let hi = PRIMES.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (PRIMES[mid]! < n) lo = mid + 1;
      else hi = mid;
    }
    this.nextResize = PRIMES[lo]!;
    return PRIMES[lo]!;
  }

  /** _M_need_rehash for one insertion: the new bucket count, or 0. */
  private needRehash(): number {
    const nElt = this.count + 1;
    if (nElt <= this.nextResize) return 0;
    const minBkts = Math.max(nElt, this.nextResize ? 0 : 11);
    if (minBkts >= this.buckets.length) return this.nextBkt(Math.max(minBkts + 1, this.buckets.length * 2));
    this.nextResize = this.buckets.length;
    return 0;
  }

  private rehash(n: number): void {
    const nb: (Before<V> | null)[] = new Array<Before<V> | null>(n).fill(null);
    let p = this.beforeBegin.next;
    this.beforeBegin.next = null;
    let bbeginBkt = 0;
    while (p) {
      const next = p.next;
      const bkt = p.hash % n;
      const before = nb[bkt];
      if (!before) {
        p.next = this.beforeBegin.next;
        this.beforeBegin.next = p;
        nb[bkt] = this.beforeBegin;
        if (p.next) nb[bbeginBkt] = p;
        bbeginBkt = bkt;
      } else {
        p.next = before.next;
        before.next = p;
      }
      p = next;
    }
    this.buckets = nb;
  }

  /** operator[] / insert: a new key goes at the front of its bucket; an existing one keeps its place. */
  set(key: EntityAddr, value: V): void {
    const hash = entityAddrHash(key);
    const existing = this.find(key, hash);
    if (existing) {
      existing.value = value;
      return;
    }
    this.insertNew(key, value, hash);
  }

  /** unordered_map::insert: no effect when the key is present. */
  insert(key: EntityAddr, value: V): void {
    const hash = entityAddrHash(key);
    if (!this.find(key, hash)) this.insertNew(key, value, hash);
  }

  private insertNew(key: EntityAddr, value: V, hash: number): void {
    const n = this.needRehash();
    if (n) this.rehash(n);
    const bkt = hash % this.buckets.length;
    const node: Node<V> = { key, value, hash, next: null };
    const before = this.buckets[bkt];
    if (before) {
      node.next = before.next;
      before.next = node;
    } else {
      node.next = this.beforeBegin.next;
      this.beforeBegin.next = node;
      if (node.next) this.buckets[node.next.hash % this.buckets.length] = node;
      this.buckets[bkt] = this.beforeBegin;
    }
    this.count++;
  }

  delete(key: EntityAddr): boolean {
    const hash = entityAddrHash(key);
    const bkt = hash % this.buckets.length;
    const prev0 = this.buckets[bkt];
    if (!prev0) return false;
    let prev: Before<V> = prev0;
    let n = prev.next;
    while (n && n.hash % this.buckets.length === bkt) {
      if (n.hash === hash && compareAddr(n.key, key) === 0) {
        this.unlink(bkt, prev, n);
        return true;
      }
      prev = n;
      n = n.next;
    }
    return false;
  }

  /** _M_erase(bkt, prev, n): unlink and keep the bucket "before" pointers right. */
  private unlink(bkt: number, prev: Before<V>, n: Node<V>): void {
    const nb = this.buckets.length;
    const next = n.next;
    if (prev === this.buckets[bkt]) {
      // n is the first node of its bucket.
      const nextBkt = next ? next.hash % nb : -1;
      if (!next || nextBkt !== bkt) {
        if (next) this.buckets[nextBkt] = this.buckets[bkt]!;
        if (this.buckets[bkt] === this.beforeBegin) this.beforeBegin.next = next;
        this.buckets[bkt] = null;
      }
    } else if (next) {
      const nextBkt = next.hash % nb;
      if (nextBkt !== bkt) this.buckets[nextBkt] = prev;
    }
    prev.next = next;
    this.count--;
  }

  /** Entries in the hash table's iteration order (what Ceph prints). */
  entries(): [EntityAddr, V][] {
    const out: [EntityAddr, V][] = [];
    for (let n = this.beforeBegin.next; n; n = n.next) out.push([n.key, n.value]);
    return out;
  }

  /** Entries in entity_addr_t order (what Ceph encodes). */
  sortedEntries(): [EntityAddr, V][] {
    return this.entries().sort((a, b) => compareAddr(a[0], b[0]));
  }

  /** A copy with the same bucket count and node order (the C++ copy constructor). */
  clone(copy: (v: V) => V = (v) => v): AddrHashMap<V> {
    const c = new AddrHashMap<V>();
    c.buckets = new Array<Before<V> | null>(this.buckets.length).fill(null);
    c.nextResize = this.nextResize;
    let prev: Before<V> = c.beforeBegin;
    for (let n = this.beforeBegin.next; n; n = n.next) {
      const node: Node<V> = { key: { ...n.key, sa: Buffer.from(n.key.sa) }, value: copy(n.value), hash: n.hash, next: null };
      prev.next = node;
      const bkt = node.hash % c.buckets.length;
      if (!c.buckets[bkt]) c.buckets[bkt] = prev;
      prev = node;
    }
    c.count = this.count;
    return c;
  }
}

export type Blocklist = AddrHashMap<UTime>;
