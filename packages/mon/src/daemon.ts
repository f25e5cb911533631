/**
 * The ts-mon daemon around Monitor + MonServer: opens the store and keyring, binds our monmap
 * address, runs the tick, writes the cluster/audit log files and the pid file, watches the data
 * disk (MON_DISK_LOW / MON_DISK_CRIT), and shuts down cleanly on SIGTERM.
 */
import { appendFileSync, mkdirSync, statfsSync, unlinkSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AdminSocket, CephConf, Clock, cephError, describeLoosePermissions, findLoosePermissions, logger, realClock } from '@ts-ceph/common';
import { AddrType, addrIp, addrPort } from '@ts-ceph/denc';
import { loadKeyRing } from '@ts-ceph/cephx';
import { LevelKV } from './store/level-kv';
import { Monitor } from './monitor';
import { MonServer } from './net/mon-server';
import { openMonAdminSocket } from './net/admin-socket';
import { startMgrRole, mgrRoleEnabled } from './mgr-role';
import type { MgrServer } from '@ts-ceph/mgr';
import { MonPaths, monPaths } from './mon-paths';
import { Clog, formatLogEntry } from './core/log/log-entry';
import { Health, HealthCheckMap, addCheck } from './core/health/health-check';
import { EffectiveConfig } from './core/config/effective';
import { loadOptionTable } from './config-schema';
import { confValuesFor } from './monitor';
import { MgrRoleHost } from './mgr-host';

const log = logger('mon');

export class MonDaemon {
  private timer: NodeJS.Timeout | undefined;
  /** The mgr role (src/mgr-role.ts); undefined when ts_mon_mgr = false. */
  mgrServer: MgrServer | undefined;
  private stopping: Promise<void> | undefined;
  private asok: AdminSocket | undefined;

  private constructor(
    readonly mon: Monitor,
    readonly server: MonServer,
    readonly paths: MonPaths,
    /** The mgr role's modules this process hosts (prometheus, the crash agent). */
    readonly mgrHost: MgrRoleHost,
  ) {}

  static async start(o: { id: string; conf: CephConf; monData?: string; clock?: Clock }): Promise<MonDaemon> {
    const clock = o.clock ?? realClock;
    const eff = new EffectiveConfig(loadOptionTable(), confValuesFor(o.conf, `mon.${o.id}`));
    const paths = monPaths(o.conf, eff, o.id, o.monData);
    const storePath = join(paths.data, 'store.db');
    if (!existsSync(storePath)) throw cephError('ENOENT', `no mon store at ${paths.data} (run ts-mon --mkfs -i ${o.id} first)`);
    const keyringPath = existsSync(join(paths.data, 'keyring')) ? join(paths.data, 'keyring') : paths.keyring;
    // The store holds every entity's secret in the clear: report it if it was opened up (issue 14).
    const loose = describeLoosePermissions(`mon.${o.id}`, findLoosePermissions([paths.data, keyringPath]));
    const monKeyring = loadKeyRing(keyringPath);
    const kv = await LevelKV.open(storePath, { createIfMissing: false });
    const mon = await Monitor.open({ name: o.id, kv, conf: o.conf, monKeyring, clock });
    const server = new MonServer(mon);
    const d = new MonDaemon(mon, server, paths, MgrRoleHost.fromConf(mon, o.conf, `mon.${o.id}`));
    mon.health.addSource(() => d.diskHealth());
    for (const line of loose) {
      log.warn(line);
      mon.clog('cluster', Clog.WARN, line);
    }
    const me = mon.monmap.monmap.monInfo.get(o.id);
    if (!me) throw cephError('ENOENT', `mon.${o.id} is not in the monmap`);
    const a = me.publicAddrs.find((x) => x.type === AddrType.MSGR2);
    if (!a) throw cephError('EINVAL', `mon.${o.id} has no msgr2 address in the monmap (ts-mon speaks msgr2 only)`);
    // The hosted mgr modules first: crash reports left by the last run are posted before any
    // client can ask for them.
    await d.mgrHost.start(o.conf, `mon.${o.id}`);
    await server.bind(addrIp(a), addrPort(a));
    d.mgrServer = await startMgrRole(mon, addrIp(a), clock, mgrRoleEnabled(o.conf, o.id));
    const writeLog = mon.onCommitted;
    mon.onCommitted = (svcs) => {
      writeLog(svcs);
      if (svcs.includes(mon.logm)) d.appendClusterLog();
      d.mgrHost.onCommitted(svcs);
    };
    if (paths.pidFile) {
      mkdirSync(dirname(paths.pidFile), { recursive: true });
      writeFileSync(paths.pidFile, `${process.pid}\n`);
    }
    d.asok = await openMonAdminSocket(o.conf, mon, server);
    d.timer = setInterval(() => {
      mon.tick().catch((e: unknown) => log.error(`tick failed: ${(e as Error).message}`));
      d.mgrHost.tick(clock.wallNow());
    }, 1000);
    await mon.tick();
    log.info(`mon.${o.id} started, fsid ${mon.fsid}, election epoch ${mon.electionEpoch}`);
    return d;
  }

  /** Append the entries the last commit made durable to the cluster/audit log files. */
  private appendClusterLog(): void {
    for (const e of this.mon.logm.newlyCommitted) {
      const file = this.paths.clusterLog(e.channel);
      if (!file) continue;
      try {
        appendFileSync(file, formatLogEntry(e) + '\n', { mode: 0o640 });
      } catch (err) {
        log.dout(1, `cannot write ${file}: ${(err as Error).message}`);
      }
    }
  }

  /** MON_DISK_LOW / MON_DISK_CRIT from the free space of mon_data (HealthMonitor::check_member_health). */
  diskHealth(): HealthCheckMap {
    const checks: HealthCheckMap = new Map();
    try {
      const st = statfsSync(this.paths.data);
      const avail = Math.floor((Number(st.bavail) * 100) / Number(st.blocks));
      const crit = this.mon.conf.int('mon_data_avail_crit');
      const warn = this.mon.conf.int('mon_data_avail_warn');
      const who = `mon.${this.mon.opts.name}`;
      if (avail <= crit) addCheck(checks, 'MON_DISK_CRIT', Health.ERR, 'mon is very low on available space', 1, [`${who} has ${avail}% avail`]);
      else if (avail <= warn) addCheck(checks, 'MON_DISK_LOW', Health.WARN, 'mon is low on available space', 1, [`${who} has ${avail}% avail`]);
    } catch {
      // statfs failures leave health alone; the store's own I/O errors surface elsewhere.
    }
    return checks;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.timer) clearInterval(this.timer);
      await this.mgrHost.stop();
      await this.asok?.close();
      await this.mgrServer?.shutdown();
      await this.server.shutdown();
      await this.mon.close();
      if (this.paths.pidFile) {
        try {
          unlinkSync(this.paths.pidFile);
        } catch {
          // already gone
        }
      }
      log.info(`mon.${this.mon.opts.name} stopped`);
    })();
    return this.stopping;
  }
}
