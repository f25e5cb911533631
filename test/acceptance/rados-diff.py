# Differential librados script: run by test/acceptance/rados-diff.test.ts with /usr/bin/python3
# (python3-rados 16.2.15) against ts-ceph and against a real Ceph 16.2.15 cluster; both outputs
# must be the same line for line. argv: conf. CEPH_KEYRING names the admin keyring.
#
# Each call prints one canonical line: "name args -> ok RESULT" or "name args -> ERRNAME errno=N".
# Bytes print as their length plus a short sha1 (and the text itself when short and printable).
# Values that must differ between clusters print inside {tag:...} so the test can mask them by tag
# (pool ids, instance ids, watch cookies, times); everything else must match exactly.
import calendar, ctypes, hashlib, json, os, struct, subprocess, sys, threading, time, rados

conf = sys.argv[1]
# Pool names: rd and rdsnap, plus argv[2] when given (to run twice on one cluster).
sfx = sys.argv[2] if len(sys.argv) > 2 else ''
POOL, SNAPPOOL = 'rd' + sfx, 'rdsnap' + sfx


def canon(v):
    if isinstance(v, (bytes, bytearray)):
        v = bytes(v)
        s = 'b%d:%s' % (len(v), hashlib.sha1(v).hexdigest()[:10])
        if len(v) <= 24 and all(32 <= c < 127 for c in v):
            s += ':' + repr(v.decode())
        return s
    if isinstance(v, str) and len(v) > 40:
        return 'str%d:%s' % (len(v), v[:8])
    if isinstance(v, time.struct_time):
        return '{time}'
    if isinstance(v, dict):
        return '{' + ','.join('%s:%s' % (k, canon(v[k])) for k in sorted(v)) + '}'
    if isinstance(v, (list, tuple)):
        return '[' + ','.join(canon(x) for x in v) + ']'
    if callable(v):
        return 'fn'
    if isinstance(v, (rados.Ioctx, rados.Snap, ctypes.c_void_p)):
        return type(v).__name__
    return repr(v)


def call(name, f, *args, post=None):
    """Run f(*args) and print its canonical line; post maps a successful result first."""
    shown = ' '.join(canon(a) for a in args)
    try:
        r = f(*args)
        if post is not None:
            r = post(r)
        print('%s %s -> ok %s%s' % (name, shown, canon(r), ver()), flush=True)
        return r
    except rados.Error as e:
        print('%s %s -> %s errno=%s%s' % (name, shown, type(e).__name__, getattr(e, 'errno', None), ver()), flush=True)
    except Exception as e:  # the binding's own checks (KeyError, TypeError, AssertionError...)
        print('%s %s -> %s' % (name, shown, type(e).__name__), flush=True)
    return None


def ver():
    # The main ioctx's last object version: per PG, so the same calls in a fresh pool give the same
    # numbers on both clusters (objects hash to the same PGs).
    return ' v=%d' % io.get_last_version()


def line(name, value):
    print('%s -> %s' % (name, canon(value)), flush=True)


c = rados.Rados(conffile=conf)
c.connect(timeout=20)
# The same pg_num on both clusters (their defaults differ), so objects share the same PGs and
# per-PG object versions compare one to one.
for p in (POOL, SNAPPOOL):
    if not c.pool_exists(p):
        r, _, err = c.mon_command(json.dumps({'prefix': 'osd pool create', 'pool': p, 'pg_num': 8, 'pgp_num': 8}), b'')
        assert r == 0, err
io = c.open_ioctx(POOL)
line('pool_id', '{pool:%d}' % io.get_pool_id())
line('pool_name', io.get_pool_name())

# The C API for what the 16.2.15 binding lacks (assert_exists, list_lockers, break_lock,
# omap_cmp on read ops, read op flags): a second handle on the same pool through ctypes.
L = ctypes.CDLL('librados.so.2')
L.rados_create_write_op.restype = ctypes.c_void_p
L.rados_create_read_op.restype = ctypes.c_void_p
for fn in ('rados_write_op_assert_exists', 'rados_read_op_assert_exists', 'rados_release_write_op', 'rados_release_read_op'):
    getattr(L, fn).argtypes = [ctypes.c_void_p]
L.rados_write_op_operate.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int]
L.rados_read_op_operate.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
L.rados_write_op_write_full.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
L.rados_write_op_set_flags.argtypes = [ctypes.c_void_p, ctypes.c_int]
L.rados_write_op_zero.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64]
L.rados_write_op_create.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p]
L.rados_write_op_rmxattr.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
L.rados_read_op_read.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_size_t, ctypes.c_char_p, ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(ctypes.c_int)]
L.rados_read_op_stat.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint64), ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
L.rados_list_lockers.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_char_p, ctypes.POINTER(ctypes.c_size_t),
                                 ctypes.c_char_p, ctypes.POINTER(ctypes.c_size_t), ctypes.c_char_p, ctypes.POINTER(ctypes.c_size_t), ctypes.c_char_p, ctypes.POINTER(ctypes.c_size_t)]
L.rados_list_lockers.restype = ctypes.c_ssize_t
L.rados_break_lock.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p]
cl = ctypes.c_void_p()
cio = ctypes.c_void_p()
assert L.rados_create(ctypes.byref(cl), None) == 0
assert L.rados_conf_read_file(cl, conf.encode()) == 0
L.rados_conf_parse_env(cl, None)
assert L.rados_connect(cl) == 0
assert L.rados_ioctx_create(cl, POOL.encode(), ctypes.byref(cio)) == 0


def c_wop(oid, fill, flags=0):
    op = L.rados_create_write_op()
    fill(op)
    r = L.rados_write_op_operate(op, cio, oid.encode(), None, flags)
    L.rados_release_write_op(op)
    return r


def c_rop(oid, fill, flags=0):
    op = L.rados_create_read_op()
    keep = fill(op)
    r = L.rados_read_op_operate(op, cio, oid.encode(), flags)
    L.rados_release_read_op(op)
    return [r] + ([x() for x in keep] if keep else [])


def wop(fill, oid, flags=0):
    with rados.WriteOpCtx() as op:
        fill(op)
        io.operate_write_op(op, oid, flags=flags)


def rop(fill, oid, flags=0):
    with rados.ReadOpCtx() as op:
        it, ret = fill(op)
        io.operate_read_op(op, oid, flag=flags)
        return [ret, [(k, v) for k, v in it]]


def read(oid, length=8192, off=0):
    return io.read(oid, length, off)


