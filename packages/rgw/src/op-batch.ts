/**
 * Group commit of write ops on one RADOS object: while an op on the object is in flight, the
 * requests that arrive are gathered and sent together as the next compound op (one MOSDOp,
 * applied atomically by the OSD in order). An idle object gets its op at once, so batching adds
 * no latency; under load the round trips per request fall with the batch size. Used for the bucket
 * index publish and the pending records (docs/formats/rgw.md, "Batching"): each contribution only
 * adds omap updates whose keys no other contribution of the batch touches in a conflicting way,
 * so the batch means the same as its contributions applied one after another.
 */
import { IoCtx, WriteOp } from '@ts-ceph/rados';

/** Named limits of batching (docs/LIMITS.md, "rgw"). */
export const opBatchLimits = {
  /** Contributions in one compound op (each adds at most a few ops; MOSDOp allows 1024). */
  contributionsMax: 64,
};

interface Contribution {
  add(op: WriteOp): void;
  resolve(): void;
  reject(e: unknown): void;
}

class ObjectBatcher {
  private queue: Contribution[] = [];
  private busy = false;

  constructor(
    private readonly io: IoCtx,
    private readonly oid: string,
    /** Ops every batch starts with (an assert that guards every contribution). */
    private readonly head: (op: WriteOp) => void,
    private readonly onIdle: () => void,
  ) {}

  submit(add: (op: WriteOp) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ add, resolve, reject });
      if (!this.busy) void this.drain();
    });
  }

  private op(batch: Contribution[]): WriteOp {
    const op = new WriteOp();
    this.head(op);
    for (const c of batch) c.add(op);
    return op;
  }

  private async drain(): Promise<void> {
    this.busy = true;
    while (this.queue.length) {
      const batch = this.queue.splice(0, opBatchLimits.contributionsMax);
      try {
        await this.io.operate(this.oid, this.op(batch));
        for (const c of batch) c.resolve();
      } catch (e) {
        if (batch.length === 1) batch[0]!.reject(e);
        // One bad contribution must not fail the others: each is tried alone, so each gets its own answer.
        else await Promise.all(batch.map((c) => this.io.operate(this.oid, this.op([c])).then(c.resolve, c.reject)));
      }
    }
    this.busy = false;
    this.onIdle();
  }
}

/** Batchers by object, dropped when idle. */
export class OpBatcher {
  private readonly objects = new Map<string, ObjectBatcher>();

  constructor(private readonly io: IoCtx) {}

  /** Add `add`'s ops to the next compound op on `oid` (which starts with `head`'s); resolves once it is applied. */
  submit(oid: string, head: (op: WriteOp) => void, add: (op: WriteOp) => void): Promise<void> {
    let b = this.objects.get(oid);
    if (!b) {
      b = new ObjectBatcher(this.io, oid, head, () => this.objects.delete(oid));
      this.objects.set(oid, b);
    }
    return b.submit(add);
  }
}

interface KeyRead {
  key: string;
  resolve(v: Buffer | undefined): void;
  reject(e: unknown): void;
}

/**
 * The same for reads of omap values by key on one object (the bucket index entry every GET, HEAD
 * and PUT starts with): keys asked for while a read is in flight go out together in the next
 * omap-get-vals-by-keys, each caller getting its own key's value.
 */
export class OmapKeyReader {
  private readonly queues = new Map<string, KeyRead[]>();

  constructor(private readonly io: IoCtx) {}

  get(oid: string, key: string): Promise<Buffer | undefined> {
    return new Promise((resolve, reject) => {
      const q = this.queues.get(oid);
      if (q) return void q.push({ key, resolve, reject });
      this.queues.set(oid, [{ key, resolve, reject }]);
      void this.drain(oid);
    });
  }

  private async drain(oid: string): Promise<void> {
    const q = this.queues.get(oid)!;
    while (q.length) {
      const batch = q.splice(0, opBatchLimits.contributionsMax);
      try {
        const vals = await this.io.omapGetValsByKeys(oid, new Set(batch.map((r) => r.key)));
        for (const r of batch) r.resolve(vals.get(r.key));
      } catch (e) {
        for (const r of batch) r.reject(e);
      }
    }
    this.queues.delete(oid);
  }
}
