# Part 2 of the differential librados script (rados-diff.py runs it with RADOS_DIFF_PART=2, from
# rados-diff-2.test.ts): the object classes rgw calls (refcount, log, timeindex, user, otp) and
# librbd's journal class, driven through Ioctx.execute with inputs packed here in Ceph's encodings,
# then more of what Ceph's own src/test/librados suites poke. rados-diff.py copies its globals (io,
# c, L, call, canon, line, wop, rop, c_wop, c_rop, ...) into this module before calling SECTIONS.
import calendar, ctypes, hashlib, hmac, struct, threading, time
import rados


def env(body, v=1, compat=1):
    """ENCODE_START(v, compat) ... ENCODE_FINISH around body."""
    return struct.pack('<BBI', v, compat, len(body)) + body


def s(x):
    b = x.encode() if isinstance(x, str) else x
    return struct.pack('<I', len(b)) + b


def ut(sec, nsec=0):
    return struct.pack('<II', sec, nsec)


def lst(items):
    return struct.pack('<I', len(items)) + b''.join(items)


def flag(v):
    return b'\x01' if v else b'\x00'


def hexout(r):
    """An execute result: the rval and the output bytes (printed as length and hash: both clusters must give the same bytes)."""
    return [r[0], bytes(r[1])]


def ex(name, oid, cls, method, data, out_len=65536, post=hexout, show=True):
    if not show:
        # Inputs that differ between runs (otp codes of the current time step) are not printed.
        return call(name, lambda: io.execute(oid, cls, method, data, out_len), post=post)
    return call(name, io.execute, oid, cls, method, data, out_len, post=post)


def omap_dump(name, oid):
    call(name, lambda: [(k, v) for k, v in rop(lambda op: io.get_omap_vals(op, '', '', 1000), oid)[1]])


def refcount_calls():
    get = lambda tag, implicit=False: env(s(tag) + flag(implicit))
    read = lambda implicit=False: env(flag(implicit))
    ex('rc_read_missing', 'rc', 'refcount', 'read', read())
    ex('rc_get_missing', 'rc', 'refcount', 'get', get('a'))
    io.write_full('rc', b'data')
    ex('rc_read_none', 'rc', 'refcount', 'read', read())
    ex('rc_read_implicit', 'rc', 'refcount', 'read', read(True))
    ex('rc_put_no_refs', 'rc', 'refcount', 'put', get('a'))
    ex('rc_get_a', 'rc', 'refcount', 'get', get('a'))
    ex('rc_get_b_implicit', 'rc', 'refcount', 'get', get('b', True))
    ex('rc_get_a_again', 'rc', 'refcount', 'get', get('a'))
    ex('rc_read', 'rc', 'refcount', 'read', read())
    call('rc_xattr', io.get_xattr, 'rc', 'refcount')
    ex('rc_put_unknown', 'rc', 'refcount', 'put', get('zz'))
    ex('rc_put_unknown_implicit', 'rc', 'refcount', 'put', get('zz', True))
    ex('rc_put_a', 'rc', 'refcount', 'put', get('a'))
    ex('rc_get_a_after_put', 'rc', 'refcount', 'get', get('a'))
    ex('rc_put_a_retired', 'rc', 'refcount', 'put', get('a'))
    call('rc_xattr', io.get_xattr, 'rc', 'refcount')
    ex('rc_put_b', 'rc', 'refcount', 'put', get('b'))
    ex('rc_read', 'rc', 'refcount', 'read', read())
    ex('rc_put_last', 'rc', 'refcount', 'put', get('', True))
    call('rc_stat_after_last_put', io.stat, 'rc', post=lambda r: r[0])
    ex('rc_set_missing', 'rc2', 'refcount', 'set', env(lst([s('x'), s('y'), s('x')])))
    ex('rc_read_set', 'rc2', 'refcount', 'read', read())
    call('rc_stat_set', io.stat, 'rc2', post=lambda r: r[0])
    ex('rc_set_empty', 'rc2', 'refcount', 'set', env(lst([])))
    call('rc_stat_set_empty', io.stat, 'rc2', post=lambda r: r[0])
    ex('rc_set_empty_missing', 'rc3', 'refcount', 'set', env(lst([])))
    ex('rc_bad_input', 'rc', 'refcount', 'get', b'\x01\x01\x05')
    ex('rc_truncated_body', 'rc', 'refcount', 'get', env(s('a')))
    io.write_full('rc4', b'')
    io.set_xattr('rc4', 'refcount', b'\x02\x01\xff\x00\x00\x00')
    ex('rc_bad_stored', 'rc4', 'refcount', 'read', read())


def log_calls():
    entry = lambda sec, nsec, name, eid='', data=b'd': env(s('sect') + s(name) + ut(sec, nsec) + s(data) + s(eid), 2)
    add = lambda entries, mono=True: env(lst(entries) + flag(mono), 2)
    lst_op = lambda frm=(0, 0), marker='', to=(0, 0), mx=0: env(ut(*frm) + s(marker) + ut(*to) + struct.pack('<i', mx))
    trim = lambda frm=(0, 0), to=(0, 0), fm='', tm='': env(ut(*frm) + ut(*to) + s(fm) + s(tm), 2)
    info = env(b'')
    ex('log_list_missing', 'lg', 'log', 'list', lst_op())
    ex('log_info_missing', 'lg', 'log', 'info', info)
    ex('log_trim_missing', 'lg', 'log', 'trim', trim(to=(2000000000, 0)))
    ex('log_add_creates', 'lg', 'log', 'add', add([entry(1000, 500000, 'n1'), entry(900, 0, 'older'), entry(1001, 7000, 'n3')]))
    ex('log_add_explicit_id', 'lg', 'log', 'add', add([entry(1002, 0, 'n4', 'zz_custom'), entry(5, 0, 'n5', '1_0000000005.000000_x')]))
    ex('log_add_not_monotonic', 'lg', 'log', 'add', add([entry(950, 123456789, 'n6')], False))
    ex('log_add_two_ops', 'lg', 'log', 'add', add([entry(1003, 0, 'a'), entry(1003, 0, 'b')]))
    ex('log_add_empty', 'lg', 'log', 'add', add([]))
    ex('log_add_v1', 'lg', 'log', 'add', env(lst([env(s('s') + s('v1') + ut(1004) + s(b'x'))])))
    omap_dump('log_keys', 'lg')
    ex('log_info', 'lg', 'log', 'info', info)
    ex('log_list_all', 'lg', 'log', 'list', lst_op())
    ex('log_list_max2', 'lg', 'log', 'list', lst_op(mx=2))
    ex('log_list_marker', 'lg', 'log', 'list', lst_op(marker='1_0000000950.123456_', mx=2))
    ex('log_list_window', 'lg', 'log', 'list', lst_op(frm=(950, 0), to=(1001, 7000)))
    ex('log_list_window_reversed', 'lg', 'log', 'list', lst_op(frm=(1001, 0), to=(950, 0)))
    ex('log_list_negative_max', 'lg', 'log', 'list', lst_op(mx=-1))
    ex('log_trim_time', 'lg', 'log', 'trim', trim(to=(950, 123456000)))
    ex('log_trim_time_again', 'lg', 'log', 'trim', trim(to=(950, 123456000)))
    ex('log_trim_marker', 'lg', 'log', 'trim', trim(fm='1_0000001000.500000_', tm='1_0000001001.007000_'))
    ex('log_trim_past_end', 'lg', 'log', 'trim', trim(frm=(3000, 0), to=(4000, 0)))
    omap_dump('log_keys_after_trim', 'lg')
    ex('log_bad_input', 'lg', 'log', 'add', b'\x02')
    ex('log_info_bad_input', 'lg', 'log', 'info', b'')
    io.write_full('lg2', b'')
    subprocess_header('lg2', b'garbage')
    ex('log_info_bad_header', 'lg2', 'log', 'info', info)
    ex('log_add_bad_header', 'lg2', 'log', 'add', add([entry(7, 0, 'g')]))
    ex('log_info_after_bad_header', 'lg2', 'log', 'info', info)