def data_calls():
    call('write', io.write, 'd', b'hello', 0)
    call('write_past_eof', io.write, 'd', b'XY', 10)
    call('read', read, 'd')
    call('read_past_eof', read, 'd', 10, 100)
    call('read_at_eof', read, 'd', 10, 12)
    call('read_len0', read, 'd', 0, 0)
    call('stat', io.stat, 'd', post=lambda r: r[0])
    call('append', io.append, 'd', b'++')
    call('read', read, 'd')
    call('trunc_down', io.trunc, 'd', 3)
    call('trunc_up', io.trunc, 'd', 8)
    call('read', read, 'd')
    call('trunc_missing', io.trunc, 'nod', 4)
    call('stat_after_trunc_missing', io.stat, 'nod', post=lambda r: r[0])
    # The 16.2.15 binding passes zero's arguments to rados_write_op_zero swapped: call the C API.
    # A zero of length 0 aborts a real 16.2.15 OSD (ceph_assert(op.extent.length)): never sent.
    zero = lambda off, ln: (lambda op: L.rados_write_op_zero(op, off, ln))
    call('zero_mid', c_wop, 'd', zero(1, 2))
    call('read', read, 'd')
    call('zero_past_eof', c_wop, 'd', zero(20, 5))
    call('stat', io.stat, 'd', post=lambda r: r[0])
    call('zero_spanning_eof', c_wop, 'd', zero(6, 10))
    call('stat', io.stat, 'd', post=lambda r: r[0])
    call('zero_to_eof', c_wop, 'd', zero(4, 4))
    call('stat', io.stat, 'd', post=lambda r: r[0])
    call('read', read, 'd')
    call('zero_missing', c_wop, 'noz', zero(0, 4))
    call('stat_zero_missing', io.stat, 'noz', post=lambda r: r[0])
    call('write_full_empty', io.write_full, 'e', b'')
    call('stat_empty', io.stat, 'e', post=lambda r: r[0])
    call('read_empty', read, 'e')
    call('write_full', io.write_full, 'e', b'abc')
    call('write_full_empty_name', io.write_full, '', b'abc')
    call('stat_empty_name', io.stat, '')
    call('writesame', io.writesame, 'ws', b'ab', 8, 3)
    call('read', read, 'ws')
    call('writesame_odd', io.writesame, 'ws', b'ab', 7, 3)
    call('read', read, 'ws')
    call('writesame_bad_len', io.writesame, 'ws', b'abc', 7, 0)
    call('append_missing', io.append, 'ap', b'first')
    call('read', read, 'ap')
    call('write_empty_at', io.write, 'we', b'', 5)
    call('stat_write_empty', io.stat, 'we', post=lambda r: r[0])
    call('remove', io.remove_object, 'ap')
    call('remove_missing', io.remove_object, 'ap')
    call('read_missing', read, 'ap')
    call('stat_missing', io.stat, 'ap')
    call('cmpext_eq', io.cmpext, 'e', b'abc', 0)
    call('cmpext_ne', io.cmpext, 'e', b'abX', 0)
    call('cmpext_past_eof', io.cmpext, 'e', b'abc\0\0', 0)
    call('cmpext_past_eof_ne', io.cmpext, 'e', b'abcd', 0)
    call('cmpext_missing', io.cmpext, 'nocmp', b'a', 0)
    call('cmpext_off', io.cmpext, 'e', b'c', 2)


def xattr_calls():
    io.write_full('x', b'data')
    call('get_xattr_missing', io.get_xattr, 'x', 'nope')
    call('set_xattr_empty', io.set_xattr, 'x', 'empty', b'')
    call('get_xattr_empty', io.get_xattr, 'x', 'empty')
    call('set_xattr', io.set_xattr, 'x', 'a', b'\x00\x01bin')
    call('set_xattr_big', io.set_xattr, 'x', 'big', bytes(range(256)) * 40)
    call('get_xattr_big', io.get_xattr, 'x', 'big')
    call('get_xattrs', lambda o: sorted(io.get_xattrs(o)), 'x')
    call('rm_xattr', io.rm_xattr, 'x', 'a')
    call('rm_xattr_missing', io.rm_xattr, 'x', 'a')
    call('get_xattrs', lambda o: sorted(io.get_xattrs(o)), 'x')
    call('get_xattr_noobj', io.get_xattr, 'noxo', 'a')
    call('get_xattrs_noobj', lambda o: sorted(io.get_xattrs(o)), 'noxo')
    call('rm_xattr_noobj', io.rm_xattr, 'noxo', 'a')
    call('wop_rmxattr_missing', c_wop, 'x', lambda op: L.rados_write_op_rmxattr(op, b'zz'))


def omap_calls():
    keys = ('a', 'b', 'c', 'pa', 'pb', 'pc', 'z')
    call('set_omap', wop, lambda op: io.set_omap(op, keys, tuple(k.encode() * 2 for k in keys)), 'm')
    call('omap_vals', rop, lambda op: io.get_omap_vals(op, '', '', 100), 'm')
    call('omap_vals_after', rop, lambda op: io.get_omap_vals(op, 'b', '', 100), 'm')
    call('omap_vals_after_missing_key', rop, lambda op: io.get_omap_vals(op, 'bb', '', 100), 'm')
    call('omap_vals_prefix', rop, lambda op: io.get_omap_vals(op, '', 'p', 100), 'm')
    call('omap_vals_prefix_after', rop, lambda op: io.get_omap_vals(op, 'pa', 'p', 100), 'm')
    call('omap_vals_prefix_after_past', rop, lambda op: io.get_omap_vals(op, 'q', 'p', 100), 'm')
    call('omap_vals_max2', rop, lambda op: io.get_omap_vals(op, '', '', 2), 'm')
    call('omap_vals_max0', rop, lambda op: io.get_omap_vals(op, '', '', 0), 'm')
    call('omap_keys', rop, lambda op: io.get_omap_keys(op, 'c', 3), 'm')
    call('omap_by_keys', rop, lambda op: io.get_omap_vals_by_keys(op, ('z', 'a', 'nope')), 'm')
    call('omap_by_keys_none', rop, lambda op: io.get_omap_vals_by_keys(op, ()), 'm')
    call('rm_keys', wop, lambda op: io.remove_omap_keys(op, ('a', 'nope')), 'm')
    call('omap_keys', rop, lambda op: io.get_omap_keys(op, '', 100), 'm')
    call('rm_range', wop, lambda op: io.remove_omap_range2(op, 'b', 'pb'), 'm')
    call('omap_keys', rop, lambda op: io.get_omap_keys(op, '', 100), 'm')
    call('set_omap_empty_val', wop, lambda op: io.set_omap(op, ('e',), (b'',)), 'm')
    call('omap_by_keys', rop, lambda op: io.get_omap_vals_by_keys(op, ('e',)), 'm')
    call('clear_omap', wop, lambda op: io.clear_omap(op), 'm')
    call('omap_keys', rop, lambda op: io.get_omap_keys(op, '', 100), 'm')
    call('omap_vals_noobj', rop, lambda op: io.get_omap_vals(op, '', '', 10), 'nom')
    call('omap_by_keys_noobj', rop, lambda op: io.get_omap_vals_by_keys(op, ('a',)), 'nom')
    call('rm_keys_noobj', wop, lambda op: io.remove_omap_keys(op, ('a',)), 'nom')
    call('clear_omap_noobj', wop, lambda op: io.clear_omap(op), 'nom')
    call('stat_nom', io.stat, 'nom', post=lambda r: r[0])
    call('set_omap_creates', wop, lambda op: io.set_omap(op, ('k',), (b'v',)), 'nom2')
    call('stat_nom2', io.stat, 'nom2', post=lambda r: r[0])
    call('omap_cmp_eq', wop, lambda op: (op.omap_cmp('k', 'v', rados.LIBRADOS_CMPXATTR_OP_EQ), op.write_full(b'cmp')), 'nom2')
    call('omap_cmp_ne', wop, lambda op: (op.omap_cmp('k', 'w', rados.LIBRADOS_CMPXATTR_OP_EQ), op.write_full(b'bad')), 'nom2')
    call('omap_cmp_missing_key', wop, lambda op: op.omap_cmp('nokey', 'v', rados.LIBRADOS_CMPXATTR_OP_EQ), 'nom2')
    call('omap_cmp_noobj', wop, lambda op: op.omap_cmp('k', 'v', rados.LIBRADOS_CMPXATTR_OP_EQ), 'nom3')
    call('read', read, 'nom2')
    # The omap header has no call in the binding or the C API: the stock rados CLI sets and reads it.
    cli = ['rados', '-c', conf, '-p', POOL]
    r = subprocess.run(cli + ['setomapheader', 'nom2', 'HDR'], capture_output=True)
    line('setomapheader', r.returncode)
    r = subprocess.run(cli + ['getomapheader', 'nom2'], capture_output=True)
    line('getomapheader', [r.returncode, r.stdout])
    r = subprocess.run(cli + ['getomapheader', 'nohdr'], capture_output=True)
    line('getomapheader_noobj', [r.returncode, r.stderr.decode().strip().split(':')[-1]])


