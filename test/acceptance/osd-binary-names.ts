/**
 * Names that are not UTF-8, against the real clients (run on osd-rados.test.ts' cluster). Ceph's
 * omap keys, xattr names and object names are bytes: qa/workunits/rados/test_rados_tool.sh sets
 * random 128-byte omap keys with `rados --omap-key-file` and reads them back, and radosgw keeps
 * index entries under keys starting with 0x80. Expected bytes and orders come from the bytes the
 * test chose (Buffer.compare), never from ts-ceph.
 *
 * The 16.2.15 python binding takes and returns names as str, encoded and decoded as strict UTF-8,
 * so the xattr and object names go through librados' C API by ctypes from /usr/bin/python3, as
 * osd-python.test.ts reaches the calls the binding lacks.
 */
import type { Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TsOsdCluster } from './osd-lib';

const pyScript = String.raw`
import ctypes, json, sys
L = ctypes.CDLL('librados.so.2')
P, S, V = ctypes.c_char_p, ctypes.c_size_t, ctypes.c_void_p
L.rados_write_full.argtypes = [V, P, P, S]
L.rados_setxattr.argtypes = [V, P, P, P, S]
L.rados_getxattr.argtypes = [V, P, P, P, S]
L.rados_rmxattr.argtypes = [V, P, P]
L.rados_getxattrs.argtypes = [V, P, ctypes.POINTER(V)]
L.rados_getxattrs_next.argtypes = [V, ctypes.POINTER(V), ctypes.POINTER(V), ctypes.POINTER(S)]
L.rados_getxattrs_end.argtypes = [V]
L.rados_nobjects_list_open.argtypes = [V, ctypes.POINTER(V)]
L.rados_nobjects_list_next.argtypes = [V, ctypes.POINTER(V), ctypes.POINTER(V), ctypes.POINTER(V)]
L.rados_nobjects_list_close.argtypes = [V]
L.rados_read.argtypes = [V, P, P, S, ctypes.c_uint64]
cl, io = V(), V()
assert L.rados_create(ctypes.byref(cl), None) == 0
assert L.rados_conf_read_file(cl, sys.argv[1].encode()) == 0
L.rados_conf_parse_env(cl, None)
assert L.rados_connect(cl) == 0
assert L.rados_ioctx_create(cl, sys.argv[2].encode(), ctypes.byref(io)) == 0
oid = bytes.fromhex(sys.argv[3])
names = [bytes.fromhex(h) for h in sys.argv[4].split(',')]
out = {'write': L.rados_write_full(io, oid, b'data', 4)}
out['set'] = [L.rados_setxattr(io, oid, n, b'v' + bytes([i]), 2) for i, n in enumerate(names)]
def xattrs():
    it, n, v, ln, got = V(), V(), V(), S(), []
    assert L.rados_getxattrs(io, oid, ctypes.byref(it)) == 0
    while L.rados_getxattrs_next(it, ctypes.byref(n), ctypes.byref(v), ctypes.byref(ln)) == 0 and n.value:
        got.append([ctypes.string_at(n.value).hex(), ctypes.string_at(v.value, ln.value).hex()])
    L.rados_getxattrs_end(it)
    return got
out['getxattrs'] = xattrs()
buf = ctypes.create_string_buffer(16)
def getxattr(n):
    r = L.rados_getxattr(io, oid, n, buf, 16)
    return ctypes.string_at(buf, r).hex() if r >= 0 else r
out['getxattr'] = [getxattr(n) for n in names]
out['rmxattr'] = L.rados_rmxattr(io, oid, names[0])
out['after_rm'] = xattrs()
ctx, e, k, ns, listed = V(), V(), V(), V(), []
assert L.rados_nobjects_list_open(io, ctypes.byref(ctx)) == 0
while L.rados_nobjects_list_next(ctx, ctypes.byref(e), ctypes.byref(k), ctypes.byref(ns)) == 0:
    listed.append(ctypes.string_at(e.value).hex())
L.rados_nobjects_list_close(ctx)
out['listed'] = oid.hex() in listed
out['read'] = ctypes.string_at(buf, L.rados_read(io, oid, buf, 16, 0)).decode()
print(json.dumps(out))
`;

