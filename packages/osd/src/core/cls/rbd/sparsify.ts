import { cephError } from '@ts-ceph/common/core';
import { ClsContext } from '../context';
import { CLS_METHOD_RD, CLS_METHOD_WR, ClsMethod } from '../registry';
import { decodeInput } from './util';

/**
 * cls_rbd `sparsify` on an image data object (`rbd sparsify`, librbd's SparsifyRequest): the object is
 * read whole and cut into `sparse_size` extents; runs of extents that are not all zero are written
 * back after the object was truncated to 0, so the zero extents between them become holes and
 * trailing zeros go. An object that is all zero is removed (`remove_empty`) or truncated to 0.
 * Ceph writes the first run with cls_cxx_replace, which is a truncate to 0 and a write in the same op:
 * the context's truncate and write do the same here.
 */

/** Whether `b[from, to)` is all zero bytes. */
function isZero(b: Buffer, from = 0, to = b.length): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}

/** The runs [offset, length) of `sparseSize` extents of `data` that hold a byte other than zero. */
export function dataRuns(data: Buffer, sparseSize: number): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  for (let at = 0; at < data.length; at += sparseSize) {
    const end = Math.min(at + sparseSize, data.length);
    if (isZero(data, at, end)) {
      if (start >= 0) runs.push([start, at - start]);
      start = -1;
    } else if (start < 0) {
      start = at;
    }
  }
  if (start >= 0) runs.push([start, data.length - start]);
  return runs;
}

/** sparsify(u64 sparse_size, bool remove_empty) -> nothing; ENOENT when the object does not exist. */
async function sparsify(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, (r) => ({ sparseSize: r.u64n('sparse_size'), removeEmpty: r.bool('remove_empty') }));
  // Ceph would loop forever on 0; librbd sends at least 4096 (rbd sparsify --sparse-size).
  if (a.sparseSize === 0) throw cephError('EINVAL', 'cls_rbd: sparsify: sparse_size 0');
  const st = await ctx.stat();
  const data = st.size > 0 ? await ctx.read(0, st.size) : Buffer.alloc(0);
  if (isZero(data)) {
    if (a.removeEmpty) await ctx.remove();
    else if (data.length > 0) await ctx.truncate(0);
    return;
  }
  const runs = dataRuns(data, a.sparseSize);
  if (runs.length === 1 && runs[0]![0] === 0 && runs[0]![1] === data.length) return; // nothing to do
  await ctx.truncate(0);
  for (const [off, len] of runs) await ctx.write(off, data.subarray(off, off + len));
}

export const sparsifyMethods: Readonly<Record<string, ClsMethod>> = {
  sparsify: { flags: CLS_METHOD_RD | CLS_METHOD_WR, fn: sparsify },
};
