import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { AddressInfo } from 'node:net';
import { logger } from '@ts-ceph/common';
import { checkBucketName, S3Error } from './core/errors';
import { bucketFromHost, pathStyle } from './core/vhost';
import { authenticate } from './auth';
import { SigningKeyCache } from './core/sigv4';
import { RgwMetrics } from './metrics';
import { errorDocument, listAllMyBuckets, listBucket, Owner, S3_XMLNS } from './core/xml';
import { BucketInfo, RgwStore, rgwStoreLimits } from './store';
import { RgwMultipart } from './multipart';
import { parseRange } from './range';
import { Ctx, decodePath, needUser, RgwOptions } from './handlers/context';
import { isMultipartRequest, listUploads, multipartObjectOp } from './handlers/objects-multipart';
import { objectOp } from './handlers/objects-write';
import { deleteObjects } from './handlers/objects-delete-multi';
import { isPostObject, postObject } from './handlers/post-object';

export { parseRange };
export type { RgwOptions };
import { authorize, requestedAcl } from './handlers/bucket-access';
import { bucketConfigOp } from './handlers/bucket-config';
import { corsOnRequest, corsPreflight } from './handlers/bucket-cors';
import { bucketVersioningOp } from './handlers/bucket-versioning';

const log = logger('rgw');

/** Named limits of the HTTP front end (docs/LIMITS.md, "rgw"). */
export const rgwHttpLimits = {
  /** A request must arrive whole (headers and body) within this (slow clients are cut off). */
  requestTimeoutMs: 120_000,
  /** Headers must arrive within this. */
  headersTimeoutMs: 20_000,
  /** How often the two timeouts above are checked (Node's default, 30 s, lets a slow client hold a socket for 50 s). */
  timeoutCheckMs: 1000,
  /** Keys per ListObjects page (S3's max-keys ceiling). */
  listKeysMax: 1000,
};

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

/**
 * The S3 front end (radosgw's beast frontend and src/rgw/rgw_rest_s3.cc, path-style and
 * virtual-host-style requests): every request is authenticated (auth.ts: SigV4, SigV2, presigned,
 * aws-chunked) against the user's key before anything else is read or written, errors are S3 XML
 * documents, and every response carries x-amz-request-id.
 */
export class RgwServer {
  private readonly servers: Server[] = [];

  private readonly multipart: RgwMultipart;
  /** SigV4 signing keys, derived once per access key and day (core/sigv4.ts). */
  private readonly signingKeys = new SigningKeyCache();

  constructor(
    private readonly store: RgwStore,
    private readonly opts: RgwOptions = {},
    private readonly metrics?: RgwMetrics,
  ) {
    this.multipart = new RgwMultipart(store);
  }

  /** Serve HTTP on `port` (0: the kernel picks one), or HTTPS (TLS 1.2 or newer) with a PEM certificate and key. */
  async listen(port: number, host = '0.0.0.0', tls?: { cert: Buffer; key: Buffer }): Promise<number> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => void this.handle(req, res);
    const opts = { connectionsCheckingInterval: rgwHttpLimits.timeoutCheckMs };
    const s: Server = tls ? createHttpsServer({ ...opts, cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, handler) : createServer(opts, handler);
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
    const id = this.store.ids.hex(12);
    res.setHeader('x-amz-request-id', id);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const sentPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    // A virtual-host-style request is routed (and SigV2-signed) as its path-style form.
    const rawPath = pathStyle(sentPath, bucketFromHost(req.headers.host, this.opts.dnsNames ?? []));
    const watch = this.metrics?.watch(req, res, rawPath, rawQuery);
    try {
      const raw = await readBody(req);
      if (req.method === 'OPTIONS') return await corsPreflight(req, res, this.store, rawPath);
      const { user, body } = await authenticate(this.store, { req, rawPath: sentPath, resourcePath: rawPath, rawQuery, body: raw, nowMs: Date.now(), keys: this.signingKeys });
      watch?.received(body.length);
      await corsOnRequest(req, res, this.store, rawPath);
      const ctx: Ctx = {
        req,
        res,
        id,
        method: req.method ?? 'GET',
        rawPath,
        query: new URLSearchParams(rawQuery),
        user,
        // Asked only by a bucket policy's aws:SourceIp; each read of it is a getpeername syscall.
        get sourceIp() {
          return req.socket.remoteAddress;
        },
        body,
        store: this.store,
        multipart: this.multipart,
        secure: 'encrypted' in req.socket,
        options: this.opts,
      };
      await this.route(ctx);
    } catch (e) {
      watch?.failed();
      this.fail(res, req.method === 'HEAD', rawPath, id, e);
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
    if (isMultipartRequest(c)) return multipartObjectOp(c, await this.store.bucket(bucket), key);
    return objectOp(c, await this.store.bucket(bucket), key);
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
        if (c.query.has('uploads')) {
          authorize(c, b, 's3:ListBucketMultipartUploads', { perm: 'READ' });
          return listUploads(c, b);
        }
        authorize(c, b, 's3:ListBucket', { perm: 'READ' });
        return this.listObjects(c, b);
      case 'POST':
        // DeleteObjects checks every key as its own DELETE would.
        if (c.query.has('delete')) return deleteObjects(c, b);
        if (isPostObject(c)) return postObject(c, b);
        throw new S3Error('MethodNotAllowed', `${c.method} is not allowed on a bucket`);
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

  private xml(c: Ctx, status: number, doc: string): void {
    c.res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(doc) });
    c.res.end(doc);
  }
}
