/**
 * Multipart uploads (the S3 API reference; radosgw's RGWInitMultipart, RGWPutObj with a part
 * number, RGWCompleteMultipart, RGWAbortMultipart, RGWListMultipart, RGWListBucketMultiparts in
 * rgw_op.cc): the HTTP side; the RADOS side is multipart.ts.
 */
import { S3Error } from '../core/errors';
import { completeResult, copyPartResult, initiateResult, listPartsResult, listUploadsResult } from '../core/xml-multipart';
import { childrenNamed, childText, parseXml } from '../core/xml-parse';
import { checkPartNumber, rgwMultipartLimits } from '../multipart';
import { BucketInfo } from '../store';
import { parseRange } from '../range';
import { checkQuota } from '../quota';
import { authorize } from './bucket-access';
import { Ctx, intParam, requestOwner, sendXml, userMeta } from './context';
import { copySource } from './copy-source';
import { newObjectAcl, versionHeader } from './objects-write';
import { copySourceSsePrefix, CryptInfo, keyForRead, SSE_C_MODE, sseCResponseHeaders } from '../core/sse-c';
import { encryptBody, readKey, readPlain, requestKey } from './sse';

/** Whether this object request is a multipart one (then `multipartObjectOp` answers it). */
export function isMultipartRequest(c: Ctx): boolean {
  return c.query.has('uploads') || c.query.has('uploadId');
}

export async function multipartObjectOp(c: Ctx, b: BucketInfo, key: string): Promise<void> {
  // Every multipart step writes the object, except abort and listing the parts (S3's actions).
  const action = c.method === 'DELETE' ? 's3:AbortMultipartUpload' : c.method === 'GET' ? 's3:ListMultipartUploadParts' : 's3:PutObject';
  authorize(c, b, action, { key, perm: c.method === 'GET' ? 'READ' : 'WRITE' });
  if (c.method === 'POST' && c.query.has('uploads')) {
    const ct = c.req.headers['content-type'] ?? 'binary/octet-stream';
    const sse = requestKey(c);
    const crypt: CryptInfo | undefined = sse && { mode: SSE_C_MODE, keyMd5: sse.keyMd5 };
    const u = await c.multipart.initiate(b, requestOwner(c, b.owner).id, key, ct, userMeta(c), newObjectAcl(c, b), crypt);
    return sendXml(c, 200, initiateResult(b.name, key, u.uploadId), sseCResponseHeaders(crypt));
  }
  const u = await c.multipart.upload(b, key, c.query.get('uploadId') ?? '');
  switch (c.method) {
    case 'PUT':
      return uploadPart(c, b, u);
    case 'POST':
      return complete(c, b, u);
    case 'GET':
      return listParts(c, b, u);
    case 'DELETE':
      await c.multipart.abort(b, u);
      c.res.writeHead(204);
      return void c.res.end();
    default:
      throw new S3Error('MethodNotAllowed', `${c.method} is not allowed on a multipart upload`);
  }
}

type Upload = Awaited<ReturnType<Ctx['multipart']['upload']>>;

async function uploadPart(c: Ctx, b: BucketInfo, u: Upload): Promise<void> {
  const n = Number(c.query.get('partNumber'));
  checkPartNumber(n);
  // SSE-C: a part of an encrypted upload carries the upload's key, and is its own cipher stream.
  const given = requestKey(c);
  if (given && !u.crypt) throw new S3Error('InvalidRequest', 'the multipart upload was not initiated with SSE-C');
  const partKey = u.crypt ? keyForRead(u.crypt, given) : undefined;
  if (!c.req.headers['x-amz-copy-source']) {
    await checkQuota(c.store, b, c.body.length);
    const sse = encryptBody(partKey, c.body);
    const rec = await c.multipart.uploadPart(b, u, n, sse.data, sse.etag);
    c.res.writeHead(200, { etag: `"${rec.etag}"`, 'content-length': 0, ...sseCResponseHeaders(u.crypt) });
    return void c.res.end();
  }
  // UploadPartCopy: the part's bytes come from an object (optionally a range of it).
  const e = (await copySource(c)).entry;
  const rh = c.req.headers['x-amz-copy-source-range'];
  const range = typeof rh === 'string' ? parseRange(rh, e.size) : undefined;
  if (typeof rh === 'string' && !range) throw new S3Error('InvalidArgument', 'the x-amz-copy-source-range value must be of the form bytes=first-last');
  const [start, end] = range ?? [0, e.size - 1];
  const sse = encryptBody(partKey, await readPlain(c, e, start, end, readKey(c, e, copySourceSsePrefix)));
  const rec = await c.multipart.uploadPart(b, u, n, sse.data, sse.etag);
  sendXml(c, 200, copyPartResult(rec.etag, rec.mtimeMs), sseCResponseHeaders(u.crypt));
}

async function complete(c: Ctx, b: BucketInfo, u: Upload): Promise<void> {
  const root = parseXml(c.body);
  if (root.name !== 'CompleteMultipartUpload') throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
  const listed = childrenNamed(root, 'Part').map((p) => {
    const partNumber = Number(childText(p, 'PartNumber'));
    const etag = childText(p, 'ETag');
    if (!Number.isInteger(partNumber) || etag === undefined) throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
    return { partNumber, etag };
  });
  // The quota is checked again for the whole object: each part was checked alone, against usage that never counts parts.
  const sizes = new Map((await c.multipart.parts(u)).map((p) => [p.partNumber, p.size]));
  await checkQuota(c.store, b, listed.reduce((n, l) => n + (sizes.get(l.partNumber) ?? 0), 0));
  const e = await c.multipart.complete(b, u, listed);
  const host = c.req.headers.host ?? 'localhost';
  sendXml(c, 200, completeResult(`http://${host}/${b.name}/${encodeURIComponent(u.key)}`, b.name, u.key, e.etag), { ...versionHeader(b, e.versionId), ...sseCResponseHeaders(e.crypt) });
}

async function listParts(c: Ctx, b: BucketInfo, u: Upload): Promise<void> {
  const max = intParam(c, 'max-parts', rgwMultipartLimits.listEntriesMax, rgwMultipartLimits.listEntriesMax);
  const marker = intParam(c, 'part-number-marker', 0);
  const all = (await c.multipart.parts(u)).filter((p) => p.partNumber > marker);
  const owner = requestOwner(c, b.owner);
  const doc = listPartsResult({ bucket: b.name, key: u.key, uploadId: u.uploadId, owner, marker, maxParts: max, truncated: all.length > max, parts: all.slice(0, max) });
  sendXml(c, 200, doc);
}

/** GET /bucket?uploads: ListMultipartUploads. */
export async function listUploads(c: Ctx, b: BucketInfo): Promise<void> {
  const max = intParam(c, 'max-uploads', rgwMultipartLimits.listEntriesMax, rgwMultipartLimits.listEntriesMax);
  const o = { prefix: c.query.get('prefix') ?? '', delimiter: c.query.get('delimiter') ?? '', keyMarker: c.query.get('key-marker') ?? '', uploadIdMarker: c.query.get('upload-id-marker') ?? '', max };
  const r = await c.multipart.list(b, o);
  const owner = requestOwner(c, b.owner);
  const uploads = r.uploads.map((x) => ({ key: x.key, uploadId: x.uploadId, owner, initiatedMs: x.initiatedMs }));
  sendXml(c, 200, listUploadsResult({ bucket: b.name, ...o, maxUploads: max, truncated: r.truncated, uploads, commonPrefixes: r.commonPrefixes }));
}
