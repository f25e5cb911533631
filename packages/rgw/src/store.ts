import { randomBytes } from 'node:crypto';
import { CephError, Errno, isCephError } from '@ts-ceph/common';
import { IoCtx, Rados, ReadOp, WriteOp } from '@ts-ceph/rados';
import { CephOsdCmpxattrOp } from '@ts-ceph/messages';
import { S3Error } from './core/errors';
import { Acl } from './core/acl';
import { checkObjectKey, versionNs } from './core/versions';
import { IndexPlan, planDelete, planPut, VersionStamper } from './store-versions';
import { collectGarbage } from './store-gc';
import { OmapKeyReader, OpBatcher } from './op-batch';
import { RandomPool } from './random-pool';
import { MetaCache, MetaKind, notifyMetaChange } from './meta-cache';

/** Named limits of the RADOS layout (docs/LIMITS.md, "rgw"; docs/formats/rgw.md). */
export const rgwStoreLimits = {
  /** Bytes of one data stripe object (radosgw's rgw_obj_stripe_size is 4 MiB too). */
  stripeBytes: 4 << 20,
  /** Bytes of one object PUT in a single request (S3's limit is 5 GiB; larger objects go through multipart uploads). */
  objectBytesMax: 1 << 30,
  /** Bytes of an object key (S3's limit). */
  keyBytesMax: 1024,
  /** Tries of an index update that lost a race (assert_version) before giving up. */
  raceRetriesMax: 8,
};

/** The pools of the layout, after a configurable prefix. */
export function rgwPools(prefix: string): { meta: string; index: string; data: string } {
  return { meta: `${prefix}.meta`, index: `${prefix}.index`, data: `${prefix}.data` };
}

export * from './store-types';
import type { BucketInfo, DataSet, IndexEntry, ObjectAttrs, PendingData, ReservedData, UserInfo } from './store-types';
import { FreshKeys, putObject } from './store-put';
import { DataSetReserver } from './data-reserve';

export const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

export function isErrno(e: unknown, ...names: (keyof typeof Errno)[]): e is CephError {
  return names.some((n) => isCephError(e, n));
}

/** The value omap-cmp compares a key with to assert that it is absent (the OSD reads a missing key as empty). */
const noValue = Buffer.alloc(0);

/** Buffer.concat copies even a single buffer. */
const concatOrOnly = (b: Buffer[]): Buffer => (b.length === 1 ? b[0]! : Buffer.concat(b));

function stripes(size: number): number {
  return Math.max(1, Math.ceil(size / rgwStoreLimits.stripeBytes));
}

/**
 * ts-rgw's objects in RADOS (docs/formats/rgw.md), with standard ops only, so the same layout runs
 * on a real Ceph cluster: users, keys and buckets in the meta pool (exclusive creates make names
 * unique), a bucket index per bucket as omap entries in the index pool, object data striped in the
 * data pool under a fresh name per upload, published by one index update once every stripe is
 * written: a gateway killed mid-upload leaves only unreferenced stripes, never a half object.
 */
export class RgwStore {
  /** Which small PUTs skip the entry read (store-put.ts). */
  readonly freshKeys = new FreshKeys();
  /** Version stamps of this gateway (store-put.ts takes them too). */
  readonly stamper = new VersionStamper();
  /** Set in a gateway (enableCache); admin tools read the records fresh. */
  private cache?: MetaCache;
  /** Group commit of index publishes and pending records (op-batch.ts). */
  private readonly batch: OpBatcher;
  private readonly entryReader: OmapKeyReader;
  /** Request ids and data set names (random-pool.ts). */
  readonly ids = new RandomPool();
  /** Data set names recorded ahead for small PUTs (data-reserve.ts). */
  readonly reserver: DataSetReserver;

  private constructor(
    /** The meta pool (users, keys, buckets; admin.ts reads it too). */
    readonly meta: IoCtx,
    /** The index pool (also holds multipart upload objects: multipart.ts). */
    readonly index: IoCtx,
    /** The data pool. */
    readonly data: IoCtx,
  ) {
    this.batch = new OpBatcher(index);
    this.entryReader = new OmapKeyReader(index);
    this.reserver = new DataSetReserver({
      newName: (b) => `${b.id}_${this.ids.hex(12)}`,
      record: (b, names, atMs, clear) => {
        const vals = new Map(names.map((data) => [data, json({ data, startedMs: atMs, reserved: true } satisfies ReservedData)]));
        return this.batch.submit(`pending.${b.id}`, () => undefined, (op) => {
          if (clear.length) op.omapRmKeys(clear);
          op.omapSet(vals);
        });
      },
      clear: (b, names) => this.clearPending(b, names.map((data) => ({ data, size: 0 }))),
      nowMs: () => Date.now(),
    });
  }

