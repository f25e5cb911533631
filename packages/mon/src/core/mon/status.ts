/**
 * `ceph status`, `ceph health [detail]` and `ceph df` (Monitor::get_cluster_status,
 * HealthMonitor::get_health_status, PGMapDigest::print_summary / dump_cluster_stats /
 * dump_pool_stats_full), in Ceph's plain layout and JSON keys.
 */

import { CommandHandler, formatterFor, ok } from '../commands/types';
import { getStr } from '../commands/cmdmap';
import { timespanStr } from '../timespan';
import { byteU, percentify, siU } from '../units';
import { osdSummaryJSON, osdSummaryText } from '../osd/osd-query-commands';
import { ClusterView } from './cluster-view';
import { osdCounts, JsonFormatter, TextTable } from '@ts-ceph/maps';
import { clientIoText, dumpClientIo, dumpServiceMap, recoverySummary, serviceSummary } from '@ts-ceph/mgr/core';

/** ServiceMap::is_normal_ceph_entity: services `ceph -s` does not list again. */
const NORMAL_ENTITIES = new Set(['osd', 'mon', 'client', 'mds', 'mgr']);

function pgSummaryText(v: ClusterView): string {
  const s = v.pgstats.summary(v.osd.osdmap);
  let out = `    pools:   ${s.numPools} pools, ${s.numPg} pgs\n`;
  out += `    objects: ${siU(s.numObjects)} objects, ${byteU(s.dataBytes)}\n`;
  out += `    usage:   ${byteU(s.bytesUsed)} used, ${byteU(s.bytesAvail)} / ${byteU(s.bytesTotal)} avail\n`;
  out += '    pgs:     ';
  let pad = false;
  if (s.numUnknown > 0) {
    out += `${((Math.fround(s.numUnknown / s.numPg) as number) * 100).toFixed(3)}% pgs unknown\n`;
    pad = true;
  }
  const inactive = s.numPg - s.numActive - s.numUnknown;
  if (inactive > 0) {
    if (pad) out += '             ';
    out += `${(Math.fround(inactive / s.numPg) * 100).toFixed(3)}% pgs not active\n`;
    pad = true;
  }
  for (const r of recoverySummary(s)) {
    if (pad) out += '             ';
    out += `${r.text}\n`;
    pad = true;
  }
  const width = Math.max(1, ...s.byState.map(([, c]) => String(c).length));
  for (const [name, count] of s.byState) {
    if (pad) out += '             ';
    pad = true;
    out += `${String(count).padEnd(width)} ${name}\n`;
  }
  return out;
}

function dumpPgSummary(f: JsonFormatter, v: ClusterView): void {
  const s = v.pgstats.summary(v.osd.osdmap);
  f.openArray('pgs_by_state');
  for (const [name, count] of s.byState) {
    f.openObject('pgs_by_state_element');
    f.dumpString('state_name', name);
    f.dumpUnsigned('count', count);
    f.close();
  }
  f.close();
  f.dumpUnsigned('num_pgs', s.numPg);
  f.dumpUnsigned('num_pools', s.numPools);
  f.dumpUnsigned('num_objects', s.numObjects);
  f.dumpUnsigned('data_bytes', s.dataBytes);
  f.dumpUnsigned('bytes_used', s.bytesUsed);
  f.dumpUnsigned('bytes_avail', s.bytesAvail);
  f.dumpUnsigned('bytes_total', s.bytesTotal);
  if (s.numUnknown > 0) f.dumpFloat('unknown_pgs_ratio', Math.fround(s.numUnknown / s.numPg));
  const inactive = s.numPg - s.numActive - s.numUnknown;
  if (inactive > 0) f.dumpFloat('inactive_pgs_ratio', Math.fround(inactive / s.numPg));
  for (const r of recoverySummary(s)) {
    f.dumpUnsigned(`${r.key}_objects`, r.n);
    f.dumpUnsigned(`${r.key}_total`, r.total);
    f.dumpFloat(`${r.key}_ratio`, r.n / r.total);
  }
  dumpClientIo(f, v.pgstats.sumDelta.clientIo());
}

/** MgrMap::print_summary. */
function mgrSummary(v: ClusterView, now: number): string {
  const m = v.mgr.mgrmap;
  if (!m.activeName && !m.standbys.size) return 'no daemons active';
  let out = m.activeName ? `${m.activeName}(active${m.available ? '' : ', starting'}, since ${timespanStr(now - (m.activeChange.sec * 1000 + m.activeChange.nsec / 1e6))})` : 'no daemons active';
  if (m.standbys.size) out += `, standbys: ${[...m.standbys.values()].map((s) => s.name).join(', ')}`;
  return out;
}

