import { ObjectStore, Transaction, CollT, ghobjectMax, ghobjectMin } from '@ts-ceph/objectstore';

/** Named limits of PG removal (docs/LIMITS.md). */
export const pgRemoveLimits = {
  /** Objects removed per transaction while deleting a stray PG (PG::do_delete_work's osd_target_transaction_size). */
  objectsPerTxnMax: 256,
};

/**
 * Delete a PG's copy from the store (PG::do_delete_work after MOSDPGRemove): its objects in
 * transactions of at most `objectsPerTxnMax`, then the collection. Returns the objects removed.
 * The caller runs it in the PG's chain, so nothing else touches the collection meanwhile.
 */
export async function removePgCollection(store: ObjectStore, coll: CollT): Promise<number> {
  if (!(await store.collectionExists(coll))) return 0;
  let removed = 0;
  for (;;) {
    const page = await store.collectionList(coll, ghobjectMin(), ghobjectMax(), pgRemoveLimits.objectsPerTxnMax);
    if (!page.objects.length) break;
    const t = new Transaction();
    for (const o of page.objects) t.remove(coll, o);
    await store.queueTransaction(t);
    removed += page.objects.length;
  }
  await store.queueTransaction(new Transaction().removeCollection(coll));
  return removed;
}
