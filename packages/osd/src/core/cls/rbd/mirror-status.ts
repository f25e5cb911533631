import { cephError } from '@ts-ceph/common/core';
import { ClsContext } from '../context';
import { CLS_METHOD_RD, ClsMethod } from '../registry';
import { rbdListEntriesMax } from './directory';
import { valsWithPrefix } from './misc';
import { decodeMirrorPeer } from './mirror-peers';
import { MirrorImage, decodeMirrorImage, encodeMirrorImage } from './spec-types';
import { decodeInput, decodeStored, ifAbsent, out, readString } from './util';

/**
 * The read side of mirrored image statuses on `rbd_mirroring` (src/cls/rbd/cls_rbd.cc,
 * mirror::image_status_list, image_status_get_summary, image_instance_get/list, instances_list):
 * what `rbd mirror pool status [--verbose]` and `rbd mirror image status` ask.
 *
 * Statuses (`status_global_<global id>`, `remote_status_global_<global id>_<mirror uuid>`) are
 * written only by rbd-mirror daemons (mirror_image_status_set), which ts-ceph neither runs nor
 * serves, so a pool has none and every mirrored image is in state unknown, as on a Ceph pool whose
 * rbd-mirror never ran. Ceph marks a stored status up when its writer still watches the object;
 * a method here cannot list watchers (no cls_cxx_list_watchers), so a stored status, which only an
 * rbd-mirror talking to another OSD could have left, is answered EOPNOTSUPP rather than guessed.
 */

const RD = CLS_METHOD_RD;
const IMAGE_KEY_PREFIX = 'image_';
const STATUS_GLOBAL_KEY_PREFIX = 'status_global_';
const REMOTE_STATUS_GLOBAL_KEY_PREFIX = 'remote_status_global_';
const INSTANCE_KEY_PREFIX = 'instance_';

/** cls::rbd::MirrorImageStatusState MIRROR_IMAGE_STATUS_STATE_UNKNOWN. */
const STATUS_STATE_UNKNOWN = 0;

/** Refuse to answer for an image with a stored status (see above); none is the only case we serve. */
async function assertNoStatus(ctx: ClsContext, globalId: string): Promise<void> {
  const local = await ctx.mapGetVal(STATUS_GLOBAL_KEY_PREFIX + globalId).catch(ifAbsent(undefined));
  const remote = await valsWithPrefix(ctx, `${REMOTE_STATUS_GLOBAL_KEY_PREFIX}${globalId}_`, 1).catch(ifAbsent(undefined));
  if (local || (remote && remote.length > 0)) {
    throw cephError('EOPNOTSUPP', 'cls_rbd: mirror image statuses need the watchers of rbd_mirroring');
  }
}

/** The mirrored images after `startAfter` (image ids), at most `max`; EIO for one that does not decode. */
async function mirrorImages(ctx: ClsContext, startAfter: string, max: number): Promise<[string, MirrorImage][]> {
  const vals = await valsWithPrefix(ctx, IMAGE_KEY_PREFIX, max, IMAGE_KEY_PREFIX + startAfter);
  return vals.map(([k, v]): [string, MirrorImage] => [k.slice(IMAGE_KEY_PREFIX.length), decodeStored(k, v, decodeMirrorImage, ctx)]);
}

/**
 * mirror_image_status_list(start_after, max_return) -> map<image id, MirrorImage> and map<image id,
 * MirrorImageStatus> (only images with a status; here none).
 */
async function statusList(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const a = decodeInput(input, (r) => ({ startAfter: r.string('start_after'), max: r.u64n('max_return') }));
  const images = await mirrorImages(ctx, a.startAfter, Math.min(a.max, rbdListEntriesMax));
  for (const [, m] of images) await assertNoStatus(ctx, m.globalImageId);
  return out((w) => {
    w.pairs(images, (x, k) => x.string(k), (x, m) => encodeMirrorImage(x, m));
    w.u32(0);
  });
}

/**
 * mirror_image_status_get_summary([vector<MirrorPeer>]) -> map<u8 state, i32 count>. Without any
 * site status an image's summary state is unknown whatever the peers' directions
 * (compute_image_status_summary_state), so every mirrored image counts as unknown.
 */
async function statusGetSummary(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  decodeInput(input, (r) => (r.remaining() > 0 ? r.list('peers', decodeMirrorPeer) : []));
  const images = await mirrorImages(ctx, '', Number.MAX_SAFE_INTEGER);
  for (const [, m] of images) await assertNoStatus(ctx, m.globalImageId);
  const counts: [number, number][] = images.length > 0 ? [[STATUS_STATE_UNKNOWN, images.length]] : [];
  return out((w) => w.pairs(counts, (x, k) => x.u8(k), (x, n) => x.i32(n)));
}

/** mirror_image_instance_get(global id): ENOENT without a local status (the rbd-mirror instance that wrote it). */
async function instanceGet(ctx: ClsContext, input: Buffer): Promise<void> {
  const globalId = decodeInput(input, readString);
  await ctx.mapGetVal(STATUS_GLOBAL_KEY_PREFIX + globalId);
  throw cephError('EOPNOTSUPP', 'cls_rbd: mirror image instances need the watchers of rbd_mirroring');
}

/** mirror_image_instance_list(start_after, max_return) -> map<image id, entity_inst_t>: images with a live local status. */
async function instanceList(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const a = decodeInput(input, (r) => ({ startAfter: r.string('start_after'), max: r.u64n('max_return') }));
  const images = await mirrorImages(ctx, a.startAfter, Math.min(a.max, rbdListEntriesMax));
  for (const [, m] of images) await assertNoStatus(ctx, m.globalImageId);
  return out((w) => w.u32(0));
}

/** mirror_instances_list -> vector<string>: the rbd-mirror instances registered by mirror_instances_add. */
async function instancesList(ctx: ClsContext): Promise<Buffer> {
  const vals = await valsWithPrefix(ctx, INSTANCE_KEY_PREFIX, rbdListEntriesMax);
  return out((w) => w.list(vals, (x, [k]) => x.string(k.slice(INSTANCE_KEY_PREFIX.length))));
}

export const mirrorStatusMethods: Readonly<Record<string, ClsMethod>> = {
  mirror_image_status_list: { flags: RD, fn: statusList },
  mirror_image_status_get_summary: { flags: RD, fn: statusGetSummary },
  mirror_image_instance_get: { flags: RD, fn: instanceGet },
  mirror_image_instance_list: { flags: RD, fn: instanceList },
  mirror_instances_list: { flags: RD, fn: instancesList },
};