def subprocess_header(oid, header):
    """The omap header has no call in the binding or the C API: the stock rados CLI sets it."""
    import subprocess
    r = subprocess.run(['rados', '-c', conf, '-p', POOL, 'setomapheader', oid, header.decode()], capture_output=True)
    assert r.returncode == 0, r.stderr


def timeindex_calls():
    entry = lambda sec, nsec, ext, val=b'v': env(ut(sec, nsec) + s(ext) + s(val))
    lst_op = lambda frm=(0, 0), marker='', to=(0, 0), mx=100: env(ut(*frm) + s(marker) + ut(*to) + struct.pack('<i', mx))
    trim = lambda frm=(0, 0), to=(0, 0), fm='', tm='': env(ut(*frm) + ut(*to) + s(fm) + s(tm))
    ex('ti_list_missing', 'ti', 'timeindex', 'list', lst_op())
    ex('ti_add', 'ti', 'timeindex', 'add', env(lst([entry(100, 250000, 'objA'), entry(100, 250000, 'objB', b'vb'), entry(50, 999999999, 'early'),
                                                    entry(200, 0, 'with space'), entry(300, 1, 'tiny')])))
    omap_dump('ti_keys', 'ti')
    ex('ti_list', 'ti', 'timeindex', 'list', lst_op())
    ex('ti_list_to', 'ti', 'timeindex', 'list', lst_op(to=(100, 250000)))
    ex('ti_list_window', 'ti', 'timeindex', 'list', lst_op(frm=(60, 0), to=(250, 0)))
    ex('ti_list_reversed', 'ti', 'timeindex', 'list', lst_op(frm=(250, 0), to=(60, 0)))
    ex('ti_list_max1', 'ti', 'timeindex', 'list', lst_op(mx=1))
    ex('ti_list_max0', 'ti', 'timeindex', 'list', lst_op(mx=0))
    ex('ti_list_marker', 'ti', 'timeindex', 'list', lst_op(marker='1_0000000100.250000_objA'))
    ex('ti_trim_none', 'ti', 'timeindex', 'trim', trim(frm=(10, 0), to=(20, 0)))
    ex('ti_trim_to', 'ti', 'timeindex', 'trim', trim(to=(100, 250000)))
    omap_dump('ti_keys_after_trim', 'ti')
    ex('ti_trim_markers', 'ti', 'timeindex', 'trim', trim(fm='1_0000000100.250000_objB', tm='1_0000000300'))
    omap_dump('ti_keys_after_trim2', 'ti')
    ex('ti_trim_again', 'ti', 'timeindex', 'trim', trim(to=(1000, 0)))
    ex('ti_bad_input', 'ti', 'timeindex', 'add', b'')


def user_calls():
    def bucket(name, placement=''):
        if placement:
            return env(s(name) + s('mk-' + name) + s('id-' + name) + s(placement), 9, 8)
        return env(s(name) + s('data') + s('mk-' + name) + s('id-' + name) + s('index') + s(''), 7, 3)
    def entry(name, size, count, ctime=1600000000, placement='', synced=False):
        return env(s('') + struct.pack('<QIQ', size, ctime, count) + bucket(name, placement) + struct.pack('<Q', size + 4095 & ~4095) + flag(synced) + ut(ctime, 5), 9, 5)
    set_op = lambda entries, add, t: env(lst(entries) + flag(add) + ut(t))
    list_op = lambda marker='', mx=100, end='': env(s(marker) + struct.pack('<i', mx) + s(end), 2)
    header = env(b'')
    ex('user_get_header_missing', 'usr', 'user', 'get_header', header)
    ex('user_list_missing', 'usr', 'user', 'list_buckets', list_op())
    ex('user_add', 'usr', 'user', 'set_buckets_info', set_op([entry('b1', 100, 2), entry('b2', 5000, 7, placement='default-placement'), entry('b0', 1, 1)], True, 1700000000))
    ex('user_get_header', 'usr', 'user', 'get_header', header)
    ex('user_add_again', 'usr', 'user', 'set_buckets_info', set_op([entry('b1', 999, 9, ctime=1650000000)], True, 1690000000))
    ex('user_update_stats', 'usr', 'user', 'set_buckets_info', set_op([entry('b2', 10, 1), entry('gone', 3, 3)], False, 1710000000))
    ex('user_get_header2', 'usr', 'user', 'get_header', header)
    ex('user_list', 'usr', 'user', 'list_buckets', list_op())
    ex('user_list_max1', 'usr', 'user', 'list_buckets', list_op(mx=1))
    ex('user_list_marker', 'usr', 'user', 'list_buckets', list_op(marker='b0', mx=1))
    ex('user_list_end', 'usr', 'user', 'list_buckets', list_op(end='b2'))
    ex('user_list_max0', 'usr', 'user', 'list_buckets', list_op(mx=0))
    ex('user_remove', 'usr', 'user', 'remove_bucket', env(bucket('b1')))
    ex('user_remove_missing', 'usr', 'user', 'remove_bucket', env(bucket('nob')))
    ex('user_remove_empty_name', 'usr', 'user', 'remove_bucket', env(bucket('')))
    ex('user_add_empty_name', 'usr', 'user', 'set_buckets_info', set_op([entry('', 1, 1)], True, 1))
    ex('user_get_header3', 'usr', 'user', 'get_header', header)
    ex('user_complete_sync', 'usr', 'user', 'complete_stats_sync', env(ut(1720000000, 9)))
    ex('user_complete_sync_older', 'usr', 'user', 'complete_stats_sync', env(ut(1000)))
    ex('user_reset_stats', 'usr', 'user', 'reset_user_stats', env(ut(1730000000)))
    ex('user_get_header4', 'usr', 'user', 'get_header', header)
    ex('user_reset_stats2', 'usr', 'user', 'reset_user_stats2', env(ut(1740000000) + s('') + env(struct.pack('<QQQ', 1, 2, 3))))
    ex('user_reset_stats2_marker', 'usr', 'user', 'reset_user_stats2', env(ut(1740000001) + s('b0') + env(struct.pack('<QQQ', 0, 0, 0))))
    ex('user_get_header5', 'usr', 'user', 'get_header', header)
    omap_dump('user_keys', 'usr')
    ex('user_bad_input', 'usr', 'user', 'list_buckets', b'\x09\x09\x00\x00\x00\x00')


