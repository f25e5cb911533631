/**
 * SigV4 in the query string: presigned URLs (the AWS "Authenticating Requests: Using Query
 * Parameters" specification; radosgw's rgw_auth_s3.cc AWSv4 query path). The X-Amz-* parameters
 * carry what the Authorization header would; the payload is UNSIGNED-PAYLOAD, the canonical query
 * leaves out X-Amz-Signature, and a URL is good for X-Amz-Expires seconds (at most 7 days) from
 * X-Amz-Date. Pure: the time is an input.
 */
import { checkSignature, ParsedAuth, parseAmzDate, S3AuthFailure, SignedRequest, sigv4Limits, UNSIGNED_PAYLOAD } from './sigv4';

/** Named limits of presigned URLs (docs/LIMITS.md, "rgw"). */
export const sigv4QueryLimits = {
  /** Longest validity of a presigned URL, in seconds (S3's 7 days). */
  expiresSecondsMax: 604_800,
};

/** Whether the query string carries SigV4 query authentication. */
export function isPresigned(rawQuery: string): boolean {
  return /(^|&)X-Amz-Signature=/.test(rawQuery);
}

function param(q: URLSearchParams, name: string): string {
  const v = q.get(name);
  if (v === null) throw new S3AuthFailure('AuthorizationQueryParametersError', `the query parameter ${name} is missing`);
  return v;
}

/** The presigned URL's credential, signed headers, signature, date and validity. */
export function parseQueryAuth(rawQuery: string): ParsedAuth & { amzDate: string; expiresS: number } {
  const q = new URLSearchParams(rawQuery);
  if (param(q, 'X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') throw new S3AuthFailure('AuthorizationQueryParametersError', 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  const cred = param(q, 'X-Amz-Credential').split('/');
  const signedHeaders = param(q, 'X-Amz-SignedHeaders').split(';').filter(Boolean);
  const signature = param(q, 'X-Amz-Signature');
  const expires = param(q, 'X-Amz-Expires');
  const amzDate = param(q, 'X-Amz-Date');
  if (cred.length !== 5 || cred[4] !== 'aws4_request' || !signedHeaders.length || !/^[0-9a-f]{64}$/.test(signature)) {
    throw new S3AuthFailure('AuthorizationQueryParametersError', 'the X-Amz-Credential, X-Amz-SignedHeaders or X-Amz-Signature parameter is malformed');
  }
  if (signedHeaders.length > sigv4Limits.signedHeadersMax) throw new S3AuthFailure('AuthorizationQueryParametersError', `over signedHeadersMax ${sigv4Limits.signedHeadersMax} signed headers`);
  const expiresS = Number(expires);
  if (!/^\d+$/.test(expires) || expiresS > sigv4QueryLimits.expiresSecondsMax) {
    throw new S3AuthFailure('AuthorizationQueryParametersError', `X-Amz-Expires must be a whole number of seconds, at most ${sigv4QueryLimits.expiresSecondsMax}`);
  }
  return { accessKey: cred[0]!, date: cred[1]!, region: cred[2]!, service: cred[3]!, signedHeaders, signature, amzDate, expiresS };
}

/** Check a presigned request at `nowMs`; returns the payload hash the body must match. */
export function verifyPresigned(req: SignedRequest, auth: ReturnType<typeof parseQueryAuth>, secret: string, nowMs: number): string {
  const t = parseAmzDate(auth.amzDate);
  if (Number.isNaN(t) || auth.amzDate.slice(0, 8) !== auth.date) throw new S3AuthFailure('AuthorizationQueryParametersError', 'X-Amz-Date is malformed or does not match the credential scope');
  if (t - nowMs > sigv4Limits.clockSkewMsMax) throw new S3AuthFailure('RequestTimeTooSkewed', 'the difference between the request time and the server time is too large');
  if (nowMs > t + auth.expiresS * 1000) throw new S3AuthFailure('AccessDenied', 'Request has expired');
  if (!auth.signedHeaders.includes('host')) throw new S3AuthFailure('AccessDenied', 'the host header must be signed');
  // The canonical query is every parameter but the signature itself.
  const rawQuery = req.rawQuery
    .split('&')
    .filter((p) => !p.startsWith('X-Amz-Signature='))
    .join('&');
  const payloadHash = req.headers['x-amz-content-sha256'] ?? UNSIGNED_PAYLOAD;
  checkSignature({ ...req, rawQuery }, auth, secret, auth.amzDate, payloadHash);
  return payloadHash;
}