def compound_calls():
    io.write_full('c', b'0123456789')
    exists = lambda op: L.rados_write_op_assert_exists(op)
    call('assert_exists', c_wop, 'c', exists)
    call('assert_exists_noobj', c_wop, 'noc', exists)
    call('assert_exists_noobj_read', c_rop, 'noc', lambda op: L.rados_read_op_assert_exists(op))
    call('stat_noc', io.stat, 'noc', post=lambda r: r[0])
    call('wop_cmpext_eq_write', wop, lambda op: (op.cmpext(b'0123', 0), op.write(b'AB', 0)), 'c')
    call('read', read, 'c')
    call('wop_cmpext_ne_write', wop, lambda op: (op.cmpext(b'0123', 0), op.write(b'ZZ', 0)), 'c')
    call('read', read, 'c')
    call('wop_write_full_empty', wop, lambda op: op.write_full(b''), 'c')
    call('stat', io.stat, 'c', post=lambda r: r[0])
    call('wop_create_set_omap', wop, lambda op: (op.new(rados.LIBRADOS_CREATE_EXCLUSIVE), io.set_omap(op, ('k',), (b'v',))), 'cn')
    call('wop_create_set_omap_again', wop, lambda op: (op.new(rados.LIBRADOS_CREATE_EXCLUSIVE), io.set_omap(op, ('k2',), (b'v',))), 'cn')
    call('omap_keys', rop, lambda op: io.get_omap_keys(op, '', 100), 'cn')
    call('wop_create_idempotent', wop, lambda op: op.new(rados.LIBRADOS_CREATE_IDEMPOTENT), 'cn')
    call('wop_remove_then_create', wop, lambda op: (op.remove(), op.new(rados.LIBRADOS_CREATE_EXCLUSIVE)), 'cn')
    call('wop_remove_noobj', wop, lambda op: op.remove(), 'nocr')
    call('wop_truncate_write', wop, lambda op: (op.write(b'abcdef', 0), op.truncate(2), op.append(b'Z')), 'ct')
    call('read', read, 'ct')
    call('wop_rm_then_write', wop, lambda op: (op.remove(), op.write(b'new', 0)), 'ct')
    call('read', read, 'ct')
    call('wop_setxattr_rmxattr', wop, lambda op: (op.set_xattr('a', b'1'), op.rm_xattr('a')), 'ct')
    call('get_xattrs', lambda o: sorted(io.get_xattrs(o)), 'ct')
    call('wop_failok_missing', lambda: c_wop('ct', lambda op: (L.rados_write_op_rmxattr(op, b'zz'), L.rados_write_op_write_full(op, b'ok', 2))))
    call('read', read, 'ct')
    call('wop_excl_create_via_c', c_wop, 'ct', lambda op: L.rados_write_op_create(op, 1, None))
    sz = ctypes.c_uint64()
    rv = ctypes.c_int()
    buf = ctypes.create_string_buffer(16)
    bl = ctypes.c_size_t()
    rv2 = ctypes.c_int()
    def fill(op):
        L.rados_read_op_stat(op, ctypes.byref(sz), None, ctypes.byref(rv))
        L.rados_read_op_read(op, 1, 16, buf, ctypes.byref(bl), ctypes.byref(rv2))
        return [lambda: sz.value, lambda: rv.value, lambda: buf.raw[:bl.value], lambda: rv2.value]
    call('rop_stat_read', c_rop, 'c', fill)
    call('rop_stat_read_noobj', c_rop, 'noc', fill)
    call('rop_cmpext_ne', rop, lambda op: (op.cmpext(b'zz', 0), (iter(()), 0))[1], 'c')


def create_calls():
    call('create_excl', wop, lambda op: op.new(rados.LIBRADOS_CREATE_EXCLUSIVE), 'cr')
    call('create_excl_again', wop, lambda op: op.new(rados.LIBRADOS_CREATE_EXCLUSIVE), 'cr')
    call('create_idem', wop, lambda op: op.new(rados.LIBRADOS_CREATE_IDEMPOTENT), 'cr')
    call('stat', io.stat, 'cr', post=lambda r: r[0])
    call('remove', io.remove_object, 'cr')
    call('create_excl_after_remove', wop, lambda op: op.new(rados.LIBRADOS_CREATE_EXCLUSIVE), 'cr')


def lockers(oid, name):
    tag = ctypes.create_string_buffer(256)
    clients = ctypes.create_string_buffer(1024)
    cookies = ctypes.create_string_buffer(1024)
    addrs = ctypes.create_string_buffer(1024)
    excl = ctypes.c_int()
    sizes = [ctypes.c_size_t(256), ctypes.c_size_t(1024), ctypes.c_size_t(1024), ctypes.c_size_t(1024)]
    n = L.rados_list_lockers(cio, oid.encode(), name.encode(), ctypes.byref(excl), tag, ctypes.byref(sizes[0]), clients, ctypes.byref(sizes[1]),
                             cookies, ctypes.byref(sizes[2]), addrs, ctypes.byref(sizes[3]))
    if n < 0:
        return ['err', n]
    split = lambda b, s: [x.decode() for x in b.raw[:s.value].split(b'\0') if x]
    # Client names carry the instance id (client.N): masked by tag.
    return [n, excl.value, tag.value, ['{client}' for _ in split(clients, sizes[1])], split(cookies, sizes[2]), len(split(addrs, sizes[3]))]


