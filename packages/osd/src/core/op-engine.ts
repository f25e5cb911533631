import { EBLOCKLISTED, Errno } from '@ts-ceph/common/core';
import { EntityAddr, EntityNameT, UTime, formatAddr } from '@ts-ceph/denc';
import { EversionT, OsdReqidT } from '@ts-ceph/maps';
import {
  CephOsdFlag,
  CephOsdOp,
  CephOsdWatchOp,
  opWatch,
  MOSDOp,
  MOSDOpReply,
  OSDOp,
  mOSDOpReplyFor,
  setEnoentReplyVersions,
  setReplyVersions,
  CEPH_OSD_OP_TYPE,
  CEPH_OSD_OP_TYPE_PG,
} from '@ts-ceph/messages';
import { CEPH_NOSNAP, CEPH_SNAPDIR, GHObject, Transaction, ghobject } from '@ts-ceph/objectstore/interface';
import { SnapSetT, newSnapSet } from '@ts-ceph/maps';
import { OI_FLAG, newObjectInfo } from './object-info';
import { findSnapObject, headAttrs, loadSnapSet, makeWriteable, opSnapContext } from './snaps';
import { snapContextValid } from './snap-context';
import { pgList, pgListOps } from './pg-list';
import { loadObjectStateIn } from './object-info';
import { ObjectState, OpContext, OpOrigin, OpPool, StoreReader } from './op-context';
import { ObcEntry, ObjectContextCache, obcKey, takeSnapSet } from './obc-cache';
import { OpSession, hasCaps, objectNameCheck, resolveCalls, snapOpCheck } from './op-checks';
import { OpsRan, isWrite, runOps } from './op-run';
import { PG, PgLogDup, PgLogEntry, PgLogOp } from './pg';

export type { OpSession };

/** Named limits of the op engine (docs/LIMITS.md). */
export const osdOpEngineLimits = {
  /** osd_max_write_op_reply_len: bytes per op a RETURNVEC write returns (and the log keeps). */
  writeOpReplyBytesMax: 32,
};


/** Where and when an op runs: the map epoch, the time, the pool, the client. */
export interface OpEnv {
  epoch: number;
  now: UTime;
  pool: OpPool | undefined;
  session: OpSession;
  origin: OpOrigin;
  /** Log lines (the driver's logger). */
  log?: (level: number, msg: string) => void;
  /**
   * The client's session as the driver knows it (its connection), opaque to the core: watch and
   * notify effects hand it back to the driver so events reach the right client.
   */
  client?: unknown;
  /** The OSD's live watches and notifies (core/watch.ts); without it watch/notify ops are -EOPNOTSUPP. */
  watches?: import('./watch').WatchRegistry;
  /** Finds a copy-from source object on this OSD (ops/copy.ts); without it copy-from is -EOPNOTSUPP. */
  copySource?: import('./ops/copy').CopySourceLocator;
  /** The OSD is past osd_failsafe_full_ratio (core/full-state.ts): refuse writes that add data. */
  failsafeFull?: boolean;
  /** CEPH_OSD_OP_SCRUBLS over the PG's last scrub (core/peering/scrub-ls.ts); without it -EOPNOTSUPP. */
  scrubLs?: (arg: Uint8Array) => { result: number; out: Buffer };
  /**
   * The PG's object contexts (core/obc-cache.ts), given by a caller that keeps them true (rep-ops.ts
   * invalidates on every queued transaction): a head write finds the object's info and SnapSet
   * there and runs without reading the store. Without it every op reads the store.
   */
  obc?: ObjectContextCache;
  /**
   * OSDMap::is_blocklisted of the PG's map (PgMapping.isBlocklisted): a fenced client's ops are
   * refused with -EBLOCKLISTED before they run. Absent: nobody is blocklisted.
   */
  isBlocklisted?: (addr: EntityAddr) => boolean;
}

