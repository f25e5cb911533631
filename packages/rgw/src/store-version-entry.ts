/**
 * Changing one version's index entry in place (object tagging with ?versionId, radosgw's
 * RGWPutObjTags / RGWDeleteObjTags on an object instance): the version entry under its vkey, and
 * the current entry too when that version is the current one (docs/formats/rgw.md, "Versions":
 * both hold the same JSON). Read with the index's user version, written with assert_version, so a
 * PUT or DELETE in between is never undone; a lost race retries.
 */
import { ReadOp, WriteOp } from '@ts-ceph/rados';
import { S3Error } from './core/errors';
import { findVersion } from './store-versions';
import { BucketInfo, IndexEntry, isErrno, json, RgwStore, rgwStoreLimits } from './store';

export async function updateVersionEntry(store: RgwStore, b: BucketInfo, key: string, versionId: string, change: (e: IndexEntry) => IndexEntry): Promise<IndexEntry> {
  for (let i = 0; ; i++) {
    const target = await findVersion(store.index, b, key, versionId);
    // S3: a delete marker has no tags to read or change.
    if (target.deleteMarker) throw new S3Error('MethodNotAllowed', 'the specified method is not allowed against this resource');
    // An entry from before versioning (no vkey) is the current entry itself.
    if (!target.vkey) return store.updateEntry(b, key, change);
    const r = await store.index.operateRead(`index.${b.id}`, new ReadOp().omapGetValsByKeys([key, target.vkey]));
    const vals = r.results[0]!.value as Map<string, Buffer>;
    const raw = vals.get(target.vkey);
    if (!raw) throw new S3Error('NoSuchVersion', 'the specified version does not exist');
    const next = change(JSON.parse(raw.toString()) as IndexEntry);
    const set = new Map([[target.vkey, json(next)]]);
    const cur = vals.get(key);
    if (cur && (JSON.parse(cur.toString()) as IndexEntry).vkey === target.vkey) set.set(key, json(next));
    try {
      await store.index.operate(`index.${b.id}`, new WriteOp().assertVersion(r.version).omapSet(set));
      return next;
    } catch (e) {
      if (!isErrno(e, 'ERANGE', 'EOVERFLOW') || i >= rgwStoreLimits.raceRetriesMax) throw e;
    }
  }
}
