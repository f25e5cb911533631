import { CollT, GHObject, Transaction } from '@ts-ceph/objectstore/interface';
import { StoreReader } from '../op-context';
import { MissingItem, oidKey } from './log-merge';
import { NamedPairs, PeerPull, PeerPush } from './messages';
import { evFrom, evOf, namedMap, namedPairs } from './messages';
import { PeeringPG } from './peering-pg';
import { release } from './rep-ops';
import { clearMissing } from './missing-store';
import { RecoveryOp } from './rep-state';
import { decodeOid, encodeOid } from './txn-codec';
import { loadObjectStateIn } from '../object-info';
import { evCmp } from '../pg';

/** Omap keys a push reads per page from the store. */
const omapPage = 1024;

/**
 * Log-based recovery (PrimaryLogPG::recover_primary / recover_replicas, ReplicatedBackend's
 * push/pull): each object some copy lacks is pulled into the primary when it lacks it, then pushed
 * whole to every replica that lacks it. At most osd_recovery_max_active objects at once; a client
 * op on a missing object recovers it first, whatever the throttle says.
 */
export async function startRecovery(p: PeeringPG): Promise<void> {
  if (p.phase !== 'active') return;
  // norecover: nothing new starts (the recovery tick calls again once the flag is gone).
  if (p.mapping!.noRecover) return maybeClean(p);
  const keys = new Set([...p.ownMissing.keys()]);
  for (const m of p.peerMissing.values()) for (const k of m.keys()) keys.add(k);
  for (const k of keys) {
    if (p.rep.recovering.size >= p.conf.osdRecoveryMaxActive) break;
    if (!p.rep.recovering.has(k)) await recoverObject(p, k);
  }
  maybeClean(p);
}

/** A client op waits on `key`: start its recovery now (recover_missing). */
export async function recoverFirst(p: PeeringPG, key: string): Promise<void> {
  if (!p.rep.recovering.has(key)) await recoverObject(p, key, true);
}

/**
 * Backfill targets being pushed to now. osd_max_backfills bounds them (Ceph reserves backfill
 * slots per OSD; here per PG): other targets wait, unless a client op needs the object (`urgent`).
 */
function backfilling(p: PeeringPG): Set<number> {
  const out = new Set<number>();
  for (const op of p.rep.recovering.values()) for (const o of op.pushTo) if (p.rep.backfillTargets.has(o)) out.add(o);
  return out;
}

async function recoverObject(p: PeeringPG, key: string, urgent = false): Promise<void> {
  const r = p.rep;
  let item = p.ownMissing.get(key);
  const pushTo = new Set(p.replicas.filter((o) => p.peerMissing.get(o)?.has(key)));
  for (const o of pushTo) item ??= p.peerMissing.get(o)!.get(key);
  if (!item) return;
  if (!urgent) {
    const busy = backfilling(p);
    for (const o of [...pushTo]) {
      if (!r.backfillTargets.has(o)) continue;
      if (p.mapping!.noBackfill) pushTo.delete(o);
      else if (busy.has(o)) continue;
      else if (busy.size < p.conf.osdMaxBackfills) busy.add(o);
      else pushTo.delete(o);
    }
    if (pushTo.size === 0 && !p.ownMissing.has(key)) return;
  }
  const op: RecoveryOp = { key, item, pullFrom: undefined, pushTo };
  if (p.ownMissing.has(key) && item.gone) {
    // The object must not exist: the delete is ours to apply, there is nothing to pull.
    op.applying = true;
    r.recovering.set(key, op);
    r.recoveryOpsStarted++;
    return applyOwn(p, op, new Transaction().remove(p.pg.coll, item.oid));
  }
  if (p.ownMissing.has(key)) {
    // missing_loc: an activated replica whose copy is complete for this object, and which has not
    // already answered a pull of it with a blank push (_failed_pull: it lacks the object after all).
    const failed = r.pullFailed.get(key);
    const src = p.replicas.find((o) => p.peerMissing.has(o) && !p.peerMissing.get(o)!.has(key) && !failed?.has(o));
    if (src === undefined) {
      r.unfound.add(key);
      return;
    }
    r.unfound.delete(key);
    op.pullFrom = src;
    r.recovering.set(key, op);
    r.recoveryOpsStarted++;
    p.send(src, { type: 'pull', oid: encodeOid(item.oid), need: evOf(item.need) });
    return;
  }
  r.recovering.set(key, op);
  r.recoveryOpsStarted++;
  await pushAll(p, op);
}

