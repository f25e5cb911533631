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
import { requireBinary, run, RunResult, waitFor } from '@ts-ceph/testkit';
import { json, startTsMon, TsMon } from './mon-lib';
import { OsdDump, tsOsdBin } from './osd-lib';

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
  const r = await mon.ceph(['osd', 'new', uuid, String(id), '-i', '-'], { input: JSON.stringify({ cephx_secret: key }) });
  if (r.code !== 0 || r.stdout.trim() !== String(id)) throw new Error(`osd new ${id}: rc ${r.code} ${r.stdout}${r.stderr}`);
  const dir = join(mon.dir, `osd.${id}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'keyring'), `[osd.${id}]\n\tkey = ${key}\n`, { mode: 0o600 });
  const mk = await run(process.execPath, [tsOsdBin, '-c', mon.conf, '-i', String(id), '--mkfs', '--osd-uuid', uuid]);
  if (mk.code !== 0) throw new Error(`ts-osd --mkfs ${id}: rc ${mk.code} ${mk.stdout}${mk.stderr}`);
  const osd = spawn(process.execPath, [tsOsdBin, '-c', mon.conf, '-i', String(id), '-f'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  osd.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await waitFor(
    async () => {
      if (osd.exitCode !== null) throw new Error(`ts-osd ${id} exited ${osd.exitCode}: ${err}`);
      return json<OsdDump>(await mon.ceph(['osd', 'dump', '-f', 'json'])).osds.find((x) => x.osd === id)?.up === 1;
    },
    30_000,
    `osd.${id} up`,
    250,
  );
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
    for (let i = 0; i < opts.osds; i++) osds.push(await bootOsd(mon, i));
    let pgs = 0;
    for (const [pool, pgNum] of opts.pools) {
      let r = await mon.ceph(['osd', 'pool', 'create', pool, String(pgNum)]);
      if (r.code !== 0) throw new Error(`pool create: ${r.stderr}`);
      r = await mon.ceph(['osd', 'pool', 'set', pool, 'size', '1', '--yes-i-really-mean-it']);
      if (r.code !== 0) throw new Error(`pool set size 1: ${r.stderr}`);
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
