import { EversionT } from '@ts-ceph/maps';
import { MOSDOpReply } from '@ts-ceph/messages';
import { ghobjectEquals } from '@ts-ceph/objectstore/interface';
import { OpOutcome, executeOp, opMayWrite, opObject } from '../op-engine';
import { decodeLogEntry, evCmp, evKeyName } from '../pg';
import { oidKey } from './log-merge';
import { PeerRepOp } from './messages';
import { evFrom, evOf } from './messages';
import { PeeringPG } from './peering-pg';
import { recoverFirst } from './recovery';
import { RepGather } from './rep-state';
import { decodeTransaction, encodeTransaction } from './txn-codec';
import { ClientOp } from './types';

/** Named limits of replication (docs/LIMITS.md). */
export const repOpLimits = {
  /** RepOps a replica holds while their predecessor is still on its way; more are dropped (resent). */
  bufferedMax: 1024,
};

/** A client op for this PG (PrimaryLogPG::do_request): served when active, else it waits. */
export async function handleOp(p: PeeringPG, op: ClientOp): Promise<void> {
  // Misdirected ops are dropped: the client resends with the map that names the right primary.
  if (!p.mapping || p.mapping.primary !== p.whoami) return;
  if (p.phase !== 'active' || p.rep.peeredOnly) {
    p.waitingForActive.push(op);
    return;
  }
  await dispatch(p, op);
}

/**
 * Run an op once its object lets it (PrimaryLogPG::do_op's object context and locks): ops on one
 * object run in arrival order; writes are pipelined (each gets its version and log entry now and
 * goes to the replicas at once, without waiting for the earlier ones' commits), a read waits until
 * every write in flight on its object is durable on every copy, and nothing runs on an object that
 * is missing on some copy (recovered first) or held by a scrub chunk.
 */
export async function dispatch(p: PeeringPG, op: ClientOp): Promise<void> {
  const r = p.rep;
  const key = oidKey(opObject(op.req));
  const missing = p.ownMissing.has(key) || [...p.peerMissing.values()].some((m) => m.has(key));
  if (missing || mustWait(p, key, op)) {
    const q = r.objWaiting.get(key) ?? [];
    q.push(op);
    r.objWaiting.set(key, q);
    if (missing) await recoverFirst(p, key);
    return;
  }
  const prev = p.pg.info.lastUpdate;
  const out = await executeOp(p.store, p.pg, op.req, { ...op.env, epoch: p.mapping!.epoch });
  if (out.t && out.entry) return startRepGather(p, op, key, prev, out);
  // A write that logged nothing (an error, or a resent write found in the log) may answer for
  // writes still in flight on its object: its reply follows theirs (waiting_for_ondisk).
  const last = r.writing.get(key)?.last;
  if (last) last.after.push({ op, reply: out.reply, effects: out.effects });
  else reply(p, op, out.reply, out.effects);
}

/** Whether an op on `key` must wait behind others (ObjectContext::RWState: writers share, readers wait). */
function mustWait(p: PeeringPG, key: string, op: ClientOp): boolean {
  const r = p.rep;
  if (r.objWaiting.has(key) || r.busy.has(key) || r.unapplied.has(key)) return true;
  return r.writing.has(key) && !opMayWrite(op.req);
}

/** Whether anything holds `key` now (a write in flight, an op waiting, a scrub chunk): scrub skips it. */
export function objectBusy(p: PeeringPG, key: string): boolean {
  const r = p.rep;
  return r.busy.has(key) || r.writing.has(key) || r.unapplied.has(key) || r.objWaiting.has(key);
}

function reply(p: PeeringPG, op: ClientOp, rep: MOSDOpReply, effects: (() => void)[] | undefined): void {
  p.out.push({ kind: 'reply', op, reply: rep });
  if (effects?.length) p.out.push({ kind: 'effects', run: effects });
}

/** What held `key` whole (a scrub chunk, a recovery) is done: run the ops that waited for it. */
export async function release(p: PeeringPG, key: string): Promise<void> {
  p.rep.busy.delete(key);
  await kick(p, key);
}

/** Try again the ops waiting on `key`, in order: those that still cannot run queue up again. */
async function kick(p: PeeringPG, key: string): Promise<void> {
  const r = p.rep;
  const q = r.objWaiting.get(key);
  if (!q) return;
  r.objWaiting.delete(key);
  for (const op of q) await dispatch(p, op);
}

/**
 * issue_repop: queue our transaction and send the write to every replica with the log entries it
 * adds (the replica writes its own PG log, so our log ops stay out of the shipped transaction).
 */
function startRepGather(p: PeeringPG, op: ClientOp, key: string, prev: EversionT, out: OpOutcome): void {
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
  p.queue(out.t!, async () => {
    g.local = true;
    if (!g.replied && p.conf.bug?.ackBeforeReplica) {
      g.replied = true;
      reply(p, g.op, g.reply, g.effects);
    }
    await settle(p);
    // Ops that found the object unapplied waited for this: the store has had it since.
    await kick(p, key);
  });
  for (const o of g.waiting) p.send(o, g.msg);
}

/**
 * eval_repop: the writes durable on every copy leave the queue in version order, each answered
 * then (with the answers that waited for it); an object whose last write left lets its readers run.
 */
async function settle(p: PeeringPG): Promise<void> {
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
    await kick(p, g.key);
  }
}

/** MOSDRepOpReply at the primary. */
export async function handleRepOpReply(p: PeeringPG, from: number, tid: number): Promise<void> {
  const g = p.rep.inflight.get(tid);
  if (g && g.waiting.delete(from)) await settle(p);
}

/**
 * Resend what replicas have not acknowledged (our peer links are lossy: the network may have lost
 * it). Only a RepOp that has waited a whole tick goes again: one sent just before the tick is most
 * likely still on its way or being committed, and doubling it costs every copy a decode, a
 * duplicate check and an extra acknowledgement (on a loaded machine, a fifth of all RepOps).
 */
export function resendRepOps(p: PeeringPG): void {
  for (const g of p.rep.inflight.values()) {
    if (g.ticks++ < 1) continue;
    for (const o of g.waiting) p.send(o, g.msg);
  }
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
  p.rep.acksOwed.push({ to, tid, version });
  flushAcks(p);
}

function flushAcks(p: PeeringPG): void {
  const r = p.rep;
  const keep: typeof r.acksOwed = [];
  for (const a of r.acksOwed) {
    if (evCmp(a.version, r.durable) <= 0) p.send(a.to, { type: 'repop_reply', tid: a.tid, version: evOf(a.version) });
    else keep.push(a);
  }
  r.acksOwed = keep;
}
