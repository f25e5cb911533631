import { EversionT, formatPg } from '@ts-ceph/maps';
import { GHObject, Transaction } from '@ts-ceph/objectstore/interface';
import { OI_ATTR, decodeObjectInfo } from '../object-info';
import { listObjects, oidKey } from './log-merge';
import { PeerRepairPush, PeerScrubMap, PeerScrubReq, ScrubEntry } from './messages';
import { evOf, namedMap, namedPairs } from './messages';
import { PeeringPG } from './peering-pg';
import { PG_STATE } from './pg-state';
import { objectBusy, release } from './rep-ops';
import { InconsistentObj, ScrubMap, ScrubObject, compareScrubMaps, scrubObject } from './scrub-map';
import { decodeOid, encodeOid } from './txn-codec';
import { ScrubClogLine, finishLine, inconsistentLines } from './scrub-log';
import { OBJ_ERR, SHARD_ERR } from './scrub-map';

/**
 * Scrub on the primary (PgScrubber, simplified): on request or when osd_scrub_min_interval /
 * osd_deep_scrub_interval say so, an active+clean PG compares its acting set's copies chunk by
 * chunk (osd_scrub_chunk_max objects; client writes to the chunk wait, as Ceph blocks them), the
 * chunk's objects taken from the primary's listing. Inconsistent objects are kept (for SCRUBLS),
 * counted in num_scrub_errors, and with repair the authoritative copy is pushed to the bad shards.
 * A new interval abandons the scrub (the request stays pending). osd_scrub_sleep (seconds) spaces the
 * chunks; the outcome goes into the PG's pg_info_t (stamps and error counts survive a restart) and
 * its cluster-log lines into `clog` for the driver.
 */
export interface ScrubState {
  pending: { deep: boolean; repair: boolean } | undefined;
  active: { deep: boolean; repair: boolean; interval: number; chunks: GHObject[][]; chunk?: Chunk; errors: number; fixed: number; from: EversionT; deepErrors: number; sleepUntil?: number } | undefined;
  tid: number;
  /** pg_stat_t's last_scrub_stamp / last_deep_scrub_stamp, seconds of the driver's clock. */
  lastScrubStamp: number;
  lastDeepScrubStamp: number;
  /** pg_stat_t's last_scrub / last_deep_scrub: the PG's last_update when that scrub began. */
  lastScrub: EversionT;
  lastDeepScrub: EversionT;
  /** num_scrub_errors (shallow + deep) of the last scrub, minus what repair fixed. */
  numScrubErrors: number;
  /** The last scrub's inconsistent objects, by object key (what list-inconsistent-obj reads). */
  inconsistent: Map<string, InconsistentObj>;
  /** num_deep_scrub_errors (digest and read errors); the rest of numScrubErrors are shallow. */
  numDeepScrubErrors: number;
  /** pg_history_t's last_clean_scrub_stamp: the last scrub that found nothing. */
  lastCleanScrubStamp: number;
  /** Cluster-log lines not yet taken by the driver (at most scrubLimits.clogLinesMax). */
  clog: ScrubClogLine[];
}

/** Named limits of the scrubber (docs/LIMITS.md). */
export const scrubLimits = {
  /** Cluster-log lines kept for the driver; older ones are dropped (a driver that never takes them). */
  clogLinesMax: 1000,
};

function clog(s: ScrubState, error: boolean, msg: string): void {
  s.clog.push({ error, msg });
  if (s.clog.length > scrubLimits.clogLinesMax) s.clog.shift();
}

/** pg_scrubber's mode: "repair", "deep-scrub" or "scrub". */
const modeOf = (a: { deep: boolean; repair: boolean }): string => (a.repair ? 'repair' : a.deep ? 'deep-scrub' : 'scrub');

/** Digest and read errors are deep-scrub errors (shard_info_t::has_deep_errors). */
const DEEP_SHARD = SHARD_ERR.SHARD_READ_ERR | SHARD_ERR.DATA_DIGEST_MISMATCH_INFO | SHARD_ERR.OMAP_DIGEST_MISMATCH_INFO;
const DEEP_OBJ = OBJ_ERR.DATA_DIGEST_MISMATCH | OBJ_ERR.OMAP_DIGEST_MISMATCH;
interface Chunk {
  tid: number;
  oids: GHObject[];
  maps: Map<number, ScrubMap>;
  /** Objects being repaired: the authoritative shard and the shards still to confirm. */
  repairing: Map<string, { oid: GHObject; from: number; to: Set<number> }>;
}

