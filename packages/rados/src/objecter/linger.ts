import { CephError, cephError, Errno, logger, TimerHandle } from '@ts-ceph/common';
import { Writer } from '@ts-ceph/denc';
import { CephOsdOp, CephOsdWatchOp, CephWatchEvent, decodeNotifyCompleteData, MWatchNotify, NotifyCompleteData, osdOp, osdOpWatch } from '@ts-ceph/messages';
import { calcTarget, OpTarget } from './core/target';
import { Objecter, osdError } from './objecter';

const log = logger('objecter');

/** Named limits of watch/notify (docs/LIMITS.md, "rados"). */
export const lingerLimits = {
  /** Time a notify may wait for its watchers (s): the OSD's bound on the notify op's timeout. */
  notifyTimeoutSecMax: 3600,
};

export interface NotifyEvent {
  notifyId: bigint;
  cookie: bigint;
  notifierGid: bigint;
  payload: Buffer;
}

export interface WatchCallbacks {
  /** A notify arrived; the returned bytes (if any) are the ack's reply payload. */
  onNotify(ev: NotifyEvent): Buffer | void | Promise<Buffer | void>;
  /** The watch was lost and could not be re-established (ENOTCONN, ENOENT ...). */
  onError?(err: CephError): void;
}

export interface NotifyResult extends NotifyCompleteData {
  /** 0, or -ETIMEDOUT when some watchers did not ack in time (their ids are in `missed`). */
  returnCode: number;
}

interface Watch {
  cookie: bigint;
  target: OpTarget;
  cb: WatchCallbacks;
  timeoutSec: number;
  gen: number;
  /** The OSD the watch was registered on (to notice a move). */
  osd: number;
  reconnecting: boolean;
}

interface PendingNotify {
  resolve(r: NotifyResult): void;
  reject(e: CephError): void;
}

/**
 * Linger ops (Objecter's LingerOp): watches stay registered across map changes and session resets
 * by a RECONNECT watch op (a fresh WATCH if the OSD no longer knows the watch), are kept alive with
 * PINGs, and deliver MWatchNotify NOTIFY events, acked with NOTIFY_ACK. A notify is an op whose
 * reply carries the notify id, completed by the OSD's NOTIFY_COMPLETE with the watchers' acks.
 */
export class LingerOps {
  private readonly watches = new Map<bigint, Watch>();
  private readonly notifies = new Map<bigint, PendingNotify>();
  private nextCookie = BigInt(Date.now()) << 16n;
  private pingTimer: TimerHandle | undefined;

  constructor(
    private readonly objecter: Objecter,
    private readonly pingIntervalMs = 5000,
  ) {
    objecter.events = {
      watchNotify: (m) => this.handleWatchNotify(m),
      mapChanged: () => this.checkMoves(),
      sessionReset: (osd) => {
        for (const w of this.watches.values()) if (w.osd === osd) void this.reconnect(w);
      },
    };
  }

  private osdOf(t: OpTarget): number {
    const m = this.objecter.osdmap;
    return m ? (calcTarget(m, t, undefined).state?.osd ?? -1) : -1;
  }

  /** Register a watch (CEPH_OSD_WATCH_OP_WATCH); returns its cookie. */
  async watch(target: OpTarget, cb: WatchCallbacks, timeoutSec = 30): Promise<bigint> {
    const cookie = ++this.nextCookie;
    const w: Watch = { cookie, target, cb, timeoutSec, gen: 0, osd: this.osdOf(target), reconnecting: false };
    this.watches.set(cookie, w);
    try {
      await this.watchOp(w, CephOsdWatchOp.WATCH);
    } catch (e) {
      this.watches.delete(cookie);
      throw e;
    }
    this.armPing();
    return cookie;
  }

  async unwatch(cookie: bigint): Promise<void> {
    const w = this.watches.get(cookie);
    if (!w) throw cephError('ENOENT', `no watch with cookie ${cookie}`);
    this.watches.delete(cookie);
    await this.watchOp(w, CephOsdWatchOp.UNWATCH);
  }