/**
 * The env of one run of a client op: the driver's part (`e`) with the PG's epoch, object contexts
 * and blocklist, every field named, so every op's env has one hidden class. A spread
 * (`{ ...e, epoch, obc, isBlocklisted }`) made V8 build three new maps for every op (a clone's map
 * keeps no transitions): each function reading the env went megamorphic, and the maps stayed in
 * old space until a major GC (bench/osd-profile.md "Map churn per op"). The key list is typed so a
 * field added to OpEnv and not named here fails to compile.
 */
export function pgRunEnv(e: Omit<OpEnv, 'epoch'>, epoch: number, obc: ObjectContextCache | undefined, isBlocklisted: ((addr: EntityAddr) => boolean) | undefined): OpEnv {
  const env: { [K in keyof Required<OpEnv>]: OpEnv[K] | undefined } = {
    epoch,
    now: e.now,
    pool: e.pool,
    session: e.session,
    origin: e.origin,
    log: e.log,
    client: e.client,
    watches: e.watches,
    copySource: e.copySource,
    failsafeFull: e.failsafeFull,
    scrubLs: e.scrubLs,
    obc,
    isBlocklisted,
  };
  return env as OpEnv;
}

/**
 * The outcome of one MOSDOp: the reply, and for a write op the transaction (data, object info,
 * PG log entry and info together) whose commit must come before the reply is sent. `dupOf` names
 * the logged version of a resent write: the driver replies once that version is durable.
 */
export interface OpOutcome {
  reply: MOSDOpReply;
  t?: Transaction;
  entry?: PgLogEntry;
  dupOf?: EversionT;
  /**
   * do_osd_op_effects: what to do once the op is done (after the commit for a write, at once for a
   * read): watch connects and disconnects, notifies. The driver runs them in order.
   */
  effects?: (() => void)[];
  /**
   * The head's context as this write leaves it, for the caller to put into `env.obc` once the
   * transaction is queued (after the queue's invalidation): the next write to it reads nothing.
   */
  obc?: { key: string; entry: ObcEntry };
}

/** OpInfo::set_from_op: a watch PING is not a write (no log entry; it is never resent). */
const isWriteOp = (o: OSDOp): boolean => isWrite(o.op) && !(o.op === CephOsdOp.WATCH && opWatch(o).op === CephOsdWatchOp.PING);
const isPgOp = (op: number): boolean => (op & CEPH_OSD_OP_TYPE) === CEPH_OSD_OP_TYPE_PG;
const errno = (e: number): number => -e;

/** The ghobject_t of a client object: the head (CEPH_NOSNAP) in the op's pool, with the client's hash. */
export function opObject(req: MOSDOp): GHObject {
  return ghobject({ pool: req.oloc.pool, nspace: req.oloc.nspace, key: req.oloc.key, name: req.oid, hash: req.hash >>> 0, snap: CEPH_NOSNAP });
}

/**
 * MOSDOp::get_reqid: librados leaves the reqid empty, and it is then the sender's entity name with
 * the header tid (watchers are keyed by it, notifies carry it as the notifier id, resends match it).
 */
export function opReqid(req: MOSDOp, sender: EntityNameT | undefined, tid: bigint): OsdReqidT {
  const r = req.reqid;
  // client_inc is a u32 on the wire and osd_reqid_t's inc an s32: MOSDOp::get_reqid casts it.
  return r.tid === 0n && r.name.type === 0 && r.name.num === 0 && sender ? { name: sender, tid, inc: req.clientInc | 0 } : r;
}

/** OSDService::reply_op_error: the request's ops without data, versions v and uv. */
export function replyOpError(req: MOSDOp, err: number, epoch: number, v: EversionT = { epoch: 0, version: 0n }, uv = 0n): MOSDOpReply {
  const r = mOSDOpReplyFor(req, err, epoch);
  setReplyVersions(r, v, uv);
  return r;
}

/**
 * OpInfo::may_write: the op writes (a write op, or a class method that writes). A call to an unknown
 * class counts as a read (it fails without writing).
 */
export function opMayWrite(req: MOSDOp): boolean {
  if (req.ops.some(isWriteOp)) return true;
  if (!req.ops.some((o) => o.op === CephOsdOp.CALL)) return false;
  const classes = resolveCalls(req);
  return typeof classes !== 'number' && classes.some((c) => c.write);
}