  /** The gateway stops: drop the names reserved and not used. */
  async close(): Promise<void> {
    await this.reserver.close();
  }

  /** Open the layout's pools, creating missing ones with the monitor's defaults. */
  static async open(rados: Rados, prefix: string): Promise<RgwStore> {
    const p = rgwPools(prefix);
    for (const name of Object.values(p)) if (!rados.poolList().includes(name)) await rados.poolCreate(name, 8);
    return new RgwStore(rados.ioctx(p.meta), rados.ioctx(p.index), rados.ioctx(p.data));
  }

  /** Cache users, keys and buckets, kept coherent by watch/notify (meta-cache.ts); the gateway calls it at start. */
  async enableCache(): Promise<void> {
    const c = new MetaCache();
    await c.start(this.meta);
    this.cache = c;
  }

  /** After a user, key or bucket record changed: drop it here and in every gateway's cache (waits for their acks). */
  async metaChanged(kind: MetaKind, name: string): Promise<void> {
    this.cache?.drop(kind, name);
    await notifyMetaChange(this.meta, kind, name);
  }

  private cached<T>(kind: MetaKind, name: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    return this.cache ? this.cache.get(kind, name, Date.now(), load) : load();
  }

  // ---- users -----------------------------------------------------------------------------------------

  async createUser(uid: string, displayName: string, key?: { accessKey: string; secretKey: string }): Promise<UserInfo> {
    const k = key ?? { accessKey: randomBytes(10).toString('hex').toUpperCase(), secretKey: randomBytes(30).toString('base64') };
    const info: UserInfo = { uid, displayName, keys: [k], createdMs: Date.now() };
    await this.meta.operate(`user.${uid}`, new WriteOp().create(true).writeFull(json(info)));
    await this.meta.operate(`key.${k.accessKey}`, new WriteOp().create(true).writeFull(Buffer.from(uid)));
    return info;
  }

  async userInfo(uid: string): Promise<UserInfo | undefined> {
    return this.cached('user', uid, async () => {
      try {
        return JSON.parse((await this.meta.read(`user.${uid}`)).toString()) as UserInfo;
      } catch (e) {
        if (isErrno(e, 'ENOENT')) return undefined;
        throw e;
      }
    });
  }

  /** The user and secret of an access key, or undefined. */
  async userByAccessKey(accessKey: string): Promise<{ user: UserInfo; secret: string } | undefined> {
    const uid = await this.cached('key', accessKey, async () => {
      try {
        return (await this.meta.read(`key.${accessKey}`)).toString();
      } catch (e) {
        if (isErrno(e, 'ENOENT')) return undefined;
        throw e;
      }
    });
    if (uid === undefined) return undefined;
    const user = await this.userInfo(uid);
    const k = user?.keys.find((x) => x.accessKey === accessKey);
    return user && k ? { user, secret: k.secretKey } : undefined;
  }

  // ---- buckets ---------------------------------------------------------------------------------------

  async bucket(name: string): Promise<BucketInfo> {
    const b = await this.cached('bucket', name, async () => {
      try {
        return JSON.parse((await this.meta.read(`bucket.${name}`)).toString()) as BucketInfo;
      } catch (e) {
        if (isErrno(e, 'ENOENT')) return undefined;
        throw e;
      }
    });
    if (!b) throw new S3Error('NoSuchBucket', `the bucket ${name} does not exist`);
    return b;
  }

  async listBuckets(uid: string): Promise<{ name: string; createdMs: number }[]> {
    try {
      const { vals } = await this.meta.omapGetVals(`buckets.${uid}`);
      return [...vals].map(([name, v]) => ({ name, createdMs: Number(v.toString()) }));
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return [];
      throw e;
    }
  }

