import { cephError, isCephError } from '@ts-ceph/common/core';
import { Reader } from '@ts-ceph/denc';
import { ClsContext } from '../context';
import { CLS_METHOD_RD, CLS_METHOD_WR, ClsMethod } from '../registry';
import { rbdListEntriesMax } from './directory';
import { valsWithPrefix } from './misc';
import { MIRROR_IMAGE_STATE, MIRROR_MODE, MirrorImage, decodeMirrorImage, encodeMirrorImage } from './spec-types';
import { decodeInput, ifAbsent, out, readKey, readKeyOr, readString, readU32, removeKey } from './util';

/**
 * cls_rbd's pool mirroring methods on `rbd_mirroring` (src/cls/rbd/cls_rbd.cc, namespace mirror):
 * `mirror_uuid` (the uuid's bytes, not an encoded string), `mirror_mode` (u32 MirrorMode),
 * `mirror_peer_<uuid>` -> MirrorPeer, `image_<image id>` -> MirrorImage and `global_<global id>` ->
 * image id. Image statuses (`status_global_*`) are written by rbd-mirror, which ts-ceph does not run;
 * we only remove them with their image. Peers are added and edited in mirror-peers.ts, statuses read in mirror-status.ts.
 */

const RD = CLS_METHOD_RD;
const RDWR = CLS_METHOD_RD | CLS_METHOD_WR;
const UUID_KEY = 'mirror_uuid';
const MODE_KEY = 'mirror_mode';
const PEER_KEY_PREFIX = 'mirror_peer_';
const IMAGE_KEY_PREFIX = 'image_';
const GLOBAL_KEY_PREFIX = 'global_';
const STATUS_GLOBAL_KEY_PREFIX = 'status_global_';
const REMOTE_STATUS_GLOBAL_KEY_PREFIX = 'remote_status_global_';

async function uuidGet(ctx: ClsContext): Promise<string> {
  return (await ctx.mapGetVal(UUID_KEY)).toString('utf8');
}

async function mirrorUuidGet(ctx: ClsContext): Promise<Buffer> {
  const uuid = await uuidGet(ctx);
  return out((w) => w.string(uuid));
}

/** mirror_uuid_set: EINVAL for an empty uuid or while mirroring is enabled. */
async function mirrorUuidSet(ctx: ClsContext, input: Buffer): Promise<void> {
  const uuid = decodeInput(input, readString);
  if (uuid === '') throw cephError('EINVAL', 'cls_rbd: empty mirror uuid');
  const mode = await readKeyOr(ctx, MODE_KEY, readU32, undefined);
  if (mode !== undefined && mode !== MIRROR_MODE.DISABLED) throw cephError('EINVAL', 'cls_rbd: mirroring is enabled');
  await ctx.mapSetVal(UUID_KEY, Buffer.from(uuid, 'utf8'));
}

async function mirrorModeGet(ctx: ClsContext): Promise<Buffer> {
  const mode = await readKey(ctx, MODE_KEY, readU32);
  return out((w) => w.u32(mode));
}

/** mirror_mode_set: enabling needs a uuid (EINVAL), disabling is refused while peers remain (EBUSY). */
async function mirrorModeSet(ctx: ClsContext, input: Buffer): Promise<void> {
  const mode = decodeInput(input, readU32);
  if (mode !== MIRROR_MODE.DISABLED && mode !== MIRROR_MODE.IMAGE && mode !== MIRROR_MODE.POOL) {
    throw cephError('EINVAL', `cls_rbd: unknown mirror mode ${mode}`);
  }
  if (mode !== MIRROR_MODE.DISABLED) {
    await uuidGet(ctx).catch((e: unknown) => {
      throw isCephError(e, 'ENOENT') ? cephError('EINVAL', 'cls_rbd: mirroring needs a mirror uuid') : e;
    });
    await ctx.mapSetVal(MODE_KEY, out((w) => w.u32(mode)));
    return;
  }
  const peers = await valsWithPrefix(ctx, PEER_KEY_PREFIX, 1).catch(ifAbsent(undefined));
  if (peers && peers.length > 0) throw cephError('EBUSY', 'cls_rbd: mirroring peers remain');
  await removeKey(ctx, MODE_KEY);
  await removeKey(ctx, UUID_KEY);
}

/** mirror_peer_list -> vector<MirrorPeer>, the stored peers as they are (`rbd mirror pool info`). */
async function mirrorPeerList(ctx: ClsContext): Promise<Buffer> {
  const peers = await valsWithPrefix(ctx, PEER_KEY_PREFIX, rbdListEntriesMax);
  return out((w) => {
    w.u32(peers.length);
    for (const [, v] of peers) w.bytes(v);
  });
}

/** mirror_image_list(start_after, max_return) -> map<image id, global image id>. */
async function mirrorImageList(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const a = decodeInput(input, (r) => ({ startAfter: r.string('start_after'), max: r.u64n('max_return') }));
  const vals = await valsWithPrefix(ctx, IMAGE_KEY_PREFIX, Math.min(a.max, rbdListEntriesMax), IMAGE_KEY_PREFIX + a.startAfter);
  const images = vals.map(([k, v]): [string, string] => [k.slice(IMAGE_KEY_PREFIX.length), storedMirrorImage(k, v).globalImageId]);
  return out((w) => w.pairs(images, (x, k) => x.string(k), (x, g) => x.string(g)));
}

