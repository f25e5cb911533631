/**
 * Bucket and object configuration subresources: ?acl (GetBucketAcl, PutBucketAcl, GetObjectAcl,
 * PutObjectAcl), ?policy (Get/Put/DeleteBucketPolicy) and ?cors (Get/Put/DeleteBucketCors), stored in
 * the bucket's record and the object's index entries (docs/formats/rgw.md).
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { aclDocument, parseAclDocument } from '../core/acl';
import { corsDocument, parseCorsConfiguration } from '../core/cors';
import { S3Error } from '../core/errors';
import { parsePolicy } from '../core/policy';
import { BucketInfo, IndexEntry, RgwStore } from '../store';
import { findVersion } from '../store-versions';
import { AccessRequest, authorize, bucketAcl, objectAcl, requestedAcl } from './bucket-access';

export interface ConfigRequest extends AccessRequest {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  body: Buffer;
}

function send(res: ServerResponse, status: number, doc?: string, type = 'application/xml'): void {
  res.writeHead(status, doc === undefined ? { 'content-length': 0 } : { 'content-type': type, 'content-length': Buffer.byteLength(doc) });
  res.end(doc);
}

/** Answer ?acl, ?policy or ?cors on a bucket; false when the request is none of them. */
export async function bucketConfigOp(c: ConfigRequest, store: RgwStore, name: string): Promise<boolean> {
  const q = c.query;
  const sub = ['acl', 'policy', 'cors'].find((s) => q.has(s));
  if (!sub || !['GET', 'PUT', 'DELETE'].includes(c.method)) return false;
  const b = await store.bucket(name);
  const verb = { GET: 'Get', PUT: 'Put', DELETE: 'Delete' }[c.method as 'GET'];
  if (sub === 'acl') {
    if (c.method === 'DELETE') throw new S3Error('MethodNotAllowed', 'an ACL cannot be deleted');
    authorize(c, b, `s3:${verb}BucketAcl`, { perm: c.method === 'GET' ? 'READ_ACP' : 'WRITE_ACP', ownerOnly: false });
    if (c.method === 'GET') return send(c.res, 200, aclDocument(bucketAcl(b))), true;
    const owner = bucketAcl(b).owner;
    const acl = requestedAcl(c.req.headers, owner) ?? parseAclDocument(c.body.toString(), owner);
    await store.updateBucket(name, (x) => ({ ...x, acl }));
    return send(c.res, 200), true;
  }
  authorize(c, b, sub === 'policy' ? `s3:${verb}BucketPolicy` : `s3:${verb === 'Delete' ? 'Put' : verb}BucketCORS`, { ownerOnly: true });
  if (sub === 'policy') {
    await policyOp(c, store, b);
    return true;
  }
  if (c.method === 'GET') {
    if (!b.cors) throw new S3Error('NoSuchCORSConfiguration', 'the CORS configuration does not exist');
    return send(c.res, 200, corsDocument(b.cors)), true;
  }
  const cors = c.method === 'PUT' ? parseCorsConfiguration(c.body.toString()) : undefined;
  await store.updateBucket(name, (x) => ({ ...x, cors }));
  return send(c.res, c.method === 'PUT' ? 200 : 204), true;
}

async function policyOp(c: ConfigRequest, store: RgwStore, b: BucketInfo): Promise<void> {
  if (c.method === 'GET') {
    if (!b.policy) throw new S3Error('NoSuchBucketPolicy', 'the bucket policy does not exist');
    return send(c.res, 200, b.policy, 'application/json');
  }
  const text = c.method === 'PUT' ? c.body.toString() : undefined;
  if (text !== undefined) parsePolicy(text, b.name);
  await store.updateBucket(b.name, (x) => ({ ...x, policy: text }));
  send(c.res, 204);
}

/** Answer GET/PUT ?acl on an object; false when the request is not one. */
export async function objectAclOp(c: ConfigRequest, store: RgwStore, b: BucketInfo, key: string): Promise<boolean> {
  if (!c.query.has('acl') || (c.method !== 'GET' && c.method !== 'PUT')) return false;
  const vid = c.query.get('versionId');
  const cur = await store.entry(b, key);
  const target = vid !== null ? await findVersion(store.index, b, key, vid) : cur;
  if (!target || target.deleteMarker) throw new S3Error('NoSuchKey', 'the specified key does not exist');
  const acl = objectAcl(b, target);
  authorize(c, b, c.method === 'GET' ? 's3:GetObjectAcl' : 's3:PutObjectAcl', { key, perm: c.method === 'GET' ? 'READ_ACP' : 'WRITE_ACP', acl });
  if (c.method === 'GET') return send(c.res, 200, aclDocument(acl)), true;
  const next = requestedAcl(c.req.headers, acl.owner, b.owner) ?? parseAclDocument(c.body.toString(), acl.owner);
  const updated: IndexEntry = { ...target, acl: next };
  const set = new Map<string, IndexEntry>();
  if (target.vkey) set.set(target.vkey, updated);
  if (cur && cur.data === target.data) set.set(key, updated);
  await store.applyPlan(b, { set, rm: [], drop: [] });
  return send(c.res, 200), true;
}
