/**
 * Object PUT (docs/formats/rgw.md, "Atomicity"): the data first, under a fresh data set name that
 * a pending record already names, then one index write publishes it; what the PUT replaced is
 * removed afterwards. A gateway killed at any point leaves no visible half object, and the
 * collector (store-gc.ts) finds whatever it leaves behind.
 *
 * Round trips before the answer, for an object of one stripe (at most 4 MiB) under a fresh key:
 * the head stripe write (data and intent xattr in one op) beside the index entry read, then the
 * publish: 2 in series. Its pending record was written ahead (data-reserve.ts) and is cleared after
 * the answer, with the bucket's next reservation. An overwrite records the data sets it replaces before publishing and removes them
 * after (two more). Larger objects record their intent in series first, as before.
 */
import { createHash } from 'node:crypto';
import { logger } from '@ts-ceph/common';
import { WriteOp } from '@ts-ceph/rados';
import { S3Error } from './core/errors';
import { checkObjectKey, versionKey } from './core/versions';
import { IndexPlan, planPut } from './store-versions';
import { isErrno, json, rgwStoreLimits, type RgwStore } from './store';
import type { BucketInfo, DataSet, HeadIntent, IndexEntry, ObjectAttrs } from './store-types';

const log = logger('rgw');

/** The xattr of a small object's head stripe naming the entry it is written for (HeadIntent JSON). */
export const rgwHeadIntentXattr = 'ts-rgw.intent';

export async function putObject(s: RgwStore, b: BucketInfo, key: string, body: Buffer, attrs: ObjectAttrs): Promise<IndexEntry> {
  checkObjectKey(key);
  if (Buffer.byteLength(key) > rgwStoreLimits.keyBytesMax) throw new S3Error('KeyTooLongError', `keys are at most ${rgwStoreLimits.keyBytesMax} bytes`);
  if (body.length > rgwStoreLimits.objectBytesMax) throw new S3Error('EntityTooLarge', `objects are at most ${rgwStoreLimits.objectBytesMax} bytes in one PUT`);
  const entry: IndexEntry = {
    size: body.length,
    etag: attrs.etag ?? createHash('md5').update(body).digest('hex'),
    mtimeMs: Date.now(),
    contentType: attrs.contentType,
    meta: attrs.meta,
    headers: attrs.headers,
    tags: attrs.tags,
    data: '',
    acl: attrs.acl,
    crypt: attrs.crypt,
  };
  // The version key depends on the stamp only (planPut sets the same), so the intent can name it
  // before the current entry is read.
  const stamp = s.stamper.next(entry.mtimeMs);
  entry.key = key;
  entry.vkey = versionKey(key, stamp);
  if (body.length > rgwStoreLimits.stripeBytes) return putStriped(s, b, key, body, entry, stamp);
  try {
    return await putSmall(s, b, key, body, entry, stamp);
  } finally {
    s.reserver.done(b);
  }
}

/**
 * One stripe: a reserved name, the head written with its intent beside the entry read (or, for a
 * key taken to be fresh, no read: the publish asserts it absent), the publish.
 */
async function putSmall(s: RgwStore, b: BucketInfo, key: string, body: Buffer, entry: IndexEntry, stamp: number): Promise<IndexEntry> {
  entry.data = await s.reserver.take(b);
  const fresh = s.freshKeys.begin(b, key, Date.now());
  const out: { drop: IndexEntry[] } = { drop: [] };
  try {
    const [wrote, read] = await Promise.allSettled([writeHead(s, `${entry.data}.0`, body, { key, vkey: entry.vkey! }), fresh ? unread : s.entry(b, key)]);
    if (wrote.status === 'rejected') throw wrote.reason;
    if (read.status === 'rejected') throw read.reason;
    await publishEntry(s, b, key, entry, stamp, read.value, out);
  } catch (e) {
    // Nothing names the new stripe (and the replaced data is still current): undo, or leave it to the collector.
    await s.removeData(entry).catch(() => undefined);
    await s.clearPending(b, [entry, ...out.drop]).catch(() => undefined);
    throw e;
  } finally {
    s.freshKeys.end(b, key);
  }
  // Published. The replaced data goes before the answer (a client that overwrote an object sees
  // its old stripes gone, as before); the records need not be cleared before it.
  if (out.drop.length) await removeReplaced(s, b, out.drop);
  // Their records go with the bucket's next reservation op (data-reserve.ts), not an op of their own.
  s.reserver.release(b, [entry, ...out.drop].map((d) => d.data));
  return entry;
}

/** The entry read that a PUT of a key taken to be fresh skips. */
const unread = Promise.resolve('unread' as const);

/**
 * Publish `entry` over `current`, recording the data sets it replaces first (in `out.drop`). A key
 * taken to be fresh (`current` is 'unread') is published with the assertion that it has no entry;
 * when it has one after all (ECANCELED), its entry is read and the PUT goes on as an overwrite, and
 * the bucket's next PUTs read first for a while (FreshKeys).
 */
async function publishEntry(s: RgwStore, b: BucketInfo, key: string, entry: IndexEntry, stamp: number, current: IndexEntry | undefined | 'unread', out: { drop: IndexEntry[] }): Promise<void> {
  if (current === 'unread') {
    try {
      return await publish(s, b, await planPut(s.index, b, key, entry, undefined, stamp), key);
    } catch (e) {
      if (!isErrno(e, 'ECANCELED')) throw e;
    }
    s.freshKeys.taken(b, Date.now());
    current = await s.entry(b, key);
  }
  const plan = await planPut(s.index, b, key, entry, current, stamp);
  out.drop = plan.drop;
  if (plan.drop.length) await s.recordPending(b, key, plan.drop);
  await publish(s, b, plan);
}

