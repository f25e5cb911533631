import { assert } from '@ts-ceph/common/core';
import { EversionT } from '@ts-ceph/maps';
import { MOSDOpReply } from '@ts-ceph/messages';
import { ghobjectEquals } from '@ts-ceph/objectstore/interface';
import { OpOutcome, executeOp, opMayWrite, opObject, pgRunEnv } from '../op-engine';
import { decodeLogEntry, evCmp, evKeyName } from '../pg';
import { oidKey } from './log-merge';
import { PeerRepOp } from './messages';
import { evFrom, evOf } from './messages';
import { PeeringPG } from './peering-pg';
import { recoverFirst } from './recovery';
import { RepGather, RepState } from './rep-state';
import { decodeTransaction, encodeTransaction } from './txn-codec';
import { ClientOp, InternalOp, InternalRefusal, PgOp, isInternal } from './types';

/** Named limits of replication (docs/LIMITS.md). */
export const repOpLimits = {
  /** RepOps a replica holds while their predecessor is still on its way; more are dropped (resent). */
  bufferedMax: 1024,
  /** Acknowledged entries at the front of a replica's owed acks before the array is compacted. */
  ackCompactAt: 256,
};

/** A client op for this PG (PrimaryLogPG::do_request): served when active, else it waits. */
export function handleOp(p: PeeringPG, op: ClientOp): Promise<void> | void {
  if (!p.mapping) return;
  if (p.mapping.primary !== p.whoami) {
    // An op sent with a map this PG has not reached yet waits for it (op_must_wait_for_map): that
    // map may make us the primary, and the client, whose map already names us, would not resend.
    // Other misdirected ops are dropped: the client resends with the map naming the right primary.
    if (op.req.osdmapEpoch > p.mapping.epoch) p.waitingForMap.push(op);
    return;
  }
  if (p.phase !== 'active' || p.rep.peeredOnly) {
    p.waitingForActive.push(op);
    return;
  }
  return dispatch(p, op);
}

/**
 * Run an op once its object lets it (PrimaryLogPG::do_op's object context and locks): ops on one
 * object run in arrival order; writes are pipelined (each gets its version and log entry now and
 * goes to the replicas at once, without waiting for the earlier ones' commits), a read waits until
 * every write in flight on its object is durable on every copy, and nothing runs on an object that
 * is missing on some copy (recovered first) or held by a scrub chunk.
 */
export function dispatch(p: PeeringPG, op: PgOp): Promise<void> | void {
  const r = p.rep;
  const internal = isInternal(op);
  const key = oidKey(internal ? op.oid : opObject(op.req));
  const missing = p.ownMissing.has(key) || peerLacks(p, key);
  if (missing || mustWait(p, key, op)) {
    const q = r.objWaiting.get(key) ?? [];
    q.push(op);
    r.objWaiting.set(key, q);
    if (missing) return recoverFirst(p, key);
    if (r.unapplied.has(key)) kickAfterTake(p, key);
    return;
  }
  if (internal) return runInternal(p, op, key);
  const prev = p.pg.info.lastUpdate;
  // With the PG's object contexts a write to an object it has just written runs synchronously.
  const out = executeOp(p.store, p.pg, op.req, pgRunEnv(op.env, p.mapping!.epoch, p.pg.obc, p.mapping!.isBlocklisted));
  if (out instanceof Promise) return out.then((o) => executed(p, op, key, prev, o));
  return executed(p, op, key, prev, out);
}

function executed(p: PeeringPG, op: ClientOp, key: string, prev: EversionT, out: OpOutcome): void {
  if (out.t && out.entry) return startRepGather(p, op, key, prev, out, undefined);
  // A write that logged nothing (an error, or a resent write found in the log) may answer for
  // writes still in flight on its object: its reply follows theirs (waiting_for_ondisk).
  const last = p.rep.writing.get(key)?.last;
  if (last) last.after.push({ op, reply: out.reply, effects: out.effects });
  else reply(p, op, out.reply, out.effects);
}

/** Whether some replica lacks `key` (checked for every op: no array built for it). */
function peerLacks(p: PeeringPG, key: string): boolean {
  for (const m of p.peerMissing.values()) if (m.has(key)) return true;
  return false;
}

/** Whether an op on `key` must wait behind others (ObjectContext::RWState: writers share, readers wait). */
function mustWait(p: PeeringPG, key: string, op: PgOp): boolean {
  const r = p.rep;
  if (r.objWaiting.has(key) || r.busy.has(key) || r.unapplied.has(key)) return true;
  // An internal op is a write: it follows the writes in flight like a client's.
  return r.writing.has(key) && !isInternal(op) && !opMayWrite(op.req);
}

