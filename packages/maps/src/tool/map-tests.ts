import { formatG } from '../format/number';
import { objectLocator } from '../types/hobject';
import { PgT, formatPg } from '../types/pg';
import { clonePgPool } from '../types/pool';
import { mapsLimits } from '../limits';
import { crushOf } from '../osdmap/crush';
import { objectLocatorToPg, osdMapRawPgToPg, pgToRawOsdsPublic, pgToUpActingOsds } from '../osdmap/placement';
import { OSDMap, isIn, weightf } from '../osdmap/types';

/** osdmaptool's placement tests (--test-map-object, --test-map-pg, --test-map-pgs*), same output. */

export interface MapCommands {
  testMapPg: string;
  testMapObject: string;
  testMapPgs: boolean;
  testMapPgsDump: boolean;
  testMapPgsDumpAll: boolean;
  /** --pool, -1 = all (or pool 1 for --test-map-object). */
  pool: number;
  /** --pg_num override for --test-map-pgs, -1 = the pool's. */
  pgNum: number;
}

interface Out {
  stdout(s: string): void;
  stderr(s: string): void;
}

const vec = (v: number[]) => `[${v.join(',')}]`;

/** A double as C++ ostream prints it; the NaNs x86 produces (0.0/0.0) have the sign bit set. */
function dbl(x: number): string {
  return Number.isNaN(x) ? '-nan' : formatG(x, 6);
}

export function testMapObject(m: OSDMap, c: MapCommands, io: Out, me: string): number {
  let pool = c.pool;
  if (pool === -1) {
    io.stdout(`${me}: assuming pool 1 (use --pool to override)\n`);
    pool = 1;
  }
  if (!m.pools.has(pool)) {
    io.stderr(`There is no pool ${pool}\n`);
    return 1;
  }
  const raw = objectLocatorToPg(m, c.testMapObject, objectLocator(pool));
  const pgid = osdMapRawPgToPg(m, raw);
  const { acting } = pgToUpActingOsds(m, pgid);
  io.stdout(` object '${c.testMapObject}' -> ${formatPg(pgid)} -> ${vec(acting)}\n`);
  return 0;
}

export function testMapPg(m: OSDMap, pg: PgT, io: Out): void {
  const raw = pgToRawOsdsPublic(m, pg);
  const ua = pgToUpActingOsds(m, pg);
  io.stdout(`${formatPg(pg)} raw (${vec(raw.raw)}, p${raw.primary}) up (${vec(ua.up)}, p${ua.upPrimary}) acting (${vec(ua.acting)}, p${ua.actingPrimary})\n`);
}

export function testMapPgs(m0: OSDMap, c: MapCommands, io: Out): number {
  if (c.pool !== -1 && !m0.pools.has(c.pool)) {
    io.stderr(`There is no pool ${c.pool}\n`);
    return 1;
  }
  // --pg_num changes the pool's pg_num for this run only.
  const m: OSDMap = { ...m0, pools: new Map([...m0.pools.entries()].map(([k, p]) => [k, clonePgPool(p)])) };
  const n = m.maxOsd;
  const count = new Array<number>(n).fill(0);
  const firstCount = new Array<number>(n).fill(0);
  const primaryCount = new Array<number>(n).fill(0);
  const size = new Array<number>(30).fill(0);
  let maxSize = 0;
  // osdmaptool counts into vectors indexed by OSD id; holes (CRUSH_ITEM_NONE) fall outside them.
  const bump = (v: number[], o: number) => {
    if (o >= 0 && o < v.length) v[o]!++;
  };
  let out = '';
  for (const [id, pool] of [...m.pools.entries()].sort((a, b) => a[0] - b[0])) {
    if (c.pool !== -1 && id !== c.pool) continue;
    if (c.pgNum > 0) {
      pool.pgNum = c.pgNum;
      pool.pgNumPending = c.pgNum;
    }
    out += `pool ${id} pg_num ${pool.pgNum}\n`;
    const pgs = Math.min(pool.pgNum, mapsLimits.pgsPerPoolMax);
    for (let i = 0; i < pgs; i++) {
      const pgid: PgT = { pool: id, seed: i };
      let osds: number[];
      let primary: number;
      if (c.testMapPgsDumpAll) {
        const raw = pgToRawOsdsPublic(m, pgid);
        const ua = pgToUpActingOsds(m, pgid);
        osds = ua.acting;
        primary = ua.actingPrimary;
        out += `${formatPg(pgid)} raw (${vec(raw.raw)}, p${raw.primary}) up (${vec(ua.up)}, p${ua.upPrimary}) acting (${vec(ua.acting)}, p${ua.actingPrimary})\n`;
      } else {
        const ua = pgToUpActingOsds(m, pgid);
        osds = ua.acting;
        primary = ua.actingPrimary;
        if (c.testMapPgsDump) out += `${formatPg(pgid)}\t${vec(osds)}\t${primary}\n`;
      }
      if (osds.length < size.length) size[osds.length]!++;
      maxSize = Math.max(maxSize, osds.length);
      for (const o of osds) bump(count, o);
      if (osds.length) bump(firstCount, osds[0]!);
      if (primary >= 0) bump(primaryCount, primary);
    }
    if (out.length > 1 << 20) {
      io.stdout(out);
      out = '';
    }
  }
  const cw = crushOf(m);
  let total = 0;
  let inn = 0;
  let minOsd = -1;
  let maxOsd = -1;
  out += '#osd\tcount\tfirst\tprimary\tc wt\twt\n';
  const counted: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!isIn(m, i) || cw.getItemWeight(i) <= 0) continue;
    counted.push(i);
    inn++;
    const cwt = Math.fround(Math.fround(cw.getItemWeight(i)) / Math.fround(0x10000));
    out += `osd.${i}\t${count[i]}\t${firstCount[i]}\t${primaryCount[i]}\t${formatG(cwt)}\t${formatG(weightf(m, i))}\n`;
    total += count[i]!;
    if (count[i] && (minOsd < 0 || count[i]! < count[minOsd]!)) minOsd = i;
    if (count[i] && (maxOsd < 0 || count[i]! > count[maxOsd]!)) maxOsd = i;
  }
  // avg is a uint64_t (integer division); the deviations are squared in integers, summed in doubles.
  const avg = inn ? Math.floor(total / inn) : 0;
  let dev = 0;
  for (const i of counted) dev += (avg - count[i]!) * (avg - count[i]!);
  dev /= inn;
  dev = Math.sqrt(dev);
  const edev = Math.sqrt((total / inn) * (1.0 - 1.0 / inn));
  out += ` in ${inn}\n`;
  out += ` avg ${avg} stddev ${dbl(dev)} (${dbl(dev / avg)}x) (expected ${dbl(edev)} ${dbl(edev / avg)}x))\n`;
  if (minOsd >= 0) out += ` min osd.${minOsd} ${count[minOsd]}\n`;
  if (maxOsd >= 0) out += ` max osd.${maxOsd} ${count[maxOsd]}\n`;
  for (let i = 0; i <= maxSize; i++) if (size[i]) out += `size ${i}\t${size[i]}\n`;
  io.stdout(out);
  return 0;
}


