import { cephError } from '@ts-ceph/common/core';
import { Reader } from '@ts-ceph/denc';
import { ClsContext } from '../context';
import { CLS_METHOD_RD, CLS_METHOD_WR, ClsMethod } from '../registry';
import * as T from './types';
import { checkExists, decodeInput, ifAbsent, isValidId, out, rbdKeysPerReadMax, readKey, readKeyOr, readString, readU8 } from './util';

/**
 * cls_rbd's pool-level objects (src/cls/rbd/cls_rbd.cc): `rbd_directory` maps image names to ids
 * both ways (`name_<name>` -> id, `id_<id>` -> name), `rbd_trash` keeps `id_<id>` -> TrashImageSpec.
 */

const RD = CLS_METHOD_RD;
const RDWR = CLS_METHOD_RD | CLS_METHOD_WR;
const DIR_ID_PREFIX = 'id_';
const DIR_NAME_PREFIX = 'name_';
const TRASH_IMAGE_PREFIX = 'id_';

/** The most entries dir_list and trash_list answer in one call, whatever max_return asks. */
export const rbdListEntriesMax = 4096;

const readNameId = (input: Buffer) => decodeInput(input, (r) => ({ name: r.string('name'), id: r.string('id') }));

async function dirGetId(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const name = decodeInput(input, readString);
  const id = await readKey(ctx, DIR_NAME_PREFIX + name, readString);
  return out((w) => w.string(id));
}

async function dirGetName(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const id = decodeInput(input, readString);
  const name = await readKey(ctx, DIR_ID_PREFIX + id, readString);
  return out((w) => w.string(name));
}

/** A stored id; EIO when it does not decode. */
function decodeStored(key: string, bl: Buffer): string {
  try {
    return new Reader(bl).string();
  } catch {
    throw cephError('EIO', `cls_rbd: ${key} does not decode`);
  }
}

/** dir_list(start_after, max_return) -> map<name, id>. */
async function dirList(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const a = decodeInput(input, (r) => ({ startAfter: r.string('start_after'), max: r.u64n('max_return') }));
  const max = Math.min(a.max, rbdListEntriesMax);
  const images: [string, string][] = [];
  let after = DIR_NAME_PREFIX + a.startAfter;
  let more = true;
  while (more && images.length < max) {
    const page = await ctx.mapGetVals(after, DIR_NAME_PREFIX, rbdKeysPerReadMax);
    more = page.more;
    for (const [key, bl] of page.vals) {
      images.push([key.slice(DIR_NAME_PREFIX.length), decodeStored(key, bl)]);
      after = key;
      if (images.length >= max) break;
    }
    if (page.vals.size === 0) break;
  }
  return out((w) => {
    w.u32(images.length);
    for (const [name, id] of images) w.string(name).string(id);
  });
}

/** dir_add_image_helper: EEXIST for a taken name, EBADF for a taken id (when checked). */
async function addImage(ctx: ClsContext, name: string, id: string, checkUniqueId: boolean): Promise<void> {
  if (name === '' || !isValidId(id)) throw cephError('EINVAL', 'cls_rbd: invalid name or id');
  if ((await readKeyOr(ctx, DIR_NAME_PREFIX + name, readString, undefined)) !== undefined) {
    throw cephError('EEXIST', `cls_rbd: image ${name} exists`);
  }
  if (checkUniqueId && (await readKeyOr(ctx, DIR_ID_PREFIX + id, readString, undefined)) !== undefined) {
    throw cephError('EBADF', `cls_rbd: id ${id} in use`);
  }
  await ctx.mapSetVals(new Map([
    [DIR_NAME_PREFIX + name, out((w) => w.string(id))],
    [DIR_ID_PREFIX + id, out((w) => w.string(name))],
  ]));
}

/** dir_remove_image_helper: ESTALE when the pair does not match (a racing rename). */
async function removeImage(ctx: ClsContext, name: string, id: string): Promise<void> {
  const storedId = await readKey(ctx, DIR_NAME_PREFIX + name, readString);
  const storedName = await readKey(ctx, DIR_ID_PREFIX + id, readString);
  if (storedName !== name || storedId !== id) throw cephError('ESTALE', 'cls_rbd: directory entry changed');
  await ctx.mapRemoveKey(DIR_NAME_PREFIX + name);
  await ctx.mapRemoveKey(DIR_ID_PREFIX + id);
}

async function dirAddImage(ctx: ClsContext, input: Buffer): Promise<void> {
  await ctx.create(false);
  const a = readNameId(input);
  await addImage(ctx, a.name, a.id, true);
}

async function dirRemoveImage(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = readNameId(input);
  await removeImage(ctx, a.name, a.id);
}

/**
 * dir_rename_image(src, dest, id). Our reads see the object before the op, so the removal above is
 * not yet visible to the add; the add skips the id check exactly as Ceph's does for that reason.
 */
async function dirRenameImage(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, (r) => ({ src: r.string('src'), dest: r.string('dest'), id: r.string('id') }));
  await removeImage(ctx, a.src, a.id);
  await addImage(ctx, a.dest, a.id, false);
}