/** Read an object's whole state for a push (ReplicatedBackend::build_push_op). */
async function readPush(store: StoreReader, coll: CollT, item: MissingItem): Promise<PeerPush extends infer M ? Omit<M, 'pgid' | 'interval'> : never> {
  const oid = encodeOid(item.oid);
  const base = { type: 'push' as const, oid, version: evOf(item.need), exists: false, data: Buffer.alloc(0), attrs: [] as NamedPairs, omapHeader: Buffer.alloc(0), omap: [] as NamedPairs };
  if (item.gone || !(await store.exists(coll, item.oid))) return base;
  const omap: [string, Buffer][] = [];
  for (let after = ''; ; ) {
    const page = await store.omapGetValsAfter(coll, item.oid, after, omapPage);
    for (const [k, v] of page.values) omap.push([k, v]), (after = k);
    if (!page.more || page.values.size === 0) break;
  }
  const attrs = namedPairs(await store.getattrs(coll, item.oid));
  return { ...base, exists: true, data: await store.read(coll, item.oid, 0, 0), attrs, omapHeader: await store.omapGetHeader(coll, item.oid), omap: namedPairs(omap) };
}

async function pushAll(p: PeeringPG, op: RecoveryOp): Promise<void> {
  if (op.pushTo.size === 0) return finishObject(p, op.key);
  const m = await readPush(p.store, p.pg.coll, op.item);
  for (const o of op.pushTo) p.send(o, m);
}

/** The transaction that makes our copy of an object the pushed one (submit_push_data/complete). */
function pushTransaction(coll: CollT, oid: GHObject, m: PeerPush): Transaction {
  const t = new Transaction().remove(coll, oid);
  if (!m.exists) return t;
  t.touch(coll, oid);
  if (m.data.length) t.write(coll, oid, 0, m.data);
  if (m.attrs.length) t.setattrs(coll, oid, namedMap(m.attrs));
  if (m.omapHeader.length) t.omapSetHeader(coll, oid, m.omapHeader);
  if (m.omap.length) t.omapSetKeys(coll, oid, namedMap(m.omap));
  return t;
}

/**
 * MOSDPGPush: at the primary the answer to its pull, at a replica the recovery of an object it
 * lacks. Only an object still missing is written, so a late duplicate never undoes a newer write.
 */
export function handlePush(p: PeeringPG, from: number, m: PeerPush): Promise<void> | void {
  const oid = decodeOid(m.oid);
  const key = oidKey(oid);
  const primary = p.isPrimary;
  if (!p.ownMissing.has(key)) {
    if (!primary) p.send(from, { type: 'push_reply', oid: m.oid, version: m.version });
    return;
  }
  const op = primary ? p.rep.recovering.get(key) : undefined;
  if (primary && (op?.pullFrom !== from || op.applying)) return;
  const v = evFrom(m.version);
  if (op && v.epoch === 0 && v.version === 0n) return failedPull(p, op, from);
  const want = p.ownMissing.get(key)!;
  if (v.version !== want.need.version || v.epoch !== want.need.epoch) return;
  if (op) {
    op.applying = true;
    return applyOwn(p, op, pushTransaction(p.pg.coll, oid, m));
  }
  const t = pushTransaction(p.pg.coll, oid, m);
  clearMissing(t, p.pg, key);
  p.queue(t, () => {
    p.ownMissing.delete(key);
    p.maybeComplete();
    p.send(from, { type: 'push_reply', oid: m.oid, version: m.version });
  });
}

