import { S3Error } from '../core/errors';
import { BucketInfo, IndexEntry } from '../store';
import { findVersion } from '../store-versions';
import { authorize, objectAcl } from './bucket-access';
import { Ctx, decodePath } from './context';

/** x-amz-copy-source: "bucket/key" or "/bucket/key", percent-encoded, optionally with "?versionId=". */
export function parseCopySource(h: string): { bucket: string; key: string; versionId?: string } {
  let s = h.startsWith('/') ? h.slice(1) : h;
  let versionId: string | undefined;
  const q = s.indexOf('?');
  if (q >= 0) {
    versionId = new URLSearchParams(s.slice(q + 1)).get('versionId') ?? undefined;
    s = s.slice(0, q);
  }
  const slash = s.indexOf('/');
  if (slash <= 0 || slash === s.length - 1) throw new S3Error('InvalidArgument', 'copy source must be of the form bucket/key');
  return { bucket: decodePath(s.slice(0, slash)), key: decodePath(s.slice(slash + 1)), versionId };
}

/**
 * The copy source's bucket and entry (its version when one is named), read-checked against the
 * requester with the source bucket's policy and the object's ACL, as a GET of it would be.
 */
export async function copySource(c: Ctx): Promise<{ bucket: BucketInfo; key: string; entry: IndexEntry }> {
  const src = parseCopySource(String(c.req.headers['x-amz-copy-source']));
  const bucket = await c.store.bucket(src.bucket);
  const entry = src.versionId !== undefined && src.versionId !== 'null' ? await findVersion(c.store.index, bucket, src.key, src.versionId) : await c.store.headObject(bucket, src.key);
  authorize(c, bucket, src.versionId !== undefined ? 's3:GetObjectVersion' : 's3:GetObject', { key: src.key, perm: 'READ', acl: objectAcl(bucket, entry) });
  if (entry.deleteMarker) throw new S3Error('InvalidRequest', 'the copy source is a delete marker');
  return { bucket, key: src.key, entry };
}
