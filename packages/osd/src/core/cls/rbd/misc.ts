import { ClsContext } from '../context';
import { CLS_METHOD_RD, CLS_METHOD_WR, ClsMethod } from '../registry';
import { encodeGroupSpec } from './types';
import { decodeInput, out, rbdKeysPerReadMax, readString } from './util';
import { rbdListEntriesMax } from './directory';

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

/** Every value under `prefix` (paged), in key order. */
async function valsWithPrefix(ctx: ClsContext, prefix: string, max: number, startAfter = prefix): Promise<[string, Buffer][]> {
  const all: [string, Buffer][] = [];
  let after = startAfter;
  while (all.length < max) {
    const page = await ctx.mapGetVals(after, prefix, Math.min(rbdKeysPerReadMax, max - all.length));
    for (const [k, v] of page.vals) {
      all.push([k, v]);
      after = k;
    }
    if (!page.more || page.vals.size === 0) break;
  }
  return all;
}

/** mirror_peer_list -> vector<MirrorPeer>, the stored peers as they are (`rbd mirror pool info`). */
async function mirrorPeerList(ctx: ClsContext): Promise<Buffer> {
  const peers = await valsWithPrefix(ctx, 'mirror_peer_', rbdListEntriesMax);
  return out((w) => {
    w.u32(peers.length);
    for (const [, v] of peers) w.bytes(v);
  });
}

/** namespace_list(start_after, max_return) on `rbd_namespace` -> list<string> of names. */
async function namespaceList(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const a = decodeInput(input, (r) => ({ startAfter: r.string('start_after'), max: r.u64n('max_return') }));
  const names = await valsWithPrefix(ctx, 'name_', Math.min(a.max, rbdListEntriesMax), 'name_' + a.startAfter);
  return out((w) => {
    w.u32(names.length);
    for (const [k] of names) w.string(k.slice('name_'.length));
  });
}

export const miscMethods: Readonly<Record<string, ClsMethod>> = {
  mirror_uuid_get: { flags: RD, fn: async (ctx) => ctx.mapGetVal('mirror_uuid') },
  mirror_mode_get: { flags: RD, fn: async (ctx) => ctx.mapGetVal('mirror_mode') },
  mirror_image_get: mirrorLookup('image_'),
  mirror_image_get_image_id: mirrorLookup('global_'),
  mirror_image_remove: { flags: RDWR, fn: async (ctx, input) => void (await ctx.mapGetVal('image_' + decodeInput(input, readString))) },
  mirror_peer_list: { flags: RD, fn: mirrorPeerList },
  namespace_list: { flags: RD, fn: namespaceList },
  image_group_get: { flags: RD, fn: imageGroupGet },
};