def totp(seed, now, digits=6, step=30, ofs=0):
    h = hmac.new(seed, struct.pack('>Q', (now - ofs) // step), hashlib.sha1).digest()
    o = h[-1] & 15
    return '%0*d' % (digits, (struct.unpack('>I', h[o:o + 4])[0] & 0x7fffffff) % 10 ** digits)


def otp_calls():
    def info(oid, seed, seed_type, step=30, window=2, ofs=0):
        return env(struct.pack('<B', 2) + s(oid) + s(seed) + struct.pack('<B', seed_type) + s(b'ignored') + struct.pack('<iII', ofs, step, window))
    check = lambda dev, val, token: env(s(dev) + s(val) + s(token))
    get = lambda ids, all_=False: env(flag(all_) + lst([s(x) for x in ids]))
    # otp_get_result: the newest attempt's token and result (its timestamp is the OSD's clock).
    def result(r):
        if len(r[1]) < 17:
            return hexout(r)
        n = struct.unpack_from('<I', r[1], 12)[0]
        return [r[0], r[1][16:16 + n].decode(), r[1][16 + n + 8]]
    ex('otp_get_missing', 'otp', 'otp', 'otp_get', get([], True))
    ex('otp_set', 'otp', 'otp', 'otp_set', env(lst([info('dev1', '3132333435363738393031323334353637383930', 1), info('dev2', 'gezd gnbv', 2, 60, 1)])))
    ex('otp_set_bad_hex', 'otp', 'otp', 'otp_set', env(lst([info('dev3', '313', 1)])))
    ex('otp_set_bad_base32', 'otp', 'otp', 'otp_set', env(lst([info('dev3', 'GEZDGNBV====', 2)])))
    ex('otp_set_unknown_type_hex', 'otp', 'otp', 'otp_set', env(lst([info('dev4', 'AbCd', 0)])))
    ex('otp_get_all', 'otp', 'otp', 'otp_get', get([], True))
    ex('otp_get_some', 'otp', 'otp', 'otp_get', get(['dev2', 'nope', 'dev2']))
    seed = b'12345678901234567890'
    good = totp(seed, int(time.time()))
    ex('otp_check_good', 'otp', 'otp', 'otp_check', check('dev1', good, 't1'), show=False)
    ex('otp_result_good', 'otp', 'otp', 'otp_get_result', check('dev1', '', 't1'), post=result)
    ex('otp_check_reused', 'otp', 'otp', 'otp_check', check('dev1', good, 't2'), show=False)
    ex('otp_result_reused', 'otp', 'otp', 'otp_get_result', check('dev1', '', 't2'), post=result)
    ex('otp_check_bad', 'otp', 'otp', 'otp_check', check('dev1', '000000' if good != '000000' else '111111', 't3'), show=False)
    ex('otp_check_short', 'otp', 'otp', 'otp_check', check('dev1', good[:5], 't4'), show=False)
    ex('otp_check_t5', 'otp', 'otp', 'otp_check', check('dev1', 'abcdef', 't5'))
    ex('otp_check_over_limit', 'otp', 'otp', 'otp_check', check('dev1', good, 't6'), show=False)
    for t in ('t3', 't4', 't5', 't6', 'never'):
        ex('otp_result_' + t, 'otp', 'otp', 'otp_get_result', check('dev1', '', t), post=result)
    ex('otp_check_missing_dev', 'otp', 'otp', 'otp_check', check('nodev', good, 't'), show=False)
    ex('otp_result_missing_dev', 'otp', 'otp', 'otp_get_result', check('nodev', '', 't'))
    b32 = totp(b'12345', int(time.time()), 8, 60)
    ex('otp_check_base32_8digits', 'otp', 'otp', 'otp_check', check('dev2', b32, 'b1'), show=False)
    ex('otp_result_base32', 'otp', 'otp', 'otp_get_result', check('dev2', '', 'b1'), post=result)
    ex('otp_remove', 'otp', 'otp', 'otp_remove', env(lst([s('dev2'), s('nope')])))
    ex('otp_remove_none', 'otp', 'otp', 'otp_remove', env(lst([s('nope')])))
    ex('otp_get_all_after_remove', 'otp', 'otp', 'otp_get', get([], True))
    ex('otp_current_time', 'otp', 'otp', 'get_current_time', env(b''), post=lambda r: [r[0], len(r[1])])
    ex('otp_bad_input', 'otp', 'otp', 'otp_check', b'\x01\x01\x04\x00\x00\x00\xff\xff')
    call('otp_keys', lambda: [k for k, _ in rop(lambda op: io.get_omap_vals(op, '', '', 100), 'otp')[1]])


def journal_calls():
    """cls_journal (librbd's image journals): header, window, clients, commits, tags and their expiry, appends."""
    u8 = lambda n: struct.pack('<B', n)
    u64 = lambda n: struct.pack('<Q', n)
    pos = lambda o, t, e: env(u64(o) + u64(t) + u64(e))
    setpos = lambda *p: env(lst(list(p)))
    tag = lambda tid, cls, data: u64(tid) + u64(cls) + s(data)
    new_class = 0xffffffffffffffff
    tag_list = lambda after, mx, client, cls=None: u64(after) + u64(mx) + s(client) + (b'\x00' if cls is None else b'\x01' + u64(cls))
    j = lambda name, method, data=b'', oid='journal.x': ex('journal_' + name, oid, 'journal', method, data)
    j('register_no_journal', 'client_register', s('') + s(b''))
    j('get_order_missing', 'get_order')
    j('create', 'create', u8(24) + u8(4) + struct.pack('<q', -1))
    j('create_again', 'create', u8(24) + u8(4) + struct.pack('<q', -1))
    j('create_short', 'create', u8(24), oid='journal.y')
    for m in ('get_order', 'get_splay_width', 'get_pool_id', 'get_minimum_set', 'get_active_set', 'get_next_tag_tid'):
        j(m, m)
    j('minimum_past_active', 'set_minimum_set', u64(1))
    j('active_3', 'set_active_set', u64(3))
    j('minimum_2', 'set_minimum_set', u64(2))
    j('minimum_back', 'set_minimum_set', u64(1))
    j('active_before_minimum', 'set_active_set', u64(1))
    j('active_same', 'set_active_set', u64(3))
    j('register', 'client_register', s('') + s(b'abc'))
    j('register_again', 'client_register', s('') + s(b''))
    j('get_client', 'get_client', s(''))
    j('get_client_missing', 'get_client', s('nosuch'))
    j('commit_too_many', 'client_commit', s('') + setpos(*[pos(i % 4, 1, 5 - i) for i in range(5)]))
    j('commit', 'client_commit', s('') + setpos(pos(1, 1, 7), pos(0, 1, 6)))
    j('commit_same', 'client_commit', s('') + setpos(pos(1, 1, 7), pos(0, 1, 6)))
    j('commit_missing', 'client_commit', s('nosuch') + setpos())
    j('register_mirror', 'client_register', s('mirror') + s(b''))
    j('get_client_mirror', 'get_client', s('mirror'))
    j('update_state', 'client_update_state', s('mirror') + u8(1))
    j('update_data', 'client_update_data', s('mirror') + s(b'd'))
    j('update_data_missing', 'client_update_data', s('nosuch') + s(b'd'))
    j('client_list', 'client_list', s('') + u64(256))
    j('client_list_1', 'client_list', s('') + u64(1))
    j('client_list_after', 'client_list', s('mirror') + u64(256))
    j('tag_out_of_order', 'tag_create', tag(1, new_class, b'x'))
    j('tag_0', 'tag_create', tag(0, new_class, b'd0'))
    j('tag_0_again', 'tag_create', tag(0, new_class, b'd0'))
    j('tag_class_unallocated', 'tag_create', tag(1, 1, b'x'))
    j('tag_1', 'tag_create', tag(1, 0, b'd1'))
    j('tag_2_new_class', 'tag_create', tag(2, new_class, b'c1'))
    j('get_tag_2', 'get_tag', u64(2))
    j('get_tag_missing', 'get_tag', u64(9))
    j('tag_3', 'tag_create', tag(3, 0, b'd3'))
    j('commit_tag_3', 'client_commit', s('') + setpos(pos(0, 3, 9)))
    j('tag_4_expires', 'tag_create', tag(4, 0, b'd4'))
    omap_dump('journal_omap_after_expiry', 'journal.x')
    j('tag_list', 'tag_list', tag_list(0, 256, ''))
    j('tag_list_class_0', 'tag_list', tag_list(0, 256, '', 0))
    j('tag_list_after_3', 'tag_list', tag_list(3, 256, ''))
    j('tag_list_max_1', 'tag_list', tag_list(0, 1, ''))
    j('tag_list_mirror', 'tag_list', tag_list(0, 256, 'mirror'))
    j('tag_list_missing_client', 'tag_list', tag_list(0, 1, 'nosuch'))
    j('update_state_connected', 'client_update_state', s('mirror') + u8(0))
    j('tag_5', 'tag_create', tag(5, 1, b'c5'))
    j('unregister_missing', 'client_unregister', s('nosuch'))
    j('unregister_mirror', 'client_unregister', s('mirror'))
    omap_dump('journal_omap_after_unregister', 'journal.x')
    d = 'journal_data.x.0'
    j('guard_missing', 'guard_append', u64(16), oid=d)
    j('append_1', 'append', u64(16) + s(b'\x01' * 10), oid=d)
    j('append_2', 'append', u64(16) + s(b'\x02' * 10), oid=d)
    j('append_full', 'append', u64(16) + s(b'\x03'), oid=d)
    j('guard_full', 'guard_append', u64(20), oid=d)
    j('guard_room', 'guard_append', u64(64), oid=d)
    call('journal_data_read', io.read, d, 100, 0)
    call('journal_data_version', io.get_last_version)


def rbd_mirror_calls():
    """cls_rbd's mirror peer and status methods on rbd_mirroring, with the inputs librbd never sends."""
    peer = lambda uuid, d, site, client, mirror_uuid='': env(s(uuid) + s(site) + s(client) + struct.pack('<qB', -1, d) + s(mirror_uuid) + ut(0), 2, 1)
    m = lambda name, method, data=b'': ex('rbd_mirror_' + name, 'rbd_mirroring_x', 'rbd', method, data)
    m('peer_add_disabled', 'mirror_peer_add', peer('p1', 2, 'site-a', 'client.a'))
    m('uuid_set', 'mirror_uuid_set', s('own-uuid'))
    m('mode_set', 'mirror_mode_set', struct.pack('<I', 1))
    m('peer_add_no_client', 'mirror_peer_add', peer('p1', 2, 'site-a', ''))
    m('peer_add_tx', 'mirror_peer_add', peer('p1', 1, 'site-a', ''))
    m('peer_add_own_uuid', 'mirror_peer_add', peer('own-uuid', 2, 'site-a', 'client.a'))
    m('peer_add_bad_direction', 'mirror_peer_add', peer('p1', 7, 'site-a', 'client.a'))
    m('peer_add', 'mirror_peer_add', peer('p1', 2, 'site-a', 'client.a', 'mu-1'))
    m('peer_add_same_uuid', 'mirror_peer_add', peer('p1', 2, 'site-b', 'client.b'))
    m('peer_add_same_site', 'mirror_peer_add', peer('p2', 2, 'site-a', 'client.b'))
    m('peer_add_same_mirror_uuid', 'mirror_peer_add', peer('p2', 0, 'site-b', 'client.b', 'mu-1'))
    m('peer_add_rx', 'mirror_peer_add', peer('p2', 0, 'site-b', 'client.b'))
    m('peer_set_cluster_taken', 'mirror_peer_set_cluster', s('p2') + s('site-a'))
    m('peer_set_cluster_missing', 'mirror_peer_set_cluster', s('p9') + s('x'))
    m('peer_set_cluster', 'mirror_peer_set_cluster', s('p2') + s('site-c'))
    m('peer_set_client_missing', 'mirror_peer_set_client', s('p9') + s('client.x'))
    m('peer_set_direction', 'mirror_peer_set_direction', s('p2') + struct.pack('<B', 2))
    m('peer_list', 'mirror_peer_list')
    m('peer_remove_missing', 'mirror_peer_remove', s('p9'))
    m('peer_remove', 'mirror_peer_remove', s('p2'))
    image = env(s('gid-1') + struct.pack('<BB', 1, 0), 2, 1)
    m('image_set', 'mirror_image_set', s('img1') + image)
    m('status_summary', 'mirror_image_status_get_summary', lst([]))
    m('status_summary_peers', 'mirror_image_status_get_summary', lst([peer('p1', 2, 'site-a', 'client.a', 'mu-1')]))
    m('status_list', 'mirror_image_status_list', s('') + struct.pack('<Q', 64))
    m('status_get', 'mirror_image_status_get', s('gid-1'))
    m('instance_get', 'mirror_image_instance_get', s('gid-1'))
    m('instance_list', 'mirror_image_instance_list', s('') + struct.pack('<Q', 64))
    m('instances_list', 'mirror_instances_list')


SECTIONS = (refcount_calls, log_calls, timeindex_calls, user_calls, otp_calls, journal_calls, rbd_mirror_calls)


class Timespec(ctypes.Structure):
    _fields_ = [('tv_sec', ctypes.c_long), ('tv_nsec', ctypes.c_long)]


def bind_c_api():
    """The C API calls part 2 uses beyond rados-diff.py's (cmpxattr, assert_version, stat2, operate2...)."""
    vp, cp, sz, u8, u64, ip = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint8, ctypes.c_uint64, ctypes.POINTER(ctypes.c_int)
    L.rados_write_op_cmpxattr.argtypes = [vp, cp, u8, cp, sz]
    L.rados_read_op_cmpxattr.argtypes = [vp, cp, u8, cp, sz]
    L.rados_write_op_assert_version.argtypes = [vp, u64]
    L.rados_read_op_assert_version.argtypes = [vp, u64]
    L.rados_write_op_cmpext.argtypes = [vp, cp, sz, u64, ip]
    L.rados_read_op_cmpext.argtypes = [vp, cp, sz, u64, ip]
    L.rados_write_op_setxattr.argtypes = [vp, cp, cp, sz]
    L.rados_write_op_append.argtypes = [vp, cp, sz]
    L.rados_write_op_write.argtypes = [vp, cp, sz, u64]
    L.rados_write_op_remove.argtypes = [vp]
    L.rados_write_op_operate2.argtypes = [vp, vp, cp, ctypes.POINTER(Timespec), ctypes.c_int]
    L.rados_read_op_omap_cmp.argtypes = [vp, cp, u8, cp, sz, ip]
    L.rados_read_op_getxattrs.argtypes = [vp, ctypes.POINTER(vp), ip]
    L.rados_getxattrs_next.argtypes = [vp, ctypes.POINTER(cp), ctypes.POINTER(cp), ctypes.POINTER(sz)]
    L.rados_getxattrs_end.argtypes = [vp]
    L.rados_read_op_stat.argtypes = [vp, ctypes.POINTER(u64), vp, ip]


def cmpxattr_calls():
    bind_c_api()
    io.write_full('cx', b'data')
    io.set_xattr('cx', 'a', b'm')
    io.set_xattr('cx', 'n', b'10')
    names = ((1, 'eq'), (2, 'ne'), (3, 'gt'), (4, 'gte'), (5, 'lt'), (6, 'lte'), (0, 'none'), (7, 'bad'))
    for code, name in names:
        for val in (b'l', b'm', b'n', b''):
            call('cmpxattr_w_%s_%s' % (name, val.decode()), c_wop, 'cx', lambda op, code=code, val=val: (L.rados_write_op_cmpxattr(op, b'a', code, val, len(val)), L.rados_write_op_setxattr(op, b'seen', b'1', 1)))
    call('cmpxattr_r_eq', c_rop, 'cx', lambda op: L.rados_read_op_cmpxattr(op, b'a', 1, b'm', 1))
    call('cmpxattr_r_ne_fail', c_rop, 'cx', lambda op: L.rados_read_op_cmpxattr(op, b'a', 2, b'm', 1))
    call('cmpxattr_missing_attr_eq_empty', c_rop, 'cx', lambda op: L.rados_read_op_cmpxattr(op, b'zz', 1, b'', 0))
    call('cmpxattr_missing_attr_gt', c_rop, 'cx', lambda op: L.rados_read_op_cmpxattr(op, b'zz', 3, b'a', 1))
    call('cmpxattr_missing_obj', c_rop, 'nocx', lambda op: L.rados_read_op_cmpxattr(op, b'a', 1, b'm', 1))
    call('cmpxattr_missing_obj_write', c_wop, 'nocx', lambda op: (L.rados_write_op_cmpxattr(op, b'a', 1, b'm', 1), L.rados_write_op_append(op, b'x', 1)))
    call('stat_nocx', io.stat, 'nocx', post=lambda r: r[0])
    call('cmpxattr_numeric_as_string', c_rop, 'cx', lambda op: L.rados_read_op_cmpxattr(op, b'n', 3, b'9', 1))
    call('cmpxattr_longer_value', c_rop, 'cx', lambda op: L.rados_read_op_cmpxattr(op, b'a', 5, b'mm', 2))
    call('get_xattrs_cx', lambda: sorted(io.get_xattrs('cx')))


def version_calls():
    io.write_full('av', b'1')
    v = io.get_last_version()
    for name, ver in (('eq', v), ('lower', v - 1), ('higher', v + 1), ('zero', 0)):
        call('assert_version_w_' + name, c_wop, 'av', lambda op, ver=ver: (L.rados_write_op_assert_version(op, ver), L.rados_write_op_append(op, b'+', 1)))
        call('assert_version_r_' + name, c_rop, 'av', lambda op, ver=ver: L.rados_read_op_assert_version(op, ver) and None)
    call('read_av', io.read, 'av')
    call('assert_version_missing_r', c_rop, 'noav2', lambda op: L.rados_read_op_assert_version(op, 1) and None)


def failed_middle_calls():
    io.write_full('fm', b'0123456789')
    io.set_xattr('fm', 'a', b'x')
    rv = [ctypes.c_int(77) for _ in range(3)]
    def write_then_fail_then_append(op):
        L.rados_write_op_write(op, b'AB', 2, 0)
        L.rados_write_op_cmpext(op, b'zz', 2, 0, ctypes.byref(rv[0]))
        L.rados_write_op_append(op, b'tail', 4)
    call('wop_fail_middle', c_wop, 'fm', write_then_fail_then_append)
    line('wop_fail_middle_prval', rv[0].value)
    call('read_fm', io.read, 'fm')
    def cmpext_ok_then_cmpxattr_fail(op):
        L.rados_write_op_cmpext(op, b'0123', 4, 0, ctypes.byref(rv[1]))
        L.rados_write_op_cmpxattr(op, b'a', 1, b'y', 1)
        L.rados_write_op_remove(op)
    rv[1].value = 77
    call('wop_cmpext_ok_cmpxattr_fail', c_wop, 'fm', cmpext_ok_then_cmpxattr_fail)
    line('wop_cmpext_ok_prval', rv[1].value)
    call('stat_fm', io.stat, 'fm', post=lambda r: r[0])
    size = ctypes.c_uint64(5)
    def read_ops(op):
        L.rados_read_op_stat(op, ctypes.byref(size), None, ctypes.byref(rv[0]))
        L.rados_read_op_cmpext(op, b'0X', 2, 0, ctypes.byref(rv[1]))
        L.rados_read_op_omap_cmp(op, b'k', 1, b'v', 1, ctypes.byref(rv[2]))
    for r in rv:
        r.value = 77
    call('rop_fail_middle', c_rop, 'fm', read_ops)
    line('rop_fail_middle_prvals', [size.value, rv[0].value, rv[1].value, rv[2].value])
    for r in rv:
        r.value = 77
    call('rop_omap_cmp_no_omap', c_rop, 'fm', lambda op: L.rados_read_op_omap_cmp(op, b'k', 1, b'v', 1, ctypes.byref(rv[2])))
    line('rop_omap_cmp_no_omap_prval', rv[2].value)
    with rados.WriteOpCtx() as op:
        io.set_omap(op, ('k',), (b'v',))
        io.operate_write_op(op, 'fm')
    for code, name in ((1, 'eq'), (2, 'ne'), (3, 'gt'), (4, 'gte'), (5, 'lt'), (6, 'lte'), (7, 'bad')):
        rv[2].value = 77
        r = c_rop('fm', lambda op: L.rados_read_op_omap_cmp(op, b'k', code, b'u', 1, ctypes.byref(rv[2])))
        line('rop_omap_cmp_' + name, [r, rv[2].value])
    # A failed write op in flight through aio: the completion's return value.
    with rados.WriteOpCtx() as op:
        op.write_full(b'never')
        op.assert_version(1)
        comp = io.operate_aio_write_op(op, 'fm')
        comp.wait_for_complete()
        line('aio_write_op_failing', comp.get_return_value())
    call('read_fm', io.read, 'fm')


def mtime_calls():
    # The C API of 16.2 has no stat2: the stock rados CLI's stat2 prints the mtime to the nanosecond.
    import subprocess
    call('operate2_mtime', lambda: c_wop_mtime('mt2', Timespec(1234567890, 123456789)))
    for oid in ('mt2', 'nomt2'):
        r = subprocess.run(['rados', '-c', conf, '-p', POOL, 'stat2', oid], capture_output=True, env={'TZ': 'UTC', 'PATH': '/usr/bin:/bin'})
        line('stat2_' + oid, [r.returncode, r.stdout.decode().replace(POOL + '/', '').split(), r.stderr.decode().split(':')[-1].strip()])
    call('stat_mtime_seconds', lambda: calendar.timegm(io.stat('mt2')[1]))
    io.write_full('mt3', b'now')
    r = subprocess.run(['rados', '-c', conf, '-p', POOL, 'stat2', 'mt3'], capture_output=True)
    # Now-stamped: only whether the fraction has nine digits (nanoseconds kept).
    frac = r.stdout.decode().split()[-3].split('.')[-1] if r.returncode == 0 else ''
    line('stat2_now_precision', [r.returncode, len(frac.split('+')[0])])


def c_wop_mtime(oid, ts):
    op = L.rados_create_write_op()
    L.rados_write_op_write_full(op, b'timed', 5)
    r = L.rados_write_op_operate2(op, cio, oid.encode(), ctypes.byref(ts), 0)
    L.rados_release_write_op(op)
    return r


def many_xattr_calls():
    for i in range(120):
        io.set_xattr('mx', 'attr%03d' % (119 - i), b'v%d' % i * (i % 7))
    call('getxattrs_many', lambda: hashlib.sha1(repr(sorted(io.get_xattrs('mx'))).encode()).hexdigest()[:12])
    call('getxattrs_many_count', lambda: len(list(io.get_xattrs('mx'))))
    it = ctypes.c_void_p()
    rv = ctypes.c_int(77)
    def fill(op):
        L.rados_read_op_getxattrs(op, ctypes.byref(it), ctypes.byref(rv))
        def walk():
            names = []
            while True:
                n, v, ln = ctypes.c_char_p(), ctypes.c_char_p(), ctypes.c_size_t()
                if L.rados_getxattrs_next(it, ctypes.byref(n), ctypes.byref(v), ctypes.byref(ln)) != 0 or not n.value:
                    break
                names.append(n.value.decode())
            L.rados_getxattrs_end(it)
            return [len(names), names[:3], rv.value]
        return [walk]
    call('rop_getxattrs_order', c_rop, 'mx', fill)


def list_order_calls():
    lio = c.open_ioctx(POOL)
    lio.set_namespace('lo')
    for i in range(40):
        lio.write_full('obj%02d' % i, b'')
    # Listing order (PG by PG, hash order within a PG) as librados hands it out, not sorted.
    call('list_order', lambda: [o.key for o in lio.list_objects()])
    lio.set_namespace(rados.LIBRADOS_ALL_NSPACES)
    call('list_order_all_ns', lambda: [(o.nspace, o.key) for o in lio.list_objects() if o.nspace in ('lo', 'ns1')][:12])
    lio.close()


SECTIONS += (cmpxattr_calls, version_calls, failed_middle_calls, mtime_calls, many_xattr_calls, list_order_calls)


class ObjectListItem(ctypes.Structure):
    _fields_ = [('oid_length', ctypes.c_size_t), ('oid', ctypes.c_char_p), ('nspace_length', ctypes.c_size_t), ('nspace', ctypes.c_char_p),
                ('locator_length', ctypes.c_size_t), ('locator', ctypes.c_char_p)]


def cursor_list_calls():
    vp, u32 = ctypes.c_void_p, ctypes.c_uint32
    for fn in ('rados_nobjects_list_open', 'rados_object_list_cursor_free', 'rados_nobjects_list_get_cursor'):
        getattr(L, fn).argtypes = [vp, ctypes.POINTER(vp)] if fn != 'rados_object_list_cursor_free' else [vp, vp]
    L.rados_nobjects_list_next.argtypes = [vp, ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_char_p)]
    L.rados_nobjects_list_close.argtypes = [vp]
    L.rados_nobjects_list_get_pg_hash_position.argtypes = [vp]
    L.rados_nobjects_list_get_pg_hash_position.restype = u32
    L.rados_nobjects_list_seek.argtypes = [vp, u32]
    L.rados_nobjects_list_seek.restype = u32
    L.rados_nobjects_list_seek_cursor.argtypes = [vp, vp]
    L.rados_nobjects_list_seek_cursor.restype = u32
    L.rados_object_list_begin.argtypes = [vp]
    L.rados_object_list_begin.restype = vp
    L.rados_object_list_end.argtypes = [vp]
    L.rados_object_list_end.restype = vp
    L.rados_object_list_is_end.argtypes = [vp, vp]
    L.rados_object_list_cursor_cmp.argtypes = [vp, vp, vp]
    L.rados_object_list.argtypes = [vp, vp, vp, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ObjectListItem), ctypes.POINTER(vp)]
    L.rados_object_list_free.argtypes = [ctypes.c_size_t, ctypes.POINTER(ObjectListItem)]
    L.rados_object_list_slice.argtypes = [vp, vp, vp, ctypes.c_size_t, ctypes.c_size_t, ctypes.POINTER(vp), ctypes.POINTER(vp)]
    L.rados_ioctx_set_namespace.argtypes = [vp, ctypes.c_char_p]
    L.rados_ioctx_set_namespace(cio, b'cur')
    lio = c.open_ioctx(POOL)
    lio.set_namespace('cur')
    for i in range(30):
        lio.write_full('c%02d' % i, b'')
    lio.close()

    def nlist(seek=None, take=100):
        h = vp()
        assert L.rados_nobjects_list_open(cio, ctypes.byref(h)) == 0
        out = []
        if seek is not None:
            out.append(('seek', L.rados_nobjects_list_seek(h, seek)))
        for _ in range(take):
            e = ctypes.c_char_p()
            r = L.rados_nobjects_list_next(h, ctypes.byref(e), None, None)
            if r != 0:
                out.append(('end', r))
                break
            out.append(e.value.decode())
        out.append(('pos', L.rados_nobjects_list_get_pg_hash_position(h)))
        L.rados_nobjects_list_close(h)
        return out
    call('nlist_first5', nlist, None, 5)
    call('nlist_seek4', nlist, 4, 100)
    call('nlist_seek_past', nlist, 100, 100)

    def olist(result_size, start=None, finish=None, flt=b''):
        begin = start or L.rados_object_list_begin(cio)
        end = finish or L.rados_object_list_end(cio)
        items = (ObjectListItem * result_size)()
        # rados_object_list writes the next cursor into one the caller allocated.
        nxt = vp(L.rados_object_list_begin(cio))
        n = L.rados_object_list(cio, begin, end, result_size, flt or None, len(flt), items, ctypes.byref(nxt))
        names = [items[i].oid[:items[i].oid_length].decode() for i in range(max(n, 0))]
        if n > 0:
            L.rados_object_list_free(n, items)
        return n, names, nxt
    def pages(size):
        out, cur = [], L.rados_object_list_begin(cio)
        end = L.rados_object_list_end(cio)
        for _ in range(20):
            n, names, nxt = olist(size, cur, end)
            out.append(names)
            if n < 0 or L.rados_object_list_is_end(cio, nxt):
                out.append(('n', n))
                break
            cur = nxt
        return out
    call('object_list_pages7', pages, 7)
    def slices(m):
        begin, end = L.rados_object_list_begin(cio), L.rados_object_list_end(cio)
        out = []
        for i in range(m):
            s, f = vp(L.rados_object_list_begin(cio)), vp(L.rados_object_list_begin(cio))
            L.rados_object_list_slice(cio, begin, end, i, m, ctypes.byref(s), ctypes.byref(f))
            n, names, _ = olist(100, s, f)
            out.append(sorted(names))
        return out
    call('object_list_slices3', slices, 3)
    # A pgls "plain" filter: objects whose xattr (named with the OSD's "_" prefix) equals the value.
    lio = c.open_ioctx(POOL)
    lio.set_namespace('cur')
    for i in range(0, 30, 4):
        lio.set_xattr('c%02d' % i, 'tag', b'yes')
    lio.set_xattr('c01', 'tag', b'no')
    lio.close()
    plain = lambda name, val: s('plain') + s(name) + s(val)
    call('object_list_filter_yes', lambda: sorted(olist(100, flt=plain('_tag', 'yes'))[1]))
    call('object_list_filter_no', lambda: sorted(olist(100, flt=plain('_tag', 'no'))[1]))
    call('object_list_filter_unprefixed', lambda: sorted(olist(100, flt=plain('tag', 'yes'))[1]))
    call('object_list_filter_unknown_type', lambda: olist(100, flt=s('nosuchfilter') + s('x'))[:2])
    L.rados_ioctx_set_namespace(cio, b'')


