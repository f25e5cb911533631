/**
 * DeleteObjects, POST /bucket?delete (radosgw's RGWDeleteMultiObj): a Delete document of up to
 * 1000 keys, each deleted on its own; the answer lists every key deleted (none in Quiet mode)
 * and every one that failed with its S3 error code.
 */
import { S3Error } from '../core/errors';
import { doc, Node } from '../core/xml';
import { childrenNamed, childText, parseXml, rawChildText } from '../core/xml-parse';
import { BucketInfo } from '../store';
import { authorize } from './bucket-access';
import { Ctx, sendXml } from './context';

/** Named limits of DeleteObjects (docs/LIMITS.md, "rgw"). */
export const deleteObjectsLimits = {
  /** Keys per request (S3's and radosgw's max_to_delete). */
  keysMax: 1000,
};

export async function deleteObjects(c: Ctx, b: BucketInfo): Promise<void> {
  const root = parseXml(c.body);
  if (root.name !== 'Delete') throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
  const quiet = childText(root, 'Quiet')?.trim() === 'true';
  const objects = childrenNamed(root, 'Object');
  if (!objects.length || objects.length > deleteObjectsLimits.keysMax) {
    throw new S3Error('MalformedXML', `The XML you provided was not well-formed or did not validate against our published schema (1 to ${deleteObjectsLimits.keysMax} objects)`);
  }
  const keys = objects.map((o) => {
    const k = rawChildText(o, 'Key');
    if (k === undefined) throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema (an Object without Key)');
    return { key: k, versionId: childText(o, 'VersionId') };
  });
  const out: Node[] = [];
  for (const { key, versionId } of keys) {
    try {
      // Each key is checked as its own DELETE would be; a refusal is that key's Error.
      authorize(c, b, versionId !== undefined ? 's3:DeleteObjectVersion' : 's3:DeleteObject', { key, perm: 'WRITE' });
      const r = await c.store.deleteObject(b, key, versionId);
      const version: Node[] = versionId !== undefined ? [['VersionId', versionId]] : [];
      const marker: Node[] = r.deleteMarker ? [['DeleteMarker', 'true'], ['DeleteMarkerVersionId', r.versionId ?? 'null']] : [];
      if (!quiet) out.push(['Deleted', [['Key', key], ...version, ...marker]]);
    } catch (e) {
      const err = e instanceof S3Error ? e : new S3Error('InternalError', 'we encountered an internal error, please try again');
      out.push(['Error', [['Key', key], ['Code', err.code], ['Message', err.message]]]);
    }
  }
  sendXml(c, 200, doc('DeleteResult', out));
}
