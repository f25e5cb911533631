/**
 * The differential librados test, shared by rados-diff.test.ts (part 1) and rados-diff-2.test.ts
 * (part 2): test/acceptance/rados-diff.py (Debian's python3-rados, librados 16.2.15, plus its C API
 * through ctypes) runs the same calls against `ts-ceph bootstrap --osds 1` and against a real Ceph
 * 16.2.15 cluster (../shared/ceph-ref/cluster.sh up 1, size-1 pools), printing one canonical line
 * per call: arguments, the result or errno, result bytes hashed, and the ioctx's last object
 * version. Both outputs must be the same line for line; the test fails listing every line that
 * differs. RADOS_DIFF_PART picks the script's sections, so each file stays within its time budget.
 */
import { Test } from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@ts-ceph/common';
import { requireBinary, run, RunResult, startCephRefCluster, tempDir } from '@ts-ceph/testkit';
import { tsCephBin } from './mon-lib';

const script = join(repoRoot(), 'test', 'acceptance', 'rados-diff.py');

function runScript(conf: string, keyring: string, part: string): Promise<RunResult> {
  return run('/usr/bin/python3', [script, conf], { env: { ...process.env, CEPH_KEYRING: keyring, CEPH_CONF: conf, RADOS_DIFF_PART: part }, timeoutMs: 120_000 });
}

/**
 * The only values that may differ, each printed by the script inside {tag:...}: the pool id (the
 * reference cluster made its rbd, bench and .mgr pools first). Client names, watch cookies and
 * times the script never prints raw; object versions and snapshot ids are compared as they are,
 * since both clusters start the script's pools empty with the same pg_num.
 */
function masked(out: string): string[] {
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.replace(/\{pool:\d+\}/g, '{pool}'));
}

/** The lines of `ours` and `theirs` that differ, as a unified list ("- real" / "+ ours"). */
function differing(theirs: string[], ours: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < Math.max(theirs.length, ours.length); i++) {
    if (theirs[i] === ours[i]) continue;
    out.push(`line ${i + 1}:`, `- ${theirs[i] ?? '(missing)'}`, `+ ${ours[i] ?? '(missing)'}`);
  }
  return out;
}

/** Bring up both clusters, run the script's `part` against each and compare; `minLines` proves every section ran. */
export async function radosDiff(t: Test, part: string, minLines: number): Promise<void> {
  for (const b of ['ceph', 'rados', '/usr/bin/python3']) requireBinary(b);
  const { path: base, cleanup } = tempDir('ts-rados-diff-');
  const dir = join(base, 'cluster');
  const tsCeph = (args: string[]) => run(process.execPath, [tsCephBin, ...args], { timeoutMs: 120_000, env: { ...process.env, TS_CEPH_MON_PORT: '0' } });
  const t0 = Date.now();
  const took = <T>(p: Promise<T>, what: string): Promise<T> => p.finally(() => t.comment(`${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`));
  const [boot, ref] = await Promise.all([
    took(tsCeph(['bootstrap', '--dir', dir, '--osds', '1']), 'ts-ceph bootstrap'),
    took(startCephRefCluster({ dir: `/tmp/ts-rados-diff-ref-${process.pid}`, pgNum: 8, size: 1, osdGb: 2 }), 'cluster.sh up 1'),
  ]);
  t.teardown(async () => {
    await ref.down();
    if (existsSync(join(dir, 'ceph.conf'))) await tsCeph(['down', '--dir', dir]);
    cleanup();
  });
  t.equal(boot.code, 0, `ts-ceph bootstrap: ${boot.stderr.slice(-2000)}`);
  const [ours, theirs] = await Promise.all([
    took(runScript(join(dir, 'ceph.conf'), join(dir, 'ceph.client.admin.keyring'), part), 'the script on ts-ceph'),
    took(runScript(ref.conf, ref.keyring, part), 'the script on Ceph'),
  ]);
  t.equal(theirs.code, 0, `the script against Ceph: ${theirs.stderr.slice(-2000)}`);
  t.equal(ours.code, 0, `the script against ts-ceph: ${ours.stderr.slice(-2000)}`);
  const [a, b] = [masked(theirs.stdout), masked(ours.stdout)];
  t.ok(a.length > minLines, `the script ran every section against Ceph (${a.length} lines)`);
  const diff = differing(a, b);
  t.same(diff, [], `ts-ceph differs from Ceph 16.2.15 in ${diff.length / 3} of ${a.length} lines:\n${diff.join('\n')}`);
}
