/**
 * The monitor's admin socket: @ts-ceph/common's AdminSocket at the conf's admin_socket path, serving
 * core/mon/asok.ts over what the running monitor knows (its sessions, config, maps and counters).
 * The MonServer keeps the one host, which `ceph tell mon.X` (net/tell.ts) also runs commands on.
 */
import { AdminSocket, CephConf, adminSocketPath, configureLog, expandMeta, logger, parseDebugLevel } from '@ts-ceph/common';
import { osdCounts } from '@ts-ceph/maps';
import { AsokHost, AsokSession, runMonAsok } from '../core/mon/asok';
import { MonPerfValues } from '../core/mon/mon-perf';
import { Clog } from '../core/log/log-entry';
import type { Monitor } from '../monitor';
import type { MonServer } from './mon-server';

const log = logger('mon');

function perfValues(mon: Monitor, server: MonServer): MonPerfValues {
  const m = mon.osd.osdmap;
  const counts = osdCounts(m);
  const s = mon.mgrCore.pgmap.summary(m);
  const pgsIn = (name: string) => s.byState.filter(([st]) => st === name).reduce((n, [, c]) => n + c, 0);
  return {
    cluster: {
      num_mon: mon.monmap.monmap.monInfo.size,
      num_mon_quorum: 1,
      num_osd: counts.num,
      num_osd_up: counts.up,
      num_osd_in: counts.in,
      osd_epoch: m.epoch,
      osd_bytes: s.bytesTotal,
      osd_bytes_used: s.bytesUsed,
      osd_bytes_avail: s.bytesAvail,
      num_pool: s.numPools,
      num_pg: s.numPg,
      num_pg_active_clean: pgsIn('active+clean'),
      num_pg_active: s.numActive,
      num_pg_peering: pgsIn('peering'),
      num_object: s.numObjects,
      num_object_degraded: 0,
      num_object_misplaced: 0,
      num_object_unfound: 0,
      num_bytes: s.dataBytes,
    },
    mon: {
      num_sessions: server.sessionCount,
      session_add: server.sessionsOpened,
      session_rm: server.sessionsClosed,
      session_trim: 0,
      // A lone monitor wins one election per start (bootstrap), as a real one reports.
      num_elections: mon.electionEpoch > 0 ? 1 : 0,
      election_call: 0,
      election_win: mon.electionEpoch > 0 ? 1 : 0,
      election_lose: 0,
    },
  };
}

export function monAsokHost(mon: Monitor, server: MonServer): AsokHost {
  const entity = `mon.${mon.opts.name}`;
  return {
    expand: (v) => expandMeta(v.replace(/\$\{?run_dir\}?/g, mon.conf.text('run_dir')), entity, 'ceph'),
    view: mon.view,
    conf: mon.conf,
    options: mon.conf.table,
    overrides: new Map(),
    sessions: (): AsokSession[] =>
      [...mon.sessions()].map((s) => ({ type: s.inst.type, features: s.features, inst: s.inst, entityName: s.entityName, addrs: s.addrs, caps: s.caps.text, globalId: s.globalId })),
    perf: () => perfValues(mon, server),
    now: () => mon.opts.clock.wallNow(),
    onConfigSet: (name, value) => {
      if (name.startsWith('debug_')) configureLog({ levels: { [name.slice(6)]: parseDebugLevel(value) } });
    },
    audit: (level, text) => mon.clog('audit', level === 'info' ? Clog.INFO : Clog.DEBUG, text),
  };
}

/** Open the socket; a failure is logged and the monitor runs without it, as Ceph's does. */
export async function openMonAdminSocket(conf: CephConf, mon: Monitor, server: MonServer): Promise<AdminSocket | undefined> {
  const entity = `mon.${mon.opts.name}`;
  const path = adminSocketPath(conf, entity);
  if (!path) return undefined;
  try {
    return await AdminSocket.listen(path, (req) => Promise.resolve(runMonAsok(req, server.asok)), {
      mode: conf.get('admin_socket_mode', entity),
      onError: (e) => log.dout(1, `admin socket: ${e.message}`),
    });
  } catch (e) {
    log.error(`admin socket ${path}: ${(e as Error).message}`);
    return undefined;
  }
}
