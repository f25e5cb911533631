// daemonSpawnEnv: the malloc settings ts-osd and ts-rgw are spawned with, and that a caller's own
// settings win (glibc reads MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ at process start).
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { daemonMallocMmapThresholdBytes, daemonSpawnEnv } from '../src';

t.test('the child sees the thresholds, and an operator setting is kept', async (t) => {
  const env = daemonSpawnEnv({ PATH: process.env.PATH, KEEP: 'yes' });
  t.equal(env.MALLOC_MMAP_THRESHOLD_, '8388608');
  t.equal(Number(env.MALLOC_MMAP_THRESHOLD_), daemonMallocMmapThresholdBytes);
  t.equal(env.MALLOC_TRIM_THRESHOLD_, String(64 * 1024 * 1024));
  t.equal(env.KEEP, 'yes');
  t.equal(daemonSpawnEnv({ MALLOC_MMAP_THRESHOLD_: '131072' }).MALLOC_MMAP_THRESHOLD_, '131072');
  const seen = execFileSync(process.execPath, ['-e', 'process.stdout.write(process.env.MALLOC_MMAP_THRESHOLD_ ?? "")'], { env }).toString();
  t.equal(seen, '8388608');
});