/** test_rados_tool.sh's omap-key-file loop, then several binary keys listed byte-exact and in order. */
async function omapKeyFile(t: Test, c: TsOsdCluster, dir: string): Promise<void> {
  const keyFile = join(dir, 'omap_key');
  for (let i = 1; i <= 4; i++) {
    writeFileSync(keyFile, randomBytes(128));
    let r = i % 2 === 0 ? await c.rados(['--omap-key-file', keyFile, 'setomapval', 'okobj', String(i)]) : await c.rados(['--omap-key-file', keyFile, 'setomapval', 'okobj'], { input: String(i) });
    t.equal(r.code, 0, `setomapval ${i} with a random 128-byte key: ${r.stderr}`);
    r = await c.rados(['--omap-key-file', keyFile, 'getomapval', 'okobj']);
    t.ok(r.code === 0 && new RegExp(`\\|${i}\\|$`, 'm').test(r.stdout), `getomapval finds the key and prints its value: rc ${r.code} ${r.stdout}${r.stderr}`);
    r = await c.rados(['--omap-key-file', keyFile, 'rmomapkey', 'okobj']);
    t.equal(r.code, 0, `rmomapkey ${i}: ${r.stderr}`);
    r = await c.rados(['listomapvals', 'okobj']);
    t.same([r.code, r.stdout.match(/value/g)?.length ?? 0], [0, 0], `no key left after rmomapkey ${i}`);
  }
  // Several keys: radosgw's 0x80 namespace, a cut '€' (e2 82) and the whole one, stray bytes, random.
  const keys = [Buffer.from('80313030305f6f626a', 'hex'), Buffer.from('61e282', 'hex'), Buffer.from('61e282ac', 'hex'), Buffer.from('fffe', 'hex'), Buffer.from('61', 'hex'), randomBytes(128)];
  for (const [i, k] of keys.entries()) {
    writeFileSync(keyFile, k);
    const r = await c.rados(['--omap-key-file', keyFile, 'setomapval', 'okobj', `v${i}`]);
    t.equal(r.code, 0, `setomapval key ${k.subarray(0, 8).toString('hex')}: ${r.stderr}`);
  }
  const r = await c.rados(['listomapkeys', 'okobj']);
  const want = Buffer.concat([...keys].sort(Buffer.compare).flatMap((k) => [k, Buffer.from('\n')]));
  t.ok(r.code === 0 && r.stdoutBuf.equals(want), `listomapkeys: every key byte-exact, in byte order (got ${r.stdoutBuf.toString('hex')})`);
  writeFileSync(keyFile, keys[0]!);
  const got = await c.rados(['--omap-key-file', keyFile, 'getomapval', 'okobj', join(dir, 'okval')]);
  t.equal(got.code, 0, `getomapval of the 0x80 key into a file: ${got.stderr}`);
}

export async function checkBinaryNames(t: Test, c: TsOsdCluster, dir: string): Promise<void> {
  await omapKeyFile(t, c, dir);
  const oid = Buffer.from('62696eff806f626a', 'hex'); // "bin" ff 80 "obj"
  const names = [Buffer.from('ff6e616d65', 'hex'), Buffer.from('6e80', 'hex'), Buffer.from('636166c3a9', 'hex')];
  const r = await c.python(pyScript, [oid.toString('hex'), names.map((n) => n.toString('hex')).join(',')]);
  t.equal(r.code, 0, `librados via ctypes: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  const pairs = names.map((n, i) => [n.toString('hex'), Buffer.from([0x76, i]).toString('hex')]);
  const byName = (a: string[], b: string[]): number => Buffer.compare(Buffer.from(a[0]!, 'hex'), Buffer.from(b[0]!, 'hex'));
  t.same([out.write, out.set], [0, [0, 0, 0]], 'write_full and setxattr on an object whose name is not UTF-8');
  t.same(out.getxattrs, [...pairs].sort(byName), 'getxattrs: every name byte-exact, in byte order');
  t.same(out.getxattr, pairs.map((p) => p[1]), 'getxattr by each binary name');
  t.same([out.rmxattr, out.after_rm], [0, pairs.slice(1).sort(byName)], 'rmxattr by a binary name');
  t.same([out.listed, out.read], [true, 'data'], 'the object is listed under its bytes and reads back');
}
