import { assert, CephError, cephError, Errno, errnoName, logger, strerror } from '@ts-ceph/common';
import { nativeAddon, NativeDevice, NativeDeviceInfo } from './binding';
import { ioAlignBytes, isAligned } from './buffers';

const log = logger('bdev');

/** Op codes of native/device.h. */
export const IoOp = { READ: 1, WRITE: 2, FSYNC: 3, FDATASYNC: 4, DISCARD: 5, WRITE_DSYNC: 6 } as const;
/** Submit flags of native/device.h. */
export const SubmitFlag = { LINK: 1, BACKGROUND: 2 } as const;
type IoOpCode = (typeof IoOp)[keyof typeof IoOp];

/** Default ring size (submission entries); the in-flight cap is at most this. */
export const ringEntriesDefault = 256;
export const ringEntriesMax = 4096;
/** The largest single read or write (io_uring returns i32 byte counts). */
export const ioBytesMax = 64 * 1024 * 1024;

export type IoBackend = 'auto' | 'uring' | 'pool';

export interface BlockDeviceOptions {
  /** O_DIRECT: buffers must come from allocAligned/BufferPool, offsets and lengths 4 KiB-aligned. */
  direct?: boolean;
  readonly?: boolean;
  /** 'auto' probes io_uring and falls back to the pool; TS_CEPH_IO=pool forces the pool. */
  backend?: IoBackend;
  entries?: number;
}

interface Pending {
  op: IoOpCode;
  /** The first of a linked pair: the next waiting op starts only after this one succeeded. */
  link?: boolean;
  /** Not waited on soon (io_uring: issued by a kernel worker, not inline on this thread). */
  background?: boolean;
  length: number;
  offset: number;
  buf: Uint8Array | null;
  resolve: () => void;
  reject: (e: Error) => void;
  /** Times this op went back to the queue after a transient failure (ioRetriesMax). */
  retries?: number;
  /** The second op of this linked pair (set when the pair is submitted). */
  partner?: Pending;
  /** Set on a pair's second op while its first waits to be retried: re-queue both on completion. */
  retryPair?: Pending;
}

/**
 * How often an op interrupted by a signal (EINTR; io_uring reports a read or write cut short by
 * one as EINTR or a short transfer) or refused for now (EAGAIN) is issued again before its error
 * is final. Each retry is the same transfer at the same offset (idempotent), and a linked write +
 * flush goes again as a pair, so the flush still follows the write.
 */
export const ioRetriesMax = 8;

/** The backend named by the environment: TS_CEPH_IO=pool|uring|auto. */
export function envBackend(): IoBackend {
  const v = process.env.TS_CEPH_IO;
  return v === 'pool' || v === 'uring' ? v : 'auto';
}

function ioError(errno: number, what: string): CephError {
  const name = errnoName(errno);
  return new CephError(name, errno, `${what}: ${strerror(errno)}`);
}

/**
 * A file or block device with asynchronous reads, writes, fdatasync/fsync and discard through the
 * native addon. Ops beyond the ring's in-flight cap wait in a FIFO here (a full ring is normal
 * back-pressure, not an error); ops issued in one JS turn reach the kernel in one submission.
 */
export class BlockDevice {
  readonly path: string;
  readonly direct: boolean;
  readonly backend: 'io_uring' | 'pool';
  readonly size: number;
  readonly blockdev: boolean;
  /**
   * The addon has writeSync (writeDsyncNow). An addon built before it (a stale build/ beside
   * newer JavaScript) lacks it, and the store then keeps every record on the ring.
   */
  readonly hasWriteSync: boolean;
  private native: NativeDevice | undefined;
  private readonly completions: Int32Array;
  private readonly slots: (Pending | undefined)[];
  private readonly freeSlots: number[] = [];
  private readonly waiting: Pending[] = [];
  private flushScheduled = false;
  private inflight = 0;
  private closing: Promise<void> | undefined;
  private drained: (() => void) | undefined;
  /**
   * Ops submitted to the kernel since open, by kind: benchmarks and tests count the writes and
   * flushes a transaction costs (a flush on the acknowledgement path is the price of a commit).
   */
  readonly counts = { reads: 0, writes: 0, flushes: 0 };

