import { Reader, Writer, UTime, decodeUTime, encodeUTime, hasFeature, featureBit } from '@ts-ceph/denc';
import { cmpStr } from '../format/text';
import { EversionT, PgT, decodeEversionT, decodePgT, encodeEversionT, encodePgT } from './pg';

/**
 * The parts of pg_pool_t that have their own encodings (src/osd/osd_types.{h,cc}, src/osd/HitSet.h):
 * pool_snap_info_t, pool_opts_t, pg_merge_meta_t and HitSet::Params.
 */

/** pool_snap_info_t: one pool snapshot. */
export interface PoolSnapInfoT {
  /** snapid_t (u64; real snap ids stay below 2^53). */
  snapid: number;
  stamp: UTime;
  name: string;
}

export function decodePoolSnapInfoT(r: Reader, field = 'pool_snap_info_t'): PoolSnapInfoT {
  return r.envelopeLegacy(field, 2, 2, 2, () => ({ snapid: r.u64n('snapid'), stamp: decodeUTime(r, 'stamp'), name: r.string('name') }));
}

/** Without PGPOOL3 the legacy struct_v 1 form (no envelope); otherwise ENCODE_START(2,2). */
export function encodePoolSnapInfoT(w: Writer, s: PoolSnapInfoT): void {
  const body = () => {
    w.u64(s.snapid);
    encodeUTime(w, s.stamp);
    w.string(s.name);
  };
  if ((w.features & featureBit('PGPOOL3')) === 0n) {
    w.u8(1);
    body();
    return;
  }
  w.envelope(2, 2, body);
}

/** pool_opts_t value types (pool_opts_t::type_t). */
export const PoolOptType = { STR: 0, INT: 1, DOUBLE: 2 } as const;

export type PoolOptValue = { type: 0; v: string } | { type: 1; v: number } | { type: 2; v: number };

/**
 * pool_opts_t::key_t, in enum order (the wire key), with the option name and type. 16.2.15 has
 * pg_num_max (key 23) after dedup_cdc_chunk_size.
 */
export const POOL_OPTS: readonly { key: number; name: string; type: 0 | 1 | 2 }[] = [
  ['scrub_min_interval', 2],
  ['scrub_max_interval', 2],
  ['deep_scrub_interval', 2],
  ['recovery_priority', 1],
  ['recovery_op_priority', 1],
  ['scrub_priority', 1],
  ['compression_mode', 0],
  ['compression_algorithm', 0],
  ['compression_required_ratio', 2],
  ['compression_max_blob_size', 1],
  ['compression_min_blob_size', 1],
  ['csum_type', 1],
  ['csum_max_block', 1],
  ['csum_min_block', 1],
  ['fingerprint_algorithm', 0],
  ['pg_num_min', 1],
  ['target_size_bytes', 1],
  ['target_size_ratio', 2],
  ['pg_autoscale_bias', 2],
  ['read_lease_interval', 2],
  ['dedup_tier', 1],
  ['dedup_chunk_algorithm', 0],
  ['dedup_cdc_chunk_size', 1],
  ['pg_num_max', 1],
].map(([name, type], key) => ({ key, name: name as string, type: type as 0 | 1 | 2 }));

export function poolOptByName(name: string): { key: number; name: string; type: 0 | 1 | 2 } | undefined {
  return POOL_OPTS.find((o) => o.name === name);
}

/** pool_opts_t: key -> value, iterated in key order like its std::map. */
export type PoolOptsT = Map<number, PoolOptValue>;

export function decodePoolOptsT(r: Reader, field = 'pool_opts_t'): PoolOptsT {
  return r.envelope(field, 2, (_r, v) => {
    const n = r.count('n', 8);
    const out: PoolOptsT = new Map();
    for (let i = 0; i < n; i++) {
      const k = r.i32('key');
      const t = r.i32('type');
      if (t === PoolOptType.STR) out.set(k, { type: 0, v: r.string('value') });
      else if (t === PoolOptType.INT) out.set(k, { type: 1, v: v >= 2 ? r.i64n('value') : r.i32('value') });
      else if (t === PoolOptType.DOUBLE) out.set(k, { type: 2, v: r.f64('value') });
      else r.fail('DENC_MALFORMED', `pool option ${k} has invalid type ${t}`);
    }
    return new Map([...out.entries()].sort((a, b) => a[0] - b[0]));
  });
}

