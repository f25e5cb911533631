/**
 * MonitorDBStore: the monitor's store (src/mon/MonitorDBStore.h). Reads come from an in-memory mirror
 * loaded at open; `apply()` writes a transaction as one durable batch and only then updates the mirror,
 * so nothing a service reads can be lost by a crash. Applies are serialized.
 */
import { cephError, logger } from '@ts-ceph/common';
import { MemoryStoreView, StoreView } from '../core/store-view';
import { StoreOp, StoreTransaction } from '../core/store-txn';
import { KVBackend, KVWrite, combineKey, splitKey } from './kv';

const log = logger('mon');

export const monStoreLimits = {
  /** The whole store is mirrored in memory; refuse commits that would grow it past this. */
  monStoreBytesMax: 1 << 30,
};

export class MonitorDBStore implements StoreView {
  private readonly mirror = new MemoryStoreView();
  private tail: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(private readonly kv: KVBackend) {}

  static async open(kv: KVBackend): Promise<MonitorDBStore> {
    const s = new MonitorDBStore(kv);
    for (const [k, v] of await kv.loadAll()) {
      const [p, key] = splitKey(k);
      s.mirror.set(p, key, v);
    }
    log.dout(5, `mon store loaded, ${s.mirror.bytes} bytes`);
    return s;
  }

  get(prefix: string, key: string | number): Buffer | undefined {
    return this.mirror.get(prefix, key);
  }
  exists(prefix: string, key: string | number): boolean {
    return this.mirror.exists(prefix, key);
  }
  getVersion(prefix: string, key: string): number {
    return this.mirror.getVersion(prefix, key);
  }
  keys(prefix: string, start?: string): string[] {
    return this.mirror.keys(prefix, start);
  }
  get bytes(): number {
    return this.mirror.bytes;
  }

  /** Commit `t` durably, then make it visible. Resolves when both are done. */
  apply(t: StoreTransaction): Promise<void> {
    const run = async () => {
      if (this.closed) throw cephError('ESHUTDOWN', 'mon store is closed');
      const growth = t.ops.reduce((n, op) => n + (op.type === StoreOp.PUT ? op.bl.length + op.key.length : 0), 0);
      if (this.mirror.bytes + growth > monStoreLimits.monStoreBytesMax) {
        throw cephError('ENOSPC', `mon store would exceed monStoreBytesMax (${monStoreLimits.monStoreBytesMax} bytes)`);
      }
      const writes: KVWrite[] = [];
      for (const op of t.ops) {
        if (op.type === StoreOp.PUT) writes.push({ type: 'put', key: combineKey(op.prefix, op.key), value: op.bl });
        else if (op.type === StoreOp.ERASE) writes.push({ type: 'del', key: combineKey(op.prefix, op.key) });
        else if (op.type === StoreOp.ERASE_RANGE) {
          for (const k of this.mirror.rangeKeys(op.prefix, op.key, op.endkey)) writes.push({ type: 'del', key: combineKey(op.prefix, k) });
        }
      }
      await this.kv.write(writes);
      this.mirror.apply(t);
    };
    const p = this.tail.then(run);
    this.tail = p.catch(() => undefined);
    return p;
  }

  async close(): Promise<void> {
    await this.tail;
    this.closed = true;
    await this.kv.close();
  }
}
