/**
 * The mgr's cluster-statistics commands (src/mon/PGMap.cc process_pg_map_command,
 * src/mgr/DaemonServer.cc): pg stat, pg dump, pg ls*, osd pool stats, osd perf. `osd df` is in
 * ./osd-df.ts. They answer from the PGMap the OSDs' MPGStats built.
 */
import { JsonFormatter, TextTable, byteU, formatEversion, formatPg, utimeLocal } from '@ts-ceph/maps';
import { MgrCommandHandler, MgrCommandReply, MgrCommandRequest, MgrView, fail, formatterFor, getInt, getStr, getStrs, ok, reply } from './command';
import { dumpPgMap, dumpPgStat, dumpPgStats, dumpPoolStats, dumpOsdStats } from './pg-dump';
import { pgStateBit, pgStateString } from './pg-state';
import { clientIoText, dumpClientIo, dumpOnelineIo, onelineIoText } from './pg-delta';
import { PgEntry, recoverySummary } from './pg-map';

function pgStat(v: MgrView, req: MgrCommandRequest) {
  const s = v.pgmap.summary(v.osdmap());
  const byName = s.byStateOneline;
  const f = pgReadyFormatter(v, req);
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
    dumpOnelineIo(f, v.pgmap.sumDelta.clientIo());
    for (const r of recoverySummary(s)) {
      f.dumpUnsigned(`${r.key}_objects`, r.n);
      f.dumpUnsigned(`${r.key}_total`, r.total);
      f.dumpFloat(`${r.key}_ratio`, r.n / r.total);
    }
    f.close();
    f.close();
    return pgReply(v, req, f, '', '', true);
  }
  const states = byName.map(([name, n]) => `${n} ${name}`).join(', ');
  return pgReply(v, req, undefined, `${s.numPg} pgs: ${states}; ${byteU(s.dataBytes)} data, ${byteU(s.bytesUsed)} used, ${byteU(s.bytesAvail)} / ${byteU(s.bytesTotal)} avail${onelineIoText(v.pgmap.sumDelta.clientIo())}${recoverySummary(s).map((r) => `; ${r.text}`).join('')}\n`);
}

/**
 * The commands DaemonServer hands to process_pg_map_command answer inside an object that starts
 * with "pg_ready" (every OSD reported since the mgr started), and while it is false their status
 * starts with a warning.
 */
function pgReadyFormatter(v: MgrView, req: MgrCommandRequest): JsonFormatter | undefined {
  const f = formatterFor(req);
  if (!f) return undefined;
  f.openObject('pg_info');
  f.dumpBool('pg_ready', v.pgReady(req.now));
  return f;
}

const NOT_READY = 'Warning: due to ceph-mgr restart, some PG states may not be up to date\n';

/**
 * The reply of such a command. process_pg_map_command flushes its formatter before DaemonServer
 * closes the outer object; a flush into a stringstream (pg stat, osd perf) leaves a line break
 * before that last brace, one into the reply buffer (pg dump, pg ls) does not.
 */
function pgReply(v: MgrView, req: MgrCommandRequest, f: JsonFormatter | undefined, out: string, rs = '', viaStream = false): MgrCommandReply {
  const warn = v.pgReady(req.now) ? '' : NOT_READY;
  if (!f) return reply(0, warn + rs, out);
  const s = f.toString();
  return reply(0, warn + rs, viaStream ? `${s.slice(0, -1)}\n}` : s);
}

const osdList = (v: readonly number[], primary: number) => `[${v.join(',')}]p${primary}`;

