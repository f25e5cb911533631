import { cephError, isCephError } from '@ts-ceph/common/core';
import { Reader, Writer, compareStringBytes } from '@ts-ceph/denc';
import { ClsContext } from './context';
import * as J from './journal-types';
import { CLIENT_KEY_PREFIX, clientKey, expireTags, listTags, tagKey } from './journal-tags';
import { CLS_METHOD_RD, CLS_METHOD_WR, ClsMethod, decodeClsInput } from './registry';

/**
 * cls_journal (src/cls/journal/cls_journal.cc): the header object `journal.<id>` of a journal
 * (librbd's image journal, read by rbd-mirror and `rbd journal ...`) keeps its layout, object-set
 * window, registered clients and tags in omap; `guard_append` and `append` guard the size of its
 * data objects. Same methods, flags, encodings and errnos as Ceph 16.2.
 */

const RD = CLS_METHOD_RD;
const RDWR = CLS_METHOD_RD | CLS_METHOD_WR;
const KEY = {
  order: 'order',
  splayWidth: 'splay_width',
  poolId: 'pool_id',
  minimumSet: 'minimum_set',
  activeSet: 'active_set',
  nextTagTid: 'next_tag_tid',
  nextTagClass: 'next_tag_class',
} as const;

const input = <T>(bl: Buffer, decode: (r: Reader) => T): T => decodeClsInput('cls_journal', bl, decode);

function out(body: (w: Writer) => void): Buffer {
  const w = new Writer();
  body(w);
  return w.finish();
}

/** read_key: a missing key is ENOENT (propagated); a stored value that does not decode is EINVAL. */
async function readKey<T>(ctx: ClsContext, key: string, decode: (r: Reader) => T): Promise<T> {
  const bl = await ctx.mapGetVal(key);
  try {
    return decode(new Reader(bl));
  } catch {
    throw cephError('EINVAL', `cls_journal: failed to decode ${key}`);
  }
}

/** Whether `key` is set (cls_cxx_map_get_val succeeding); errors other than ENOENT go on. */
async function hasKey(ctx: ClsContext, key: string): Promise<boolean> {
  return ctx.mapGetVal(key).then(
    () => true,
    (e: unknown) => {
      if (isCephError(e, 'ENOENT')) return false;
      throw e;
    },
  );
}

const u8 = (r: Reader) => r.u8();
const u64 = (r: Reader) => r.u64();
const i64 = (r: Reader) => r.i64();
const writeU64 = (ctx: ClsContext, key: string, v: bigint) => ctx.mapSetVal(key, out((w) => w.u64(v)));
const writeClient = (ctx: ClsContext, c: J.JournalClient) => ctx.mapSetVal(clientKey(c.id), out((w) => J.encodeJournalClient(w, c)));

/** create(u8 order, u8 splay_width, i64 pool_id): EEXIST when the journal exists. */
async function create(ctx: ClsContext, bl: Buffer): Promise<void> {
  const a = input(bl, (r) => ({ order: r.u8('order'), splayWidth: r.u8('splay_width'), poolId: r.i64('pool_id') }));
  if (await hasKey(ctx, KEY.order)) throw cephError('EEXIST', 'cls_journal: journal already exists');
  await ctx.mapSetVal(KEY.order, out((w) => w.u8(a.order)));
  await ctx.mapSetVal(KEY.splayWidth, out((w) => w.u8(a.splayWidth)));
  await ctx.mapSetVal(KEY.poolId, out((w) => w.i64(a.poolId)));
  for (const key of [KEY.activeSet, KEY.minimumSet, KEY.nextTagTid, KEY.nextTagClass]) await writeU64(ctx, key, 0n);
}

/** The getters of one header key, answered in the key's own encoding. */
function getter(key: string, decode: (r: Reader) => number | bigint, encode: (w: Writer, v: number | bigint) => void): ClsMethod {
  return {
    flags: RD,
    fn: async (ctx) => {
      const v = await readKey(ctx, key, decode);
      return out((w) => encode(w, v));
    },
  };
}

