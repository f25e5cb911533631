/**
 * Versioning on the bucket index (docs/formats/rgw.md, "Versions"): what a PUT or DELETE changes
 * in the index for the bucket's versioning state, as one plan (omap keys to set and remove, data
 * sets to drop afterwards) that the store applies with a single write op, and the version listing.
 * The current entry of a key stays under the key itself, so GET and ListObjects read one entry.
 */
import { randomBytes } from 'node:crypto';
import { IoCtx } from '@ts-ceph/rados';
import { S3Error } from './core/errors';
import { afterVersionsOf, stampsPerMs, versionKey, VersionListing, versionNs, versionPrefix } from './core/versions';
import type { BucketInfo, IndexEntry } from './store';

/** Named limits of versioning (docs/LIMITS.md, "rgw"). */
export const rgwVersionLimits = {
  /** Version entries read per omap call while walking one key's versions or a listing. */
  versionsPerReadMax: 1000,
};

/** What one PUT or DELETE does to the index, applied atomically by the store. */
export interface IndexPlan {
  set: Map<string, IndexEntry>;
  rm: string[];
  /** Data sets no entry names once the plan is applied: removed afterwards. */
  drop: IndexEntry[];
  /** The x-amz-version-id and x-amz-delete-marker to answer with. */
  versionId?: string;
  deleteMarker?: boolean;
}

/** Version stamps: milliseconds with a counter, strictly increasing within one gateway. */
export class VersionStamper {
  private lastMs = 0;
  private n = 0;

  next(nowMs: number): number {
    if (nowMs > this.lastMs) {
      this.lastMs = nowMs;
      this.n = 0;
    } else if (++this.n >= stampsPerMs) {
      this.lastMs++;
      this.n = 0;
    }
    return this.lastMs * stampsPerMs + this.n;
  }
}

/** A fresh version id: 32 characters, as radosgw's. */
export function newVersionId(): string {
  return randomBytes(16).toString('hex');
}

const parse = (v: Buffer): IndexEntry => JSON.parse(v.toString()) as IndexEntry;

/** Every version of `key`, newest first; an entry written before versioning existed counts as "null". */
export async function versionsOf(index: IoCtx, b: BucketInfo, key: string): Promise<IndexEntry[]> {
  const out: IndexEntry[] = [];
  const prefix = versionPrefix(key);
  let after = prefix;
  for (;;) {
    const page = await index.omapGetVals(`index.${b.id}`, { startAfter: after, prefix, max: rgwVersionLimits.versionsPerReadMax });
    for (const [k, v] of page.vals) {
      out.push(parse(v));
      after = k;
    }
    if (!page.more) break;
  }
  if (!out.length) {
    const cur = (await index.omapGetValsByKeys(`index.${b.id}`, [key])).get(key);
    if (cur) out.push({ ...parse(cur), versionId: 'null' });
  }
  return out;
}

/** Set entry.versionId/vkey for the bucket's state and say what else changes (a PUT). */
export async function planPut(index: IoCtx, b: BucketInfo, key: string, entry: IndexEntry, old: IndexEntry | undefined, stamp: number): Promise<IndexPlan> {
  entry.key = key;
  entry.vkey = versionKey(key, stamp);
  const plan: IndexPlan = { set: new Map(), rm: [], drop: [] };
  if (b.versioning === 'Enabled') {
    entry.versionId = newVersionId();
    // An entry from before versioning becomes the "null" version instead of vanishing.
    if (old && !old.vkey) plan.set.set(versionKey(key, old.mtimeMs * stampsPerMs), { ...old, key, versionId: 'null', vkey: versionKey(key, old.mtimeMs * stampsPerMs) });
  } else {
    entry.versionId = 'null';
    const nullv = b.versioning === 'Suspended' ? (await versionsOf(index, b, key)).find((v) => v.versionId === 'null') : old;
    if (nullv?.vkey) plan.rm.push(nullv.vkey);
    if (nullv && !nullv.deleteMarker) plan.drop.push(nullv);
  }
  plan.set.set(key, entry).set(entry.vkey, entry);
  if (b.versioning) plan.versionId = entry.versionId;
  return plan;
}

