import { IncomingMessage, ServerResponse } from 'node:http';
import { S3Error } from '../core/errors';
import { RgwMultipart } from '../multipart';
import { RgwStore, UserInfo } from '../store';

/** The gateway's configuration beyond the listeners (ts-rgw reads these from ceph.conf, Ceph's names). */
export interface RgwOptions {
  /** rgw_dns_name: the names under which `<bucket>.<name>` addresses a bucket (virtual-host style). */
  dnsNames?: string[];
  /** rgw_crypt_require_ssl (default true): SSE-C only over HTTPS. */
  cryptRequireSsl?: boolean;
}

/** One request, as the handlers see it (bucket-access.ts decides what it may do). */
export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  id: string;
  method: string;
  rawPath: string;
  query: URLSearchParams;
  /** Undefined: an anonymous request (allowed only where a policy or an ACL lets everyone in). */
  user: UserInfo | undefined;
  /** The client's address (aws:SourceIp). */
  sourceIp: string | undefined;
  body: Buffer;
  store: RgwStore;
  multipart: RgwMultipart;
  /** Whether the request came over TLS. */
  secure: boolean;
  options: RgwOptions;
}

/** The signed-in user; an anonymous request is refused here. */
export function needUser(c: Pick<Ctx, 'user'>): UserInfo {
  if (!c.user) throw new S3Error('AccessDenied', 'anonymous requests are not allowed here');
  return c.user;
}

/** The owner of what this request creates: the uploader, or the bucket owner for anonymous writers. */
export function requestOwner(c: Pick<Ctx, 'user'>, bucketOwner: string): { id: string; displayName: string } {
  return c.user ? { id: c.user.uid, displayName: c.user.displayName } : { id: bucketOwner, displayName: bucketOwner };
}

export function sendXml(c: Ctx, status: number, doc: string, headers: Record<string, string | number> = {}): void {
  c.res.writeHead(status, { ...headers, 'content-type': 'application/xml', 'content-length': Buffer.byteLength(doc) });
  c.res.end(doc);
}

export function decodePath(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new S3Error('InvalidArgument', 'a malformed percent-encoding in the path');
  }
}

/** x-amz-meta-* headers as sent (names lower-case). */
export function userMeta(c: Ctx): Record<string, string> {
  const meta: Record<string, string> = {};
  // A for-in over the header object: Object.entries copied every header into pairs on every PUT.
  const h = c.req.headers;
  for (const k in h) {
    const v = h[k];
    if (k.startsWith('x-amz-meta-') && typeof v === 'string') meta[k] = v;
  }
  return meta;
}

/** A non-negative integer query parameter, `dflt` when absent, capped at `max`. */
export function intParam(c: Ctx, name: string, dflt: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = c.query.get(name);
  if (v === null) return dflt;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new S3Error('InvalidArgument', `${name} must be a non-negative integer`);
  return Math.min(n, max);
}
