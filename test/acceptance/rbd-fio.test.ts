/**
 * fio's rbd engine (Debian's fio, librbd 16.2.15) against ts-osd with --verify=crc32c on an image with
 * the default features (exclusive-lock, object-map, fast-diff): 4 KiB random writes at QD1 and QD32,
 * then 1 MiB sequential writes, each followed by fio's verify read pass; no verify error, no I/O error.
 */
import t from 'tap';
import { requireBinary, run } from '@ts-ceph/testkit';
import { startTsOsdCluster } from './osd-lib';

t.test('fio --ioengine=rbd --verify=crc32c', async (t) => {
  requireBinary('fio');
  requireBinary('rbd');
  const c = await startTsOsdCluster({ pool: 'rbd', deviceBytes: 512 << 20 });
  t.teardown(() => c.stop());
  const mk = await run('rbd', ['-c', c.mon.conf, 'create', '--size', '128M', 'rbd/fio'], { timeoutMs: 60_000 });
  t.equal(mk.code, 0, `rbd create: ${mk.stderr}`);
  const env = { ...process.env, CEPH_CONF: c.mon.conf, CEPH_KEYRING: c.mon.adminKeyring };
  const common = ['--ioengine=rbd', '--clientname=admin', `--pool=${c.pool}`, '--rbdname=fio', '--verify=crc32c', '--do_verify=1', '--verify_fatal=1', '--output-format=json', '--eta=never'];
  const jobs: [string, string[]][] = [
    ['4k-randwrite-qd1', ['--name=rw4k1', '--rw=randwrite', '--bs=4k', '--iodepth=1', '--size=2m']],
    ['4k-randwrite-qd32', ['--name=rw4k32', '--rw=randwrite', '--bs=4k', '--iodepth=32', '--size=8m']],
    ['1m-write', ['--name=w1m', '--rw=write', '--bs=1m', '--iodepth=4', '--size=64m']],
  ];
  for (const [what, args] of jobs) {
    const r = await run('fio', [...common, ...args], { env, timeoutMs: 240_000 });
    t.equal(r.code, 0, `${what}: fio exit 0: ${r.stderr.slice(-2000)}\n${c.osdLog(20)}`);
    let res: { jobs: { error: number; write: { io_bytes: number; iops: number }; read: { io_bytes: number } }[] } | undefined;
    try {
      res = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    } catch {
      res = undefined;
    }
    const j = res?.jobs[0];
    t.ok(j, `${what}: fio JSON output`);
    if (!j) continue;
    t.equal(j.error, 0, `${what}: no error`);
    t.ok(j.write.io_bytes > 0 && j.read.io_bytes >= j.write.io_bytes, `${what}: wrote ${j.write.io_bytes} bytes (${Math.round(j.write.iops)} IOPS) and verified ${j.read.io_bytes}`);
  }
});
