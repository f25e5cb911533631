/**
 * S3 access control lists (the S3 API reference "Access control list (ACL) overview"; radosgw's
 * src/rgw/rgw_acl_s3.cc): grants to a user (CanonicalUser) or to a group (AllUsers,
 * AuthenticatedUsers), canned ACLs, the AccessControlPolicy document both ways, and the check
 * whether a requester holds a permission. Pure.
 */
import { S3Error } from './errors';
import { childrenNamed, childText, parseXml } from './xml-parse';
import { S3_XMLNS, xmlEscape } from './xml';

export const allUsersUri = 'http://acs.amazonaws.com/groups/global/AllUsers';
export const authenticatedUsersUri = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';

export type Permission = 'FULL_CONTROL' | 'READ' | 'WRITE' | 'READ_ACP' | 'WRITE_ACP';
const permissions: readonly Permission[] = ['FULL_CONTROL', 'READ', 'WRITE', 'READ_ACP', 'WRITE_ACP'];

export type Grantee = { type: 'CanonicalUser'; id: string; displayName?: string } | { type: 'Group'; uri: string };

export interface Grant {
  grantee: Grantee;
  permission: Permission;
}

/** An ACL: the owner (a uid) and its grants. */
export interface Acl {
  owner: { id: string; displayName: string };
  grants: Grant[];
}

export const cannedAcls = ['private', 'public-read', 'public-read-write', 'authenticated-read', 'bucket-owner-read', 'bucket-owner-full-control'] as const;
export type CannedAcl = (typeof cannedAcls)[number];

/** The ACL a canned name stands for; bucketOwner matters to the bucket-owner-* ones (objects). */
export function cannedAcl(name: string, owner: Acl['owner'], bucketOwner?: string): Acl {
  if (!(cannedAcls as readonly string[]).includes(name)) throw new S3Error('InvalidArgument', `${name} is not a canned ACL`);
  const grants: Grant[] = [{ grantee: { type: 'CanonicalUser', id: owner.id, displayName: owner.displayName }, permission: 'FULL_CONTROL' }];
  const group = (uri: string, permission: Permission): void => void grants.push({ grantee: { type: 'Group', uri }, permission });
  if (name === 'public-read' || name === 'public-read-write') group(allUsersUri, 'READ');
  if (name === 'public-read-write') group(allUsersUri, 'WRITE');
  if (name === 'authenticated-read') group(authenticatedUsersUri, 'READ');
  if (bucketOwner && bucketOwner !== owner.id && name.startsWith('bucket-owner-')) {
    grants.push({ grantee: { type: 'CanonicalUser', id: bucketOwner }, permission: name === 'bucket-owner-read' ? 'READ' : 'FULL_CONTROL' });
  }
  return { owner, grants };
}

/**
 * Whether `uid` (undefined: anonymous) holds `perm`: through a grant to it, to AllUsers, to
 * AuthenticatedUsers when signed in, or FULL_CONTROL. The owner always may read and write the ACL
 * itself (S3 keeps owners from locking themselves out).
 */
export function aclAllows(acl: Acl, uid: string | undefined, perm: Permission): boolean {
  if (uid !== undefined && uid === acl.owner.id && (perm === 'READ_ACP' || perm === 'WRITE_ACP')) return true;
  return acl.grants.some((g) => {
    if (g.permission !== perm && g.permission !== 'FULL_CONTROL') return false;
    if (g.grantee.type === 'CanonicalUser') return uid !== undefined && g.grantee.id === uid;
    return g.grantee.uri === allUsersUri || (g.grantee.uri === authenticatedUsersUri && uid !== undefined);
  });
}

/** The AccessControlPolicy document (GetBucketAcl / GetObjectAcl). */
export function aclDocument(acl: Acl): string {
  const grants = acl.grants
    .map((g) => {
      const who =
        g.grantee.type === 'CanonicalUser'
          ? `<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>${xmlEscape(g.grantee.id)}</ID><DisplayName>${xmlEscape(g.grantee.displayName ?? g.grantee.id)}</DisplayName></Grantee>`
          : `<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>${xmlEscape(g.grantee.uri)}</URI></Grantee>`;
      return `<Grant>${who}<Permission>${g.permission}</Permission></Grant>`;
    })
    .join('');
  const owner = `<Owner><ID>${xmlEscape(acl.owner.id)}</ID><DisplayName>${xmlEscape(acl.owner.displayName)}</DisplayName></Owner>`;
  return `<?xml version="1.0" encoding="UTF-8"?><AccessControlPolicy xmlns="${S3_XMLNS}">${owner}<AccessControlList>${grants}</AccessControlList></AccessControlPolicy>`;
}

/** PutBucketAcl / PutObjectAcl's body; the owner must stay the resource's owner. */
export function parseAclDocument(body: string, owner: Acl['owner']): Acl {
  const root = parseXml(body);
  if (root.name !== 'AccessControlPolicy') throw new S3Error('MalformedACLError', 'the XML you provided was not well-formed or did not validate against our published schema');
  const ownerEl = childrenNamed(root, 'Owner')[0];
  if (ownerEl && childText(ownerEl, 'ID') !== owner.id) throw new S3Error('AccessDenied', 'the owner of a resource cannot be changed');
  const list = childrenNamed(root, 'AccessControlList')[0];
  const grants: Grant[] = [];
  for (const g of list ? childrenNamed(list, 'Grant') : []) {
    const ge = childrenNamed(g, 'Grantee')[0];
    const perm = childText(g, 'Permission') as Permission;
    if (!ge || !permissions.includes(perm)) throw new S3Error('MalformedACLError', 'a grant needs a Grantee and a valid Permission');
    const type = ge.attrs['xsi:type'];
    const id = childText(ge, 'ID');
    const uri = childText(ge, 'URI');
    if (type === 'CanonicalUser' && id) grants.push({ grantee: { type: 'CanonicalUser', id, displayName: childText(ge, 'DisplayName') }, permission: perm });
    else if (type === 'Group' && (uri === allUsersUri || uri === authenticatedUsersUri)) grants.push({ grantee: { type: 'Group', uri }, permission: perm });
    else throw new S3Error('MalformedACLError', `a grantee of type ${type ?? '(none)'} is not supported`);
  }
  return { owner, grants };
}

/** x-amz-grant-read: id="u", uri="..." headers into grants (PutBucketAcl / PUT with grants). */
export function grantsFromHeaders(headers: Record<string, string | string[] | undefined>): Grant[] | undefined {
  const map: [string, Permission][] = [
    ['x-amz-grant-full-control', 'FULL_CONTROL'],
    ['x-amz-grant-read', 'READ'],
    ['x-amz-grant-write', 'WRITE'],
    ['x-amz-grant-read-acp', 'READ_ACP'],
    ['x-amz-grant-write-acp', 'WRITE_ACP'],
  ];
  const grants: Grant[] = [];
  let any = false;
  for (const [h, permission] of map) {
    const v = headers[h];
    if (typeof v !== 'string') continue;
    any = true;
    for (const part of v.split(',')) {
      const m = /^\s*(id|uri)\s*=\s*"?([^"]*)"?\s*$/.exec(part);
      if (!m) throw new S3Error('InvalidArgument', `${h}: expected id="..." or uri="..."`);
      grants.push({ grantee: m[1] === 'id' ? { type: 'CanonicalUser', id: m[2]! } : { type: 'Group', uri: m[2]! }, permission });
    }
  }
  return any ? grants : undefined;
}
