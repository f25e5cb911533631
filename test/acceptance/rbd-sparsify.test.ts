/**
 * `rbd sparsify` (librbd 16.2.15) against ts-mon + one ts-osd: an image whose objects python3-rbd
 * filled with zeros (and one with some data) uses its whole size in `rbd du`; after sparsify (the
 * cls_rbd `sparsify` method on each data object) the zero objects are gone, `rbd du` counts only the
 * object with data, and the data reads back byte-exact.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { requireBinary, run } from '@ts-ceph/testkit';
import { startTsOsdCluster } from './osd-lib';

const objectBytes = 4 << 20;

const fill = `
import rados, rbd, sys
cluster = rados.Rados(conffile=sys.argv[1])
cluster.connect()
io = cluster.open_ioctx(sys.argv[2])
with rbd.Image(io, 'zeros') as img:
    for i in range(4):
        img.write(b'\\0' * ${objectBytes}, i * ${objectBytes})
    data = bytes(range(256)) * 64
    img.write(data, 5 * ${objectBytes} + 8192)
    img.write(b'\\0' * ${objectBytes}, 6 * ${objectBytes})
io.close()
cluster.shutdown()
`;

t.test('rbd sparsify shrinks rbd du of a zero-filled image', async (t) => {
  requireBinary('rbd');
  requireBinary('python3');
  const c = await startTsOsdCluster({ pool: 'rbd', deviceBytes: 512 << 20 });
  t.teardown(() => c.stop());
  const rbd = async (args: string[]): Promise<string> => {
    const r = await run('rbd', ['-c', c.mon.conf, '--rados-osd-op-timeout', '20', '-p', c.pool, ...args], { timeoutMs: 120_000 });
    t.equal(r.code, 0, `rbd ${args.join(' ')}: ${r.stderr.slice(-1500)}\n${c.osdLog(15)}`);
    return r.stdout;
  };
  const used = async (): Promise<number> => {
    const du = JSON.parse(await rbd(['du', 'zeros', '--format', 'json'])) as { images: { name: string; used_size: number }[] };
    return du.images.find((i) => i.name === 'zeros')!.used_size;
  };
  const objects = async (): Promise<string[]> => (await c.rados(['ls'])).stdout.split('\n').filter((o) => o.startsWith('rbd_data.')).sort();

  await rbd(['create', '--size', '32M', 'zeros']);
  const py = await c.python(fill);
  t.equal(py.code, 0, `python3-rbd writes: ${py.stderr.slice(-1500)}`);
  t.equal(await used(), 6 * objectBytes, 'du before: six objects written');
  t.equal((await objects()).length, 6, 'six data objects');

  await rbd(['sparsify', 'zeros', '--no-progress']);
  t.equal(await used(), objectBytes, 'du after: only the object with data');
  const left = await objects();
  t.equal(left.length, 1, 'one data object left');
  t.match(left[0], /\.0000000000000005$/, 'the object with data (number 5)');
  const st = await c.rados(['stat', left[0]!]);
  t.match(st.stdout, /size 24576\b/, 'its trailing zeros truncated: 8 KiB hole + 16 KiB data');

  const out = join(c.mon.dir, 'export.img');
  await rbd(['export', '--no-progress', 'zeros', out]);
  const img = readFileSync(out);
  const want = Buffer.alloc(32 << 20);
  Buffer.from(Array.from({ length: 256 * 64 }, (_, i) => i % 256)).copy(want, 5 * objectBytes + 8192);
  t.ok(img.equals(want), 'the image reads back byte-exact');
});
