/**
 * `ceph osd set norecover` on three ts-osd (stock 16.2.15 ceph and rados CLIs): an OSD that missed
 * writes comes back and its PGs wait (active+recovery_wait+degraded, the degraded count standing
 * still, HEALTH_WARN names the flag) instead of recovering; a read of an object it lacks is served
 * all the same; `ceph osd unset norecover` lets recovery run and the PGs end active+clean.
 */
import t from 'tap';
import { requireBinary, run, waitFor } from '@ts-ceph/testkit';
import { bootstrapWatched } from './osd-cluster-lib';

t.test('norecover holds recovery back until it is unset', async (t) => {
  for (const b of ['ceph', 'rados']) requireBinary(b);
  const { c, watch } = await bootstrapWatched(t, 3);
  const rados = (args: string[], input?: string) => run('rados', ['-c', c.conf, '--rados-osd-op-timeout', '60', '-p', 'nr', ...args], { timeoutMs: 90_000, input });
  t.equal((await c.ceph(['osd', 'pool', 'create', 'nr', '8'])).code, 0, 'pool nr');
  for (let i = 0; i < 10; i++) t.equal((await rados(['put', `a${i}`, '-'], `before ${i}\n`)).code, 0);
  process.kill(c.pid(2), 'SIGKILL');
  await watch.waitUp(2, false, 0, 15_000);
  // Written while osd.2 is down: osd.2 lacks these when it returns.
  for (let i = 0; i < 20; i++) t.equal((await rados(['put', `b${i}`, '-'], `during ${i}\n`)).code, 0);
  t.match((await c.ceph(['osd', 'set', 'norecover'])).stderr, /norecover is set/);
  t.equal((await c.tsCeph(['start', '--dir', c.dir])).code, 0, 'ts-ceph start restarts osd.2');
  await watch.waitUp(2, true, 0, 30_000);

  const pgStat = async (): Promise<string> => (await c.ceph(['pg', 'stat'])).stdout;
  let stat = '';
  // Peering ends with every PG that lacks objects waiting for recovery, none clean.
  await waitFor(async () => /recovery_wait/.test((stat = await pgStat())) && !/peering|activating/.test(stat), 30_000, 'the PGs peered and wait', 500).catch((e: Error) => t.fail(`${e.message}: ${stat}`));
  const degraded = /(\d+)\/(\d+) objects degraded/.exec(stat);
  t.ok(degraded && Number(degraded[1]) > 0, `objects degraded: ${stat}`);
  // PGs that got no write while osd.2 was down are clean; no other one becomes clean.
  const clean = (s: string): number => Number(/(\d+) active\+clean[;,]/.exec(s)?.[1] ?? 0);
  await new Promise((r) => setTimeout(r, 6_000));
  const later = await pgStat();
  t.equal(clean(later), clean(stat), `6 s later no waiting PG has recovered: ${stat} / ${later}`);
  t.match(later, /\d+ active\+recovery_wait\+degraded/, 'the others still wait');
  t.equal(/(\d+)\/\d+ objects degraded/.exec(later)?.[1], degraded?.[1], 'the degraded count stands still');
  t.match((await c.ceph(['health'])).stdout, /norecover flag\(s\) set/, 'ceph health names the flag');
  // A client read of an object osd.2 lacks is served (recovered first where osd.2 is the primary).
  for (let i = 0; i < 20; i++) t.equal((await rados(['get', `b${i}`, '-'])).stdout, `during ${i}\n`, `b${i} reads back`);

  t.match((await c.ceph(['osd', 'unset', 'norecover'])).stderr, /norecover is unset/);
  await waitFor(async () => /^\s*(\d+) pgs: \1 active\+clean;/.test((stat = await pgStat())), 60_000, 'active+clean after unset', 500).catch((e: Error) => t.fail(`${e.message}: ${stat}`));
  t.notMatch((await c.ceph(['health'])).stdout, /norecover|degraded/i, 'health: no flag, nothing degraded');
});
