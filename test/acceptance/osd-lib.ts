/**
 * ts-mon plus one ts-osd for the OSD acceptance tests, booted the way a real ceph-osd is: `ceph osd
 * new` with a cephx secret from ceph-authtool, the OSD's keyring file, `ts-osd --mkfs`, `ts-osd -f`,
 * then a size-1 pool whose PGs the OSD has created. Every step that fails throws (the test fails,
 * never skips); the real `rados` CLI and /usr/bin/python3 (python3-rados) run against the result.
 */
import { Test } from 'tap';
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { daemonSpawnEnv, repoRoot } from '@ts-ceph/common';
import { requireBinary, run, RunResult, setupMarks, waitFor } from '@ts-ceph/testkit';
import { isUp } from '@ts-ceph/maps';
import { json, startTsMon, TsMon } from './mon-lib';
import { watchOsdMap } from './osd-cluster-lib';

export const tsOsdBin = join(repoRoot(), 'packages', 'osd', 'dist', 'src', 'bin', 'ts-osd.js');

export interface OsdDump {
  epoch: number;
  osds: { osd: number; uuid: string; up: number; in: number; public_addrs: { addrvec: { type: string; addr: string }[] } }[];
}

export interface TsOsdClusterOptions {
  /** The size-1 pool to create ('p'). */
  pool?: string;
  pgNum?: number;
  /** ts_osd_device_bytes for mkfs (256 MiB). */
  deviceBytes?: number;
  /** debug_osd in the [osd] section (10). */
  debugOsd?: number;
  /**
   * An encrypted store: a key file (0600, beside the mon's directory, not in osd_data) named by
   * ts_osd_dmcrypt_key_file; the log then goes beside it too, since at higher debug levels its lines name objects.
   */
  encrypt?: boolean;
}

export interface RadosOptions {
  /** Arguments before `-p POOL` (e.g. -n client.x --keyring K). */
  extra?: string[];
  input?: string | Buffer;
  /** Leave out `-p POOL` (for commands that name their pools themselves). */
  noPool?: boolean;
  timeoutMs?: number;
}

export interface TsOsdCluster {
  mon: TsMon;
  /** osd.0's data directory (osd_data). */
  dir: string;
  uuid: string;
  pool: string;
  /** The running ts-osd process. */
  osd: ChildProcess;
  /** The last `lines` lines of ts-osd's log file (40). */
  osdLog(lines?: number): string;
  /** ts_osd_dmcrypt_key_file, when the store is encrypted. */
  keyFile?: string;
  /** The real rados CLI on the pool; OSD_RADOS_DEBUG=1 adds objecter and messenger logs on stderr. */
  rados(args: string[], opts?: RadosOptions): Promise<RunResult>;
  /** /usr/bin/python3 on `script` with argv [conf, pool, ...args] and the admin keyring. */
  python(script: string, args?: string[]): Promise<RunResult>;
  /** SIGKILL ts-osd if still running and stop the mon (removing its directory). */
  stop(): Promise<void>;
}

