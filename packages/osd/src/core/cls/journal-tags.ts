import { cephError } from '@ts-ceph/common/core';
import { Reader } from '@ts-ceph/denc';
import { ClsContext } from './context';
import { CLIENT_STATE, JournalTag, decodeJournalClient, decodeJournalTag } from './journal-types';

/**
 * The tag walks of cls_journal (src/cls/journal/cls_journal.cc, expire_tags and journal_tag_list):
 * both read the `tag_<16 hex digits>` keys in passes of MAX_KEYS_READ, first to find, per tag class,
 * the newest tag at or before the oldest tag a client still needs, then to prune or list.
 */

/** MAX_KEYS_READ: omap keys read per round while walking clients and tags. */
export const journalKeysPerReadMax = 64;
export const CLIENT_KEY_PREFIX = 'client_';
export const TAG_KEY_PREFIX = 'tag_';
const u64Max = 0xffff_ffff_ffff_ffffn;

export function clientKey(id: string): string {
  return CLIENT_KEY_PREFIX + id;
}

/** key_from_tag_tid: "tag_" and the tid as 16 lower-case hex digits. */
export function tagKey(tid: bigint): string {
  return TAG_KEY_PREFIX + tid.toString(16).padStart(16, '0');
}

/**
 * tag_tid_from_key: the hex digits after the prefix, as istream >> hex reads them (up to the first
 * non-hex character; none at all reads as 0 here, where the stream would fail).
 */
function tagTidFromKey(key: string): bigint {
  const m = /^[0-9a-fA-F]+/.exec(key.slice(TAG_KEY_PREFIX.length));
  return m ? BigInt(`0x${m[0]}`) % (u64Max + 1n) : 0n;
}

/** A stored record that does not decode is EIO in both walks. */
function decodeRecord<T>(key: string, bl: Buffer, decode: (r: Reader) => T): T {
  try {
    return decode(new Reader(bl));
  } catch {
    throw cephError('EIO', `cls_journal: error decoding ${key}`);
  }
}

/**
 * The oldest tag tid in any connected client's commit position, skipping `skipKey` (a client being
 * unregistered); undefined when some connected client has committed nothing yet, or none has.
 */
async function minimumCommittedTag(ctx: ClsContext, skipKey: string | undefined): Promise<bigint | undefined> {
  let min = u64Max;
  let after = '';
  for (;;) {
    const { vals, more } = await ctx.mapGetVals(after, CLIENT_KEY_PREFIX, journalKeysPerReadMax);
    for (const [key, bl] of vals) {
      if (key === skipKey) continue;
      const client = decodeRecord(key, bl, decodeJournalClient);
      if (client.state === CLIENT_STATE.DISCONNECTED) continue;
      if (client.commitPosition.objectPositions.length === 0) return undefined;
      for (const p of client.commitPosition.objectPositions) if (p.tagTid < min) min = p.tagTid;
    }
    const keys = [...vals.keys()];
    if (keys.length > 0) after = keys[keys.length - 1];
    if (!more) break;
  }
  return min === u64Max ? undefined : min;
}

/**
 * One pass over the tags in key order, calling `visit` for each until it answers true (stop) or the
 * keys run out. The walk reads the object as it was before the op, so removals do not disturb it.
 */
async function walkTags(ctx: ClsContext, visit: (key: string, tag: JournalTag) => Promise<boolean>): Promise<void> {
  let after = TAG_KEY_PREFIX;
  for (;;) {
    const { vals, more } = await ctx.mapGetVals(after, TAG_KEY_PREFIX, journalKeysPerReadMax);
    for (const [key, bl] of vals) {
      if (await visit(key, decodeRecord(key, bl, decodeJournalTag))) return;
    }
    const keys = [...vals.keys()];
    if (!more) return;
    after = keys[keys.length - 1];
  }
}

/**
 * Per tag class, the newest tag at or before the first tag whose tid reaches `minimumTid`
 * (TAG_PASS_CALCULATE_MINIMUMS). `checkKeys` refuses a tag stored under another tid's key (EINVAL),
 * as expire_tags does.
 */
async function classMinimums(ctx: ClsContext, minimumTid: bigint, checkKeys: boolean): Promise<Map<bigint, bigint>> {
  const mins = new Map<bigint, bigint>();
  await walkTags(ctx, async (key, tag) => {
    if (checkKeys && tag.tid !== tagTidFromKey(key)) throw cephError('EINVAL', `cls_journal: tag tid mismatched: ${key}`);
    mins.set(tag.tagClass, tag.tid);
    return tag.tid >= minimumTid;
  });
  return mins;
}

/**
 * expire_tags: once every connected client has committed, remove the tags of each class older than
 * that class's newest tag still needed. A disconnected client holds nothing back.
 */
export async function expireTags(ctx: ClsContext, skipClientId?: string): Promise<void> {
  const minimumTid = await minimumCommittedTag(ctx, skipClientId === undefined ? undefined : clientKey(skipClientId));
  if (minimumTid === undefined) return;
  const mins = await classMinimums(ctx, minimumTid, true);
  await walkTags(ctx, async (key, tag) => {
    if (tag.tid !== tagTidFromKey(key)) throw cephError('EINVAL', `cls_journal: tag tid mismatched: ${key}`);
    if (tag.tid < (mins.get(tag.tagClass) ?? 0n)) await ctx.mapRemoveKey(key);
    return tag.tid >= minimumTid;
  });
}

export interface TagListArgs {
  startAfterTid: bigint;
  maxReturn: bigint;
  tagClass: bigint | undefined;
  /** The tags the listing client's commit position names. */
  committedTids: bigint[];
}

/**
 * journal_tag_list's walk: the tags after start_after (0: from the first) of the wanted class that
 * the client may still need, in tid order, up to max_return (at least one when any matches).
 */
export async function listTags(ctx: ClsContext, a: TagListArgs): Promise<JournalTag[]> {
  const minimumTid = a.committedTids.reduce((m, t) => (t < m ? t : m), u64Max);
  const mins = minimumTid === u64Max ? new Map<bigint, bigint>() : await classMinimums(ctx, minimumTid, false);
  const tags: JournalTag[] = [];
  await walkTags(ctx, async (_key, tag) => {
    if (a.startAfterTid !== 0n && tag.tid <= a.startAfterTid) return false;
    if (tag.tid >= (mins.get(tag.tagClass) ?? 0n) && (a.tagClass === undefined || a.tagClass === tag.tagClass)) tags.push(tag);
    return BigInt(tags.length) >= a.maxReturn;
  });
  return tags.sort((x, y) => (x.tid < y.tid ? -1 : x.tid > y.tid ? 1 : 0));
}
