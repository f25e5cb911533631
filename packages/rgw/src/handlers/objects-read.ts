/**
 * GetObject and HeadObject (radosgw's RGWGetObj): the stored content headers and x-amz-meta-*,
 * ranges, preconditions (If-Match / If-Unmodified-Since → 412, If-None-Match /
 * If-Modified-Since → 304 without a body) and x-amz-tagging-count.
 */
import { evaluatePreconditions } from '../core/conditions';
import { S3Error } from '../core/errors';
import { parseRange } from '../range';
import { BucketInfo, IndexEntry } from '../store';
import { Ctx } from './context';

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

export async function getObject(c: Ctx, b: BucketInfo, key: string): Promise<void> {
  const e = await c.store.headObject(b, key);
  const h = c.req.headers;
  const verdict = evaluatePreconditions({ ifMatch: h['if-match'], ifNoneMatch: h['if-none-match'], ifModifiedSince: h['if-modified-since'], ifUnmodifiedSince: h['if-unmodified-since'] }, e.etag, e.mtimeMs);
  if (verdict === 'failed') throw new S3Error('PreconditionFailed', 'at least one of the preconditions you specified did not hold');
  const headers = objectHeaders(e);
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
  const data = e.size === 0 ? Buffer.alloc(0) : await c.store.readObject(e, start, end);
  c.res.writeHead(range ? 206 : 200, headers);
  c.res.end(data);
}
