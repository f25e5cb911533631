// daemonNodeArgs and storeDaemonSpawnEnv: ts-osd (and ts-mon's V8 flag) as ts-ceph spawns them:
// a child started with them really has an 8 MiB young generation and the 8 MiB trim threshold, and
// an operator's own MALLOC_TRIM_THRESHOLD_ wins.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { daemonNodeArgs, daemonSemiSpaceMiB, daemonStoreMallocTrimThresholdBytes, storeDaemonSpawnEnv } from '../src';

t.test('a child spawned with daemonNodeArgs keeps a young generation of two semi-spaces', async (t) => {
  t.same(daemonNodeArgs(), ['--max-semi-space-size=4']);
  // Two million small live objects make an unbounded young generation grow to its default limit.
  const script = "const a = []; for (let i = 0; i < 2e6; i++) a.push({ i }); const s = require('v8').getHeapSpaceStatistics().find((x) => x.space_name === 'new_space'); process.stdout.write(String(s.space_size));";
  const bounded = Number(execFileSync(process.execPath, [...daemonNodeArgs(), '-e', script]).toString());
  const free = Number(execFileSync(process.execPath, ['-e', script]).toString());
  t.ok(bounded <= 2 * daemonSemiSpaceMiB * 1048576, `new space ${bounded} bytes with the flag`);
  t.ok(free > bounded, `and ${free} bytes without it`);
});

t.test('storeDaemonSpawnEnv: the 8 MiB trim threshold unless the caller set one', async (t) => {
  const env = storeDaemonSpawnEnv({ PATH: process.env.PATH });
  t.equal(Number(env.MALLOC_TRIM_THRESHOLD_), daemonStoreMallocTrimThresholdBytes);
  t.equal(env.MALLOC_MMAP_THRESHOLD_, '8388608', 'the mmap threshold of every data daemon stays');
  t.equal(storeDaemonSpawnEnv({ MALLOC_TRIM_THRESHOLD_: '131072' }).MALLOC_TRIM_THRESHOLD_, '131072');
});