def lock_calls():
    io.write_full('l', b'')
    call('lock_exclusive', io.lock_exclusive, 'l', 'lk', 'c1', 'desc', None, 0)
    call('lock_exclusive_same_cookie', io.lock_exclusive, 'l', 'lk', 'c1', 'desc', None, 0)
    call('lock_exclusive_other_cookie', io.lock_exclusive, 'l', 'lk', 'c2', 'desc', None, 0)
    call('lock_shared_on_exclusive', io.lock_shared, 'l', 'lk', 'c3', 'tag', 'desc', None, 0)
    call('list_lockers', lockers, 'l', 'lk')
    call('list_lockers_none', lockers, 'l', 'other')
    call('list_lockers_noobj', lockers, 'nol', 'lk')
    call('unlock_wrong_cookie', io.unlock, 'l', 'lk', 'c9')
    call('unlock', io.unlock, 'l', 'lk', 'c1')
    call('unlock_again', io.unlock, 'l', 'lk', 'c1')
    call('lock_shared', io.lock_shared, 'l', 'lk', 'c1', 'tagA', 'desc', None, 0)
    call('lock_shared_2', io.lock_shared, 'l', 'lk', 'c2', 'tagA', 'desc', None, 0)
    call('lock_shared_other_tag', io.lock_shared, 'l', 'lk', 'c3', 'tagB', 'desc', None, 0)
    call('lock_exclusive_on_shared', io.lock_exclusive, 'l', 'lk', 'c4', 'desc', None, 0)
    call('list_lockers_shared', lockers, 'l', 'lk')
    client = c.get_instance_id()
    call('break_lock_bad_client', lambda: L.rados_break_lock(cio, b'l', b'lk', b'client.999999', b'c1'))
    call('break_lock', lambda: L.rados_break_lock(cio, b'l', b'lk', ('client.%d' % client).encode(), b'c1'))
    call('list_lockers_after_break', lockers, 'l', 'lk')
    call('lock_on_missing_creates', io.lock_exclusive, 'lnew', 'lk', 'c1', 'desc', None, 0)
    call('stat_lnew', io.stat, 'lnew', post=lambda r: r[0])
    call('lock_duration', io.lock_exclusive, 'ld', 'lk', 'c1', 'desc', 1, 0)
    call('lock_duration_held', io.lock_exclusive, 'ld', 'lk', 'c2', 'desc', None, 0)
    time.sleep(1.6)
    call('lock_duration_expired', io.lock_exclusive, 'ld', 'lk', 'c2', 'desc', None, 0)
    call('lock_renew_flag', io.lock_exclusive, 'ld', 'lk', 'c2', 'desc', None, 1)
    call('lock_may_renew_missing', io.lock_exclusive, 'ld2', 'lk', 'c1', 'desc', None, 1)
    call('lock_bad_flags', io.lock_exclusive, 'ld', 'lk', 'c2', 'desc', None, 0x80)
    call('lock_get_info', io.execute, 'l', 'lock', 'get_info', b'', 0)
    call('lock_list_locks', io.execute, 'l', 'lock', 'list_locks', b'', 4096)
    call('cls_missing_class', io.execute, 'l', 'nosuchclass', 'm', b'', 0)
    call('cls_missing_method', io.execute, 'l', 'lock', 'nosuchmethod', b'', 0)
    call('cls_hello', io.execute, 'h', 'hello', 'say_hello', b'tester', 100)
    call('cls_hello_empty', io.execute, 'h', 'hello', 'say_hello', b'', 100)
    call('cls_hello_record', io.execute, 'h', 'hello', 'record_hello', b'rec', 0)
    call('cls_hello_record_again', io.execute, 'h', 'hello', 'record_hello', b'rec', 0)
    call('cls_hello_replay', io.execute, 'h', 'hello', 'replay', b'', 100)
    call('cls_hello_writes_bad', io.execute, 'h', 'hello', 'writes_dont_return_data', b'x', 100)
    call('cls_hello_bad_reader', io.execute, 'h', 'hello', 'bad_reader', b'', 100)
    call('cls_hello_bad_writer', io.execute, 'h', 'hello', 'bad_writer', b'', 100)


def aio_calls():
    out = {}
    def wait(name, comp, extra=lambda: None):
        comp.wait_for_complete_and_cb()
        line(name, [comp.get_return_value(), extra()])
    wait('aio_write', io.aio_write('a', b'async', 0))
    wait('aio_write_full', io.aio_write_full('a', b'full async'))
    wait('aio_append', io.aio_append('a', b'!'))
    def on_read(comp, data):
        out['read'] = data
    wait('aio_read', io.aio_read('a', 100, 0, on_read), lambda: out.get('read'))
    out.pop('read', None)
    wait('aio_read_missing', io.aio_read('noa', 100, 0, on_read), lambda: out.get('read'))
    def on_stat(comp, size, mtime):
        out['stat'] = size
    wait('aio_stat', io.aio_stat('a', on_stat), lambda: out.get('stat'))
    out.pop('stat', None)
    wait('aio_stat_missing', io.aio_stat('noa', on_stat), lambda: out.get('stat'))
    wait('aio_setxattr', io.aio_setxattr('a', 'k', b'v'))
    wait('aio_rmxattr', io.aio_rmxattr('a', 'k'))
    wait('aio_rmxattr_missing', io.aio_rmxattr('a', 'k'))
    wait('aio_cmpext_eq', io.aio_cmpext('a', b'full', 0))
    wait('aio_cmpext_ne', io.aio_cmpext('a', b'fuXl', 0))
    wait('aio_writesame', io.aio_writesame('a', b'xy', 6, 0))
    def on_exec(comp, data):
        out['exec'] = data
    wait('aio_execute', io.aio_execute('a', 'hello', 'say_hello', b'aio', 64, on_exec), lambda: out.get('exec'))
    wait('aio_remove', io.aio_remove('a'))
    wait('aio_remove_missing', io.aio_remove('a'))
    with rados.WriteOpCtx() as op:
        op.write_full(b'op')
        wait('aio_write_op', io.operate_aio_write_op(op, 'ao'))
    with rados.WriteOpCtx() as op:
        op.new(rados.LIBRADOS_CREATE_EXCLUSIVE)
        wait('aio_write_op_excl', io.operate_aio_write_op(op, 'ao'))
    with rados.ReadOpCtx() as op:
        it, ret = io.get_omap_vals(op, '', '', 10)
        wait('aio_read_op_omap', io.operate_aio_read_op(op, 'ao'), lambda: [ret, list(it)])
    with rados.ReadOpCtx() as op:
        it, ret = io.get_omap_vals(op, '', '', 10)
        wait('aio_read_op_omap_missing', io.operate_aio_read_op(op, 'noao'))
    io.aio_flush()
    line('aio_flush', 'done')


def list_calls():
    lio = c.open_ioctx(POOL)
    def names(ioctx):
        return sorted((o.nspace, o.key, o.locator_key) for o in ioctx.list_objects())
    lio.set_namespace('ns1')
    lio.write_full('n1', b'1')
    lio.set_locator_key('loc')
    lio.write_full('n2', b'2')
    line('get_locator_key', lio.get_locator_key())
    call('read_with_locator', read_ioctx, lio, 'n2')
    lio.set_locator_key('')
    call('read_without_locator', read_ioctx, lio, 'n2')
    lio.set_namespace('ns2')
    lio.write_full('n1', b'other')
    line('get_namespace', lio.get_namespace())
    call('read_ns2', read_ioctx, lio, 'n1')
    lio.set_namespace('ns1')
    call('read_ns1', read_ioctx, lio, 'n1')
    call('list_ns1', names, lio)
    lio.set_namespace(rados.LIBRADOS_ALL_NSPACES)
    call('list_all', lambda i: [x for x in names(i) if x[0] in ('ns1', 'ns2')], lio)
    call('read_all_nspaces', read_ioctx, lio, 'n1')
    lio.set_namespace('')
    call('list_default', lambda i: len(names(i)), lio)
    lio.close()


def read_ioctx(ioctx, oid):
    return ioctx.read(oid)


