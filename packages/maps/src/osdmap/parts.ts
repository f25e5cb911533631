import {
  EntityAddr,
  EntityAddrvec,
  Reader,
  UTime,
  Writer,
  decodeEntityAddr,
  decodeEntityAddrvec,
  decodeUTime,
  encodeEntityAddr,
  encodeEntityAddrvec,
  encodeUTime,
  hasFeature,
} from '@ts-ceph/denc';
import { compareAddr } from '../format/addr';
import { cmpStr } from '../format/text';
import { mapsLimits } from '../limits';
import { legacyAddr } from '../monmap/monmap';
import { IntervalSet, decodeIntervalSet, encodeIntervalSet } from '../types/interval-set';
import { PgT, decodePgT, encodePgT } from '../types/pg';
import { PgMap } from '../types/pg-map';
import { OsdInfoT, OsdXinfoT, newOsdXinfo } from './types';

/** Codecs shared by the full OSDMap and its Incremental (src/osd/OSDMap.{h,cc}). */

/** osd_info_t: u8 struct_v = 1, then six le32 epochs. */
export function decodeOsdInfoT(r: Reader, field = 'osd_info_t'): OsdInfoT {
  return r.within(field, () => {
    r.u8('struct_v');
    return { lastCleanBegin: r.u32('last_clean_begin'), lastCleanEnd: r.u32('last_clean_end'), upFrom: r.u32('up_from'), upThru: r.u32('up_thru'), downAt: r.u32('down_at'), lostAt: r.u32('lost_at') };
  });
}

export function encodeOsdInfoT(w: Writer, i: OsdInfoT): void {
  w.u8(1).u32(i.lastCleanBegin).u32(i.lastCleanEnd).u32(i.upFrom).u32(i.upThru).u32(i.downAt).u32(i.lostAt);
}

/** osd_xinfo_t: ENCODE_START(4 (3 before octopus), 1). */
export function decodeOsdXinfoT(r: Reader, field = 'osd_xinfo_t'): OsdXinfoT {
  return r.envelope(field, 4, (_r, v) => {
    const x = newOsdXinfo();
    x.downStamp = decodeUTime(r, 'down_stamp');
    x.laggyProbabilityRaw = r.u32('laggy_probability');
    x.laggyInterval = r.u32('laggy_interval');
    if (v >= 2) x.features = r.u64('features');
    if (v >= 3) x.oldWeight = r.u32('old_weight');
    if (v >= 4) {
      x.lastPurgedSnapsScrub = decodeUTime(r, 'last_purged_snaps_scrub');
      x.deadEpoch = r.u32('dead_epoch');
    }
    return x;
  });
}

export function encodeOsdXinfoT(w: Writer, x: OsdXinfoT): void {
  const v = hasFeature(w.features, 'SERVER_OCTOPUS') ? 4 : 3;
  w.envelope(v, 1, () => {
    encodeUTime(w, x.downStamp);
    w.u32(x.laggyProbabilityRaw).u32(x.laggyInterval).u64(x.features).u32(x.oldWeight);
    if (v >= 4) {
      encodeUTime(w, x.lastPurgedSnapsScrub);
      w.u32(x.deadEpoch);
    }
  });
}

/** A vector<int32> of OSD ids (pg_temp, pg_upmap), bounded. */
export function decodeOsdVector(r: Reader, field: string): number[] {
  const v = r.list(field, (rr) => rr.i32('osd'), 4);
  if (v.length > mapsLimits.osdsPerPgMappingMax) r.fail('DENC_LIMIT', `${v.length} osds over limit ${mapsLimits.osdsPerPgMappingMax}`, field);
  return v;
}

export function encodeOsdVector(w: Writer, v: number[]): void {
  w.list(v, (ww, x) => ww.i32(x));
}

export function decodePgMap<V>(r: Reader, field: string, value: (r: Reader) => V): PgMap<V> {
  return new PgMap(r.pairs(field, (rr) => decodePgT(rr, 'pg'), (rr) => value(rr), 17));
}

export function encodePgMap<V>(w: Writer, m: PgMap<V>, value: (w: Writer, v: V) => void): void {
  w.pairs(m.entries(), (ww, k) => encodePgT(ww, k), (ww, v) => value(ww, v));
}

export function decodeUpmapItems(r: Reader): [number, number][] {
  const v = r.list('items', (rr) => [rr.i32('from'), rr.i32('to')] as [number, number], 8);
  if (v.length > mapsLimits.osdsPerPgMappingMax) r.fail('DENC_LIMIT', `${v.length} upmap items over limit ${mapsLimits.osdsPerPgMappingMax}`);
  return v;
}

export function encodeUpmapItems(w: Writer, v: [number, number][]): void {
  w.list(v, (ww, [a, b]) => ww.i32(a).i32(b));
}

export function decodePgSet(r: Reader, field: string): PgT[] {
  return r.list(field, (rr) => decodePgT(rr, 'pg'), 17);
}

/** map<int32, T> with numeric keys, sorted ascending. */
export function decodeIntMap<V>(r: Reader, field: string, value: (r: Reader) => V, minBytes = 5): Map<number, V> {
  return new Map(r.pairs(field, (rr) => rr.i32('key'), (rr) => value(rr), minBytes));
}

