import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { logger } from '@ts-ceph/common';
import { checkBucketName, S3Error } from './core/errors';
import { checkPayload, parseAuthorization, S3AuthFailure, verifySigV4 } from './core/sigv4';
import { errorDocument, listAllMyBuckets, listBucket, Owner, S3_XMLNS } from './core/xml';
import { authorize, objectAcl, requestedAcl } from './handlers/bucket-access';
import { bucketConfigOp, objectAclOp } from './handlers/bucket-config';
import { corsOnRequest, corsPreflight } from './handlers/bucket-cors';
import { bucketVersioningOp } from './handlers/bucket-versioning';
import { BucketInfo, IndexEntry, RgwStore, rgwStoreLimits, UserInfo } from './store';
import { checkQuota } from './quota';
import { findVersion } from './store-versions';

const log = logger('rgw');

/** Named limits of the HTTP front end (docs/LIMITS.md, "rgw"). */
export const rgwHttpLimits = {
  /** A request must arrive whole (headers and body) within this (slow clients are cut off). */
  requestTimeoutMs: 120_000,
  /** Headers must arrive within this. */
  headersTimeoutMs: 20_000,
  /** Keys per ListObjects page (S3's max-keys ceiling). */
  listKeysMax: 1000,
};

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  id: string;
  method: string;
  rawPath: string;
  query: URLSearchParams;
  /** Undefined: an anonymous request (allowed only where a policy or an ACL lets everyone in). */
  user: UserInfo | undefined;
  sourceIp: string | undefined;
  body: Buffer;
}

function needUser(c: Ctx): UserInfo {
  if (!c.user) throw new S3Error('AccessDenied', 'anonymous requests are not allowed here');
  return c.user;
}

