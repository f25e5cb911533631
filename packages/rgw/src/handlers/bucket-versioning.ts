/**
 * Bucket versioning requests (the S3 API reference; radosgw's RGWGetBucketVersioning,
 * RGWSetBucketVersioning and RGWListBucket with ?versions in src/rgw/rgw_op.cc): GET/PUT
 * ?versioning and GET ?versions (ListObjectVersions).
 */
import { ServerResponse } from 'node:http';
import { S3Error } from '../core/errors';
import { listVersionsResult, parseVersioningConfiguration, versioningConfiguration } from '../core/versions';
import { RgwStore, UserInfo } from '../store';
import { listVersions } from '../store-versions';

/** What a bucket handler needs of the request. */
export interface BucketRequest {
  res: ServerResponse;
  query: URLSearchParams;
  user: UserInfo;
  body: Buffer;
}

/** Keys per ListObjectVersions page (S3's max-keys ceiling). */
const versionsPageMax = 1000;

function sendXml(res: ServerResponse, doc: string): void {
  res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(doc) });
  res.end(doc);
}

/** Answer a versioning request on bucket `name`; false when the request is not one. */
export async function bucketVersioningOp(c: BucketRequest, method: string, store: RgwStore, name: string): Promise<boolean> {
  if (method === 'PUT' && c.query.has('versioning')) {
    await store.setVersioning(c.user.uid, name, parseVersioningConfiguration(c.body.toString()));
    c.res.writeHead(200, { 'content-length': 0 });
    c.res.end();
    return true;
  }
  if (method !== 'GET') return false;
  if (c.query.has('versioning')) {
    const b = await store.bucket(name);
    if (b.owner !== c.user.uid) throw new S3Error('AccessDenied', `${name} belongs to another user`);
    sendXml(c.res, versioningConfiguration(b.versioning));
    return true;
  }
  if (!c.query.has('versions')) return false;
  const b = await store.bucket(name);
  if (b.owner !== c.user.uid) throw new S3Error('AccessDenied', `${name} belongs to another user`);
  const q = c.query;
  const maxKeys = Math.min(versionsPageMax, q.has('max-keys') ? Number(q.get('max-keys')) : versionsPageMax);
  if (!Number.isInteger(maxKeys) || maxKeys < 0) throw new S3Error('InvalidArgument', 'max-keys must be a non-negative integer');
  const keyMarker = q.get('key-marker') ?? '';
  const versionIdMarker = q.get('version-id-marker') ?? '';
  if (versionIdMarker && !keyMarker) throw new S3Error('InvalidArgument', 'a version-id marker cannot be specified without a key marker');
  const r = await listVersions(store.index, b, { prefix: q.get('prefix') ?? '', delimiter: q.get('delimiter') ?? '', keyMarker, versionIdMarker, maxKeys });
  sendXml(c.res, listVersionsResult({ ...r, bucket: b.name, owner: { id: c.user.uid, displayName: c.user.displayName } }));
  return true;
}