/** The object as the store has it (ObjectContext): existence and its object info. */
export function loadObjectState(store: StoreReader, pg: PG, o: GHObject): Promise<ObjectState> {
  return loadObjectStateIn(store, pg.coll, o);
}

/**
 * Execute one client MOSDOp on a PG this OSD is primary of (PrimaryLogPG::do_op → execute_ctx →
 * do_osd_ops → finish_ctx). Pure with respect to I/O other than reads through `store`: writes come
 * back as a Transaction holding the data, the object info and the PG log entry. Never throws for bad
 * input: misdirected ops get -ENXIO, missing caps -EPERM, unknown op codes -EOPNOTSUPP.
 */
export function executeOp(store: StoreReader, pg: PG | undefined, req: MOSDOp, env: OpEnv): OpOutcome | Promise<OpOutcome> {
  const { pool, epoch } = env;
  if (!pg || !pool || req.pgid.pgid.pool !== pg.pgid.pool || req.pgid.pgid.seed !== pg.pgid.seed || req.oloc.pool !== pg.pgid.pool) {
    return { reply: replyOpError(req, errno(Errno.ENXIO), epoch) };
  }
  const classes = resolveCalls(req);
  if (typeof classes === 'number') return { reply: replyOpError(req, classes, epoch) };
  if (!hasCaps(req, env.session, pool, classes)) return { reply: replyOpError(req, errno(Errno.EPERM), epoch) };
  if (pool.erasure) {
    env.log?.(1, `refusing I/O on erasure-coded pool ${pool.name}: the EC data path is not implemented (docs/LIMITS.md)`);
    return { reply: replyOpError(req, errno(Errno.EOPNOTSUPP), epoch) };
  }
  if (req.ops.length === 0) return { reply: replyOpError(req, errno(Errno.EINVAL), epoch) };
  if (req.ops.some((o) => isPgOp(o.op))) return pgOp(store, req, pg, pool, epoch, env.scrubLs).then((reply) => ({ reply }));
  const badName = objectNameCheck(req);
  if (badName) return { reply: replyOpError(req, badName, epoch) };
  // do_op: a blocklisted client (a lock owner declared dead) must not change or read anything more.
  if (env.isBlocklisted?.(env.origin.addr)) {
    env.log?.(10, `do_op ${formatAddr(env.origin.addr)} is blocklisted`);
    return { reply: replyOpError(req, -EBLOCKLISTED, epoch) };
  }

  const mayWrite = req.ops.some(isWriteOp) || classes.some((c) => c.write);
  const bad = snapOpCheck(req, mayWrite);
  if (bad) return { reply: replyOpError(req, bad, epoch) };
  if (mayWrite) {
    const dup = pg.findRequest(req.reqid);
    if (dup) return { reply: dupReply(req, dup, epoch), dupOf: dup.version };
  }
  // get_object_context: a head the PG has in its object contexts costs no store read (and, with
  // handlers that read nothing either, no promise); a write that misses loads it and fills them.
  if (env.obc && req.snapid === CEPH_NOSNAP) {
    const head = opObject(req);
    const key = obcKey(head)!;
    const hit = env.obc.get(key);
    if (hit) return execute(store, pg, req, env, mayWrite, { oid: hit.oid, before: hit.state }, mayWrite ? takeSnapSet(hit.snapset) : undefined, key);
    if (mayWrite) return loadHead(store, pg, req, env, head, key);
  }
  return opTarget(store, pg, req, pool).then(async (target) => {
    if (typeof target === 'number') return { reply: replyOpError(req, target, epoch) };
    const { oid, before } = target;
    const load = before.exists && (mayWrite || req.snapid === CEPH_SNAPDIR);
    return execute(store, pg, req, env, mayWrite, target, load ? await loadSnapSet(store, pg.coll, oid) : undefined);
  });
}

/** A head write that missed the object contexts: the store's answer, kept for the next write. */
async function loadHead(store: StoreReader, pg: PG, req: MOSDOp, env: OpEnv, head: GHObject, key: string): Promise<OpOutcome> {
  const obc = env.obc!;
  const generation = obc.generation;
  const before = await loadObjectState(store, pg, head);
  const snapset = before.exists ? await loadSnapSet(store, pg.coll, head) : newSnapSet();
  obc.fill(key, generation, { oid: head, state: before, snapset });
  return execute(store, pg, req, env, true, { oid: head, before }, takeSnapSet(snapset), key);
}