  constructor(path: string, opts: BlockDeviceOptions = {}) {
    const entries = opts.entries ?? ringEntriesDefault;
    if (!Number.isInteger(entries) || entries < 1 || entries > ringEntriesMax) throw cephError('EINVAL', `ring entries ${entries} out of range 1..${ringEntriesMax}`);
    const env = envBackend();
    const backend = env === 'pool' ? 'pool' : (opts.backend ?? env);
    this.path = path;
    this.direct = opts.direct ?? false;
    this.completions = new Int32Array(2 * Math.max(64, entries));
    this.slots = new Array<Pending | undefined>(entries * 2);
    for (let i = this.slots.length - 1; i >= 0; i--) this.freeSlots.push(i);
    try {
      this.native = new (nativeAddon().Device)(path, this.direct, opts.readonly ?? false, backend, entries, this.completions, (n) => this.onComplete(n));
    } catch (e) {
      const errno = (e as { errno?: number }).errno;
      if (errno) throw ioError(errno, `cannot open ${path}`);
      throw e;
    }
    const info = this.native.info();
    this.backend = info.backend as 'io_uring' | 'pool';
    this.size = info.size;
    this.blockdev = info.blockdev;
    this.hasWriteSync = typeof (this.native as Partial<NativeDevice>).writeSync === 'function';
    if (this.native.fallbackReason && backend === 'auto') log.warn(`${path}: io_uring unavailable (${this.native.fallbackReason}); using the thread pool`);
  }

  info(): NativeDeviceInfo {
    return this.native ? this.native.info() : { backend: 'closed', size: this.size, blockdev: this.blockdev, direct: this.direct, capacity: 0, inflight: 0, registeredFile: false, registeredBuffer: false };
  }

  /** Register an aligned slab with the ring (io_uring fixed buffers); false when not possible. */
  registerBuffer(ab: ArrayBuffer): boolean {
    return this.native !== undefined && this.inflight === 0 && this.native.registerBuffer(ab);
  }

  /** Test hook: every `every`-th completion fails with `errno`, `count` times (-1: forever; 0 disables). */
  setFault(every: number, errno: number, count = -1): void {
    assert(this.native, 'setFault on a closed device');
    this.native.setFault(every, errno, count);
  }

  /** Read exactly buf.byteLength bytes at `offset`; a short read (past the end) is EIO. */
  read(buf: Uint8Array, offset: number): Promise<void> {
    this.checkRange(buf, offset, 'read');
    return this.enqueue(IoOp.READ, buf, buf.byteLength, offset);
  }

  write(buf: Uint8Array, offset: number): Promise<void> {
    this.checkRange(buf, offset, 'write');
    return this.enqueue(IoOp.WRITE, buf, buf.byteLength, offset);
  }

