/**
 * Bucket policies (the IAM policy language as S3 and radosgw's src/rgw/rgw_iam_policy.cc apply it,
 * the subset ts-rgw knows): statements with Effect Allow/Deny, Principal "*" or
 * {"AWS": "*" | "arn:aws:iam:::user/NAME" | [...]}, Action s3:... with wildcards, Resource
 * arn:aws:s3:::bucket[/key pattern], Condition StringEquals / StringNotEquals / StringLike /
 * IpAddress / NotIpAddress on aws:SourceIp, s3:prefix, s3:delimiter, s3:max-keys, aws:username.
 * An explicit Deny wins, then an Allow; with neither the ACLs decide. Pure.
 */
import { S3Error } from './errors';

/** Named limits of bucket policies (docs/LIMITS.md, "rgw"). */
export const rgwPolicyLimits = {
  /** Bytes of one policy document (AWS's bucket policy limit is 20 KiB). */
  policyBytesMax: 20 * 1024,
};

export interface PolicyRequest {
  /** The requester's uid; undefined when anonymous. */
  uid: string | undefined;
  /** An S3 action, e.g. s3:GetObject. */
  action: string;
  /** arn:aws:s3:::bucket or arn:aws:s3:::bucket/key */
  resource: string;
  /** Condition keys with their values for this request (aws:SourceIp, s3:prefix ...). */
  context: Record<string, string | undefined>;
}

interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface Policy {
  Version?: string;
  Statement: Statement[];
}

const invalid = (why: string): S3Error => new S3Error('MalformedPolicy', `the policy is not valid: ${why}`);
const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * `*` matches any run of characters, `?` one (IAM's wildcard matching). No regex is built from
 * the pattern (a policy is user input): the two-pointer walk below keeps only the last `*` seen and
 * resumes after it, so its time is at most |pattern| x |s| steps (both bounded: policyBytesMax and
 * the key length) and never exponential.
 */
export function globMatch(pattern: string, s: string): boolean {
  let p = 0;
  let i = 0;
  let star = -1;
  let resume = 0;
  while (i < s.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === s[i])) {
      p++;
      i++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = i;
    } else if (star >= 0) {
      // The last `*` takes one more character and the rest of the pattern tries again.
      p = star + 1;
      i = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

const conditionOps = ['StringEquals', 'StringNotEquals', 'StringLike', 'StringNotLike', 'IpAddress', 'NotIpAddress'];

/** Parse and check a PutBucketPolicy body against the subset above; MalformedPolicy otherwise. */
export function parsePolicy(text: string, bucket: string): Policy {
  if (Buffer.byteLength(text) > rgwPolicyLimits.policyBytesMax) throw new S3Error('PolicyTooLarge', `policies are at most ${rgwPolicyLimits.policyBytesMax} bytes`);
  let p: Policy;
  try {
    p = JSON.parse(text) as Policy;
  } catch {
    throw invalid('not JSON');
  }
  const stmts = Array.isArray(p?.Statement) ? p.Statement : p?.Statement ? [p.Statement as Statement] : undefined;
  if (!stmts?.length) throw invalid('no Statement');
  for (const s of stmts) {
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw invalid('Effect must be Allow or Deny');
    if (s.Principal === undefined) throw invalid('a statement needs a Principal');
    if (!list(s.Action).length && !list(s.NotAction).length) throw invalid('a statement needs an Action');
    const res = list(s.Resource);
    if (!res.length) throw invalid('a statement needs a Resource');
    for (const r of res) if (!globMatch(r.split('/')[0]!, `arn:aws:s3:::${bucket}`)) throw new S3Error('MalformedPolicy', 'Policy has invalid resource');
    for (const op of Object.keys(s.Condition ?? {})) if (!conditionOps.includes(op)) throw invalid(`the condition operator ${op} is not supported`);
  }
  return { Version: p.Version, Statement: stmts };
}

function principalMatches(p: unknown, uid: string | undefined): boolean {
  if (p === '*') return true;
  const aws = (p as { AWS?: string | string[] } | null)?.AWS;
  return list(aws).some((a) => a === '*' || (uid !== undefined && (a === `arn:aws:iam:::user/${uid}` || a === uid)));
}

/** An IPv4 or IPv6 address as a number and its width in bits; undefined when not one. */
function parseIp(ip: string): { v: bigint; bits: number } | undefined {
  const s = ip.replace(/^::ffff:(?=\d+\.)/i, '');
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((x) => x > 255)) return undefined;
    return { v: parts.reduce((acc, x) => (acc << 8n) | BigInt(x), 0n), bits: 32 };
  }
  const halves = s.split('::');
  if (halves.length > 2 || !/^[0-9a-f:]+$/i.test(s)) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...Array<string>(Math.max(0, fill)).fill('0'), ...tail];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  return { v: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n), bits: 128 };
}

/** Whether `ip` lies in `cidr` ("a.b.c.d/n", an IPv6 prefix, or one address). */
export function ipInCidr(cidr: string, ip: string | undefined): boolean {
  if (!ip) return false;
  const [addr, len] = cidr.split('/');
  const net = parseIp(addr!);
  const have = parseIp(ip);
  if (!net || !have || net.bits !== have.bits) return false;
  const n = len === undefined ? net.bits : Number(len);
  if (!Number.isInteger(n) || n < 0 || n > net.bits) return false;
  const shift = BigInt(net.bits - n);
  return net.v >> shift === have.v >> shift;
}

function conditionsHold(cond: Statement['Condition'], ctx: PolicyRequest['context']): boolean {
  for (const [op, keys] of Object.entries(cond ?? {})) {
    for (const [key, want] of Object.entries(keys)) {
      const have = ctx[key];
      const values = list(want);
      const any = (f: (v: string) => boolean): boolean => have !== undefined && values.some(f);
      const ok =
        op === 'StringEquals' ? any((v) => v === have) :
        op === 'StringNotEquals' ? !any((v) => v === have) :
        op === 'StringLike' ? any((v) => globMatch(v, have!)) :
        op === 'StringNotLike' ? !any((v) => globMatch(v, have!)) :
        op === 'IpAddress' ? values.some((v) => ipInCidr(v, have)) :
        !values.some((v) => ipInCidr(v, have));
      if (!ok) return false;
    }
  }
  return true;
}

/** The policy's verdict on a request: 'Deny' over 'Allow'; undefined when no statement applies. */
export function evaluatePolicy(p: Policy, r: PolicyRequest): 'Allow' | 'Deny' | undefined {
  let verdict: 'Allow' | undefined;
  for (const s of p.Statement) {
    if (!principalMatches(s.Principal, r.uid)) continue;
    const acts = list(s.Action);
    const actionOk = acts.length ? acts.some((a) => globMatch(a.toLowerCase(), r.action.toLowerCase())) : !list(s.NotAction).some((a) => globMatch(a.toLowerCase(), r.action.toLowerCase()));
    if (!actionOk || !list(s.Resource).some((x) => globMatch(x, r.resource))) continue;
    if (!conditionsHold(s.Condition, r.context)) continue;
    if (s.Effect === 'Deny') return 'Deny';
    verdict = 'Allow';
  }
  return verdict;
}
