/**
 * A full device behaves as Ceph's: python3-rados fills a 256 MiB ts-osd with 4 MiB objects; the OSD
 * reports itself full (MOSDFull), the monitor marks it and the pool full (`ceph health detail`:
 * OSD_FULL, POOL_FULL with Ceph's texts), librados pauses the writes (they time out) or the OSD
 * answers ENOSPC past the failsafe ratio, never a hang or a crash. `rados rm` still goes through
 * and frees space, the flags clear, writes work again, and the store passes fsck. Pool quotas
 * (`ceph osd pool set-quota`) are enforced the same way: the monitor marks the pool FULL_QUOTA once
 * its objects or bytes reach the quota, librados holds the writes, and a raised quota releases them.
 */
import t from 'tap';
import { join } from 'node:path';
import { repoRoot } from '@ts-ceph/common';
import { run, waitFor } from '@ts-ceph/testkit';
import { startTsOsdCluster } from './osd-lib';

const toolBin = join(repoRoot(), 'packages', 'objectstore', 'dist', 'src', 'bin', 'ts-objectstore-tool.js');

// Writes 4 MiB objects until librados gives up: TimedOut (paused on the full pool) or NoSpace.
const filler = `
import json, sys, rados
conf, pool = sys.argv[1], sys.argv[2]
c = rados.Rados(conffile=conf, conf={'rados_osd_op_timeout': '8'})
c.connect()
io = c.open_ioctx(pool)
data = b'f' * (4 << 20)
n, err = 0, None
for i in range(100):
    try:
        io.write_full('fill%d' % i, data)
        n += 1
    except rados.Error as e:
        err = type(e).__name__
        break
print(json.dumps({'written': n, 'error': err}), flush=True)
io.close()
c.shutdown()
`;

t.test('a full ts-osd: health warnings, paused or refused writes, deletes free space, flags clear', async (t) => {
  const c = await startTsOsdCluster({ deviceBytes: 256 << 20 });
  t.teardown(() => c.stop());
  const fill = await c.python(filler);
  t.equal(fill.code, 0, `filler ends: ${fill.stderr}`);
  const res = JSON.parse(fill.stdout.trim().split('\n').pop()!) as { written: number; error: string | null };
  t.ok(res.written >= 40 && res.written < 64, `wrote ${res.written} objects of 4 MiB before the device filled`);
  t.match(res.error, /^(TimedOut|NoSpace|OSError)$/, `the write that did not fit failed with ${res.error}`);

  const health = async (): Promise<string> => (await c.mon.ceph(['health', 'detail'])).stdout;
  await waitFor(async () => /POOL_FULL/.test(await health()), 20_000, 'POOL_FULL', 250);
  const h = await health();
  t.match(h, /^HEALTH_ERR /);
  t.match(h, /\[ERR\] OSD_FULL: 1 full osd\(s\)\n    osd\.0 is full\n/);
  t.match(h, new RegExp(`\\[WRN\\] POOL_FULL: 1 pool\\(s\\) full\\n    pool '${c.pool}' is full \\(no space\\)\\n`));
  const dump = JSON.parse((await c.mon.ceph(['osd', 'dump', '-f', 'json'])).stdout) as { osds: { osd: number; state: string[] }[]; pools: { pool_name: string; flags_names: string }[] };
  t.ok(dump.osds[0]!.state.includes('full'), `osd.0 state ${dump.osds[0]!.state}`);
  t.match(dump.pools.find((p) => p.pool_name === c.pool)!.flags_names, /\bfull\b/);

  // librados pauses every write to a full pool, deletes too, unless the caller forces them: the
  // operator's `rados rm --force-full` (CEPH_OSD_FLAG_FULL_FORCE) goes through and gives space back.
  const paused = await c.rados(['rm', 'fill0'], { extra: ['--rados-osd-op-timeout', '5'] });
  t.match(paused.stderr, /Connection timed out/, `a plain rm on the full pool waits (paused by librados), as on Ceph: ${paused.stderr}`);
  for (let i = 0; i < 20; i++) {
    const r = await c.rados(['rm', `fill${i}`, '--force-full']);
    if (r.code !== 0) {
      t.fail(`rm fill${i}: ${r.stderr}\n${c.osdLog(20)}`);
      return;
    }
  }
  await waitFor(async () => !/FULL/.test(await health()), 20_000, 'the full flags cleared', 250);
  t.notMatch(await health(), /OSD_FULL|POOL_FULL|OSD_NEARFULL/);
  const put = await c.rados(['put', 'after', '-'], { input: Buffer.alloc(1 << 20, 7) });
  t.equal(put.code, 0, `a write after the deletes: ${put.stderr}`);
  const get = await c.rados(['stat', 'after']);
  t.match(get.stdout, /size 1048576/);

  t.equal(c.osd.exitCode, null, 'ts-osd is still running');
  t.equal(c.osd.signalCode, null);
  c.osd.kill('SIGTERM');
  await new Promise((r) => c.osd.once('exit', r));
  const fsck = await run(process.execPath, [toolBin, '--data-path', c.dir, '--op', 'fsck', '--deep']);
  t.equal(fsck.code, 0, `fsck: ${fsck.stdout}${fsck.stderr}`);
});

