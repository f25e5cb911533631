/**
 * GetObject and HeadObject (radosgw's RGWGetObj): the stored content headers and x-amz-meta-*,
 * ranges, preconditions (If-Match / If-Unmodified-Since → 412, If-None-Match /
 * If-Modified-Since → 304 without a body) and x-amz-tagging-count.
 */
import { evaluatePreconditions } from '../core/conditions';
import { S3Error } from '../core/errors';
import { parseRange } from '../range';
import { BucketInfo, IndexEntry } from '../store';
import { findVersion } from '../store-versions';
import { authorize, objectAcl } from './bucket-access';
import { Ctx } from './context';
import { sseCResponseHeaders } from '../core/sse-c';
import { readKey, readPlain } from './sse';

/** The headers every GET/HEAD answer (also a 304) carries for an object. */
export function objectHeaders(e: IndexEntry): Record<string, string | number> {
  const h: Record<string, string | number> = {
    etag: `"${e.etag}"`,
    'last-modified': new Date(e.mtimeMs).toUTCString(),
    'content-type': e.contentType,
    'accept-ranges': 'bytes',
    ...e.headers,
    ...e.meta,
  };
  if (e.tags?.length) h['x-amz-tagging-count'] = e.tags.length;
  return h;
}

/** The entry a GET/HEAD asks for (a version with ?versionId), read-checked against the requester. */
async function readableEntry(c: Ctx, b: BucketInfo, key: string): Promise<IndexEntry> {
  const vid = c.query.get('versionId');
  const e = await (vid !== null ? findVersion(c.store.index, b, key, vid) : c.store.headObject(b, key)).catch((err: unknown) => {
    // S3 tells a missing key apart only to those who may list the bucket; others get AccessDenied.
    if (err instanceof S3Error && (err.code === 'NoSuchKey' || err.code === 'NoSuchVersion')) authorize(c, b, 's3:ListBucket', { perm: 'READ' });
    throw err;
  });
  authorize(c, b, vid !== null ? 's3:GetObjectVersion' : 's3:GetObject', { key, perm: 'READ', acl: objectAcl(b, e) });
  if (e.deleteMarker) {
    // S3: a delete marker asked for by version id is "405 Method Not Allowed".
    c.res.setHeader('x-amz-delete-marker', 'true');
    c.res.setHeader('x-amz-version-id', vid ?? '');
    throw new S3Error('MethodNotAllowed', 'the specified method is not allowed against this resource');
  }
  return e;
}

export async function getObject(c: Ctx, b: BucketInfo, key: string): Promise<void> {
  const e = await readableEntry(c, b, key);
  const sseKey = readKey(c, e);
  const h = c.req.headers;
  const verdict = evaluatePreconditions({ ifMatch: h['if-match'], ifNoneMatch: h['if-none-match'], ifModifiedSince: h['if-modified-since'], ifUnmodifiedSince: h['if-unmodified-since'] }, e.etag, e.mtimeMs);
  if (verdict === 'failed') throw new S3Error('PreconditionFailed', 'at least one of the preconditions you specified did not hold');
  const headers = { ...objectHeaders(e), ...sseCResponseHeaders(e.crypt) };
  if (b.versioning && e.versionId) headers['x-amz-version-id'] = e.versionId;
  if (verdict === 'not-modified') {
    c.res.writeHead(304, { etag: `"${e.etag}"`, 'last-modified': new Date(e.mtimeMs).toUTCString() });
    return void c.res.end();
  }
  const range = h.range ? parseRange(h.range, e.size) : undefined;
  const [start, end] = range ?? [0, e.size - 1];
  headers['content-length'] = e.size === 0 ? 0 : end - start + 1;
  if (range) headers['content-range'] = `bytes ${start}-${end}/${e.size}`;
  if (c.method === 'HEAD') {
    c.res.writeHead(range ? 206 : 200, headers);
    return void c.res.end();
  }
  const data = await readPlain(c, e, start, end, sseKey);
  c.res.writeHead(range ? 206 : 200, headers);
  c.res.end(data);
}