def snap_calls():
    sio = c.open_ioctx(POOL)
    sio.write_full('s', b'v1')
    snap = sio.create_self_managed_snap()
    line('selfmanaged_snap', '{snap:%d}' % snap)
    sio.set_self_managed_snap_write([snap])
    call('write_after_snap', sio.write_full, 's', b'version2')
    call('read_head', read_ioctx, sio, 's')
    sio.set_read(snap)
    call('read_at_snap', read_ioctx, sio, 's')
    call('write_while_reading_snap', sio.write_full, 's', b'x')
    call('read_at_snap_missing', read_ioctx, sio, 'nosnapobj')
    sio.set_read(rados.LIBRADOS_SNAP_HEAD)
    call('rollback', sio.rollback_self_managed_snap, 's', snap)
    call('read_after_rollback', read_ioctx, sio, 's')
    call('rollback_missing_obj', sio.rollback_self_managed_snap, 'nosnapobj', snap)
    call('rollback_bad_snap', sio.rollback_self_managed_snap, 's', snap + 1000)
    sio.set_self_managed_snap_write([])
    call('remove_snap', sio.remove_self_managed_snap, snap)
    call('remove_snap_again', sio.remove_self_managed_snap, snap)
    call('create_pool_snap_on_selfmanaged', sio.create_snap, 'nope')
    # Object versions: the same ops in a fresh pool give the same per-PG versions in Ceph.
    sio.write_full('ver', b'1')
    v1 = sio.get_last_version()
    sio.write_full('ver', b'2')
    line('version_step', sio.get_last_version() - v1)
    sio.read('ver')
    line('version_after_read', sio.get_last_version() - v1)
    call('read_missing_version', read_ioctx, sio, 'nover')
    line('version_after_missing', sio.get_last_version())
    sio.close()
    pio = c.open_ioctx(SNAPPOOL)
    pio.write_full('p', b'before')
    call('create_snap', pio.create_snap, 'ps1')
    call('create_snap_again', pio.create_snap, 'ps1')
    pio.write_full('p', b'after')
    pio.write_full('born_after', b'x')
    s = call('lookup_snap', pio.lookup_snap, 'ps1', post=lambda s: s)
    line('lookup_snap_name', s.name if s is not None else None)
    call('lookup_snap_missing', pio.lookup_snap, 'nope')
    call('list_snaps', lambda: [x.name for x in pio.list_snaps()])
    if s is not None:
        pio.set_read(s.snap_id)
        call('read_pool_snap', read_ioctx, pio, 'p')
        call('read_pool_snap_born_after', read_ioctx, pio, 'born_after')
        call('write_at_pool_snap', pio.write_full, 'p', b'no')
        pio.set_read(rados.LIBRADOS_SNAP_HEAD)
    call('snap_rollback', pio.snap_rollback, 'p', 'ps1')
    call('read_after_snap_rollback', read_ioctx, pio, 'p')
    call('snap_rollback_born_after', pio.snap_rollback, 'born_after', 'ps1')
    call('read_born_after', read_ioctx, pio, 'born_after')
    call('snap_rollback_missing_snap', pio.snap_rollback, 'p', 'nope')
    call('selfmanaged_on_pool_snaps', pio.create_self_managed_snap)
    call('remove_snap', pio.remove_snap, 'ps1')
    call('remove_snap_again', pio.remove_snap, 'ps1')
    pio.close()


def watch_calls():
    io.write_full('w', b'')
    got = []
    ev = threading.Event()
    def cb(notify_id, notifier_id, watch_id, data):
        got.append(data)
        ev.set()
        return b'ack:' + data
    w = io.watch('w', cb)
    call('watch_check', lambda: w.check() is not None)
    results = {}
    done = threading.Event()
    def on_notify(comp, r, acks, timeouts):
        # Each ack: ((notifier gid, cookie), payload); ids differ per cluster.
        results['v'] = [r, sorted(a[-1] for a in (acks or [])), len(timeouts or [])]
        done.set()
    comp = io.aio_notify('w', on_notify, msg='ping', timeout_ms=5000)
    comp.wait_for_complete_and_cb()
    done.wait(10)
    line('aio_notify', [comp.get_return_value(), results.get('v'), got])
    call('notify', io.notify, 'w', 'sync', 5000)
    call('notify_missing_obj', io.notify, 'now', 'x', 1000)
    call('watch_missing_obj', lambda: io.watch('now', cb).close())
    w.close()
    call('notify_after_unwatch', io.notify, 'w', 'x', 1000)
    # A watcher that never acks: the notify times out with ETIMEDOUT and lists it.
    c2 = rados.Rados(conffile=conf)
    c2.connect(timeout=20)
    io2 = c2.open_ioctx(POOL)
    def slow(notify_id, notifier_id, watch_id, data):
        time.sleep(2)
    w2 = io2.watch('w', slow)
    results.clear()
    done.clear()
    comp = io.aio_notify('w', on_notify, msg='slow', timeout_ms=1000)
    comp.wait_for_complete_and_cb()
    done.wait(10)
    line('aio_notify_timeout', [comp.get_return_value(), results.get('v')])
    w2.close()
    c2.shutdown()


def pool_calls():
    call('application_list', io.application_list)
    call('application_enable', io.application_enable, 'myapp', False)
    call('application_enable_second', io.application_enable, 'other', False)
    call('application_enable_second_force', io.application_enable, 'other', True)
    call('application_list', lambda: sorted(io.application_list()))
    call('application_metadata_set', io.application_metadata_set, 'myapp', 'k', 'v')
    call('application_metadata_get', io.application_metadata_get, 'myapp', 'k')
    call('application_metadata_get_missing', io.application_metadata_get, 'myapp', 'nokey')
    call('application_metadata_get_noapp', io.application_metadata_get, 'noapp', 'k')
    call('application_metadata_list', io.application_metadata_list, 'myapp')
    call('application_metadata_set_noapp', io.application_metadata_set, 'noapp', 'k', 'v')
    call('application_metadata_remove', io.application_metadata_remove, 'myapp', 'k')
    call('application_metadata_remove_missing', io.application_metadata_remove, 'myapp', 'k')
    call('application_metadata_list', io.application_metadata_list, 'myapp')
    call('get_stats_keys', lambda: sorted(io.get_stats().keys()))
    call('open_missing_pool', c.open_ioctx, 'no-such-pool')
    call('pool_lookup_missing', c.pool_lookup, 'no-such-pool')
    call('pool_reverse_lookup_missing', c.pool_reverse_lookup, 99999)
    call('create_pool_exists', c.create_pool, POOL)
    call('get_pool_base_tier', lambda: c.get_pool_base_tier(io.get_pool_id()) == io.get_pool_id())
    call('alignment', io.alignment)


