import { CephError, cephError, Clock, errnoName, Errno, logger, realClock, strerror, TimerHandle } from '@ts-ceph/common';
import { AddrType, CEPH_FEATURES_ALL, EntityAddr, EntityType, formatAddr } from '@ts-ceph/denc';
import { isUp, OSDMap } from '@ts-ceph/maps';
import { CephMessage, Connection, Dispatcher, Messenger, messageTypes, Policies, TransportFactory } from '@ts-ceph/messenger';
import {
  CEPH_MSG_OSD_BACKOFF,
  CEPH_MSG_OSD_MAP,
  CEPH_MSG_OSD_OPREPLY,
  CEPH_MSG_WATCH_NOTIFY,
  CephOsdBackoffOp,
  MOSDBackoff,
  MOSDBackoffCodec,
  MOSDMap,
  MOSDOpCodec,
  MOSDOpReply,
  MWatchNotify,
  OSDOp,
} from '@ts-ceph/messages';
import { MonClient } from '../mon-client';
import { feedOSDMap } from './core/map-feed';
import { buildMOSDOp, messageFlags, SnapContext } from './core/op-message';
import { calcTarget, OpTarget, PlacementCache, TargetState } from './core/target';

const log = logger('objecter');

/** Named limits of the Objecter (docs/LIMITS.md, "rados"). */
export const objecterLimits = {
  /** Longest wait before resending after a session reset or an EAGAIN (doubles from 50 ms). */
  resendDelayMsMax: 2000,
};

export interface ObjecterOptions {
  monc: MonClient;
  clock?: Clock;
  /** rados_osd_op_timeout: fail an op with ETIMEDOUT after this long (ms); 0 waits for ever. */
  opTimeoutMs?: number;
  transports?: TransportFactory;
  connectTimeoutMs?: number;
}

export interface SubmitOptions {
  /** Extra CEPH_OSD_FLAG_* bits (PGOP, FULL_TRY ...). */
  flags?: number;
  /** Overrides the Objecter's op timeout (ms, 0: none). */
  timeoutMs?: number;
  snapid?: bigint;
  snapc?: SnapContext;
}

interface Op {
  tid: bigint;
  target: OpTarget;
  state: TargetState | undefined;
  ops: OSDOp[];
  flags: number;
  /** Sends so far; the next MOSDOp carries it as retry_attempt. */
  attempts: number;
  /** The session the op was last sent on (or is held on by a backoff); undefined: waits for a map. */
  con: Connection | undefined;
  opts: SubmitOptions;
  resolve(r: MOSDOpReply): void;
  reject(e: CephError): void;
  timer?: TimerHandle;
}

/** What the linger (watch/notify) layer hears from the Objecter. */
export interface ObjecterEvents {
  watchNotify?(m: MWatchNotify, con: Connection): void;
  mapChanged?(m: OSDMap): void;
  sessionReset?(osd: number): void;
}

/** A CephError for a negative errno from an OSD (`result` < 0). */
export function osdError(result: number, what: string): CephError {
  return new CephError(errnoName(result), -result, `${what}: (${-result}) ${strerror(result)}`);
}

/**
 * The Objecter (src/osdc/Objecter.cc): the client side of RADOS. It keeps the OSDMap current (from
 * the monitor's subscription and from OSDs that share newer maps), sends each op to the acting
 * primary of its PG over an OSD session authenticated with the MonClient's cephx tickets, and
 * resends when a new map moves the PG (_scan_requests), when the session resets, on EAGAIN and on a
 * redirect. Replies are matched by tid and retry attempt, so a late or duplicate reply is dropped.
 * MOSDBackoff holds the ops of a blocked PG until the OSD unblocks it. The targeting decisions are
 * the pure core/target.ts; this class only carries them out.
 */
export class Objecter implements Dispatcher {
  osdmap: OSDMap | undefined;
  readonly clock: Clock;
  readonly msgr: Messenger;
  private readonly monc: MonClient;
  private readonly ops = new Map<bigint, Op>();
  private readonly sessions = new Map<number, Connection>();
  private readonly backoffs = new Map<Connection, Map<bigint, MOSDBackoff>>();
  private readonly resendDelay = new Map<number, number>();
  private mapWaiters: { epoch: number; resolve(): void }[] = [];
  private lastTid = 0n;
  /** CRUSH answers per PG for the current map (core/target.ts). */
  private readonly placement = new PlacementCache();
  private stopped = false;
  private keepAlive: NodeJS.Timeout | undefined;
  events: ObjecterEvents = {};
  readonly opTimeoutMs: number;

