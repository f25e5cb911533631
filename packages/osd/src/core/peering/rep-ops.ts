import { EversionT } from '@ts-ceph/maps';
import { MOSDOpReply } from '@ts-ceph/messages';
import { ghobjectEquals } from '@ts-ceph/objectstore/interface';
import { OpOutcome, executeOp, opObject } from '../op-engine';
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

/** Run an op unless its object is busy (an earlier op in flight) or missing on some copy. */
export async function dispatch(p: PeeringPG, op: ClientOp): Promise<void> {
  const r = p.rep;
  const key = oidKey(opObject(op.req));
  const missing = p.ownMissing.has(key) || [...p.peerMissing.values()].some((m) => m.has(key));
  if (r.busy.has(key) || missing) {
    const q = r.objWaiting.get(key) ?? [];
    q.push(op);
    r.objWaiting.set(key, q);
    if (missing) await recoverFirst(p, key);
    return;
  }
  r.busy.add(key);
  const prev = p.pg.info.lastUpdate;
  const out = await executeOp(p.store, p.pg, op.req, { ...op.env, epoch: p.mapping!.epoch });
  if (out.t && out.entry) return startRepGather(p, op, key, prev, out);
  reply(p, op, out.reply, out.effects);
  await release(p, key);
}

function reply(p: PeeringPG, op: ClientOp, rep: MOSDOpReply, effects: (() => void)[] | undefined): void {
  p.out.push({ kind: 'reply', op, reply: rep });
  if (effects?.length) p.out.push({ kind: 'effects', run: effects });
}

/** An op on `key` finished: run the ops that waited for it, in order. */
export async function release(p: PeeringPG, key: string): Promise<void> {
  const r = p.rep;
  r.busy.delete(key);
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
    msg: { type: 'repop', tid, prev: evOf(prev), entries: entries.map((e) => p.pg.takeEncoded(e)), txn },
    waiting: new Set(p.replicas),
    local: false,
    replied: false,
    effects: out.effects ?? [],
    ticks: 0,
  };
  r.inflight.set(tid, g);
  p.queue(out.t!, async () => {
    g.local = true;
    await maybeFinish(p, g);
  });
  for (const o of g.waiting) p.send(o, g.msg);
}

/** eval_repop: reply once every copy is durable, then let the object's next op run. */
async function maybeFinish(p: PeeringPG, g: RepGather): Promise<void> {
  const all = g.local && g.waiting.size === 0;
  if (!g.replied && (all || (g.local && p.conf.bug?.ackBeforeReplica))) {
    g.replied = true;
    reply(p, g.op, g.reply, g.effects);
  }
  if (!all || !p.rep.inflight.delete(g.tid)) return;
  await release(p, g.key);
}

/** MOSDRepOpReply at the primary. */
export async function handleRepOpReply(p: PeeringPG, from: number, tid: number): Promise<void> {
  const g = p.rep.inflight.get(tid);
  if (g && g.waiting.delete(from)) await maybeFinish(p, g);
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
  const t = decodeTransaction(msg.txn);
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