def aio_more_calls():
    io.write_full('am', b'0123456789')
    def wait(name, comp, extra=lambda: None):
        comp.wait_for_complete_and_cb()
        line(name, [comp.get_return_value(), extra()])
    got = {}
    on_read = lambda comp, data: got.__setitem__('r', data)
    # A read of length 0 (the whole object) or past the end: the binding hands its callback a buffer
    # of the length asked for, whatever the OSD returned, so only the return value is compared.
    for name, oid, ln, off in (('aio_read_len0', 'am', 0, 0), ('aio_read_past_eof', 'am', 10, 20), ('aio_read_at_eof', 'am', 10, 10)):
        wait(name, io.aio_read(oid, ln, off, on_read))
    got.pop('r', None)
    wait('aio_read_tail', io.aio_read('am', 100, 7, on_read), lambda: got.get('r'))
    wait('aio_append_missing', io.aio_append('am2', b'new'))
    wait('aio_write_full_empty', io.aio_write_full('am3', b''))
    wait('aio_cmpext_mismatch_at3', io.aio_cmpext('am', b'012X', 0))
    wait('aio_cmpext_past_eof', io.aio_cmpext('am', b'9\0\0', 9))
    wait('aio_cmpext_missing', io.aio_cmpext('noam', b'x', 0))
    wait('aio_setxattr_missing_creates', io.aio_setxattr('am4', 'k', b'v'))
    wait('aio_rmxattr_missing_obj', io.aio_rmxattr('noam', 'k'))
    wait('aio_setxattr_name_too_long', io.aio_setxattr('am', 'n' * 101, b'v'))
    # The binding refuses a write_len that is not a multiple of the data before sending anything.
    call('aio_writesame_bad', io.aio_writesame, 'am', b'abc', 7, 0)
    got.pop('x', None)
    on_exec = lambda comp, data: got.__setitem__('x', data)
    wait('aio_execute_bad_method', io.aio_execute('am', 'hello', 'nosuch', b'', 64, on_exec), lambda: got.get('x'))
    wait('aio_execute_write_method', io.aio_execute('am', 'hello', 'record_hello', b'aio', 64, on_exec), lambda: got.get('x'))
    wait('aio_execute_missing_obj', io.aio_execute('noam', 'hello', 'say_hello', b'', 64, on_exec), lambda: got.get('x'))
    # Several in flight on one object, then flush: each completion's value, in order.
    comps = [io.aio_append('am5', b'%d' % i) for i in range(8)] + [io.aio_remove('am5'), io.aio_stat('am5', lambda *a: None)]
    # aio_flush waits for the writes only: the stat's completion is waited for on its own.
    io.aio_flush()
    for x in comps:
        x.wait_for_complete()
    line('aio_in_flight', [x.get_return_value() for x in comps])
    with rados.ReadOpCtx() as op:
        op.cmpext(b'01', 0)
        it, ret = io.get_omap_vals(op, '', '', 10)
        wait('aio_read_op_cmpext_omap', io.operate_aio_read_op(op, 'am'), lambda: [ret, list(it)])
    with rados.WriteOpCtx() as op:
        op.new(rados.LIBRADOS_CREATE_EXCLUSIVE)
        op.write_full(b'x')
        wait('aio_write_op_excl_exists', io.operate_aio_write_op(op, 'am'))
    call('read_am', io.read, 'am')
    # Omap pages through omap_get_vals2: 1500 keys, asking for 2000, get 1024 and "more".
    with rados.WriteOpCtx() as op:
        io.set_omap(op, tuple('k%04d' % i for i in range(1500)), tuple(b'%d' % i for i in range(1500)))
        io.operate_write_op(op, 'opage')
    L.rados_read_op_omap_get_vals2.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint64, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_ubyte), ctypes.POINTER(ctypes.c_int)]
    L.rados_omap_iter_size.argtypes = [ctypes.c_void_p]
    L.rados_omap_iter_size.restype = ctypes.c_uint
    L.rados_omap_get_end.argtypes = [ctypes.c_void_p]
    def page(after, prefix, mx):
        it, more, rv = ctypes.c_void_p(), ctypes.c_ubyte(9), ctypes.c_int(9)
        def fill(op):
            L.rados_read_op_omap_get_vals2(op, after.encode(), prefix.encode(), mx, ctypes.byref(it), ctypes.byref(more), ctypes.byref(rv))
            def size():
                n = L.rados_omap_iter_size(it)
                L.rados_omap_get_end(it)
                return n
            return [size, lambda: more.value, lambda: rv.value]
        return fill
    for name, after, prefix, mx in (('first', '', '', 2000), ('after_1023', 'k1023', '', 2000), ('prefix_k1', '', 'k1', 2000), ('prefix_after', 'k0999', 'k1', 100)):
        call('omap_page_' + name, c_rop, 'opage', page(after, prefix, mx))



