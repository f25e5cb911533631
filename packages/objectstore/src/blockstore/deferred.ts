import { logger } from '@ts-ceph/common';
import { PExtent } from './allocator';
import * as L from './layout';
import type { NativeStore } from './store';

const log = logger('bluestore');

/** Applied deferred records retire (fdatasync + delete from the WAL) in batches of at least this many, */
export const deferredRetireBatch = 64;
/** or after this long. */
export const deferredRetireDelayMs = 20;

/**
 * The deferred-write (WAL) pipeline after commit: each record's block is written in place (writes
 * to one block are chained so they land in commit order), then applied records are retired in seq
 * order: one fdatasync of the device, then their WAL keys are deleted with a synced batch. Blocks
 * freed by committed transactions are held until every record that existed when they were freed
 * has retired, so a replay after a crash can never write an old record over a reused block.
 */
export class Deferred {
  private seq: number;
  private retiredThrough: number;
  private readonly applied = new Map<number, boolean>();
  private readonly chains = new Map<number, Promise<void>>();
  private readonly heldFrees: { tag: number; exts: PExtent[] }[] = [];
  private retiring: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private appliedCount = 0;
  refused = 0;

  constructor(
    private readonly store: NativeStore,
    seqMax: number,
  ) {
    this.seq = seqMax;
    this.retiredThrough = seqMax;
  }

  get seqMax(): number {
    return this.seq;
  }
  nextSeq(): number {
    return ++this.seq;
  }

  /** Blocks freed by a committed transaction: reusable once the WAL up to now has retired. */
  held(exts: PExtent[]): void {
    if (!exts.length) return;
    if (this.retiredThrough >= this.seq) this.store.releaseHeld(exts);
    else this.heldFrees.push({ tag: this.seq, exts });
  }

  apply(seq: number, pblock: number, plain: Buffer): void {
    if (this.store.opts.holdDeferred) return;
    this.applied.set(seq, false);
    const prev = this.chains.get(pblock) ?? Promise.resolve();
    const next = prev.then(async () => {
      await this.store.io.writeBlocks(plain, pblock);
      if (this.store.io.overlay.get(pblock) === plain) this.store.io.overlay.delete(pblock);
      this.applied.set(seq, true);
      this.appliedCount++;
    });
    this.chains.set(pblock, next);
    next.then(
      () => {
        if (this.chains.get(pblock) === next) this.chains.delete(pblock);
        this.schedule();
      },
      (e: Error) => this.store.fail(e),
    );
  }

  private schedule(): void {
    if (this.appliedCount >= deferredRetireBatch) void this.retire();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.retire();
      }, deferredRetireDelayMs);
    }
  }

  /** Retire the applied prefix of the WAL. One retire runs at a time. */
  retire(): Promise<void> {
    if (this.retiring) return this.retiring;
    this.retiring = this.doRetire().finally(() => {
      this.retiring = undefined;
    });
    return this.retiring;
  }

  private async doRetire(): Promise<void> {
    const seqs = [...this.applied.keys()].sort((a, b) => a - b);
    const done: number[] = [];
    for (const s of seqs) {
      if (!this.applied.get(s)) break;
      done.push(s);
    }
    if (!done.length) return;
    this.appliedCount -= done.length;
    try {
      await this.store.io.dev.fdatasync();
      await this.store.db.batch(
        done.map((s) => ({ type: 'del' as const, key: L.deferredKey(s) })),
        { sync: true },
      );
    } catch (e) {
      this.store.fail(e as Error);
      return;
    }
    for (const s of done) this.applied.delete(s);
    // Everything below the oldest record still pending has retired.
    const oldest = [...this.applied.keys()].reduce((m, s) => Math.min(m, s), Infinity);
    this.retiredThrough = oldest === Infinity ? this.seq : oldest - 1;
    while (this.heldFrees.length && this.heldFrees[0]!.tag <= this.retiredThrough) this.store.releaseHeld(this.heldFrees.shift()!.exts);
  }

  /** Wait until every applied record has retired (umount, fsck). */
  async flushAll(): Promise<void> {
    for (let i = 0; i < 1000 && (this.applied.size || this.chains.size); i++) {
      await Promise.allSettled([...this.chains.values()]);
      await this.retire();
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Mount: apply every WAL record left by a crash, in seq order. A record failing its crc32c is
   * refused (logged, never written); the blocks it covered then fail their checksums on read.
   */
  async replay(): Promise<void> {
    const keys: Buffer[] = [];
    let n = 0;
    for await (const [k, v] of this.store.db.iterator({ gte: Buffer.from(L.K.deferred), lt: L.prefixEnd(Buffer.from(L.K.deferred)) })) {
      keys.push(k);
      let rec: L.DeferredRecord;
      try {
        rec = L.decodeDeferred(v);
      } catch (e) {
        this.refused++;
        log.error(`${this.store.opts.path}: deferred record ${k.readBigUInt64BE(1)} refused: ${(e as Error).message}`);
        continue;
      }
      if (rec.pblock < 1 || rec.pblock + rec.data.length / L.blockBytes > this.store.allocator.blocks) {
        this.refused++;
        log.error(`${this.store.opts.path}: deferred record ${rec.seq} refused: block ${rec.pblock} outside the device`);
        continue;
      }
      await this.store.io.writeSealed(rec.data, rec.pblock);
      n++;
      this.seq = Math.max(this.seq, rec.seq);
    }
    if (!keys.length) return;
    await this.store.io.dev.fdatasync();
    await this.store.db.batch(
      keys.map((key) => ({ type: 'del' as const, key })),
      { sync: true },
    );
    this.retiredThrough = this.seq;
    log.info(`${this.store.opts.path}: replayed ${n} deferred writes${this.refused ? `, refused ${this.refused}` : ''}`);
  }
}