  /** Create: the bucket's meta object exclusively (its name is taken once), then its index object. */
  async createBucket(uid: string, name: string, acl?: Acl): Promise<void> {
    const info: BucketInfo = { name, id: `${name}.${randomBytes(8).toString('hex')}`, owner: uid, createdMs: Date.now(), acl };
    try {
      await this.meta.operate(`bucket.${name}`, new WriteOp().create(true).writeFull(json(info)));
    } catch (e) {
      if (!isErrno(e, 'EEXIST')) throw e;
      const have = await this.bucket(name);
      if (have.owner === uid) throw new S3Error('BucketAlreadyOwnedByYou', `you already own ${name}`);
      throw new S3Error('BucketAlreadyExists', `the bucket name ${name} is not available`);
    }
    await this.index.operate(`index.${info.id}`, new WriteOp().create(true));
    await this.meta.omapSet(`buckets.${uid}`, new Map([[name, Buffer.from(String(info.createdMs))]]));
  }

  /**
   * Delete an empty bucket. The index is read with its version and removed only at that version
   * (assert_version), so an object published in between makes the removal fail and the check
   * run again; a PUT asserts the index exists, so none lands in a removed index.
   */
  async deleteBucket(uid: string, name: string): Promise<void> {
    const b = await this.bucket(name);
    if (b.owner !== uid) throw new S3Error('AccessDenied', `${name} belongs to another user`);
    for (let i = 0; ; i++) {
      const r = await this.index.operateRead(`index.${b.id}`, new ReadOp().omapGetKeys('', 1));
      if ((r.results[0]!.value as { keys: string[] }).keys.length) throw new S3Error('BucketNotEmpty', `the bucket ${name} is not empty`);
      try {
        await this.index.operate(`index.${b.id}`, new WriteOp().assertVersion(r.version).remove());
        break;
      } catch (e) {
        if (!isErrno(e, 'ERANGE', 'EOVERFLOW') || i >= rgwStoreLimits.raceRetriesMax) throw e;
      }
    }
    await this.meta.remove(`bucket.${name}`);
    await this.metaChanged('bucket', name);
    await this.meta.omapRmKeys(`buckets.${uid}`, [name]);
    await this.reserver.forget(b).catch(() => undefined);
    // The pending record object goes with the bucket when nothing is in flight (else the collector keeps it).
    const pending = await this.index.omapGetKeys(`pending.${b.id}`, { max: 1 }).catch(() => undefined);
    if (pending && !pending.keys.length) await this.index.remove(`pending.${b.id}`).catch(() => undefined);
  }

  // ---- objects ---------------------------------------------------------------------------------------

  /** S3 PUT of a whole object (store-put.ts). */
  putObject(b: BucketInfo, key: string, body: Buffer, attrs: ObjectAttrs): Promise<IndexEntry> {
    return putObject(this, b, key, body, attrs);
  }

  /**
   * How publishing `entry` under `key` changes the index for the bucket's versioning state (sets
   * entry.versionId and vkey); multipart completion applies it like a PUT does.
   */
  async planPublish(b: BucketInfo, key: string, entry: IndexEntry): Promise<IndexPlan> {
    checkObjectKey(key);
    return planPut(this.index, b, key, entry, await this.entry(b, key), this.stamper.next(entry.mtimeMs));
  }

  /** Write `body` as the stripes of the data set `data`. */
  async writeData(data: string, body: Buffer): Promise<void> {
    const sb = rgwStoreLimits.stripeBytes;
    await Promise.all(Array.from({ length: stripes(body.length) }, (_, i) => this.data.writeFull(`${data}.${i}`, body.subarray(i * sb, (i + 1) * sb))));
  }

  /** One write op on the index: the bucket must still exist, then removals, then new entries. */
  /**
   * Publish `plan` on the index. With `absent`, the publish also asserts that this key has no
   * entry (omap-cmp against empty): ECANCELED when it has one, and then nothing of the plan (nor,
   * the batch failing, of the others, which are retried alone) is applied.
   */
  async applyPlan(b: BucketInfo, plan: IndexPlan, absent?: string): Promise<void> {
    // A PUT sets one entry under two keys (the object's and its version's): serialised once.
    const text = new Map<IndexEntry, Buffer>();
    const set = new Map([...plan.set].map(([k, v]) => [k, text.get(v) ?? text.set(v, json(v)).get(v)!]));
    const cmp = absent === undefined ? undefined : new Map([[absent, { value: noValue, op: CephOsdCmpxattrOp.EQ }]]);
    // Batched with the other publishes in flight on this index: one assert_exists guards them all.
    await this.batch.submit(
      `index.${b.id}`,
      (op) => op.assertExists(),
      (op) => {
        if (cmp) op.omapCmp(cmp);
        if (plan.rm.length) op.omapRmKeys(plan.rm);
        if (set.size) op.omapSet(set);
      },
    );
  }