/** Whether anything holds `key` now (a write in flight, an op waiting, a scrub chunk): scrub skips it. */
export function objectBusy(p: PeeringPG, key: string): boolean {
  const r = p.rep;
  return r.busy.has(key) || r.writing.has(key) || r.unapplied.has(key) || r.objWaiting.has(key);
}

/** Answer a client op (with its effects after); an internal write (no op) has only its effects. */
function reply(p: PeeringPG, op: ClientOp | undefined, rep: MOSDOpReply | undefined, effects: (() => void)[] | undefined): void {
  if (op && rep) p.out.push({ kind: 'reply', op, reply: rep });
  if (effects?.length) p.out.push({ kind: 'effects', run: effects });
}

/** What held `key` whole (a scrub chunk, a recovery) is done: run the ops that waited for it. */
export async function release(p: PeeringPG, key: string): Promise<void> {
  p.rep.busy.delete(key);
  await kick(p, key);
}

/**
 * Try again the ops waiting on `key`, in order: those that still cannot run queue up again.
 * Nothing (no promise) when none waits: the common case after every write's commit and reply.
 */
function kick(p: PeeringPG, key: string): Promise<void> | void {
  const r = p.rep;
  const q = r.objWaiting.get(key);
  if (!q) return;
  r.objWaiting.delete(key);
  return redispatch(p, q);
}

/**
 * An op found its object written earlier in this same call (ops woken together: at a commit, at
 * activation): it can run once the driver has handed that transaction to the store, which it does
 * when it takes this call's outputs. Waiting for the write's commit instead let one object's queue
 * drain by one write per commit: under a deep queue (librbd's writearound keeps ~1 000 writes in
 * flight) a busy object fell seconds behind and held up every client write that overlapped it.
 */
function kickAfterTake(p: PeeringPG, key: string): void {
  const r = p.rep;
  if (r.kickAfterTake.size === 0) p.out.push({ kind: 'kick' });
  r.kickAfterTake.add(key);
}

/** The driver's answer to a `kick` output: the ops that waited for a transaction to reach the store try again. */
export async function kickWaiting(p: PeeringPG): Promise<void> {
  const keys = [...p.rep.kickAfterTake];
  p.rep.kickAfterTake.clear();
  for (const key of keys) await kick(p, key);
}

async function redispatch(p: PeeringPG, ops: readonly PgOp[]): Promise<void> {
  for (const op of ops) await dispatch(p, op);
}

/**
 * An internal write on the primary (PrimaryLogPG::simple_opc_submit: a snap trim, a watch
 * timeout), refused unless the PG is active and may write; else it runs in its object's order,
 * as a client write would (dispatch), and goes to the replicas as a RepOp.
 */
export async function submitInternal(p: PeeringPG, op: InternalOp): Promise<InternalRefusal | undefined> {
  if (!p.mapping || p.mapping.primary !== p.whoami) return 'not_primary';
  if (p.phase !== 'active' || p.rep.peeredOnly) return 'not_active';
  await dispatch(p, op);
  return undefined;
}

/** Build an internal write now that its object lets it run; one that writes nothing is done at once. */
async function runInternal(p: PeeringPG, op: InternalOp, key: string): Promise<void> {
  const prev = p.pg.info.lastUpdate;
  let t;
  try {
    t = await op.build(p.mapping!.epoch);
  } catch (e) {
    // A failed read (the store's error): the caller hears of it and tries again later.
    p.out.push({ kind: 'effects', run: [() => op.done(false)] });
    throw e;
  }
  const entry = p.pg.entries[p.pg.entries.length - 1];
  if (!t || !entry || evCmp(entry.version, prev) <= 0) {
    assert(!t, 'an internal write must append its log entries');
    p.out.push({ kind: 'effects', run: [() => op.done(true)] });
    return;
  }
  startRepGather(p, undefined, key, prev, { t, entry, effects: [() => op.done(true)] }, op);
}

/**
 * on_change for internal writes: the ones in flight or waiting are told they did not finish (the
 * new interval's peering decides whether a write in flight survives; the caller starts over).
 */
export function dropInternal(p: PeeringPG, old: RepState): void {
  const ops: InternalOp[] = [];
  for (const g of old.inflight.values()) if (g.internal) ops.push(g.internal);
  for (const q of old.objWaiting.values()) for (const op of q) if (isInternal(op)) ops.push(op);
  if (ops.length) p.out.push({ kind: 'effects', run: ops.map((op) => () => op.done(false)) });
}