  /** Notify the object's watchers and wait for their acks (or the OSD's timeout). */
  async notify(target: OpTarget, payload: Buffer, timeoutSec = 30): Promise<NotifyResult> {
    if (timeoutSec > lingerLimits.notifyTimeoutSecMax) throw cephError('EINVAL', `notify timeout ${timeoutSec} s over notifyTimeoutSecMax ${lingerLimits.notifyTimeoutSecMax}`);
    const cookie = ++this.nextCookie;
    const done = new Promise<NotifyResult>((resolve, reject) => this.notifies.set(cookie, { resolve, reject }));
    const args = Buffer.alloc(28);
    args.writeBigUInt64LE(cookie, 0);
    const data = new Writer().u32(1).u32(timeoutSec).blob(payload).finish();
    try {
      const reply = await this.objecter.submit(target, [osdOp(CephOsdOp.NOTIFY, { args, data })], false);
      if (reply.result < 0) throw osdError(reply.result, `notify ${target.oid}`);
    } catch (e) {
      this.notifies.delete(cookie);
      throw e;
    }
    // The OSD completes the notify after timeoutSec at the latest; give the message a little longer.
    const guard = this.objecter.clock.setTimeout(() => {
      this.notifies.get(cookie)?.reject(cephError('ETIMEDOUT', `no notify completion for ${target.oid} within ${timeoutSec} s`));
      this.notifies.delete(cookie);
    }, timeoutSec * 1000 + 10_000);
    try {
      return await done;
    } finally {
      guard.cancel();
    }
  }

  get watchCount(): number {
    return this.watches.size;
  }

  shutdown(): void {
    this.pingTimer?.cancel();
    for (const n of this.notifies.values()) n.reject(cephError('ESHUTDOWN', 'client shut down'));
    this.notifies.clear();
    this.watches.clear();
  }

  private async watchOp(w: Watch, op: number): Promise<void> {
    const reply = await this.objecter.submit(w.target, [osdOpWatch(op, w.cookie, w.gen, w.timeoutSec)], true);
    if (reply.result < 0) throw osdError(reply.result, `watch ${w.target.oid}`);
  }

  /** The watch's OSD changed, or its session reset: RECONNECT, or WATCH anew if the OSD forgot it. */
  private async reconnect(w: Watch): Promise<void> {
    if (w.reconnecting || !this.watches.has(w.cookie)) return;
    w.reconnecting = true;
    w.gen++;
    w.osd = this.osdOf(w.target);
    try {
      try {
        await this.watchOp(w, CephOsdWatchOp.RECONNECT);
      } catch (e) {
        if (!(e instanceof CephError) || e.errno !== Errno.ENOTCONN) throw e;
        await this.watchOp(w, CephOsdWatchOp.WATCH);
      }
    } catch (e) {
      log.dout(1, `watch ${w.cookie} on ${w.target.oid} lost: ${(e as Error).message}`);
      this.watches.delete(w.cookie);
      w.cb.onError?.(e instanceof CephError ? e : cephError('ENOTCONN', String(e)));
    } finally {
      w.reconnecting = false;
    }
  }

  private checkMoves(): void {
    for (const w of this.watches.values()) if (this.osdOf(w.target) !== w.osd) void this.reconnect(w);
  }

  private armPing(): void {
    if (this.pingTimer) return;
    this.pingTimer = this.objecter.clock.setTimeout(() => {
      this.pingTimer = undefined;
      for (const w of this.watches.values()) {
        if (w.reconnecting) continue;
        this.watchOp(w, CephOsdWatchOp.PING).catch(() => void this.reconnect(w));
      }
      if (this.watches.size) this.armPing();
    }, this.pingIntervalMs);
  }

  private handleWatchNotify(m: MWatchNotify): void {
    if (m.opcode === CephWatchEvent.NOTIFY_COMPLETE) {
      const n = this.notifies.get(m.cookie);
      if (!n) return;
      this.notifies.delete(m.cookie);
      try {
        n.resolve({ returnCode: m.returnCode, ...decodeNotifyCompleteData(m.data) });
      } catch (e) {
        n.reject(cephError('EBADMSG', `undecodable notify completion: ${(e as Error).message}`));
      }
      return;
    }
    const w = this.watches.get(m.cookie);
    if (!w) return;
    if (m.opcode === CephWatchEvent.DISCONNECT) {
      void this.reconnect(w);
      return;
    }
    if (m.opcode === CephWatchEvent.NOTIFY) void this.deliver(w, m);
  }

  /** Run the watcher's callback, then ack (notify_id, cookie, reply) on the watched object. */
  private async deliver(w: Watch, m: MWatchNotify): Promise<void> {
    let reply: Buffer = Buffer.alloc(0);
    try {
      reply = (await w.cb.onNotify({ notifyId: m.notifyId, cookie: m.cookie, notifierGid: m.notifierGid, payload: m.payload })) ?? reply;
    } catch (e) {
      log.dout(1, `watch callback failed: ${(e as Error).message}`);
    }
    const data = new Writer().u64(m.notifyId).u64(w.cookie).blob(reply).finish();
    try {
      await this.objecter.submit(w.target, [osdOp(CephOsdOp.NOTIFY_ACK, { data })], false);
    } catch (e) {
      log.dout(1, `notify ack failed: ${(e as Error).message}`);
    }
  }
}