function storedMirrorImage(key: string, bl: Buffer): MirrorImage {
  try {
    return decodeMirrorImage(new Reader(bl));
  } catch {
    throw cephError('EIO', `cls_rbd: ${key} does not decode`);
  }
}

async function imageGet(ctx: ClsContext, imageId: string): Promise<MirrorImage> {
  const key = IMAGE_KEY_PREFIX + imageId;
  return storedMirrorImage(key, await ctx.mapGetVal(key));
}

async function mirrorImageGetImageId(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const id = await readKey(ctx, GLOBAL_KEY_PREFIX + decodeInput(input, readString), readString);
  return out((w) => w.string(id));
}

async function mirrorImageGet(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const m = await imageGet(ctx, decodeInput(input, readString));
  return out((w) => encodeMirrorImage(w, m));
}

/**
 * mirror::image_set: a new image must bring an unused global id (EEXIST) and not be DISABLING
 * (ENOENT: it raced with a disable); an existing one keeps its global id (EINVAL).
 */
async function mirrorImageSet(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, (r) => ({ imageId: r.string('image_id'), image: decodeMirrorImage(r) }));
  const existing = await imageGet(ctx, a.imageId).catch(ifAbsent(undefined));
  if (!existing) {
    const owner = await readKeyOr(ctx, GLOBAL_KEY_PREFIX + a.image.globalImageId, readString, undefined);
    if (owner !== undefined) throw cephError('EEXIST', `cls_rbd: global image id ${a.image.globalImageId} is taken`);
    if (a.image.state === MIRROR_IMAGE_STATE.DISABLING) throw cephError('ENOENT', 'cls_rbd: mirror image is being disabled');
  } else if (existing.globalImageId !== a.image.globalImageId) {
    throw cephError('EINVAL', 'cls_rbd: a mirror image keeps its global id');
  }
  await ctx.mapSetVal(IMAGE_KEY_PREFIX + a.imageId, out((w) => encodeMirrorImage(w, a.image)));
  await ctx.mapSetVal(GLOBAL_KEY_PREFIX + a.image.globalImageId, out((w) => w.string(a.imageId)));
}

/** mirror::image_remove: only a DISABLING image (EBUSY otherwise); its statuses go with it. */
async function mirrorImageRemove(ctx: ClsContext, input: Buffer): Promise<void> {
  const imageId = decodeInput(input, readString);
  const m = await imageGet(ctx, imageId);
  if (m.state !== MIRROR_IMAGE_STATE.DISABLING) throw cephError('EBUSY', 'cls_rbd: mirror image is not disabling');
  await ctx.mapRemoveKey(IMAGE_KEY_PREFIX + imageId);
  await removeKey(ctx, GLOBAL_KEY_PREFIX + m.globalImageId);
  const remote = await valsWithPrefix(ctx, `${REMOTE_STATUS_GLOBAL_KEY_PREFIX}${m.globalImageId}_`, rbdListEntriesMax);
  for (const key of [STATUS_GLOBAL_KEY_PREFIX + m.globalImageId, ...remote.map(([k]) => k)]) await removeKey(ctx, key);
}

/**
 * mirror_image_status_get(global id): Ceph answers the stored site statuses, each marked up when its
 * writer still watches rbd_mirroring. Only rbd-mirror writes statuses (mirror_image_status_set), and
 * ts-ceph neither runs it nor offers that method, so there are none: ENOENT, which librbd shows as
 * "unknown". Statuses some other OSD wrote would need the object's watchers, which a method cannot
 * list here (no cls_cxx_list_watchers): EOPNOTSUPP then.
 */
async function mirrorImageStatusGet(ctx: ClsContext, input: Buffer): Promise<void> {
  const globalId = decodeInput(input, readString);
  const local = await ctx.mapGetVal(STATUS_GLOBAL_KEY_PREFIX + globalId).catch(ifAbsent(undefined));
  const remote = await valsWithPrefix(ctx, `${REMOTE_STATUS_GLOBAL_KEY_PREFIX}${globalId}_`, 1).catch(ifAbsent(undefined));
  if (local || (remote && remote.length > 0)) {
    throw cephError('EOPNOTSUPP', 'cls_rbd: mirror image statuses need the watchers of rbd_mirroring');
  }
  throw cephError('ENOENT', `cls_rbd: no mirror image status for ${globalId}`);
}

export const mirrorMethods: Readonly<Record<string, ClsMethod>> = {
  mirror_uuid_get: { flags: RD, fn: mirrorUuidGet },
  mirror_uuid_set: { flags: RDWR, fn: mirrorUuidSet },
  mirror_mode_get: { flags: RD, fn: mirrorModeGet },
  mirror_mode_set: { flags: RDWR, fn: mirrorModeSet },
  mirror_peer_list: { flags: RD, fn: mirrorPeerList },
  mirror_image_list: { flags: RD, fn: mirrorImageList },
  mirror_image_get_image_id: { flags: RD, fn: mirrorImageGetImageId },
  mirror_image_get: { flags: RD, fn: mirrorImageGet },
  mirror_image_set: { flags: RDWR, fn: mirrorImageSet },
  mirror_image_remove: { flags: RDWR, fn: mirrorImageRemove },
  mirror_image_status_get: { flags: RD, fn: mirrorImageStatusGet },
};
