/**
 * Bucket versioning requests (the S3 API reference; radosgw's RGWGetBucketVersioning,
 * RGWSetBucketVersioning and RGWListBucket with ?versions in src/rgw/rgw_op.cc): GET/PUT
 * ?versioning and GET ?versions (ListObjectVersions).
 */
import { ServerResponse } from 'node:http';
import { S3Error } from '../core/errors';
import { listVersionsResult, parseVersioningConfiguration, versioningConfiguration } from '../core/versions';
import { RgwStore } from '../store';
import { listVersions } from '../store-versions';
import { AccessRequest, authorize } from './bucket-access';

/** What a bucket handler needs of the request. */
export interface BucketRequest extends AccessRequest {
  res: ServerResponse;
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
    authorize(c, await store.bucket(name), 's3:PutBucketVersioning', { ownerOnly: true });
    const state = parseVersioningConfiguration(c.body.toString());
    await store.updateBucket(name, (b) => ({ ...b, versioning: state }));
    c.res.writeHead(200, { 'content-length': 0 });
    c.res.end();
    return true;
  }
  if (method !== 'GET') return false;
  if (c.query.has('versioning')) {
    const b = await store.bucket(name);
    authorize(c, b, 's3:GetBucketVersioning', { ownerOnly: true });
    sendXml(c.res, versioningConfiguration(b.versioning));
    return true;
  }
  if (!c.query.has('versions')) return false;
  const b = await store.bucket(name);
  authorize(c, b, 's3:ListBucketVersions', { perm: 'READ' });
  const q = c.query;
  const maxKeys = Math.min(versionsPageMax, q.has('max-keys') ? Number(q.get('max-keys')) : versionsPageMax);
  if (!Number.isInteger(maxKeys) || maxKeys < 0) throw new S3Error('InvalidArgument', 'max-keys must be a non-negative integer');
  const keyMarker = q.get('key-marker') ?? '';
  const versionIdMarker = q.get('version-id-marker') ?? '';
  if (versionIdMarker && !keyMarker) throw new S3Error('InvalidArgument', 'a version-id marker cannot be specified without a key marker');
  const r = await listVersions(store.index, b, { prefix: q.get('prefix') ?? '', delimiter: q.get('delimiter') ?? '', keyMarker, versionIdMarker, maxKeys });
  sendXml(c.res, listVersionsResult({ ...r, bucket: b.name, owner: { id: b.owner, displayName: b.owner } }));
  return true;
}
