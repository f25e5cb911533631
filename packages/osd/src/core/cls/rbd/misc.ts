import { ClsContext } from '../context';
import { CLS_METHOD_RD, CLS_METHOD_WR, ClsMethod } from '../registry';
import { encodeGroupSpec } from './types';
import { decodeInput, out, readString } from './util';

/**
 * cls_rbd methods librbd calls on every open or removal whose features ts-ceph does not offer yet:
 * mirroring (`rbd_mirroring` object) and groups. They answer as Ceph does on a pool where mirroring
 * and groups were never configured: mirror lookups find no key (ENOENT), an image is in no group.
 */

const RD = CLS_METHOD_RD;
const RDWR = CLS_METHOD_RD | CLS_METHOD_WR;
const RBD_GROUP_REF = 'rbd_group_ref';

/** A lookup of `<prefix><id>` in rbd_mirroring: ENOENT while mirroring was never enabled. */
function mirrorLookup(prefix: string): ClsMethod {
  return {
    flags: RD,
    fn: async (ctx: ClsContext, input: Buffer) => ctx.mapGetVal(prefix + decodeInput(input, readString)),
  };
}

/** image_group_get: the image's GroupSpec, an empty one (pool -1) outside any group. */
async function imageGroupGet(ctx: ClsContext): Promise<Buffer> {
  const ref = await ctx.mapGetVal(RBD_GROUP_REF).catch(() => undefined);
  return ref ?? out((w) => encodeGroupSpec(w, '', -1n));
}

export const miscMethods: Readonly<Record<string, ClsMethod>> = {
  mirror_uuid_get: { flags: RD, fn: async (ctx) => ctx.mapGetVal('mirror_uuid') },
  mirror_mode_get: { flags: RD, fn: async (ctx) => ctx.mapGetVal('mirror_mode') },
  mirror_image_get: mirrorLookup('image_'),
  mirror_image_get_image_id: mirrorLookup('global_'),
  mirror_image_remove: { flags: RDWR, fn: async (ctx, input) => void (await ctx.mapGetVal('image_' + decodeInput(input, readString))) },
  image_group_get: { flags: RD, fn: imageGroupGet },
};
