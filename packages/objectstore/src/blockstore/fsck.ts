import { CephError } from '@ts-ceph/common';
import { FsckReport } from '../objectstore';
import { collToString, ghobjectSortKey, ghobjectToString } from '../types';
import { AllocatorBits } from './allocator';
import * as L from './layout';
import type { NativeStore } from './store';

/** Blocks read per batch during a deep fsck. */
export const fsckReadBlocks = 256;

/**
 * fsck, from the committed state in LevelDB and the device: every onode decodes and sits under its
 * own key in an existing collection; every mapped block lies on the device, is referenced once and
 * is allocated in the persisted bitmap; no allocated block is unreferenced; no shard or omap key
 * belongs to a missing object; a deep fsck also reads every block and checks its crc32c.
 */
export async function runFsck(store: NativeStore, deep: boolean): Promise<FsckReport> {
  const problems: string[] = [];
  try {
    return await checkStore(store, deep, problems);
  } catch (e) {
    // A sealed record that fails authentication (damaged, or moved under another key) ends the
    // scan it was found in: reported, not thrown, so the tool prints every problem found so far.
    if (!(e instanceof CephError) || e.code !== 'EIO') throw e;
    problems.push(`metadata: ${e.message}`);
    return { errors: problems.length, problems, objects: 0, bytesChecked: 0 };
  }
}

async function checkStore(store: NativeStore, deep: boolean, problems: string[]): Promise<FsckReport> {
  const db = store.db;
  const blocks = store.allocator.blocks;
  const owner = new Map<number, string>();
  const nids = new Map<number, string>();
  const colls = new Set<string>();
  let objects = 0;
  let bytesChecked = 0;
  if (store.journalRefused) problems.push(`${store.journalRefused} journal record(s) were refused at mount: checksum mismatch (torn or damaged)`);
  const live = store.journalRecords();
  if (live.length) problems.push(`${live.length} journal record(s) still pending after a checkpoint`);
  // The superblock and the journal are allocated and belong to no object.
  const reservedEnd = store.sb.journalStart + store.sb.journalBlocks;
  for await (const [, v] of db.range(Buffer.from(L.K.coll))) colls.add(collToString(L.decodeColl(v).cid));
  const toCheck: { pblock: number; csum: number; what: string }[] = [];
  for await (const [k, v] of db.scanType(L.K.onode)) {
    objects++;
    let rec: L.OnodeRecord;
    try {
      rec = L.decodeOnode(v);
    } catch (e) {
      problems.push(`onode key ${k.toString('hex')}: undecodable: ${(e as Error).message}`);
      continue;
    }
    const name = ghobjectToString(rec.oid);
    const sep = k.indexOf(0, 1);
    const coll = k.subarray(1, sep).toString('latin1');
    if (!colls.has(coll)) problems.push(`${name}: in missing collection ${coll}`);
    if (k.subarray(sep + 1).toString('latin1') !== ghobjectSortKey(rec.oid)) problems.push(`${name}: stored under the wrong key`);
    if (nids.has(rec.nid)) problems.push(`${name}: nid ${rec.nid} also used by ${nids.get(rec.nid)}`);
    nids.set(rec.nid, name);
    for (const si of rec.shards) {
      const sv = await db.get(L.shardKey(rec.nid, si));
      if (!sv) {
        problems.push(`${name}: extent shard ${si} missing`);
        continue;
      }
      const sh = L.decodeShard(sv);
      for (let i = 0; i < L.shardBlocks; i++) {
        const p = sh.pblocks[i]!;
        if (!p) continue;
        const lb = si * L.shardBlocks + i;
        const what = `${name} block ${lb}`;
        if (lb * L.blockBytes >= rec.size) problems.push(`${what}: mapped beyond the object size ${rec.size}`);
        if (p < reservedEnd || p >= blocks) {
          problems.push(`${what}: device block ${p} outside the data area`);
          continue;
        }
        if (owner.has(p)) problems.push(`${what}: device block ${p} also used by ${owner.get(p)}`);
        owner.set(p, what);
        if (!AllocatorBits.get(store.allocator.committed, p)) problems.push(`${what}: device block ${p} is free in the allocator`);
        toCheck.push({ pblock: p, csum: sh.csums[i]!, what });
      }
    }
  }
  for (let p = 0; p < reservedEnd; p++) if (!AllocatorBits.get(store.allocator.committed, p)) problems.push(`device block ${p} (superblock or journal) is free in the allocator`);
  for (let p = reservedEnd; p < blocks; p++) if (AllocatorBits.get(store.allocator.committed, p) && !owner.has(p)) problems.push(`device block ${p}: allocated but referenced by no object`);
  for await (const [k] of db.scanType(L.K.shard)) {
    const nid = Number(k.readBigUInt64BE(1));
    if (!nids.has(nid)) problems.push(`extent shard of nid ${nid}: no such object`);
  }
  // A sealed store scans in MAC order, not by nid: each orphan nid is reported once.
  const orphans = new Set<number>();
  for await (const [k] of db.scanType(L.K.omap)) {
    const nid = Number(k.readBigUInt64BE(1));
    if (!nids.has(nid) && !orphans.has(nid)) {
      orphans.add(nid);
      problems.push(`omap of nid ${nid}: no such object`);
    }
  }
  if (deep) {
    toCheck.sort((a, b) => a.pblock - b.pblock);
    for (let i = 0; i < toCheck.length; i += fsckReadBlocks) {
      const batch = toCheck.slice(i, i + fsckReadBlocks);
      await Promise.all(
        batch.map(async (b) => {
          const out = Buffer.alloc(L.blockBytes);
          try {
            await store.io.readVerified([{ pblock: b.pblock, csum: b.csum, at: 0 }], out, b.what, false, false);
            bytesChecked += L.blockBytes;
          } catch (e) {
            problems.push(`${b.what}: ${(e as Error).message}`);
          }
        }),
      );
    }
  }
  return { errors: problems.length, problems, objects, bytesChecked };
}
