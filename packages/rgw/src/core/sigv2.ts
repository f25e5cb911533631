/**
 * AWS Signature Version 2 for S3 (the S3 "Signing and authenticating REST requests" guide;
 * radosgw's rgw_create_s3_canonical_header in src/rgw/rgw_auth_s3.cc): `Authorization: AWS
 * AK:base64(HMAC-SHA1(secret, StringToSign))`, or presigned `?AWSAccessKeyId=&Expires=&Signature=`.
 * StringToSign = method, Content-MD5, Content-Type, Date (the Expires time for a presigned URL;
 * empty when x-amz-date is sent), each x-amz-* header as "name:value", then the resource: the
 * path-style path as sent plus the signed sub-resources. Pure: the time is an input.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { S3AuthFailure, sigv4Limits } from './sigv4';

/** The sub-resources radosgw signs (rgw_auth_s3.cc signed_subresources), in its (sorted) order. */
export const signedSubresources = [
  'acl',
  'cors',
  'delete',
  'lifecycle',
  'location',
  'logging',
  'notification',
  'partNumber',
  'policy',
  'policyStatus',
  'publicAccessBlock',
  'requestPayment',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
  'object-lock',
] as const;

export interface V2Request {
  method: string;
  /** The path-style path as sent ("/bucket/key", percent-encoded), without the query. */
  resourcePath: string;
  query: URLSearchParams;
  /** Header values by lower-case name. */
  headers: Record<string, string | undefined>;
}

export interface V2Auth {
  accessKey: string;
  signature: string;
}

/** "AWS AK:signature" → its parts; undefined when the header is not SigV2. */
export function parseV2Authorization(h: string): V2Auth | undefined {
  const m = /^AWS\s+([^:\s]+):(\S+)$/.exec(h.trim());
  return m ? { accessKey: m[1]!, signature: m[2]! } : undefined;
}

/** Whether the query carries SigV2 query authentication. */
export function isPresignedV2(query: URLSearchParams): boolean {
  return query.has('AWSAccessKeyId') && query.has('Signature');
}

/** The string to sign; `dateLine` is the Date header (or "" with x-amz-date) or the Expires time. */
export function stringToSignV2(req: V2Request, dateLine: string, presigned: boolean): string {
  const amz = new Map<string, string>();
  const add = (k: string, v: string): void => void amz.set(k, amz.has(k) ? `${amz.get(k)!.trimEnd()},${v}` : v);
  for (const [k, v] of Object.entries(req.headers)) if (k.startsWith('x-amz-') && v !== undefined) add(k, v.trim());
  // A presigned URL may carry x-amz-meta-* and the security token in the query (get_v2_qs_map).
  if (presigned) for (const [k, v] of req.query) if (k.toLowerCase().startsWith('x-amz-meta-') || k.toLowerCase() === 'x-amz-security-token') add(k.toLowerCase(), v);
  const amzLines = [...amz.keys()]
    .sort()
    .map((k) => `${k}:${amz.get(k)!}\n`)
    .join('');
  const sub = signedSubresources.filter((s) => req.query.has(s)).map((s) => (req.query.get(s) ? `${s}=${req.query.get(s)!}` : s));
  const resource = req.resourcePath + (sub.length ? `?${sub.join('&')}` : '');
  return `${req.method}\n${req.headers['content-md5'] ?? ''}\n${req.headers['content-type'] ?? ''}\n${dateLine}\n${amzLines}${resource}`;
}

export function signV2(secret: string, toSign: string): string {
  return createHmac('sha1', secret).update(toSign).digest('base64');
}

function compare(got: string, want: string): void {
  const a = Buffer.from(got);
  const b = Buffer.from(want);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new S3AuthFailure('SignatureDoesNotMatch', 'the request signature we calculated does not match the signature you provided');
}

/** Check a header-signed SigV2 request at `nowMs` (the request time within 15 minutes, as SigV4). */
export function verifySigV2(req: V2Request, auth: V2Auth, secret: string, nowMs: number): void {
  const amzDate = req.headers['x-amz-date'];
  const date = amzDate ?? req.headers.date;
  const t = date === undefined ? NaN : Date.parse(date);
  if (Number.isNaN(t)) throw new S3AuthFailure('AccessDenied', 'the request has no valid Date or x-amz-date');
  if (Math.abs(nowMs - t) > sigv4Limits.clockSkewMsMax) throw new S3AuthFailure('RequestTimeTooSkewed', 'the difference between the request time and the server time is too large');
  compare(auth.signature, signV2(secret, stringToSignV2(req, amzDate !== undefined ? '' : date!, false)));
}

/** The access key of a SigV2 presigned URL. */
export function presignedV2Key(query: URLSearchParams): string {
  return query.get('AWSAccessKeyId') ?? '';
}

/** Check a SigV2 presigned URL at `nowMs`: Expires (seconds since the epoch) not yet passed. */
export function verifyPresignedV2(req: V2Request, secret: string, nowMs: number): void {
  const expires = req.query.get('Expires') ?? '';
  if (!/^\d+$/.test(expires)) throw new S3AuthFailure('AccessDenied', 'Expires is missing or malformed');
  if (nowMs >= Number(expires) * 1000) throw new S3AuthFailure('AccessDenied', 'Request has expired');
  compare(req.query.get('Signature') ?? '', signV2(secret, stringToSignV2(req, expires, true)));
}