/** ENCODE_START(2,1); before SERVER_NAUTILUS version 1 with 32-bit integers. */
export function encodePoolOptsT(w: Writer, o: PoolOptsT): void {
  const nautilus = hasFeature(w.features, 'SERVER_NAUTILUS');
  w.envelope(nautilus ? 2 : 1, 1, () => {
    const entries = [...o.entries()].sort((a, b) => a[0] - b[0]);
    w.u32(entries.length);
    for (const [k, val] of entries) {
      w.i32(k).i32(val.type);
      if (val.type === 0) w.string(val.v);
      else if (val.type === 1) nautilus ? w.i64(val.v) : w.i32(val.v);
      else w.f64(val.v);
    }
  });
}

/** Options in the order pool_opts_t::dump and operator<< list them: by name (its std::map<string,...>). */
export function poolOptsByName(o: PoolOptsT): { name: string; value: PoolOptValue }[] {
  return POOL_OPTS.filter((d) => o.has(d.key))
    .sort((a, b) => cmpStr(a.name, b.name))
    .map((d) => ({ name: d.name, value: o.get(d.key)! }));
}

/** pg_merge_meta_t: ENCODE_START(1,1). */
export interface PgMergeMetaT {
  sourcePgid: PgT;
  readyEpoch: number;
  lastEpochStarted: number;
  lastEpochClean: number;
  sourceVersion: EversionT;
  targetVersion: EversionT;
}

export function emptyPgMergeMeta(): PgMergeMetaT {
  return { sourcePgid: { pool: 0, seed: 0 }, readyEpoch: 0, lastEpochStarted: 0, lastEpochClean: 0, sourceVersion: { epoch: 0, version: 0n }, targetVersion: { epoch: 0, version: 0n } };
}

export function decodePgMergeMetaT(r: Reader, field = 'pg_merge_meta_t'): PgMergeMetaT {
  return r.envelope(field, 1, () => ({
    sourcePgid: decodePgT(r, 'source_pgid'),
    readyEpoch: r.u32('ready_epoch'),
    lastEpochStarted: r.u32('last_epoch_started'),
    lastEpochClean: r.u32('last_epoch_clean'),
    sourceVersion: decodeEversionT(r, 'source_version'),
    targetVersion: decodeEversionT(r, 'target_version'),
  }));
}

export function encodePgMergeMetaT(w: Writer, m: PgMergeMetaT): void {
  w.envelope(1, 1, () => {
    encodePgT(w, m.sourcePgid);
    w.u32(m.readyEpoch).u32(m.lastEpochStarted).u32(m.lastEpochClean);
    encodeEversionT(w, m.sourceVersion);
    encodeEversionT(w, m.targetVersion);
  });
}

/** HitSet::impl_type_t. */
export const HitSetType = { NONE: 0, EXPLICIT_HASH: 1, EXPLICIT_OBJECT: 2, BLOOM: 3 } as const;

export function hitSetTypeName(t: number): string {
  return ['none', 'explicit_hash', 'explicit_object', 'bloom'][t] ?? '???';
}

/**
 * HitSet::Params: ENCODE_START(1,1) { u8 type, impl params }. The explicit types have empty params
 * (nothing encoded); bloom has ENCODE_START(1,1) { le32 fpp_micro, le64 target_size, le64 seed }.
 */
export type HitSetParams =
  | { type: 0 | 1 | 2 }
  | { type: 3; fppMicro: number; targetSize: bigint; seed: bigint };

export function decodeHitSetParams(r: Reader, field = 'hit_set_params'): HitSetParams {
  return r.envelope(field, 1, () => {
    const type = r.u8('type');
    if (type === HitSetType.BLOOM) {
      return r.envelope('bloom', 1, () => ({ type: 3 as const, fppMicro: r.u32('fpp_micro'), targetSize: r.u64('target_size'), seed: r.u64('seed') }));
    }
    if (type > 3) r.fail('DENC_MALFORMED', `unrecognized HitMap type ${type}`);
    return { type: type as 0 | 1 | 2 };
  });
}

export function encodeHitSetParams(w: Writer, p: HitSetParams): void {
  w.envelope(1, 1, () => {
    w.u8(p.type);
    if (p.type === 3) w.envelope(1, 1, () => w.u32(p.fppMicro).u64(p.targetSize).u64(p.seed));
  });
}
