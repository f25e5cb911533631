/**
 * The ts-ceph dispatcher and its shared options, spelled like the ceph CLI's; error reporting as
 * "Error EXXX: ..." with the errno as exit code. Talking to a real monitor is covered by
 * test/acceptance/msgr-realmon.test.ts.
 */
import t from 'tap';
import { main } from '../src/bin/ts-ceph';
import { parseGlobalOptions, printMonReply } from '../src';

function capture() {
  const o = { out: '', err: '' };
  return { o, sink: { stdout: (s: string) => void (o.out += s), stderr: (s: string) => void (o.err += s) } };
}

t.test('global options in any position, both spellings', async (t) => {
  const o = parseGlobalOptions(['-c', '/x/ceph.conf', 'status', '--format=json-pretty', '-n', 'client.foo', '--keyring', '/k', '--connect-timeout', '2.5', '-m', '1.2.3.4']);
  t.same(o, { cluster: 'ceph', conf: '/x/ceph.conf', format: 'json-pretty', name: 'client.foo', keyring: '/k', connectTimeoutMs: 2500, monHost: '1.2.3.4', rest: ['status'] });
  t.same(parseGlobalOptions(['--id', 'bar', '-f', 'json', 'status']).id, 'bar');
  t.throws(() => parseGlobalOptions(['-f', 'yaml']), { code: 'EINVAL' });
  t.throws(() => parseGlobalOptions(['-c']), { code: 'EINVAL', message: /needs a value/ });
  t.throws(() => parseGlobalOptions(['--connect-timeout', 'soon']), { code: 'EINVAL' });
});

t.test('replies and errors as the ceph CLI prints them', async (t) => {
  const a = capture();
  t.equal(printMonReply({ r: 0, rs: '', data: Buffer.from('{"a":1}') }, a.sink), 0);
  t.equal(a.o.out, '{"a":1}\n', 'data on stdout, newline added');
  const b = capture();
  t.equal(printMonReply({ r: -2, rs: "pool 'x' does not exist", data: Buffer.alloc(0) }, b.sink), 2);
  t.equal(b.o.err, "Error ENOENT: pool 'x' does not exist\n");
});

t.test('dispatcher: usage, unknown command, no conf', async (t) => {
  const a = capture();
  t.equal(await main([], a.sink), 22, 'no command: usage, EINVAL');
  t.match(a.o.err, /usage: ts-ceph/);
  t.match(a.o.err, /status\s+show cluster status/);
  const b = capture();
  t.equal(await main(['frobnicate'], b.sink), 22);
  t.match(b.o.err, /^Error EINVAL: unknown command 'frobnicate'/);
  const c = capture();
  t.equal(await main(['-c', '/nonexistent/ceph.conf', 'status'], c.sink), 2, 'a missing conf is ENOENT');
  t.match(c.o.err, /^Error ENOENT: /);
});
