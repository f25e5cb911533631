/**
 * Who may do what (radosgw's verify_bucket_permission / verify_object_permission in
 * src/rgw/rgw_common.cc, in S3's order): the bucket policy first (an explicit Deny refuses, an Allow
 * grants), then the ACLs: the bucket's for bucket reads and for writing objects into it, the
 * object's for reading it. The bucket owner always manages its bucket's configuration.
 */
import { Acl, aclAllows, cannedAcl, grantsFromHeaders, Permission } from '../core/acl';
import { S3Error } from '../core/errors';
import { evaluatePolicy, parsePolicy } from '../core/policy';
import { BucketInfo, IndexEntry, UserInfo } from '../store';

export interface AccessRequest {
  user: UserInfo | undefined;
  /** The client's address (aws:SourceIp). */
  sourceIp: string | undefined;
  query: URLSearchParams;
}

/** The bucket's ACL; a bucket from before ACLs is private to its owner. */
export function bucketAcl(b: BucketInfo): Acl {
  return b.acl ?? cannedAcl('private', { id: b.owner, displayName: b.owner });
}

/** The object's ACL; an entry from before ACLs belongs to the bucket owner. */
export function objectAcl(b: BucketInfo, e: IndexEntry): Acl {
  return e.acl ?? cannedAcl('private', { id: b.owner, displayName: b.owner });
}

/**
 * Refuse with AccessDenied unless the policy or the ACL allows `action` on `key` (undefined: the
 * bucket itself). `perm` is the ACL permission the action needs; `acl` the ACL it is checked on
 * (the bucket's by default); `ownerOnly` actions fall back to the owner instead of the ACL.
 */
export function authorize(r: AccessRequest, b: BucketInfo, action: string, o: { key?: string; perm?: Permission; acl?: Acl; ownerOnly?: boolean } = {}): void {
  const uid = r.user?.uid;
  if (b.policy) {
    const verdict = evaluatePolicy(parsePolicy(b.policy, b.name), {
      uid,
      action,
      resource: o.key === undefined ? `arn:aws:s3:::${b.name}` : `arn:aws:s3:::${b.name}/${o.key}`,
      context: {
        'aws:SourceIp': r.sourceIp,
        'aws:username': uid,
        's3:prefix': r.query.get('prefix') ?? undefined,
        's3:delimiter': r.query.get('delimiter') ?? undefined,
        's3:max-keys': r.query.get('max-keys') ?? undefined,
      },
    });
    if (verdict === 'Deny') throw new S3Error('AccessDenied', 'access denied by the bucket policy');
    if (verdict === 'Allow') return;
  }
  if (uid !== undefined && uid === b.owner && (o.ownerOnly || o.key === undefined)) return;
  if (!o.ownerOnly && o.perm && aclAllows(o.acl ?? bucketAcl(b), uid, o.perm)) return;
  throw new S3Error('AccessDenied', 'access denied');
}

/** The ACL a PUT asks for with x-amz-acl or x-amz-grant-* headers; undefined: none asked. */
export function requestedAcl(headers: Record<string, string | string[] | undefined>, owner: Acl['owner'], bucketOwner?: string): Acl | undefined {
  const canned = headers['x-amz-acl'];
  const grants = grantsFromHeaders(headers);
  if (typeof canned === 'string' && grants) throw new S3Error('InvalidRequest', 'specifying both Canned ACLs and Header Grants is not allowed');
  if (typeof canned === 'string') return cannedAcl(canned, owner, bucketOwner);
  return grants ? { owner, grants } : undefined;
}
