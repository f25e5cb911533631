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
import { checkQuota } from '../quota';
import { authorize, objectAcl, requestedAcl } from './bucket-access';
import { objectAclOp } from './bucket-config';
import { Ctx, requestOwner, sendXml, userMeta } from './context';
import { copySource } from './copy-source';
import { getObject } from './objects-read';
import { findVersion } from '../store-versions';
import { updateVersionEntry } from '../store-version-entry';
import { copySourceSsePrefix, sseCResponseHeaders } from '../core/sse-c';
import { encryptBody, readKey, readPlain, requestKey } from './sse';

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

/**
 * The ACL of an object this request creates (PUT, copy, multipart): x-amz-acl or x-amz-grant-*,
 * else private to its owner, the uploader (anonymous writers leave it to the bucket owner).
 */
export function newObjectAcl(c: Ctx, b: BucketInfo): NonNullable<ObjectAttrs['acl']> {
  const owner = requestOwner(c, b.owner);
  return requestedAcl(c.req.headers, owner, b.owner) ?? { owner, grants: [{ grantee: { type: 'CanonicalUser', id: owner.id, displayName: owner.displayName }, permission: 'FULL_CONTROL' }] };
}

/** x-amz-version-id for an answer about `versionId`, in a bucket that has versioning configured. */
export function versionHeader(b: BucketInfo, versionId: string | undefined): Record<string, string> {
  return b.versioning && versionId ? { 'x-amz-version-id': versionId } : {};
}

export async function objectOp(c: Ctx, b: BucketInfo, key: string): Promise<void> {
  if (await objectAclOp(c, c.store, b, key)) return;
  if (c.query.has('tagging')) return tagging(c, b, key);
  switch (c.method) {
    case 'PUT': {
      authorize(c, b, 's3:PutObject', { key, perm: 'WRITE' });
      if (c.req.headers['x-amz-copy-source']) return copyObject(c, b, key);
      await checkQuota(c.store, b, c.body.length);
      const sse = encryptBody(requestKey(c), c.body);
      const e = await c.store.putObject(b, key, sse.data, { ...requestAttrs(c), acl: newObjectAcl(c, b), etag: sse.etag, crypt: sse.crypt });
      c.res.writeHead(200, { etag: `"${e.etag}"`, 'content-length': 0, ...versionHeader(b, e.versionId), ...sseCResponseHeaders(e.crypt) });
      return void c.res.end();
    }
    case 'GET':
    case 'HEAD':
      return getObject(c, b, key);
    case 'DELETE': {
      const vid = c.query.get('versionId') ?? undefined;
      authorize(c, b, vid !== undefined ? 's3:DeleteObjectVersion' : 's3:DeleteObject', { key, perm: 'WRITE' });
      const r = await c.store.deleteObject(b, key, vid);
      c.res.writeHead(204, { ...(r.versionId ? { 'x-amz-version-id': r.versionId } : {}), ...(r.deleteMarker ? { 'x-amz-delete-marker': 'true' } : {}) });
      return void c.res.end();
    }
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
  const sb = src.bucket;
  const e = src.entry;
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
  // The copy is a new object of the requester's: its ACL comes from this request, never the source.
  attrs.acl = newObjectAcl(c, b);
  await checkQuota(c.store, b, e.size);
  // SSE-C: the source opens with its own key (x-amz-copy-source-server-side-encryption-customer-*), the copy takes this request's.
  const sse = encryptBody(requestKey(c), await readPlain(c, e, 0, e.size - 1, readKey(c, e, copySourceSsePrefix)));
  attrs.etag ??= sse.etag;
  attrs.crypt = sse.crypt;
  const out = await c.store.putObject(b, key, sse.data, attrs);
  const sourceVersion: Record<string, string> = sb.versioning && e.versionId ? { 'x-amz-copy-source-version-id': e.versionId } : {};
  sendXml(
    c,
    200,
    doc('CopyObjectResult', [
      ['LastModified', isoTime(out.mtimeMs)],
      ['ETag', `"${out.etag}"`],
    ]),
    { ...versionHeader(b, out.versionId), ...sourceVersion, ...sseCResponseHeaders(out.crypt) },
  );
}

async function tagging(c: Ctx, b: BucketInfo, key: string): Promise<void> {
  // ?versionId: the tags of that version (s3:*ObjectVersionTagging), else of the current object.
  const vid = c.query.get('versionId') ?? undefined;
  const e = vid !== undefined ? await findVersion(c.store.index, b, key, vid) : await c.store.headObject(b, key);
  const verb = c.method === 'GET' ? 'Get' : c.method === 'PUT' ? 'Put' : 'Delete';
  // Tags are the object's: reading them needs read access to it, changing them write access to it.
  authorize(c, b, `s3:${verb}Object${vid !== undefined ? 'Version' : ''}Tagging`, { key, perm: c.method === 'GET' ? 'READ' : 'WRITE', acl: c.method === 'GET' ? objectAcl(b, e) : undefined });
  const update = (change: (e: IndexEntry) => IndexEntry): Promise<IndexEntry> => (vid !== undefined ? updateVersionEntry(c.store, b, key, vid, change) : c.store.updateEntry(b, key, change));
  const vh = versionHeader(b, e.versionId);
  switch (c.method) {
    case 'GET':
      if (e.deleteMarker) throw new S3Error('MethodNotAllowed', 'the specified method is not allowed against this resource');
      return sendXml(c, 200, taggingDocument(e.tags ?? []), vh);
    case 'PUT': {
      const tags = tagsFromXml(parseXml(c.body));
      await update((e) => ({ ...e, tags }));
      c.res.writeHead(200, { 'content-length': 0, ...vh });
      return void c.res.end();
    }
    case 'DELETE':
      await update((e) => ({ ...e, tags: undefined }));
      c.res.writeHead(204, vh);
      return void c.res.end();
    default:
      throw new S3Error('MethodNotAllowed', `${c.method} is not allowed on tagging`);
  }
}