/** What a DELETE does: without a version id, a delete marker in a versioned bucket. */
export async function planDelete(index: IoCtx, b: BucketInfo, key: string, cur: IndexEntry | undefined, versionId: string | undefined, stamp: number, nowMs: number): Promise<IndexPlan> {
  const plan: IndexPlan = { set: new Map(), rm: [], drop: [] };
  if (versionId !== undefined) return planDeleteVersion(index, b, key, versionId, plan);
  if (!b.versioning) {
    if (cur) plan.rm.push(key, ...(cur.vkey ? [cur.vkey] : []));
    if (cur) plan.drop.push(cur);
    return plan;
  }
  const marker: IndexEntry = { key, size: 0, etag: '', mtimeMs: nowMs, contentType: '', meta: {}, data: '', deleteMarker: true, versionId: 'null', vkey: versionKey(key, stamp) };
  if (b.versioning === 'Enabled') {
    marker.versionId = newVersionId();
    if (cur && !cur.vkey) plan.set.set(versionKey(key, cur.mtimeMs * stampsPerMs), { ...cur, key, versionId: 'null', vkey: versionKey(key, cur.mtimeMs * stampsPerMs) });
  } else {
    const nullv = (await versionsOf(index, b, key)).find((v) => v.versionId === 'null');
    if (nullv?.vkey) plan.rm.push(nullv.vkey);
    if (nullv && !nullv.deleteMarker) plan.drop.push(nullv);
  }
  plan.rm.push(key);
  plan.set.set(marker.vkey!, marker);
  return { ...plan, versionId: marker.versionId, deleteMarker: true };
}

async function planDeleteVersion(index: IoCtx, b: BucketInfo, key: string, versionId: string, plan: IndexPlan): Promise<IndexPlan> {
  const all = await versionsOf(index, b, key);
  const i = all.findIndex((v) => v.versionId === versionId);
  // S3 answers 204 for a version that is not there.
  if (i < 0) return { ...plan, versionId };
  const target = all[i]!;
  if (target.vkey) plan.rm.push(target.vkey);
  if (i === 0) {
    // The current version goes: the next one (if an object) becomes current.
    const next = all[1];
    if (next && !next.deleteMarker) plan.set.set(key, next);
    else plan.rm.push(key);
  }
  if (!target.deleteMarker) plan.drop.push(target);
  return { ...plan, versionId, deleteMarker: target.deleteMarker === true };
}

/** One version of `key` for GET/HEAD ?versionId: NoSuchVersion when absent. */
export async function findVersion(index: IoCtx, b: BucketInfo, key: string, versionId: string): Promise<IndexEntry> {
  const v = (await versionsOf(index, b, key)).find((x) => x.versionId === versionId);
  if (!v) throw new S3Error('NoSuchVersion', 'the specified version does not exist');
  return v;
}

export interface VersionListQuery {
  prefix: string;
  delimiter: string;
  keyMarker: string;
  versionIdMarker: string;
  maxKeys: number;
}

/** ListObjectVersions: a walk of the version namespace, keys folded at the delimiter. */
export async function listVersions(index: IoCtx, b: BucketInfo, q: VersionListQuery): Promise<Omit<VersionListing, 'bucket' | 'owner'>> {
  const r: Omit<VersionListing, 'bucket' | 'owner'> = { ...q, truncated: false, items: [], commonPrefixes: [] };
  let after = q.keyMarker ? afterVersionsOf(q.keyMarker) : '';
  if (q.keyMarker && q.versionIdMarker) {
    const at = (await versionsOf(index, b, q.keyMarker)).find((v) => v.versionId === q.versionIdMarker);
    if (at?.vkey) after = at.vkey;
  }
  // Resuming inside a key: its remaining versions are not the latest.
  let prevKey = q.versionIdMarker ? q.keyMarker : undefined;
  let skip = q.delimiter && q.keyMarker.endsWith(q.delimiter) ? q.keyMarker : '';
  const full = (): boolean => r.items.length + r.commonPrefixes.length >= q.maxKeys;
  for (;;) {
    const page = await index.omapGetVals(`index.${b.id}`, { startAfter: after, prefix: versionNs + q.prefix, max: rgwVersionLimits.versionsPerReadMax });
    for (const [k, v] of page.vals) {
      after = k;
      const e = parse(v);
      const key = e.key!;
      if (skip && key.startsWith(skip)) continue;
      const cut = q.delimiter ? key.indexOf(q.delimiter, q.prefix.length) : -1;
      if (full()) return { ...r, truncated: true };
      if (cut >= 0) {
        const cp = key.slice(0, cut + q.delimiter.length);
        r.commonPrefixes.push(cp);
        skip = cp;
        r.nextKeyMarker = cp;
        r.nextVersionIdMarker = undefined;
        continue;
      }
      r.items.push({ key, versionId: e.versionId ?? 'null', latest: key !== prevKey, mtimeMs: e.mtimeMs, deleteMarker: e.deleteMarker === true, etag: e.etag, size: e.size });
      prevKey = key;
      r.nextKeyMarker = key;
      r.nextVersionIdMarker = e.versionId ?? 'null';
    }
    if (!page.more) return r;
  }
}
