import { Errno } from '@ts-ceph/common/core';
import { EntityAddr, EntityNameT, UTime, Writer } from '@ts-ceph/denc';
import { PgT, pgKey } from '@ts-ceph/maps';
import { CephWatchEvent, MWatchNotify, encodeNotifyCompleteData } from '@ts-ceph/messages';
import { GHObject, Transaction, ghobjectSortKey } from '@ts-ceph/objectstore/interface';
import { OI_ATTR, WatchInfo, encodeObjectInfo, watchKey } from './object-info';
import { ObjectState } from './op-context';
import { PG, PgLogEntry, PgLogOp, internalLogEntry } from './pg';

/**
 * Watch/notify state of one OSD (src/osd/Watch.{h,cc}): the live watches of each object (which
 * client connection, whether it pings, when it times out) and the notifies in flight. Sans-I/O:
 * time comes in as wall-clock milliseconds, and every method returns what the driver must do
 * (WatchAction): messages to send and watches whose timeout must be written to the object. What
 * is persisted (object_info_t::watchers) changes only through PG writes; this class holds what
 * Ceph keeps in ObjectContext::watchers and OSDService's watch timer.
 */

/** Named limits and defaults (docs/LIMITS.md). */
export const watchLimits = {
  /** osd_client_watch_timeout: seconds without a ping before a watch expires, when the op gives none. */
  clientWatchTimeoutSecondsDefault: 30,
  /** osd_default_notify_timeout: seconds a notify waits for acks when the op gives 0. */
  notifyTimeoutSecondsDefault: 30,
};

export interface WatchConfig {
  /** osd_client_watch_timeout (s). */
  clientWatchTimeoutSeconds: number;
  /** osd_default_notify_timeout (s). */
  notifyTimeoutSeconds: number;
}

/** A decision for the driver. */
export type WatchAction =
  /** Send `msg` over the client connection `client` (the opaque OpEnv.client). */
  | { kind: 'send'; client: unknown; msg: MWatchNotify }
  /**
   * handle_watch_timeout: remove the watcher from the object's info through a PG write, then call
   * `watchExpired` (which sends the DISCONNECT).
   */
  | { kind: 'expire'; pgid: PgT; oid: GHObject; cookie: bigint; entity: EntityNameT };

/** One live watch (class Watch). */
interface LiveWatch {
  objKey: string;
  key: string;
  pgid: PgT;
  oid: GHObject;
  info: WatchInfo;
  /** The connection the watcher is on; undefined while disconnected (it may reconnect). */
  client: unknown;
  /** CEPH_OSD_WATCH_OP_WATCH (pings) versus LEGACY_WATCH (times out only when disconnected). */
  willPing: boolean;
  lastPingMs: number;
  /** When the watch times out; undefined when no timer is armed. */
  deadlineMs: number | undefined;
  /** Its timeout was handed to the driver: the removal write is queued. */
  expiring: boolean;
  /** Notifies sent to it and not yet acked (in_progress_notifies). */
  notifies: Set<bigint>;
}

/** One notify in flight (class Notify). */
interface InFlightNotify {
  id: bigint;
  cookie: bigint;
  notifierGid: bigint;
  client: unknown;
  payload: Buffer;
  /** The object's user_version when the notify ran. */
  version: bigint;
  pending: Set<LiveWatch>;
  replies: { gid: bigint; cookie: bigint; reply: Buffer }[];
  deadlineMs: number;
}

export interface NotifyRequest {
  id: bigint;
  cookie: bigint;
  notifierGid: bigint;
  client: unknown;
  payload: Buffer;
  timeoutSeconds: number;
  version: bigint;
}

/** The registry's key of an object: its PG and its sort key (unique within the OSD). */
export function watchObjectKey(pgid: PgT, oid: GHObject): string {
  return `${pgKey(pgid)}/${ghobjectSortKey(oid)}`;
}