/** The primary's own copy of `op`'s object made as recovered (`t`); then the replicas lacking it get it. */
function applyOwn(p: PeeringPG, op: RecoveryOp, t: Transaction): void {
  clearMissing(t, p.pg, op.key);
  p.queue(t, async () => {
    p.ownMissing.delete(op.key);
    p.maybeComplete();
    if (p.rep.recovering.get(op.key) !== op) return;
    op.pullFrom = undefined;
    op.applying = false;
    await pushAll(p, op);
  });
}

/**
 * A blank push (version 0'0) answered our pull (ReplicatedBackend::_failed_pull): that peer lacks
 * the object at the version we need, whatever its missing set said. It is no source for this
 * object in this interval; another is tried, and with none left the object is unfound. Taking the
 * blank as "the object does not exist" would delete it here and then on every copy we push to.
 */
async function failedPull(p: PeeringPG, op: RecoveryOp, from: number): Promise<void> {
  const r = p.rep;
  let failed = r.pullFailed.get(op.key);
  if (!failed) r.pullFailed.set(op.key, (failed = new Set()));
  failed.add(from);
  r.recovering.delete(op.key);
  await recoverObject(p, op.key, true);
}

/** MOSDPGPushReply at the primary: that replica has the object now. */
export async function handlePushReply(p: PeeringPG, from: number, oidB: Buffer): Promise<void> {
  const key = oidKey(decodeOid(oidB));
  const op = p.rep.recovering.get(key);
  if (!op || op.pullFrom !== undefined || !op.pushTo.delete(from)) return;
  p.peerMissing.get(from)?.delete(key);
  if (op.pushTo.size === 0) await finishObject(p, key);
}

/** MOSDPGPull: push our copy to the primary. */
export async function handlePull(p: PeeringPG, from: number, m: PeerPull): Promise<void> {
  const oid = decodeOid(m.oid);
  const need = evFrom(m.need);
  // ReplicatedBackend::handle_pull answers with a blank push (prep_push_op_blank) when it cannot
  // serve the object; we also refuse a copy at another version than the one asked for.
  const s = p.ownMissing.has(oidKey(oid)) ? undefined : await loadObjectStateIn(p.store, p.pg.coll, oid);
  if (!s?.exists || evCmp(s.oi.version, need) !== 0) return p.send(from, { ...blankPush, oid: m.oid });
  p.send(from, await readPush(p.store, p.pg.coll, { oid, need, gone: false }));
}

/** A push that carries nothing, at version 0'0: "I cannot serve this pull". */
const blankPush = { type: 'push' as const, version: evOf({ epoch: 0, version: 0n }), exists: false, data: Buffer.alloc(0), attrs: [] as NamedPairs, omapHeader: Buffer.alloc(0), omap: [] as NamedPairs };

async function finishObject(p: PeeringPG, key: string): Promise<void> {
  p.rep.recovering.delete(key);
  await release(p, key);
  await startRecovery(p);
}

/** Resend recovery messages still unanswered; retry unfound objects. */
export async function recoveryTick(p: PeeringPG): Promise<void> {
  // A snapshot: an op finished here lets waiting client ops run, which may start new ones.
  for (const op of [...p.rep.recovering.values()]) {
    if (op.applying) continue;
    if (op.pullFrom !== undefined) p.send(op.pullFrom, { type: 'pull', oid: encodeOid(op.item.oid), need: evOf(op.item.need) });
    else await pushAll(p, op);
  }
  await startRecovery(p);
}

/** Every copy complete and the acting set full: the PG is clean; record last_epoch_clean. */
function maybeClean(p: PeeringPG): void {
  const m = p.mapping!;
  const h = p.pg.info.history;
  if (!h || p.rep.peeredOnly || m.acting.length < m.size || p.ownMissing.size || [...p.peerMissing.values()].some((x) => x.size)) return;
  if (h.lastEpochClean >= p.intervalStart) return;
  h.lastEpochClean = p.intervalStart;
  const t = new Transaction();
  p.pg.saveInfo(t);
  p.queue(t, () => undefined);
}