/**
 * issue_repop: queue our transaction and send the write to every replica with the log entries it
 * adds (the replica writes its own PG log, so our log ops stay out of the shipped transaction).
 * `op` is the client op to answer, `internal` the primary's own write (one of the two).
 */
function startRepGather(p: PeeringPG, op: ClientOp | undefined, key: string, prev: EversionT, out: Pick<OpOutcome, 't' | 'entry' | 'effects' | 'obc'> & { reply?: MOSDOpReply }, internal: InternalOp | undefined): void {
  const r = p.rep;
  // The entries this op appended: the log is in version order, so they are its tail.
  const log = p.pg.entries;
  let first = log.length;
  while (first > 0 && evCmp(log[first - 1]!.version, prev) > 0) first--;
  const entries = log.slice(first);
  const tid = ++r.tid;
  const txn = encodeTransaction(out.t!, (o) => 'oid' in o && ghobjectEquals(o.oid, p.pg.meta));
  const g: RepGather = {
    tid,
    op,
    reply: out.reply,
    internal,
    key,
    version: out.entry!.version,
    msg: { type: 'repop', tid, prev: evOf(prev), entries: entries.map((e) => p.pg.takeEncoded(e)), txn: txn.ops, data: txn.data },
    waiting: new Set(p.replicas),
    local: false,
    replied: false,
    effects: out.effects ?? [],
    ticks: 0,
    after: [],
  };
  r.inflight.set(tid, g);
  r.repopQueue.push(g);
  const w = r.writing.get(key);
  if (w) {
    w.n++;
    w.last = g;
  } else r.writing.set(key, { n: 1, last: g });
  r.unapplied.add(key);
  // The replicas' copies go out first, as ReplicatedBackend::submit_transaction issues them before
  // queueing its own: a lone commit's journal write may hold this thread for the device's flush
  // (writeDsyncNow), and a RepOp sent after it would wait that long in the transport.
  for (const o of g.waiting) p.send(o, g.msg);
  p.queue(out.t!, () => {
    g.local = true;
    if (!g.replied && p.conf.bug?.ackBeforeReplica) {
      g.replied = true;
      reply(p, g.op, g.reply, g.effects);
    }
    // Ops that found the object unapplied waited for this: the store has had it since.
    const s = settle(p);
    return s ? s.then(() => kick(p, key)) : kick(p, key);
  });
  // After the queue's invalidation of the objects it touches: the head as this write leaves it.
  if (out.obc) p.pg.obc.put(out.obc.key, out.obc.entry);
}

/**
 * eval_repop: the writes durable on every copy leave the queue in version order, each answered
 * then (with the answers that waited for it); an object whose last write left lets its readers run.
 * Synchronous (no promise) unless an op waited on such an object.
 */
function settle(p: PeeringPG): Promise<void> | void {
  const r = p.rep;
  while (r.repopQueue.length) {
    const g = r.repopQueue[0]!;
    if (!g.local || g.waiting.size > 0) return;
    r.repopQueue.shift();
    r.inflight.delete(g.tid);
    if (!g.replied) {
      g.replied = true;
      reply(p, g.op, g.reply, g.effects);
    }
    for (const a of g.after) reply(p, a.op, a.reply, a.effects);
    const w = r.writing.get(g.key)!;
    if (--w.n > 0) continue;
    r.writing.delete(g.key);
    const k = kick(p, g.key);
    // The rest of the queue once the woken ops ran, as the loop would have gone on.
    if (k) return k.then(() => settle(p));
  }
}

/**
 * MOSDRepOpReply at the primary: `version` is durable on `from`, and with it every RepOp before it
 * (a replica applies them in log order), so one reply settles all of them: a reply lost on the
 * way, or one the replica folded into a later one (flushAcks), costs nothing.
 */
export function handleRepOpReply(p: PeeringPG, from: number, version: EversionT): Promise<void> | void {
  const r = p.rep;
  r.heard.add(from);
  const had = r.acked.get(from);
  if (had && evCmp(version, had) <= 0) return;
  r.acked.set(from, version);
  const q = r.repopQueue;
  let any = false;
  for (let i = firstAfter(q, had); i < q.length && evCmp(q[i]!.version, version) <= 0; i++) any = q[i]!.waiting.delete(from) || any;
  if (any) return settle(p);
}