export function utimeMs(t: UTime): number {
  return t.sec * 1000 + Math.floor(t.nsec / 1e6);
}

const u64Cmp = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

export class WatchRegistry {
  private readonly watches = new Map<string, LiveWatch>();
  private readonly byObject = new Map<string, Set<LiveWatch>>();
  private readonly notifies = new Map<bigint, InFlightNotify>();
  /** OSDService::next_notif_id: the low 32 bits of a notify id. */
  private nextNotif = 0;
  readonly config: WatchConfig;
  /**
   * OSDMap::is_blocklisted of the OSD's newest map (the driver sets it on each map): a watcher
   * the object info still lists whose client is fenced expires at once (populate_obc_watchers'
   * check_blocklisted_obc_watchers). Undefined: nobody is blocklisted.
   */
  blocklisted: ((addr: EntityAddr) => boolean) | undefined = undefined;

  /**
   * `sink` receives the actions of effects that run outside the driver's call (the op handlers'
   * effects); the driver sets it. Methods also return their actions, for tests.
   */
  constructor(config: Partial<WatchConfig> = {}, public sink: (a: WatchAction[]) => void = () => undefined) {
    this.config = {
      clientWatchTimeoutSeconds: config.clientWatchTimeoutSeconds ?? watchLimits.clientWatchTimeoutSecondsDefault,
      notifyTimeoutSeconds: config.notifyTimeoutSeconds ?? watchLimits.notifyTimeoutSecondsDefault,
    };
  }

  emit(a: WatchAction[]): void {
    this.sink(a);
  }

  /** OSDService::get_next_id: the epoch in the high 32 bits, a counter in the low 32. */
  nextNotifyId(epoch: number): bigint {
    const id = (BigInt(epoch >>> 0) << 32n) | BigInt(this.nextNotif);
    this.nextNotif = (this.nextNotif + 1) >>> 0;
    return id;
  }

  /** Live watches of an object, in watcher-key order (for tests and listings). */
  watchersOf(pgid: PgT, oid: GHObject): { cookie: bigint; entity: EntityNameT; connected: boolean; deadlineMs: number | undefined }[] {
    return [...(this.byObject.get(watchObjectKey(pgid, oid)) ?? [])].sort(byWatcher).map((w) => ({ cookie: w.info.cookie, entity: w.info.entity, connected: w.client !== undefined, deadlineMs: w.deadlineMs }));
  }

  isConnected(pgid: PgT, oid: GHObject, cookie: bigint, entity: EntityNameT): boolean {
    return this.find(pgid, oid, cookie, entity)?.client !== undefined;
  }

  isExpiring(pgid: PgT, oid: GHObject, cookie: bigint, entity: EntityNameT): boolean {
    return this.find(pgid, oid, cookie, entity)?.expiring ?? false;
  }

  /**
   * populate_obc_watchers: watchers the object info lists that have no live watch (the OSD
   * restarted) become disconnected watches that expire unless their client reconnects in time.
   */
  populate(pgid: PgT, oid: GHObject, watchers: ReadonlyMap<string, WatchInfo>, nowMs: number): void {
    for (const info of watchers.values()) {
      if (this.find(pgid, oid, info.cookie, info.entity)) continue;
      const w = this.add(pgid, oid, info, nowMs);
      w.deadlineMs = this.blocklisted?.(info.addr) ? nowMs : nowMs + info.timeoutSeconds * 1000;
    }
  }

  /** Watch::connect (do_osd_op_effects' watch_connects): attach the watch to the op's connection. */
  connect(pgid: PgT, oid: GHObject, info: WatchInfo, client: unknown, willPing: boolean, nowMs: number): WatchAction[] {
    const w = this.find(pgid, oid, info.cookie, info.entity) ?? this.add(pgid, oid, info, nowMs);
    w.expiring = false;
    if (w.client === client) return [];
    w.client = client;
    w.willPing = willPing;
    // Notifies sent while it was away go out again.
    const out: WatchAction[] = [];
    for (const id of w.notifies) {
      const n = this.notifies.get(id);
      if (n) out.push(this.notifyMessage(w, n));
    }
    if (willPing) {
      w.lastPingMs = nowMs;
      w.deadlineMs = nowMs + w.info.timeoutSeconds * 1000;
    } else w.deadlineMs = undefined;
    return out;
  }

