/**
 * PutObject, CopyObject, DeleteObject and object tagging (radosgw's RGWPutObj, RGWCopyObj,
 * RGWDeleteObj, RGWPutObjTags / RGWGetObjTags / RGWDeleteObjTags in rgw_op.cc).
 */
import { evaluatePreconditions } from '../core/conditions';
import { S3Error } from '../core/errors';
import { taggingDocument, tagsFromHeader, tagsFromXml } from '../core/tagging';
import { doc, isoTime } from '../core/xml';
import { parseXml } from '../core/xml-parse';
import { BucketInfo, IndexEntry, ObjectAttrs } from '../store';
import { Ctx, sendXml, userMeta } from './context';
import { copySource } from './copy-source';
import { getObject } from './objects-read';

/** The content headers an object keeps from its PUT and returns on GET/HEAD. */
export const storedContentHeaders = ['content-disposition', 'cache-control', 'expires', 'content-encoding', 'content-language'] as const;

function contentHeaders(c: Ctx): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const n of storedContentHeaders) {
    const v = c.req.headers[n];
    if (typeof v === 'string') out[n] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

/** Content type, content headers, x-amz-meta-* and x-amz-tagging of this request. */
function requestAttrs(c: Ctx): ObjectAttrs {
  const t = c.req.headers['x-amz-tagging'];
  return { contentType: c.req.headers['content-type'] ?? 'binary/octet-stream', meta: userMeta(c), headers: contentHeaders(c), tags: typeof t === 'string' ? tagsFromHeader(t) : undefined };
}

export async function objectOp(c: Ctx, b: BucketInfo, key: string): Promise<void> {
  if (c.query.has('tagging')) return tagging(c, b, key);
  switch (c.method) {
    case 'PUT': {
      if (c.req.headers['x-amz-copy-source']) return copyObject(c, b, key);
      const e = await c.store.putObject(b, key, c.body, requestAttrs(c));
      c.res.writeHead(200, { etag: `"${e.etag}"`, 'content-length': 0 });
      return void c.res.end();
    }
    case 'GET':
    case 'HEAD':
      return getObject(c, b, key);
    case 'DELETE':
      await c.store.deleteObject(b, key);
      c.res.writeHead(204);
      return void c.res.end();
    default:
      throw new S3Error('MethodNotAllowed', `${c.method} is not allowed on an object`);
  }
}

/** x-amz-copy-source-if-*: a failing condition is 412 (a copy has no 304). */
function checkCopyConditions(c: Ctx, e: IndexEntry): void {
  const h = c.req.headers;
  const str = (n: string): string | undefined => (typeof h[n] === 'string' ? (h[n] as string) : undefined);
  const v = evaluatePreconditions(
    { ifMatch: str('x-amz-copy-source-if-match'), ifNoneMatch: str('x-amz-copy-source-if-none-match'), ifModifiedSince: str('x-amz-copy-source-if-modified-since'), ifUnmodifiedSince: str('x-amz-copy-source-if-unmodified-since') },
    e.etag,
    e.mtimeMs,
  );
  if (v !== 'ok') throw new S3Error('PreconditionFailed', 'at least one of the preconditions you specified did not hold');
}

async function copyObject(c: Ctx, b: BucketInfo, key: string): Promise<void> {
  const src = await copySource(c);
  const sb = await c.store.bucket(src.bucket);
  const e = await c.store.headObject(sb, src.key);
  checkCopyConditions(c, e);
  const directive = String(c.req.headers['x-amz-metadata-directive'] ?? 'COPY');
  const tagDirective = String(c.req.headers['x-amz-tagging-directive'] ?? 'COPY');
  if (!['COPY', 'REPLACE'].includes(directive) || !['COPY', 'REPLACE'].includes(tagDirective)) throw new S3Error('InvalidArgument', 'unknown metadata or tagging directive');
  if (sb.id === b.id && src.key === key && directive === 'COPY') {
    throw new S3Error('InvalidRequest', "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.");
  }
  const req = requestAttrs(c);
  const attrs: ObjectAttrs = directive === 'REPLACE' ? { ...req, tags: e.tags } : { contentType: e.contentType, meta: e.meta, headers: e.headers, tags: e.tags, etag: e.etag };
  if (tagDirective === 'REPLACE') attrs.tags = req.tags;
  const data = e.size === 0 ? Buffer.alloc(0) : await c.store.readObject(e, 0, e.size - 1);
  const out = await c.store.putObject(b, key, data, attrs);
  sendXml(
    c,
    200,
    doc('CopyObjectResult', [
      ['LastModified', isoTime(out.mtimeMs)],
      ['ETag', `"${out.etag}"`],
    ]),
  );
}

async function tagging(c: Ctx, b: BucketInfo, key: string): Promise<void> {
  switch (c.method) {
    case 'GET':
      return sendXml(c, 200, taggingDocument((await c.store.headObject(b, key)).tags ?? []));
    case 'PUT': {
      const tags = tagsFromXml(parseXml(c.body));
      await c.store.updateEntry(b, key, (e) => ({ ...e, tags }));
      c.res.writeHead(200, { 'content-length': 0 });
      return void c.res.end();
    }
    case 'DELETE':
      await c.store.updateEntry(b, key, (e) => ({ ...e, tags: undefined }));
      c.res.writeHead(204);
      return void c.res.end();
    default:
      throw new S3Error('MethodNotAllowed', `${c.method} is not allowed on tagging`);
  }
}