/** Named limits of the PUT path (docs/LIMITS.md, "rgw"). */
export const rgwPutLimits = {
  /**
   * From this size on, a head stripe's intent xattr goes in an op of its own, sent beside the
   * data's: one op would carry both payloads in one data segment, a copy of the whole stripe.
   */
  intentApartBytesMin: 256 << 10,
  /** After a PUT took its key to be fresh and found it taken, the bucket's PUTs read the entry first for this long. */
  freshKeyPauseMs: 1000,
  /** Buckets FreshKeys remembers a pause for; past it, the expired pauses go. */
  freshKeyPausedBucketsMax: 1024,
};

/**
 * Which small PUTs publish asserting their key absent (omap-cmp) instead of reading its entry
 * first: one OSD op less for a fresh key. Not in a Suspended bucket (its plan reads the key's
 * versions anyway), not while another PUT of the key is under way in this gateway (the OSD
 * compares against the index before the batch, so two assertions in one batch would both pass),
 * and not for a while in a bucket where a key was found taken (overwrites would fail batches).
 */
export class FreshKeys {
  /** PUTs under way per bucket id and key. */
  private readonly busy = new Map<string, number>();
  /** Bucket id -> until when its PUTs read first (ms). */
  private readonly paused = new Map<string, number>();

  /** A PUT of `key` starts: may it skip the entry read? Call end() when it is over, either way. */
  begin(b: BucketInfo, key: string, nowMs: number): boolean {
    const id = `${b.id}\u0000${key}`;
    const n = this.busy.get(id) ?? 0;
    this.busy.set(id, n + 1);
    if (n > 0 || b.versioning === 'Suspended') return false;
    const until = this.paused.get(b.id);
    if (until === undefined) return true;
    if (nowMs < until) return false;
    this.paused.delete(b.id);
    return true;
  }

  end(b: BucketInfo, key: string): void {
    const id = `${b.id}\u0000${key}`;
    const n = this.busy.get(id) ?? 1;
    if (n <= 1) this.busy.delete(id);
    else this.busy.set(id, n - 1);
  }

  /** A key of `b` taken to be fresh was not. */
  taken(b: BucketInfo, nowMs: number): void {
    if (this.paused.size >= rgwPutLimits.freshKeyPausedBucketsMax) for (const [id, until] of this.paused) if (until <= nowMs) this.paused.delete(id);
    this.paused.set(b.id, nowMs + rgwPutLimits.freshKeyPauseMs);
  }
}

/**
 * The head stripe with its intent xattr. Either op may land first or alone before a crash: a head
 * without its intent is removed by the collector, and one with the intent but not the data is
 * unpublished (the publish waits for both), so the collector removes it too.
 */
async function writeHead(s: RgwStore, oid: string, body: Buffer, intent: HeadIntent): Promise<void> {
  if (body.length < rgwPutLimits.intentApartBytesMin) {
    await s.data.operate(oid, new WriteOp().writeFull(body).setxattr(rgwHeadIntentXattr, json(intent)));
    return;
  }
  await Promise.all([s.data.operate(oid, new WriteOp().setxattr(rgwHeadIntentXattr, json(intent))), s.data.operate(oid, new WriteOp().writeFull(body))]);
}

/** Several stripes: the intent recorded (beside the entry read), then the stripes, then the publish. */
async function putStriped(s: RgwStore, b: BucketInfo, key: string, body: Buffer, entry: IndexEntry, stamp: number): Promise<IndexEntry> {
  entry.data = `${b.id}_${s.ids.hex(12)}`;
  const recorded = s.recordPending(b, key, [entry]);
  let plan: IndexPlan;
  try {
    plan = await planPut(s.index, b, key, entry, await s.entry(b, key), stamp);
  } catch (e) {
    await recorded.then(() => s.clearPending(b, [entry]), () => undefined);
    throw e;
  }
  // Intents first: if we die from here on, the collector finds whichever of the data sets the
  // index does not name and removes it. The replaced data sets need theirs only before the
  // publish, so they are recorded while the stripes are written.
  const intents = [entry, ...plan.drop];
  await recorded;
  await Promise.all([plan.drop.length ? s.recordPending(b, key, plan.drop) : undefined, s.writeData(entry.data, body)]);
  try {
    await publish(s, b, plan);
  } catch (e) {
    await s.removeData(entry);
    await s.clearPending(b, intents);
    throw e;
  }
  await cleanUp(s, b, plan.drop, intents);
  return entry;
}

async function publish(s: RgwStore, b: BucketInfo, plan: IndexPlan, absent?: string): Promise<void> {
  try {
    await s.applyPlan(b, plan, absent);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) throw new S3Error('NoSuchBucket', `the bucket ${b.name} was deleted`);
    throw e;
  }
}

async function removeReplaced(s: RgwStore, b: BucketInfo, drop: DataSet[]): Promise<void> {
  try {
    for (const d of drop) await s.removeData(d);
  } catch (e) {
    log.dout(1, `after a PUT into ${b.name}: ${(e as Error).message} (the collector will finish it)`);
  }
}

/** Remove the replaced data sets, then clear the records; a failure is left to the collector. */
async function cleanUp(s: RgwStore, b: BucketInfo, drop: DataSet[], records: DataSet[]): Promise<void> {
  try {
    for (const d of drop) await s.removeData(d);
    await s.clearPending(b, records);
  } catch (e) {
    log.dout(1, `after a PUT into ${b.name}: ${(e as Error).message} (the collector will finish it)`);
  }
}
