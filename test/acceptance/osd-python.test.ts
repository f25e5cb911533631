/**
 * Debian's python3-rados (librados 16.2.15, /usr/bin/python3) against ts-mon + one ts-osd: every
 * data, xattr and omap call, plain and through WriteOpCtx/ReadOpCtx, aio with completions,
 * exclusive create, assert_version, omap_cmp, compound writes that must change nothing when one op
 * fails (read back), FAILOK, namespaces and locator keys in listings, and the per-request limits
 * (1200 objects listed, 1500 omap keys read 1024 at a time). The expected answers were printed by the
 * same script against a real 16.2.15 OSD (../shared/ceph-ref, one BlueStore OSD, size-1 pool); object
 * versions are compared relative to each other since they depend on the PG's history. The 16.2.15
 * binding has no cmpxattr and no assert_exists: a second script reaches them through ctypes.
 */
import t from 'tap';
import { requireBinary } from '@ts-ceph/testkit';
import { startTsOsdCluster } from './osd-lib';

const script = String.raw`
import json, sys, rados
out = {}
def err(f):
    try:
        r = f()
        return ['ok', r.decode('latin1') if isinstance(r, bytes) else r]
    except rados.Error as e:
        return [type(e).__name__, getattr(e, 'errno', None)]
c = rados.Rados(conffile=sys.argv[1])
c.connect(timeout=20)
io = c.open_ioctx(sys.argv[2])

# Plain data calls.
io.write('d', b'hello world')
io.write('d', b'HELLO', 6)
out['write_at'] = io.read('d').decode()
out['read_range'] = io.read('d', 5, 3).decode()
io.write_full('d', b'full')
io.append('d', b'+app')
out['append'] = io.read('d').decode()
io.trunc('d', 2)
out['trunc'] = [io.stat('d')[0], io.read('d').decode(), io.read('d', 10, 100).decode()]
io.trunc('d', 6)
out['trunc_up'] = io.read('d').hex()
io.remove_object('d')
out['gone'] = [err(lambda: io.read('d')), err(lambda: io.stat('d')), err(lambda: io.remove_object('d')), err(lambda: io.trunc('d', 0)), err(lambda: io.stat('d'))]

# Xattrs.
io.write_full('x', b'')
io.set_xattr('x', 'a', b'1')
io.set_xattr('x', 'b', b'\x00\xff')
out['xattr'] = [io.get_xattr('x', 'b').hex(), sorted((k, v.hex()) for k, v in io.get_xattrs('x'))]
io.rm_xattr('x', 'a')
out['xattr_after_rm'] = [err(lambda: io.get_xattr('x', 'a')), sorted(k for k, v in io.get_xattrs('x')), err(lambda: io.rm_xattr('x', 'zz'))]
out['xattr_noobj'] = [err(lambda: io.get_xattr('nox', 'a')), err(lambda: list(io.get_xattrs('nox'))), err(lambda: io.rm_xattr('nox', 'a'))]
out['setxattr_creates'] = [err(lambda: io.set_xattr('nox', 'a', b'v')), err(lambda: io.stat('nox')[0])]

# Omap through WriteOpCtx/ReadOpCtx.
def wop(oid, fill, flags=None):
    def f():
        with rados.WriteOpCtx() as op:
            fill(op)
            io.operate_write_op(op, oid)
    return err(f)
def rop(oid, fill):
    def f():
        with rados.ReadOpCtx() as op:
            it, ret = fill(op)
            io.operate_read_op(op, oid)
            return [ret, [(k, v.hex()) if isinstance(v, bytes) else [k, v] for k, v in it]]
    return err(f)
out['set_omap'] = wop('m', lambda op: io.set_omap(op, ('a', 'b', 'c', 'pa', 'pb'), (b'1', b'2', b'3', b'\x00', b'\xff')))
out['vals_all'] = rop('m', lambda op: io.get_omap_vals(op, '', '', 100))
out['vals_after'] = rop('m', lambda op: io.get_omap_vals(op, 'b', '', 100))
out['vals_prefix'] = rop('m', lambda op: io.get_omap_vals(op, '', 'p', 100))
out['vals_after_prefix'] = rop('m', lambda op: io.get_omap_vals(op, 'pa', 'p', 100))
out['vals_max'] = rop('m', lambda op: io.get_omap_vals(op, '', '', 2))
out['keys'] = rop('m', lambda op: io.get_omap_keys(op, 'a', 3))
out['by_keys'] = rop('m', lambda op: io.get_omap_vals_by_keys(op, ('a', 'pb', 'zz')))
out['rm_keys'] = wop('m', lambda op: io.remove_omap_keys(op, ('a', 'zz')))
out['rm_range'] = wop('m', lambda op: io.remove_omap_range2(op, 'b', 'pb'))
out['after_rm'] = rop('m', lambda op: io.get_omap_vals(op, '', '', 100))
out['clear'] = wop('m', lambda op: io.clear_omap(op))
out['after_clear'] = rop('m', lambda op: io.get_omap_keys(op, '', 100))
out['omap_noobj'] = [rop('nom', lambda op: io.get_omap_vals(op, '', '', 10)), rop('nom', lambda op: io.get_omap_keys(op, '', 10))]
out['set_omap_creates'] = [wop('nom', lambda op: io.set_omap(op, ('k',), (b'v',))), err(lambda: io.stat('nom')[0])]
out['rm_keys_noobj'] = wop('nom2', lambda op: io.remove_omap_keys(op, ('k',)))

# Exclusive create.
out['create_excl'] = [wop('e', lambda op: op.new(rados.LIBRADOS_CREATE_EXCLUSIVE)), wop('e', lambda op: op.new(rados.LIBRADOS_CREATE_EXCLUSIVE)), wop('e', lambda op: op.new(rados.LIBRADOS_CREATE_IDEMPOTENT))]

# assert_version: ERANGE below the object's version, EOVERFLOW above, and nothing changes.
io.write_full('v', b'one')
v = io.get_last_version()
out['av_eq'] = wop('v', lambda op: (op.assert_version(v), op.write_full(b'two')))
v2 = io.get_last_version()
out['av_grew'] = v2 > v
out['av_below'] = wop('v', lambda op: (op.assert_version(v2 - 1), op.write_full(b'bad')))
out['av_above'] = wop('v', lambda op: (op.assert_version(v2 + 1), op.write_full(b'bad')))
out['av_unchanged'] = [io.read('v').decode(), io.get_last_version() == v2 or io.get_last_version()]
out['av_noobj'] = wop('nov', lambda op: (op.assert_version(1), op.write_full(b'x')))

# omap_cmp and atomicity of a compound write.
io.write_full('oc', b'orig')
out['oc_set'] = wop('oc', lambda op: io.set_omap(op, ('k',), (b'5',)))
out['oc_eq'] = wop('oc', lambda op: (op.omap_cmp('k', '5', rados.LIBRADOS_CMPXATTR_OP_EQ), op.write_full(b'eq')))
out['oc_ne'] = wop('oc', lambda op: (op.write_full(b'BAD'), io.set_omap(op, ('z',), (b'z',)), op.omap_cmp('k', '6', rados.LIBRADOS_CMPXATTR_OP_EQ)))
out['oc_gt'] = wop('oc', lambda op: op.omap_cmp('k', '4', rados.LIBRADOS_CMPXATTR_OP_GT))
out['oc_lt'] = wop('oc', lambda op: op.omap_cmp('k', '4', rados.LIBRADOS_CMPXATTR_OP_LT))
out['oc_missing_key'] = wop('oc', lambda op: op.omap_cmp('nokey', '', rados.LIBRADOS_CMPXATTR_OP_EQ))
out['oc_unchanged'] = [io.read('oc').decode(), rop('oc', lambda op: io.get_omap_keys(op, '', 10))]
out['oc_av_atomic'] = wop('oc', lambda op: (op.write_full(b'BAD'), op.append(b'more'), op.assert_version(1)))
out['oc_unchanged2'] = [io.read('oc').decode(), io.stat('oc')[0]]

# Aio with completions.
comp = io.aio_write('aio', b'async data')
comp.wait_for_complete_and_cb()
got = {}
def on_read(comp, data):
    got['data'] = data
out['aio_write'] = comp.get_return_value()
comp = io.aio_read('aio', 100, 0, on_read)
comp.wait_for_complete_and_cb()
out['aio_read'] = [comp.get_return_value(), got['data'].decode()]
comp = io.aio_remove('aio')
comp.wait_for_complete_and_cb()
out['aio_remove'] = comp.get_return_value()
got.clear()
comp = io.aio_read('aio', 100, 0, on_read)
comp.wait_for_complete_and_cb()
out['aio_read_gone'] = comp.get_return_value()


# More data ops: writesame, zero, cmpext, compound writes, FAILOK, a 5 MiB object.
io.writesame('ws', b'ab', 6, 0)
out['writesame'] = io.read('ws').decode()
out['zero'] = [wop('ws', lambda op: op.zero(1, 2)), io.read('ws').hex()]
out['cmpext'] = [io.cmpext('ws', b'a\x00', 0), io.cmpext('ws', b'a\x00\x00bX', 0)]
out['compound'] = wop('cw', lambda op: (op.write_full(b'0123456789'), op.write(b'xy', 2), op.truncate(8), op.append(b'!'), op.set_xattr('xa', b'xv'), io.set_omap(op, ('ok',), (b'ov',))))
out['compound_read'] = [io.read('cw').decode(), io.get_xattr('cw', 'xa').decode(), rop('cw', lambda op: io.get_omap_vals(op, '', '', 10))]
out['compound_rm'] = [wop('cw', lambda op: (op.rm_xattr('xa'), op.remove())), err(lambda: io.stat('cw'))]
out['remove_missing'] = wop('cw', lambda op: op.remove())
out['failok'] = [wop('fo', lambda op: (op.write_full(b'first'), op.omap_cmp('k', 'x', rados.LIBRADOS_CMPXATTR_OP_EQ), op.set_flags(rados.LIBRADOS_OP_FLAG_FAILOK), op.append(b'+'))), err(lambda: io.read('fo'))]
out['getxattrs_none'] = list(io.get_xattrs('ws'))
big = bytes(range(256)) * (5 * 4096 + 3)
io.write_full('big', big)
out['big'] = [io.stat('big')[0], io.read('big', len(big)) == big, io.read('big', 1000, 4 * 1024 * 1024 + 5) == big[4 * 1024 * 1024 + 5:4 * 1024 * 1024 + 1005]]
comp = io.aio_write_full('aio2', b'full')
comp.wait_for_complete()
comp2 = io.aio_append('aio2', b'+more')
comp2.wait_for_complete()
comp3 = io.aio_setxattr('aio2', 'ax', b'av')
comp3.wait_for_complete()
st = {}
comp4 = io.aio_stat('aio2', lambda c, size, mtime: st.update(size=size))
comp4.wait_for_complete_and_cb()
out['aio_more'] = [comp.get_return_value(), comp2.get_return_value(), comp3.get_return_value(), comp4.get_return_value(), st.get('size'), io.read('aio2').decode(), io.get_xattr('aio2', 'ax').decode()]
comp5 = io.aio_rmxattr('aio2', 'ax')
comp5.wait_for_complete()
out['aio_rmxattr'] = [comp5.get_return_value(), err(lambda: io.get_xattr('aio2', 'ax'))]

# Namespaces and locator keys in listings.
io.set_namespace('ns1')
io.write_full('n1', b'x')
io.set_namespace('ns2')
io.write_full('n2', b'y')
io.set_namespace('')
io.set_locator_key('LK')
io.write_full('l1', b'z')
out['locator_read'] = io.read('l1').decode()
io.set_locator_key('')
out['no_locator_read'] = err(lambda: io.read('l1'))
io.set_namespace('ns1')
out['ns1'] = [(o.nspace, o.key, o.locator_key) for o in io.list_objects()]
out['ns1_read_n2'] = err(lambda: io.read('n2'))
io.set_namespace(rados.LIBRADOS_ALL_NSPACES)
out['all'] = sorted((o.nspace, o.key, o.locator_key) for o in io.list_objects())
# Past one reply's limits: 1200 objects listed (aio writes), 1500 omap keys (1024 per read), a 64 KiB xattr.
comps = [io.aio_write_full('many%04d' % i, b'x') for i in range(1200)]
for cp in comps: cp.wait_for_complete()
out['aio_rets'] = sorted(set(cp.get_return_value() for cp in comps))
out['listed'] = len([o for o in io.list_objects() if o.key.startswith('many')])
keys = ['k%05d' % i for i in range(1500)]
with rados.WriteOpCtx() as op:
    io.set_omap(op, keys, [b'v' * 100] * 1500)
    io.operate_write_op(op, 'om')
with rados.ReadOpCtx() as op:
    it, ret = io.get_omap_vals(op, '', '', 2000)
    io.operate_read_op(op, 'om')
    out['vals2000'] = [ret, len(list(it))]
with rados.ReadOpCtx() as op:
    it, ret = io.get_omap_keys(op, 'k00100', 2000)
    io.operate_read_op(op, 'om')
    out['keys_after'] = [ret, len(list(it))]
io.set_xattr('om', 'big', b'z' * 65536)
out['bigxattr'] = len(io.get_xattr('om', 'big'))
stats = c.get_cluster_stats()
out['cluster_stats'] = [sorted(stats), stats['num_objects'] > 0, stats['kb_used'] > 0]

# Leave the pool empty.
for o in list(io.list_objects()):
    io.set_namespace(o.nspace)
    io.set_locator_key(o.locator_key or '')
    io.remove_object(o.key)
io.close()
c.shutdown()
print(json.dumps(out, default=lambda b: ['bytes', b.hex()]))
`;

