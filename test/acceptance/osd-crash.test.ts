/**
 * kill -9 of ts-osd in the middle of a stream of writes from a real python3-rados client (write_full
 * plus an omap key in one write op, each ack printed with the object version librados reports). After
 * the restart the client's in-flight ops are resent and complete; then every object holds its last
 * acked write (data and omap), and the versions the client saw only ever went up, across the restart:
 * the PG's info and log came back from the store, no eversion was reused, a resent op that had
 * committed before the kill was answered from the log rather than applied twice.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@ts-ceph/testkit';
import { json } from './mon-lib';
import { OsdDump, startOsd, startTsOsdCluster } from './osd-lib';

const writes = 1500;
const objects = 16;

const writer = `
import json, sys, rados
conf, pool, n, nobj = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
c = rados.Rados(conffile=conf, conf={'rados_osd_op_timeout': '120'})
c.connect()
io = c.open_ioctx(pool)
for i in range(n):
    name = 'crash%d' % (i % nobj)
    data = (('%d:' % i) * 40).encode()
    with rados.WriteOpCtx() as op:
        op.write_full(data)
        io.set_omap(op, ('last',), (str(i).encode(),))
        io.operate_write_op(op, name)
    print(json.dumps({'i': i, 'name': name, 'v': io.get_last_version()}), flush=True)
io.close()
c.shutdown()
`;

const reader = `
import json, sys, rados
conf, pool, nobj = sys.argv[1], sys.argv[2], int(sys.argv[3])
c = rados.Rados(conffile=conf)
c.connect()
io = c.open_ioctx(pool)
out = {}
for k in range(nobj):
    name = 'crash%d' % k
    data = io.read(name, 1 << 20)
    with rados.ReadOpCtx() as op:
        it, rv = io.get_omap_vals_by_keys(op, ('last',))
        io.operate_read_op(op, name)
        omap = dict(it)
    out[name] = {'data': data.decode(), 'last': omap.get('last', b'').decode(), 'v': io.get_last_version()}
print(json.dumps(out))
`;

t.test('kill -9 ts-osd during acked writes: every acked write reads back, versions only go up', async (t) => {
  const c = await startTsOsdCluster();
  let osd = c.osd;
  t.teardown(async () => {
    if (osd.exitCode === null && osd.signalCode === null) osd.kill('SIGKILL');
    await c.stop();
  });
  const wf = join(c.dir, 'writer.py');
  writeFileSync(wf, writer);
  const client = spawn('/usr/bin/python3', [wf, c.mon.conf, c.pool, String(writes), String(objects)], { env: { ...process.env, CEPH_KEYRING: c.mon.adminKeyring }, stdio: ['ignore', 'pipe', 'pipe'] });
  const acks: { i: number; name: string; v: number }[] = [];
  let buf = '';
  let err = '';
  client.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) if (l.trim()) acks.push(JSON.parse(l));
  });
  client.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number>((resolve) => client.on('exit', (code) => resolve(code ?? -1)));

  await waitFor(() => acks.length >= 400 || client.exitCode !== null, 60_000, 'the first 400 acks', 20);
  const before = json<OsdDump>(await c.mon.ceph(['osd', 'dump', '-f', 'json'])).osds.find((o) => o.osd === 0)!.public_addrs.addrvec[0]!.addr;
  osd.kill('SIGKILL');
  await new Promise((r) => osd.once('exit', r));
  const ackedAtKill = acks.length;
  t.ok(ackedAtKill >= 400 && ackedAtKill < writes, `killed with ${ackedAtKill} of ${writes} writes acked`);
  osd = await startOsd(c.mon, c.dir);
  await waitFor(
    async () => json<OsdDump>(await c.mon.ceph(['osd', 'dump', '-f', 'json'])).osds.find((o) => o.osd === 0 && o.up === 1 && o.public_addrs.addrvec[0]!.addr !== before) !== undefined,
    30_000,
    'the restarted ts-osd up at its new address',
    250,
  );
  const code = await Promise.race([exited, new Promise<number>((r) => setTimeout(() => r(-99), 150_000).unref())]);
  t.equal(code, 0, `the writer finished after the restart: ${err.slice(-2000)}\n${c.osdLog()}`);
  t.equal(acks.length, writes, 'every write was acked');

  // Versions are per PG, so they are compared per object: each write of an object got a higher one.
  const seen = new Map<string, number>();
  let monotonic = true;
  for (const a of acks) {
    if ((seen.get(a.name) ?? 0) >= a.v) monotonic = false;
    seen.set(a.name, a.v);
  }
  t.ok(monotonic, `each object's version strictly increases across the restart (last before the kill: v${acks[ackedAtKill - 1]?.v}, first after: v${acks[ackedAtKill]?.v})`);

  const rf = join(c.dir, 'reader.py');
  writeFileSync(rf, reader);
  const { run } = await import('@ts-ceph/testkit');
  const r = await run('/usr/bin/python3', [rf, c.mon.conf, c.pool, String(objects)], { env: { ...process.env, CEPH_KEYRING: c.mon.adminKeyring }, timeoutMs: 60_000 });
  t.equal(r.code, 0, `reader: ${r.stderr}`);
  const state = JSON.parse(r.stdout) as Record<string, { data: string; last: string; v: number }>;
  const lastAck = new Map<string, { i: number; v: number }>();
  for (const a of acks) lastAck.set(a.name, a);
  let ok = 0;
  for (const [name, a] of lastAck) {
    const s = state[name]!;
    if (s.data === `${a.i}:`.repeat(40) && s.last === String(a.i) && s.v === a.v) ok++;
    else t.fail(`${name}: expected write ${a.i} (v${a.v}), read data ${s.data.slice(0, 12)}… omap last=${s.last} v${s.v}`);
  }
  t.equal(ok, objects, 'every object holds its last acked data, omap key and version');
});
