import { EversionT } from '@ts-ceph/maps';
import { CollT, GHObject, ghobjectMax, ghobjectMin, ghobjectToString } from '@ts-ceph/objectstore/interface';
import { loadObjectStateIn } from '../object-info';
import { StoreReader } from '../op-context';
import { PgInfo, PgLogEntry, PgLogOp, evCmp, evKeyName } from '../pg';

/** One object a PG copy lacks (pg_missing_item): the version it needs, or that it must not exist. */
export interface MissingItem {
  oid: GHObject;
  need: EversionT;
  /** The object's newest entry is a DELETE (or it was created by a divergent write): it must go. */
  gone: boolean;
}
export type MissingSet = Map<string, MissingItem>;

export const oidKey = (o: GHObject): string => ghobjectToString(o);
const ZERO: EversionT = { epoch: 0, version: 0n };

/** An info as a peer reported it. */
export interface PeerInfo {
  osd: number;
  info: PgInfo;
}

const les = (i: PgInfo): number => i.lastEpochStarted ?? 0;
const historyLes = (i: PgInfo): number => i.history?.lastEpochStarted ?? 0;

/**
 * PeeringState::find_best_info: only OSDs that took part in the newest activation anyone knows of
 * (last_epoch_started at least the largest reported, history's included) may hold the
 * authoritative log; among them the newest last_update wins, then the longer log (older tail), then
 * the current primary; a copy still being backfilled never. None qualifies: the PG is incomplete.
 */
export function findBestInfo(infos: readonly PeerInfo[], primary: number): PeerInfo | undefined {
  let maxLes = 0;
  for (const p of infos) maxLes = Math.max(maxLes, historyLes(p.info), p.info.incomplete ? 0 : les(p.info));
  // A copy in the middle of a backfill (is_incomplete) never holds the authoritative log.
  const ok = infos.filter((p) => !p.info.incomplete && les(p.info) >= maxLes);
  let best: PeerInfo | undefined;
  for (const p of ok) {
    if (!best) {
      best = p;
      continue;
    }
    const c = evCmp(p.info.lastUpdate, best.info.lastUpdate) || -evCmp(p.info.logTail, best.info.logTail);
    if (c > 0 || (c === 0 && p.osd === primary)) best = p;
  }
  return best;
}

/**
 * Log-based recovery can bring `own` up to `auth` when our log reaches its tail and our copy is
 * complete; otherwise the copy is backfilled (a backfill cut short must start over: the objects
 * it had not reached yet appear in no log).
 */
export function logsOverlap(own: PgInfo, auth: PgInfo): boolean {
  return !own.incomplete && evCmp(own.lastUpdate, auth.logTail) >= 0;
}

/**
 * What each object touched by the logs must look like once this copy follows `auth`
 * (PGLog::merge_log with _merge_divergent_entries): the newest authoritative entry of each object
 * decides; an object only our divergent entries (ours, after the authoritative tail and not in the
 * authoritative log) touched goes back to the version before the first of them — or away, when
 * that write created it.
 */
export function expectedObjects(auth: readonly PgLogEntry[], authTail: EversionT, own: readonly PgLogEntry[]): MissingSet {
  const out: MissingSet = new Map();
  for (const e of auth) {
    if (e.op !== PgLogOp.MODIFY && e.op !== PgLogOp.DELETE) continue;
    out.set(oidKey(e.soid), { oid: e.soid, need: e.version, gone: e.op === PgLogOp.DELETE });
  }
  const authVersions = new Set(auth.map((e) => evKeyName(e.version)));
  for (const e of own) {
    if (evCmp(e.version, authTail) <= 0 || authVersions.has(evKeyName(e.version))) continue;
    if (e.op !== PgLogOp.MODIFY && e.op !== PgLogOp.DELETE) continue;
    const k = oidKey(e.soid);
    if (out.has(k)) continue;
    const created = evCmp(e.priorVersion, ZERO) === 0;
    out.set(k, { oid: e.soid, need: e.priorVersion, gone: created });
  }
  return out;
}

/**
 * The objects whose copy in `store` is not as `expected` says (PGLog::read_log_and_missing's check
 * against the object infos on disk): absent or at another version, or present when it must not be.
 */
export async function missingAgainst(store: StoreReader, coll: CollT, expected: MissingSet): Promise<MissingSet> {
  const out: MissingSet = new Map();
  for (const [k, want] of expected) {
    const s = await loadObjectStateIn(store, coll, want.oid);
    const ok = want.gone ? !s.exists : s.exists && evCmp(s.oi.version, want.need) === 0;
    if (!ok) out.set(k, want);
  }
  return out;
}

/** Objects of a PG copy with their versions (what a backfill compares), by oidKey. */
export type ObjectVersions = Map<string, { oid: GHObject; version: EversionT }>;

/** Every object of the PG in `store` (but the PG meta object) with its object_info_t version. */
export async function listObjects(store: StoreReader, coll: CollT): Promise<ObjectVersions> {
  const out: ObjectVersions = new Map();
  let from = ghobjectMin();
  for (;;) {
    const page = await store.collectionList(coll, from, ghobjectMax(), listPage);
    for (const o of page.objects) {
      if (o.name === '') continue;
      const s = await loadObjectStateIn(store, coll, o);
      out.set(oidKey(o), { oid: o, version: s.oi.version });
    }
    if (page.next.max || page.objects.length === 0) break;
    from = page.next;
  }
  return out;
}
const listPage = 1024;

/**
 * Backfill's target state (PrimaryLogPG::recover_backfill, all at once instead of in hash-ordered
 * chunks): every authoritative object at its version, every other object of ours gone. The log's
 * own expectations (`fromLog`) win, as they know objects the authoritative copy itself still lacks.
 */
export function backfillExpected(auth: ObjectVersions, own: ObjectVersions, fromLog: MissingSet): MissingSet {
  const out: MissingSet = new Map();
  for (const [k, v] of auth) out.set(k, { oid: v.oid, need: v.version, gone: false });
  for (const [k, v] of own) if (!auth.has(k)) out.set(k, { oid: v.oid, need: ZERO, gone: true });
  for (const [k, v] of fromLog) out.set(k, v);
  return out;
}