export function statusText(v: ClusterView, now: number): string {
  const mm = v.monmap.monmap;
  // 16.2.15 ends every section with one newline and separates sections with " \n".
  const sections: string[] = [];
  sections.push(`  cluster:\n    id:     ${mm.fsid}\n    health: ${v.health.plain(false, now, '\n            ', '\n            ').replace(/\n$/, '')}\n`);
  // Labels are padded to the longest service name (Monitor::get_cluster_status's maxlen).
  const others = [...v.services.map.services].filter(([name]) => !NORMAL_ENTITIES.has(name)).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const width = Math.max(3, ...others.map(([name]) => name.length));
  const line = (label: string, text: string) => `    ${label}: ${' '.repeat(width - label.length)}${text}\n`;
  let services = '  services:\n';
  services += line('mon', `${mm.monInfo.size} daemons, quorum ${v.monName} (age ${timespanStr(now - v.quorumSince)})`);
  services += line('mgr', mgrSummary(v, now));
  services += line('osd', osdSummaryText(v.osd.osdmap, now, false));
  for (const [name, s] of others) services += line(name, serviceSummary(s));
  sections.push(services);
  sections.push(`  data:\n${pgSummaryText(v).replace(/\n?$/, '\n')}`);
  const io = clientIoText(v.pgstats.sumDelta.clientIo());
  if (io) sections.push(`  io:\n    client:   ${io}\n`);
  return sections.join(' \n') + ' \n';
}

export function dumpStatus(f: JsonFormatter, v: ClusterView, now: number): void {
  const mm = v.monmap.monmap;
  f.openObject('status');
  f.dumpString('fsid', mm.fsid);
  v.health.dumpHealth(f, 'health', false, now);
  f.dumpUnsigned('election_epoch', v.electionEpoch);
  f.openArray('quorum');
  f.dumpInt('rank', v.rank);
  f.close();
  f.openArray('quorum_names');
  f.dumpString('id', v.monName);
  f.close();
  f.dumpInt('quorum_age', Math.floor((now - v.quorumSince) / 1000));
  f.openObject('monmap');
  f.dumpUnsigned('epoch', mm.epoch);
  f.dumpString('min_mon_release_name', 'pacific');
  f.dumpUnsigned('num_mons', mm.monInfo.size);
  f.close();
  f.dump('osdmap', osdSummaryJSON(v.osd.osdmap));
  f.openObject('pgmap');
  dumpPgSummary(f, v);
  f.close();
  f.openObject('fsmap');
  f.dumpUnsigned('epoch', 1);
  f.openArray('by_rank');
  f.close();
  f.dumpUnsigned('up:standby', 0);
  f.close();
  const m = v.mgr.mgrmap;
  f.openObject('mgrmap');
  f.dumpBool('available', m.available);
  f.dumpUnsigned('num_standbys', m.standbys.size);
  f.openArray('modules');
  for (const x of m.modules) f.dumpString('module', x);
  f.close();
  f.openObject('services');
  for (const [k, val] of m.services) f.dumpString(k, val);
  f.close();
  f.close();
  f.openObject('servicemap');
  if (v.services.map.epoch) dumpServiceMap(f, v.services.map);
  else {
    f.dumpUnsigned('epoch', 1);
    f.dumpString('modified', v.serviceMapModified);
    f.openObject('services');
    f.close();
  }
  f.close();
  f.openObject('progress_events');
  f.close();
  f.close();
}

/**
 * One pool's usage as PGMapDigest::dump_pool_stats_full derives it: stored bytes and objects from
 * the PGs' sums, raw use from the stored bytes times the replica count, and the share of raw use
 * over raw use plus what is still available.
 */
function poolUsage(v: ClusterView, pool: number): { stored: number; omap: number; objects: number; used: number; percentUsed: number } {
  const m = v.osd.osdmap;
  const sum = v.pgstats.poolSum(m, pool).sum;
  const stored = sum.num_bytes ?? 0;
  const used = stored * (m.pools.get(pool)?.size ?? 1);
  const avail = v.pgstats.summary(m).bytesAvail;
  return { stored, omap: sum.num_omap_bytes ?? 0, objects: sum.num_objects ?? 0, used, percentUsed: used + avail ? used / (used + avail) : 0 };
}

