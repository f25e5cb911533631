import { formatEversion, formatOsdReqid } from '@ts-ceph/maps';
import { formatHobject } from '@ts-ceph/messages';
import { GHObject } from '@ts-ceph/objectstore/interface';
import { OI_ATTR, OI_FLAG, ObjectInfo, decodeObjectInfo } from '../object-info';
import { InconsistentObj, SHARD_ERR, ShardInfo } from './scrub-map';

/**
 * The cluster-log lines of a scrub, in Ceph's words (pg_scrubber.cc scrub_finish and
 * scrub_process_inconsistent, PGBackend.cc be_select_auth_object / be_compare_scrub_objects):
 *
 *   1.0 deep-scrub starts
 *   1.0 shard 1 soid 1:602f83fe:::foo:head : candidate had a read error
 *   1.0 shard 2 soid 1:602f83fe:::foo:head : data_digest 0x1 != data_digest 0x2 from shard 0, data_digest 0x1 != data_digest 0x2 from auth oi 1:602f83fe:::foo:head(...)
 *   1.0 deep-scrub 0 missing, 1 inconsistent objects
 *   1.0 deep-scrub 1 errors
 *   1.0 repair 1 errors, 1 fixed
 *
 * Pure: scrub.ts queues them, the daemon sends them to the monitor's cluster log.
 */
export interface ScrubClogLine {
  /** clog->error() (an inconsistency) or clog->debug() (a start or a clean end). */
  error: boolean;
  msg: string;
}

const hex = (n: number): string => (n >>> 0).toString(16);

/** operator<< for hobject_t: "1:602f83fe:::foo:head". */
export function formatSoid(o: GHObject): string {
  return formatHobject(o.pool, o.hash, o.nspace, o.key, o.name, o.snap);
}

/** object_info_t::get_flag_string, the flags Ceph names in its order. */
function flagString(f: number): string {
  const names: [number, string][] = [[OI_FLAG.LOST, 'lost'], [OI_FLAG.WHITEOUT, 'whiteout'], [OI_FLAG.DIRTY, 'dirty'], [OI_FLAG.OMAP, 'omap'], [OI_FLAG.DATA_DIGEST, 'data_digest'], [OI_FLAG.OMAP_DIGEST, 'omap_digest']];
  return names.filter(([b]) => f & b).map(([, n]) => n).join('|');
}

/** operator<< for object_info_t: "soid(v reqid flags s SIZE uv UV dd DD od OD alloc_hint [a b c])". */
export function formatObjectInfo(soid: GHObject, oi: ObjectInfo): string {
  let s = `${formatSoid(soid)}(${formatEversion(oi.version)} ${formatOsdReqid(oi.lastReqid)}`;
  if (oi.flags) s += ` ${flagString(oi.flags)}`;
  s += ` s ${oi.size} uv ${oi.userVersion}`;
  if (oi.flags & OI_FLAG.DATA_DIGEST) s += ` dd ${hex(oi.dataDigest)}`;
  if (oi.flags & OI_FLAG.OMAP_DIGEST) s += ` od ${hex(oi.omapDigest)}`;
  return `${s} alloc_hint [${oi.expectedObjectSize} ${oi.expectedWriteSize} ${oi.allocHintFlags}])`;
}

function authOi(i: InconsistentObj): ObjectInfo | undefined {
  const b = i.shards.find((s) => s.osd === i.authOsd)?.attrs.find(([k]) => k === OI_ATTR)?.[1];
  try {
    return b ? decodeObjectInfo(b) : undefined;
  } catch {
    return undefined;
  }
}

/** What one shard's line says after " : ", or undefined for a shard without errors. */
function shardText(i: InconsistentObj, s: ShardInfo, soid: GHObject, oi: ObjectInfo | undefined, deep: boolean): string | undefined {
  if (s.errors & SHARD_ERR.SHARD_READ_ERR) return 'candidate had a read error';
  const auth = i.shards.find((x) => x.osd === i.authOsd);
  const parts: string[] = [];
  if (auth && s.osd !== auth.osd) {
    if (deep && s.dataDigest !== undefined && auth.dataDigest !== undefined && s.dataDigest !== auth.dataDigest) parts.push(`data_digest 0x${hex(s.dataDigest)} != data_digest 0x${hex(auth.dataDigest)} from shard ${auth.osd}`);
    if (deep && s.omapDigest !== undefined && auth.omapDigest !== undefined && s.omapDigest !== auth.omapDigest) parts.push(`omap_digest 0x${hex(s.omapDigest)} != omap_digest 0x${hex(auth.omapDigest)} from shard ${auth.osd}`);
    if (s.size !== undefined && auth.size !== undefined && s.size !== auth.size) parts.push(`size ${s.size} != size ${auth.size} from shard ${auth.osd}`);
  }
  if (oi && s.errors & SHARD_ERR.DATA_DIGEST_MISMATCH_INFO) parts.push(`data_digest 0x${hex(s.dataDigest ?? 0)} != data_digest 0x${hex(oi.dataDigest)} from auth oi ${formatObjectInfo(soid, oi)}`);
  if (oi && s.errors & SHARD_ERR.OMAP_DIGEST_MISMATCH_INFO) parts.push(`omap_digest 0x${hex(s.omapDigest ?? 0)} != omap_digest 0x${hex(oi.omapDigest)} from auth oi ${formatObjectInfo(soid, oi)}`);
  if (oi && s.errors & SHARD_ERR.SIZE_MISMATCH_INFO) parts.push(`size ${s.size ?? 0} != size ${oi.size} from auth oi ${formatObjectInfo(soid, oi)}`);
  if (s.errors & SHARD_ERR.INFO_MISSING) parts.push('candidate had a missing info key');
  if (s.errors & SHARD_ERR.INFO_CORRUPTED) parts.push('candidate had a corrupt info');
  return parts.length ? parts.join(', ') : undefined;
}

/** The error lines of one inconsistent object: one per bad shard, "missing" for an absent copy. */
export function inconsistentLines(pgid: string, i: InconsistentObj, soid: GHObject, deep: boolean): string[] {
  const oi = authOi(i);
  const out: string[] = [];
  for (const s of i.shards) {
    if (s.errors & SHARD_ERR.SHARD_MISSING) {
      out.push(`${pgid} shard ${s.osd} ${formatSoid(soid)} : missing`);
      continue;
    }
    const text = shardText(i, s, soid, oi, deep);
    if (text) out.push(`${pgid} shard ${s.osd} soid ${formatSoid(soid)} : ${text}`);
  }
  if (i.authOsd < 0) out.push(`${pgid} soid ${formatSoid(soid)} : failed to pick suitable object info`);
  return out;
}

/** scrub_finish's summary line. */
export function finishLine(pgid: string, mode: string, errors: number, repair: boolean, fixed: number): ScrubClogLine {
  const msg = `${pgid} ${mode} ${errors ? `${errors} errors` : 'ok'}${repair ? `, ${fixed} fixed` : ''}`;
  return { error: errors > 0, msg };
}
