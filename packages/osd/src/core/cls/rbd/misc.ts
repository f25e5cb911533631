import { ClsContext } from '../context';
import { CLS_METHOD_RD, ClsMethod } from '../registry';
import { rbdListEntriesMax } from './directory';
import { decodeInput, out, rbdKeysPerReadMax } from './util';

/** cls_rbd's namespace listing (`rbd_namespace`), and the paged omap walk the pool-level objects share. */

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
  const names = await valsWithPrefix(ctx, 'name_', Math.min(a.max, rbdListEntriesMax), 'name_' + a.startAfter);
  return out((w) => {
    w.u32(names.length);
    for (const [k] of names) w.string(k.slice('name_'.length));
  });
}

export const miscMethods: Readonly<Record<string, ClsMethod>> = {
  namespace_list: { flags: CLS_METHOD_RD, fn: namespaceList },
};
