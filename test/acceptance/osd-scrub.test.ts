/**
 * Scrub, deep scrub and repair on 3 ts-osd, pool size 3 (issue 12 item 5, acceptance 3), with the
 * stock ceph and rados CLIs: a plain scrub of a clean PG moves last_scrub_stamp; one replica's
 * copies are damaged offline (a flipped byte on its device: a checksum failure, "candidate had a
 * read error"; and other data written through the store: a data_digest mismatch); `ceph pg
 * deep-scrub` finds both (OSD_SCRUB_ERRORS, PG_DAMAGED, `pg ls inconsistent`,
 * `rados list-inconsistent-pg/obj`, the cluster log); `ceph pg repair` rewrites them from the
 * authoritative copy, health returns to HEALTH_OK, a further deep scrub is clean and the
 * repaired store holds the right bytes.
 */
import t from 'tap';
import { closeSync, existsSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@ts-ceph/common';
import { requireBinary, run, waitFor } from '@ts-ceph/testkit';
import { BootstrappedCluster, bootstrapWatched } from './osd-cluster-lib';

const toolBin = join(repoRoot(), 'packages', 'objectstore', 'dist', 'src', 'bin', 'ts-objectstore-tool.js');
const pool = 'scrubbed';

/** 8 KiB no other block of the device holds: two 4 KiB blocks of a counter pattern with a tag. */
function pattern(tag: string): Buffer {
  const b = Buffer.alloc(8192);
  for (let i = 0; i < b.length; i += 4) b.writeUInt32LE(((i * 2654435761) ^ 0x5c5c5c5c) >>> 0, i);
  b.write(tag, 0);
  return b;
}

interface PgStat { pgid: string; state: string; last_scrub_stamp: string; last_deep_scrub_stamp: string; acting: number[]; acting_primary: number }

async function pgStat(c: BootstrappedCluster, pgid: string): Promise<PgStat | undefined> {
  const r = await c.ceph(['pg', 'dump', 'pgs', '-f', 'json']);
  if (r.code !== 0) return undefined;
  const j = JSON.parse(r.stdout) as { pg_stats?: PgStat[] } | PgStat[];
  return (Array.isArray(j) ? j : (j.pg_stats ?? [])).find((p) => p.pgid === pgid);
}

async function healthChecks(c: BootstrappedCluster): Promise<Record<string, { summary: { message: string } }>> {
  const r = await c.ceph(['health', 'detail', '-f', 'json']);
  return (JSON.parse(r.stdout) as { checks: Record<string, { summary: { message: string } }> }).checks;
}

/**
 * Flip one byte of the object's second data block on the (stopped) OSD's device file. The block is
 * found by its contents, read in aligned chunks (the file is a sparse 4 GiB). Every aligned copy is
 * flipped: the live one cannot be told from copies in blocks freed since (a recovery push writes
 * the object anew), and damaging free blocks is harmless.
 */
function flipOnDevice(dev: string, data: Buffer): number {
  const block = data.subarray(4096, 8192);
  const chunk = Buffer.alloc(64 << 20);
  const h = openSync(dev, 'r+');
  const found: number[] = [];
  try {
    for (let off = 0; ; off += chunk.length) {
      const n = readSync(h, chunk, 0, chunk.length, off);
      if (n <= 0) break;
      const view = chunk.subarray(0, n);
      for (let i = view.indexOf(block); i >= 0; i = view.indexOf(block, i + 1)) if (i % 4096 === 0) found.push(off + i);
    }
    const one = Buffer.alloc(1);
    for (const at of found) {
      readSync(h, one, 0, 1, at + 100);
      writeSync(h, Buffer.from([one[0]! ^ 0x01]), 0, 1, at + 100);
    }
  } finally {
    closeSync(h);
  }
  return found.length;
}

t.test('deep scrub finds a damaged replica, repair fixes it', async (t) => {
  for (const b of ['ceph', 'rados']) requireBinary(b);
  const { c, watch } = await bootstrapWatched(t, 3);
  let r = await c.ceph(['osd', 'pool', 'create', pool, '1']);
  t.equal(r.code, 0, `pool create: ${r.stderr}`);
  await c.ceph(['osd', 'pool', 'application', 'enable', pool, 'rados']);
  const poolId = (JSON.parse((await c.ceph(['osd', 'dump', '-f', 'json'])).stdout) as { pools: { pool: number; pool_name: string }[] }).pools.find((p) => p.pool_name === pool)!.pool;
  const pgid = `${poolId}.0`;
  const rados = (args: string[], input?: string | Buffer) => run('rados', ['-c', c.conf, '--rados-osd-op-timeout', '60', '-p', pool, ...args], { timeoutMs: 90_000, input });
  const flip = pattern('flip-me');
  const other = pattern('other-data');
  for (const [name, data] of [['flip', flip], ['other', other], ['plain', Buffer.from('untouched\n')]] as const) {
    const f = join(c.dir, `${name}.in`);
    writeFileSync(f, data);
    r = await rados(['put', name, f]);
    t.equal(r.code, 0, `rados put ${name}: ${r.stderr}`);
  }
  await waitFor(async () => (await pgStat(c, pgid))?.state === 'active+clean', 60_000, `${pgid} active+clean`, 500);

  // A plain scrub of a clean PG moves last_scrub_stamp (the mgr learns it with the next report).
  const before = (await pgStat(c, pgid))!;
  r = await c.ceph(['pg', 'scrub', pgid]);
  t.equal(r.code, 0, `pg scrub: ${r.stderr}`);
  t.match(r.stderr, new RegExp(`instructing pg ${pgid.replace('.', '\\.')} on osd\\.${before.acting_primary} to scrub`));
  await waitFor(async () => (await pgStat(c, pgid))?.last_scrub_stamp !== before.last_scrub_stamp, 30_000, 'last_scrub_stamp moved', 500);

  // Damage one replica offline: stop it, flip a byte of `flip` on its device, rewrite `other`.
  const bad = before.acting.find((o) => o !== before.acting_primary)!;
  process.kill(c.pid(bad), 'SIGTERM');
  await waitFor(() => !existsSync(join(c.dir, 'run', `osd.${bad}.pid`)), 30_000, `osd.${bad} stopped`, 100);
  const otherFile = join(c.dir, 'other.bad');
  writeFileSync(otherFile, Buffer.from(other).fill(0x42, 4096, 4200));
  r = await run(process.execPath, [toolBin, '--data-path', join(c.dir, `osd.${bad}`), '--op', 'set-bytes', '--pgid', pgid, '--oid', 'other', '--file', otherFile], { timeoutMs: 60_000 });
  t.equal(r.code, 0, `set-bytes on osd.${bad}: ${r.stderr}`);
  // The flip comes last: a mount replays the journal, which may still hold the block's data.
  t.ok(flipOnDevice(join(c.dir, `osd.${bad}`, 'block'), flip) > 0, 'the block is on the device');
  r = await run(process.execPath, [toolBin, '--data-path', join(c.dir, `osd.${bad}`), '--op', 'get-bytes', '--pgid', pgid, '--oid', 'flip', '--file', join(c.dir, 'flip.eio')], { timeoutMs: 60_000 });
  t.match(r.stderr, /Error EIO: .*checksum mismatch/, 'the flipped copy no longer reads back');
  r = await c.tsCeph(['start', '--dir', c.dir]);
  t.equal(r.code, 0, `ts-ceph start: ${r.stderr}`);
  await watch.waitUp(bad, true, 0, 30_000);
  await waitFor(async () => (await pgStat(c, pgid))?.state === 'active+clean', 60_000, `${pgid} active+clean again`, 500);

  r = await c.ceph(['pg', 'deep-scrub', pgid]);
  t.equal(r.code, 0, `pg deep-scrub: ${r.stderr}`);
  await waitFor(async () => 'PG_DAMAGED' in (await healthChecks(c)), 60_000, 'PG_DAMAGED', 500);
  const checks = await healthChecks(c);
  t.equal(checks.OSD_SCRUB_ERRORS?.summary.message, '2 scrub errors');
  t.equal(checks.PG_DAMAGED?.summary.message, 'Possible data damage: 1 pg inconsistent');
  r = await c.ceph(['pg', 'ls', 'inconsistent', '-f', 'json']);
  const ls = JSON.parse(r.stdout) as { pg_stats: PgStat[] };
  t.same(ls.pg_stats.map((p) => [p.pgid, p.state]), [[pgid, 'active+clean+inconsistent']], 'pg ls inconsistent');
  r = await rados(['list-inconsistent-pg', pool]);
  t.same(JSON.parse(r.stdout), [pgid], `rados list-inconsistent-pg: ${r.stderr}`);
  r = await run('rados', ['-c', c.conf, 'list-inconsistent-obj', pgid, '--format=json-pretty'], { timeoutMs: 60_000 });
  t.equal(r.code, 0, `list-inconsistent-obj: ${r.stderr}`);
  const inc = JSON.parse(r.stdout) as { inconsistents: { object: { name: string }; errors: string[]; union_shard_errors: string[]; shards: { osd: number; errors: string[] }[] }[] };
  const byName = new Map(inc.inconsistents.map((i) => [i.object.name, i]));
  t.same([...byName.keys()].sort(), ['flip', 'other'], 'the two damaged objects');
  t.same(byName.get('flip')?.shards.find((s) => s.osd === bad)?.errors, ['read_error'], 'flip: a read error on the damaged shard');
  t.same(byName.get('other')?.errors, ['data_digest_mismatch'], 'other: the copies differ');
  const otherShards = byName.get('other')?.shards ?? [];
  const digest = (o: number): unknown => (otherShards.find((s) => s.osd === o) as { data_digest?: string } | undefined)?.data_digest;
  t.ok(otherShards.length === 3 && otherShards.filter((s) => s.osd !== bad).every((s) => digest(s.osd) !== digest(bad) && digest(s.osd) === digest(before.acting_primary)), 'other: the damaged shard alone has another data_digest');
  t.same(byName.get('flip')?.shards.filter((s) => s.errors.length).map((s) => s.osd), [bad], 'only the damaged shard is bad');
  // The monitor's cluster log file (Ceph's ceph.log): `ceph log last` keeps only a short tail.
  const clusterLog = (): string => readFileSync(join(c.dir, 'log', 'ceph.log'), 'utf8');
  await waitFor(() => clusterLog().includes(`${pgid} deep-scrub 2 errors`), 10_000, 'the deep scrub in the cluster log', 200).catch(() => undefined);
  const clog = clusterLog();
  t.match(clog, `${pgid} deep-scrub starts`);
  t.match(clog, new RegExp(`${pgid.replace('.', '\\.')} shard ${bad} soid ${poolId}:[0-9a-f]{8}:::flip:head : candidate had a read error`));
  t.match(clog, new RegExp(`${pgid.replace('.', '\\.')} shard ${bad} soid ${poolId}:[0-9a-f]{8}:::other:head : data_digest 0x[0-9a-f]+ != data_digest 0x[0-9a-f]+ from shard ${before.acting_primary}`));
  t.match(clog, `${pgid} deep-scrub 2 errors`);

  // Repair: the bad copies are rewritten from the authoritative one.
  r = await c.ceph(['pg', 'repair', pgid]);
  t.equal(r.code, 0, `pg repair: ${r.stderr}`);
  await waitFor(async () => !('PG_DAMAGED' in (await healthChecks(c))) && !('OSD_SCRUB_ERRORS' in (await healthChecks(c))), 60_000, 'scrub errors cleared', 500);
  r = await c.ceph(['health']);
  t.equal(r.stdout.trim(), 'HEALTH_OK', 'health returns to HEALTH_OK');
  t.match(clusterLog(), `${pgid} repair 2 errors, 2 fixed`);
  const deepBefore = (await pgStat(c, pgid))!.last_deep_scrub_stamp;
  r = await c.ceph(['pg', 'deep-scrub', pgid]);
  await waitFor(async () => (await pgStat(c, pgid))?.last_deep_scrub_stamp !== deepBefore, 60_000, 'a further deep scrub', 500);
  t.equal((await pgStat(c, pgid))?.state, 'active+clean', 'the further deep scrub is clean');
  await waitFor(() => clusterLog().includes(`${pgid} deep-scrub ok`), 10_000, 'deep-scrub ok in the cluster log', 200).catch(() => undefined);
  t.match(clusterLog(), `${pgid} deep-scrub ok`);

  // The repaired store itself holds the right bytes (read offline from the stopped OSD).
  process.kill(c.pid(bad), 'SIGTERM');
  await waitFor(() => !existsSync(join(c.dir, 'run', `osd.${bad}.pid`)), 30_000, `osd.${bad} stopped`, 100);
  for (const [name, data] of [['flip', flip], ['other', other]] as const) {
    const out = join(c.dir, `${name}.out`);
    r = await run(process.execPath, [toolBin, '--data-path', join(c.dir, `osd.${bad}`), '--op', 'get-bytes', '--pgid', pgid, '--oid', name, '--file', out], { timeoutMs: 60_000 });
    t.equal(r.code, 0, `get-bytes ${name}: ${r.stderr}`);
    t.ok(r.code === 0 && readFileSync(out).equals(data), `osd.${bad} holds the authoritative ${name} again`);
  }
});
