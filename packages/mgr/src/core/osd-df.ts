/**
 * `osd df [plain|tree]` (src/mgr/DaemonServer.cc + src/mon/PGMap.cc print_osd_utilization): each
 * OSD's size and usage from its osd_stat_t statfs, its CRUSH weight and reweight, and its PG count.
 */
import { exists, isUp, crushOf, weightf, TextTable, byteU, statfsUsedRaw, StoreStatfsT, newStoreStatfs } from '@ts-ceph/maps';
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
      f.openObject('summary');
      f.dumpInt('total_kb', Math.floor(total / 1024));
      f.dumpInt('total_kb_used', Math.floor(used / 1024));
      f.dumpInt('total_kb_avail', Math.floor(rows.reduce((a, r) => a + r.statfs.available, 0) / 1024));
      f.dumpFloat('average_utilization', avgUtil);
      f.close();
      f.close();
      return ok(f.toString());
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
      t.row(r.id, r.cls, r.weight.toFixed(5), r.reweight.toFixed(5), byteU(r.statfs.total), byteU(u), byteU(r.statfs.allocated), byteU(r.statfs.omap_allocated), byteU(r.statfs.internal_metadata), byteU(r.statfs.available), pct(u, r.statfs.total).toFixed(2), varOf(r).toFixed(2), r.pgs, r.up ? 'up' : 'down');
    }
    t.row('', '', '', 'TOTAL', byteU(total), byteU(used), byteU(data), byteU(omap), byteU(meta), byteU(avail), avgUtil.toFixed(2), '', '', '');
    const sized = rows.filter((r) => r.statfs.total);
    const vars = sized.map(varOf);
    const minmax = vars.length ? `${Math.min(...vars).toFixed(2)}/${Math.max(...vars).toFixed(2)}` : '-/-';
    const utils = sized.map((r) => pct(statfsUsedRaw(r.statfs), r.statfs.total));
    const dev = utils.length ? Math.sqrt(utils.reduce((a, u) => a + (u - avgUtil) ** 2, 0) / utils.length) : 0;
    return ok(`${t.toString()}MIN/MAX VAR: ${minmax}  STDDEV: ${dev.toFixed(2)}\n`);
  };
}