def edge_calls():
    eio = c.open_ioctx(POOL)
    # Ceph's limits: osd_max_object_name_len 2048, osd_max_object_namespace_len 256,
    # osd_max_attr_name_len 100, osd_max_object_size 128 MiB.
    call('name_2048', eio.write_full, 'n' * 2048, b'x', post=lambda r: r)
    call('name_2049', eio.write_full, 'n' * 2049, b'x')
    call('stat_name_2049', eio.stat, 'n' * 2049)
    eio.set_namespace('s' * 257)
    call('nspace_257', eio.write_full, 'o', b'x')
    eio.set_namespace('s' * 256)
    call('nspace_256', eio.write_full, 'o', b'x')
    eio.set_namespace('')
    eio.set_locator_key('k' * 2049)
    call('locator_2049', eio.write_full, 'o', b'x')
    eio.set_locator_key('')
    call('xattr_name_100', eio.set_xattr, 'o', 'a' * 100, b'v')
    call('xattr_name_101', eio.set_xattr, 'o', 'a' * 101, b'v')
    call('get_xattr_name_101', eio.get_xattr, 'o', 'a' * 101)
    call('xattr_name_empty', eio.set_xattr, 'o', '', b'v')
    # The empty name is the OSD's own "_" attribute, the object_info_t (versions, mtime): its length only.
    call('get_xattr_name_empty', eio.get_xattr, 'o', '', post=len)
    call('write_past_max_size', eio.write, 'big', b'x', 128 << 20)
    call('write_to_max_size', eio.write, 'big', b'x', (128 << 20) - 1)
    call('stat_big', eio.stat, 'big', post=lambda r: r[0])
    call('trunc_past_max_size', eio.trunc, 'big', (128 << 20) + 1)
    call('append_past_max_size', eio.append, 'big', b'xy')
    call('read_far', eio.read, 'big', 10, 1 << 40)
    call('writesame_past_max', eio.writesame, 'big2', b'ab', 4, (128 << 20) - 2)
    call('zero_past_max', c_wop, 'big', lambda op: L.rados_write_op_zero(op, 1 << 40, 10))
    call('stat_big', eio.stat, 'big', post=lambda r: r[0])
    call('remove_big', eio.remove_object, 'big')
    # mtime given by the client is stored as is.
    def with_mtime(oid):
        with rados.WriteOpCtx() as op:
            op.write_full(b'timed')
            eio.operate_write_op(op, oid, mtime=1234567890)
        return calendar.timegm(time.gmtime(time.mktime(eio.stat(oid)[1])))
    call('write_with_mtime', with_mtime, 'mt')
    # FAILOK: a failed op flagged so leaves the rest of the vector to run.
    L.rados_write_op_remove.argtypes = [ctypes.c_void_p]
    L.rados_write_op_append.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    def failok_remove(op):
        L.rados_write_op_remove(op)
        L.rados_write_op_set_flags(op, rados.LIBRADOS_OP_FLAG_FAILOK)
        L.rados_write_op_append(op, b'after', 5)
    call('failok_remove_missing_then_append', c_wop, 'fo', failok_remove)
    call('read_fo', eio.read, 'fo')
    def remove_then_append(op):
        L.rados_write_op_remove(op)
        L.rados_write_op_append(op, b'again', 5)
    call('remove_missing_then_append', c_wop, 'fo2', remove_then_append)
    call('stat_fo2', eio.stat, 'fo2', post=lambda r: r[0])
    # omap_get_vals2 reports whether more keys remain past max_return.
    L.rados_read_op_omap_get_vals2.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint64, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_ubyte), ctypes.POINTER(ctypes.c_int)]
    L.rados_omap_iter_size.argtypes = [ctypes.c_void_p]
    L.rados_omap_iter_size.restype = ctypes.c_uint
    L.rados_omap_get_end.argtypes = [ctypes.c_void_p]
    eio.write_full('om', b'')
    with rados.WriteOpCtx() as op:
        eio.set_omap(op, tuple('k%02d' % i for i in range(10)), tuple(b'v' for _ in range(10)))
        eio.operate_write_op(op, 'om')
    def vals2(after, prefix, mx):
        def fill(op):
            it = ctypes.c_void_p()
            more = ctypes.c_ubyte(9)
            rv = ctypes.c_int(9)
            L.rados_read_op_omap_get_vals2(op, after.encode(), prefix.encode(), mx, ctypes.byref(it), ctypes.byref(more), ctypes.byref(rv))
            def size():
                n = L.rados_omap_iter_size(it)
                L.rados_omap_get_end(it)
                return n
            return [size, lambda: more.value, lambda: rv.value]
        return fill
    call('omap_vals2_more', c_rop, 'om', vals2('', '', 4))
    call('omap_vals2_exact', c_rop, 'om', vals2('', '', 10))
    call('omap_vals2_after', c_rop, 'om', vals2('k05', '', 4))
    call('omap_vals2_after_last', c_rop, 'om', vals2('k09', '', 4))
    call('omap_vals2_prefix_before', c_rop, 'om', vals2('a', 'k0', 3))
    call('omap_vals2_prefix_none', c_rop, 'om', vals2('', 'z', 3))
    call('omap_vals_empty_key', wop, lambda op: eio.set_omap(op, ('',), (b'e',)), 'om')
    call('omap_keys_with_empty', rop, lambda op: eio.get_omap_keys(op, '', 3), 'om')
    # A class write method sent in a read op vector.
    L.rados_read_op_exec.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(ctypes.c_int)]
    def exec_read(cls, method, data):
        def fill(op):
            out = ctypes.c_char_p()
            n = ctypes.c_size_t()
            rv = ctypes.c_int(9)
            L.rados_read_op_exec(op, cls, method, data, len(data), ctypes.byref(out), ctypes.byref(n), ctypes.byref(rv))
            return [lambda: rv.value, lambda: ctypes.string_at(out, n.value) if out else None]
        return fill
    call('read_op_exec_read_method', c_rop, 'om', exec_read(b'hello', b'say_hello', b'ro'))
    call('read_op_exec_write_method', c_rop, 'om', exec_read(b'hello', b'record_hello', b'ro'))
    call('replay_after_read_op_write', eio.execute, 'om', 'hello', 'replay', b'', 100)
    call('read_op_exec_missing', c_rop, 'nope', exec_read(b'hello', b'say_hello', b'ro'))
    # Alloc hints on a missing object.
    L.rados_write_op_set_alloc_hint.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64]
    call('alloc_hint_missing', c_wop, 'ah', lambda op: L.rados_write_op_set_alloc_hint(op, 4 << 20, 4096))
    call('stat_ah', eio.stat, 'ah', post=lambda r: r[0])
    # Objects removed after a pool snapshot stay readable at the snapshot.
    pio = c.open_ioctx(SNAPPOOL)
    pio.write_full('gone', b'was here')
    pio.write_full('trunc', b'0123456789')
    pio.create_snap('ps2')
    pio.remove_object('gone')
    pio.trunc('trunc', 3)
    r = subprocess.run(['rados', '-c', conf, '-p', SNAPPOOL, 'listsnaps', 'trunc'], capture_output=True)
    line('listsnaps', [r.returncode, [x.split()[0] if x.split() else '' for x in r.stdout.decode().splitlines()[1:]]])
    r = subprocess.run(['rados', '-c', conf, '-p', SNAPPOOL, 'listsnaps', 'gone'], capture_output=True)
    line('listsnaps_removed', [r.returncode, len(r.stdout.decode().splitlines())])
    call('stat_removed_head', pio.stat, 'gone')
    pio.set_read(pio.lookup_snap('ps2').snap_id)
    call('read_removed_at_snap', pio.read, 'gone')
    call('read_trunc_at_snap', pio.read, 'trunc')
    call('stat_trunc_at_snap', pio.stat, 'trunc', post=lambda r: r[0])
    call('list_at_snap', lambda: sorted(o.key for o in pio.list_objects()))
    pio.set_read(rados.LIBRADOS_SNAP_HEAD)
    call('list_head', lambda: sorted(o.key for o in pio.list_objects()))
    call('snap_rollback_removed', pio.snap_rollback, 'gone', 'ps2')
    call('read_rolled_back', pio.read, 'gone')
    pio.remove_snap('ps2')
    pio.close()
    eio.close()


def snap_more_calls():
    sio = c.open_ioctx(POOL)
    sio.write_full('sm', b'one')
    sio.set_xattr('sm', 'a', b'x1')
    with rados.WriteOpCtx() as op:
        sio.set_omap(op, ('k',), (b'o1',))
        sio.operate_write_op(op, 'sm')
    s1 = sio.create_self_managed_snap()
    sio.set_self_managed_snap_write([s1])
    sio.write('sm', b'TWO', 1)
    sio.set_xattr('sm', 'a', b'x2')
    sio.write_full('born2', b'b')
    s2 = sio.create_self_managed_snap()
    line('snap_ids', [s2 - s1])
    sio.set_self_managed_snap_write([s2, s1])
    sio.remove_object('sm')
    call('stat_head_removed', sio.stat, 'sm')
    for name, snap in (('s1', s1), ('s2', s2)):
        sio.set_read(snap)
        call('read_at_' + name, sio.read, 'sm')
        call('xattr_at_' + name, sio.get_xattr, 'sm', 'a')
        call('omap_at_' + name, lambda: rop(lambda op: sio.get_omap_vals(op, '', '', 10), 'sm'))
        call('born2_at_' + name, sio.read, 'born2')
        call('stat_at_' + name, sio.stat, 'sm', post=lambda r: r[0])
    sio.set_read(rados.LIBRADOS_SNAP_HEAD)
    r = subprocess.run(['rados', '-c', conf, '-p', POOL, 'listsnaps', 'sm'], capture_output=True)
    line('listsnaps_sm', [r.returncode, r.stdout.decode().split()])
    call('rollback_removed_to_s1', sio.rollback_self_managed_snap, 'sm', s1)
    call('read_after_rollback', sio.read, 'sm')
    call('xattr_after_rollback', sio.get_xattr, 'sm', 'a')
    call('rollback_born2_to_s1', sio.rollback_self_managed_snap, 'born2', s1)
    call('stat_born2_after_rollback', sio.stat, 'born2')
    # A write with a SnapContext whose seq is older than the object's: still applied (no ORDERSNAP).
    sio.set_self_managed_snap_write([s1])
    call('write_old_snapc', sio.write_full, 'sm', b'old snapc')
    sio.set_self_managed_snap_write([])
    call('write_empty_snapc', sio.write_full, 'sm', b'empty snapc')
    call('remove_s1', sio.remove_self_managed_snap, s1)
    sio.set_read(s1)
    call('read_at_removed_snap', sio.read, 'sm')
    sio.set_read(rados.LIBRADOS_SNAP_HEAD)
    call('remove_s2', sio.remove_self_managed_snap, s2)
    sio.close()


