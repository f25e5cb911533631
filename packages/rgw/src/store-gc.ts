/**
 * ts-rgw's garbage collector (docs/formats/rgw.md, "Atomicity"): data sets recorded as pending
 * for longer than a grace time (their upload, completion or delete died half-way) are removed
 * unless the bucket index or a multipart upload still names them; the records go too.
 */
import { isErrno, type DataSet, type IndexEntry, type PendingData, type RgwStore } from './store';
import { versionsOf } from './store-versions';

const names = (e: IndexEntry, data: string): boolean => e.data === data || e.parts?.some((x) => x.data === data) === true;

/** Collect the pending records older than `graceMs`; returns how many data sets were removed. */
export async function collectGarbage(store: RgwStore, graceMs: number): Promise<number> {
  let removed = 0;
  const now = Date.now();
  for await (const o of store.index.listObjects()) {
    if (!o.oid.startsWith('pending.')) continue;
    const bucketId = o.oid.slice('pending.'.length);
    const { vals } = await store.index.omapGetVals(o.oid);
    for (const v of vals.values()) {
      const p = JSON.parse(v.toString()) as PendingData;
      if (now - p.startedMs < graceMs) continue;
      if (!(await isLive(store, bucketId, p))) {
        await store.removeData(p);
        removed++;
      }
      await store.index.omapRmKeys(o.oid, [p.data]);
    }
  }
  return removed;
}

function missing(e: unknown): Map<string, Buffer> {
  if (isErrno(e, 'ENOENT')) return new Map<string, Buffer>();
  throw e;
}

/**
 * Whether an index entry names the record's data set: its version entry (`vkey`), else the key's
 * current entry or any of its versions (a multipart part may belong to a version a later PUT
 * superseded), or its multipart upload's part list.
 */
async function isLive(store: RgwStore, bucketId: string, p: PendingData): Promise<boolean> {
  const at = p.vkey ?? p.key;
  const named = (await store.index.omapGetValsByKeys(`index.${bucketId}`, [at]).catch(missing)).get(at);
  if (named && names(JSON.parse(named.toString()) as IndexEntry, p.data)) return true;
  if (p.vkey) return false;
  const b = { name: '', id: bucketId, owner: '', createdMs: 0 };
  const versions = await versionsOf(store.index, b, p.key).catch((e: unknown) => {
    if (isErrno(e, 'ENOENT')) return [];
    throw e;
  });
  if (versions.some((e) => names(e, p.data))) return true;
  if (!p.upload) return false;
  let after = '';
  for (;;) {
    const page = await store.index.omapGetVals(p.upload, { startAfter: after }).catch((e: unknown) => ({ vals: missing(e), more: false }));
    for (const [k, v] of page.vals) {
      after = k;
      if ((JSON.parse(v.toString()) as DataSet).data === p.data) return true;
    }
    if (!page.more) return false;
  }
}
