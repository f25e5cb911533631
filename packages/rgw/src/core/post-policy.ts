/**
 * The policy of a browser-based upload (the S3 "Browser-Based Uploads Using POST" guide; radosgw's
 * RGWPolicy in src/rgw/rgw_policy_s3.cc and RGWPostObj_ObjStore_S3::get_policy in rgw_rest_s3.cc):
 * a base64 JSON document with an ISO 8601 `expiration` and `conditions`: {"field": "value"} or
 * ["eq", "$field", "value"] (exact), ["starts-with", "$field", "prefix"], ["content-length-range",
 * min, max]. Every form field (and the bucket) must be named by a condition, except x-ignore-*
 * and the signature fields; the policy is signed with SigV4 (hex HMAC-SHA256 under the signing
 * key of x-amz-credential) or SigV2 (base64 HMAC-SHA1 under the secret). Pure: time is an input.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { S3Error } from './errors';
import { signingKey } from './sigv4';

interface Condition {
  op: 'eq' | 'starts-with';
  name: string;
  value: string;
}

export interface PostPolicy {
  expiresMs: number;
  conditions: Condition[];
  lengthRange: [number, number] | undefined;
}

function denied(msg: string): S3Error {
  return new S3Error('AccessDenied', msg);
}

/** Decode and parse the policy field (InvalidArgument as radosgw's EINVAL when it cannot be read). */
export function parsePostPolicy(policyB64: string): PostPolicy {
  let doc: { expiration?: unknown; conditions?: unknown };
  try {
    doc = JSON.parse(Buffer.from(policyB64, 'base64').toString('utf8')) as typeof doc;
  } catch {
    throw new S3Error('InvalidArgument', 'Could not decode policy');
  }
  const expiresMs = typeof doc.expiration === 'string' ? Date.parse(doc.expiration) : NaN;
  if (Number.isNaN(expiresMs) || !Array.isArray(doc.conditions)) throw new S3Error('InvalidArgument', 'Failed to parse policy');
  const conditions: Condition[] = [];
  let lengthRange: [number, number] | undefined;
  for (const c of doc.conditions as unknown[]) {
    if (Array.isArray(c) && c.length === 3) {
      const op = String(c[0]).toLowerCase();
      if (op === 'content-length-range') lengthRange = [Number(c[1]), Number(c[2])];
      else if ((op === 'eq' || op === 'starts-with') && typeof c[1] === 'string' && c[1].startsWith('$')) conditions.push({ op, name: c[1].slice(1).toLowerCase(), value: String(c[2]) });
      else throw new S3Error('InvalidArgument', `Failed to parse policy: condition ${JSON.stringify(c)}`);
    } else if (c && typeof c === 'object' && !Array.isArray(c) && Object.keys(c).length === 1) {
      const [name, value] = Object.entries(c)[0]!;
      conditions.push({ op: 'eq', name: name.toLowerCase(), value: String(value) });
    } else throw new S3Error('InvalidArgument', `Failed to parse policy: condition ${JSON.stringify(c)}`);
  }
  return { expiresMs, conditions, lengthRange };
}

/** The form's variables as radosgw's RGWPolicyEnv holds them: the fields, the bucket and the key. */
export type PolicyEnv = Map<string, string>;

const alwaysChecked = new Set(['policy', 'x-amz-signature', 'signature', 'awsaccesskeyid', 'file']);

/** Check the policy's conditions against the form (AccessDenied with radosgw's messages). */
export function checkPostPolicy(p: PostPolicy, env: PolicyEnv, nowMs: number): void {
  if (p.expiresMs <= nowMs) throw denied('Policy expired');
  const vars = new Map([...env].map(([k, v]) => [k.toLowerCase(), v]));
  const checked = new Set<string>();
  for (const c of p.conditions) {
    const v = vars.get(c.name);
    if (v === undefined) throw denied(`Policy check failed, variable not found: ${c.name}`);
    checked.add(c.name);
    if (c.op === 'eq' ? v !== c.value : !v.startsWith(c.value)) throw denied(`Policy check failed, variable not met condition: ${c.name}`);
  }
  for (const k of vars.keys()) {
    if (!k.startsWith('x-ignore-') && !checked.has(k) && !alwaysChecked.has(k)) throw denied(`Policy missing condition: ${k}`);
  }
}

/** The content-length-range check of the uploaded file (EntityTooSmall / EntityTooLarge as radosgw). */
export function checkPostLength(p: PostPolicy, size: number): void {
  if (!p.lengthRange) return;
  if (size < p.lengthRange[0]) throw new S3Error('EntityTooSmall', 'your proposed upload is smaller than the minimum allowed size');
  if (size > p.lengthRange[1]) throw new S3Error('EntityTooLarge', 'your proposed upload exceeds the maximum allowed size');
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The access key that signed the form and a check of its signature with that key's secret. */
export function postSignature(fields: Map<string, string>): { accessKey: string; verify: (secret: string) => void } {
  const get = (n: string): string | undefined => [...fields].find(([k]) => k.toLowerCase() === n)?.[1];
  const policy = get('policy') ?? '';
  const mismatch = (): S3Error => new S3Error('SignatureDoesNotMatch', 'the request signature we calculated does not match the signature you provided');
  if (get('x-amz-algorithm') !== undefined) {
    if (get('x-amz-algorithm') !== 'AWS4-HMAC-SHA256') throw new S3Error('InvalidArgument', 'x-amz-algorithm must be AWS4-HMAC-SHA256');
    const cred = (get('x-amz-credential') ?? '').split('/');
    const sig = get('x-amz-signature');
    if (cred.length !== 5 || sig === undefined || get('x-amz-date') === undefined) throw new S3Error('InvalidArgument', 'Missing aws4 credential, signature or date');
    return {
      accessKey: cred[0]!,
      verify: (secret) => {
        if (!equal(sig, createHmac('sha256', signingKey(secret, cred[1]!, cred[2]!, cred[3]!)).update(policy).digest('hex'))) throw mismatch();
      },
    };
  }
  const ak = get('awsaccesskeyid');
  const sig = get('signature');
  if (ak === undefined || sig === undefined) throw new S3Error('InvalidArgument', 'Missing aws2 access key or signature');
  return {
    accessKey: ak,
    verify: (secret) => {
      if (!equal(sig, createHmac('sha1', secret).update(policy).digest('base64'))) throw mismatch();
    },
  };
}