  /** pending.<bucket id>: data sets an upload or a delete is about to create or drop. */
  async recordPending(b: BucketInfo, key: string, sets: (DataSet & { parts?: DataSet[]; vkey?: string })[], upload?: string): Promise<void> {
    const now = Date.now();
    const vals = new Map(sets.map((e) => [e.data, json({ key, data: e.data, size: e.size, startedMs: now, parts: e.parts, upload, vkey: e.vkey } satisfies PendingData)]));
    await this.batch.submit(`pending.${b.id}`, () => undefined, (op) => op.omapSet(vals));
  }

  async clearPending(b: BucketInfo, sets: DataSet[]): Promise<void> {
    const keys = sets.map((e) => e.data);
    await this.batch.submit(`pending.${b.id}`, () => undefined, (op) => op.omapRmKeys(keys)).catch((e: unknown) => {
      // Gone with its bucket: nothing left to clear.
      if (!isErrno(e, 'ENOENT')) throw e;
    });
  }

  /** The garbage collector (store-gc.ts); returns how many data sets it removed. */
  async collectGarbage(graceMs: number): Promise<number> {
    return collectGarbage(this, graceMs);
  }


  /** The index entry of `key`, or undefined. */
  async entry(b: BucketInfo, key: string): Promise<IndexEntry | undefined> {
    try {
      // Batched with the other entry reads in flight on this index (op-batch.ts).
      const v = await this.entryReader.get(`index.${b.id}`, key);
      return v ? (JSON.parse(v.toString()) as IndexEntry) : undefined;
    } catch (e) {
      if (isErrno(e, 'ENOENT')) throw new S3Error('NoSuchBucket', `the bucket ${b.name} does not exist`);
      throw e;
    }
  }

  /**
   * Change the index entry of `key` in place (its tags): the index is read with its version and
   * written only at that version (assert_version), so an overwrite in between is never undone.
   */
  async updateEntry(b: BucketInfo, key: string, change: (e: IndexEntry) => IndexEntry): Promise<IndexEntry> {
    for (let i = 0; ; i++) {
      let r;
      try {
        r = await this.index.operateRead(`index.${b.id}`, new ReadOp().omapGetValsByKeys([key]));
      } catch (e) {
        if (isErrno(e, 'ENOENT')) throw new S3Error('NoSuchBucket', `the bucket ${b.name} does not exist`);
        throw e;
      }
      const v = (r.results[0]!.value as Map<string, Buffer>).get(key);
      if (!v) throw new S3Error('NoSuchKey', 'the specified key does not exist');
      const next = change(JSON.parse(v.toString()) as IndexEntry);
      try {
        // The current entry and its version entry hold the same JSON: both change together.
        const vals = new Map([[key, json(next)]]);
        if (next.vkey) vals.set(next.vkey, json(next));
        await this.index.operate(`index.${b.id}`, new WriteOp().assertVersion(r.version).omapSet(vals));
        return next;
      } catch (e) {
        if (!isErrno(e, 'ERANGE', 'EOVERFLOW') || i >= rgwStoreLimits.raceRetriesMax) throw e;
      }
    }
  }

  async headObject(b: BucketInfo, key: string): Promise<IndexEntry> {
    const e = await this.entry(b, key);
    if (!e) throw new S3Error('NoSuchKey', 'the specified key does not exist');
    return e;
  }

  /** Bytes [start, end] of the object (inclusive, already clamped by the caller). */
  async readObject(e: IndexEntry, start: number, end: number): Promise<Buffer> {
    if (!e.parts) return this.readDataSet(e, start, end);
    const reads: Promise<Buffer>[] = [];
    let off = 0;
    for (const p of e.parts) {
      const from = Math.max(start, off);
      const to = Math.min(end, off + p.size - 1);
      if (from <= to) reads.push(this.readDataSet(p, from - off, to - off));
      off += p.size;
    }
    return concatOrOnly(await Promise.all(reads));
  }

  private async readDataSet(e: DataSet, start: number, end: number): Promise<Buffer> {
    const parts: Promise<Buffer>[] = [];
    const sb = rgwStoreLimits.stripeBytes;
    for (let i = Math.floor(start / sb); i * sb <= end && end >= start; i++) {
      const from = Math.max(start, i * sb) - i * sb;
      const to = Math.min(end, (i + 1) * sb - 1) - i * sb;
      parts.push(this.data.read(`${e.data}.${i}`, to - from + 1, from));
    }
    // One stripe (any object up to 4 MiB): its reply's data as it is, not a copy.
    return concatOrOnly(await Promise.all(parts));
  }

