/**
 * The mgr's cluster-statistics commands, answered by the monitor itself (src/mon/PGMap.cc
 * process_pg_map_command, src/mgr/DaemonServer.cc): pg stat, pg dump, pg ls, osd pool stats, osd df.
 */
import { exists, isUp, crushOf, weightf, TextTable } from '@ts-ceph/maps';
import { CommandHandler, fail, formatterFor, ok, reply } from '../commands/types';
import { getStr } from '../commands/cmdmap';
import { byteU } from '../units';
import { getItemClass } from '@ts-ceph/crush';
import { ClusterView } from '../mon/cluster-view';

export function pgCommands(v: ClusterView): Record<string, CommandHandler> {
  const summary = () => v.pgstats.summary(v.osd.osdmap);
  return {
    'pg stat': (req) => {
      const s = summary();
      const byName = [...s.byState].sort((a, b) => (a[0] < b[0] ? -1 : 1));
      const f = formatterFor(req);
      if (f) {
        f.openObject('pg_summary');
        f.openArray('num_pg_by_state');
        for (const [name, n] of byName) {
          f.openObject('state');
          f.dumpString('name', name);
          f.dumpUnsigned('num', n);
          f.close();
        }
        f.close();
        f.dumpUnsigned('num_pgs', s.numPg);
        f.dumpUnsigned('num_bytes', s.dataBytes);
        f.dumpInt('total_bytes', s.bytesTotal);
        f.dumpInt('total_avail_bytes', s.bytesAvail);
        f.dumpInt('total_used_bytes', s.bytesUsed);
        f.dumpInt('total_used_raw_bytes', s.bytesUsed);
        f.close();
        return ok(f.toString());
      }
      const states = byName.map(([name, n]) => `${n} ${name}`).join(', ');
      return ok(`${s.numPg} pgs: ${states}; ${byteU(s.dataBytes)} data, ${byteU(s.bytesUsed)} used, ${byteU(s.bytesAvail)} / ${byteU(s.bytesTotal)} avail\n`);
    },
    'pg dump': (req) => {
      const m = v.osd.osdmap;
      const f = formatterFor(req);
      const pgs: [string, number][] = [];
      for (const [id, p] of m.pools) for (let s = 0; s < p.pgNum; s++) pgs.push([`${id}.${s.toString(16)}`, id]);
      if (f) {
        f.openObject('pg_map');
        f.dumpInt('version', 0);
        f.openArray('pg_stats');
        for (const [pgid] of pgs) {
          f.openObject('pg_stat');
          f.dumpString('pgid', pgid);
          f.dumpString('state', 'unknown');
          f.close();
        }
        f.close();
        f.close();
        return reply(0, 'dumped all', f.toString());
      }
      const t = new TextTable();
      for (const h of ['PG_STAT', 'STATE', 'UP', 'ACTING']) t.defineColumn(h, 'left', 'left');
      for (const [pgid] of pgs) t.row(pgid, 'unknown', '[]p-1', '[]p-1');
      return reply(0, 'dumped all', t.toString());
    },
    'osd pool stats': (req) => {
      const m = v.osd.osdmap;
      const name = getStr(req.cmdmap, 'pool_name', '');
      let ids = [...m.pools.keys()];
      if (name) {
        const id = v.osd.lookupPool(name);
        if (id < 0) return fail('ENOENT', `unrecognized pool '${name}'`);
        ids = [id];
      }
      const f = formatterFor(req);
      if (f) {
        f.openArray('pool_stats');
        for (const id of ids) {
          f.openObject('pool');
          f.dumpString('pool_name', m.poolName.get(id) ?? '');
          f.dumpInt('pool_id', id);
          for (const s of ['recovery', 'recovery_rate', 'client_io_rate']) {
            f.openObject(s);
            f.close();
          }
          f.close();
        }
        f.close();
        return ok(f.toString());
      }
      if (!m.pools.size) return reply(0, 'there are no pools!');
      return ok(ids.map((id) => `pool ${m.poolName.get(id)} id ${id}\n  nothing is going on\n\n`).join(''));
    },
    'osd df': (req) => {
      const m = v.osd.osdmap;
      const cw = crushOf(m);
      const f = formatterFor(req);
      const ids = [...Array(m.maxOsd).keys()].filter((i) => exists(m, i));
      if (f) {
        f.openObject('df');
        f.openArray('nodes');
        for (const i of ids) {
          const st = v.pgstats.osdStatfs.get(i);
          f.openObject('osd');
          f.dumpInt('id', i);
          f.dumpString('device_class', getItemClass(cw, i) ?? '');
          f.dumpString('name', `osd.${i}`);
          f.dumpInt('type_id', 0);
          f.dumpFloat('crush_weight', (cw.getItemWeight(i) >>> 0) / 0x10000);
          f.dumpInt('depth', 0);
          f.dumpFloat('reweight', weightf(m, i));
          f.dumpInt('kb', Math.floor((st?.total ?? 0) / 1024));
          f.dumpInt('kb_used', Math.floor((st?.used ?? 0) / 1024));
          f.dumpInt('kb_avail', Math.floor((st?.available ?? 0) / 1024));
          f.dumpFloat('utilization', st && st.total ? (st.used / st.total) * 100 : 0);
          f.dumpFloat('var', 0);
          f.dumpUnsigned('pgs', 0);
          f.dumpString('status', isUp(m, i) ? 'up' : 'down');
          f.close();
        }
        f.close();
        f.openArray('stray');
        f.close();
        f.close();
        return ok(f.toString());
      }
      const t = new TextTable();
      t.defineColumn('ID', 'left', 'right').defineColumn('CLASS', 'left', 'right').defineColumn('WEIGHT', 'left', 'right').defineColumn('REWEIGHT', 'left', 'right');
      for (const h of ['SIZE', 'RAW USE', 'DATA', 'OMAP', 'META', 'AVAIL', '%USE', 'VAR', 'PGS', 'STATUS']) t.defineColumn(h, 'left', 'right');
      let total = 0;
      let used = 0;
      let avail = 0;
      for (const i of ids) {
        const st = v.pgstats.osdStatfs.get(i);
        total += st?.total ?? 0;
        used += st?.used ?? 0;
        avail += st?.available ?? 0;
        const w = (cw.getItemWeight(i) >>> 0) / 0x10000;
        t.row(i, getItemClass(cw, i) ?? '', w.toFixed(5), weightf(m, i).toFixed(5), byteU(st?.total ?? 0), byteU(st?.used ?? 0), byteU(0), byteU(0), byteU(0), byteU(st?.available ?? 0), st && st.total ? ((st.used / st.total) * 100).toFixed(2) : '0', '0', 0, isUp(m, i) ? 'up' : 'down');
      }
      t.row('', '', '', 'TOTAL', byteU(total), byteU(used), byteU(0), byteU(0), byteU(0), byteU(avail), total ? ((used / total) * 100).toFixed(2) : '0', '', '', '');
      return ok(`${t.toString()}MIN/MAX VAR: -/-  STDDEV: 0\n`);
    },
  };
}
