import { BatchOp } from './journal';
import * as L from './layout';
import { KVRange } from './meta-kv';

/** Bytes of sorted key index an encrypted store keeps in memory (least recently used groups go first). */
export const metaIndexBytesMax = 64 * 1024 * 1024;
/** Bytes counted per indexed key beyond its own (the string and array slot). */
const indexKeyOverheadBytes = 48;

interface GroupIndex {
  /** The keys' suffixes after the group, as latin1 strings: JS string order is then byte order. */
  keys: string[];
  bytes: number;
}

/** The first position in `keys` (sorted) whose key is >= k (or > k with `strict`). */
export function lowerBound(keys: string[], k: string, strict = false): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const m = keys[mid]!;
    if (m < k || (strict && m === k)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const suffixOf = (group: Buffer, key: Buffer): string => key.toString('latin1', group.length);

/**
 * The order an encrypted store cannot get from LevelDB (its keys are MACs): per group, the sorted
 * plaintext suffixes of its keys, built on first ordered use by decrypting the group (the loader)
 * and kept in step with every completed write. Groups are evicted least recently used beyond
 * metaIndexBytesMax; a group larger than that is rebuilt for each use.
 *
 * A build and concurrent writes: the builder registers a log for the group, waits for writes in
 * flight, then scans; writes completing meanwhile are logged and applied on top of the scan. Every
 * write is absolute (put or delete), so one seen by both the scan and the log does no harm.
 */
export class GroupIndexCache {
  private readonly groups = new Map<string, GroupIndex>();
  private readonly logs = new Map<string, BatchOp[]>();
  private readonly builds = new Map<string, Promise<string[]>>();
  private bytes = 0;

  constructor(private readonly bytesMax = metaIndexBytesMax) {}

  /** Suffixes of `group` within `r` (a copy: later writes do not change it). */
  async select(group: Buffer, r: KVRange, load: () => Promise<string[]>, settle: () => Promise<void>): Promise<string[]> {
    const keys = await this.sorted(group, load, settle);
    let from = 0;
    if (r.gt) from = lowerBound(keys, suffixOf(group, r.gt), true);
    else if (r.gte) from = lowerBound(keys, suffixOf(group, r.gte));
    let to = r.lt ? lowerBound(keys, suffixOf(group, r.lt)) : keys.length;
    if (r.limit !== undefined && r.limit >= 0) to = Math.min(to, from + r.limit);
    return keys.slice(from, Math.max(from, to));
  }

  private async sorted(group: Buffer, load: () => Promise<string[]>, settle: () => Promise<void>): Promise<string[]> {
    const id = group.toString('latin1');
    const hit = this.groups.get(id);
    if (hit) {
      this.groups.delete(id);
      this.groups.set(id, hit);
      return hit.keys;
    }
    let b = this.builds.get(id);
    if (!b) {
      b = this.build(id, load, settle).finally(() => this.builds.delete(id));
      this.builds.set(id, b);
    }
    return b;
  }

  private async build(id: string, load: () => Promise<string[]>, settle: () => Promise<void>): Promise<string[]> {
    const log: BatchOp[] = [];
    this.logs.set(id, log);
    let keys: string[];
    try {
      await settle();
      keys = await load();
    } finally {
      this.logs.delete(id);
    }
    keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const g: GroupIndex = { keys, bytes: 0 };
    for (const k of keys) g.bytes += k.length + indexKeyOverheadBytes;
    for (const op of log) applyOp(g, op.type, op.key.toString('latin1', id.length));
    if (g.bytes <= this.bytesMax) {
      this.groups.set(id, g);
      this.bytes += g.bytes;
      this.evict();
    }
    return g.keys;
  }

  private evict(): void {
    for (const [id, g] of this.groups) {
      if (this.bytes <= this.bytesMax) break;
      this.groups.delete(id);
      this.bytes -= g.bytes;
    }
  }

  /** A completed write: indexed groups (and groups being built) learn its keys. */
  applied(ops: BatchOp[]): void {
    if (!this.groups.size && !this.logs.size) return;
    for (const op of ops) {
      if (op.key[0] === 0x53) continue; // 'S' records are never indexed
      const gb = L.groupBytesOf(op.key);
      const id = op.key.toString('latin1', 0, gb);
      const g = this.groups.get(id);
      if (g) {
        const before = g.bytes;
        applyOp(g, op.type, op.key.toString('latin1', gb));
        this.bytes += g.bytes - before;
      }
      this.logs.get(id)?.push(op);
    }
    this.evict();
  }

  /** Indexed bytes (tests). */
  get indexedBytes(): number {
    return this.bytes;
  }
}

function applyOp(g: GroupIndex, type: 'put' | 'del', k: string): void {
  const i = lowerBound(g.keys, k);
  const present = i < g.keys.length && g.keys[i] === k;
  if (type === 'put' && !present) {
    g.keys.splice(i, 0, k);
    g.bytes += k.length + indexKeyOverheadBytes;
  } else if (type === 'del' && present) {
    g.keys.splice(i, 1);
    g.bytes -= k.length + indexKeyOverheadBytes;
  }
}