export function newScrubState(): ScrubState {
  const zero = (): EversionT => ({ epoch: 0, version: 0n });
  return { pending: undefined, active: undefined, tid: 0, lastScrubStamp: 0, lastDeepScrubStamp: 0, lastScrub: zero(), lastDeepScrub: zero(), numScrubErrors: 0, inconsistent: new Map(), numDeepScrubErrors: 0, lastCleanScrubStamp: 0, clog: [] };
}

/** The scrub bits of pg_state_t. */
export function scrubStateBits(s: ScrubState): bigint {
  let b = 0n;
  if (s.active) b |= PG_STATE.SCRUBBING | (s.active.deep ? PG_STATE.DEEP_SCRUB : 0n) | (s.active.repair ? PG_STATE.REPAIR : 0n);
  if (s.numScrubErrors > 0) b |= PG_STATE.INCONSISTENT;
  return b;
}

const isClean = (p: PeeringPG): boolean => p.isPrimary && p.phase === 'active' && (p.state() & PG_STATE.CLEAN) !== 0n;

/** The driver's scrub timer: start a requested or due scrub, move the running one on. */
export async function scrubTick(p: PeeringPG, s: ScrubState, now: number): Promise<void> {
  if (s.active && s.active.interval !== p.intervalStart) {
    s.pending ??= { deep: s.active.deep, repair: s.active.repair };
    s.active = undefined;
  }
  if (!s.active) {
    if (!isClean(p)) return;
    const due = now - s.lastScrubStamp >= p.conf.osdScrubMinInterval;
    const deepDue = now - s.lastDeepScrubStamp >= p.conf.osdDeepScrubInterval;
    const want = s.pending ?? (due || deepDue ? { deep: deepDue, repair: false } : undefined);
    if (!want) return;
    s.pending = undefined;
    const objs = [...(await listObjects(p.store, p.pg.coll)).values()].map((v) => v.oid);
    const chunks: GHObject[][] = [];
    for (let i = 0; i < objs.length; i += p.conf.osdScrubChunkMax) chunks.push(objs.slice(i, i + p.conf.osdScrubChunkMax));
    s.active = { ...want, interval: p.intervalStart, chunks, errors: 0, fixed: 0, from: { ...p.pg.info.lastUpdate }, deepErrors: 0 };
    s.inconsistent.clear();
    clog(s, false, `${formatPg(p.pg.pgid)} ${modeOf(want)} starts`);
  }
  await stepChunk(p, s, now);
}

async function stepChunk(p: PeeringPG, s: ScrubState, now: number): Promise<void> {
  const a = s.active!;
  const c = a.chunk;
  if (c) {
    // Resend what the chunk still waits for: lost requests and repairs are asked again (a
    // repeated repair push is harmless: the chunk's objects take no writes meanwhile).
    for (const o of p.replicas) if (!c.maps.has(o)) p.send(o, { type: 'scrub_req', tid: c.tid, deep: a.deep, oids: c.oids.map(encodeOid) });
    for (const r of c.repairing.values()) await startRepair(p, s, r.oid, r.from, [...r.to], now);
    return;
  }
  if (a.sleepUntil !== undefined && now < a.sleepUntil) return; // osd_scrub_sleep between chunks.
  const next = a.chunks[0];
  if (!next) return finish(p, s, now);
  const keys = next.map(oidKey);
  if (keys.some((k) => objectBusy(p, k))) return; // A write is in flight there: try at the next tick.
  for (const k of keys) p.rep.busy.add(k);
  a.chunks.shift();
  const chunk: Chunk = { tid: ++s.tid, oids: next, maps: new Map(), repairing: new Map() };
  a.chunk = chunk;
  chunk.maps.set(p.whoami, await buildMap(p, next, a.deep));
  for (const o of p.replicas) p.send(o, { type: 'scrub_req', tid: chunk.tid, deep: a.deep, oids: next.map(encodeOid) });
  await maybeCompare(p, s, now);
}

async function buildMap(p: PeeringPG, oids: GHObject[], deep: boolean): Promise<ScrubMap> {
  const m: ScrubMap = new Map();
  for (const o of oids) {
    const e = await scrubObject(p.store, p.pg.coll, o, deep);
    if (e) m.set(oidKey(o), e);
  }
  return m;
}