function pgDump(v: MgrView, req: MgrCommandRequest) {
  const m = v.osdmap();
  const what = getStrs(req.cmdmap, 'dumpcontents');
  const f = pgReadyFormatter(v, req);
  if (f) {
    if (!what.length || what.includes('all')) dumpPgMap(f, v.pgmap, m, req.now);
    else {
      if (what.includes('pgs') || what.includes('pgs_brief')) dumpPgStats(f, v.pgmap, m, what.includes('pgs_brief'));
      if (what.includes('pools')) dumpPoolStats(f, v.pgmap, m);
      if (what.includes('osds')) dumpOsdStats(f, v.pgmap);
    }
    f.close();
    return pgReply(v, req, f, '', `dumped ${what.length ? what.join(',') : 'all'}`);
  }
  const t = new TextTable();
  for (const h of ['PG_STAT', 'STATE', 'UP', 'UP_PRIMARY', 'ACTING', 'ACTING_PRIMARY']) t.defineColumn(h, 'left', 'left');
  for (const { pgid, stat } of v.pgmap.pgs(m)) {
    if (stat) t.row(formatPg(pgid), pgStateString(stat.state), osdList(stat.up, stat.upPrimary), stat.upPrimary, osdList(stat.acting, stat.actingPrimary), stat.actingPrimary);
    else t.row(formatPg(pgid), 'unknown', '[]p-1', -1, '[]p-1', -1);
  }
  return pgReply(v, req, undefined, t.toString(), `dumped ${what.length ? what.join(',') : 'all'}`);
}

/** The PGs `pg ls*` selects: by pool, by OSD (up/acting, or primary), by state names. */
function selectPgs(v: MgrView, req: MgrCommandRequest, prefix: string): PgEntry[] | string {
  const m = v.osdmap();
  let pool = getInt(req.cmdmap, 'pool');
  if (prefix === 'pg ls-by-pool') {
    const name = getStr(req.cmdmap, 'poolstr');
    const id = [...m.poolName].find(([, n]) => n === name)?.[0];
    if (id === undefined) return `pool ${name} does not exist`;
    pool = id;
  }
  const osdArg = req.cmdmap.get('osd');
  const osd = osdArg === undefined ? undefined : Number(String(osdArg).replace(/^osd\./, ''));
  let states = 0n;
  for (const s of getStrs(req.cmdmap, 'states')) {
    const bit = pgStateBit(s);
    if (bit === undefined) return `'${s}' is not a valid pg state, available choices: ...`;
    states |= bit;
  }
  return [...v.pgmap.pgs(m)].filter(({ pgid, stat }) => {
    if (pool !== undefined && pgid.pool !== pool) return false;
    if (osd !== undefined) {
      if (!stat) return false;
      if (prefix === 'pg ls-by-primary' ? stat.actingPrimary !== osd : !stat.acting.includes(osd) && !stat.up.includes(osd)) return false;
    }
    return !states || (stat !== undefined && (stat.state & states) !== 0n);
  });
}

const PG_LS_NOTE = '\n* NOTE: Omap statistics are gathered during deep scrub and may be inaccurate soon afterwards depending on utilization. See http://docs.ceph.com/en/latest/dev/placement-group/#omap-statistics for further details.\n';

function pgLs(v: MgrView, req: MgrCommandRequest, prefix: string) {
  const pgs = selectPgs(v, req, prefix);
  if (typeof pgs === 'string') return fail('EINVAL', pgs);
  // get_filtered_pg_stats walks the reported PGs; with none, nothing is dumped.
  const reported = pgs.filter((p) => p.stat !== undefined);
  const f = pgReadyFormatter(v, req);
  if (f) {
    if (reported.length) {
      f.openArray('pg_stats');
      for (const { pgid, stat } of reported) {
        f.openObject('pg_stat');
        dumpPgStat(f, pgid, stat!);
        f.close();
      }
      f.close();
    }
    f.close();
    return pgReply(v, req, f, '');
  }
  if (!reported.length) return pgReply(v, req, undefined, '');
  const t = new TextTable();
  for (const h of ['PG', 'OBJECTS', 'DEGRADED', 'MISPLACED', 'UNFOUND', 'BYTES', 'OMAP_BYTES*', 'OMAP_KEYS*', 'LOG', 'STATE', 'SINCE', 'VERSION', 'REPORTED', 'UP', 'ACTING', 'SCRUB_STAMP', 'DEEP_SCRUB_STAMP']) t.defineColumn(h, 'left', 'left');
  for (const { pgid, stat: s } of pgs) {
    if (!s) continue;
    const n = (k: string) => s.stats.sum[k] ?? 0;
    const since = Math.max(0, Math.floor((req.now - (s.lastChange.sec * 1000 + s.lastChange.nsec / 1e6)) / 1000));
    t.row(formatPg(pgid), n('num_objects'), n('num_objects_degraded'), n('num_objects_misplaced'), n('num_objects_unfound'), n('num_bytes'), n('num_omap_bytes'), n('num_omap_keys'), s.logSize, pgStateString(s.state), `${since}s`, formatEversion(s.version), `${s.reportedEpoch}:${s.reportedSeq}`, osdList(s.up, s.upPrimary), osdList(s.acting, s.actingPrimary), utimeLocal(s.lastScrubStamp), utimeLocal(s.lastDeepScrubStamp));
  }
  return pgReply(v, req, undefined, t.toString() + PG_LS_NOTE);
}

