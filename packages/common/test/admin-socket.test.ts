/**
 * The admin socket wire (src/common/admin_socket.cc do_accept, and the client side in the ceph CLI's
 * ceph_daemon.py): requests end at NUL or newline, or are the old 4-byte code; replies are a
 * big-endian u32 length and the output, "ERROR: (errno) strerror\n<message>\n" first on failure.
 * Expected bytes are written out by hand here, never produced by the encoder under test.
 */
import t from 'tap';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdminSocket, AdminSocketReply, CephConf, adminSocketLimits, adminSocketPath, encodeAdminSocketReply, parseAdminSocketRequest } from '../src';

/** Send `chunks` (with a pause between them) and collect everything until the server closes. */
function exchange(path: string, chunks: Buffer[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const s = connect(path);
    s.on('data', (d) => out.push(d));
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(out)));
    s.once('connect', () => {
      let i = 0;
      const next = (): void => {
        if (i < chunks.length) s.write(chunks[i++]!, () => setTimeout(next, 5));
      };
      next();
    });
  });
}

t.test('requests: NUL or newline terminated, the legacy code, too long', async (t) => {
  t.equal(parseAdminSocketRequest(Buffer.from('{"prefix": "version"}\0')), '{"prefix": "version"}');
  t.equal(parseAdminSocketRequest(Buffer.from('{"prefix": "help"}\nrest')), '{"prefix": "help"}');
  t.equal(parseAdminSocketRequest(Buffer.from('{"prefix": "ver')), 'incomplete');
  t.equal(parseAdminSocketRequest(Buffer.from([0, 0, 0])), 'incomplete');
  t.equal(parseAdminSocketRequest(Buffer.from([0, 0, 0, 1])), '{"prefix":"perfcounters_dump"}');
  t.equal(parseAdminSocketRequest(Buffer.from([0, 0, 0, 9])), '{"prefix":"foo"}');
  t.equal(parseAdminSocketRequest(Buffer.alloc(adminSocketLimits.requestBytesMax, 0x61)), 'too-long');
});

t.test('replies: length then output; errors carry the errno text and message first', async (t) => {
  t.same(encodeAdminSocketReply({ r: 0, rs: '', outbl: Buffer.from('{}') }), Buffer.from([0, 0, 0, 2, 0x7b, 0x7d]));
  const err = encodeAdminSocketReply({ r: -22, rs: 'bad', outbl: Buffer.from('x') });
  const text = 'ERROR: (22) Invalid argument\nbad\nx';
  t.same(err, Buffer.concat([Buffer.from([0, 0, 0, text.length]), Buffer.from(text)]));
});

t.test('path: admin_socket with $run_dir and metavariables, or the default', async (t) => {
  const c = CephConf.parse('[global]\nrun_dir = /r\n[mon]\nadmin_socket = $run_dir/$name.asok\n');
  t.equal(adminSocketPath(c, 'mon.a'), '/r/mon.a.asok');
  t.equal(adminSocketPath(c, 'osd.3'), '/r/ceph-osd.3.asok', '$run_dir/$cluster-$name.asok');
  t.equal(adminSocketPath(new CephConf(), 'osd.0'), '/var/run/ceph/ceph-osd.0.asok');
});

t.test('a socket: split requests, errors, a stale file replaced, a live one refused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ts-ceph-asok-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'run', 'x.asok');
  const seen: string[] = [];
  const exec = async (req: string): Promise<AdminSocketReply> => {
    seen.push(req);
    return req.includes('bad') ? { r: -2, rs: 'no such thing', outbl: Buffer.alloc(0) } : { r: 0, rs: '', outbl: Buffer.from('{"ok":true}') };
  };
  const sock = await AdminSocket.listen(path, exec);
  t.equal(statSync(join(dir, 'run')).mode & 0o777, 0o700, 'the directory we make is 0700');
  const ok = await exchange(path, [Buffer.from('{"pre'), Buffer.from('fix": "a"}\0')]);
  t.same(ok, Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('{"ok":true}')]));
  const bad = await exchange(path, [Buffer.from('{"prefix": "bad"}\n')]);
  t.equal(bad.subarray(4).toString(), 'ERROR: (2) No such file or directory\nno such thing\n');
  t.equal(bad.readUInt32BE(0), bad.length - 4);
  const long = await exchange(path, [Buffer.alloc(adminSocketLimits.requestBytesMax + 10, 0x61)]);
  t.equal(long.length, 0, 'a request past requestBytesMax is dropped unanswered');
  t.same(seen, ['{"prefix": "a"}', '{"prefix": "bad"}']);
  await t.rejects(AdminSocket.listen(path, exec), { code: 'EEXIST' }, 'a live socket is not taken over');
  await sock.close();

  writeFileSync(path, '');
  const again = await AdminSocket.listen(path, exec, { mode: '0600' });
  t.equal(statSync(path).mode & 0o777, 0o600, 'admin_socket_mode applied');
  t.equal((await exchange(path, [Buffer.from('{"prefix": "b"}\0')])).readUInt32BE(0), 11, 'a stale file is replaced');
  await again.close();
});
