/**
 * `rados cppool` (16.2.15's do_copy_pool: list the source with all namespaces, then one copy_from
 * per object into the target pool, same namespace, no locator) against ts-mon + one ts-osd. The
 * source pool holds 50 objects of 0 B to 9 MiB in two namespaces, with xattrs, omap values, omap
 * headers and two with a locator key; every copy must read back byte-exact with `rados get`,
 * `listxattr`, `listomapvals` and `getomapheader`, keep the source's user_version (finish_copyfrom),
 * and `rados ls --all` on the target must list every object (without its locator, as cppool copies
 * by name).
 */
import t, { Test } from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTsOsdCluster, createPool, TsOsdCluster } from './osd-lib';

interface Spec {
  name: string;
  ns: string;
  loc: string;
  size: number;
  seed: number;
  xattrs: Record<string, string>;
  omap: Record<string, string>;
  header: string;
}

const sizes = [0, 1, 777, 4096, 12345, 65539, 300_000, 1 << 20, 123, 5000];

function specs(): Spec[] {
  const out: Spec[] = [];
  for (let i = 0; i < 50; i++) {
    const omap: Record<string, string> = {};
    if (i % 3 === 0) for (let k = 0; k <= i % 7; k++) omap[`key${k}`] = `val-${i}-${k}`;
    out.push({
      name: `obj${i}`,
      ns: i % 2 ? 'ns1' : '',
      loc: i === 5 || i === 18 ? 'LOC' : '',
      size: i === 7 ? 9 * 1024 * 1024 : i === 8 ? 4 * 1024 * 1024 + 1 : sizes[i % sizes.length]!,
      seed: i,
      xattrs: i % 2 === 0 ? { a: `x${i}`, 'user.b': `y${i}` } : {},
      omap,
      header: i % 5 === 0 ? `hdr${i}` : '',
    });
  }
  return out;
}

/** The content of an object: byte j is (j * 7 + seed) mod 256. */
function content(s: Spec): Buffer {
  const b = Buffer.alloc(s.size);
  for (let j = 0; j < s.size; j++) b[j] = (j * 7 + s.seed) & 0xff;
  return b;
}

const populate = `
import json, sys, rados
conf, pool, spec = sys.argv[1], sys.argv[2], json.loads(open(sys.argv[3]).read())
r = rados.Rados(conffile=conf)
r.connect()
io = r.open_ioctx(pool)
for s in spec:
    io.set_namespace(s['ns'])
    io.set_locator_key(s['loc'])
    period = bytes(((j * 7 + s['seed']) & 0xff) for j in range(256))
    data = (period * (s['size'] // 256 + 1))[:s['size']]
    io.write_full(s['name'], data)
    for k, v in s['xattrs'].items():
        io.set_xattr(s['name'], k, v.encode())
    if s['omap']:
        with rados.WriteOpCtx() as op:
            io.set_omap(op, tuple(s['omap'].keys()), tuple(v.encode() for v in s['omap'].values()))
            io.operate_write_op(op, s['name'])
print('ok')
`;

/** Everything python3-rados sees of each object in one pool: data digest, xattrs, omap, user_version. */
const dump = `
import hashlib, json, sys, rados
conf, spec, use_loc, pool = sys.argv[1], json.loads(open(sys.argv[3]).read()), sys.argv[4] == '1', sys.argv[5]
r = rados.Rados(conffile=conf)
r.connect()
io = r.open_ioctx(pool)
out = {}
for s in spec:
    io.set_namespace(s['ns'])
    io.set_locator_key(s['loc'] if use_loc else '')
    data = io.read(s['name'], length=16 << 20)
    ver = io.get_last_version()
    xattrs = {k: v.hex() for k, v in io.get_xattrs(s['name'])}
    with rados.ReadOpCtx() as op:
        it, rc = io.get_omap_vals(op, '', '', 1000)
        io.operate_read_op(op, s['name'])
        omap = {k: v.hex() for k, v in it}
    out[s['ns'] + '/' + s['name']] = [len(data), hashlib.sha256(data).hexdigest(), xattrs, omap, ver]
print(json.dumps(out, sort_keys=True))
`;

