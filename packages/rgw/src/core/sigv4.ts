/**
 * AWS Signature Version 4 for S3 requests signed in the Authorization header (the AWS "Signing AWS
 * API requests" specification; radosgw's src/rgw/rgw_auth_s3.cc): the canonical request, the string
 * to sign, the signing key chain and a constant-time comparison. Pure: the request and the time
 * are inputs; HMAC/SHA-256 come from node:crypto, which reads no clock and does no I/O.
 */
import { createHmac, hash, timingSafeEqual } from 'node:crypto';

/** Named limits of SigV4 parsing (docs/LIMITS.md, "rgw"). */
export const sigv4Limits = {
  /** Distance between the request's x-amz-date and our clock (S3's RequestTimeTooSkewed, 15 min). */
  clockSkewMsMax: 15 * 60 * 1000,
  /** Headers one signature may cover. */
  signedHeadersMax: 64,
  /** Signing keys a SigningKeyCache keeps (one per access key, day, region and service). */
  signingKeysCachedMax: 1024,
};

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** The algorithm name that starts an Authorization header and a string to sign. */
const sigV4Algorithm = 'AWS4-HMAC-SHA256';

/** The x-amz-content-sha256 values that are not a body hash (aws-chunked ones in core/aws-chunked.ts). */
const knownPayloadHashes = new Set([UNSIGNED_PAYLOAD, 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER']);

/** What the signature check needs of an HTTP request. */
export interface SignedRequest {
  method: string;
  /** The path as sent (percent-encoded), without the query. */
  rawPath: string;
  /** The query string as sent, without '?'. */
  rawQuery: string;
  /** Header values by lower-case name (repeated headers joined with ','). */
  headers: Record<string, string | undefined>;
}

export interface ParsedAuth {
  accessKey: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** Errors named as S3 names them; the server maps each to its status code. */
export type S3AuthError = 'AccessDenied' | 'AuthorizationQueryParametersError' | 'SignatureDoesNotMatch' | 'InvalidAccessKeyId' | 'RequestTimeTooSkewed' | 'AuthorizationHeaderMalformed' | 'XAmzContentSHA256Mismatch';

export class S3AuthFailure extends Error {
  constructor(
    readonly s3Code: S3AuthError,
    message: string,
  ) {
    super(message);
  }
}

/** Parse "AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/s3/aws4_request, SignedHeaders=a;b, Signature=hex". */
export function parseAuthorization(h: string): ParsedAuth {
  // "AWS4-HMAC-SHA256", white space, then the parameters (read without a regex over the whole
  // header: one per request showed in profiles).
  const t = h.trim();
  if (!t.startsWith(sigV4Algorithm) || !/\s/.test(t.charAt(sigV4Algorithm.length))) throw new S3AuthFailure('AuthorizationHeaderMalformed', 'only AWS4-HMAC-SHA256 is supported');
  const parts = new Map<string, string>();
  for (const p of t.slice(sigV4Algorithm.length).split(',')) {
    const eq = p.indexOf('=');
    if (eq > 0) parts.set(p.slice(0, eq).trim(), p.slice(eq + 1).trim());
  }
  const cred = (parts.get('Credential') ?? '').split('/');
  const signedHeaders = (parts.get('SignedHeaders') ?? '').split(';').filter(Boolean);
  const signature = parts.get('Signature') ?? '';
  if (cred.length !== 5 || cred[4] !== 'aws4_request' || !signedHeaders.length || !/^[0-9a-f]{64}$/.test(signature)) {
    throw new S3AuthFailure('AuthorizationHeaderMalformed', 'the Authorization header is malformed');
  }
  if (signedHeaders.length > sigv4Limits.signedHeadersMax) throw new S3AuthFailure('AuthorizationHeaderMalformed', `over signedHeadersMax ${sigv4Limits.signedHeadersMax} signed headers`);
  return { accessKey: cred[0]!, date: cred[1]!, region: cred[2]!, service: cred[3]!, signedHeaders, signature };
}

/** URI-encode as SigV4 asks: everything but A-Z a-z 0-9 - _ . ~ (and '/' in paths). */
export function awsUriEncode(s: string, keepSlash: boolean): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new S3AuthFailure('AuthorizationHeaderMalformed', 'a malformed percent-encoding');
  }
}

function canonicalQuery(raw: string): string {
  if (!raw) return '';
  const pairs = raw
    .split('&')
    .filter(Boolean)
    .map((p) => {
      const eq = p.indexOf('=');
      const k = eq < 0 ? p : p.slice(0, eq);
      const v = eq < 0 ? '' : p.slice(eq + 1);
      return [awsUriEncode(decode(k), false), awsUriEncode(decode(v), false)] as const;
    });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/**
 * The canonical request. S3 signs the path as the client sent it (botocore leaves '+', '~' and
 * already-escaped bytes alone); `reencode` instead escapes the decoded path by SigV4's rules, for
 * clients that send characters they did not escape.
 */
export function canonicalRequest(req: SignedRequest, signedHeaders: string[], payloadHash: string, reencode = false): string {
  const path = (reencode ? awsUriEncode(decode(req.rawPath), true) : req.rawPath) || '/';
  let headers = '';
  for (const h of signedHeaders) headers += `${h}:${canonicalValue(req.headers[h] ?? '')}\n`;
  return `${req.method}\n${path}\n${canonicalQuery(req.rawQuery)}\n${headers}\n${signedHeaders.join(';')}\n${payloadHash}`;
}

/** A value trimmed, each run of white space one space; most values have none to fold, and skip the replace. */
const foldable = /[^\S ]| {2}/;
const canonicalValue = (v: string): string => {
  const t = v.trim();
  return foldable.test(t) ? t.replace(/\s+/g, ' ') : t;
};

// The one-shot hash: no Hash object per call (it measured a third of createHash's time).
const sha256hex = (s: string | Buffer): string => hash('sha256', s, 'hex');
const hmac = (key: Buffer | string, s: string): Buffer => createHmac('sha256', key).update(s).digest();

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

/**
 * Signing keys by secret and credential scope: one key serves every request of an access key for
 * a day, region and service, and deriving it costs four HMACs, so a gateway derives it once per
 * client and day instead of once per request. Bounded: past signingKeysCachedMax entries the
 * oldest goes. The secret is part of the entry's name, so a changed secret never finds an old key.
 */
export class SigningKeyCache {
  private readonly keys = new Map<string, Buffer>();

  get(secret: string, date: string, region: string, service: string): Buffer {
    const id = `${date}/${region}/${service}\u0000${secret}`;
    let k = this.keys.get(id);
    if (!k) {
      k = signingKey(secret, date, region, service);
      if (this.keys.size >= sigv4Limits.signingKeysCachedMax) this.keys.delete(this.keys.keys().next().value!);
      this.keys.set(id, k);
    }
    return k;
  }

  get size(): number {
    return this.keys.size;
  }
}

/** "20240101T000000Z" → ms since the epoch (NaN if malformed). */
export function parseAmzDate(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : NaN;
}

/**
 * Check a header-signed request against the access key's secret at time `nowMs`; returns the
 * payload hash the body must match (or UNSIGNED_PAYLOAD). Throws S3AuthFailure.
 */
export function verifySigV4(req: SignedRequest, auth: ParsedAuth, secret: string, nowMs: number, keys?: SigningKeyCache): string {
  const amzDate = req.headers['x-amz-date'] ?? '';
  const t = parseAmzDate(amzDate);
  if (Number.isNaN(t) || amzDate.slice(0, 8) !== auth.date) throw new S3AuthFailure('AccessDenied', 'x-amz-date is missing or does not match the credential scope');
  if (Math.abs(nowMs - t) > sigv4Limits.clockSkewMsMax) throw new S3AuthFailure('RequestTimeTooSkewed', 'the difference between the request time and the server time is too large');
  if (!auth.signedHeaders.includes('host')) throw new S3AuthFailure('AccessDenied', 'the host header must be signed');
  // A missing x-amz-content-sha256 is signed as UNSIGNED-PAYLOAD (radosgw's get_v4_exp_payload_hash).
  const payloadHash = req.headers['x-amz-content-sha256'] ?? UNSIGNED_PAYLOAD;
  // Streaming payloads are checked chunk by chunk afterwards (core/aws-chunked.ts).
  if (!knownPayloadHashes.has(payloadHash) && !/^[0-9a-f]{64}$/.test(payloadHash)) {
    throw new S3AuthFailure('AccessDenied', payloadHash.startsWith('STREAMING-') ? `the streaming payload ${payloadHash} is not supported` : 'x-amz-content-sha256 is missing or malformed');
  }
  checkSignature(req, auth, secret, amzDate, payloadHash, keys);
  return payloadHash;
}

/**
 * Compare the request's signature with ours (the canonical request over `payloadHash`, signed at
 * `amzDate`); throws SignatureDoesNotMatch. Shared by header and query (presigned) auth.
 */
export function checkSignature(req: SignedRequest, auth: ParsedAuth, secret: string, amzDate: string, payloadHash: string, keys?: SigningKeyCache): void {
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const key = keys ? keys.get(secret, auth.date, auth.region, auth.service) : signingKey(secret, auth.date, auth.region, auth.service);
  const got = Buffer.from(auth.signature);
  const matches = (reencode: boolean): boolean => {
    const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonicalRequest(req, auth.signedHeaders, payloadHash, reencode))].join('\n');
    const want = Buffer.from(createHmac('sha256', key).update(toSign).digest('hex'));
    return got.length === want.length && timingSafeEqual(got, want);
  };
  if (!matches(false) && !matches(true)) throw new S3AuthFailure('SignatureDoesNotMatch', 'the request signature we calculated does not match the signature you provided');
}

/** The body check for a signed payload hash. */
export function checkPayload(expected: string, body: Buffer): void {
  if (knownPayloadHashes.has(expected)) return;
  if (sha256hex(body) !== expected) throw new S3AuthFailure('XAmzContentSHA256Mismatch', 'the provided x-amz-content-sha256 does not match what was computed');
}