  /** S3 DELETE (no error when the key or version is absent); a delete marker in a versioned bucket. */
  async deleteObject(b: BucketInfo, key: string, versionId?: string): Promise<{ versionId?: string; deleteMarker?: boolean }> {
    const cur = await this.entry(b, key);
    const now = Date.now();
    const plan = await planDelete(this.index, b, key, cur, versionId, this.stamper.next(now), now);
    if (!plan.rm.length && !plan.set.size) return { versionId: plan.versionId, deleteMarker: plan.deleteMarker };
    await this.recordPending(b, key, plan.drop);
    await this.applyPlan(b, plan);
    for (const d of plan.drop) await this.removeData(d);
    await this.clearPending(b, plan.drop);
    return { versionId: plan.versionId, deleteMarker: plan.deleteMarker };
  }

  /** Rewrite the bucket's record (versioning, ACL, policy, CORS) at the version read; a racing update retries. */
  async updateBucket(name: string, change: (b: BucketInfo) => BucketInfo): Promise<void> {
    for (let i = 0; ; i++) {
      const r = await this.meta.operateRead(`bucket.${name}`, new ReadOp().read(0, 0)).catch((e: unknown) => {
        throw isErrno(e, 'ENOENT') ? new S3Error('NoSuchBucket', `the bucket ${name} does not exist`) : e;
      });
      const b = JSON.parse((r.results[0]!.value as Buffer).toString()) as BucketInfo;
      try {
        await this.meta.operate(`bucket.${name}`, new WriteOp().assertVersion(r.version).writeFull(json(change(b))));
        await this.metaChanged('bucket', name);
        return;
      } catch (e) {
        if (!isErrno(e, 'ERANGE', 'EOVERFLOW') || i >= rgwStoreLimits.raceRetriesMax) throw e;
      }
    }
  }

  /** Remove a data set's stripes (every part's, for a multipart object); absent ones are fine. */
  async removeData(e: DataSet & { parts?: DataSet[] }): Promise<void> {
    if (e.parts) {
      for (const p of e.parts) await this.removeData(p);
      return;
    }
    await Promise.all(
      Array.from({ length: stripes(e.size) }, (_, i) =>
        this.data.remove(`${e.data}.${i}`).catch((err: unknown) => {
          if (!isErrno(err, 'ENOENT')) throw err;
        }),
      ),
    );
  }

  /**
   * A listing page: keys after `after` starting with `prefix`; with a delimiter, keys holding it
   * past the prefix fold into common prefixes (each counted once toward maxKeys).
   */
  async list(b: BucketInfo, o: { prefix: string; delimiter: string; after: string; maxKeys: number }): Promise<{ entries: [string, IndexEntry][]; commonPrefixes: string[]; truncated: boolean; last: string }> {
    const entries: [string, IndexEntry][] = [];
    const commonPrefixes: string[] = [];
    let after = o.after;
    let last = '';
    // A page that ended on a common prefix resumes after it: skip the rest of its keys.
    let skip = o.delimiter && o.after.endsWith(o.delimiter) ? o.after : '';
    for (;;) {
      const page = await this.index.omapGetVals(`index.${b.id}`, { startAfter: after, prefix: o.prefix, max: 1000 });
      for (const [k, v] of page.vals) {
        after = k;
        // The version namespace sorts after every key: the listing ends there.
        if (k.startsWith(versionNs)) return { entries, commonPrefixes, truncated: false, last };
        if (skip && k.startsWith(skip)) continue;
        const cut = o.delimiter ? k.indexOf(o.delimiter, o.prefix.length) : -1;
        if (cut >= 0) {
          const cp = k.slice(0, cut + o.delimiter.length);
          if (entries.length + commonPrefixes.length >= o.maxKeys) return { entries, commonPrefixes, truncated: true, last };
          commonPrefixes.push(cp);
          skip = cp;
          last = cp;
          continue;
        }
        if (entries.length + commonPrefixes.length >= o.maxKeys) return { entries, commonPrefixes, truncated: true, last };
        entries.push([k, JSON.parse(v.toString()) as IndexEntry]);
        last = k;
      }
      if (!page.more) return { entries, commonPrefixes, truncated: false, last };
    }
  }
}