t.test('rados cppool copies every object byte-exact', async (t) => {
  const c = await startTsOsdCluster({ deviceBytes: 1024 ** 3, debugOsd: 5 });
  t.teardown(() => c.stop());
  await createPool(c.mon, 'q', 8, () => c.osdLog(1_000_000));
  const all = specs();
  const specFile = join(c.mon.dir, 'spec.json');
  writeFileSync(specFile, JSON.stringify(all));
  const pop = await c.python(populate, [specFile]);
  t.equal(pop.stdout.trim(), 'ok', `populate: ${pop.stderr}`);
  // python3-rados 16.2 has no omap header call: the CLI sets them.
  for (const s of all.filter((x) => x.header)) {
    const r = await c.rados([...objArgs(s, true), 'setomapheader', s.name, s.header]);
    t.equal(r.code, 0, `setomapheader ${s.name}: ${r.stderr}`);
  }

  const cp = await c.rados(['cppool', 'p', 'q'], { noPool: true, timeoutMs: 120_000 });
  t.equal(cp.code, 0, `cppool: ${cp.stderr}\n${cp.code ? c.osdLog() : ''}`);
  t.match(cp.stdout, /successfully copied pool p\n$/, 'cppool reports success');
  t.equal(cp.stdout.split('\n').filter((l) => l.includes(' => ')).length, all.length, 'one line per object');
  t.match(cp.stdout, /p:ns1\/obj5\(@LOC\) => q:ns1\/obj5\n/, 'the locator is shown on the source side only');
  t.match(cp.stdout, /p:ns1\/obj1 => q:ns1\/obj1\n/, 'namespaced names');

  const ls = async (pool: string): Promise<string[]> => (await c.rados(['--all', 'ls'], { extra: ['-p', pool], noPool: true })).stdout.split('\n').filter(Boolean).sort();
  const expectLs = (withLoc: boolean): string[] => all.map((s) => `${s.ns}\t${s.name}${withLoc && s.loc ? `\t${s.loc}` : ''}`).sort();
  t.same(await ls('p'), expectLs(true), 'rados ls --all on the source: namespaces and locators');
  t.same(await ls('q'), expectLs(false), 'rados ls --all on the target: every object, copied by name');

  for (const s of all) await compare(t, c, s);

  // python3-rados: every object's data, xattrs, omap and user_version (finish_copyfrom keeps the
  // source's) are the same in both pools.
  const [dp, dq] = await Promise.all([c.python(dump, [specFile, '1', 'p']), c.python(dump, [specFile, '0', 'q'])]);
  t.same([dp.code, dq.code], [0, 0], `python dumps: ${dp.stderr}${dq.stderr}`);
  t.same(JSON.parse(dq.stdout || '{}'), JSON.parse(dp.stdout || '[]'), 'python3-rados sees the same objects, versions included');
});

function objArgs(s: Spec, source: boolean): string[] {
  return ['-p', source ? 'p' : 'q', ...(s.ns ? ['-N', s.ns] : []), ...(source && s.loc ? ['--object-locator', s.loc] : [])];
}

async function compare(t: Test, c: TsOsdCluster, s: Spec): Promise<void> {
  const q = objArgs(s, false);
  const p = objArgs(s, true);
  const get = await c.rados([...q, 'get', s.name, '-'], { noPool: true });
  t.ok(get.code === 0 && get.stdoutBuf.equals(content(s)), `${s.ns}/${s.name} (${s.size} B) byte-exact ${get.stderr}`);
  if (Object.keys(s.xattrs).length) {
    const lx = await c.rados([...q, 'listxattr', s.name], { noPool: true });
    t.same(lx.stdout.split('\n').filter(Boolean).sort(), Object.keys(s.xattrs).sort(), `${s.name} xattrs`);
  }
  if (Object.keys(s.omap).length) {
    const [src, dst] = await Promise.all([c.rados([...p, 'listomapvals', s.name], { noPool: true }), c.rados([...q, 'listomapvals', s.name], { noPool: true })]);
    t.ok(dst.code === 0 && dst.stdout === src.stdout && Object.keys(s.omap).every((k) => dst.stdout.includes(`${k}\n`)), `${s.name} omap values as the source's`);
  }
  if (s.header) {
    const h = await c.rados([...q, 'getomapheader', s.name], { noPool: true });
    t.match(h.stdout, new RegExp(`^header \\(${s.header.length} bytes\\) :\\n.*\\|${s.header}\\|`), `${s.name} omap header`);
  }
}
