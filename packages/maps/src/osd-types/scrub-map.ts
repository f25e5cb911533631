import { Reader, Writer } from '@ts-ceph/denc';
import { HobjectT, decodeHobjectT, encodeHobjectT } from '../types/hobject';
import { EversionT, decodeEversionT, encodeEversionT } from '../types/pg';

/**
 * ScrubMap and ScrubMap::object (src/osd/osd_types.h, encoders in src/osd/osd_types.cc): what one
 * OSD reports of a chunk of a PG when scrubbing. ts-osd's scrub core (packages/osd
 * core/peering/scrub-map.ts) carries the same facts in its own peer payload; these are the Ceph
 * encodings, for the corpus and for tools that read Ceph's.
 */
export interface ScrubMapObjectT {
  /** Every xattr of the object by name (object_info_t is `_`, SnapSet `snapset`). */
  attrs: [string, Buffer][];
  /** u64 bytes; -1 (2^64-1) when stat failed. */
  size: bigint;
  negative: boolean;
  /** u32 crc32c (seed -1) of the data, meaningful when digestPresent. */
  digest: number;
  digestPresent: boolean;
  /** u32 crc32c of the omap header and pairs, meaningful when omapDigestPresent. */
  omapDigest: number;
  omapDigestPresent: boolean;
  statError: boolean;
  readError: boolean;
  ecHashMismatch: boolean;
  ecSizeMismatch: boolean;
  largeOmapObjectFound: boolean;
  largeOmapObjectKeyCount: bigint;
  largeOmapObjectValueSize: bigint;
  objectOmapBytes: bigint;
  objectOmapKeys: bigint;
}

export interface ScrubMapT {
  objects: [HobjectT, ScrubMapObjectT][];
  validThrough: EversionT;
  incrSince: EversionT;
}

/** ScrubMap::object's constructor defaults. */
export function newScrubMapObject(): ScrubMapObjectT {
  return {
    attrs: [], size: 0xffffffffffffffffn, negative: false, digest: 0, digestPresent: false, omapDigest: 0, omapDigestPresent: false,
    statError: false, readError: false, ecHashMismatch: false, ecSizeMismatch: false, largeOmapObjectFound: false,
    largeOmapObjectKeyCount: 0n, largeOmapObjectValueSize: 0n, objectOmapBytes: 0n, objectOmapKeys: 0n,
  };
}

/** ENCODE_START(10, 7): nlinks and snapcolls are obsolete zeros; compat_read_error is derived. */
export function encodeScrubMapObjectT(w: Writer, o: ScrubMapObjectT): void {
  w.envelope(10, 7, () => {
    w.u64(o.size).bool(o.negative);
    w.pairs(o.attrs, (ww, k) => ww.string(k), (ww, v) => ww.blob(v));
    w.u32(o.digest).bool(o.digestPresent).u32(0).u32(0);
    w.u32(o.omapDigest).bool(o.omapDigestPresent);
    w.bool(o.readError || o.ecHashMismatch || o.ecSizeMismatch).bool(o.statError);
    w.bool(o.readError).bool(o.ecHashMismatch).bool(o.ecSizeMismatch);
    w.bool(o.largeOmapObjectFound).u64(o.largeOmapObjectKeyCount).u64(o.largeOmapObjectValueSize);
    w.u64(o.objectOmapBytes).u64(o.objectOmapKeys);
  });
}

export function decodeScrubMapObjectT(r: Reader, field = 'ScrubMap::object'): ScrubMapObjectT {
  return r.envelope(field, 10, (_r, v) => {
    const o = newScrubMapObject();
    o.size = r.u64('size');
    o.negative = r.bool('negative');
    o.attrs = r.pairs('attrs', (rr) => rr.string('name'), (rr) => rr.blob('value'), 8);
    o.digest = r.u32('digest');
    o.digestPresent = r.bool('digest_present');
    r.u32('nlinks');
    if (r.u32('snapcolls') !== 0) r.fail('DENC_MALFORMED', 'obsolete snapcolls not empty', 'snapcolls');
    o.omapDigest = r.u32('omap_digest');
    o.omapDigestPresent = r.bool('omap_digest_present');
    const compatReadError = r.bool('compat_read_error');
    o.statError = r.bool('stat_error');
    if (v >= 8) {
      o.readError = r.bool('read_error');
      o.ecHashMismatch = r.bool('ec_hash_mismatch');
      o.ecSizeMismatch = r.bool('ec_size_mismatch');
    }
    // An older encoder's read error, as ScrubMap::object::decode reads it.
    if (compatReadError && !o.readError && !o.ecHashMismatch && !o.ecSizeMismatch) o.readError = true;
    if (v >= 9) {
      o.largeOmapObjectFound = r.bool('large_omap_object_found');
      o.largeOmapObjectKeyCount = r.u64('large_omap_object_key_count');
      o.largeOmapObjectValueSize = r.u64('large_omap_object_value_size');
    }
    if (v >= 10) {
      o.objectOmapBytes = r.u64('object_omap_bytes');
      o.objectOmapKeys = r.u64('object_omap_keys');
    }
    return o;
  });
}

/** ENCODE_START(3, 2): the deprecated attrs map and old log are empty. */
export function encodeScrubMapT(w: Writer, m: ScrubMapT): void {
  w.envelope(3, 2, () => {
    w.pairs(m.objects, encodeHobjectT, encodeScrubMapObjectT);
    w.u32(0).u32(0);
    encodeEversionT(w, m.validThrough);
    encodeEversionT(w, m.incrSince);
  });
}

export function decodeScrubMapT(r: Reader, field = 'ScrubMap'): ScrubMapT {
  return r.envelopeLegacy(field, 3, 2, 2, (_r, v) => {
    if (v < 3) r.fail('DENC_INCOMPAT', `ScrubMap v${v} (pre-hobject_t upgrade) is not read`, field);
    const objects = r.pairs('objects', (rr) => decodeHobjectT(rr), (rr) => decodeScrubMapObjectT(rr), 16);
    if (r.u32('attrs') !== 0) r.fail('DENC_MALFORMED', 'deprecated attrs not empty', 'attrs');
    if (r.blob('old_logbl').length) r.fail('DENC_MALFORMED', 'obsolete log not empty', 'old_logbl');
    return { objects, validThrough: decodeEversionT(r, 'valid_through'), incrSince: decodeEversionT(r, 'incr_since') };
  });
}