function decodePath(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new S3Error('InvalidArgument', 'a malformed percent-encoding in the path');
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  const len = req.headers['content-length'];
  if (len !== undefined && Number(len) > rgwStoreLimits.objectBytesMax) return Promise.reject(new S3Error('EntityTooLarge', 'the request body is too large'));
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let n = 0;
    req.on('data', (d: Buffer) => {
      n += d.length;
      if (n > rgwStoreLimits.objectBytesMax) {
        reject(new S3Error('EntityTooLarge', 'the request body is too large'));
        req.destroy();
      } else parts.push(d);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

/** "bytes=a-b", "bytes=a-", "bytes=-n" → inclusive [start, end] within size, or InvalidRange. */
export function parseRange(h: string, size: number): [number, number] | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(h.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) throw new S3Error('InvalidRange', 'the requested range is not satisfiable');
  return [start, end];
}

/**
 * The S3 front end (radosgw's beast frontend and src/rgw/rgw_rest_s3.cc, path-style requests):
 * every request is checked with SigV4 against the user's key before anything else is read or
 * written, errors are S3 XML documents, and every response carries x-amz-request-id.
 */
export class RgwServer {
  private readonly servers: Server[] = [];

  constructor(private readonly store: RgwStore) {}

  /** Serve HTTP on `port` (0: the kernel picks one), or HTTPS (TLS 1.2 or newer) with a PEM certificate and key. */
  async listen(port: number, host = '0.0.0.0', tls?: { cert: Buffer; key: Buffer }): Promise<number> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => void this.handle(req, res);
    const s: Server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, handler) : createServer(handler);
    s.requestTimeout = rgwHttpLimits.requestTimeoutMs;
    s.headersTimeout = rgwHttpLimits.headersTimeoutMs;
    this.servers.push(s);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, host, () => resolve());
    });
    return (s.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.servers.map((s) => {
        s.closeAllConnections();
        return new Promise<void>((resolve) => s.close(() => resolve()));
      }),
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const id = randomBytes(12).toString('hex');
    res.setHeader('x-amz-request-id', id);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    try {
      const body = await readBody(req);
      if (req.method === 'OPTIONS') return await corsPreflight(req, res, this.store, rawPath);
      const user = await this.authenticate(req, rawPath, rawQuery, body);
      await corsOnRequest(req, res, this.store, rawPath);
      const ctx: Ctx = { req, res, id, method: req.method ?? 'GET', rawPath, query: new URLSearchParams(rawQuery), user, sourceIp: req.socket.remoteAddress, body };
      await this.route(ctx);
    } catch (e) {
      this.fail(res, req.method === 'HEAD', rawPath, id, e);
    }
  }

  private async authenticate(req: IncomingMessage, rawPath: string, rawQuery: string, body: Buffer): Promise<UserInfo | undefined> {
    const h = req.headers.authorization;
    if (!h) return undefined;
    if (req.headers['content-encoding']?.includes('aws-chunked')) throw new S3Error('NotImplemented', 'aws-chunked payloads are not supported yet');
    try {
      const auth = parseAuthorization(h);
      const found = await this.store.userByAccessKey(auth.accessKey);
      if (!found) throw new S3Error('InvalidAccessKeyId', 'the access key id you provided does not exist in our records');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
      const hash = verifySigV4({ method: req.method ?? 'GET', rawPath, rawQuery, headers }, auth, found.secret, Date.now());
      checkPayload(hash, body);
      if (found.user.suspended) throw new S3Error('UserSuspended', 'the user is suspended');
      return found.user;
    } catch (e) {
      if (e instanceof S3AuthFailure) throw new S3Error(e.s3Code, e.message);
      throw e;
    }
  }

  private fail(res: ServerResponse, head: boolean, resource: string, id: string, e: unknown): void {
    const err = e instanceof S3Error ? e : new S3Error('InternalError', 'we encountered an internal error, please try again');
    if (!(e instanceof S3Error)) log.dout(0, `request ${id} failed: ${(e as Error)?.stack ?? String(e)}`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const doc = errorDocument(err.code, err.message, resource, id);
    res.writeHead(err.status, { 'content-type': 'application/xml', 'content-length': head ? 0 : Buffer.byteLength(doc) });
    res.end(head ? undefined : doc);
  }

  private async route(c: Ctx): Promise<void> {
    const segs = c.rawPath.split('/');
    const bucket = decodePath(segs[1] ?? '');
    const key = decodePath(segs.slice(2).join('/'));
    if (!bucket) {
      if (c.method !== 'GET') throw new S3Error('MethodNotAllowed', 'the method is not allowed here');
      const u = needUser(c);
      const owner: Owner = { id: u.uid, displayName: u.displayName };
      return this.xml(c, 200, listAllMyBuckets(owner, await this.store.listBuckets(u.uid)));
    }
    if (!key) return this.bucketOp(c, bucket);
    return this.objectOp(c, await this.store.bucket(bucket), key);
  }

  private async bucketOp(c: Ctx, name: string): Promise<void> {
    if (await bucketVersioningOp(c, c.method, this.store, name)) return;
    if (await bucketConfigOp(c, this.store, name)) return;
    if (c.method === 'PUT') {
      const u = needUser(c);
      checkBucketName(name);
      await this.store.createBucket(u.uid, name, requestedAcl(c.req.headers, { id: u.uid, displayName: u.displayName }));
      c.res.writeHead(200, { location: `/${name}`, 'content-length': 0 });
      return void c.res.end();
    }
    const b = await this.store.bucket(name);
    switch (c.method) {
      case 'DELETE':
        authorize(c, b, 's3:DeleteBucket', { ownerOnly: true });
        await this.store.deleteBucket(b.owner, name);
        c.res.writeHead(204);
        return void c.res.end();
      case 'HEAD':
        authorize(c, b, 's3:ListBucket', { perm: 'READ' });
        c.res.writeHead(200, { 'content-length': 0 });
        return void c.res.end();
      case 'GET':
        if (c.query.has('location')) {
          authorize(c, b, 's3:GetBucketLocation', { ownerOnly: true });
          return this.xml(c, 200, `<?xml version="1.0" encoding="UTF-8"?><LocationConstraint xmlns="${S3_XMLNS}"></LocationConstraint>`);
        }
        authorize(c, b, 's3:ListBucket', { perm: 'READ' });
        return this.listObjects(c, b);
      default:
        throw new S3Error('MethodNotAllowed', `${c.method} is not allowed on a bucket`);
    }
  }

  private async listObjects(c: Ctx, b: BucketInfo): Promise<void> {
    const q = c.query;
    const v2 = q.get('list-type') === '2';
    const maxKeys = Math.min(rgwHttpLimits.listKeysMax, q.has('max-keys') ? Number(q.get('max-keys')) : rgwHttpLimits.listKeysMax);
    if (!Number.isInteger(maxKeys) || maxKeys < 0) throw new S3Error('InvalidArgument', 'max-keys must be a non-negative integer');
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') ?? '';
    const token = q.get('continuation-token') ?? undefined;
    const startAfter = q.get('start-after') ?? '';
    const marker = q.get('marker') ?? '';
    const after = v2 ? (token !== undefined ? Buffer.from(token, 'base64').toString() : startAfter) : marker;
    const r = await this.store.list(b, { prefix, delimiter, after, maxKeys });
    const next = r.truncated ? r.last : undefined;
    const doc = listBucket(
      {
        bucket: b.name,
        prefix,
        delimiter,
        maxKeys,
        v2,
        entries: r.entries.map(([key, e]) => ({ key, size: e.size, etag: e.etag, mtimeMs: e.mtimeMs })),
        commonPrefixes: r.commonPrefixes,
        truncated: r.truncated,
        marker,
        nextMarker: next,
        continuationToken: token,
        nextContinuationToken: next !== undefined ? Buffer.from(next).toString('base64') : undefined,
        startAfter,
      },
      { id: b.owner, displayName: b.owner },
    );
    return this.xml(c, 200, doc);
  }

  private async objectOp(c: Ctx, b: BucketInfo, key: string): Promise<void> {
    if (await objectAclOp(c, this.store, b, key)) return;
    switch (c.method) {
      case 'PUT': {
        if (c.req.headers['x-amz-copy-source']) throw new S3Error('NotImplemented', 'copy is not supported yet');
        if (c.query.has('uploadId') || c.query.has('partNumber')) throw new S3Error('NotImplemented', 'multipart upload is not supported yet');
        const meta: Record<string, string> = {};
        for (const [k, v] of Object.entries(c.req.headers)) if (k.startsWith('x-amz-meta-') && typeof v === 'string') meta[k] = v;
        const ct = c.req.headers['content-type'] ?? 'binary/octet-stream';
        authorize(c, b, 's3:PutObject', { key, perm: 'WRITE' });
        await checkQuota(this.store, b, c.body.length);
        // The uploader owns the object; anonymous writers (public-read-write) leave it to the bucket owner.
        const owner = c.user ? { id: c.user.uid, displayName: c.user.displayName } : { id: b.owner, displayName: b.owner };
        const acl = requestedAcl(c.req.headers, owner, b.owner) ?? { owner, grants: [{ grantee: { type: 'CanonicalUser' as const, id: owner.id, displayName: owner.displayName }, permission: 'FULL_CONTROL' as const }] };
        const e = await this.store.putObject(b, key, c.body, ct, meta, acl);
        c.res.writeHead(200, { etag: `"${e.etag}"`, 'content-length': 0, ...(b.versioning ? { 'x-amz-version-id': e.versionId } : {}) });
        return void c.res.end();
      }
      case 'GET':
      case 'HEAD':
        return this.getObject(c, b, key);
      case 'DELETE': {
        authorize(c, b, c.query.has('versionId') ? 's3:DeleteObjectVersion' : 's3:DeleteObject', { key, perm: 'WRITE' });
        const r = await this.store.deleteObject(b, key, c.query.get('versionId') ?? undefined);
        c.res.writeHead(204, { ...(r.versionId ? { 'x-amz-version-id': r.versionId } : {}), ...(r.deleteMarker ? { 'x-amz-delete-marker': 'true' } : {}) });
        return void c.res.end();
      }
      default:
        throw new S3Error('MethodNotAllowed', `${c.method} is not allowed on an object`);
    }
  }

  private async getObject(c: Ctx, b: BucketInfo, key: string): Promise<void> {
    const vid = c.query.get('versionId');
    const e: IndexEntry = await (vid !== null ? findVersion(this.store.index, b, key, vid) : this.store.headObject(b, key)).catch((err: unknown) => {
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
    const headers: Record<string, string | number> = {
      ...(b.versioning && e.versionId ? { 'x-amz-version-id': e.versionId } : {}),
      etag: `"${e.etag}"`,
      'last-modified': new Date(e.mtimeMs).toUTCString(),
      'content-type': e.contentType,
      'accept-ranges': 'bytes',
      ...e.meta,
    };
    const range = c.req.headers.range ? parseRange(c.req.headers.range, e.size) : undefined;
    const [start, end] = range ?? [0, e.size - 1];
    headers['content-length'] = e.size === 0 ? 0 : end - start + 1;
    if (range) headers['content-range'] = `bytes ${start}-${end}/${e.size}`;
    if (c.method === 'HEAD') {
      c.res.writeHead(200, headers);
      return void c.res.end();
    }
    const data = e.size === 0 ? Buffer.alloc(0) : await this.store.readObject(e, start, end);
    c.res.writeHead(range ? 206 : 200, headers);
    c.res.end(data);
  }

  private xml(c: Ctx, status: number, doc: string): void {
    c.res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(doc) });
    c.res.end(doc);
  }
}