/** What the script printed against the real 16.2.15 OSD. */
const expected: Record<string, unknown> = {
  write_at: "hello HELLO",
  read_range: "lo HE",
  append: "full+app",
  trunc: [2, "fu", ""],
  trunc_up: "667500000000",
  gone: [["ObjectNotFound", 2], ["ObjectNotFound", 2], ["ObjectNotFound", 2], ["ok", 0], ["ObjectNotFound", 2]],
  xattr: ["00ff", [["a", "31"], ["b", "00ff"]]],
  xattr_after_rm: [["NoData", 61], ["b"], ["ok", true]],
  xattr_noobj: [["ObjectNotFound", 2], ["ObjectNotFound", 2], ["ObjectNotFound", 2]],
  setxattr_creates: [["ok", true], ["ok", 0]],
  set_omap: ["ok", null],
  vals_all: ["ok", [0, [["a", "31"], ["b", "32"], ["c", "33"], ["pa", "00"], ["pb", "ff"]]]],
  vals_after: ["ok", [0, [["c", "33"], ["pa", "00"], ["pb", "ff"]]]],
  vals_prefix: ["ok", [0, [["pa", "00"], ["pb", "ff"]]]],
  vals_after_prefix: ["ok", [0, [["pb", "ff"]]]],
  vals_max: ["ok", [0, [["a", "31"], ["b", "32"]]]],
  keys: ["ok", [0, [["b", null], ["c", null], ["pa", null]]]],
  by_keys: ["ok", [0, [["a", "31"], ["pb", "ff"]]]],
  rm_keys: ["ok", null],
  rm_range: ["ok", null],
  after_rm: ["ok", [0, [["pb", "ff"]]]],
  clear: ["ok", null],
  after_clear: ["ok", [0, []]],
  omap_noobj: [["ObjectNotFound", 2], ["ObjectNotFound", 2]],
  set_omap_creates: [["ok", null], ["ok", 0]],
  rm_keys_noobj: ["ObjectNotFound", 2],
  create_excl: [["ok", null], ["ObjectExists", 17], ["ok", null]],
  av_eq: ["ok", null],
  av_grew: true,
  av_below: ["OSError", 34],
  av_above: ["OSError", 75],
  av_unchanged: ["two", true],
  av_noobj: ["OSError", 75],
  oc_set: ["ok", null],
  oc_eq: ["ok", null],
  oc_ne: ["OSError", 125],
  oc_gt: ["ok", null],
  oc_lt: ["OSError", 125],
  oc_missing_key: ["ok", null],
  oc_unchanged: ["eq", ["ok", [0, [["k", null]]]]],
  oc_av_atomic: ["OSError", 34],
  oc_unchanged2: ["eq", 2],
  aio_write: 0,
  aio_read: [10, "async data"],
  aio_remove: 0,
  aio_read_gone: -2,
  writesame: "ababab",
  zero: [["ok", null], "616200626162"],
  cmpext: [-4096, -4096],
  compound: ["ok", null],
  compound_read: ["01xy4567!", "xv", ["ok", [0, [["ok", "6f76"]]]]],
  compound_rm: [["ok", null], ["ObjectNotFound", 2]],
  remove_missing: ["ObjectNotFound", 2],
  failok: [["ok", null], ["ok", "first+"]],
  getxattrs_none: [],
  big: [5243648, true, true],
  aio_more: [0, 0, 0, 0, 9, "full+more", "av"],
  aio_rmxattr: [0, ["NoData", 61]],
  locator_read: "z",
  no_locator_read: ["ObjectNotFound", 2],
  ns1: [["ns1", "n1", null]],
  ns1_read_n2: ["ObjectNotFound", 2],
  all: [["", "aio2", null], ["", "big", null], ["", "e", null], ["", "fo", null], ["", "l1", "LK"], ["", "m", null], ["", "nom", null], ["", "nox", null], ["", "oc", null], ["", "v", null], ["", "ws", null], ["", "x", null], ["ns1", "n1", null], ["ns2", "n2", null]],
  aio_rets: [0],
  listed: 1200,
  vals2000: [0, 1024],
  keys_after: [0, 1024],
  bigxattr: 65536,
};