/** trash_add(id, TrashImageSpec): EEXIST when the id is already in the trash. */
async function trashAdd(ctx: ClsContext, input: Buffer): Promise<void> {
  await ctx.create(false);
  const a = decodeInput(input, (r) => ({ id: r.string('id'), spec: T.decodeTrashImageSpec(r) }));
  if (!isValidId(a.id)) throw cephError('EINVAL', 'cls_rbd: invalid id');
  if ((await readKeyOr(ctx, TRASH_IMAGE_PREFIX + a.id, T.decodeTrashImageSpec, undefined)) !== undefined) {
    throw cephError('EEXIST', `cls_rbd: ${a.id} already in the trash`);
  }
  await ctx.mapSetVal(TRASH_IMAGE_PREFIX + a.id, out((w) => T.encodeTrashImageSpec(w, a.spec)));
}

async function trashRemove(ctx: ClsContext, input: Buffer): Promise<void> {
  const id = decodeInput(input, readString);
  await ctx.mapGetVal(TRASH_IMAGE_PREFIX + id);
  await ctx.mapRemoveKey(TRASH_IMAGE_PREFIX + id);
}

/** trash_list(start_after, max_return) -> map<id, TrashImageSpec>; ENOENT without rbd_trash. */
async function trashList(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const a = decodeInput(input, (r) => ({ startAfter: r.string('start_after'), max: r.u64n('max_return') }));
  const max = Math.min(a.max, rbdListEntriesMax);
  const entries: [string, Buffer][] = [];
  let after = TRASH_IMAGE_PREFIX + a.startAfter;
  while (entries.length < max) {
    const page = await ctx.mapGetVals(after, TRASH_IMAGE_PREFIX, Math.min(rbdKeysPerReadMax, max - entries.length));
    for (const [key, bl] of page.vals) {
      entries.push([key.slice(TRASH_IMAGE_PREFIX.length), bl]);
      after = key;
    }
    if (!page.more || page.vals.size === 0) break;
  }
  return out((w) => {
    w.u32(entries.length);
    for (const [id, bl] of entries) w.string(id).bytes(bl);
  });
}

async function trashGet(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const id = decodeInput(input, readString);
  return ctx.mapGetVal(TRASH_IMAGE_PREFIX + id);
}

/** trash_state_set(id, state, expect_state): ESTALE when the state is neither. */
async function trashStateSet(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, (r) => ({ id: r.string('id'), state: r.u8('trash_state'), expect: r.u8('expect_state') }));
  const spec = await readKey(ctx, TRASH_IMAGE_PREFIX + a.id, T.decodeTrashImageSpec);
  if (spec.state === a.expect) {
    spec.state = a.state;
    await ctx.mapSetVal(TRASH_IMAGE_PREFIX + a.id, out((w) => T.encodeTrashImageSpec(w, spec)));
  } else if (spec.state !== a.state) {
    throw cephError('ESTALE', 'cls_rbd: trash state changed');
  }
}

/** cls::rbd::DirectoryState (cls_rbd_types.h), a u8 on the wire and under the directory's `state` key. */
export const DIRECTORY_STATE = { READY: 0, ADD_DISABLED: 1 } as const;

/**
 * dir_state_assert(state): the directory's `state` key must hold `state`. A missing object or key is
 * ENOENT (read_key), as is a different state; librbd's namespace_exists reads ENOENT as "no such
 * namespace", and image creation in a namespace sends it before dir_add_image.
 */
async function dirStateAssert(ctx: ClsContext, input: Buffer): Promise<void> {
  const want = decodeInput(input, (r) => r.u8('state'));
  const have = await readKey(ctx, 'state', readU8);
  if (have !== want) throw cephError('ENOENT', `cls_rbd: directory state ${have}, not ${want}`);
}

/**
 * dir_state_set(state): READY on any directory (creating it); ADD_DISABLED only on an existing,
 * empty one (ENOENT, EBUSY), which is how librbd's namespace removal fences image creation before
 * it deletes the directory in the same op. Any other state is EINVAL.
 */
async function dirStateSet(ctx: ClsContext, input: Buffer): Promise<void> {
  const state = decodeInput(input, (r) => r.u8('state'));
  const exists = await checkExists(ctx).then(() => true, ifAbsent(false));
  if (state === DIRECTORY_STATE.ADD_DISABLED) {
    if (!exists) throw cephError('ENOENT', 'cls_rbd: no directory');
    const images = await ctx.mapGetVals(DIR_NAME_PREFIX, DIR_NAME_PREFIX, 1);
    if (images.vals.size > 0) throw cephError('EBUSY', 'cls_rbd: directory not empty');
  } else if (state !== DIRECTORY_STATE.READY) {
    throw cephError('EINVAL', `cls_rbd: directory state ${state}`);
  }
  await ctx.mapSetVal('state', out((w) => w.u8(state)));
}

export const directoryMethods: Readonly<Record<string, ClsMethod>> = {
  dir_get_id: { flags: RD, fn: dirGetId },
  dir_get_name: { flags: RD, fn: dirGetName },
  dir_list: { flags: RD, fn: dirList },
  dir_add_image: { flags: RDWR, fn: dirAddImage },
  dir_remove_image: { flags: RDWR, fn: dirRemoveImage },
  dir_rename_image: { flags: RDWR, fn: dirRenameImage },
  dir_state_assert: { flags: RD, fn: dirStateAssert },
  dir_state_set: { flags: RDWR, fn: dirStateSet },
  trash_add: { flags: RDWR, fn: trashAdd },
  trash_remove: { flags: RDWR, fn: trashRemove },
  trash_list: { flags: RD, fn: trashList },
  trash_get: { flags: RD, fn: trashGet },
  trash_state_set: { flags: RDWR, fn: trashStateSet },
};