/**
 * do_op once the object is known: the op context, the snap checks of a write, the ops, and
 * finish_ctx. `snapset` is the head's (a private copy), loaded for writes and CEPH_SNAPDIR reads.
 * Synchronous when every handler is; `key` names the head in `env.obc` for the write's outcome.
 */
function execute(store: StoreReader, pg: PG, req: MOSDOp, env: OpEnv, mayWrite: boolean, target: { oid: GHObject; before: ObjectState }, snapset: SnapSetT | undefined, key?: string): OpOutcome | Promise<OpOutcome> {
  const { epoch, pool } = env;
  const { oid, before } = target;
  // do_op answers a read of a missing object with reply_ctx(-ENOENT): no versions (librados'
  // get_last_version then reads 0), unlike an ENOENT met while executing the ops.
  if (!mayWrite && (!before.exists || (req.snapid !== CEPH_SNAPDIR && before.oi.flags & OI_FLAG.WHITEOUT))) {
    return { reply: replyOpError(req, errno(Errno.ENOENT), epoch) };
  }
  const atVersion = pg.nextVersion(epoch);
  const ctx = new OpContext(store, pg.coll, oid, req, before, { now: env.now, epoch, pool: pool!, origin: env.origin, atVersion, reqid: req.reqid, client: env.client, pg, watches: env.watches, copySource: env.copySource });
  if (mayWrite || req.snapid === CEPH_SNAPDIR) ctx.snapset = snapset ?? newSnapSet();
  if (mayWrite) {
    ctx.snapc = opSnapContext(req, pool!, pg.info.purgedSnaps);
    // ORDERSNAP: the client asks to fail rather than write with a SnapContext older than the object's.
    if (req.flags & CephOsdFlag.ORDERSNAP && ctx.snapc.seq < ctx.snapset.seq) return { reply: replyOpError(req, errno(Errno.EOLDSNAPC), epoch) };
    if (!snapContextValid(ctx.snapc)) return { reply: replyOpError(req, errno(Errno.EINVAL), epoch) };
  }
  const ran = runOps(ctx, env.log);
  if (ran instanceof Promise) return ran.then((r) => finishCached(ctx, pg, r, env, mayWrite, key));
  return finishCached(ctx, pg, ran, env, mayWrite, key);
}

/** find_object_context: the head (also for CEPH_SNAPDIR), or the object serving a read at a snap. */
async function opTarget(store: StoreReader, pg: PG, req: MOSDOp, pool: OpPool): Promise<{ oid: GHObject; before: ObjectState } | number> {
  const head = opObject(req);
  const load = (o: GHObject) => loadObjectState(store, pg, o);
  if (req.snapid === CEPH_NOSNAP || req.snapid === CEPH_SNAPDIR) return { oid: head, before: await load(head) };
  const t = await findSnapObject(store, pg.coll, head, req.snapid, pool.snaps?.removed, load);
  return typeof t === 'number' ? t : { oid: t.oid, before: t.state };
}

/** finish_ctx, and the head's context as a write leaves it, for the PG's object contexts. */
function finishCached(ctx: OpContext, pg: PG, ran: OpsRan, env: OpEnv, mayWrite: boolean, key: string | undefined): OpOutcome {
  const out = finish(ctx, pg, ran, env, mayWrite);
  // Only a write that changed the object: a failed or no-op vector leaves the cached context as
  // it was (its transaction holds the PG log alone), and the SnapSet copy may be half changed.
  if (key !== undefined && out.t && out.entry && out.entry.op !== PgLogOp.ERROR) {
    const gone = !ctx.obs.exists;
    const state: ObjectState = gone ? { exists: false, oi: newObjectInfo() } : { exists: true, oi: ctx.obs.oi };
    out.obc = { key, entry: { oid: ctx.oid, state, snapset: gone ? newSnapSet() : ctx.snapset } };
  }
  return out;
}

