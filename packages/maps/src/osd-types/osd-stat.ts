import { Reader, Writer, hasFeature } from '@ts-ceph/denc';
import { StoreStatfsT, newStoreStatfs, decodeStoreStatfsT, encodeStoreStatfsT } from '../types/stats';
import { mapsLimits } from '../limits';

/**
 * osd_stat_t (src/osd/osd_types.h/.cc): what an OSD reports about itself in every MPGStats: its
 * store usage (store_statfs_t), heartbeat peers and ping times, snap trimming, op queue ages and
 * object store latencies. ENCODE_START(14, 2), decoded with DECODE_START_LEGACY_COMPAT_LEN(14, 2, 2);
 * the leading kb/kb_used/kb_avail and kb_used_data/omap/meta are legacy copies derived from statfs.
 */

/** osd_stat_t::Interfaces: ping times to one heartbeat peer, in microseconds (1, 5, 15 minute windows). */
export interface HbInterfaces {
  /** u32 seconds since the epoch of the last update. */
  lastUpdate: number;
  backPingtime: [number, number, number];
  backMin: [number, number, number];
  backMax: [number, number, number];
  backLast: number;
  frontPingtime: [number, number, number];
  frontMin: [number, number, number];
  frontMax: [number, number, number];
  frontLast: number;
}

/** objectstore_perf_stat_t: commit and apply latency, nanoseconds (v2; v1 carried u32 ms). */
export interface ObjectstorePerfStatT {
  commitLatencyNs: bigint;
  applyLatencyNs: bigint;
}

export interface OsdStatT {
  statfs: StoreStatfsT;
  hbPeers: number[];
  /** s32 counts. */
  snapTrimQueueLen: number;
  numSnapTrimming: number;
  /** u64 shards repaired since start. */
  numShardsRepaired: bigint;
  /** pow2_hist_t of op queue ages: h[i] counts ops aged in [2^(i-1), 2^i) ms. */
  opQueueAgeHist: number[];
  osPerfStat: ObjectstorePerfStatT;
  /** osd_alerts_t: per shard id, alert name -> detail. */
  osAlerts: [number, [string, string][]][];
  /** u32 epoch the OSD came up, and the u64 report sequence ((up_from << 32) + n). */
  upFrom: number;
  seq: bigint;
  numPgs: number;
  numOsds: number;
  numPerPoolOsds: number;
  numPerPoolOmapOsds: number;
  hbPingtime: [number, HbInterfaces][];
}

export function newOsdStat(): OsdStatT {
  return {
    statfs: newStoreStatfs(),
    hbPeers: [],
    snapTrimQueueLen: 0,
    numSnapTrimming: 0,
    numShardsRepaired: 0n,
    opQueueAgeHist: [],
    osPerfStat: { commitLatencyNs: 0n, applyLatencyNs: 0n },
    osAlerts: [],
    upFrom: 0,
    seq: 0n,
    numPgs: 0,
    numOsds: 0,
    numPerPoolOsds: 0,
    numPerPoolOmapOsds: 0,
    hbPingtime: [],
  };
}

/** store_statfs_t::get_used_raw: what the store has taken, reserved space excluded. */
export function statfsUsedRaw(s: StoreStatfsT): number {
  return s.total - s.available - s.internally_reserved;
}

export function decodePow2HistT(r: Reader, field = 'pow2_hist_t'): number[] {
  return r.envelope(field, 1, () => r.list('h', (rr) => rr.i32('count'), 4));
}

export function encodePow2HistT(w: Writer, h: readonly number[]): void {
  w.envelope(1, 1, () => w.list(h, (ww, v) => ww.i32(v)));
}

export function decodeObjectstorePerfStatT(r: Reader, field = 'objectstore_perf_stat_t'): ObjectstorePerfStatT {
  return r.envelope(field, 2, (_r, v) => {
    if (v >= 2) return { commitLatencyNs: r.u64('os_commit_latency_ns'), applyLatencyNs: r.u64('os_apply_latency_ns') };
    const ms = 1_000_000n;
    return { commitLatencyNs: BigInt(r.u32('commit_latency_ms')) * ms, applyLatencyNs: BigInt(r.u32('apply_latency_ms')) * ms };
  });
}

/**
 * v2 (nanoseconds) only for a peer with OS_PERF_STAT_NS, a feature no daemon advertises: in practice
 * Ceph sends v1, whole milliseconds.
 */
export function encodeObjectstorePerfStatT(w: Writer, s: ObjectstorePerfStatT): void {
  if (hasFeature(w.features, 'OS_PERF_STAT_NS')) {
    w.envelope(2, 2, () => w.u64(s.commitLatencyNs).u64(s.applyLatencyNs));
    return;
  }
  const ms = 1_000_000n;
  w.envelope(1, 1, () => w.u32(Number(s.commitLatencyNs / ms)).u32(Number(s.applyLatencyNs / ms)));
}

const triple = (r: Reader, field: string): [number, number, number] => [r.u32(field), r.u32(field), r.u32(field)];

function decodeInterfaces(r: Reader): HbInterfaces {
  const lastUpdate = r.u32('last_update');
  const backPingtime = triple(r, 'back_pingtime');
  const backMin = triple(r, 'back_min');
  const backMax = triple(r, 'back_max');
  const backLast = r.u32('back_last');
  const frontPingtime = triple(r, 'front_pingtime');
  const frontMin = triple(r, 'front_min');
  const frontMax = triple(r, 'front_max');
  return { lastUpdate, backPingtime, backMin, backMax, backLast, frontPingtime, frontMin, frontMax, frontLast: r.u32('front_last') };
}

