import { cephError } from '@ts-ceph/common/core';
import { Reader } from '@ts-ceph/denc';
import { ClsContext } from '../context';
import { CLS_METHOD_RD, CLS_METHOD_WR, ClsMethod } from '../registry';
import { rbdListEntriesMax } from './directory';
import { valsWithPrefix } from './misc';
import * as S from './spec-types';
import { RBD_OPERATION_FEATURE, decodeGroupSpec, encodeGroupSpec } from './types';
import { decodeInput, decodeStored, ifAbsent, isValidId, out, readKeyOr, readString, setOpFeatures } from './util';

/**
 * cls_rbd's consistency-group methods (src/cls/rbd/cls_rbd.cc): `rbd_group_directory` maps group
 * names to ids both ways (`name_<name>`, `id_<id>`, as rbd_directory does for images); a group's
 * header `rbd_group_header.<id>` keeps `image_<pool hex16>_<image id>` -> link state and
 * `snapshot_<group snap id>` -> GroupSnapshot; an image header keeps its group in `rbd_group_ref`.
 */

const RD = CLS_METHOD_RD;
const RDWR = CLS_METHOD_RD | CLS_METHOD_WR;
const DIR_NAME_PREFIX = 'name_';
const DIR_ID_PREFIX = 'id_';
const GROUP_SNAP_KEY_PREFIX = 'snapshot_';
const RBD_GROUP_REF = 'rbd_group_ref';

const readNameId = (r: Reader) => ({ name: r.string('name'), id: r.string('id') });

/** group::dir_add: EEXIST for a taken name, EBADF for a taken id when it must be new. */
async function dirAdd(ctx: ClsContext, name: string, id: string, uniqueId: boolean): Promise<void> {
  if (name === '' || !isValidId(id)) throw cephError('EINVAL', `cls_rbd: invalid group name '${name}' or id '${id}'`);
  if ((await readKeyOr(ctx, DIR_NAME_PREFIX + name, readString, undefined)) !== undefined) throw cephError('EEXIST', `cls_rbd: group ${name} exists`);
  if (uniqueId && (await readKeyOr(ctx, DIR_ID_PREFIX + id, readString, undefined)) !== undefined) throw cephError('EBADF', `cls_rbd: group id ${id} exists`);
  const enc = (s: string) => out((w) => w.string(s));
  await ctx.mapSetVals(new Map([[DIR_NAME_PREFIX + name, enc(id)], [DIR_ID_PREFIX + id, enc(name)]]));
}

/** group::dir_remove: ESTALE unless both entries name each other (a rename raced, or no such group). */
async function dirRemove(ctx: ClsContext, name: string, id: string): Promise<void> {
  const storedId = await readKeyOr(ctx, DIR_NAME_PREFIX + name, readString, '');
  const storedName = await readKeyOr(ctx, DIR_ID_PREFIX + id, readString, '');
  if (storedName !== name || storedId !== id) throw cephError('ESTALE', `cls_rbd: group ${name}/${id} is ${storedName}/${storedId}`);
  await ctx.mapRemoveKey(DIR_NAME_PREFIX + name);
  await ctx.mapRemoveKey(DIR_ID_PREFIX + id);
}

/** group_dir_list(start_after, max_return) -> map<name, id>. */
async function groupDirList(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const a = decodeInput(input, (r) => ({ startAfter: r.string('start_after'), max: r.u64n('max_return') }));
  const groups = await valsWithPrefix(ctx, DIR_NAME_PREFIX, Math.min(a.max, rbdListEntriesMax), DIR_NAME_PREFIX + a.startAfter);
  return out((w) => w.pairs(groups, (x, k) => x.string(k.slice(DIR_NAME_PREFIX.length)), (x, v, k) => x.string(decodeStored(k, v, readString))));
}

/** group_dir_add(name, id): creates rbd_group_directory if needed. */
async function groupDirAdd(ctx: ClsContext, input: Buffer): Promise<void> {
  await ctx.create(false);
  const a = decodeInput(input, readNameId);
  await dirAdd(ctx, a.name, a.id, true);
}

async function groupDirRename(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, (r) => ({ src: r.string('src'), dest: r.string('dest'), id: r.string('id') }));
  await dirRemove(ctx, a.src, a.id);
  await dirAdd(ctx, a.dest, a.id, false);
}

async function groupDirRemove(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, readNameId);
  await dirRemove(ctx, a.name, a.id);
}

/** group_image_set(GroupImageStatus): the link state under the image's key. */
async function groupImageSet(ctx: ClsContext, input: Buffer): Promise<void> {
  const st = decodeInput(input, S.decodeGroupImageStatus);
  await ctx.mapSetVal(S.groupImageKey(st.spec), out((w) => w.u8(st.state)));
}

async function groupImageRemove(ctx: ClsContext, input: Buffer): Promise<void> {
  const spec = decodeInput(input, S.decodeGroupImageSpec);
  await ctx.mapRemoveKey(S.groupImageKey(spec));
}

/** group_image_list(GroupImageSpec start_after, max_return) -> vector<GroupImageStatus>. */
async function groupImageList(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const a = decodeInput(input, (r) => ({ startAfter: S.decodeGroupImageSpec(r), max: r.u64n('max_return') }));
  const vals = await valsWithPrefix(ctx, S.RBD_GROUP_IMAGE_KEY_PREFIX, Math.min(a.max, rbdListEntriesMax), S.groupImageKey(a.startAfter));
  const res = vals.map(([k, v]): S.GroupImageStatus => {
    const spec = S.groupImageSpecFromKey(k);
    if (!spec) throw cephError('EIO', `cls_rbd: group image key ${k} does not parse`);
    return { spec, state: decodeStored(k, v, (r) => r.u8()) };
  });
  return out((w) => w.list(res, S.encodeGroupImageStatus));
}

