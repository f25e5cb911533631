/**
 * The records of ts-rgw's RADOS layout (docs/formats/rgw.md): users, buckets, bucket index
 * entries, data sets and pending records, as stored (JSON).
 */
import type { Acl } from './core/acl';
import type { CorsRule } from './core/cors';
import type { VersioningState } from './core/versions';
import type { CryptInfo } from './core/sse-c';
import type { QuotaInfo } from './quota';

export interface UserInfo {
  uid: string;
  displayName: string;
  keys: { accessKey: string; secretKey: string }[];
  createdMs: number;
  email?: string;
  suspended?: boolean;
  maxBuckets?: number;
  /** radosgw-admin quota set --quota-scope=user / =bucket (the default for the user's buckets). */
  userQuota?: QuotaInfo;
  bucketQuota?: QuotaInfo;
}

export interface BucketInfo {
  name: string;
  id: string;
  owner: string;
  createdMs: number;
  /** PutBucketVersioning's state; absent until first configured. */
  versioning?: VersioningState;
  /** The bucket ACL; absent: private to the owner. */
  acl?: Acl;
  /** PutBucketPolicy's document, as sent. */
  policy?: string;
  /** PutBucketCors's rules. */
  cors?: CorsRule[];
  /** radosgw-admin quota set --bucket. */
  quota?: QuotaInfo;
}

/** One bucket index entry (the omap value under the object's key). */
export interface IndexEntry {
  size: number;
  etag: string;
  mtimeMs: number;
  contentType: string;
  meta: Record<string, string>;
  /** Data objects are `${data}.${n}` for n < ceil(size / stripeBytes) (one, empty, for size 0). */
  data: string;
  /** A completed multipart upload: its parts' data sets in order (then `data` names no stripes). */
  parts?: DataSet[];
  /** Content-Disposition, Cache-Control, Expires, Content-Encoding, Content-Language as sent (lower-case names). */
  headers?: Record<string, string>;
  /** The object's tag set (PutObjectTagging, x-amz-tagging), in the order given. */
  tags?: [string, string][];
  /** The object key (version entries need it; docs/formats/rgw.md, "Versions"). */
  key?: string;
  /** S3's version id, "null" for the null version; absent in entries written before versioning. */
  versionId?: string;
  /** The omap key of this version's entry. */
  vkey?: string;
  /** A delete marker: no data (size 0, data ''). */
  deleteMarker?: boolean;
  /** The object ACL (its owner is the uploader); absent in entries from before ACLs: the bucket owner's. */
  acl?: Acl;
  /** SSE-C: the data is encrypted with the customer's key (handlers/sse.ts). */
  crypt?: CryptInfo;
}

/** What a PUT or copy sets besides the data (the ETag defaults to the data's md5). */
export type ObjectAttrs = Pick<IndexEntry, 'contentType' | 'meta' | 'headers' | 'tags' | 'acl' | 'crypt'> & { etag?: string };

/** One striped data set: `${data}.${n}` for n < ceil(size / stripeBytes). */
export interface DataSet {
  data: string;
  size: number;
}

/**
 * A pending record: the data set `data` (of `size` bytes, or made of `parts`) of `key`, recorded
 * at `startedMs`; `upload` names the multipart upload object whose part it is.
 */
export interface PendingData {
  key: string;
  data: string;
  size: number;
  startedMs: number;
  parts?: DataSet[];
  upload?: string;
  /** The version entry that names `data` once published (absent: the key's current entry). */
  vkey?: string;
}

/**
 * A reserved data set name (data-reserve.ts): recorded before any PUT uses it, so it names no key;
 * the head stripe `${data}.0`, once written, carries a HeadIntent saying which entry will name it.
 */
export interface ReservedData {
  data: string;
  startedMs: number;
  reserved: true;
}

/** The xattr `rgwHeadIntentXattr` of a small object's head stripe: the entry that names it once published. */
export interface HeadIntent {
  key: string;
  vkey: string;
}