export async function startTsOsdCluster(opts: TsOsdClusterOptions = {}): Promise<TsOsdCluster> {
  for (const b of ['ceph', 'rados', 'ceph-authtool']) requireBinary(b);
  const pool = opts.pool ?? 'p';
  const mark = setupMarks('startTsOsdCluster');
  const mon = await startTsMon();
  mark('mon up');
  const dir = join(mon.dir, 'osd.0');
  const logPath = opts.encrypt ? join(mon.dir, 'osd.0.log') : join(dir, 'osd.log');
  const keyFile = opts.encrypt ? join(mon.dir, 'osd.0.key') : undefined;
  let osd: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    if (osd && osd.exitCode === null && osd.signalCode === null) osd.kill('SIGKILL');
    await mon.stop();
  };
  const osdLog = (lines = 40): string => {
    try {
      return readFileSync(logPath, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  try {
    const osdData = join(mon.dir, 'osd.$id');
    const logFile = opts.encrypt ? join(mon.dir, 'osd.$id.log') : `${osdData}/osd.log`;
    appendFileSync(mon.conf, `\n[osd]\nosd_data = ${osdData}\nkeyring = ${osdData}/keyring\nlog_file = ${logFile}\nts_osd_device_bytes = ${opts.deviceBytes ?? 256 << 20}\ndebug_osd = ${opts.debugOsd ?? 10}\n`);
    if (keyFile) {
      writeFileSync(keyFile, randomUUID(), { mode: 0o600 });
      appendFileSync(mon.conf, `ts_osd_dmcrypt_key_file = ${keyFile}\n`);
    }
    const uuid = randomUUID();
    const key = (await run('ceph-authtool', ['--gen-print-key'])).stdout.trim();
    mkdirSync(dir);
    writeFileSync(join(dir, 'keyring'), `[osd.0]\n\tkey = ${key}\n`, { mode: 0o600 });
    // ts-osd --mkfs reads only its own files (no monmap from the mon, unlike ceph-osd), so it runs
    // while the mon registers the OSD: two process start-ups overlap instead of adding up.
    const [r, mk] = await Promise.all([
      mon.ceph(['osd', 'new', uuid, '0', '-i', '-'], { input: JSON.stringify({ cephx_secret: key }) }),
      run(process.execPath, [tsOsdBin, '-c', mon.conf, '-i', '0', '--mkfs', '--osd-uuid', uuid]),
    ]);
    if (r.code !== 0 || r.stdout.trim() !== '0') throw new Error(`osd new: rc ${r.code} ${r.stdout}${r.stderr}`);
    if (mk.code !== 0) throw new Error(`ts-osd --mkfs: rc ${mk.code} ${mk.stdout}${mk.stderr}`);
    mark('osd mkfs');
    osd = await startOsd(mon, dir);
    mark('osd up');
    await createPool(mon, pool, opts.pgNum ?? 8, () => readFileSync(logPath, 'utf8'));
    mark('pool PGs created');
    const started = osd;
    return {
      mon,
      dir,
      uuid,
      pool,
      osd: started,
      osdLog,
      keyFile,
      rados: (args, o = {}) => run('rados', ['-c', mon.conf, '--rados-osd-op-timeout', '20', ...debugArgs(), ...(o.extra ?? []), ...(o.noPool ? [] : ['-p', pool]), ...args], { timeoutMs: o.timeoutMs ?? 30_000, input: o.input }),
      python: (script, args = []) => {
        const f = join(mon.dir, `script-${randomUUID()}.py`);
        writeFileSync(f, script);
        return run('/usr/bin/python3', [f, mon.conf, pool, ...args], { env: { ...process.env, CEPH_KEYRING: mon.adminKeyring }, timeoutMs: 90_000 });
      },
      stop,
    };
  } catch (e) {
    const msg = `${(e as Error).message}\n${osdLog()}`;
    await stop();
    throw new Error(msg);
  }
}

function debugArgs(): string[] {
  return process.env.OSD_RADOS_DEBUG ? ['--debug-objecter', '20', '--debug-ms', '1', '--log-to-stderr', 'true'] : [];
}

/** Start `ts-osd -f` and wait until the osdmap shows osd.0 up. */
/**
 * The python3-rbd tests' start: a cluster whose `rbd` pool is tagged for rbd, and `script` run on
 * it (/usr/bin/python3, argv [conf, pool]) with its stdout parsed as JSON. The set-up and the
 * script's exit are asserted; the cluster stops when the test ends.
 */
export async function rbdPython(t: Test, script: string, opts: Omit<TsOsdClusterOptions, 'pool'> = {}): Promise<{ c: TsOsdCluster; o: Record<string, unknown> }> {
  const c = await startTsOsdCluster({ ...opts, pool: 'rbd' });
  t.teardown(() => c.stop());
  const init = await c.mon.ceph(['osd', 'pool', 'application', 'enable', 'rbd', 'rbd']);
  t.equal(init.code, 0, `application enable: ${init.stderr}`);
  const r = await c.python(script);
  t.equal(r.code, 0, `python: ${r.stderr.slice(-3000)}\n${c.osdLog(20)}`);
  return { c, o: JSON.parse(r.stdout || '{}') as Record<string, unknown> };
}

export async function startOsd(mon: TsMon, dir: string): Promise<ChildProcess> {
  const osd = spawn(process.execPath, [tsOsdBin, '-c', mon.conf, '-i', '0', '-f'], { stdio: ['ignore', 'pipe', 'pipe'], env: daemonSpawnEnv() });
  let out = '';
  osd.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  osd.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  // Our MonClient subscribed to the osdmap sees osd.0 marked up as the mon publishes the map, where
  // polling `ceph osd dump` cost a CLI run (and a quarter second) per look on a loaded machine.
  const watch = await watchOsdMap(mon.conf);
  try {
    await waitFor(
      () => {
        if (osd.exitCode !== null) throw new Error(`ts-osd exited ${osd.exitCode}: ${out}`);
        const m = watch.map;
        return m !== undefined && m.maxOsd > 0 && isUp(m, 0);
      },
      30_000,
      'osd.0 up',
      20,
    );
    await watch.stop();
  } catch (e) {
    await watch.stop();
    osd.kill('SIGKILL');
    throw new Error(`ts-osd never came up in ${dir}: ${(e as Error).message}\n${out}`);
  }
  return osd;
}

/**
 * A size-1 replicated pool, waiting until ts-osd logged the creation of its last PG. The size is
 * given at creation (`osd pool create --size`, as Pacific's command takes it), so the PGs
 * peer once instead of again after a `pool set size 1`.
 */
export async function createPool(mon: TsMon, pool: string, pgNum: number, log: () => string): Promise<void> {
  const r = await mon.ceph(['osd', 'pool', 'create', pool, String(pgNum), '--size', '1']);
  if (r.code !== 0) throw new Error(`pool create: ${r.stderr}`);
  const made = json<{ pools: { pool: number; pool_name: string; size: number }[] }>(await mon.ceph(['osd', 'dump', '-f', 'json'])).pools.find((p) => p.pool_name === pool)!;
  if (made.size !== 1) throw new Error(`pool ${pool} has size ${made.size}, not 1`);
  const last = new RegExp(`created pg ${made.pool}\\.${(pgNum - 1).toString(16)}\\b`);
  await waitFor(() => last.test(log()), 30_000, `PGs of ${pool} created`, 50);
}