/**
 * set_minimum_set / set_active_set: the window [minimum, active] of object sets only moves forward
 * (ESTALE for an older set) and never inverts (EINVAL); setting the current value writes nothing.
 */
function setObjectSet(which: 'minimum' | 'active'): ClsMethod['fn'] {
  return async (ctx, bl) => {
    const set = input(bl, (r) => r.u64('object_set'));
    const [own, other] = which === 'minimum' ? [KEY.minimumSet, KEY.activeSet] : [KEY.activeSet, KEY.minimumSet];
    const bound = await readKey(ctx, other, u64);
    if (which === 'minimum' ? bound < set : bound > set) throw cephError('EINVAL', `cls_journal: ${which} set ${set} outside [minimum, active]`);
    const current = await readKey(ctx, own, u64);
    if (set === current) return;
    if (set < current) throw cephError('ESTALE', `cls_journal: ${which} set ${set} < ${current}`);
    await writeU64(ctx, own, set);
  };
}

async function getClient(ctx: ClsContext, bl: Buffer): Promise<Buffer> {
  const id = input(bl, (r) => r.string('id'));
  const c = await readKey(ctx, clientKey(id), J.decodeJournalClient);
  return out((w) => J.encodeJournalClient(w, c));
}

/** get_client_list_range: up to `max` clients after `startAfter`, in id order; EIO for one that does not decode. */
async function clientRange(ctx: ClsContext, startAfter: string, max: bigint): Promise<J.JournalClient[]> {
  const after = startAfter === '' ? '' : clientKey(startAfter);
  const { vals } = await ctx.mapGetVals(after, CLIENT_KEY_PREFIX, Number(max > 1_000_000_000n ? 1_000_000_000n : max));
  const clients: J.JournalClient[] = [];
  for (const [key, v] of vals) {
    try {
      clients.push(J.decodeJournalClient(new Reader(v)));
    } catch {
      throw cephError('EIO', `cls_journal: could not decode client ${key}`);
    }
  }
  return clients.sort((a, b) => compareStringBytes(a.id, b.id));
}

/**
 * find_min_commit_position: the commit position a new client starts from, that of the registered
 * client whose newest position has the oldest (tag, entry); a client that has committed nothing
 * resets it to empty, and the scan of its batch of JOURNAL_MAX_RETURN stops there.
 */
async function minCommitPosition(ctx: ClsContext): Promise<J.ObjectSetPosition> {
  let min: J.ObjectSetPosition = { objectPositions: [] };
  let best: J.ObjectPosition | undefined;
  let startAfter = '';
  for (;;) {
    const batch = await clientRange(ctx, startAfter, BigInt(J.journalListEntriesMax));
    if (batch.length === 0) break;
    startAfter = batch[batch.length - 1].id;
    for (const c of batch) {
      const first = c.commitPosition.objectPositions[0];
      if (first === undefined) {
        min = { objectPositions: [] };
        break;
      }
      if (!best || best.tagTid > first.tagTid || (best.tagTid === first.tagTid && best.entryTid > first.entryTid)) {
        best = first;
        min = c.commitPosition;
      }
    }
    if (batch.length < J.journalListEntriesMax) break;
  }
  return min;
}

/** client_register(string id, bufferlist data): ENOENT without a journal, EEXIST for a taken id. */
async function clientRegister(ctx: ClsContext, bl: Buffer): Promise<void> {
  const a = input(bl, (r) => ({ id: r.string('id'), data: Buffer.from(r.blob('data')) }));
  await readKey(ctx, KEY.order, u8);
  if (await hasKey(ctx, clientKey(a.id))) throw cephError('EEXIST', `cls_journal: duplicate client id ${a.id}`);
  const commitPosition = await minCommitPosition(ctx);
  await writeClient(ctx, { id: a.id, data: a.data, commitPosition, state: J.CLIENT_STATE.CONNECTED });
}

async function clientUpdateData(ctx: ClsContext, bl: Buffer): Promise<void> {
  const a = input(bl, (r) => ({ id: r.string('id'), data: Buffer.from(r.blob('data')) }));
  const c = await readKey(ctx, clientKey(a.id), J.decodeJournalClient);
  await writeClient(ctx, { ...c, data: a.data });
}

