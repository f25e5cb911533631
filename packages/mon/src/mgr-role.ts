/**
 * The mgr role inside ts-mon (see packages/mgr/README.md for why): a MgrServer on its own msgr2
 * port that serves the monitor's DaemonServerCore, named in the MgrMap as the active mgr
 * "mgr.<mon id>". The seam is MgrHost: the mon gives the mgr its OSDMap and the MGR rotating
 * secrets; the mgr's PG map is what `ceph -s`, `ceph df` and health read back.
 */
import { Clock, CephConf, logger, parseBool } from '@ts-ceph/common';
import { CEPH_FEATURES_ALL, EntityType, utimeFromMs } from '@ts-ceph/denc';
import { MgrServer, availableModules } from '@ts-ceph/mgr';
import { Monitor } from './monitor';

const log = logger('mon');

/** ts_mon_mgr (ts-ceph's own option, default true): run the mgr role in this monitor. */
export function mgrRoleEnabled(conf: CephConf, monId: string): boolean {
  return parseBool(conf.get('ts_mon_mgr', `mon.${monId}`) ?? 'true');
}

/** Start the mgr role: bind, then commit a MgrMap naming it active (or, disabled, naming none). */
export async function startMgrRole(mon: Monitor, ip: string, clock: Clock, enabled: boolean): Promise<MgrServer | undefined> {
  const name = mon.opts.name;
  if (!enabled) {
    await mon.pipeline.run(async () => {
      mon.mgr.dropActive(utimeFromMs(clock.wallNow()));
      await mon.pipeline.propose([mon.mgr]);
    });
    return undefined;
  }
  const conf = mon.conf;
  const server = new MgrServer(
    {
      name,
      clock,
      osdmap: () => mon.osd.osdmap,
      mgrServiceSecret: (id) => mon.auth.keyServer.getServiceSecret(EntityType.MGR, id),
      authSettings: {
        authClusterRequired: conf.str('auth_cluster_required'),
        authServiceRequired: conf.str('auth_service_required'),
        authClientRequired: conf.str('auth_client_required'),
        msClusterMode: conf.str('ms_cluster_mode'),
        msServiceMode: conf.str('ms_service_mode'),
        msClientMode: conf.str('ms_client_mode'),
      },
      conf: { statsPeriod: conf.int('mgr_stats_period'), statsThreshold: conf.int('mgr_stats_threshold') },
    },
    mon.mgrCore,
  );
  const addrs = await server.bind(ip, 0);
  const gid = mon.auth.assignGlobalId() ?? 0n;
  await mon.pipeline.run(async () => {
    mon.mgr.activate({ gid, name, addrs, features: CEPH_FEATURES_ALL, since: utimeFromMs(clock.wallNow()), availableModules: availableModules() });
    mon.clog('cluster', 1, `Activating manager daemon ${name}`);
    mon.clog('cluster', 1, `Manager daemon ${name} is now available`);
    await mon.pipeline.propose([mon.mgr, mon.logm]);
  });
  log.info(`mgr.${name} active (gid ${gid})`);
  return server;
}