export function encodeIntMap<V>(w: Writer, m: Map<number, V>, value: (w: Writer, v: V) => void): void {
  w.pairs([...m.entries()].sort((a, b) => a[0] - b[0]), (ww, k) => ww.i32(k), (ww, v) => value(ww, v));
}

/** map<int64, T> with numeric keys (pools), sorted ascending. */
export function decodePoolKeyed<V>(r: Reader, field: string, value: (r: Reader) => V, minBytes = 9): Map<number, V> {
  const n = r.count(field, minBytes);
  if (n > mapsLimits.poolsPerMapMax) r.fail('DENC_LIMIT', `${n} pools over limit ${mapsLimits.poolsPerMapMax}`, field);
  const out = new Map<number, V>();
  r.within(field, () => {
    for (let i = 0; i < n; i++) {
      const k = r.i64n('pool');
      out.set(k, value(r));
    }
  });
  return out;
}

export function encodePoolKeyed<V>(w: Writer, m: Map<number, V>, value: (w: Writer, v: V) => void): void {
  w.pairs([...m.entries()].sort((a, b) => a[0] - b[0]), (ww, k) => ww.i64(k), (ww, v) => value(ww, v));
}

export function decodeSnapsByPool(r: Reader, field: string): Map<number, IntervalSet> {
  return decodePoolKeyed(r, field, (rr) => decodeIntervalSet(rr, 'snaps'), 12);
}

export function encodeSnapsByPool(w: Writer, m: Map<number, IntervalSet>): void {
  encodePoolKeyed(w, m, encodeIntervalSet);
}

/** map<string, map<string,string>> (erasure-code profiles). */
export function decodeProfiles(r: Reader, field: string): Map<string, Map<string, string>> {
  return new Map(r.pairs(field, (rr) => rr.string('name'), (rr) => new Map(rr.pairs('profile', (r3) => r3.string('key'), (r3) => r3.string('value'), 8)), 8));
}

export function encodeProfiles(w: Writer, m: Map<string, Map<string, string>>): void {
  const outer = [...m.entries()].sort((a, b) => cmpStr(a[0], b[0]));
  w.pairs(
    outer,
    (ww, k) => ww.string(k),
    (ww, inner) => ww.pairs([...inner.entries()].sort((a, b) => cmpStr(a[0], b[0])), (w3, k) => w3.string(k), (w3, v) => w3.string(v)),
  );
}

/** map<entity_addr_t, utime_t> (blocklists), encoded in entity_addr_t (memcmp) order. */
export function decodeAddrTimeMap(r: Reader, field: string): [EntityAddr, UTime][] {
  return r.pairs(field, (rr) => decodeEntityAddr(rr, 'addr'), (rr) => decodeUTime(rr, 'expires'), 9);
}

export function encodeAddrTimeMap(w: Writer, m: [EntityAddr, UTime][]): void {
  w.pairs([...m].sort((a, b) => compareAddr(a[0], b[0])), (ww, a) => encodeEntityAddr(ww, a), (ww, t) => encodeUTime(ww, t));
}

export function decodeAddrList(r: Reader, field: string): EntityAddr[] {
  return r.list(field, (rr) => decodeEntityAddr(rr, 'addr'), 9);
}

export function encodeAddrList(w: Writer, v: EntityAddr[]): void {
  w.list(v, (ww, a) => encodeEntityAddr(ww, a));
}

/** vector<shared_ptr<entity_addrvec_t>>: full addrvecs, or (older peers) each one's legacy address. */
export function decodeAddrvecVector(r: Reader, field: string): EntityAddrvec[] {
  const n = r.count(field, 1);
  if (n > mapsLimits.osdsPerMapMax) r.fail('DENC_LIMIT', `${n} osds over limit ${mapsLimits.osdsPerMapMax}`, field);
  const out: EntityAddrvec[] = [];
  r.within(field, () => {
    for (let i = 0; i < n; i++) out.push(decodeEntityAddrvec(r, `[${i}]`));
  });
  return out;
}

export function encodeAddrvecVector(w: Writer, v: EntityAddrvec[], asLegacy: boolean): void {
  w.list(v, (ww, a) => (asLegacy ? encodeEntityAddr(ww, legacyAddr(a)) : encodeEntityAddrvec(ww, a)));
}

/** map<int32, entity_addrvec_t> (Incremental new_up_*), full or as legacy addresses. */
export function decodeAddrvecMap(r: Reader, field: string): Map<number, EntityAddrvec> {
  return decodeIntMap(r, field, (rr) => decodeEntityAddrvec(rr, 'addrs'), 6);
}

export function encodeAddrvecMap(w: Writer, m: Map<number, EntityAddrvec>, asLegacy: boolean): void {
  encodeIntMap(w, m, (ww, a) => (asLegacy ? encodeEntityAddr(ww, legacyAddr(a)) : encodeEntityAddrvec(ww, a)));
}

/** A bounded per-OSD vector. */
export function decodeOsdIndexed<T>(r: Reader, field: string, item: (r: Reader) => T, minBytes: number): T[] {
  const n = r.count(field, minBytes);
  if (n > mapsLimits.osdsPerMapMax) r.fail('DENC_LIMIT', `${n} osds over limit ${mapsLimits.osdsPerMapMax}`, field);
  const out: T[] = [];
  r.within(field, () => {
    for (let i = 0; i < n; i++) out.push(item(r));
  });
  return out;
}