/** client_update_state(string id, u8 state): the state is stored as given, unchecked, as Ceph does. */
async function clientUpdateState(ctx: ClsContext, bl: Buffer): Promise<void> {
  const a = input(bl, (r) => ({ id: r.string('id'), state: r.u8('state') }));
  const c = await readKey(ctx, clientKey(a.id), J.decodeJournalClient);
  await writeClient(ctx, { ...c, state: a.state });
}

/** client_unregister(string id): ENOENT for an unknown client; tags only it held back expire. */
async function clientUnregister(ctx: ClsContext, bl: Buffer): Promise<void> {
  const id = input(bl, (r) => r.string('id'));
  await ctx.mapGetVal(clientKey(id));
  await ctx.mapRemoveKey(clientKey(id));
  await expireTags(ctx, id);
}

/** client_commit(string id, ObjectSetPosition): at most splay_width positions (EINVAL). */
async function clientCommit(ctx: ClsContext, bl: Buffer): Promise<void> {
  const a = input(bl, (r) => ({ id: r.string('id'), position: J.decodeObjectSetPosition(r) }));
  const splayWidth = await readKey(ctx, KEY.splayWidth, u8);
  if (a.position.objectPositions.length > splayWidth) throw cephError('EINVAL', 'cls_journal: too many object positions');
  const c = await readKey(ctx, clientKey(a.id), J.decodeJournalClient);
  if (J.samePositions(c.commitPosition, a.position)) return;
  await writeClient(ctx, { ...c, commitPosition: a.position });
}

/** client_list(string start_after, u64 max_return) -> set<Client>. */
async function clientList(ctx: ClsContext, bl: Buffer): Promise<Buffer> {
  const a = input(bl, (r) => ({ startAfter: r.string('start_after'), max: r.u64('max_return') }));
  const clients = await clientRange(ctx, a.startAfter, a.max);
  return out((w) => w.list(clients, J.encodeJournalClient));
}

async function getTag(ctx: ClsContext, bl: Buffer): Promise<Buffer> {
  const tid = input(bl, (r) => r.u64('tag_tid'));
  const tag = await readKey(ctx, tagKey(tid), J.decodeJournalTag);
  return out((w) => J.encodeJournalTag(w, tag));
}

/**
 * tag_create(u64 tid, u64 class, bufferlist data): tids are allocated in order (ESTALE otherwise,
 * EEXIST for one stored); TAG_CLASS_NEW takes the next class, any other class must exist (EINVAL).
 * Creating a tag also expires the tags no client needs any more.
 */
async function tagCreate(ctx: ClsContext, bl: Buffer): Promise<void> {
  const a = input(bl, (r) => ({ tid: r.u64('tag_tid'), tagClass: r.u64('tag_class'), data: Buffer.from(r.blob('data')) }));
  if (await hasKey(ctx, tagKey(a.tid))) throw cephError('EEXIST', `cls_journal: duplicate tag id ${a.tid}`);
  const nextTid = await readKey(ctx, KEY.nextTagTid, u64);
  if (a.tid !== nextTid) throw cephError('ESTALE', `cls_journal: out-of-order tag sequence: ${a.tid}`);
  const nextClass = await readKey(ctx, KEY.nextTagClass, u64);
  let tagClass = a.tagClass;
  if (tagClass === J.TAG_CLASS_NEW) {
    tagClass = nextClass;
    await writeU64(ctx, KEY.nextTagClass, (tagClass + 1n) & J.TAG_CLASS_NEW);
  } else if (tagClass >= nextClass) {
    throw cephError('EINVAL', `cls_journal: out-of-sequence tag class: ${tagClass}`);
  }
  await expireTags(ctx);
  await writeU64(ctx, KEY.nextTagTid, (a.tid + 1n) & J.TAG_CLASS_NEW);
  await ctx.mapSetVal(tagKey(a.tid), out((w) => J.encodeJournalTag(w, { tid: a.tid, tagClass, data: a.data })));
}

