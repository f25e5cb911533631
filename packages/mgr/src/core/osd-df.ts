/**
 * `osd df [plain|tree]` (src/mgr/DaemonServer.cc + src/mon/PGMap.cc print_osd_utilization): each
 * OSD's size and usage from its osd_stat_t statfs, its CRUSH weight and reweight, and its PG count.
 */
import { exists, isUp, crushOf, weightf, TextTable, byteU, percentify, statfsUsedRaw, StoreStatfsT, newStoreStatfs } from '@ts-ceph/maps';
import { getItemClass } from '@ts-ceph/crush';
import { MgrCommandHandler, MgrView, formatterFor, ok } from './command';

interface OsdRow {
  id: number;
  cls: string;
  weight: number;
  reweight: number;
  statfs: StoreStatfsT;
  pgs: number;
  up: boolean;
}

const pct = (used: number, total: number) => (total ? (used / total) * 100 : 0);

/**
 * OSDUtilizationDumper's min_var, max_var (-1 until an OSD with a size and a reweight counts) and
 * dev(): the reweight-weighted standard deviation of the utilizations.
 */
function varSpread(rows: OsdRow[], avgUtil: number): { min: number; max: number; dev: number } {
  let min = -1;
  let max = -1;
  let sq = 0;
  let sum = 0;
  for (const r of rows) {
    if (!r.statfs.total || r.reweight <= 0) continue;
    const util = pct(statfsUsedRaw(r.statfs), r.statfs.total);
    const v = avgUtil ? util / avgUtil : 0;
    if (min < 0 || v < min) min = v;
    if (v > max) max = v;
    sq += r.reweight * (util - avgUtil) ** 2;
    sum += r.reweight;
  }
  return { min, max, dev: sum > 0 ? Math.sqrt(sq / sum) : 0 };
}

export function osdDfCommand(v: MgrView): MgrCommandHandler {
  return (req) => {
    const m = v.osdmap();
    const cw = crushOf(m);
    const pgs = v.pgmap.pgsPerOsd(m);
    const rows: OsdRow[] = [...Array(m.maxOsd).keys()]
      .filter((i) => exists(m, i))
      .map((id) => ({ id, cls: getItemClass(cw, id) ?? '', weight: (cw.getItemWeight(id) >>> 0) / 0x10000, reweight: weightf(m, id), statfs: v.pgmap.osdStat.get(id)?.statfs ?? newStoreStatfs(), pgs: pgs.get(id) ?? 0, up: isUp(m, id) }));
    const total = rows.reduce((a, r) => a + r.statfs.total, 0);
    const used = rows.reduce((a, r) => a + statfsUsedRaw(r.statfs), 0);
    const avgUtil = pct(used, total);
    const varOf = (r: OsdRow) => (avgUtil ? pct(statfsUsedRaw(r.statfs), r.statfs.total) / avgUtil : 0);
    const spread = varSpread(rows, avgUtil);
    const f = formatterFor(req);
    if (f) {
      f.openObject('df');
      f.openArray('nodes');
      for (const r of rows) {
        const u = statfsUsedRaw(r.statfs);
        f.openObject('osd');
        f.dumpInt('id', r.id);
        f.dumpString('device_class', r.cls);
        f.dumpString('name', `osd.${r.id}`);
        f.dumpInt('type_id', 0);
        f.dumpFloat('crush_weight', r.weight);
        f.dumpInt('depth', 0);
        f.dumpFloat('reweight', r.reweight);
        f.dumpInt('kb', Math.floor(r.statfs.total / 1024));
        f.dumpInt('kb_used', Math.floor(u / 1024));
        f.dumpInt('kb_used_data', Math.floor(r.statfs.allocated / 1024));
        f.dumpInt('kb_used_omap', Math.floor(r.statfs.omap_allocated / 1024));
        f.dumpInt('kb_used_meta', Math.floor(r.statfs.internal_metadata / 1024));
        f.dumpInt('kb_avail', Math.floor(r.statfs.available / 1024));
        f.dumpFloat('utilization', pct(u, r.statfs.total));
        f.dumpFloat('var', varOf(r));
        f.dumpUnsigned('pgs', r.pgs);
        f.dumpString('status', r.up ? 'up' : 'down');
        f.close();
      }
      f.close();
      f.openArray('stray');
      f.close();
      const sum = { data: 0, omap: 0, meta: 0, avail: 0 };
      for (const r of rows) {
        sum.data += r.statfs.allocated;
        sum.omap += r.statfs.omap_allocated;
        sum.meta += r.statfs.internal_metadata;
        sum.avail += r.statfs.available;
      }
      const kb = (n: number) => Math.floor(n / 1024);
      f.openObject('summary');
      f.dumpInt('total_kb', kb(total));
      f.dumpInt('total_kb_used', kb(used));
      f.dumpInt('total_kb_used_data', kb(sum.data));
      f.dumpInt('total_kb_used_omap', kb(sum.omap));
      f.dumpInt('total_kb_used_meta', kb(sum.meta));
      f.dumpInt('total_kb_avail', kb(sum.avail));
      f.dumpFloat('average_utilization', avgUtil);
      f.dumpFloat('min_var', spread.min);
      f.dumpFloat('max_var', spread.max);
      f.dumpFloat('dev', spread.dev);
      f.close();
      f.close();
      return ok(f.toString() + '\n');
    }
    const t = new TextTable();
    t.defineColumn('ID', 'left', 'right').defineColumn('CLASS', 'left', 'right').defineColumn('WEIGHT', 'left', 'right').defineColumn('REWEIGHT', 'left', 'right');
    for (const h of ['SIZE', 'RAW USE', 'DATA', 'OMAP', 'META', 'AVAIL', '%USE', 'VAR', 'PGS', 'STATUS']) t.defineColumn(h, 'left', 'right');
    let avail = 0;
    let data = 0;
    let omap = 0;
    let meta = 0;
    for (const r of rows) {
      const u = statfsUsedRaw(r.statfs);
      avail += r.statfs.available;
      data += r.statfs.allocated;
      omap += r.statfs.omap_allocated;
      meta += r.statfs.internal_metadata;
      t.row(r.id, r.cls, r.weight.toFixed(5), r.reweight.toFixed(5), byteU(r.statfs.total), byteU(u), byteU(r.statfs.allocated), byteU(r.statfs.omap_allocated), byteU(r.statfs.internal_metadata), byteU(r.statfs.available), percentify(pct(u, r.statfs.total)), percentify(varOf(r)), r.pgs, r.up ? 'up' : 'down');
    }
    t.row('', '', '', 'TOTAL', byteU(total), byteU(used), byteU(data), byteU(omap), byteU(meta), byteU(avail), percentify(avgUtil), '', '', '');
    // The stream turns to fixed two decimals only when there are variances to print.
    const minmax = spread.min < 0 ? '-/-' : `${spread.min.toFixed(2)}/${spread.max.toFixed(2)}`;
    const dev = spread.min < 0 ? String(spread.dev) : spread.dev.toFixed(2);
    return ok(`${t.toString()}MIN/MAX VAR: ${minmax}  STDDEV: ${dev}\n`);
  };
}