  /**
   * A write nobody waits on soon (the store's in-place writes after a commit): with io_uring it is
   * issued by a kernel worker thread, so its submission cost is not paid on the JS thread.
   */
  writeBackground(buf: Uint8Array, offset: number): Promise<void> {
    this.checkRange(buf, offset, 'write');
    if (this.closing || !this.native) return Promise.reject(cephError('EBADF', `${this.path}: device is closed`));
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ op: IoOp.WRITE, background: true, buf, length: buf.byteLength, offset, resolve, reject });
      this.pump();
    });
  }

  fdatasync(): Promise<void> {
    return this.enqueue(IoOp.FDATASYNC, null, 0, 0);
  }

  /**
   * Write, then fdatasync once the write has completed, submitted together as a linked pair
   * (io_uring IOSQE_IO_LINK; the pool runs both on one worker): the flush needs no round trip
   * through JS. If the write fails the flush is cancelled (ECANCELED) and the write's error wins.
   * `written` (a trace hook) is called when the write has completed, before the flush has.
   */
  async writeAndSync(buf: Uint8Array, offset: number, written?: () => void): Promise<void> {
    this.checkRange(buf, offset, 'write');
    if (this.closing || !this.native) throw cephError('EBADF', `${this.path}: device is closed`);
    let first: Error | undefined;
    const w = new Promise<void>((resolve, reject) => this.waiting.push({ op: IoOp.WRITE, link: true, buf, length: buf.byteLength, offset, resolve, reject }));
    const f = new Promise<void>((resolve, reject) => this.waiting.push({ op: IoOp.FDATASYNC, buf: null, length: 0, offset: 0, resolve, reject }));
    this.pump();
    await w.then(written, (e: Error) => (first = e));
    await f.catch((e: Error) => (first ??= e));
    if (first) throw first;
  }

  fsync(): Promise<void> {
    return this.enqueue(IoOp.FSYNC, null, 0, 0);
  }

  /**
   * A write that is durable when it settles (RWF_DSYNC): one op and one completion where
   * writeAndSync needs two. Durable for this range only (with O_DIRECT the device cache flush it
   * ends with covers every write completed before it, as fdatasync's does).
   */
  writeDsync(buf: Uint8Array, offset: number): Promise<void> {
    this.checkRange(buf, offset, 'write');
    return this.enqueue(IoOp.WRITE_DSYNC, buf, buf.byteLength, offset);
  }

  /**
   * writeDsync done synchronously on this thread (pwritev2 RWF_DSYNC), outside the ring or the
   * pool: the event loop is blocked for the device's write and flush, and no hand-off to a worker
   * or wake-up through the loop is paid. For a lone commit with nothing else to do; it is not
   * ordered against this device's ops in flight (the caller keeps them apart).
   */
  writeDsyncNow(buf: Uint8Array, offset: number): void {
    this.checkRange(buf, offset, 'write');
    if (this.closing || !this.native) throw cephError('EBADF', `${this.path}: device is closed`);
    this.counts.writes++;
    this.counts.flushes++;
    const r = this.native.writeSync(buf, 0, buf.byteLength, offset);
    if (r < 0) throw ioError(-r, `${this.path}: write ${offset}~${buf.byteLength}`);
    if (r !== buf.byteLength) throw cephError('EIO', `${this.path}: short write at ${offset}: ${r} of ${buf.byteLength} bytes`);
  }

  /** Ops handed to the backend and not completed yet. */
  get inflightOps(): number {
    return this.inflight;
  }

  /** Discard (punch a hole in) a range; later reads of it return zeros. */
  discard(offset: number, length: number): Promise<void> {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isInteger(length) || length <= 0 || length > ioBytesMax) throw cephError('EINVAL', `discard ${offset}~${length}: bad range`);
    return this.enqueue(IoOp.DISCARD, null, length, offset);
  }

  /** Stop accepting ops, let in-flight ones finish, then close the fd. Idempotent. */
  close(): Promise<void> {
    if (!this.closing) {
      this.closing = (async () => {
        // Queued-but-unsubmitted ops are cancelled; submitted ones complete normally.
        for (const p of this.waiting.splice(0)) p.reject(cephError('ECANCELED', `${this.path}: device closed`));
        if (this.inflight > 0) this.native?.flush();
        if (this.inflight > 0) await new Promise<void>((r) => (this.drained = r));
        this.native?.close();
        this.native = undefined;
      })();
    }
    return this.closing;
  }

  private checkRange(buf: Uint8Array, offset: number, what: string): void {
    if (!(buf instanceof Uint8Array)) throw cephError('EINVAL', `${what}: buffer must be a Uint8Array`);
    if (buf.byteLength === 0 || buf.byteLength > ioBytesMax) throw cephError('EINVAL', `${what}: length ${buf.byteLength} out of range 1..${ioBytesMax}`);
    if (!Number.isSafeInteger(offset) || offset < 0) throw cephError('EINVAL', `${what}: offset ${offset} invalid`);
    if (this.direct) {
      if (!isAligned(buf)) throw cephError('EINVAL', `${what}: O_DIRECT needs a ${ioAlignBytes}-aligned buffer from the pool`);
      if (offset % ioAlignBytes !== 0) throw cephError('EINVAL', `${what}: O_DIRECT offset ${offset} not ${ioAlignBytes}-aligned`);
    }
  }

  private enqueue(op: IoOpCode, buf: Uint8Array | null, length: number, offset: number): Promise<void> {
    if (this.closing || !this.native) return Promise.reject(cephError('EBADF', `${this.path}: device is closed`));
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ op, buf, length, offset, resolve, reject });
      this.pump();
    });
  }

  /** Move waiting ops into the ring while it has room; submit once per JS turn. */
  private pump(): void {
    const native = this.native;
    if (!native) return;
    while (this.waiting.length > 0) {
      const p = this.waiting[0]!;
      const second = p.link ? this.waiting[1] : undefined;
      assert(!p.link || second, 'a linked op without its partner');
      if (this.freeSlots.length < (second ? 2 : 1)) break;
      const slot = this.freeSlots[this.freeSlots.length - 1]!;
      const r = native.submit(p.op, slot, p.buf, 0, p.length, p.offset, (second ? SubmitFlag.LINK : 0) | (p.background ? SubmitFlag.BACKGROUND : 0));
      if (r === -Errno.EBUSY) break;
      this.waiting.shift();
      if (second) this.waiting.shift();
      if (r < 0) {
        p.reject(ioError(-r, `${this.path}: submit`));
        second?.reject(cephError('ECANCELED', `${this.path}: linked op not submitted`));
        continue;
      }
      this.freeSlots.pop();
      this.slots[slot] = p;
      this.inflight++;
      this.count(p.op);
      p.partner = second;
      if (second) {
        // The native side reserved room for the pair with its first op.
        const slot2 = this.freeSlots.pop()!;
        const r2 = native.submit(second.op, slot2, second.buf, 0, second.length, second.offset, 0);
        assert(r2 === 0, `second op of a linked pair refused: ${r2}`);
        this.slots[slot2] = second;
        this.inflight++;
        this.count(second.op);
      }
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(() => {
          this.flushScheduled = false;
          const n = this.native?.flush() ?? 0;
          if (n < 0) log.error(`${this.path}: io_uring_submit failed: ${strerror(-n)}`);
        });
      }
    }
  }

  /** A failure worth issuing again: EINTR, EAGAIN or a short read/write, within ioRetriesMax. */
  private transient(p: Pending, res: number): boolean {
    if ((p.retries ?? 0) >= ioRetriesMax) return false;
    if (res === -Errno.EINTR || res === -Errno.EAGAIN) return true;
    return res >= 0 && (p.op === IoOp.READ || p.op === IoOp.WRITE || p.op === IoOp.WRITE_DSYNC) && res !== p.length;
  }

  private count(op: IoOpCode): void {
    if (op === IoOp.READ) this.counts.reads++;
    else if (op === IoOp.WRITE) this.counts.writes++;
    else if (op === IoOp.FDATASYNC || op === IoOp.FSYNC) this.counts.flushes++;
    else if (op === IoOp.WRITE_DSYNC) (this.counts.writes++, this.counts.flushes++);
  }

  private onComplete(n: number): void {
    // Copy the batch out first: the shared array is refilled by the next delivery.
    const done: [number, number][] = [];
    for (let i = 0; i < n; i++) done.push([this.completions[2 * i]!, this.completions[2 * i + 1]!]);
    for (const [slot, res] of done) {
      const p = this.slots[slot];
      assert(p, `completion for an empty slot ${slot}`);
      this.slots[slot] = undefined;
      this.freeSlots.push(slot);
      this.inflight--;
      if (p.retryPair) {
        // The second of a pair whose first is retried: whatever it did, both go again in order.
        const first = p.retryPair;
        p.retryPair = undefined;
        this.waiting.unshift(first, p);
      } else if (this.transient(p, res)) {
        p.retries = (p.retries ?? 0) + 1;
        log.dout(1, `${this.path}: ${opName(p.op)} ${p.offset}~${p.length} gave ${res < 0 ? strerror(-res) : `${res} bytes`}; retry ${p.retries}`);
        if (p.partner) p.partner.retryPair = p;
        else this.waiting.unshift(p);
      } else if (res < 0) {
        p.reject(ioError(-res, `${this.path}: ${opName(p.op)} ${p.offset}~${p.length}`));
      } else if ((p.op === IoOp.READ || p.op === IoOp.WRITE || p.op === IoOp.WRITE_DSYNC) && res !== p.length) {
        p.reject(cephError('EIO', `${this.path}: short ${opName(p.op)} at ${p.offset}: ${res} of ${p.length} bytes`));
      } else {
        p.resolve();
      }
    }
    this.pump();
    if (this.inflight === 0 && this.drained) {
      const d = this.drained;
      this.drained = undefined;
      d();
    }
  }
}

function opName(op: IoOpCode): string {
  return ['', 'read', 'write', 'fsync', 'fdatasync', 'discard', 'write-dsync'][op]!;
}