/**
 * cmpxattr, assert_exists and checksum are in librados' C API but not in the 16.2.15 python binding,
 * so this script calls librados.so.2 through ctypes: every comparison mode (string mode, as the C
 * API sends it), a mismatch leaving the object unchanged, a missing attribute compared as empty, a
 * bad operator (EINVAL), assert_exists in read and write vectors, and checksum (crc32c, xxhash32,
 * xxhash64, in chunks, past the end, with a bad chunk size or init value).
 */
const cScript = String.raw`
import ctypes, json, sys, rados
# cmpxattr, assert_exists and checksum are in librados' C API but not in the 16.2.15 python binding.
L = ctypes.CDLL('librados.so.2')
L.rados_create_write_op.restype = ctypes.c_void_p
L.rados_create_read_op.restype = ctypes.c_void_p
for f in ('rados_write_op_cmpxattr', 'rados_read_op_cmpxattr'):
    getattr(L, f).argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint8, ctypes.c_char_p, ctypes.c_size_t]
for f in ('rados_write_op_assert_exists', 'rados_read_op_assert_exists', 'rados_release_write_op', 'rados_release_read_op'):
    getattr(L, f).argtypes = [ctypes.c_void_p]
L.rados_read_op_checksum.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint64, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_int)]
L.rados_write_op_write_full.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
L.rados_write_op_operate.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int]
L.rados_read_op_operate.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
cl = ctypes.c_void_p()
io = ctypes.c_void_p()
assert L.rados_create(ctypes.byref(cl), None) == 0
assert L.rados_conf_read_file(cl, sys.argv[1].encode()) == 0
L.rados_conf_parse_env(cl, None)
assert L.rados_connect(cl) == 0
assert L.rados_ioctx_create(cl, sys.argv[2].encode(), ctypes.byref(io)) == 0
c = rados.Rados(conffile=sys.argv[1]); c.connect(timeout=20)
pio = c.open_ioctx(sys.argv[2])

def wop(oid, cmps=(), exists=False, data=None):
    op = L.rados_create_write_op()
    if exists: L.rados_write_op_assert_exists(op)
    for name, cop, val in cmps: L.rados_write_op_cmpxattr(op, name.encode(), cop, val, len(val))
    if data is not None: L.rados_write_op_write_full(op, data, len(data))
    r = L.rados_write_op_operate(op, io, oid.encode(), None, 0)
    L.rados_release_write_op(op)
    return r
def rop(oid, cmps=(), exists=False):
    op = L.rados_create_read_op()
    if exists: L.rados_read_op_assert_exists(op)
    for name, cop, val in cmps: L.rados_read_op_cmpxattr(op, name.encode(), cop, val, len(val))
    r = L.rados_read_op_operate(op, io, oid.encode(), 0)
    L.rados_release_read_op(op)
    return r
def read(oid):
    try:
        return pio.read(oid).decode()
    except rados.ObjectNotFound:
        return 'ENOENT'
out = {}
pio.write_full('cx', b'orig')
pio.set_xattr('cx', 'a', b'5')
pio.set_xattr('cx', 'n', b'10')
EQ, NE, GT, GTE, LT, LTE = 1, 2, 3, 4, 5, 6
out['eq'] = [wop('cx', [('a', EQ, b'5')], data=b'eq'), read('cx')]
out['eq_bad'] = [wop('cx', [('a', EQ, b'6')], data=b'bad'), read('cx')]
out['modes'] = {name: [rop('cx', [('a', cop, v)]) for v in (b'4', b'5', b'6')] for name, cop in (('ne', NE), ('gt', GT), ('gte', GTE), ('lt', LT), ('lte', LTE))}
out['string_order'] = [rop('cx', [('n', GT, b'9')]), rop('cx', [('n', LT, b'9')])]
out['missing_attr'] = [rop('cx', [('zz', EQ, b'')]), rop('cx', [('zz', EQ, b'x')]), rop('cx', [('zz', NE, b'x')])]
out['bad_op'] = rop('cx', [('a', 9, b'5')])
out['two_cmps_second_fails'] = [wop('cx', [('a', EQ, b'5'), ('n', EQ, b'11')], data=b'bad'), read('cx')]
out['missing_obj'] = [rop('nox', [('a', EQ, b'5')]), wop('nox', [('a', EQ, b'5')], data=b'x'), read('nox')]
out['assert_exists'] = [rop('cx', exists=True), rop('nox', exists=True), wop('nox', exists=True, data=b'x'), read('nox'), wop('cx', exists=True, data=b'ae'), read('cx')]
pio.remove_object('cx')

# Checksums of 10 KiB: crc32c, xxhash32, xxhash64, chunked, past the end, bad chunk size or init value.
pio.write_full('ck', bytes(range(256)) * 40)
def ck(typ, init, off, length, chunk, outlen=36):
    op = L.rados_create_read_op()
    buf = ctypes.create_string_buffer(outlen)
    rv = ctypes.c_int(-999)
    L.rados_read_op_checksum(op, typ, init, len(init), off, length, chunk, buf, outlen, ctypes.byref(rv))
    r = L.rados_read_op_operate(op, io, b'ck', 0)
    L.rados_release_read_op(op)
    return [r, rv.value, buf.raw[:outlen].hex()]
out['crc'] = ck(2, b'\xff\xff\xff\xff', 0, 10240, 0)
out['crc_chunks'] = ck(2, b'\x00\x00\x00\x00', 0, 8192, 4096)
out['crc_off'] = ck(2, b'\xff\xff\xff\xff', 100, 1000, 0)
out['xx32'] = ck(0, b'\x00\x00\x00\x00', 0, 10240, 0)
out['xx64'] = ck(1, b'\x00' * 8, 0, 4096, 1024)
out['past_end'] = ck(2, b'\xff\xff\xff\xff', 10000, 1000, 0)
out['bad_chunk'] = ck(2, b'\xff\xff\xff\xff', 0, 1000, 300)
out['len0'] = ck(2, b'\xff\xff\xff\xff', 0, 0, 0)
out['bad_init'] = ck(2, b'\xff', 0, 100, 0)
pio.remove_object('ck')
print(json.dumps(out))
`;

