/**
 * ts-mon (running the mgr role) plus N ts-osd for the mgr acceptance tests, each OSD booted as
 * osd-lib.ts boots osd.0 (`ceph osd new`, keyring, `ts-osd --mkfs`, `ts-osd -f`), and size-1 pools
 * that are ready once the mgr reports all their PGs active+clean: the PG states come from the
 * OSDs' MPGStats, so the wait itself exercises the reports.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isUp } from '@ts-ceph/maps';
import { requireBinary, run, RunResult, waitFor } from '@ts-ceph/testkit';
import { json, startTsMon, TsMon } from './mon-lib';
import { watchOsdMap } from './osd-cluster-lib';
import { tsOsdBin } from './osd-lib';

export interface PgStatJSON {
  pg_summary: { num_pg_by_state: { name: string; num: number }[]; num_pgs: number; num_bytes: number; total_bytes: number; total_used_raw_bytes: number };
}

export interface TsMgrCluster {
  mon: TsMon;
  osds: ChildProcess[];
  osdLog(id: number, lines?: number): string;
  rados(args: string[], input?: string): Promise<RunResult>;
  python(script: string, args?: string[]): Promise<RunResult>;
  stop(): Promise<void>;
}

async function bootOsd(mon: TsMon, id: number): Promise<ChildProcess> {
  const uuid = randomUUID();
  const key = (await run('ceph-authtool', ['--gen-print-key'])).stdout.trim();
  const dir = join(mon.dir, `osd.${id}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'keyring'), `[osd.${id}]\n\tkey = ${key}\n`, { mode: 0o600 });
  // As in osd-lib.ts: ts-osd --mkfs needs nothing from the mon, so it runs beside `osd new`.
  const [r, mk] = await Promise.all([
    mon.ceph(['osd', 'new', uuid, String(id), '-i', '-'], { input: JSON.stringify({ cephx_secret: key }) }),
    run(process.execPath, [tsOsdBin, '-c', mon.conf, '-i', String(id), '--mkfs', '--osd-uuid', uuid]),
  ]);
  if (r.code !== 0 || r.stdout.trim() !== String(id)) throw new Error(`osd new ${id}: rc ${r.code} ${r.stdout}${r.stderr}`);
  if (mk.code !== 0) throw new Error(`ts-osd --mkfs ${id}: rc ${mk.code} ${mk.stdout}${mk.stderr}`);
  const osd = spawn(process.execPath, [tsOsdBin, '-c', mon.conf, '-i', String(id), '-f'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  osd.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  // Our MonClient's osdmap subscription sees the OSD up without a `ceph osd dump` run per look.
  const watch = await watchOsdMap(mon.conf);
  try {
    await waitFor(
      () => {
        if (osd.exitCode !== null) throw new Error(`ts-osd ${id} exited ${osd.exitCode}: ${err}`);
        const m = watch.map;
        return m !== undefined && id < m.maxOsd && isUp(m, id);
      },
      30_000,
      `osd.${id} up`,
      20,
    );
  } finally {
    await watch.stop();
  }
  return osd;
}

/** `ceph pg stat -f json` until every PG is active+clean (and there are `numPgs` of them). */
export async function waitActiveClean(mon: TsMon, numPgs: number, timeoutMs = 30_000): Promise<PgStatJSON> {
  let last: PgStatJSON | undefined;
  await waitFor(
    async () => {
      last = json<PgStatJSON>(await mon.ceph(['pg', 'stat', '-f', 'json']));
      const s = last.pg_summary;
      return s.num_pgs === numPgs && s.num_pg_by_state.length === 1 && s.num_pg_by_state[0]!.name === 'active+clean';
    },
    timeoutMs,
    `${numPgs} PGs active+clean`,
    500,
  );
  return last!;
}

export async function startTsMgrCluster(opts: { osds: number; pools: [string, number][]; deviceBytes?: number }): Promise<TsMgrCluster> {
  for (const b of ['ceph', 'rados', 'ceph-authtool']) requireBinary(b);
  const mon = await startTsMon({ extraConf: 'mgr_stats_period = 1' });
  const osds: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const o of osds) if (o.exitCode === null && o.signalCode === null) o.kill('SIGKILL');
    await mon.stop();
  };
  const osdLog = (id: number, lines = 40): string => {
    try {
      return readFileSync(join(mon.dir, `osd.${id}`, 'osd.log'), 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  try {
    const osdData = join(mon.dir, 'osd.$id');
    appendFileSync(mon.conf, `\n[osd]\nosd_data = ${osdData}\nkeyring = ${osdData}/keyring\nlog_file = ${osdData}/osd.log\nts_osd_device_bytes = ${opts.deviceBytes ?? 1 << 30}\n`);
    // The OSDs boot side by side (each `osd new` names its id, so the order does not matter).
    // Every boot settles before a failure is thrown, so stop() kills the OSDs that did start.
    const boots = await Promise.allSettled(Array.from({ length: opts.osds }, (_, i) => bootOsd(mon, i)));
    for (const b of boots) if (b.status === 'fulfilled') osds.push(b.value);
    for (const b of boots) if (b.status === 'rejected') throw b.reason;
    let pgs = 0;
    for (const [pool, pgNum] of opts.pools) {
      // Size 1 from the start: the PGs peer once, not again after a `pool set size 1`.
      let r = await mon.ceph(['osd', 'pool', 'create', pool, String(pgNum), '--size', '1']);
      if (r.code !== 0) throw new Error(`pool create: ${r.stderr}`);
      r = await mon.ceph(['osd', 'pool', 'application', 'enable', pool, 'rados']);
      if (r.code !== 0) throw new Error(`pool application enable: ${r.stderr}`);
      pgs += pgNum;
    }
    await waitActiveClean(mon, pgs);
    return {
      mon,
      osds,
      osdLog,
      rados: (args, input) => run('rados', ['-c', mon.conf, ...args], { timeoutMs: 60_000, input }),
      python: (script, args = []) => {
        const f = join(mon.dir, `script-${randomUUID()}.py`);
        writeFileSync(f, script);
        return run('/usr/bin/python3', [f, mon.conf, ...args], { env: { ...process.env, CEPH_KEYRING: mon.adminKeyring }, timeoutMs: 90_000 });
      },
      stop,
    };
  } catch (e) {
    const msg = `${(e as Error).message}\n${osds.map((_, i) => osdLog(i)).join('\n')}`;
    await stop();
    throw new Error(msg);
  }
}
