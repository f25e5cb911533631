/**
 * Quotas (radosgw's src/rgw/rgw_quota.cc, as radosgw-admin sets them): a user quota over all the
 * user's buckets and a bucket quota, the bucket's own when enabled, else the owner's default bucket
 * quota. Usage is counted from the bucket index (every stored version, delete markers aside) when a
 * PUT meets an enabled quota, so it is exact but costs a walk of the index: fine for the bucket
 * sizes ts-rgw serves today, and only paid by buckets with quotas.
 */
import { S3Error } from './core/errors';
import { versionNs } from './core/versions';
import { BucketInfo, IndexEntry, RgwStore, UserInfo } from './store';

/** radosgw's RGWQuotaInfo, with its JSON names; -1: no limit. */
export interface QuotaInfo {
  enabled: boolean;
  check_on_raw: boolean;
  max_size: number;
  max_size_kb: number;
  max_objects: number;
}

export const noQuota: QuotaInfo = { enabled: false, check_on_raw: false, max_size: -1, max_size_kb: 0, max_objects: -1 };

export interface Usage {
  size: number;
  numObjects: number;
}

/** Bytes and objects stored in a bucket: every version that holds data. */
export async function bucketUsage(store: RgwStore, b: BucketInfo): Promise<Usage> {
  const u: Usage = { size: 0, numObjects: 0 };
  let after = '';
  for (;;) {
    const page = await store.index.omapGetVals(`index.${b.id}`, { startAfter: after, prefix: versionNs, max: 1000 });
    for (const [k, v] of page.vals) {
      after = k;
      const e = JSON.parse(v.toString()) as IndexEntry;
      if (e.deleteMarker) continue;
      u.size += e.size;
      u.numObjects++;
    }
    if (!page.more) return u;
  }
}

function exceeds(q: QuotaInfo | undefined, u: Usage, addBytes: number): boolean {
  if (!q?.enabled) return false;
  return (q.max_objects >= 0 && u.numObjects + 1 > q.max_objects) || (q.max_size >= 0 && u.size + addBytes > q.max_size);
}

/** Refuse a PUT of `addBytes` into `b` with QuotaExceeded when it would pass a quota. */
export async function checkQuota(store: RgwStore, b: BucketInfo, addBytes: number): Promise<void> {
  const owner: UserInfo | undefined = await store.userInfo(b.owner);
  const bucketQuota = b.quota?.enabled ? b.quota : owner?.bucketQuota;
  if (bucketQuota?.enabled && exceeds(bucketQuota, await bucketUsage(store, b), addBytes)) throw new S3Error('QuotaExceeded', 'the bucket quota is exceeded');
  if (!owner?.userQuota?.enabled) return;
  const total: Usage = { size: 0, numObjects: 0 };
  for (const { name } of await store.listBuckets(owner.uid)) {
    const u = await bucketUsage(store, await store.bucket(name)).catch(() => ({ size: 0, numObjects: 0 }));
    total.size += u.size;
    total.numObjects += u.numObjects;
  }
  if (exceeds(owner.userQuota, total, addBytes)) throw new S3Error('QuotaExceeded', 'the user quota is exceeded');
}