/** What cScript printed against the real 16.2.15 OSD. */
const cExpected: Record<string, unknown> = {
  eq: [0, "eq"],
  eq_bad: [-125, "eq"],
  modes: {"ne": [1, -125, 1], "gt": [-125, -125, 1], "gte": [-125, 1, 1], "lt": [1, -125, -125], "lte": [1, 1, -125]},
  string_order: [1, -125],
  missing_attr: [1, -125, 1],
  bad_op: -22,
  two_cmps_second_fails: [-125, "eq"],
  missing_obj: [-2, -2, "ENOENT"],
  assert_exists: [0, -2, -2, "ENOENT", 0, "ae"],
  crc: [0, 0, "0100000028937b4200000000000000000000000000000000000000000000000000000000"],
  crc_chunks: [0, 0, "02000000bbbf8804bbbf8804000000000000000000000000000000000000000000000000"],
  crc_off: [0, 0, "01000000ed5d4c7400000000000000000000000000000000000000000000000000000000"],
  xx32: [0, 0, "01000000fa61c59000000000000000000000000000000000000000000000000000000000"],
  xx64: [0, 0, "0400000057dfe48ff114396f57dfe48ff114396f57dfe48ff114396f57dfe48ff114396f"],
  past_end: [0, 0, "0100000027abedb300000000000000000000000000000000000000000000000000000000"],
  bad_chunk: [-22, -22, "000000000000000000000000000000000000000000000000000000000000000000000000"],
  len0: [0, 0, "0100000028937b4200000000000000000000000000000000000000000000000000000000"],
  bad_init: [-22, -22, "000000000000000000000000000000000000000000000000000000000000000000000000"],
};