  /** Watch::got_ping. The caller checked the watch is connected (else the client gets ETIMEDOUT). */
  ping(pgid: PgT, oid: GHObject, cookie: bigint, entity: EntityNameT, nowMs: number): void {
    const w = this.find(pgid, oid, cookie, entity);
    if (!w) return;
    w.lastPingMs = nowMs;
    if (w.client !== undefined) w.deadlineMs = nowMs + w.info.timeoutSeconds * 1000;
  }

  /**
   * WatchConState::reset: the client's connection went away. Its watches stay (Ceph keeps them
   * until the timeout so the client can reconnect); a pinging watch keeps its deadline, a legacy
   * one starts its timeout now.
   */
  handleReset(client: unknown, nowMs: number): void {
    for (const w of this.watches.values()) {
      if (w.client !== client) continue;
      this.disconnect(w, nowMs);
    }
  }

  /** complete_disconnect_watches → Watch::remove: unwatch, object deleted, or timed out. */
  remove(pgid: PgT, oid: GHObject, cookie: bigint, entity: EntityNameT, sendDisconnect: boolean): WatchAction[] {
    const w = this.find(pgid, oid, cookie, entity);
    if (!w) return [];
    const out: WatchAction[] = [];
    if (sendDisconnect && w.client !== undefined) {
      out.push({ kind: 'send', client: w.client, msg: watchNotifyMsg(CephWatchEvent.DISCONNECT, w.info.cookie, 0n, 0n, Buffer.alloc(0), 0n) });
    }
    for (const id of w.notifies) {
      const n = this.notifies.get(id);
      if (!n) continue;
      n.pending.delete(w);
      out.push(...this.maybeComplete(n, false));
    }
    this.watches.delete(w.key);
    const set = this.byObject.get(w.objKey);
    set?.delete(w);
    if (set?.size === 0) this.byObject.delete(w.objKey);
    return out;
  }

  /** The timeout write committed (or found nothing to remove): the watch goes, with a DISCONNECT. */
  watchExpired(pgid: PgT, oid: GHObject, cookie: bigint, entity: EntityNameT): WatchAction[] {
    return this.remove(pgid, oid, cookie, entity, true);
  }

  /**
   * do_osd_op_effects' notifies: send the notify to every live watch of the object (Watch::
   * start_notify skips, and disconnects, a pinging watch whose last ping is older than its
   * timeout), then complete at once if nobody is waited for.
   */
  notify(pgid: PgT, oid: GHObject, req: NotifyRequest, nowMs: number): WatchAction[] {
    const n: InFlightNotify = { id: req.id, cookie: req.cookie, notifierGid: req.notifierGid, client: req.client, payload: req.payload, version: req.version, pending: new Set(), replies: [], deadlineMs: nowMs + req.timeoutSeconds * 1000 };
    this.notifies.set(n.id, n);
    const out: WatchAction[] = [];
    for (const w of [...(this.byObject.get(watchObjectKey(pgid, oid)) ?? [])].sort(byWatcher)) {
      if (w.willPing && w.lastPingMs < nowMs - w.info.timeoutSeconds * 1000) {
        this.disconnect(w, nowMs);
        continue;
      }
      w.notifies.add(n.id);
      n.pending.add(w);
      if (w.client !== undefined) out.push(this.notifyMessage(w, n));
    }
    out.push(...this.maybeComplete(n, false));
    return out;
  }

