#!/usr/bin/env node
/**
 * ts-osd: the OSD daemon, with ceph-osd's command line.
 *   ts-osd --mkfs -i <id> --osd-uuid <uuid> [-c ceph.conf] [--osd-data <dir>]
 *   ts-osd -i <id> [-c ceph.conf] [--osd-data <dir>] [-f|-d]
 * osd_data, keyring and log_file come from ceph.conf ($id and $name expanded) unless given. It always
 * runs in the foreground; -d also logs to stderr. With ts_osd_dmcrypt_key_file, --mkfs makes an
 * encrypted store (LUKS2 device, sealed metadata) with that key and a start opens it with it.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CephConf, loadCephConf, cephError, configureLog, logger, fileSink, parseDebugLevel, parseSize, runDaemonMain, setDaemonUmask, stderrSink, stopOnSignal } from '@ts-ceph/common';
import { readKeyFile } from '@ts-ceph/objectstore';
import { mkfsOsd, OsdDaemon } from '../osd-daemon';
import { installProcessGuards } from '../op-reply';
import { installCrashHandler, processMetricsServer } from '@ts-ceph/mgr';
import { startCpuProfile, startHeapProfile } from '../op-trace';

interface Args {
  mkfs: boolean;
  id?: number;
  conf: string;
  osdData?: string;
  osdUuid?: string;
  stderr: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { mkfs: false, conf: process.env.CEPH_CONF ?? '/etc/ceph/ceph.conf', stderr: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw cephError('EINVAL', `${x} needs a value`);
      return v;
    };
    if (x === '--mkfs') a.mkfs = true;
    else if (x === '-i' || x === '--id') {
      const v = next();
      if (!/^\d+$/.test(v)) throw cephError('EINVAL', `osd id '${v}' is not a number`);
      a.id = Number(v);
    } else if (x === '-c' || x === '--conf') a.conf = next();
    else if (x === '--osd-data' || x === '--osd_data') a.osdData = next();
    else if (x === '--osd-uuid' || x === '--osd_uuid') a.osdUuid = next();
    else if (x === '-d') a.stderr = true;
    else if (x === '-f' || x === '--foreground' || x === '--no-mon-config') continue;
    else throw cephError('EINVAL', `unknown argument '${x}'`);
  }
  if (a.id === undefined) throw cephError('EINVAL', 'must specify -i <id>');
  return a;
}

function expand(s: string, id: number): string {
  return s.replace(/\$id/g, String(id)).replace(/\$name/g, `osd.${id}`).replace(/\$cluster/g, 'ceph').replace(/\$type/g, 'osd');
}

async function main(argv: string[]): Promise<number> {
  // Before any file is created: OSD data, keyring, logs and admin socket are owner-only.
  setDaemonUmask();
  const a = parseArgs(argv);
  const id = a.id!;
  const entity = `osd.${id}`;
  const conf = existsSync(a.conf) ? loadCephConf(a.conf) : new CephConf();
  const levels: Record<string, number> = {};
  for (const s of ['osd', 'ms', 'auth', 'monc']) {
    const v = conf.get(`debug_${s}`, entity);
    if (v) levels[s] = parseDebugLevel(v);
  }
  const logFile = conf.get('log_file', entity);
  if (!a.stderr && logFile) {
    const f = expand(logFile, id);
    mkdirSync(dirname(f), { recursive: true });
    configureLog({ sink: fileSink(f), levels, defaultLevel: 1, prefix: `${entity} ` });
  } else configureLog({ sink: stderrSink, levels, defaultLevel: 1, prefix: `${entity} ` });
  const osdData = a.osdData ?? expand(conf.get('osd_data', entity) ?? `/var/lib/ceph/osd/ceph-${id}`, id);
  // ts_osd_dmcrypt_key_file: --mkfs makes an encrypted store with this key; a start opens it.
  const keyFile = conf.get('ts_osd_dmcrypt_key_file', entity);
  const passphrase = keyFile ? readKeyFile(expand(keyFile, id)) : undefined;
  if (a.mkfs) {
    if (!a.osdUuid) throw cephError('EINVAL', '--mkfs needs --osd-uuid');
    const size = conf.get('ts_osd_device_bytes', entity);
    await mkfsOsd({ id, osdData, osdUuid: a.osdUuid, deviceBytes: size ? parseSize(size, 'ts_osd_device_bytes') : undefined, passphrase });
    process.stdout.write(`ts-osd: created object store ${osdData} for ${entity} fsid ${a.osdUuid}\n`);
    return 0;
  }
  startCpuProfile(id);
  startHeapProfile(id);
  const osdLog = logger('osd');
  installProcessGuards((level, m) => osdLog.dout(level, m));
  // An uncaught exception leaves a crash report in crash_dir (Ceph's layout); the host's crash
  // agent (ts-mon, or the stock ceph-crash) posts it.
  installCrashHandler(conf.get('crash_dir', entity) ?? '/var/lib/ceph/crash', entity, 'ts-osd');
  const d = await OsdDaemon.start({ id, conf, osdData, storePassphrase: passphrase });
  // This process's own metrics (process_*, nodejs_*) when ts_metrics_port is set; off by default.
  const metricsPort = Number(conf.get('ts_metrics_port', entity) ?? 0);
  const metrics = metricsPort > 0 ? processMetricsServer() : undefined;
  await metrics?.listen(conf.get('ts_metrics_addr', entity) ?? '127.0.0.1', metricsPort);
  // pid_file, written once the daemon is up (as ceph-osd), removed when it stops.
  const pidFile = conf.get('pid_file', entity);
  const pidPath = pidFile ? expand(pidFile, id) : undefined;
  if (pidPath) {
    mkdirSync(dirname(pidPath), { recursive: true });
    writeFileSync(pidPath, `${process.pid}\n`);
  }
  await stopOnSignal(async () => {
    await metrics?.close();
    await d.stop();
    if (pidPath) rmSync(pidPath, { force: true });
  });
  return 0;
}

runDaemonMain('ts-osd', main);