function poolStats(v: MgrView, req: MgrCommandRequest) {
  const m = v.osdmap();
  const name = getStr(req.cmdmap, 'pool_name');
  let ids = [...m.pools.keys()].sort((a, b) => a - b);
  if (name) {
    const id = [...m.poolName].find(([, n]) => n === name)?.[0];
    if (id === undefined) return fail('ENOENT', `unrecognized pool '${name}'`);
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
        if (s === 'client_io_rate') dumpClientIo(f, v.pgmap.poolDeltas.get(id)?.clientIo());
        f.close();
      }
      f.close();
    }
    f.close();
    return ok(f.toString());
  }
  if (!m.pools.size) return reply(0, 'there are no pools!');
  // dump_pool_stats_and_io_rate: the pool's lines, or "nothing is going on" without any.
  const text = (id: number): string => {
    const io = clientIoText(v.pgmap.poolDeltas.get(id)?.clientIo());
    return `pool ${m.poolName.get(id)} id ${id}\n${io ? `  client io ${io}\n` : '  nothing is going on\n'}\n`;
  };
  return ok(ids.map(text).join(''));
}

/** PGMap::dump_osd_perf_stats / print_osd_perf_stats: commit and apply latency per OSD. */
function osdPerf(v: MgrView, req: MgrCommandRequest) {
  const osds = [...v.pgmap.osdStat].sort((a, b) => b[0] - a[0]);
  const ms = (ns: bigint) => Number(ns / 1_000_000n);
  const f = pgReadyFormatter(v, req);
  if (f) {
    f.openObject('osdstats');
    f.openArray('osd_perf_infos');
    for (const [id, s] of osds) {
      f.openObject('osd');
      f.dumpInt('id', id);
      f.openObject('perf_stats');
      f.dumpUnsigned('commit_latency_ms', ms(s.osPerfStat.commitLatencyNs));
      f.dumpUnsigned('apply_latency_ms', ms(s.osPerfStat.applyLatencyNs));
      f.dumpUnsigned('commit_latency_ns', s.osPerfStat.commitLatencyNs);
      f.dumpUnsigned('apply_latency_ns', s.osPerfStat.applyLatencyNs);
      f.close();
      f.close();
    }
    f.close();
    f.close();
    f.close();
    return pgReply(v, req, f, '', '', true);
  }
  const t = new TextTable();
  for (const h of ['osd', 'commit_latency(ms)', 'apply_latency(ms)']) t.defineColumn(h, 'left', 'right');
  for (const [id, s] of osds) t.row(id, ms(s.osPerfStat.commitLatencyNs), ms(s.osPerfStat.applyLatencyNs));
  return pgReply(v, req, undefined, t.toString());
}

export function pgCommands(v: MgrView): Record<string, MgrCommandHandler> {
  const ls = (prefix: string): MgrCommandHandler => (req) => pgLs(v, req, prefix);
  return {
    'pg stat': (req) => pgStat(v, req),
    'pg dump': (req) => pgDump(v, req),
    'pg ls': ls('pg ls'),
    'pg ls-by-pool': ls('pg ls-by-pool'),
    'pg ls-by-osd': ls('pg ls-by-osd'),
    'pg ls-by-primary': ls('pg ls-by-primary'),
    'osd pool stats': (req) => poolStats(v, req),
    'osd perf': (req) => osdPerf(v, req),
  };
}