  /** do_osd_op_effects' notify_acks: the entity's watches (the one with `cookie`, if given) ack. */
  notifyAck(pgid: PgT, oid: GHObject, entity: EntityNameT, cookie: bigint | undefined, notifyId: bigint, reply: Buffer): WatchAction[] {
    const out: WatchAction[] = [];
    for (const w of [...(this.byObject.get(watchObjectKey(pgid, oid)) ?? [])].sort(byWatcher)) {
      if (w.info.entity.type !== entity.type || w.info.entity.num !== entity.num) continue;
      if (cookie !== undefined && w.info.cookie !== cookie) continue;
      if (!w.notifies.delete(notifyId)) continue;
      const n = this.notifies.get(notifyId);
      if (!n || !n.pending.delete(w)) continue;
      n.replies.push({ gid: BigInt(w.info.entity.num), cookie: w.info.cookie, reply });
      out.push(...this.maybeComplete(n, false));
    }
    return out;
  }

  /** The earliest time `tick` has something to do, or undefined. */
  nextDeadline(): number | undefined {
    let at: number | undefined;
    for (const w of this.watches.values()) if (w.deadlineMs !== undefined && !w.expiring && (at === undefined || w.deadlineMs < at)) at = w.deadlineMs;
    for (const n of this.notifies.values()) if (at === undefined || n.deadlineMs < at) at = n.deadlineMs;
    return at;
  }

  /**
   * The timers: notifies past their timeout complete with -ETIMEDOUT (Notify::do_timeout); watches
   * past theirs are handed to the driver for removal (HandleWatchTimeout).
   */
  tick(nowMs: number): WatchAction[] {
    const out: WatchAction[] = [];
    for (const n of [...this.notifies.values()].sort((a, b) => u64Cmp(a.id, b.id))) {
      if (n.deadlineMs <= nowMs) out.push(...this.maybeComplete(n, true));
    }
    for (const w of [...this.watches.values()].sort(byWatcher)) {
      if (w.expiring || w.deadlineMs === undefined || w.deadlineMs > nowMs) continue;
      out.push(this.startExpiry(w));
    }
    return out;
  }

  /**
   * check_blocklisted_watchers (on a map that blocklists someone): the watches of fenced clients
   * are handed to the driver for removal as a timed-out one is (handle_watch_timeout), so the
   * object info loses them on every copy and notifies stop waiting for them.
   */
  expireBlocklisted(isBlocklisted: (addr: EntityAddr) => boolean): WatchAction[] {
    const out: WatchAction[] = [];
    for (const w of [...this.watches.values()].sort(byWatcher)) if (!w.expiring && isBlocklisted(w.info.addr)) out.push(this.startExpiry(w));
    return out;
  }

  private startExpiry(w: LiveWatch): WatchAction {
    w.expiring = true;
    w.deadlineMs = undefined;
    return { kind: 'expire', pgid: w.pgid, oid: w.oid, cookie: w.info.cookie, entity: w.info.entity };
  }

  private find(pgid: PgT, oid: GHObject, cookie: bigint, entity: EntityNameT): LiveWatch | undefined {
    return this.watches.get(`${watchObjectKey(pgid, oid)}|${watchKey(cookie, entity)}`);
  }

  private add(pgid: PgT, oid: GHObject, info: WatchInfo, nowMs: number): LiveWatch {
    const objKey = watchObjectKey(pgid, oid);
    const w: LiveWatch = { objKey, key: `${objKey}|${watchKey(info.cookie, info.entity)}`, pgid, oid, info, client: undefined, willPing: false, lastPingMs: nowMs, deadlineMs: undefined, expiring: false, notifies: new Set() };
    this.watches.set(w.key, w);
    let set = this.byObject.get(objKey);
    if (!set) this.byObject.set(objKey, (set = new Set()));
    set.add(w);
    return w;
  }

  /** Watch::disconnect: a legacy (non-pinging) watch starts its timeout now. */
  private disconnect(w: LiveWatch, nowMs: number): void {
    w.client = undefined;
    if (!w.willPing && !w.expiring) w.deadlineMs = nowMs + w.info.timeoutSeconds * 1000;
  }