/** MOSDRepScrub at a replica: answer with our ScrubMap of the chunk. */
export async function handleScrubReq(p: PeeringPG, from: number, m: PeerScrubReq): Promise<void> {
  const objects: ScrubEntry[] = [];
  for (const b of m.oids) {
    const e = await scrubObject(p.store, p.pg.coll, decodeOid(b), m.deep);
    objects.push(e ? [b, e.size, namedPairs(e.attrs), e.dataDigest ?? -1, e.omapDigest ?? -1, e.readError ?? false] : [b, -1, [], -1, -1, false]);
  }
  p.send(from, { type: 'scrub_map', tid: m.tid, objects });
}

/** MOSDRepScrubMap at the primary. */
export async function handleScrubMap(p: PeeringPG, s: ScrubState, from: number, m: PeerScrubMap, now: number): Promise<void> {
  const c = s.active?.chunk;
  if (!c || c.tid !== m.tid || c.maps.has(from) || !p.replicas.includes(from)) return;
  const map: ScrubMap = new Map();
  for (const [oid, size, attrs, dd, od, re] of m.objects) {
    if (size < 0) continue;
    const o: ScrubObject = { size, attrs: namedMap(attrs), readError: re };
    if (dd >= 0) o.dataDigest = dd;
    if (od >= 0) o.omapDigest = od;
    map.set(oidKey(decodeOid(oid)), o);
  }
  c.maps.set(from, map);
  await maybeCompare(p, s, now);
}

async function maybeCompare(p: PeeringPG, s: ScrubState, now: number): Promise<void> {
  const a = s.active!;
  const c = a.chunk!;
  if (p.replicas.some((o) => !c.maps.has(o))) return;
  const order = [p.whoami, ...p.replicas];
  const r = compareScrubMaps(c.maps, order, a.deep, p.conf.bug?.scrubSkipDataDigest);
  for (const i of r.inconsistent) {
    const oid = c.oids.find((o) => oidKey(o) === i.key);
    s.inconsistent.set(i.key, { ...i, oid });
    if (oid) for (const line of inconsistentLines(formatPg(p.pg.pgid), i, oid, a.deep)) clog(s, true, line);
    if (i.unionShardErrors & DEEP_SHARD || i.errors & DEEP_OBJ) a.deepErrors++;
  }
  a.errors += r.inconsistent.length;
  if (a.repair) {
    for (const fix of r.repairs) {
      if (!fix.to.length) continue;
      const oid = c.oids.find((o) => oidKey(o) === fix.key)!;
      c.repairing.set(fix.key, { oid, from: fix.from, to: new Set(fix.to) });
      await startRepair(p, s, oid, fix.from, fix.to, now);
    }
  }
  await maybeChunkDone(p, s, now);
}

async function startRepair(p: PeeringPG, s: ScrubState, oid: GHObject, from: number, to: number[], now: number): Promise<void> {
  if (from === p.whoami) await pushRepair(p, oid, to, (k) => handleRepairReply(p, s, p.whoami, k, now));
  else p.send(from, { type: 'repair_pull', oid: encodeOid(oid), to });
}

async function maybeChunkDone(p: PeeringPG, s: ScrubState, now: number): Promise<void> {
  const a = s.active!;
  const c = a.chunk!;
  if (c.repairing.size) return;
  a.chunk = undefined;
  for (const o of c.oids) await release(p, oidKey(o));
  if (p.conf.osdScrubSleep) a.sleepUntil = now + p.conf.osdScrubSleep;
  await stepChunk(p, s, now);
}

function finish(p: PeeringPG, s: ScrubState, now: number): void {
  const a = s.active!;
  const pgid = formatPg(p.pg.pgid);
  const mode = modeOf(a);
  if (a.errors) clog(s, true, `${pgid} ${mode} 0 missing, ${a.errors} inconsistent objects`);
  const line = finishLine(pgid, mode, a.errors, a.repair, a.fixed);
  clog(s, line.error, line.msg);
  s.lastScrubStamp = now;
  s.lastScrub = a.from;
  if (a.deep) (s.lastDeepScrubStamp = now), (s.lastDeepScrub = a.from);
  if (!a.errors) s.lastCleanScrubStamp = now;
  // scrub_finish clears the counts only when repair fixed every error (it cannot tell which).
  const allFixed = a.repair && a.fixed === a.errors;
  s.numScrubErrors = allFixed ? 0 : a.errors;
  s.numDeepScrubErrors = allFixed ? 0 : a.deepErrors;
  s.active = undefined;
  saveScrubHistory(p, s);
}

const utimeOf = (sec: number): { sec: number; nsec: number } => ({ sec: Math.floor(sec), nsec: Math.floor((sec % 1) * 1e9) });