/** The index of the first write in flight newer than `v` (the queue is in version order). */
function firstAfter(q: readonly RepGather[], v: EversionT | undefined): number {
  if (!v) return 0;
  let lo = 0;
  let hi = q.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (evCmp(q[mid]!.version, v) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Resend what replicas have not acknowledged (our peer links are lossy: the network may have lost
 * it). Only a RepOp that has waited a whole tick goes again, and only to a replica that has
 * acknowledged nothing since the last tick: one that is acknowledging is alive and applying in
 * log order, so it is behind, not missing anything, and a copy would only cost it a decode, a
 * duplicate check and another reply (under a deep queue, where RepOps wait longer than a tick,
 * resends had grown to two for every RepOp). A replica stuck behind a lost RepOp acknowledges
 * nothing more and gets it at the next tick.
 */
export function resendRepOps(p: PeeringPG): void {
  const r = p.rep;
  for (const g of r.inflight.values()) {
    if (g.ticks++ < 1) continue;
    for (const o of g.waiting) if (!r.heard.has(o)) p.send(o, g.msg);
  }
  r.heard.clear();
}

/**
 * MOSDRepOp at a replica (ReplicatedBackend::do_repop): apply in log order — a RepOp that does
 * not follow our log head waits for its predecessor; one we already have is acknowledged again
 * once durable. Our own PG log entries go into the same transaction as the data.
 */
export function applyRepOp(p: PeeringPG, from: number, msg: PeerRepOp): void {
  const r = p.rep;
  if (p.phase !== 'replica_active' || from !== p.mapping!.primary || msg.entries.length === 0) return;
  const entries = msg.entries.map(decodeLogEntry);
  const last = entries[entries.length - 1]!.version;
  if (evCmp(last, p.pg.info.lastUpdate) <= 0) return owe(p, from, msg.tid, last);
  const prev = evFrom(msg.prev);
  if (evCmp(prev, p.pg.info.lastUpdate) !== 0) {
    if (r.repBuffer.size < repOpLimits.bufferedMax) r.repBuffer.set(evKeyName(prev), { from, msg });
    return;
  }
  const t = decodeTransaction(msg.txn, msg.data);
  entries.forEach((e, i) => p.pg.append(e, t, p.mapping!.epoch, msg.entries[i]));
  r.acksOwed.push({ to: from, tid: msg.tid, version: last });
  p.queue(t, () => {
    if (evCmp(last, r.durable) > 0) r.durable = last;
    flushAcks(p);
  });
  const next = r.repBuffer.get(evKeyName(last));
  if (next) {
    r.repBuffer.delete(evKeyName(last));
    applyRepOp(p, next.from, next.msg);
  }
}

function owe(p: PeeringPG, to: number, tid: number, version: EversionT): void {
  // A resent RepOp we already have. Durable: answered now. Not yet: the ack owed for that RepOp
  // itself (every RepOp applied in this interval owes one until durable) answers for it, so no
  // second entry, which would also break the owed acks' log order.
  if (evCmp(version, p.rep.durable) <= 0) p.send(to, { type: 'repop_reply', tid, version: evOf(version) });
}

/**
 * Acknowledge what is durable now: one reply, for the newest version (it answers for the earlier
 * ones: handleRepOpReply), so a commit batch of many RepOps costs one reply. The owed
 * acks are in log order (RepOps apply in log order, and a resent one adds none: owe), so the
 * durable ones are a prefix: taken from the front, the ones still in flight
 * untouched (walking all of them on every commit was O(in flight) per commit under a deep queue).
 */
function flushAcks(p: PeeringPG): void {
  const r = p.rep;
  const q = r.acksOwed;
  const from = r.acksOwedHead;
  let end = from;
  while (end < q.length && evCmp(q[end]!.version, r.durable) <= 0) end++;
  if (end === from) return;
  // RepOps come from the interval's primary alone (applyRepOp) and RepState lives one interval:
  // every owed ack goes to the same OSD, and the newest durable one answers for the others.
  const newest = q[end - 1]!;
  p.send(newest.to, { type: 'repop_reply', tid: newest.tid, version: evOf(newest.version) });
  r.acksOwedHead = end;
  // The taken prefix goes once it is all of the array, or most of a long one.
  if (end === q.length) {
    q.length = 0;
    r.acksOwedHead = 0;
  } else if (end >= repOpLimits.ackCompactAt && end * 2 > q.length) {
    q.splice(0, end);
    r.acksOwedHead = 0;
  }
}
