/**
 * Who sent a request (radosgw's rgw::auth::s3 strategies in src/rgw/rgw_auth_s3.cc and
 * rgw_rest_s3.cc): SigV4 in the Authorization header (with a plain, unsigned or aws-chunked
 * payload), SigV4 presigned URLs, SigV2 in the header ("AWS AK:sig") or presigned
 * (?AWSAccessKeyId&Expires&Signature); a request with none of these is anonymous. The pure checks
 * live in core/; this file looks the key up and returns the user with the body as the handlers
 * must see it (aws-chunked decoded).
 */
import { IncomingMessage } from 'node:http';
import { AwsChunkedError, decodeAwsChunked, STREAMING_SIGNED, STREAMING_UNSIGNED_TRAILER } from './core/aws-chunked';
import { S3Error } from './core/errors';
import { checkPayload, parseAuthorization, S3AuthFailure, SigningKeyCache, verifySigV4 } from './core/sigv4';
import { isPresigned, parseQueryAuth, verifyPresigned } from './core/sigv4-query';
import { isPresignedV2, parseV2Authorization, presignedV2Key, verifyPresignedV2, verifySigV2 } from './core/sigv2';
import { RgwStore, UserInfo } from './store';

export interface AuthInput {
  req: IncomingMessage;
  /** The path as sent (what SigV4 signs). */
  rawPath: string;
  /** The path-style path ("/bucket" prepended for a virtual-host-style request; what SigV2 signs). */
  resourcePath: string;
  rawQuery: string;
  body: Buffer;
  nowMs: number;
  /** The gateway's SigV4 signing keys (core/sigv4.ts). */
  keys: SigningKeyCache;
}

export interface AuthResult {
  user: UserInfo | undefined;
  /** The payload: the body, or the data of an aws-chunked body. */
  body: Buffer;
}

/**
 * Header values by name, one string each. node:http already joins a repeated header into one
 * string, except Set-Cookie (an array): only a request carrying one pays for a copy.
 */
function headerMap(req: IncomingMessage): Record<string, string | undefined> {
  if (req.headers['set-cookie'] === undefined) return req.headers as Record<string, string | undefined>;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  return headers;
}

async function secretOf(store: RgwStore, accessKey: string): Promise<{ user: UserInfo; secret: string }> {
  const found = await store.userByAccessKey(accessKey);
  if (!found) throw new S3Error('InvalidAccessKeyId', 'the access key id you provided does not exist in our records');
  return found;
}

/**
 * Decode an aws-chunked body. The stored Content-Encoding loses "aws-chunked" (S3 keeps only
 * the encodings the client applied itself).
 */
function unchunk(a: AuthInput, payloadHash: string, signing: Parameters<typeof decodeAwsChunked>[2]): Buffer {
  const h = a.req.headers;
  const decoded = h['x-amz-decoded-content-length'];
  if (typeof decoded !== 'string' || !/^\d+$/.test(decoded)) throw new S3Error('MissingContentLength', 'an aws-chunked payload needs x-amz-decoded-content-length');
  const encodings = String(h['content-encoding'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && s !== 'aws-chunked');
  if (encodings.length) h['content-encoding'] = encodings.join(',');
  else delete h['content-encoding'];
  if (payloadHash !== STREAMING_SIGNED && payloadHash !== STREAMING_UNSIGNED_TRAILER) return a.body;
  try {
    return decodeAwsChunked(a.body, Number(decoded), signing);
  } catch (e) {
    if (e instanceof AwsChunkedError) throw new S3Error(e.s3Code, e.message);
    throw e;
  }
}

async function sigV4Header(store: RgwStore, a: AuthInput, h: string, headers: Record<string, string | undefined>): Promise<AuthResult> {
  const auth = parseAuthorization(h);
  const found = await secretOf(store, auth.accessKey);
  const signed = { method: a.req.method ?? 'GET', rawPath: a.rawPath, rawQuery: a.rawQuery, headers };
  const hash = verifySigV4(signed, auth, found.secret, a.nowMs, a.keys);
  checkPayload(hash, a.body);
  const chunked = hash === STREAMING_SIGNED || hash === STREAMING_UNSIGNED_TRAILER || a.req.headers['content-encoding']?.includes('aws-chunked');
  if (!chunked) return { user: found.user, body: a.body };
  const signing = hash === STREAMING_SIGNED ? { key: a.keys.get(found.secret, auth.date, auth.region, auth.service), amzDate: headers['x-amz-date'] ?? '', scope: `${auth.date}/${auth.region}/${auth.service}/aws4_request`, seedSignature: auth.signature } : undefined;
  return { user: found.user, body: unchunk(a, hash, signing) };
}

async function identify(store: RgwStore, a: AuthInput): Promise<AuthResult> {
  const h = a.req.headers.authorization;
  const headers = headerMap(a.req);
  // SigV4 in the header (nearly every request) needs neither the parsed query nor the SigV2 view.
  const v2auth = h !== undefined ? parseV2Authorization(h) : undefined;
  if (h !== undefined && !v2auth) return sigV4Header(store, a, h, headers);
  const query = new URLSearchParams(a.rawQuery);
  const v2 = { method: a.req.method ?? 'GET', resourcePath: a.resourcePath, query, headers };
  if (v2auth) {
    const found = await secretOf(store, v2auth.accessKey);
    verifySigV2(v2, v2auth, found.secret, a.nowMs);
    return { user: found.user, body: a.body };
  }
  if (isPresigned(a.rawQuery)) {
    const auth = parseQueryAuth(a.rawQuery);
    const found = await secretOf(store, auth.accessKey);
    const hash = verifyPresigned({ method: v2.method, rawPath: a.rawPath, rawQuery: a.rawQuery, headers }, auth, found.secret, a.nowMs);
    checkPayload(hash, a.body);
    return { user: found.user, body: a.body };
  }
  if (isPresignedV2(query)) {
    const found = await secretOf(store, presignedV2Key(query));
    verifyPresignedV2(v2, found.secret, a.nowMs);
    return { user: found.user, body: a.body };
  }
  // Neither signed nor presigned: anonymous, allowed only where a policy or an ACL lets everyone in.
  return { user: undefined, body: a.body };
}

/** Authenticate a request; throws S3Error (SignatureDoesNotMatch, InvalidAccessKeyId, ...). */
export async function authenticate(store: RgwStore, a: AuthInput): Promise<AuthResult> {
  try {
    const r = await identify(store, a);
    if (r.user?.suspended) throw new S3Error('UserSuspended', 'the user is suspended');
    return r;
  } catch (e) {
    if (e instanceof S3AuthFailure) throw new S3Error(e.s3Code, e.message);
    throw e;
  }
}