/** execute_ctx's tail and finish_ctx: the reply, and for writes the log entry, object info and transaction. */
function finish(ctx: OpContext, pg: PG, ran: OpsRan, env: OpEnv, mayWrite: boolean): OpOutcome {
  const { req } = ctx;
  const { result, outs } = ran;
  const reply = mOSDOpReplyFor(req, result, env.epoch);
  const returnVec = (req.flags & CephOsdFlag.RETURNVEC) !== 0;
  const wrote = result >= 0 && mayWrite && (ctx.t.length > 0 || ctx.modify);

  // The full pool: writes that add data are refused (FULL_TRY) or dropped (librados pauses them).
  if (wrote && env.pool?.full && ctx.bytesAdded > 0 && !(req.flags & CephOsdFlag.FULL_FORCE)) {
    return { reply: replyOpError(req, errno(env.pool.fullQuota ? Errno.EDQUOT : Errno.ENOSPC), env.epoch) };
  }
  // At the failsafe ratio the OSD refuses every write but a delete, which goes through so an
  // operator can make room. Ceph drops these ops unanswered (do_op's check_failsafe_full); we
  // answer ENOSPC so no client waits forever.
  if (wrote && env.failsafeFull && ctx.obs.exists) {
    env.log?.(10, `failsafe full: refusing ${req.oid} with ENOSPC`);
    return { reply: replyOpError(req, errno(Errno.ENOSPC), env.epoch) };
  }
  if (!mayWrite) {
    // complete_read_ctx: data and rvals, the object's user version; an error leaves the reply's
    // versions at zero but for ENOENT, which gives the PG's as a floor for the next user version.
    // The ops before a failed one keep their data (a stat then a failed cmpext: librados fills the
    // stat's size, as a real OSD's reply lets it).
    reply.ops = outs;
    if (result === errno(Errno.ENOENT)) setEnoentReplyVersions(reply, pg.info.lastUpdate, pg.info.lastUserVersion);
    else if (result >= 0) setReplyVersions(reply, { epoch: 0, version: 0n }, ctx.before.oi.userVersion);
    return { reply, effects: result >= 0 ? ctx.effects : [] };
  }

  let at = ctx.env.atVersion;
  if (result < 0 || !wrote) return updateLogOnly(ctx, pg, reply, outs, result, env.epoch);

  let replyResult = 0;
  if (returnVec) {
    for (const o of outs) {
      if (o.data.length > osdOpEngineLimits.writeOpReplyBytesMax) {
        replyResult = errno(Errno.EOVERFLOW);
        o.rval = replyResult;
        o.data = Buffer.alloc(0);
      }
    }
    reply.ops = outs;
  } else {
    // A write's reply carries no out data; `outs` are this op's own copies, emptied in place.
    for (const o of outs) if (o.data.length) o.data = Buffer.alloc(0);
    reply.ops = outs;
  }
  reply.result = replyResult;

  // make_writeable: the clone (if this is the first write after a snap) comes before the op's own ops.
  const clone = makeWriteable(ctx, at);
  const t = clone ? clone.t.append(ctx.t) : ctx.t;
  if (clone) at = { epoch: at.epoch, version: at.version + 1n };
  const oi = ctx.obs.oi;
  let uv = ctx.userAtVersion ?? ctx.before.oi.userVersion;
  if (ctx.userModify) {
    uv = (pg.info.lastUserVersion > oi.userVersion ? pg.info.lastUserVersion : oi.userVersion) + 1n;
    if (at.version > uv) uv = at.version;
    oi.userVersion = uv;
  }
  if (ctx.obs.exists) {
    oi.priorVersion = ctx.before.oi.version;
    oi.version = at;
    oi.lastReqid = req.reqid;
    if (!ctx.keepMtime && (req.mtime.sec !== 0 || req.mtime.nsec !== 0)) {
      oi.mtime = req.mtime;
      oi.localMtime = env.now;
    }
    t.setattrs(ctx.coll, ctx.oid, headAttrs(oi, ctx.oid, ctx.snapset));
  }
  const entry: PgLogEntry = {
    op: ctx.obs.exists ? PgLogOp.MODIFY : PgLogOp.DELETE,
    soid: ctx.oid,
    version: at,
    priorVersion: ctx.before.oi.version,
    reqid: req.reqid,
    mtime: ctx.keepMtime ? { sec: 0, nsec: 0 } : req.mtime,
    returnCode: returnVec ? replyResult : 0,
    userVersion: uv,
    opReturns: returnVec ? outs.map((o) => ({ rval: o.rval, data: o.data })) : [],
  };
  if (clone) pg.append(clone.entry, t, env.epoch);
  pg.append(entry, t, env.epoch);
  setReplyVersions(reply, at, uv);
  return { reply, t, entry, effects: ctx.effects };
}

