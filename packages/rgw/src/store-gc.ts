/**
 * ts-rgw's garbage collector (docs/formats/rgw.md, "Atomicity"): data sets recorded as pending
 * for longer than a grace time (their upload, completion or delete died half-way) are removed
 * unless the bucket index or a multipart upload still names them; the records go too. A reserved
 * name (data-reserve.ts) is judged by its head stripe's intent: no head, nothing was written.
 */
import { isErrno, type DataSet, type HeadIntent, type IndexEntry, type PendingData, type ReservedData, type RgwStore } from './store';
import { rgwHeadIntentXattr } from './store-put';
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
      const r = JSON.parse(v.toString()) as PendingData | ReservedData;
      if (now - r.startedMs < graceMs) continue;
      const p = 'reserved' in r ? await reservedIntent(store, r) : r;
      if (p === 'orphan' || (p && !(await isLive(store, bucketId, p)))) {
        await store.removeData({ data: r.data, size: p === 'orphan' ? 0 : p.size });
        removed++;
      }
      await store.index.omapRmKeys(o.oid, [r.data]);
    }
  }
  return removed;
}

/**
 * What a reserved name was used for, from its head stripe: undefined when no head was written (the
 * name went unused), 'orphan' for a head without the intent xattr (ts-rgw writes both in one op).
 */
async function reservedIntent(store: RgwStore, r: ReservedData): Promise<PendingData | 'orphan' | undefined> {
  try {
    const intent = JSON.parse((await store.data.getxattr(`${r.data}.0`, rgwHeadIntentXattr)).toString()) as HeadIntent;
    // A reserved name is always a one-stripe data set (store-put.ts): size 0 removes `.0` only.
    return { key: intent.key, vkey: intent.vkey, data: r.data, size: 0, startedMs: r.startedMs };
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    if (isErrno(e, 'ENODATA')) return 'orphan';
    throw e;
  }
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