function encodeInterfaces(w: Writer, i: HbInterfaces): void {
  w.u32(i.lastUpdate);
  for (const v of [...i.backPingtime, ...i.backMin, ...i.backMax, i.backLast, ...i.frontPingtime, ...i.frontMin, ...i.frontMax, i.frontLast]) w.u32(v);
}

function decodeAlerts(r: Reader): [number, [string, string][]][] {
  return r.pairs('os_alerts', (rr) => rr.i32('shard'), (rr) => rr.pairs('alerts', (r3) => r3.string('name'), (r3) => r3.string('detail'), 8), 8);
}

function osdIds(r: Reader, field: string): number[] {
  const v = r.list(field, (rr) => rr.i32('osd'), 4);
  if (v.length > mapsLimits.hbPeersPerOsdMax) r.fail('DENC_LIMIT', `${v.length} heartbeat peers over hbPeersPerOsdMax ${mapsLimits.hbPeersPerOsdMax}`, field);
  return v;
}

/** Legacy statfs (v < 9): rebuilt from the kb counters as osd_stat_t::decode does. */
function legacyStatfs(kb: number, kbUsed: number, kbAvail: number, kbData: number, kbOmap: number, kbMeta: number): StoreStatfsT {
  const s = newStoreStatfs();
  s.total = kb * 1024;
  s.available = kbAvail * 1024;
  let reserved = s.total > s.available ? s.total - s.available : 0;
  reserved = reserved > kbUsed * 1024 ? reserved - kbUsed * 1024 : 0;
  s.internally_reserved = reserved;
  s.allocated = kbData * 1024;
  s.omap_allocated = kbOmap * 1024;
  s.internal_metadata = kbMeta * 1024;
  return s;
}

export function decodeOsdStatT(r: Reader, field = 'osd_stat_t'): OsdStatT {
  return r.envelopeLegacy(field, 14, 2, 2, (_r, v) => {
    const s = newOsdStat();
    const kb = r.i64n('kb');
    const kbUsed = r.i64n('kb_used');
    const kbAvail = r.i64n('kb_avail');
    s.snapTrimQueueLen = r.i32('snap_trim_queue_len');
    s.numSnapTrimming = r.i32('num_snap_trimming');
    s.hbPeers = osdIds(r, 'hb_peers');
    osdIds(r, 'num_hb_out');
    if (v >= 3) s.opQueueAgeHist = decodePow2HistT(r, 'op_queue_age_hist');
    if (v >= 4) s.osPerfStat = decodeObjectstorePerfStatT(r, 'os_perf_stat');
    if (v >= 6) {
      s.upFrom = r.u32('up_from');
      s.seq = r.u64('seq');
    }
    if (v >= 7) s.numPgs = r.u32('num_pgs');
    let kbData = kbUsed;
    let kbOmap = 0;
    let kbMeta = 0;
    if (v >= 8) {
      kbData = r.i64n('kb_used_data');
      kbOmap = r.i64n('kb_used_omap');
      kbMeta = r.i64n('kb_used_meta');
    }
    s.statfs = v >= 9 ? decodeStoreStatfsT(r, 'statfs') : legacyStatfs(kb, kbUsed, kbAvail, kbData, kbOmap, kbMeta);
    if (v >= 10) s.osAlerts = decodeAlerts(r);
    if (v >= 11) s.numShardsRepaired = r.u64('num_shards_repaired');
    if (v >= 12) {
      s.numOsds = r.u32('num_osds');
      s.numPerPoolOsds = r.u32('num_per_pool_osds');
    }
    if (v >= 13) s.numPerPoolOmapOsds = r.u32('num_per_pool_omap_osds');
    if (v >= 14) {
      const n = r.i32('hb_pingtime');
      if (n < 0 || n > mapsLimits.hbPeersPerOsdMax) r.fail('DENC_LIMIT', `${n} ping time entries over hbPeersPerOsdMax ${mapsLimits.hbPeersPerOsdMax}`, 'hb_pingtime');
      for (let i = 0; i < n; i++) s.hbPingtime.push([r.i32('osd'), decodeInterfaces(r)]);
    }
    return s;
  });
}

export function encodeOsdStatT(w: Writer, s: OsdStatT): void {
  const kb = (n: number) => Math.floor(n / 1024);
  w.envelope(14, 2, () => {
    w.i64(kb(s.statfs.total)).i64(kb(statfsUsedRaw(s.statfs))).i64(kb(s.statfs.available));
    w.i32(s.snapTrimQueueLen).i32(s.numSnapTrimming);
    w.list(s.hbPeers, (ww, v) => ww.i32(v));
    w.u32(0);
    encodePow2HistT(w, s.opQueueAgeHist);
    encodeObjectstorePerfStatT(w, s.osPerfStat);
    w.u32(s.upFrom).u64(s.seq).u32(s.numPgs);
    w.i64(kb(s.statfs.allocated)).i64(kb(s.statfs.omap_allocated)).i64(kb(s.statfs.internal_metadata));
    encodeStoreStatfsT(w, s.statfs);
    w.pairs(s.osAlerts, (ww, k) => ww.i32(k), (ww, a) => ww.pairs(a, (w3, k) => w3.string(k), (w3, d) => w3.string(d)));
    w.u64(s.numShardsRepaired).u32(s.numOsds).u32(s.numPerPoolOsds).u32(s.numPerPoolOmapOsds);
    w.i32(s.hbPingtime.length);
    for (const [osd, i] of s.hbPingtime) {
      w.i32(osd);
      encodeInterfaces(w, i);
    }
  });
}