t.test('pool quotas: FULL_QUOTA at max_objects and max_bytes, writes held until the quota is raised', async (t) => {
  const c = await startTsOsdCluster({ pool: 'q' });
  t.teardown(() => c.stop());
  const flags = async (): Promise<string> => {
    const d = JSON.parse((await c.mon.ceph(['osd', 'dump', '-f', 'json'])).stdout) as { pools: { pool_name: string; flags_names: string }[] };
    return d.pools.find((p) => p.pool_name === 'q')!.flags_names;
  };
  const quota = (field: string, val: string) => c.mon.ceph(['osd', 'pool', 'set-quota', 'q', field, val]);
  t.equal((await quota('max_objects', '2')).code, 0, 'set-quota max_objects 2');
  for (const o of ['a', 'b']) t.equal((await c.rados(['put', o, '-'], { input: 'x'.repeat(100) })).code, 0, `put ${o}`);
  await waitFor(async () => /full_quota/.test(await flags()), 20_000, 'FULL_QUOTA', 250);
  t.match(await flags(), /\bfull\b.*\bfull_quota\b|\bfull_quota\b.*\bfull\b/, 'the pool is full and full_quota');
  const health = (await c.mon.ceph(['health', 'detail'])).stdout;
  t.match(health, /\[WRN\] POOL_FULL: 1 pool\(s\) full\n {4}pool 'q' is full \(running out of quota\)\n/, `health detail: ${health}`);
  const log = (await c.mon.ceph(['log', 'last', '20'])).stdout;
  t.match(log, /cluster \[WRN\] pool 'q' is full \(reached quota's max_objects: 2\)/, 'the cluster log says why');

  // librados holds a write to the full pool (it times out here), and lets it go once the quota is raised.
  const held = await c.rados(['put', 'c', '-'], { input: 'y', extra: ['--rados-osd-op-timeout', '3'] });
  t.match(held.stderr, /Connection timed out/, `a put to the pool over quota waits: ${held.stderr}`);
  const late = c.rados(['put', 'd', '-'], { input: 'z', timeoutMs: 30_000 });
  await new Promise((r) => setTimeout(r, 1000));
  t.equal((await quota('max_objects', '0')).code, 0, 'set-quota max_objects 0');
  t.equal((await late).code, 0, 'the held put completes once the quota is lifted');
  await waitFor(async () => !/full/.test(await flags()), 20_000, 'the flags cleared', 250);
  t.match((await c.mon.ceph(['log', 'last', '20'])).stdout, /cluster \[INF\] pool 'q' no longer out of quota; removing NO_QUOTA flag/);

  // Bytes: at or over max_bytes the pool is full again; an operator's forced delete still goes through.
  t.equal((await quota('max_bytes', '150')).code, 0, 'set-quota max_bytes 150');
  await waitFor(async () => /full_quota/.test(await flags()), 20_000, 'FULL_QUOTA by bytes', 250);
  t.match((await c.mon.ceph(['log', 'last', '30'])).stdout, /pool 'q' is full \(reached quota's max_bytes: 150 B\)/);
  t.equal((await c.rados(['rm', 'a', '--force-full'])).code, 0, 'rm --force-full on the pool over quota');
  await waitFor(async () => !/full/.test(await flags()), 20_000, 'under the byte quota again', 250);
  t.equal((await c.rados(['put', 'e', '-'], { input: 'w' })).code, 0, 'writes work again');
});