/**
 * execute_ctx with update_log_only: a write vector that failed, or that changed nothing (truncate or
 * zero past the end, only assertions, a watch reconnect), is not applied, but record_write_error
 * logs an ERROR entry at the PG's next version, so a resent op gets the same answer and the next
 * write's user version (never below its PG version) moves past it. The reply carries that version
 * and the object's user version, or the ENOENT floor; a no-op's out data and effects stand.
 */
function updateLogOnly(ctx: OpContext, pg: PG, reply: MOSDOpReply, outs: MOSDOpReply['ops'], result: number, epoch: number): OpOutcome {
  const at = ctx.env.atVersion;
  reply.ops = result < 0 ? outs.map((o) => ({ ...o, data: Buffer.alloc(0) })) : outs;
  setReplyVersions(reply, at, ctx.userAtVersion ?? ctx.before.oi.userVersion);
  // set_enoent_reply_versions comes before record_write_error appends the entry.
  if (result === errno(Errno.ENOENT)) setEnoentReplyVersions(reply, pg.info.lastUpdate, pg.info.lastUserVersion);
  const t = new Transaction();
  const entry: PgLogEntry = { op: PgLogOp.ERROR, soid: ctx.oid, version: at, priorVersion: { epoch: 0, version: 0n }, reqid: ctx.req.reqid, mtime: { sec: 0, nsec: 0 }, returnCode: result, userVersion: 0n, opReturns: [] };
  pg.append(entry, t, epoch);
  return { reply, t, entry, effects: result >= 0 ? ctx.effects : [] };
}

/** reply_op_error for a resent write: the recorded result and versions (and op returns). */
function dupReply(req: MOSDOp, d: PgLogEntry | PgLogDup, epoch: number): MOSDOpReply {
  const r = mOSDOpReplyFor(req, d.returnCode, epoch);
  setReplyVersions(r, d.version, d.userVersion);
  if ('opReturns' in d && d.opReturns.length === r.ops.length) {
    d.opReturns.forEach((x, i) => {
      r.ops[i]!.rval = x.rval;
      r.ops[i]!.data = x.data;
    });
  }
  return r;
}

/**
 * PrimaryLogPG::do_pg_op: a vector of PG ops (pgnls, pgls and their filters, scrubls; others -EOPNOTSUPP). The reply carries the
 * PG's last_update / last_user_version, and pgnls's rval (1 at the end of the PG) as its result.
 */
async function pgOp(store: StoreReader, req: MOSDOp, pg: PG, pool: OpPool, epoch: number, scrubLs: OpEnv['scrubLs']): Promise<MOSDOpReply> {
  const reply = mOSDOpReplyFor(req, 0, epoch);
  let result = 0;
  for (let i = 0; i < req.ops.length && result >= 0; i++) {
    const op = req.ops[i]!;
    const out = reply.ops[i]!;
    if (op.op === CephOsdOp.SCRUBLS && scrubLs) {
      const a = scrubLs(op.data);
      out.data = a.out;
      result = a.result;
    } else result = pgListOps.has(op.op) ? await pgList(store, pg, pool.pgNum, req.oloc.nspace, req.snapid, op, out) : errno(Errno.EOPNOTSUPP);
    out.rval = result;
  }
  reply.result = result;
  setReplyVersions(reply, pg.info.lastUpdate, pg.info.lastUserVersion);
  return reply;
}