/** The outcome into pg_info_t (pg_history_t stamps, pg_stat_t error counts), durable with the PG. */
function saveScrubHistory(p: PeeringPG, s: ScrubState): void {
  p.pg.info.scrub = {
    lastScrub: { ...s.lastScrub },
    lastDeepScrub: { ...s.lastDeepScrub },
    lastScrubStamp: utimeOf(s.lastScrubStamp),
    lastDeepScrubStamp: utimeOf(s.lastDeepScrubStamp),
    lastCleanScrubStamp: utimeOf(s.lastCleanScrubStamp),
    shallowErrors: s.numScrubErrors - s.numDeepScrubErrors,
    deepErrors: s.numDeepScrubErrors,
  };
  const t = new Transaction();
  p.pg.saveInfo(t);
  p.queue(t, () => undefined);
}

/** A PG loaded from the store resumes its last scrub's stamps and error counts (no details). */
export function restoreScrubState(s: ScrubState, h: NonNullable<PeeringPG['pg']['info']['scrub']>): void {
  const sec = (u: { sec: number; nsec: number }): number => u.sec + u.nsec / 1e9;
  s.lastScrub = { ...h.lastScrub };
  s.lastDeepScrub = { ...h.lastDeepScrub };
  s.lastScrubStamp = sec(h.lastScrubStamp);
  s.lastDeepScrubStamp = sec(h.lastDeepScrubStamp);
  s.lastCleanScrubStamp = sec(h.lastCleanScrubStamp);
  s.numScrubErrors = h.shallowErrors + h.deepErrors;
  s.numDeepScrubErrors = h.deepErrors;
}

/** Read our copy and push it to the repair targets (ourself included: applied at once). */
export async function pushRepair(p: PeeringPG, oid: GHObject, to: number[], onSelf: (key: string) => Promise<void>): Promise<void> {
  const b = encodeOid(oid);
  const store = p.store;
  const coll = p.pg.coll;
  const attrs = await store.getattrs(coll, oid);
  const oi = decodeObjectInfo(attrs.get(OI_ATTR)!);
  const omap: [string, Buffer][] = [];
  for (let after = ''; ; ) {
    const page = await store.omapGetValsAfter(coll, oid, after, 1024);
    for (const [k, v] of page.values) omap.push([k, v]), (after = k);
    if (!page.more || page.values.size === 0) break;
  }
  const m = { type: 'repair_push' as const, oid: b, version: evOf(oi.version), exists: true, data: await store.read(coll, oid, 0, 0), attrs: namedPairs(attrs), omapHeader: await store.omapGetHeader(coll, oid), omap: namedPairs(omap) };
  for (const o of to) {
    if (o === p.whoami) handleRepairPush(p, { ...m, pgid: p.pgid, interval: p.intervalStart }, onSelf);
    else p.send(o, m);
  }
}

/**
 * A repair push: the copy becomes the pushed one unless the object has moved past the pushed
 * version since (a late duplicate must not undo a newer write), then the primary hears of it.
 */
export function handleRepairPush(p: PeeringPG, m: PeerRepairPush, onSelf: (key: string) => Promise<void>): void {
  const oid = decodeOid(m.oid);
  const key = oidKey(oid);
  const newer = p.pg.entries.some((e) => oidKey(e.soid) === key && (e.version.epoch > m.version[0] || (e.version.epoch === m.version[0] && Number(e.version.version) > m.version[1])));
  const primary = p.mapping?.primary ?? -1;
  if (newer) return;
  const t = new Transaction().remove(p.pg.coll, oid).touch(p.pg.coll, oid);
  if (m.data.length) t.write(p.pg.coll, oid, 0, m.data);
  if (m.attrs.length) t.setattrs(p.pg.coll, oid, namedMap(m.attrs));
  if (m.omapHeader.length) t.omapSetHeader(p.pg.coll, oid, m.omapHeader);
  if (m.omap.length) t.omapSetKeys(p.pg.coll, oid, namedMap(m.omap));
  p.queue(t, async () => {
    if (primary === p.whoami) return onSelf(key);
    p.send(primary, { type: 'repair_reply', oid: m.oid });
  });
}

/** A repair target's confirmation at the primary: the chunk moves on once all are in. */
export async function handleRepairReply(p: PeeringPG, s: ScrubState, from: number, key: string, now: number): Promise<void> {
  const c = s.active?.chunk;
  const left = c?.repairing.get(key);
  if (!c || !left || !left.to.delete(from)) return;
  if (left.to.size) return;
  c.repairing.delete(key);
  s.active!.fixed++;
  s.inconsistent.delete(key);
  await maybeChunkDone(p, s, now);
}