/** tag_list(u64 start_after, u64 max_return, string client_id, optional<u64> class) -> set<Tag>. */
async function tagList(ctx: ClsContext, bl: Buffer): Promise<Buffer> {
  const a = input(bl, (r) => ({
    startAfterTid: r.u64('start_after_tag_tid'),
    maxReturn: r.u64('max_return'),
    clientId: r.string('client_id'),
    tagClass: r.optional('tag_class', (x) => x.u64()),
  }));
  const client = await readKey(ctx, clientKey(a.clientId), J.decodeJournalClient);
  const committedTids = client.commitPosition.objectPositions.map((p) => p.tagTid);
  const tags = await listTags(ctx, { startAfterTid: a.startAfterTid, maxReturn: a.maxReturn, tagClass: a.tagClass, committedTids });
  return out((w) => w.list(tags, J.encodeJournalTag));
}

/** The size of a data object, 0 when it does not exist. */
async function sizeOrZero(ctx: ClsContext): Promise<number> {
  return ctx.stat().then(
    (s) => s.size,
    (e: unknown) => {
      if (isCephError(e, 'ENOENT')) return 0;
      throw e;
    },
  );
}

/** guard_append(u64 soft_max_size): EOVERFLOW once a data object has reached its soft size. */
async function guardAppend(ctx: ClsContext, bl: Buffer): Promise<void> {
  const softMax = input(bl, (r) => r.u64('soft_max_size'));
  const size = await sizeOrZero(ctx);
  if (BigInt(size) >= softMax) throw cephError('EOVERFLOW', `cls_journal: journal object full: ${size} >= ${softMax}`);
}

/**
 * append(u64 soft_max_size, bufferlist data): guard_append and the write at the object's end in one
 * call, which librbd uses when require_osd_release is octopus or later. Ceph then pads the object to
 * the OSD's allocation unit when require_min_compat_client is octopus or later; ClsContext does not
 * carry that setting, so we append without padding, as Ceph does for the default (luminous) setting.
 */
async function append(ctx: ClsContext, bl: Buffer): Promise<void> {
  const a = input(bl, (r) => ({ softMax: r.u64('soft_max_size'), data: Buffer.from(r.blob('data')) }));
  const size = await sizeOrZero(ctx);
  if (BigInt(size) >= a.softMax) throw cephError('EOVERFLOW', `cls_journal: journal object full: ${size} >= ${a.softMax}`);
  await ctx.write(size, a.data);
}

export const journalMethods: Readonly<Record<string, ClsMethod>> = {
  create: { flags: RDWR, fn: create },
  get_order: getter(KEY.order, u8, (w, v) => w.u8(Number(v))),
  get_splay_width: getter(KEY.splayWidth, u8, (w, v) => w.u8(Number(v))),
  get_pool_id: getter(KEY.poolId, i64, (w, v) => w.i64(v)),
  get_minimum_set: getter(KEY.minimumSet, u64, (w, v) => w.u64(v)),
  set_minimum_set: { flags: RDWR, fn: setObjectSet('minimum') },
  get_active_set: getter(KEY.activeSet, u64, (w, v) => w.u64(v)),
  set_active_set: { flags: RDWR, fn: setObjectSet('active') },
  get_client: { flags: RD, fn: getClient },
  client_register: { flags: RDWR, fn: clientRegister },
  client_update_data: { flags: RDWR, fn: clientUpdateData },
  client_update_state: { flags: RDWR, fn: clientUpdateState },
  client_unregister: { flags: RDWR, fn: clientUnregister },
  client_commit: { flags: RDWR, fn: clientCommit },
  client_list: { flags: RD, fn: clientList },
  get_next_tag_tid: getter(KEY.nextTagTid, u64, (w, v) => w.u64(v)),
  get_tag: { flags: RD, fn: getTag },
  tag_create: { flags: RDWR, fn: tagCreate },
  tag_list: { flags: RD, fn: tagList },
  guard_append: { flags: RDWR, fn: guardAppend },
  append: { flags: RDWR, fn: append },
};
