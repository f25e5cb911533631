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
      if (!r.backfillTargets.has(o) || busy.has(o)) continue;
      if (busy.size < p.conf.osdMaxBackfills) busy.add(o);
      else pushTo.delete(o);
    }
    if (pushTo.size === 0 && !p.ownMissing.has(key)) return;
  }
  const op: RecoveryOp = { key, item, pullFrom: undefined, pushTo };
  if (p.ownMissing.has(key)) {
    // missing_loc: an activated replica whose copy is complete for this object.
    const src = p.replicas.find((o) => p.peerMissing.has(o) && !p.peerMissing.get(o)!.has(key));
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
export function handlePush(p: PeeringPG, from: number, m: PeerPush): void {
  const oid = decodeOid(m.oid);
  const key = oidKey(oid);
  const primary = p.isPrimary;
  if (!p.ownMissing.has(key)) {
    if (!primary) p.send(from, { type: 'push_reply', oid: m.oid, version: m.version });
    return;
  }
  if (primary && p.rep.recovering.get(key)?.pullFrom !== from) return;
  const want = p.ownMissing.get(key)!;
  if (evFrom(m.version).version !== want.need.version || evFrom(m.version).epoch !== want.need.epoch) return;
  const t = pushTransaction(p.pg.coll, oid, m);
  clearMissing(t, p.pg, key);
  p.queue(t, async () => {
    p.ownMissing.delete(key);
    p.maybeComplete();
    if (!primary) return p.send(from, { type: 'push_reply', oid: m.oid, version: m.version });
    const op = p.rep.recovering.get(key);
    if (!op) return;
    op.pullFrom = undefined;
    await pushAll(p, op);
  });
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
  if (p.ownMissing.has(oidKey(oid))) return;
  const push = await readPush(p.store, p.pg.coll, { oid, need: evFrom(m.need), gone: false });
  p.send(from, push);
}

async function finishObject(p: PeeringPG, key: string): Promise<void> {
  p.rep.recovering.delete(key);
  await release(p, key);
  await startRecovery(p);
}

/** Resend recovery messages still unanswered; retry unfound objects. */
export async function recoveryTick(p: PeeringPG): Promise<void> {
  for (const op of p.rep.recovering.values()) {
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
