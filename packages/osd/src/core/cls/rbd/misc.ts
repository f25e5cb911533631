import { cephError } from '@ts-ceph/common/core';
import { ClsContext } from '../context';
import { CLS_METHOD_RD, CLS_METHOD_WR, ClsMethod } from '../registry';
import { rbdListEntriesMax } from './directory';
import { decodeInput, ifAbsent, out, rbdKeysPerReadMax } from './util';

/**
 * cls_rbd's namespace directory (`rbd_namespace` in the pool's default namespace: one omap key
 * `name_<namespace>` with an empty value per namespace), and the paged omap walk the pool-level
 * objects share. librbd's Namespace API (librbd/api/Namespace.cc) adds the key, then marks the
 * namespace's own `rbd_directory` READY (dir_state_set, directory.ts); namespace_exists asks that
 * directory (dir_state_assert), not this object.
 */

const NAMESPACE_PREFIX = 'name_';

/** Every value under `prefix` after `startAfter` (paged), in key order, at most `max`. */
export async function valsWithPrefix(ctx: ClsContext, prefix: string, max: number, startAfter = prefix): Promise<[string, Buffer][]> {
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

/** namespace_list(start_after, max_return) on `rbd_namespace` -> list<string> of names. */
async function namespaceList(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const a = decodeInput(input, (r) => ({ startAfter: r.string('start_after'), max: r.u64n('max_return') }));
  const names = await valsWithPrefix(ctx, NAMESPACE_PREFIX, Math.min(a.max, rbdListEntriesMax), NAMESPACE_PREFIX + a.startAfter);
  return out((w) => {
    w.u32(names.length);
    for (const [k] of names) w.string(k.slice(NAMESPACE_PREFIX.length));
  });
}

/** namespace_add(name): EEXIST when present; the omap write creates `rbd_namespace` if needed. */
async function namespaceAdd(ctx: ClsContext, input: Buffer): Promise<void> {
  const name = decodeInput(input, (r) => r.string('name'));
  if ((await ctx.mapGetVal(NAMESPACE_PREFIX + name).catch(ifAbsent(undefined))) !== undefined) throw cephError('EEXIST', `cls_rbd: namespace ${name} exists`);
  await ctx.mapSetVal(NAMESPACE_PREFIX + name, Buffer.alloc(0));
}

/** namespace_remove(name): ENOENT when absent (librbd's namespace_remove then answers ImageNotFound). */
async function namespaceRemove(ctx: ClsContext, input: Buffer): Promise<void> {
  const name = decodeInput(input, (r) => r.string('name'));
  await ctx.mapGetVal(NAMESPACE_PREFIX + name);
  await ctx.mapRemoveKey(NAMESPACE_PREFIX + name);
}

export const miscMethods: Readonly<Record<string, ClsMethod>> = {
  namespace_add: { flags: CLS_METHOD_RD | CLS_METHOD_WR, fn: namespaceAdd },
  namespace_remove: { flags: CLS_METHOD_RD | CLS_METHOD_WR, fn: namespaceRemove },
  namespace_list: { flags: CLS_METHOD_RD, fn: namespaceList },
};
