import { Reader, Writer } from '@ts-ceph/denc';
import { GHObject } from '@ts-ceph/objectstore/interface';
import { InconsistentObj, SHARD_ERR } from './scrub-map';
import { ScrubState } from './scrub';

/**
 * CEPH_OSD_OP_SCRUBLS (PrimaryLogPG::do_scrub_ls): what `rados list-inconsistent-obj` and
 * `list-inconsistent-snapset` read, in Ceph's encodings from src/common/scrub_types.cc —
 * scrub_ls_arg_t in, scrub_ls_result_t out, each value an inconsistent_obj_wrapper. Pure: the
 * daemon hands it the PG's scrub state and same_interval_since.
 */
export interface ScrubLsArg {
  /** u32 same_interval_since the client saw, 0 for any; another one is EAGAIN. */
  interval: number;
  /** u32: nonzero lists inconsistent snapsets instead of objects. */
  getSnapsets: number;
  startAfter: { name: string; nspace: string; snap: bigint };
  /** u64 entries at most. */
  maxReturn: bigint;
}

/** scrub_ls_arg_t: ENCODE_START(1, 1), start_after without its locator. */
export function decodeScrubLsArg(r: Reader): ScrubLsArg {
  return r.envelope('scrub_ls_arg_t', 1, () => ({
    interval: r.u32('interval'),
    getSnapsets: r.u32('get_snapsets'),
    startAfter: { name: r.string('start_after.name'), nspace: r.string('start_after.nspace'), snap: r.u64('start_after.snap') },
    maxReturn: r.u64('max_return'),
  }));
}

export function encodeScrubLsArg(w: Writer, a: ScrubLsArg): void {
  w.envelope(1, 1, () => w.u32(a.interval).u32(a.getSnapsets).string(a.startAfter.name).string(a.startAfter.nspace).u64(a.startAfter.snap).u64(a.maxReturn));
}

/** scrub_ls_result_t: ENCODE_START(1, 1), u32 interval, vector<bufferlist> vals. */
export function encodeScrubLsResult(w: Writer, interval: number, vals: Buffer[]): void {
  w.envelope(1, 1, () => w.u32(interval).list(vals, (ww, v) => ww.blob(v)));
}

/** inconsistent_obj_wrapper (ENCODE_START(2, 2)) with object_id_t, osd_shard_t and shard_info_t. */
export function encodeInconsistentObj(w: Writer, oid: GHObject, i: InconsistentObj): void {
  w.envelope(2, 2, () => {
    w.u64(i.errors);
    w.envelope(1, 1, () => w.string(oid.name).string(oid.nspace).string(oid.key).u64(oid.snap));
    w.u64(i.version);
    const shards = [...i.shards].sort((a, b) => a.osd - b.osd);
    w.u32(shards.length);
    for (const s of shards) {
      w.envelope(1, 1, () => w.i32(s.osd).i8(-1));
      w.envelope(3, 3, () => {
        w.u64(s.errors).bool(s.primary);
        if (s.errors & SHARD_ERR.SHARD_MISSING) return;
        w.pairs(s.attrs, (ww, k) => ww.string(k), (ww, v) => ww.blob(v));
        w.u64(s.size ?? 0xffffffffffffffffn);
        w.bool(s.omapDigest !== undefined).u32(s.omapDigest ?? 0);
        w.bool(s.dataDigest !== undefined).u32(s.dataDigest ?? 0);
        w.bool(s.selectedOi);
      });
    }
    w.u64(i.unionShardErrors);
  });
}

/** What the op answers: Ceph's return code and, when 0, the encoded scrub_ls_result_t. */
export interface ScrubLsAnswer {
  result: 0 | -22 | -11 | -2;
  out: Buffer;
}

const idCmp = (a: { name: string; nspace: string; snap: bigint }, b: { name: string; nspace: string; snap: bigint }): number =>
  a.nspace < b.nspace ? -1 : a.nspace > b.nspace ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : a.snap < b.snap ? -1 : a.snap > b.snap ? 1 : 0;

/**
 * do_scrub_ls over the last scrub's results: EINVAL for an undecodable argument, EAGAIN when the
 * client's interval is not ours, ENOENT before any scrub (Ceph's scrub store does not exist yet).
 * Objects come in (namespace, name, snap) order after `start_after`; ts-osd keeps no snapset
 * inconsistencies, so a snapset listing is empty.
 */
export function scrubLs(s: ScrubState, sameIntervalSince: number, arg: Uint8Array): ScrubLsAnswer {
  let a: ScrubLsArg;
  try {
    const r = new Reader(arg);
    a = decodeScrubLsArg(r);
  } catch {
    return { result: -22, out: Buffer.alloc(0) };
  }
  if (a.interval !== 0 && a.interval !== sameIntervalSince) return { result: -11, out: Buffer.alloc(0) };
  if (s.lastScrubStamp === 0 && !s.active) return { result: -2, out: Buffer.alloc(0) };
  const vals: Buffer[] = [];
  if (!a.getSnapsets) {
    const objs = [...s.inconsistent.values()].filter((i): i is InconsistentObj & { oid: GHObject } => i.oid !== undefined);
    const id = (o: GHObject): { name: string; nspace: string; snap: bigint } => ({ name: o.name, nspace: o.nspace, snap: o.snap });
    objs.sort((x, y) => idCmp(id(x.oid), id(y.oid)));
    const first = a.startAfter.name === '' && a.startAfter.nspace === '' ? 0 : objs.findIndex((o) => idCmp(id(o.oid), a.startAfter) > 0);
    for (const o of first < 0 ? [] : objs.slice(first)) {
      if (BigInt(vals.length) >= a.maxReturn) break;
      const w = new Writer();
      encodeInconsistentObj(w, o.oid, o);
      vals.push(w.finish());
    }
  }
  const w = new Writer();
  encodeScrubLsResult(w, sameIntervalSince, vals);
  return { result: 0, out: w.finish() };
}