  constructor(opts: ObjecterOptions) {
    this.monc = opts.monc;
    this.clock = opts.clock ?? realClock;
    this.opTimeoutMs = opts.opTimeoutMs ?? 0;
    this.msgr = new Messenger({
      entityType: EntityType.CLIENT,
      // The MonClient renews its provider per mon session: always use the current one's tickets.
      authClient: () => {
        const a = this.monc.authClient;
        if (!a) throw cephError('ENOTCONN', 'no authenticated mon session for OSD tickets');
        return a;
      },
      clock: this.clock,
      transports: opts.transports,
      defaultPolicy: Policies.lossyClient(),
      connectTimeoutMs: opts.connectTimeoutMs,
    });
    this.msgr.addDispatcher(this);
    this.monc.on('osdmap', (m) => this.handleOsdMap(m));
  }

  /** Start: the MonClient must be authenticated. Subscribes to the osdmap and waits for a first map. */
  async start(timeoutMs: number): Promise<void> {
    this.msgr.setMyGid(this.monc.globalId);
    this.monc.subscribe('osdmap', this.osdmap ? this.osdmap.epoch + 1 : 0, 0);
    await this.waitForEpoch(1, timeoutMs);
  }

  /** Resolve once we hold map `epoch` or newer (ETIMEDOUT after `timeoutMs`). */
  waitForEpoch(epoch: number, timeoutMs: number): Promise<void> {
    if ((this.osdmap?.epoch ?? 0) >= epoch) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const w = { epoch, resolve: () => (t.cancel(), resolve()) };
      const t = this.clock.setTimeout(() => {
        this.mapWaiters = this.mapWaiters.filter((x) => x !== w);
        reject(cephError('ETIMEDOUT', `no osdmap e${epoch} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.mapWaiters.push(w);
    });
  }

  /** Send `ops` to `target`'s primary; resolves with the OSD's reply, whatever its result. */
  submit(target: OpTarget, ops: OSDOp[], write: boolean, opts: SubmitOptions = {}): Promise<MOSDOpReply> {
    if (this.stopped) return Promise.reject(cephError('ESHUTDOWN', 'objecter is shut down'));
    const tid = ++this.lastTid;
    const flags = messageFlags(write, opts.flags ?? 0);
    return new Promise<MOSDOpReply>((resolve, reject) => {
      const op: Op = { tid, target: { ...target, flags }, state: undefined, ops, flags, attempts: 0, con: undefined, opts, resolve, reject };
      const timeoutMs = opts.timeoutMs ?? this.opTimeoutMs;
      if (timeoutMs > 0) op.timer = this.clock.setTimeout(() => this.finish(op, cephError('ETIMEDOUT', `op tid ${tid} on ${target.oid || 'pg'} timed out after ${timeoutMs} ms`)), timeoutMs);
      this.ops.set(tid, op);
      this.holdProcess();
      this.retarget(op, false);
    });
  }

  /** Ops not yet answered (for tests and status). */
  get inflight(): number {
    return this.ops.size;
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const op of [...this.ops.values()]) this.finish(op, cephError('ESHUTDOWN', 'objecter shut down'));
    await this.msgr.shutdown();
  }

  // ---- maps ----------------------------------------------------------------------------------------

  private handleOsdMap(msg: MOSDMap): void {
    if (this.stopped) return;
    let res;
    try {
      res = feedOSDMap(this.osdmap, msg);
    } catch (e) {
      log.dout(0, `ignoring an osdmap we cannot apply: ${(e as Error).message}`);
      return;
    }
    for (const m of res.maps) {
      this.osdmap = m;
      this.scanRequests(m);
    }
    if (res.missingFrom !== undefined) this.monc.subscribe('osdmap', res.missingFrom, 0);
    const epoch = this.osdmap?.epoch ?? 0;
    const ready = this.mapWaiters.filter((w) => w.epoch <= epoch);
    this.mapWaiters = this.mapWaiters.filter((w) => w.epoch > epoch);
    for (const w of ready) w.resolve();
  }

  /** Objecter::_scan_requests: drop sessions to OSDs now down or moved, then retarget every op. */
  private scanRequests(m: OSDMap): void {
    for (const [osd, con] of [...this.sessions]) {
      const addr = isUp(m, osd) ? osdAddr(m, osd) : undefined;
      if (addr && con.targetAddr && formatAddr(addr) === formatAddr(con.targetAddr)) continue;
      log.dout(10, `osd.${osd} is down or moved in e${m.epoch}: closing its session`);
      this.dropSession(osd, con);
    }
    for (const op of [...this.ops.values()]) this.retarget(op, true);
    this.events.mapChanged?.(m);
  }

  /** Recompute `op`'s target and send it if it must go (again). */
  private retarget(op: Op, anyChange: boolean): void {
    const m = this.osdmap;
    if (!m) return;
    const r = calcTarget(m, op.target, op.state, anyChange, this.placement);
    if (r.result === 'pool_dne') {
      this.finish(op, cephError('ENOENT', `pool ${op.target.pool} does not exist in osdmap e${m.epoch}`));
      return;
    }
    op.state = r.state;
    if (r.result === 'need_resend' || op.con === undefined) this.send(op);
  }

  // ---- sending -------------------------------------------------------------------------------------

  private send(op: Op): void {
    const st = op.state;
    if (!st || st.paused || st.osd < 0 || !this.osdmap) {
      op.con = undefined;
      return;
    }
    const con = this.session(st.osd);
    op.con = con;
    if (con === undefined || this.blocked(con, op)) return;
    const msg = buildMOSDOp({
      target: op.target,
      state: st,
      ops: op.ops,
      flags: op.flags,
      attempt: op.attempts++,
      epoch: this.osdmap.epoch,
      mtime: nowUTime(this.clock.wallNow()),
      features: CEPH_FEATURES_ALL,
      snapid: op.opts.snapid,
      snapc: op.opts.snapc,
    });
    log.dout(20, () => `send tid ${op.tid} to osd.${st.osd} pg ${st.actualPgid.pgid.pool}.${st.actualPgid.pgid.seed.toString(16)} attempt ${op.attempts - 1}`);
    con.send(messageTypes.build(MOSDOpCodec, msg, { tid: op.tid }));
  }

  /** The session to `osd` (opened on first use), or undefined when the map has no address for it. */
  private session(osd: number): Connection | undefined {
    const have = this.sessions.get(osd);
    if (have && have.state !== 'closed') return have;
    const addr = this.osdmap ? osdAddr(this.osdmap, osd) : undefined;
    if (!addr) return undefined;
    const con = this.msgr.connectTo(addr, EntityType.OSD);
    this.sessions.set(osd, con);
    return con;
  }

  private dropSession(osd: number, con: Connection): void {
    this.sessions.delete(osd);
    this.backoffs.delete(con);
    con.markDown();
    for (const op of this.ops.values()) if (op.con === con) op.con = undefined;
    this.events.sessionReset?.(osd);
  }

  /** Resend `op` from scratch after a growing delay (session resets, EAGAIN), so a sick OSD is not spun on. */
  private nextDelay(osd: number): number {
    const delay = Math.min(objecterLimits.resendDelayMsMax, (this.resendDelay.get(osd) ?? 25) * 2);
    this.resendDelay.set(osd, delay);
    return delay;
  }

  private resendLater(op: Op, delay: number): void {
    op.con = undefined;
    this.clock.setTimeout(() => {
      if (this.ops.get(op.tid) === op && op.con === undefined) this.retarget(op, false);
    }, delay);
  }

  /**
   * Keep the process alive while ops wait: our clock's timers do not (so an idle client can exit),
   * and an op waiting out an OSD restart may have no socket open at all.
   */
  private holdProcess(): void {
    if (this.ops.size && !this.keepAlive) this.keepAlive = setInterval(() => {}, 1 << 30);
    else if (!this.ops.size && this.keepAlive) {
      clearInterval(this.keepAlive);
      this.keepAlive = undefined;
    }
  }

  private finish(op: Op, result: MOSDOpReply | CephError): void {
    if (this.ops.get(op.tid) !== op) return;
    this.ops.delete(op.tid);
    op.timer?.cancel();
    this.holdProcess();
    if (result instanceof CephError) op.reject(result);
    else op.resolve(result);
  }

  // ---- replies -------------------------------------------------------------------------------------

  private handleReply(con: Connection, tid: bigint, reply: MOSDOpReply): void {
    const op = this.ops.get(tid);
    // A reply to an op already answered, or from a session the op has left: a duplicate.
    if (!op || op.con !== con) return;
    if (reply.retryAttempt >= 0 && reply.retryAttempt !== op.attempts - 1) {
      log.dout(10, `tid ${tid}: ignoring the reply to attempt ${reply.retryAttempt} (last sent ${op.attempts - 1})`);
      return;
    }
    if (op.state) this.resendDelay.delete(op.state.osd);
    if (reply.redirect) {
      const l = reply.redirect.locator;
      op.target = { ...op.target, pool: l.pool, nspace: l.nspace, key: l.key, locHash: l.hash, oid: reply.redirect.object || op.target.oid };
      op.state = undefined;
      this.retarget(op, false);
      return;
    }
    if (reply.result === -Errno.EAGAIN) {
      // A replica or a PG that is not ready yet: send again to the primary the map names.
      const delay = this.nextDelay(op.state?.osd ?? -1);
      op.state = undefined;
      this.resendLater(op, delay);
      return;
    }
    this.finish(op, reply);
  }

  /** MOSDBackoff: BLOCK holds the PG's ops on this session (acked), UNBLOCK sends them again. */
  private handleBackoff(con: Connection, m: MOSDBackoff): void {
    let mine = this.backoffs.get(con);
    if (!mine) this.backoffs.set(con, (mine = new Map()));
    if (m.op === CephOsdBackoffOp.BLOCK) {
      mine.set(m.id, m);
      con.send(messageTypes.build(MOSDBackoffCodec, { ...m, op: CephOsdBackoffOp.ACK_BLOCK }));
      return;
    }
    if (m.op !== CephOsdBackoffOp.UNBLOCK) return;
    mine.delete(m.id);
    for (const op of this.ops.values()) {
      const pg = op.state?.actualPgid.pgid;
      if (op.con === con && pg && pg.pool === m.pgid.pgid.pool && pg.seed === m.pgid.pgid.seed) this.send(op);
    }
  }

  /**
   * A backoff covers the op's PG. Ceph compares the object with the [begin, end) hobject range; we
   * hold the whole PG, which holds a few more ops than needed until the UNBLOCK.
   */
  private blocked(con: Connection, op: Op): boolean {
    const pg = op.state?.actualPgid.pgid;
    for (const b of this.backoffs.get(con)?.values() ?? []) if (pg && b.pgid.pgid.pool === pg.pool && b.pgid.pgid.seed === pg.seed) return true;
    return false;
  }

  // ---- Dispatcher ----------------------------------------------------------------------------------

  msDispatch(con: Connection, msg: CephMessage, payload: unknown): void {
    switch (msg.type) {
      case CEPH_MSG_OSD_OPREPLY:
        return this.handleReply(con, msg.tid, payload as MOSDOpReply);
      case CEPH_MSG_OSD_MAP:
        return this.handleOsdMap(payload as MOSDMap);
      case CEPH_MSG_WATCH_NOTIFY:
        return this.events.watchNotify?.(payload as MWatchNotify, con);
      case CEPH_MSG_OSD_BACKOFF:
        return this.handleBackoff(con, payload as MOSDBackoff);
      default:
        log.dout(10, `ignoring ${messageTypes.name(msg.type)} from an OSD`);
    }
  }

  msHandleReset(con: Connection, error: CephError): void {
    for (const [osd, c] of this.sessions) {
      if (c !== con) continue;
      log.dout(1, `session to osd.${osd} reset: ${error.message}`);
      const held = [...this.ops.values()].filter((op) => op.con === con);
      this.dropSession(osd, con);
      // Objecter::ms_handle_reset → _reopen_session + kick_requests: every op of the session goes again.
      const delay = this.nextDelay(osd);
      for (const op of held) this.resendLater(op, delay);
      return;
    }
  }
}

/** The OSD's msgr2 public address in `m`. */
export function osdAddr(m: OSDMap, osd: number): EntityAddr | undefined {
  return m.osdAddrs.client[osd]?.find((a) => a.type === AddrType.MSGR2);
}

function nowUTime(ms: number): { sec: number; nsec: number } {
  return { sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1e6 };
}
