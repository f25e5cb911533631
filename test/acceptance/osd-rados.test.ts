/**
 * ts-osd serves the real `rados` CLI (16.2.15): ts-mon, `ceph osd new` with a cephx secret and the
 * OSD's keyring (as for a real ceph-osd), `ts-osd --mkfs` then `ts-osd -f`; it must come up with its
 * own addrs and create the PGs of a size-1 pool (pg_create2 → osd_pg_created). Then rados put, get
 * (same bytes), stat, ls (pgnls over the 8 PGs), rm, get after rm (ENOENT), and a client with only `osd 'allow r pool=p'`
 * refused a put (EPERM), binary omap keys (--omap-key-file) and xattr names. Fails, never skips, when a binary is missing or anything does not work.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { json } from './mon-lib';
import { checkBinaryNames } from './osd-binary-names';
import { OsdDump, startTsOsdCluster } from './osd-lib';

t.test('the real rados CLI against ts-osd on a size-1 pool', async (t) => {
  const c = await startTsOsdCluster();
  t.teardown(() => c.stop());
  const { mon: m, dir, osd, uuid, osdLog } = c;
  const o = json<OsdDump>(await m.ceph(['osd', 'dump', '-f', 'json'])).osds.find((x) => x.osd === 0)!;
  t.same([o.up, o.in, o.uuid], [1, 1, uuid], 'up and in with its uuid');
  t.ok(o.public_addrs.addrvec[0]?.addr.startsWith('127.0.0.1:'), `public addrs ${JSON.stringify(o.public_addrs)}`);
  let r = await m.ceph(['osd', 'tree']);
  t.match(r.stdout, /osd\.0\s+up/, 'osd tree shows osd.0 up');

  const rados = (args: string[], extra: string[] = []) => c.rados(args, { extra });
  const data = randomBytes(3 * 1024 * 1024 + 1234);
  const src = join(m.dir, 'in.bin');
  const dst = join(m.dir, 'out.bin');
  writeFileSync(src, data);
  r = await rados(['put', 'obj', src]);
  t.same([r.code, r.stderr], [0, ''], `rados put: ${r.stderr}\n${osdLog()}`);
  r = await rados(['get', 'obj', dst]);
  t.same([r.code, r.stderr], [0, ''], 'rados get');
  t.ok(readFileSync(dst).equals(data), 'the bytes read back are the bytes written');
  r = await rados(['stat', 'obj']);
  t.equal(r.code, 0, `rados stat: ${r.stderr}`);
  t.match(r.stdout, new RegExp(`^p/obj mtime \\S+, size ${data.length}\\n$`), `stat: ${r.stdout}`);
  // Larger than rados' 4 MiB op size: writefull then writes at 4 MiB and 8 MiB, reads in chunks.
  const big = randomBytes(9 * 1024 * 1024 + 17);
  writeFileSync(join(m.dir, 'big.bin'), big);
  r = await rados(['put', 'big', join(m.dir, 'big.bin')]);
  t.equal(r.code, 0, `put of 9 MiB: ${r.stderr}`);
  r = await rados(['get', 'big', dst]);
  t.ok(r.code === 0 && readFileSync(dst).equals(big), 'the 9 MiB object reads back identical');
  r = await rados(['rm', 'big']);
  t.equal(r.code, 0, 'rm big');
  // The size range of the issue: 1 byte to 64 MiB, byte-exact (rados splits the large one into 4 MiB ops).
  for (const size of [1, 4095, 64 * 1024 * 1024]) {
    const blob = randomBytes(size);
    writeFileSync(join(m.dir, 'sized.bin'), blob);
    r = await rados(['put', `sized${size}`, join(m.dir, 'sized.bin')]);
    t.equal(r.code, 0, `put ${size} B: ${r.stderr}`);
    r = await rados(['get', `sized${size}`, dst]);
    t.ok(r.code === 0 && readFileSync(dst).equals(blob), `${size} B read back byte-exact`);
    r = await rados(['rm', `sized${size}`]);
    t.equal(r.code, 0, `rm ${size} B`);
  }
  for (const n of ['a1', 'a2', 'a3']) {
    r = await rados(['put', n, src]);
    t.equal(r.code, 0, `put ${n}`);
  }
  r = await rados(['ls']);
  t.same([r.code, r.stdout.split('\n').filter(Boolean).sort()], [0, ['a1', 'a2', 'a3', 'obj']], `rados ls: ${r.stderr}`);
  r = await rados(['rm', 'obj']);
  t.same([r.code, r.stderr], [0, ''], 'rados rm');
  r = await rados(['get', 'obj', dst]);
  t.not(r.code, 0, 'get after rm fails');
  t.match(r.stderr, /No such file or directory/, `ENOENT: ${r.stderr}`);
  r = await rados(['stat', 'obj']);
  t.match(r.stderr, /No such file or directory/, 'stat after rm: ENOENT');

  // A client with read-only caps on p: a put is refused with EPERM.
  const roKeyring = join(m.dir, 'ro.keyring');
  r = await m.ceph(['auth', 'get-or-create', 'client.ro', 'mon', 'allow r', 'osd', 'allow r pool=p', '-o', roKeyring]);
  t.equal(r.code, 0, `auth get-or-create: ${r.stderr}`);
  r = await rados(['put', 'obj2', src], ['-n', 'client.ro', '--keyring', roKeyring]);
  t.not(r.code, 0, 'read-only put fails');
  t.match(r.stderr, /Operation not permitted/, `EPERM: ${r.stderr}`);
  r = await rados(['put', 'obj2', src]);
  t.equal(r.code, 0, 'admin put');
  r = await rados(['get', 'obj2', dst], ['-n', 'client.ro', '--keyring', roKeyring]);
  t.equal(r.code, 0, `read-only client may read: ${r.stderr}`);
  t.ok(readFileSync(dst).equals(data), 'same bytes for the read-only client');

  // omap keys, xattr and object names that are not UTF-8, byte-exact (osd-binary-names.ts).
  await checkBinaryNames(t, c, m.dir);

  // SIGTERM: the OSD asks to be marked down (MOSDMarkMeDown with request_ack) and exits once the
  // mon acks. With a single OSD the mon keeps it up (mon_osd_min_up_ratio, as Ceph's can_mark_down)
  // but still acks, so the exit comes well before markDownTimeoutMs (5 s).
  const exited = new Promise<number | null>((resolve) => osd.on('exit', (code) => resolve(code)));
  const t0 = Date.now();
  osd.kill('SIGTERM');
  t.equal(await exited, 0, 'ts-osd exits 0 on SIGTERM');
  // The log line proves the ack came (a wall-time bound would only measure the machine's load).
  t.match(readFileSync(join(dir, 'osd.log'), 'utf8'), /mark_me_down acked by the monitor/, `the mon acked MOSDMarkMeDown (exit after ${Date.now() - t0} ms)`);
});
