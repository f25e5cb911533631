import { MemStore, Transaction } from '@ts-ceph/objectstore';

/**
 * A memory store that models fsync: a queued transaction is visible at once (reads see it, as
 * the ObjectStore contract says) but durable only after `sync()`; `crash()` forgets everything not
 * yet synced, as a power cut does.
 */
export class FsyncStore {
  live = new MemStore();
  private durable: Transaction[] = [];
  private pending: Transaction[] = [];

  async mkfs(): Promise<void> {
    await this.live.mkfs();
    await this.live.mount();
  }

  async queue(t: Transaction): Promise<void> {
    await this.live.queueTransaction(t);
    this.pending.push(t);
  }

  /** Make the oldest `n` pending transactions durable (commits are in order). */
  sync(n = this.pending.length): void {
    this.durable.push(...this.pending.splice(0, n));
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Lose every unsynced transaction: the store is what the durable ones made it. */
  async crash(): Promise<void> {
    this.pending = [];
    this.live = new MemStore();
    await this.live.mkfs();
    await this.live.mount();
    for (const t of this.durable) await this.live.queueTransaction(t);
  }
}