/** dump_cluster_stats + dump_pool_stats_full (the `ceph df` body). */
function dfText(v: ClusterView, detail: boolean): string {
  const s = v.pgstats.summary(v.osd.osdmap);
  const raw = new TextTable();
  raw.defineColumn('CLASS', 'left', 'left');
  for (const h of ['SIZE', 'AVAIL', 'USED', 'RAW USED', '%RAW USED']) raw.defineColumn(h, 'right', 'right');
  const ratio = s.bytesTotal ? s.bytesUsed / s.bytesTotal : 0;
  raw.row('TOTAL', byteU(s.bytesTotal), byteU(s.bytesAvail), byteU(s.bytesUsed), byteU(s.bytesUsed), percentify(ratio * 100));
  const pools = new TextTable();
  pools.defineColumn('POOL', 'left', 'left');
  const cols = detail
    ? ['ID', 'PGS', 'STORED', '(DATA)', '(OMAP)', 'OBJECTS', 'USED', '(DATA)', '(OMAP)', '%USED', 'MAX AVAIL', 'QUOTA OBJECTS', 'QUOTA BYTES', 'DIRTY', 'USED COMPR', 'UNDER COMPR']
    : ['ID', 'PGS', 'STORED', 'OBJECTS', 'USED', '%USED', 'MAX AVAIL'];
  for (const h of cols) pools.defineColumn(h, 'right', 'right');
  for (const [id, p] of v.osd.osdmap.pools) {
    const avail = s.bytesAvail / Math.max(1, p.size);
    const u = poolUsage(v, id);
    const row: (string | number)[] = [v.osd.osdmap.poolName.get(id) ?? '', id, p.pgNum, byteU(u.stored)];
    if (detail) row.push(byteU(u.stored - u.omap), byteU(u.omap));
    row.push(siU(u.objects), byteU(u.used));
    if (detail) row.push(byteU(u.used), byteU(0));
    row.push(percentify(u.percentUsed * 100), byteU(Math.floor(avail)));
    if (detail) row.push(p.quotaMaxObjects ? siU(Number(p.quotaMaxObjects)) : 'N/A', p.quotaMaxBytes ? byteU(Number(p.quotaMaxBytes)) : 'N/A', siU(0), byteU(0), byteU(0));
    pools.row(...row);
  }
  return `--- RAW STORAGE ---\n${raw.toString()} \n--- POOLS ---\n${pools.toString()}`;
}

function dfJSON(f: JsonFormatter, v: ClusterView, detail: boolean): void {
  const s = v.pgstats.summary(v.osd.osdmap);
  f.openObject('stats');
  f.openObject('stats');
  f.dumpInt('total_bytes', s.bytesTotal);
  f.dumpInt('total_avail_bytes', s.bytesAvail);
  f.dumpInt('total_used_bytes', s.bytesUsed);
  f.dumpInt('total_used_raw_bytes', s.bytesUsed);
  f.dumpFloat('total_used_raw_ratio', s.bytesTotal ? Math.fround(s.bytesUsed / s.bytesTotal) : 0);
  const n = osdCounts(v.osd.osdmap).num;
  f.dumpUnsigned('num_osds', v.pgstats.osdStat.size ? n : 0);
  f.dumpUnsigned('num_per_pool_osds', v.pgstats.osdStat.size ? n : 0);
  f.dumpUnsigned('num_per_pool_omap_osds', v.pgstats.osdStat.size ? n : 0);
  f.close();
  f.openObject('stats_by_class');
  f.close();
  f.openArray('pools');
  for (const [id, p] of v.osd.osdmap.pools) {
    f.openObject('pool');
    f.dumpString('name', v.osd.osdmap.poolName.get(id) ?? '');
    f.dumpInt('id', id);
    const u = poolUsage(v, id);
    f.openObject('stats');
    f.dumpInt('stored', u.stored);
    if (detail) {
      f.dumpInt('stored_data', u.stored - u.omap);
      f.dumpInt('stored_omap', u.omap);
    }
    f.dumpInt('objects', u.objects);
    f.dumpInt('kb_used', Math.ceil(u.used / 1024));
    f.dumpInt('bytes_used', u.used);
    if (detail) {
      f.dumpInt('data_bytes_used', u.used);
      f.dumpInt('omap_bytes_used', 0);
    }
    f.dumpFloat('percent_used', Math.fround(u.percentUsed));
    f.dumpUnsigned('max_avail', Math.floor(s.bytesAvail / Math.max(1, p.size)));
    if (detail) {
      f.dumpInt('quota_objects', p.quotaMaxObjects);
      f.dumpInt('quota_bytes', p.quotaMaxBytes);
      for (const k of ['dirty', 'rd', 'rd_bytes', 'wr', 'wr_bytes', 'compress_bytes_used', 'compress_under_bytes', 'stored_raw']) f.dumpInt(k, 0);
      f.dumpUnsigned('avail_raw', s.bytesAvail);
    }
    f.close();
    f.close();
  }
  f.close();
  f.close();
}

export function statusCommands(v: ClusterView): Record<string, CommandHandler> {
  return {
    status: (req) => {
      const f = formatterFor(req);
      if (f) {
        dumpStatus(f, v, req.now);
        return ok(f.toString() + '\n');
      }
      return ok(statusText(v, req.now));
    },
    health: (req) => {
      const detail = getStr(req.cmdmap, 'detail', '') === 'detail';
      const f = formatterFor(req);
      if (f) {
        v.health.dumpHealth(f, 'health', detail, req.now);
        return ok(f.toString());
      }
      return ok(v.health.plain(detail, req.now));
    },
    df: (req) => {
      const detail = getStr(req.cmdmap, 'detail', '') === 'detail';
      const f = formatterFor(req);
      if (f) {
        dfJSON(f, v, detail);
        return ok(f.toString() + '\n');
      }
      return ok(dfText(v, detail));
    },
  };
}