def cls_calls():
    io.write_full('cls', b'')
    # refcount, log, timeindex, user and otp: rados_diff_more.py (part 2).
    for cls, method in (('version', 'read'), ('numops', 'add'), ('cas', 'chunk_read'), ('lua', 'eval_json')):
        call('cls_' + cls + '_' + method, io.execute, 'cls', cls, method, b'', 4096)
    enc = lambda s: struct.pack('<I', len(s)) + s
    env = lambda body: b'\x01\x01' + struct.pack('<I', len(body)) + body
    objv = lambda ver, tag: env(struct.pack('<Q', ver) + enc(tag))
    conds = lambda cs: env(objv(0, b'') + struct.pack('<I', len(cs)) + b''.join(env(objv(v, t) + struct.pack('<I', c)) for v, t, c in cs))
    # inc makes a random tag: its length and the counter only.
    ver_only = lambda r: [r[0], struct.unpack_from('<Q', r[1], 12)[0], len(r[1])]
    call('version_inc_missing', io.execute, 'vobj', 'version', 'inc', conds([]), 0)
    call('version_read', io.execute, 'vobj', 'version', 'read', b'', 4096, post=ver_only)
    call('version_inc_conds_gt', io.execute, 'vobj', 'version', 'inc_conds', conds([(1, b'', 2)]), 0)
    call('version_inc_conds_gt_fail', io.execute, 'vobj', 'version', 'inc_conds', conds([(9, b'', 2)]), 0)
    call('version_check_le', io.execute, 'vobj', 'version', 'check_conds', conds([(3, b'', 5)]), 0)
    call('version_check_lt_fail', io.execute, 'vobj', 'version', 'check_conds', conds([(3, b'', 4)]), 0)
    call('version_set', io.execute, 'vobj', 'version', 'set', env(objv(7, b'tagx')), 0)
    call('version_read_set', io.execute, 'vobj', 'version', 'read', b'', 4096)
    call('version_check_eq', io.execute, 'vobj', 'version', 'check_conds', conds([(7, b'tagx', 1), (0, b'tagx', 6)]), 0)
    call('version_check_tag_ne_fail', io.execute, 'vobj', 'version', 'check_conds', conds([(0, b'tagx', 7)]), 0)
    call('version_set_bad', io.execute, 'vobj', 'version', 'set', b'\x01', 0)
    call('version_check_missing', io.execute, 'novobj', 'version', 'check_conds', conds([]), 0)
    call('version_xattr', io.get_xattr, 'vobj', 'ceph.objclass.version')
    num = lambda k, v: enc(k) + enc(v)
    for method, key, val in (('add', b'n', b'2.5'), ('mul', b'n', b'3'), ('add', b'n', b''), ('mul', b'n', b'1e-7'), ('add', b'm', b'0x10'),
                             ('mul', b'm', b'1e300'), ('mul', b'm', b'1e300'), ('add', b'n', b'x'), ('add', b'n', b' 1'), ('add', b'n', b'1 '),
                             ('mul', b'z', b'5'), ('add', b'big', b'12345678901'), ('add', b'small', b'0.0001'), ('add', b'tiny', b'0.00001234')):
        call('numops_%s_%s_%s' % (method, key.decode(), val.decode()), io.execute, 'nobj', 'numops', method, num(key, val), 0)
    call('numops_bad_input', io.execute, 'nobj', 'numops', 'add', b'\x05', 0)
    call('numops_vals', rop, lambda op: io.get_omap_vals(op, '', '', 100), 'nobj')
    with rados.WriteOpCtx() as op:
        io.set_omap(op, ('bad',), (b'abc',))
        io.operate_write_op(op, 'nobj')
    call('numops_bad_stored', io.execute, 'nobj', 'numops', 'add', num(b'bad', b'1'), 0)
    call('cls_lock_bad_input', io.execute, 'cls', 'lock', 'lock', b'\x01\x02', 0)
    call('cls_lock_break_none', io.execute, 'cls', 'lock', 'break_lock', b'', 0)
    call('cls_lock_get_info_bad', io.execute, 'cls', 'lock', 'get_info', b'\xff', 100)


def misc_calls():
    call('unicode_name', io.write_full, 'ünï/cødé\t', b'u')
    call('read_unicode', read, 'ünï/cødé\t')
    # Ceph bounds no xattr value (osd_max_attr_size 0) below its 90 MiB write message; ts-osd's
    # bound is 64 MiB (osdXattrLimits.valueBytesMax, op-limits.test.ts). 128 KiB and 1 MiB here.
    call('xattr_128k', io.set_xattr, 'x', 'huge', b'h' * (128 << 10))
    call('get_xattr_128k', io.get_xattr, 'x', 'huge')
    call('xattr_1m', io.set_xattr, 'x', 'huge', bytes(range(256)) * (4 << 10))
    call('get_xattr_1m', io.get_xattr, 'x', 'huge')
    call('writesame_data_longer', io.writesame, 'ws2', b'abcd', 2, 0)
    call('writesame_equal', io.writesame, 'ws2', b'abcd', 4, 0)
    call('read_ws2', read, 'ws2')
    call('assert_version_missing', wop, lambda op: (op.assert_version(1), op.write_full(b'x')), 'noav')
    call('rm_range_missing', wop, lambda op: io.remove_omap_range2(op, 'a', 'z'), 'norange')
    call('omap_vals_no_omap', rop, lambda op: io.get_omap_vals(op, '', '', 10), 'd')
    call('omap_keys_no_omap', rop, lambda op: io.get_omap_keys(op, '', 10), 'd')
    done = threading.Event()
    res = {}
    def on_notify(comp, r, acks, timeouts):
        res['v'] = [r, list(acks or []), list(timeouts or [])]
        done.set()
    io.write_full('nw', b'')
    comp = io.aio_notify('nw', on_notify, msg='none', timeout_ms=1000)
    comp.wait_for_complete_and_cb()
    done.wait(5)
    line('aio_notify_no_watchers', [comp.get_return_value(), res.get('v')])
    got = []
    w = io.watch('nw', lambda *a: got.append(a[-1]) or b'', timeout=5)
    call('notify_watch_timeout', io.notify, 'nw', 'p', 3000)
    line('notify_got', got)
    w.close()
    call('create_with_category', io.execute, 'cat', 'hello', 'say_hello', b'', 100)
    call('big_omap_val', wop, lambda op: io.set_omap(op, ('big',), (b'v' * (1 << 20),)), 'bo')
    call('big_omap_val_read', rop, lambda op: io.get_omap_vals_by_keys(op, ('big',)), 'bo')
    call('omap_many', wop, lambda op: io.set_omap(op, tuple('k%05d' % i for i in range(2000)), tuple(b'' for _ in range(2000))), 'om2')
    with rados.ReadOpCtx() as op:
        it, r = io.get_omap_keys(op, '', 5000)
        io.operate_read_op(op, 'om2')
        line('omap_keys_5000', [r, len(list(it))])
    with rados.ReadOpCtx() as op:
        it, r = io.get_omap_vals(op, 'k00100', 'k001', 5000)
        io.operate_read_op(op, 'om2')
        line('omap_vals_prefix_after', [r, len(list(it))])
    call('trunc_zero', io.trunc, 'ws2', 0)
    call('stat_trunc_zero', io.stat, 'ws2', post=lambda r: r[0])
    call('append_empty', io.append, 'ws2', b'')
    call('append_empty_missing', io.append, 'noapp', b'')
    call('stat_append_empty_missing', io.stat, 'noapp', post=lambda r: r[0])
    call('write_full_missing_empty_xattr', wop, lambda op: (op.write_full(b''), op.set_xattr('a', b'')), 'wfx')
    call('get_xattrs_wfx', lambda o: sorted(io.get_xattrs(o)), 'wfx')


