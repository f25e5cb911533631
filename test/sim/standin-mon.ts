import { OSDMap, OsdState, PgT, buildSimple, cephStableMod, mapToPg, pgToUpActingOsds } from '@ts-ceph/maps';
import { peering } from '@ts-ceph/osd';
import { MapSource, POOL } from './sim-mon';

/**
 * The transcripts' monitor (transcript.ts): one OSDMap (real CRUSH placement through
 * @ts-ceph/maps, every OSD in one host) edited directly, whose every epoch it remembers as the
 * PGs' mappings. The scenario files were written against its placement and epochs (`crash 0`
 * means the primary), so they keep it; the seeded simulation runs ts-mon itself (sim-mon.ts).
 */
export class StandInMon implements MapSource {
  readonly createdEpoch = 1;
  readonly map: OSDMap;
  /** mappings[epoch][seed] */
  readonly mappings: peering.PgMapping[][] = [];
  readonly pgNum: number;

  constructor(
    readonly numOsd: number,
    size: number,
    minSize: number,
    pgNum: number,
    /** Publish up_thru in the mappings (the primaries then wait for it, as Ceph's WaitUpThru). */
    readonly upThru = true,
  ) {
    this.map = buildSimple({ numOsd, now: { sec: 0, nsec: 0 }, defaultPool: true, pgBits: 0, pgpBits: 0, conf: { osdCrushChooseleafType: 0 } });
    for (let i = 0; i < numOsd; i++) {
      this.map.osdState[i] = OsdState.EXISTS | OsdState.UP;
      this.map.osdWeight[i] = 0x10000;
    }
    const p = this.map.pools.get(POOL)!;
    p.size = size;
    p.minSize = minSize;
    p.pgNum = p.pgpNum = p.pgNumPending = p.pgNumTarget = p.pgpNumTarget = pgNum;
    this.pgNum = pgNum;
    this.map.epoch = 1;
    this.mappings[0] = [];
    this.record();
  }

  get epoch(): number {
    return this.map.epoch;
  }

  upAs(epoch: number, osd: number): boolean {
    return this.mappings[epoch]?.[0]?.upOsds.has(osd) ?? false;
  }

  isUp(osd: number): boolean {
    return (this.map.osdState[osd]! & OsdState.UP) !== 0;
  }

  /** A new epoch with `osd` up or down (OSDMonitor's MOSDBoot / failure handling). */
  setUp(osd: number, up: boolean): number {
    const s = this.map.osdState[osd]!;
    this.map.osdState[osd] = up ? s | OsdState.UP : s & ~OsdState.UP;
    this.map.epoch++;
    this.record();
    return this.map.epoch;
  }

  /** OSDMonitor::prepare_alive: a new epoch recording `osd`'s up_thru, unless it already reaches `want`. */
  alive(osd: number, want: number): boolean {
    const i = this.map.osdInfo[osd]!;
    if (!this.isUp(osd) || i.upThru >= want) return false;
    this.map.epoch++;
    i.upThru = this.map.epoch;
    this.record();
    return true;
  }

  private record(): void {
    const pool = this.map.pools.get(POOL)!;
    const upOsds = new Set<number>();
    for (let i = 0; i < this.numOsd; i++) if (this.isUp(i)) upOsds.add(i);
    const upThru = new Map(this.map.osdInfo.map((i, osd) => [osd, i.upThru]));
    const row: peering.PgMapping[] = [];
    for (let seed = 0; seed < this.pgNum; seed++) {
      const ua = pgToUpActingOsds(this.map, { pool: POOL, seed });
      row.push({ epoch: this.map.epoch, up: ua.up, upPrimary: ua.upPrimary, acting: ua.acting, primary: ua.actingPrimary, size: pool.size, minSize: pool.minSize, upOsds, ...(this.upThru ? { upThru } : {}) });
    }
    this.mappings[this.map.epoch] = row;
  }

  /** The PG and placement hash of an object name (Objecter::_calc_target). */
  locate(name: string): { pg: PgT; hash: number } {
    const raw = mapToPg(this.map, POOL, name);
    const mask = (1 << Math.ceil(Math.log2(this.pgNum))) - 1;
    return { pg: { pool: POOL, seed: cephStableMod(raw.seed, this.pgNum, mask) }, hash: raw.seed };
  }
}
