/**
 * ts-osd serves the real `rados` CLI (16.2.15): ts-mon, `ceph osd new` with a cephx secret and the
 * OSD's keyring (as for a real ceph-osd), `ts-osd --mkfs` then `ts-osd -f`; it must come up with its
 * own addrs and create the PGs of a size-1 pool (pg_create2 → osd_pg_created). Then rados put, get
 * (same bytes), stat, ls (pgnls over the 8 PGs), rm, get after rm (ENOENT), and a client with only `osd 'allow r pool=p'`
 * refused a put (EPERM). Fails, never skips, when a binary is missing or anything does not work.
 */
import t from 'tap';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@ts-ceph/common';
import { requireBinary, run, RunResult, waitFor } from '@ts-ceph/testkit';
import { json, startTsMon } from './mon-lib';

const tsOsdBin = join(repoRoot(), 'packages', 'osd', 'dist', 'src', 'bin', 'ts-osd.js');

interface OsdDump {
  epoch: number;
  osds: { osd: number; uuid: string; up: number; in: number; public_addrs: { addrvec: { type: string; addr: string }[] } }[];
}

t.test('the real rados CLI against ts-osd on a size-1 pool', async (t) => {
  for (const b of ['ceph', 'rados', 'ceph-authtool']) requireBinary(b);
  const m = await startTsMon();
  const children: ChildProcess[] = [];
  t.teardown(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await m.stop();
  });
  const dir = join(m.dir, 'osd.0');
  appendFileSync(m.conf, `\n[osd]\nosd_data = ${join(m.dir, 'osd.$id')}\nkeyring = ${join(m.dir, 'osd.$id')}/keyring\nlog_file = ${join(m.dir, 'osd.$id')}/osd.log\nts_osd_device_bytes = ${256 << 20}\ndebug_osd = 10\n`);

  // osd.0 as the real flow creates it.
  const uuid = randomUUID();
  const key = (await run('ceph-authtool', ['--gen-print-key'])).stdout.trim();
  let r = await m.ceph(['osd', 'new', uuid, '0', '-i', '-'], { input: JSON.stringify({ cephx_secret: key }) });
  t.same([r.code, r.stdout.trim()], [0, '0'], `osd new: ${r.stderr}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'keyring'), `[osd.0]\n\tkey = ${key}\n`, { mode: 0o600 });
  const mk = await run(process.execPath, [tsOsdBin, '-c', m.conf, '-i', '0', '--mkfs', '--osd-uuid', uuid]);
  t.equal(mk.code, 0, `ts-osd --mkfs: ${mk.stdout}${mk.stderr}`);

  const osd = spawn(process.execPath, [tsOsdBin, '-c', m.conf, '-i', '0', '-f'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(osd);
  let out = '';
  osd.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  osd.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const osdLog = (): string => {
    try {
      return readFileSync(join(dir, 'osd.log'), 'utf8').split('\n').slice(-40).join('\n');
    } catch {
      return '';
    }
  };
  try {
    await waitFor(
      async () => {
        if (osd.exitCode !== null) throw new Error(`ts-osd exited ${osd.exitCode}: ${out}`);
        const o = json<OsdDump>(await m.ceph(['osd', 'dump', '-f', 'json'])).osds.find((x) => x.osd === 0);
        return o?.up === 1;
      },
      30_000,
      'osd.0 up',
      250,
    );
  } catch (e) {
    t.fail(`ts-osd never came up: ${(e as Error).message}\n${out}\n${osdLog()}`);
    throw e;
  }
  const o = json<OsdDump>(await m.ceph(['osd', 'dump', '-f', 'json'])).osds.find((x) => x.osd === 0)!;
  t.same([o.up, o.in, o.uuid], [1, 1, uuid], 'up and in with its uuid');
  t.ok(o.public_addrs.addrvec[0]?.addr.startsWith('127.0.0.1:'), `public addrs ${JSON.stringify(o.public_addrs)}`);
  r = await m.ceph(['osd', 'tree']);
  t.match(r.stdout, /osd\.0\s+up/, 'osd tree shows osd.0 up');

  r = await m.ceph(['osd', 'pool', 'create', 'p', '8']);
  t.equal(r.code, 0, `pool create: ${r.stderr}`);
  r = await m.ceph(['osd', 'pool', 'set', 'p', 'size', '1', '--yes-i-really-mean-it']);
  t.equal(r.code, 0, `pool set size 1: ${r.stderr}`);
  await waitFor(() => Promise.resolve(/created pg 1\.7/.test(readFileSync(join(dir, 'osd.log'), 'utf8'))), 30_000, 'PGs created', 250).catch((e: Error) => t.fail(`${e.message}\n${osdLog()}`));

  const rados = (args: string[], extra: string[] = []): Promise<RunResult> => run('rados', ['-c', m.conf, '--rados-osd-op-timeout', '20', ...(process.env.OSD_RADOS_DEBUG ? ['--debug-objecter', '10', '--debug-ms', '1', '--log-to-stderr', 'true'] : []), ...extra, '-p', 'p', ...args], { timeoutMs: 30_000 });
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
  for (const n of ['a1', 'a2', 'a3']) {
    r = await rados(['put', n, src]);
    t.equal(r.code, 0, `put ${n}`);
  }
  r = await run('rados', ['-c', m.conf, '-p', 'p', 'ls', ...(process.env.OSD_RADOS_DEBUG ? ['--debug-objecter', '20', '--debug-ms', '1', '--log-to-stderr', 'true'] : [])], { timeoutMs: 30_000 });
  if (process.env.OSD_RADOS_DEBUG) writeFileSync('/tmp/rados-ls.log', r.stderr);
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

  // SIGTERM: the OSD asks to be marked down (MOSDMarkMeDown with request_ack) and exits once the
  // mon acks. With a single OSD the mon keeps it up (mon_osd_min_up_ratio, as Ceph's can_mark_down)
  // but still acks, so the exit comes well before markDownTimeoutMs (5 s).
  const exited = new Promise<number | null>((resolve) => osd.on('exit', (code) => resolve(code)));
  const t0 = Date.now();
  osd.kill('SIGTERM');
  t.equal(await exited, 0, 'ts-osd exits 0 on SIGTERM');
  t.ok(Date.now() - t0 < 4000, `exited after ${Date.now() - t0} ms`);
  t.match(readFileSync(join(dir, 'osd.log'), 'utf8'), /mark_me_down acked by the monitor/, 'the mon acked MOSDMarkMeDown');
});