def read_op_calls():
    io.write_full('r', b'0123456789')
    def reads(*exts):
        def fill(op):
            keep = []
            for off, ln in exts:
                buf = ctypes.create_string_buffer(max(ln, 1) + 16)
                n = ctypes.c_size_t(77)
                rv = ctypes.c_int(77)
                L.rados_read_op_read(op, off, ln, buf, ctypes.byref(n), ctypes.byref(rv))
                keep.append((buf, n, rv))
            return [lambda k=k: [k[2].value, k[1].value, k[0].raw[:min(k[1].value, len(k[0].raw))]] for k in keep]
        return fill
    call('rop_read_len0', c_rop, 'r', reads((0, 0)))
    call('rop_read_two', c_rop, 'r', reads((0, 3), (8, 5)))
    call('rop_read_past_end', c_rop, 'r', reads((20, 4)))
    call('rop_read_missing', c_rop, 'nor', reads((0, 4)))
    L.rados_read_op_set_flags.argtypes = [ctypes.c_void_p, ctypes.c_int]
    def read_failok(op):
        L.rados_read_op_assert_exists(op)
        return reads((0, 4))(op)
    call('rop_assert_exists_read', c_rop, 'r', read_failok)
    # Snapshots with overlapping writes: clone overlap as `rados listsnaps` prints it.
    sio = c.open_ioctx(POOL)
    sio.write_full('ov', b'A' * 100)
    s1 = sio.create_self_managed_snap()
    sio.set_self_managed_snap_write([s1])
    sio.write('ov', b'B' * 10, 20)
    sio.trunc('ov', 60)
    sio.set_xattr('ov', 'x', b'1')
    s2 = sio.create_self_managed_snap()
    sio.set_self_managed_snap_write([s2, s1])
    with rados.WriteOpCtx() as op:
        op.zero(10, 5)  # the binding's swap: offset 5, length 10
        sio.operate_write_op(op, 'ov')
    sio.append('ov', b'C' * 5)
    r = subprocess.run(['rados', '-c', conf, '-p', POOL, 'listsnaps', 'ov'], capture_output=True)
    line('listsnaps_ov', [r.returncode, r.stdout.decode().split()[1:]])
    for snap in (s1, s2):
        sio.set_read(snap)
        call('ov_at_snap', lambda: [sio.stat('ov')[0], hashlib.sha1(sio.read('ov', 200)).hexdigest()[:10]])
        call('ov_xattrs_at_snap', lambda: sorted(k for k, _ in sio.get_xattrs('ov')))
    sio.set_read(rados.LIBRADOS_SNAP_HEAD)
    call('ov_rollback_s1', sio.rollback_self_managed_snap, 'ov', s1)
    call('ov_after_rollback', lambda: [sio.stat('ov')[0], sorted(k for k, _ in sio.get_xattrs('ov'))])
    sio.set_self_managed_snap_write([])
    sio.remove_self_managed_snap(s1)
    sio.remove_self_managed_snap(s2)
    sio.close()


def flag_calls():
    # librados operation flags on whole vectors, and a create with a category string.
    for name, flag in (('order_reads_writes', rados.LIBRADOS_OPERATION_ORDER_READS_WRITES), ('ignore_cache', rados.LIBRADOS_OPERATION_IGNORE_CACHE),
                       ('skiprwlocks', rados.LIBRADOS_OPERATION_SKIPRWLOCKS), ('ignore_overlay', rados.LIBRADOS_OPERATION_IGNORE_OVERLAY),
                       ('balance_reads', rados.LIBRADOS_OPERATION_BALANCE_READS), ('localize_reads', rados.LIBRADOS_OPERATION_LOCALIZE_READS)):
        call('wop_flag_' + name, c_wop, 'fl', lambda op: L.rados_write_op_write_full(op, name.encode(), len(name)), flag)
        call('rop_flag_' + name, c_rop, 'fl', lambda op: L.rados_read_op_assert_exists(op), flag)
    call('create_with_category', c_wop, 'cat', lambda op: L.rados_write_op_create(op, 1, b'somecategory'))
    call('create_with_category_again', c_wop, 'cat', lambda op: L.rados_write_op_create(op, 1, b'somecategory'))
    L.rados_write_op_omap_cmp.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint8, ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_int)]
    rv = ctypes.c_int(77)
    io.write_full('oc2', b'')
    def cmp_op(key, op_code, val):
        def fill(op):
            L.rados_write_op_omap_cmp(op, key, op_code, val, len(val), ctypes.byref(rv))
            L.rados_write_op_write_full(op, b'w', 1)
        return fill
    with rados.WriteOpCtx() as op:
        io.set_omap(op, ('k',), (b'b',))
        io.operate_write_op(op, 'oc2')
    for name, code, val in (('gt', 2, b'a'), ('gte', 3, b'b'), ('lt', 4, b'c'), ('lte', 5, b'a'), ('ne', 1, b'b'), ('bad_op', 9, b'b'), ('missing_key_lt', 4, b'z')):
        r = c_wop('oc2', cmp_op(b'k' if 'missing' not in name else b'nokey', code, val))
        line('omap_cmp_' + name, [r, rv.value])


# Part 1 (the default) runs the sections above; part 2 (RADOS_DIFF_PART=2, rados-diff-2.test.ts) the
# sections of rados_diff_more.py, which sees this script's helpers and handles as its own globals.
if os.environ.get('RADOS_DIFF_PART', '1') == '1':
    sections = (data_calls, xattr_calls, omap_calls, compound_calls, create_calls, lock_calls, aio_calls, list_calls, snap_calls, watch_calls,
                pool_calls, edge_calls, snap_more_calls, cls_calls, misc_calls, read_op_calls, flag_calls)
else:
    import rados_diff_more
    rados_diff_more.__dict__.update({k: v for k, v in globals().items() if not k.startswith('__')})
    sections = rados_diff_more.SECTIONS
# RADOS_DIFF_ONLY=name,name runs just those sections (for debugging one; the tests run them all).
only = [x for x in os.environ.get('RADOS_DIFF_ONLY', '').split(',') if x]
for section in [x for x in sections if not only or x.__name__ in only]:
    print('## ' + section.__name__, flush=True)
    section()
L.rados_ioctx_destroy(cio)
L.rados_shutdown(cl)
io.close()
c.shutdown()
