import { CollT, GHObject, MemStore, Transaction } from '@ts-ceph/objectstore';

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

  /**
   * A disk bit flip: one bit of an object's data changes on the medium, its metadata (size,
   * object_info_t, omap) does not. The memory store keeps no checksums, so reads return the
   * flipped bytes as they are (ts-osd's native store would answer EIO; Ceph's BlueStore likewise
   * fails its csum check). Only with nothing pending, so the flip lands after every queued write
   * both in the live store and in the durable replay after a crash.
   */
  async flip(coll: CollT, oid: GHObject, bit: number): Promise<boolean> {
    if (this.pending.length) return false;
    const data = await this.live.read(coll, oid, 0, 0);
    if (!data.length) return false;
    const at = Math.floor(bit / 8) % data.length;
    const t = new Transaction().write(coll, oid, at, Buffer.from([data[at]! ^ (1 << bit % 8)]));
    await this.live.queueTransaction(t);
    this.durable.push(t);
    return true;
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