/** image_group_add(GroupSpec) on an image header: EEXIST when it is in another group. */
async function imageGroupAdd(ctx: ClsContext, input: Buffer): Promise<void> {
  const g = decodeInput(input, decodeGroupSpec);
  const old = await ctx.mapGetVal(RBD_GROUP_REF).catch(ifAbsent(undefined));
  if (old) {
    const o = decodeInput(old, decodeGroupSpec);
    if (o.groupId !== g.groupId || o.poolId !== g.poolId) throw cephError('EEXIST', `cls_rbd: image is in group ${o.groupId}`);
    return;
  }
  await setOpFeatures(ctx, RBD_OPERATION_FEATURE.GROUP, RBD_OPERATION_FEATURE.GROUP);
  await ctx.mapSetVal(RBD_GROUP_REF, out((w) => encodeGroupSpec(w, g.groupId, g.poolId)));
}

/** image_group_remove(GroupSpec): EBADF when the image is in another group. */
async function imageGroupRemove(ctx: ClsContext, input: Buffer): Promise<void> {
  const g = decodeInput(input, decodeGroupSpec);
  const ref = decodeInput(await ctx.mapGetVal(RBD_GROUP_REF), decodeGroupSpec);
  if (ref.poolId !== g.poolId || ref.groupId !== g.groupId) throw cephError('EBADF', `cls_rbd: image is in group ${ref.groupId}`);
  await ctx.mapRemoveKey(RBD_GROUP_REF);
  await setOpFeatures(ctx, 0n, RBD_OPERATION_FEATURE.GROUP);
}

/** image_group_get: the image's GroupSpec, an empty one (pool -1) outside any group. */
async function imageGroupGet(ctx: ClsContext): Promise<Buffer> {
  const ref = await ctx.mapGetVal(RBD_GROUP_REF).catch(ifAbsent(undefined));
  const g = ref ? decodeInput(ref, decodeGroupSpec) : { groupId: '', poolId: -1n };
  return out((w) => encodeGroupSpec(w, g.groupId, g.poolId));
}

async function groupSnaps(ctx: ClsContext, startAfterId: string, max: number): Promise<S.GroupSnapshot[]> {
  const vals = await valsWithPrefix(ctx, GROUP_SNAP_KEY_PREFIX, max, GROUP_SNAP_KEY_PREFIX + startAfterId);
  return vals.map(([k, v]) => decodeStored(k, v, S.decodeGroupSnapshot));
}

/** group_snap_set(GroupSnapshot): EEXIST for a name another snapshot has, or a new snapshot whose id exists. */
async function groupSnapSet(ctx: ClsContext, input: Buffer): Promise<void> {
  const snap = decodeInput(input, S.decodeGroupSnapshot);
  if (snap.name === '' || snap.id === '') throw cephError('EINVAL', 'cls_rbd: group snapshot without a name or id');
  const all = await groupSnaps(ctx, '', Number.MAX_SAFE_INTEGER);
  if (all.some((s) => s.name === snap.name && s.id !== snap.id)) throw cephError('EEXIST', `cls_rbd: group snapshot ${snap.name} exists`);
  if (snap.state === S.GROUP_SNAPSHOT_STATE.INCOMPLETE && all.some((s) => s.id === snap.id)) {
    throw cephError('EEXIST', `cls_rbd: group snapshot id ${snap.id} exists`);
  }
  await ctx.mapSetVal(GROUP_SNAP_KEY_PREFIX + snap.id, out((w) => S.encodeGroupSnapshot(w, snap)));
}

async function groupSnapRemove(ctx: ClsContext, input: Buffer): Promise<void> {
  await ctx.mapRemoveKey(GROUP_SNAP_KEY_PREFIX + decodeInput(input, readString));
}

async function groupSnapGetById(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const key = GROUP_SNAP_KEY_PREFIX + decodeInput(input, readString);
  const snap = decodeStored(key, await ctx.mapGetVal(key), S.decodeGroupSnapshot);
  return out((w) => S.encodeGroupSnapshot(w, snap));
}

/** group_snap_list(GroupSnapshot start_after, max_return) -> vector<GroupSnapshot>, by snapshot id. */
async function groupSnapList(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const a = decodeInput(input, (r) => ({ startAfter: S.decodeGroupSnapshot(r), max: r.u64n('max_return') }));
  const snaps = await groupSnaps(ctx, a.startAfter.id, Math.min(a.max, rbdListEntriesMax));
  return out((w) => w.list(snaps, S.encodeGroupSnapshot));
}

export const groupMethods: Readonly<Record<string, ClsMethod>> = {
  group_dir_list: { flags: RD, fn: groupDirList },
  group_dir_add: { flags: RDWR, fn: groupDirAdd },
  group_dir_remove: { flags: RDWR, fn: groupDirRemove },
  group_dir_rename: { flags: RDWR, fn: groupDirRename },
  group_image_set: { flags: RDWR, fn: groupImageSet },
  group_image_remove: { flags: RDWR, fn: groupImageRemove },
  group_image_list: { flags: RD, fn: groupImageList },
  image_group_add: { flags: RDWR, fn: imageGroupAdd },
  image_group_remove: { flags: RDWR, fn: imageGroupRemove },
  image_group_get: { flags: RD, fn: imageGroupGet },
  group_snap_set: { flags: RDWR, fn: groupSnapSet },
  group_snap_remove: { flags: RDWR, fn: groupSnapRemove },
  group_snap_get_by_id: { flags: RD, fn: groupSnapGetById },
  group_snap_list: { flags: RD, fn: groupSnapList },
};
