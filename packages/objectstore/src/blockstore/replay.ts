import { logger } from '@ts-ceph/common';
import { bodyCrcOf, decodeHeader, decodeMeta, metaBlocksOf, recordBlocksMax, RecordHeader, RecordMeta } from './journal';
import * as L from './layout';
import { blockBytes } from './layout';
import type { NativeStore } from './store';

const log = logger('nativestore');

/** In-place writes issued at once while replaying. */
export const replayWritesInflightMax = 64;

export interface ReplayResult {
  records: number;
  /** Records whose header was intact but whose body failed its crc32c (torn or damaged). */
  refused: number;
  /** Where the next record goes and its sequence number. */
  head: number;
  nextSeq: number;
  /** State after the last replayed record, when there was one. */
  last?: { nidMax: number; stats: L.StatsRecord };
}

type Found = { hdr: RecordHeader; block: number } | undefined;

/**
 * Mount: replay the journal from the checkpoint, in order, as far as records chain (the expected
 * sequence number, this store's journal id, the generation of the mount that wrote them, intact
 * checksums). Each record's keys go to LevelDB (unsynced; the caller's checkpoint syncs), its
 * allocations and frees to the bitmap, and its deferred data (already sealed) to its blocks, the
 * newest copy of a block winning. A record that fails its checksum ends the replay: it is refused,
 * logged and counted for fsck, never applied.
 */
export async function replayJournal(store: NativeStore, cp: L.Checkpoint): Promise<ReplayResult> {
  const { sb } = store;
  const maxBlocks = recordBlocksMax(sb.journalBlocks);
  const out: ReplayResult = { records: 0, refused: 0, head: cp.block, nextSeq: cp.seq };
  const inplace = new Map<number, Buffer>();

  const headerAt = async (block: number): Promise<Found> => {
    if (block >= sb.journalBlocks) return undefined;
    const b = await store.io.readSealed(sb.journalStart + block, 1);
    store.io.unsealInPlace(b, 0, 1, sb.journalStart + block);
    const hdr = decodeHeader(b);
    if (!hdr || hdr.journalId !== sb.journalId || hdr.generation !== cp.generation || hdr.seq !== out.nextSeq) return undefined;
    return { hdr, block };
  };

  for (;;) {
    const found = (await headerAt(out.head)) ?? (out.head !== 0 ? await headerAt(0) : undefined);
    if (!found) break;
    const { hdr, block } = found;
    const metaBlocks = metaBlocksOf(hdr.metaBytes);
    let meta: RecordMeta | undefined;
    let rec: Buffer | undefined;
    if (hdr.blocks === metaBlocks + hdr.dataBlocks && hdr.blocks <= maxBlocks && block + hdr.blocks <= sb.journalBlocks) {
      rec = await store.io.readSealed(sb.journalStart + block, hdr.blocks);
      store.io.unsealInPlace(rec, 0, metaBlocks, sb.journalStart + block);
      if (bodyCrcOf(rec, hdr) === hdr.bodyCrc) meta = decodeOrUndefined(rec.subarray(64, 64 + hdr.metaBytes));
    }
    if (!meta || !rec || !validRuns(store, meta, hdr)) {
      out.refused++;
      log.error(`${store.opts.path}: journal record ${hdr.seq} refused: crc32c mismatch or malformed (torn by a crash, or damaged); replay stops here`);
      break;
    }
    if (meta.ops.length) await store.db.write(meta.ops, false);
    store.allocator.replayExtents(meta.allocated, true);
    store.allocator.replayExtents(meta.freed, false);
    let at = metaBlocks * blockBytes;
    for (const r of meta.deferred) for (let i = 0; i < r.blocks; i++, at += blockBytes) inplace.set(r.pblock + i, rec.subarray(at, at + blockBytes));
    out.last = { nidMax: meta.nidMax, stats: { storedBytes: meta.storedBytes, objects: meta.objects } };
    out.records++;
    out.head = block + hdr.blocks;
    out.nextSeq++;
  }
  const writes = [...inplace];
  for (let i = 0; i < writes.length; i += replayWritesInflightMax) {
    await Promise.all(writes.slice(i, i + replayWritesInflightMax).map(([p, b]) => store.io.writeSealed(b, p)));
  }
  if (out.records) log.info(`${store.opts.path}: replayed ${out.records} journal records (${inplace.size} in-place blocks)${out.refused ? `, refused ${out.refused}` : ''}`);
  return out;
}

function decodeOrUndefined(b: Buffer): RecordMeta | undefined {
  try {
    return decodeMeta(b);
  } catch {
    return undefined;
  }
}

/** Deferred runs must lie in the data area and add up to the record's data blocks. */
function validRuns(store: NativeStore, meta: RecordMeta, hdr: RecordHeader): boolean {
  const { sb } = store;
  const end = sb.journalStart + sb.journalBlocks;
  let blocks = 0;
  for (const r of meta.deferred) {
    if (r.pblock < end || r.pblock + r.blocks > store.allocator.blocks) return false;
    blocks += r.blocks;
  }
  return blocks === hdr.dataBlocks;
}
