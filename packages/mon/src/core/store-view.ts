/**
 * What the sans-I/O services may read: the monitor store's committed contents, synchronously. The
 * driver keeps a full in-memory mirror of the durable store (a monitor's store is small: maps, keys,
 * config), so services never wait on disk to read, and only the commit step touches I/O.
 */
import { compareStringBytes } from '@ts-ceph/denc';
import { StoreTransaction, StoreOp } from './store-txn';

export interface StoreView {
  get(prefix: string, key: string | number): Buffer | undefined;
  exists(prefix: string, key: string | number): boolean;
  /** A le64 version_t stored by putVersion, or 0 if absent. */
  getVersion(prefix: string, key: string): number;
  /** The keys of `prefix` in byte order, optionally from `start` (inclusive). */
  keys(prefix: string, start?: string): string[];
}

/** A StoreView over plain maps, with a transaction applier; the mirror of the durable store. */
export class MemoryStoreView implements StoreView {
  private readonly prefixes = new Map<string, Map<string, Buffer>>();
  private sorted = new Map<string, string[]>();
  bytes = 0;

  get(prefix: string, key: string | number): Buffer | undefined {
    return this.prefixes.get(prefix)?.get(String(key));
  }

  exists(prefix: string, key: string | number): boolean {
    return this.prefixes.get(prefix)?.has(String(key)) ?? false;
  }

  getVersion(prefix: string, key: string): number {
    const b = this.get(prefix, key);
    if (!b || b.length < 8) return 0;
    return Number(b.readBigUInt64LE(0));
  }

  keys(prefix: string, start?: string): string[] {
    const m = this.prefixes.get(prefix);
    if (!m) return [];
    let s = this.sorted.get(prefix);
    if (!s) {
      s = [...m.keys()].sort(byteOrder);
      this.sorted.set(prefix, s);
    }
    if (start === undefined) return s.slice();
    return s.filter((k) => byteOrder(k, start) >= 0);
  }

  set(prefix: string, key: string, value: Buffer): void {
    let m = this.prefixes.get(prefix);
    if (!m) this.prefixes.set(prefix, (m = new Map()));
    const old = m.get(key);
    if (old) this.bytes -= old.length + key.length;
    else this.sorted.delete(prefix);
    m.set(key, value);
    this.bytes += value.length + key.length;
  }

  delete(prefix: string, key: string): void {
    const m = this.prefixes.get(prefix);
    const old = m?.get(key);
    if (!m || !old) return;
    m.delete(key);
    this.bytes -= old.length + key.length;
    this.sorted.delete(prefix);
  }

  /** Keys an ERASE_RANGE [start, end) of `prefix` removes. */
  rangeKeys(prefix: string, start: string, end: string): string[] {
    return this.keys(prefix).filter((k) => byteOrder(k, start) >= 0 && (end === '' || byteOrder(k, end) < 0));
  }

  /** Apply a committed transaction to the mirror. */
  apply(t: StoreTransaction): void {
    for (const op of t.ops) {
      if (op.type === StoreOp.PUT) this.set(op.prefix, op.key, op.bl);
      else if (op.type === StoreOp.ERASE) this.delete(op.prefix, op.key);
      else if (op.type === StoreOp.ERASE_RANGE) for (const k of this.rangeKeys(op.prefix, op.key, op.endkey)) this.delete(op.prefix, k);
    }
  }
}

/**
 * LevelDB's default comparator is bytewise: the keys' bytes (denc's string-bytes.ts), which JS
 * string order is not for every key (a config-key name may hold any bytes).
 */
export function byteOrder(a: string, b: string): number {
  return compareStringBytes(a, b);
}
