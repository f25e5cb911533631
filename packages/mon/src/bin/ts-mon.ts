#!/usr/bin/env node
/**
 * ts-mon: the monitor daemon, with ceph-mon's command line.
 *   ts-mon --mkfs -i <id> [--mon-data <dir>] [--monmap <file>] [--keyring <file>] [-c ceph.conf]
 *   ts-mon -i <id> [-c ceph.conf] [--mon-data <dir>] [-f|-d]
 * It always runs in the foreground (`ts-ceph start` detaches it); -d also logs to stderr.
 */
import { CephConf, loadCephConf, cephError, configureLog, fileSink, stderrSink, parseDebugLevel, realClock, runDaemonMain, setDaemonUmask, stopOnSignal } from '@ts-ceph/common';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { mkfs } from '../mkfs';
import { MonDaemon } from '../daemon';
import { expandMeta } from '../mon-paths';
import { installCrashHandler } from '@ts-ceph/mgr';
import { DEFAULT_CRASH_DIR } from '../mgr-host';

interface Args {
  mkfs: boolean;
  id?: string;
  conf: string;
  monData?: string;
  monmap?: string;
  keyring?: string;
  stderr: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { mkfs: false, conf: process.env.CEPH_CONF ?? '/etc/ceph/ceph.conf', stderr: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw cephError('EINVAL', `${x} needs a value`);
      return v;
    };
    if (x === '--mkfs') a.mkfs = true;
    else if (x === '-i' || x === '--id') a.id = next();
    else if (x === '-c' || x === '--conf') a.conf = next();
    else if (x === '--mon-data' || x === '--mon_data') a.monData = next();
    else if (x === '--monmap') a.monmap = next();
    else if (x === '--keyring' || x === '-k') a.keyring = next();
    else if (x === '-d') a.stderr = true;
    else if (x === '-f' || x === '--foreground') continue;
    else throw cephError('EINVAL', `unknown argument '${x}'`);
  }
  if (!a.id) throw cephError('EINVAL', 'must specify -i <id>');
  return a;
}

async function main(argv: string[]): Promise<number> {
  // Before any file is created: the store, keyrings, logs and admin socket are owner-only.
  setDaemonUmask();
  const a = parseArgs(argv);
  const id = a.id!;
  const conf = existsSync(a.conf) ? loadCephConf(a.conf) : new CephConf();
  const entity = `mon.${id}`;
  const levels: Record<string, number> = {};
  for (const s of ['mon', 'ms', 'auth', 'paxos']) {
    const v = conf.get(`debug_${s}`, entity);
    if (v) levels[s] = parseDebugLevel(v);
  }
  const logFile = conf.get('log_file', entity);
  if (!a.stderr && logFile) {
    const f = expandMeta(logFile, id);
    mkdirSync(dirname(f), { recursive: true });
    configureLog({ sink: fileSink(f), levels, defaultLevel: 1, prefix: `mon.${id} ` });
  } else configureLog({ sink: stderrSink, levels, defaultLevel: 1, prefix: `mon.${id} ` });
  if (a.mkfs) {
    const monData = a.monData ?? expandMeta(conf.get('mon_data', entity) ?? `/var/lib/ceph/mon/ceph-${id}`, id);
    await mkfs({ id, monData, conf, monmapFile: a.monmap, keyringFile: a.keyring, clock: realClock });
    process.stdout.write(`ts-mon: created monfs at ${monData} for mon.${id}\n`);
    return 0;
  }
  // An uncaught exception leaves a crash report in crash_dir (Ceph's layout), posted at the next start.
  installCrashHandler(conf.get('crash_dir', entity) ?? DEFAULT_CRASH_DIR, entity, 'ts-mon');
  const d = await MonDaemon.start({ id, conf, monData: a.monData });
  await stopOnSignal(() => d.stop());
  return 0;
}

runDaemonMain('ts-mon', main);
