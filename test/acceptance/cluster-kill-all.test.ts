/**
 * Issue 12, acceptance 4: kill -9 of every daemon (ts-mon and the three ts-osd) while python3-rados
 * writes, then `ts-ceph start`, loses no acknowledged write. osd-replication.test.ts kills the
 * three OSDs; here the monitor dies with them, and the client rides through the restart:
 *  - the writer (one librados client, sequential ops) creates new objects and overwrites a small
 *    hot set with numbered versions, printing each write once librados acknowledged it;
 *  - every daemon is killed at once a few seconds in and restarted straight away; the writer keeps
 *    going on the same connection (librados reconnects and resends) and ends without an error;
 *  - afterwards every acknowledged new object reads back with its content, and every hot object
 *    holds its last acknowledged version (the writer waits for each ack, so nothing newer exists).
 */
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { realClock } from '@ts-ceph/common';
import { requireBinary, run } from '@ts-ceph/testkit';
import { BootstrappedCluster, bootstrapTsCluster, watchOsdMap } from './osd-cluster-lib';
import { waitAllClean } from './osd-faults-lib';

const pool = 'crash';
const pgs = 8;

// Writes for `seconds` and at least `writes` times (a slow machine spends most of the time in the
// restart). Prints "new NAME T" or "hot NAME VERSION T" after each acknowledged write (T: seconds since start).
const writer = `
import sys, time, rados
conf, pool, seconds, writes = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
c = rados.Rados(conffile=conf, conf={'rados_osd_op_timeout': '90', 'rados_mon_op_timeout': '90'})
c.connect()
io = c.open_ioctx(pool)
start = time.time()
end = start + seconds
i = 0
while time.time() < end or i < writes:
    if i % 2 == 0:
        name = 'new-%d' % i
        io.write_full(name, (name * 40).encode())
        print('new', name, '%.2f' % (time.time() - start), flush=True)
    else:
        name = 'hot-%d' % (i % 7)
        io.write_full(name, ('%s v%d;' % (name, i) * 40).encode())
        print('hot', name, i, '%.2f' % (time.time() - start), flush=True)
    i += 1
io.close()
c.shutdown()
`;

// Reads "NAME EXPECTED-TEXT-UNIT" lines from stdin; prints the names whose content differs.
const reader = `
import sys, rados
conf, pool = sys.argv[1], sys.argv[2]
c = rados.Rados(conffile=conf, conf={'rados_osd_op_timeout': '60'})
c.connect()
io = c.open_ioctx(pool)
bad = 0
lines = [l.rstrip('\\n') for l in sys.stdin if l.strip()]
for l in lines:
    name, unit = l.split(' ', 1)
    try:
        got = io.read(name, 1 << 20)
    except rados.ObjectNotFound:
        got = b''
    if got != (unit * 40).encode():
        print('BAD', name, got[:40], flush=True)
        bad += 1
print('read', len(lines), 'bad', bad)
c.shutdown()
`;

function python(c: BootstrappedCluster, script: string, args: string[], input?: string): ReturnType<typeof run> {
  const f = join(c.dir, `script-${Date.now()}.py`);
  writeFileSync(f, script);
  return run('/usr/bin/python3', [f, c.conf, pool, ...args], { env: { ...process.env, CEPH_CONF: c.conf }, timeoutMs: 240_000, input });
}

/** What each acknowledged write leaves behind: new objects as written, hot ones at their last version. */
function expected(acks: string[]): string[] {
  const want = new Map<string, string>();
  for (const line of acks) {
    const [kind, name, version] = line.split(' ');
    if (kind === 'new') want.set(name!, name!);
    else if (kind === 'hot') want.set(name!, `${name} v${version};`);
  }
  return [...want].map(([n, unit]) => `${n} ${unit}`);
}

t.test('kill -9 of the mon and all three OSDs during writes loses no acknowledged write', async (t) => {
  requireBinary('ceph');
  const c = await bootstrapTsCluster(3);
  t.teardown(() => c.cleanup());
  const watch = await watchOsdMap(c.conf);
  for (const o of [0, 1, 2]) await watch.waitUp(o, true, 0, 30_000);
  await watch.stop();
  let r = await c.ceph(['osd', 'pool', 'create', pool, String(pgs)]);
  t.equal(r.code, 0, `pool create: ${r.stderr}`);
  await waitAllClean(c, pgs, 30_000);

  const writing = python(c, writer, ['12', '60']);
  await new Promise((res) => setTimeout(res, 4_000));
  const killedAt = realClock.now();
  const monPid = Number(readFileSync(join(c.dir, 'run', 'mon.a.pid'), 'utf8').trim());
  for (const pid of [monPid, c.pid(0), c.pid(1), c.pid(2)]) process.kill(pid, 'SIGKILL');
  r = await c.tsCeph(['start', '--dir', c.dir]);
  t.equal(r.code, 0, `ts-ceph start after kill -9 of every daemon: ${r.stderr}`);
  t.match(r.stderr, /started mon\.a, osd\.0, osd\.1, osd\.2/, 'all four daemons were restarted');
  t.comment(`ts-ceph start had every daemon up ${((realClock.now() - killedAt) / 1000).toFixed(1)} s after the kill`);

  const w = await writing;
  t.equal(w.code, 0, `the writer saw no error through the restart: ${w.stderr.slice(-2000)}`);
  const acks = w.stdout.split('\n').filter(Boolean);
  const want = expected(acks);
  t.ok(acks.length >= 60, `the writer got acks (${acks.length} writes, ${want.length} objects)`);
  const times = acks.map((l) => Number(l.split(' ').pop()));
  const gap = Math.max(...times.slice(1).map((x, i) => x - times[i]!));
  t.comment(`the longest wait for an ack (the restart): ${gap.toFixed(1)} s`);
  const read = await python(c, reader, [], want.join('\n'));
  t.match(read.stdout, / bad 0\n$/, `every acknowledged write reads back: ${read.stdout.slice(-800)}${read.stderr.slice(-1000)}`);
  const cleanMs = await waitAllClean(c, pgs, 60_000);
  t.comment(`active+clean ${(cleanMs / 1000).toFixed(1)} s after the read-back`);
});