  /** Watch::send_notify: the watch's cookie, the notify's id, payload and notifier. */
  private notifyMessage(w: LiveWatch, n: InFlightNotify): WatchAction {
    return { kind: 'send', client: w.client, msg: watchNotifyMsg(CephWatchEvent.NOTIFY, w.info.cookie, n.version, n.id, n.payload, n.notifierGid) };
  }

  /**
   * Notify::maybe_complete_notify: once nobody is pending (or on timeout), NOTIFY_COMPLETE to the
   * notifier with the acks (map<pair<gid, cookie>, bufferlist>, in key order) and the watchers that
   * missed it, -ETIMEDOUT if it timed out.
   */
  private maybeComplete(n: InFlightNotify, timedOut: boolean): WatchAction[] {
    if (n.pending.size > 0 && !timedOut) return [];
    this.notifies.delete(n.id);
    const acks = [...n.replies].sort((a, b) => u64Cmp(a.gid, b.gid) || u64Cmp(a.cookie, b.cookie));
    const missedWatches = [...n.pending].sort(byWatcher);
    const missed = missedWatches.map((w) => ({ gid: BigInt(w.info.entity.num), cookie: w.info.cookie }));
    // Notify::do_timeout → Watch::cancel_notify: the missed watchers stop waiting for it.
    for (const w of missedWatches) w.notifies.delete(n.id);
    const msg = watchNotifyMsg(CephWatchEvent.NOTIFY_COMPLETE, n.cookie, n.version, n.id, Buffer.alloc(0), n.notifierGid);
    msg.data = encodeNotifyCompleteData({ acks, missed });
    if (timedOut) msg.returnCode = -Errno.ETIMEDOUT;
    return [{ kind: 'send', client: n.client, msg }];
  }
}

function byWatcher(a: LiveWatch, b: LiveWatch): number {
  return u64Cmp(a.info.cookie, b.info.cookie) || a.info.entity.type - b.info.entity.type || a.info.entity.num - b.info.entity.num;
}

/** MWatchNotify(cookie, ver, notify_id, opcode, bl, notifier_gid): msg_ver 1, return_code 0. */
export function watchNotifyMsg(opcode: number, cookie: bigint, ver: bigint, notifyId: bigint, payload: Buffer, notifierGid: bigint): MWatchNotify {
  return { msgVer: 1, opcode, cookie, ver, notifyId, payload, returnCode: 0, notifierGid, data: Buffer.alloc(0) };
}

/** The notify op's out data: the le64 notify id the client matches NOTIFY_COMPLETE against. */
export function encodeNotifyId(id: bigint): Buffer {
  return new Writer().u64(id).finish();
}

/**
 * PrimaryLogPG::handle_watch_timeout's write: the watcher leaves the object info, in a MODIFY log
 * entry with no reqid and no user version. Undefined when there is nothing to write (the object
 * is gone, or the watcher is no longer in its info); the driver then only drops the live watch.
 */
export function watchTimeoutWrite(pg: PG, state: ObjectState, oid: GHObject, cookie: bigint, entity: EntityNameT, epoch: number, now: UTime): { t: Transaction; entry: PgLogEntry } | undefined {
  if (!state.exists || !state.oi.watchers.has(watchKey(cookie, entity))) return undefined;
  const oi = { ...state.oi, watchers: new Map(state.oi.watchers) };
  oi.watchers.delete(watchKey(cookie, entity));
  const at = pg.nextVersion(epoch);
  const entry = internalLogEntry(PgLogOp.MODIFY, oid, at, state.oi.version, now, 0n);
  oi.priorVersion = state.oi.version;
  oi.version = at;
  const t = new Transaction();
  t.setattr(pg.coll, oid, OI_ATTR, encodeObjectInfo(oi, oid));
  pg.append(entry, t, epoch);
  return { t, entry };
}
