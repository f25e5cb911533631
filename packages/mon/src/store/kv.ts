/**
 * The durable key/value backend under the monitor store (Ceph's KeyValueDB as MonitorDBStore uses it).
 * Keys are (prefix, key) pairs flattened as `prefix + "\0" + key`, the way Ceph's LevelDBStore combines
 * them, so a prefix's keys are contiguous and sorted. Every write is one atomic batch, made durable
 * (fsync) before it resolves: the monitor acknowledges nothing that a crash could lose.
 */
import { cephError } from '@ts-ceph/common';
import { compareStringBytes } from '@ts-ceph/denc';

export type KVWrite = { type: 'put'; key: string; value: Buffer } | { type: 'del'; key: string };

export interface KVBackend {
  /** Every key and value, in key order (used once, to load the monitor's in-memory mirror). */
  loadAll(): Promise<[string, Buffer][]>;
  /** Apply `ops` atomically and durably. */
  write(ops: KVWrite[]): Promise<void>;
  close(): Promise<void>;
}

export const SEP = '\0';

export function combineKey(prefix: string, key: string): string {
  if (prefix.includes(SEP)) throw cephError('EINVAL', `store prefix ${JSON.stringify(prefix)} contains a NUL byte`);
  return prefix + SEP + key;
}

export function splitKey(k: string): [string, string] {
  const i = k.indexOf(SEP);
  if (i < 0) throw cephError('EINVAL', `store key ${JSON.stringify(k)} has no prefix separator`);
  return [k.slice(0, i), k.slice(i + 1)];
}

/**
 * An in-memory backend for tests and simulation. `crash()` models kill -9: everything written has
 * been acknowledged only after it was "durable", so nothing is lost; `failNextWrite` injects an I/O
 * error on the next batch.
 */
export class MemoryKV implements KVBackend {
  readonly data = new Map<string, Buffer>();
  failNextWrite: Error | undefined;
  writes = 0;

  async loadAll(): Promise<[string, Buffer][]> {
    return [...this.data.entries()].sort((a, b) => compareStringBytes(a[0], b[0])).map(([k, v]) => [k, Buffer.from(v)]);
  }

  async write(ops: KVWrite[]): Promise<void> {
    if (this.failNextWrite) {
      const e = this.failNextWrite;
      this.failNextWrite = undefined;
      throw e;
    }
    for (const op of ops) {
      if (op.type === 'put') this.data.set(op.key, Buffer.from(op.value));
      else this.data.delete(op.key);
    }
    this.writes++;
  }

  async close(): Promise<void> {}
}
