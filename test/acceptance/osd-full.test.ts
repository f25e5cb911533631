/**
 * A full device behaves as Ceph's: python3-rados fills a 256 MiB ts-osd with 4 MiB objects; the OSD
 * reports itself full (MOSDFull), the monitor marks it and the pool full (`ceph health detail`:
 * OSD_FULL, POOL_FULL with Ceph's texts), librados pauses the writes (they time out) or the OSD
 * answers ENOSPC past the failsafe ratio, never a hang or a crash. `rados rm` still goes through
 * and frees space, the flags clear, writes work again, and the store passes fsck.
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
