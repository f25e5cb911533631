/**
 * ts-mon for the mon acceptance tests: testkit's startRealMon() set-up (the same ceph.conf, keys from
 * Debian's ceph-authtool, the monmap from monmaptool) with `ts-mon --mkfs` and `ts-mon -f -d` in
 * place of ceph-mon. The same conf on both sides lets a test run one command against ts-mon and
 * against the real mon and compare.
 */
import { join } from 'node:path';
import { repoRoot } from '@ts-ceph/common';
import { Test } from 'tap';
import { RealMon, RunResult, startRealMon } from '@ts-ceph/testkit';

export const tsMonBin = join(repoRoot(), 'packages', 'mon', 'dist', 'src', 'bin', 'ts-mon.js');
export const tsCephBin = join(repoRoot(), 'packages', 'cli', 'dist', 'src', 'bin', 'ts-ceph.js');

/** A running ts-mon; stop() also removes its directory, halt() keeps it for restart(). */
export type TsMon = RealMon;

export interface TsMonOptions {
  mode?: 'crc' | 'secure';
  /** Extra [global] lines. */
  extraConf?: string;
}

export function startTsMon(opts: TsMonOptions = {}): Promise<TsMon> {
  // Secure is the monitor's default, as in Ceph: its ms_*_mode lines are left out to test that.
  return startRealMon({
    mode: opts.mode ?? 'secure',
    extraConf: opts.extraConf,
    monCommand: [process.execPath, tsMonBin],
    runArgs: ['-d'],
    omitDefaultMode: true,
    pidFile: true,
  });
}

/** Parse a command's JSON output, failing with the output in the message. */
export function json<T = Record<string, unknown>>(r: RunResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not JSON (rc ${r.code}): ${r.stdout}${r.stderr}`);
  }
}

/** Replace what must differ between two monitors: fsid, port, keys, timestamps, ages. */
export function normalize(s: string, m: { fsid: string; port: number }): string {
  return s
    .split(m.fsid)
    .join('FSID')
    .split(`127.0.0.1:${m.port}`)
    .join('127.0.0.1:PORT')
    .replace(/AQ[A-Za-z0-9+/]{36}==/g, 'KEY')
    .replace(/\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d\.\d+(\+\d{4}|Z)?/g, 'TIME')
    .replace(/\(age [^)]*\)/g, '(age X)')
    .replace(/\(since [^)]*\)/g, '(since X)')
    .replace(/"quorum_age":\s*\d+/g, '"quorum_age":X');
}

export function normalized(r: RunResult, m: { fsid: string; port: number }): { code: number | null; stdout: string; stderr: string } {
  return { code: r.code, stdout: normalize(r.stdout, m), stderr: normalize(r.stderr, m) };
}

/**
 * A real 16.2.15 ceph-mon and ts-mon, both fresh and in crc mode, and a runner that sends the
 * same `ceph` command to both and expects equal normalized results.
 */
export async function realAndOurs(t: Test, extraConf = ''): Promise<{ real: RealMon; ours: TsMon; same(args: string[]): Promise<void> }> {
  // The real mon runs without a mgr, so ours leaves its mgr role off (test/acceptance/mgr-diff.test.ts
  // compares the mgr against a real ceph-mgr).
  const [real, ours] = await Promise.all([startRealMon({ mode: 'crc', extraConf }), startTsMon({ mode: 'crc', extraConf: `${extraConf}\nts_mon_mgr = false` })]);
  t.teardown(() => Promise.all([real.stop(), ours.stop()]));
  const same = async (args: string[]) => {
    const [a, b] = await Promise.all([real.ceph(args), ours.ceph(args)]);
    t.same(normalized(b, ours), normalized(a, real), `ceph ${args.join(' ')}`);
  };
  return { real, ours, same };
}