/**
 * Compound write vectors in one WriteOpCtx: delete then write (recreated), write then delete,
 * exclusive create then write, zero past and across the end (a truncate), truncate up, writesame
 * with a length its data does not divide (EINVAL), writes past the end (a hole of zeros), two
 * appends, FAILOK on a failing delete, delete twice (ENOENT, nothing changes), and a recreated object
 * without the old one's xattrs. (The 16.2.15 binding's WriteOp.zero passes its arguments swapped;
 * the real OSD's answers include that.)
 */
const compoundScript = String.raw`
import json, sys, rados
out = {}
def err(f):
    try:
        r = f()
        return ['ok', r.hex() if isinstance(r, bytes) else r]
    except rados.Error as e:
        return [type(e).__name__, getattr(e, 'errno', None)]
c = rados.Rados(conffile=sys.argv[1]); c.connect(timeout=20)
io = c.open_ioctx(sys.argv[2])
def wop(oid, fill):
    def f():
        with rados.WriteOpCtx() as op:
            fill(op)
            io.operate_write_op(op, oid)
    return err(f)
st = lambda o: err(lambda: io.stat(o)[0])
rd = lambda o: err(lambda: io.read(o))
io.write_full('a', b'abc')
out['rm_then_write'] = [wop('a', lambda op: (op.remove(), op.write_full(b'new'))), rd('a')]
out['write_then_rm'] = [wop('b', lambda op: (op.write_full(b'x'), op.remove())), st('b')]
out['excl_then_write'] = [wop('c', lambda op: (op.new(rados.LIBRADOS_CREATE_EXCLUSIVE), op.write(b'zz', 2))), rd('c')]
out['zero_past_end'] = [wop('c', lambda op: op.zero(10, 5)), st('c')]
out['zero_across_end'] = [wop('c', lambda op: op.zero(5, 1)), st('c')]
out['trunc_up'] = [wop('c', lambda op: op.truncate(8)), rd('c')]
out['writesame_bad'] = wop('d', lambda op: op.writesame(b'abc', 7, 0))
out['writesame_zero'] = wop('d', lambda op: op.writesame(b'', 0, 0))
out['write_hole'] = [wop('d', lambda op: op.write(b'q', 5)), rd('d')]
out['append_twice'] = [wop('d', lambda op: (op.append(b'12'), op.append(b'3'))), rd('d')]
out['rm_missing_failok'] = wop('e', lambda op: (op.remove(), op.set_flags(rados.LIBRADOS_OP_FLAG_FAILOK), op.write_full(b'after')))
out['e'] = rd('e')
out['trunc_then_append'] = [wop('e', lambda op: (op.truncate(2), op.append(b'Z'))), rd('e')]
out['rm_rm'] = wop('e', lambda op: (op.remove(), op.remove()))
out['e2'] = st('e')
out['set_xattr_then_rm_obj_then_get'] = [wop('f', lambda op: (op.write_full(b'f'), op.set_xattr('k', b'v'))), wop('f', lambda op: (op.remove(), op.write_full(b'g'))), err(lambda: sorted(k for k, v in io.get_xattrs('f')))]
for o in ('a', 'c', 'd', 'e', 'f'):
    io.remove_object(o)
print(json.dumps(out))
`;

