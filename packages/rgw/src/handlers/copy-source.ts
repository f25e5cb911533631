import { S3Error } from '../core/errors';
import { Ctx, decodePath } from './context';

/**
 * x-amz-copy-source: "bucket/key" or "/bucket/key", percent-encoded, optionally with
 * "?versionId=" (only "null" is accepted: ts-rgw keeps no versions).
 */
export function parseCopySource(h: string): { bucket: string; key: string } {
  let s = h.startsWith('/') ? h.slice(1) : h;
  const q = s.indexOf('?');
  if (q >= 0) {
    const v = new URLSearchParams(s.slice(q + 1)).get('versionId');
    if (v !== null && v !== 'null') throw new S3Error('NoSuchKey', 'the specified version does not exist');
    s = s.slice(0, q);
  }
  const slash = s.indexOf('/');
  if (slash <= 0 || slash === s.length - 1) throw new S3Error('InvalidArgument', 'copy source must be of the form bucket/key');
  return { bucket: decodePath(s.slice(0, slash)), key: decodePath(s.slice(slash + 1)) };
}

/** The copy source's bucket and key, read-checked against the requester (the owner only, no ACLs yet). */
export async function copySource(c: Ctx): Promise<{ bucket: string; key: string }> {
  const src = parseCopySource(String(c.req.headers['x-amz-copy-source']));
  const b = await c.store.bucket(src.bucket);
  if (b.owner !== c.user.uid) throw new S3Error('AccessDenied', 'access denied to the copy source');
  return src;
}