def watch_more_calls():
    import subprocess
    def watchers(oid):
        # The 16.2 C API has no list_watchers: the stock rados CLI's listwatchers, one line per watch
        # (addresses, client ids and cookies differ per cluster: the count only).
        r = subprocess.run(['rados', '-c', conf, '-p', POOL, 'listwatchers', oid], capture_output=True)
        return [r.returncode, len(r.stdout.decode().splitlines()), r.stderr.decode().split(':')[-1].strip()]
    wio = c.open_ioctx(POOL)
    wio.write_full('wm', b'')
    call('list_watchers_none', watchers, 'wm')
    call('list_watchers_missing', watchers, 'nowm')
    c2 = rados.Rados(conffile=conf)
    c2.connect(timeout=20)
    io2 = c2.open_ioctx(POOL)
    w1 = wio.watch('wm', lambda nid, who, wid, data: b'one:' + data, timeout=10)
    w2 = io2.watch('wm', lambda nid, who, wid, data: b'two:' + data, timeout=20)
    call('list_watchers_two', watchers, 'wm')
    res = {}
    done = threading.Event()
    def on_notify(comp, r, acks, timeouts):
        res['v'] = [r, sorted(a[-1] for a in (acks or [])), len(timeouts or [])]
        done.set()
    comp = wio.aio_notify('wm', on_notify, msg='hi', timeout_ms=5000)
    comp.wait_for_complete_and_cb()
    done.wait(10)
    line('notify_two_watchers', [comp.get_return_value(), res.get('v')])
    call('notify_sync_two', wio.notify, 'wm', 'sync', 5000)
    w2.close()
    call('list_watchers_after_unwatch', watchers, 'wm')
    # Removing a watched object: the watch goes with it, a notify then finds no object.
    call('remove_watched', wio.remove_object, 'wm')
    call('notify_removed', wio.notify, 'wm', 'x', 1000)
    call('list_watchers_removed', watchers, 'wm')
    call('watch_check_after_remove', lambda: w1.check() is not None)
    w1.close()
    wio.close()
    c2.shutdown()


# watch_more_calls before aio_more_calls: after the latter's completions a new watch from the same
# Rados handle answered ENOENT on both clusters (a client-side effect, not the OSD's).
SECTIONS += (watch_more_calls, cursor_list_calls, aio_more_calls)