/** What compoundScript printed against the real 16.2.15 OSD. */
const compoundExpected: Record<string, unknown> = {
  rm_then_write: [["ok", null], ["ok", "6e6577"]],
  write_then_rm: [["ok", null], ["ObjectNotFound", 2]],
  excl_then_write: [["ok", null], ["ok", "00007a7a"]],
  zero_past_end: [["ok", null], ["ok", 4]],
  zero_across_end: [["ok", null], ["ok", 1]],
  trunc_up: [["ok", null], ["ok", "0000000000000000"]],
  writesame_bad: ["InvalidArgumentError", 22],
  writesame_zero: ["ok", null],
  write_hole: [["ok", null], ["ok", "000000000071"]],
  append_twice: [["ok", null], ["ok", "000000000071313233"]],
  rm_missing_failok: ["ok", null],
  e: ["ok", "6166746572"],
  trunc_then_append: [["ok", null], ["ok", "61665a"]],
  rm_rm: ["ObjectNotFound", 2],
  e2: ["ok", 3],
  set_xattr_then_rm_obj_then_get: [["ok", null], ["ok", null], ["ok", []]],
};

t.test('python3-rados against ts-osd answers as a real 16.2.15 OSD', async (t) => {
  requireBinary('/usr/bin/python3');
  const c = await startTsOsdCluster({ deviceBytes: 1024 ** 3 });
  t.teardown(() => c.stop());
  const r = await c.python(script);
  if (r.code !== 0) t.comment(c.osdLog());
  t.equal(r.code, 0, `the script ran: ${r.stderr}`);
  const got = JSON.parse(r.stdout) as Record<string, unknown>;
  for (const [k, v] of Object.entries(expected)) t.same(got[k], v, k);
  // ts-osd reports no PG statistics to the monitor yet, so only the shape of MStatfsReply is compared.
  t.same((got.cluster_stats as unknown[])[0], ['kb', 'kb_avail', 'kb_used', 'num_objects'], 'get_cluster_stats keys');
  const rc = await c.python(cScript);
  t.equal(rc.code, 0, `the ctypes script ran: ${rc.stderr}`);
  const gotC = JSON.parse(rc.stdout) as Record<string, unknown>;
  for (const [k, v] of Object.entries(cExpected)) t.same(gotC[k], v, `librados C: ${k}`);
  const rw = await c.python(compoundScript);
  t.equal(rw.code, 0, `the compound-write script ran: ${rw.stderr}`);
  const gotW = JSON.parse(rw.stdout) as Record<string, unknown>;
  for (const [k, v] of Object.entries(compoundExpected)) t.same(gotW[k], v, `compound: ${k}`);
  t.same((await c.rados(['ls', '--all'])).stdout, '', 'the scripts left the pool empty');
});
