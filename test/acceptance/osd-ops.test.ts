/**
 * The real `rados` CLI (16.2.15) against ts-mon + one ts-osd, for the data, xattr and omap commands
 * and listings with namespaces and locator keys. Every expected line below was captured from a real
 * 16.2.15 OSD (../shared/ceph-ref, one BlueStore OSD, a size-1 pool with 8 PGs, so the listing order
 * is the same hash order) running the same commands in the same order, the pool renamed to p. Among
 * what it pins down: create twice gives EEXIST, truncate of a missing object is a no-op, rmxattr of a
 * missing attribute succeeds, getxattr of a missing attribute is ENODATA, binary xattr and omap
 * values from stdin come back byte-exact, `ls` prints the locator after a tab and `--all` the
 * namespace before one, `touch OBJ TIMESTAMP` sets the mtime stat prints, mapext lists the extent.
 * Then `rados bench` write/seq/rand/cleanup must finish without an error.
 */
import t, { Test } from 'tap';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { startTsOsdCluster, TsOsdCluster } from './osd-lib';

type Step = [args: string[], code: number, stdout: string | Buffer, stderr: string, input?: Buffer];

function steps(IN: string): Step[] {
  return [
    [['create', 'o1'], 0, "", ""],
    [['create', 'o1'], 1, "", "error creating p/o1: (17) File exists\n"],
    [['append', 'o1', IN], 0, "", ""],
    [['append', 'o1', IN], 0, "", ""],
    [['stat', 'o1'], 0, "p/o1 mtime MTIME, size 10\n", ""],
    [['truncate', 'o1', '3'], 0, "", ""],
    [['stat', 'o1'], 0, "p/o1 mtime MTIME, size 3\n", ""],
    [['get', 'o1', '-'], 0, "hel", ""],
    [['truncate', 'nope', '3'], 0, "", ""],
    [['stat', 'nope'], 1, "", " error stat-ing p/nope: (2) No such file or directory\n"],
    [['setxattr', 'o1', 'a1', 'v1'], 0, "", ""],
    [['setxattr', 'o1', 'a2'], 0, "", "", Buffer.from("bin\u0000\u00ff", 'latin1')],
    [['getxattr', 'o1', 'a1'], 0, "v1", ""],
    [['getxattr', 'o1', 'a2'], 0, Buffer.from("bin\u0000\u00ff", 'latin1'), ""],
    [['listxattr', 'o1'], 0, "a1\na2\n", ""],
    [['rmxattr', 'o1', 'a1'], 0, "", ""],
    [['listxattr', 'o1'], 0, "a2\n", ""],
    [['getxattr', 'o1', 'a1'], 1, "", "error getting xattr p/o1/a1: (61) No data available\n"],
    [['rmxattr', 'o1', 'zz'], 0, "", ""],
    [['getxattr', 'nope', 'a1'], 1, "", "error getting xattr p/nope/a1: (2) No such file or directory\n"],
    [['listxattr', 'nope'], 1, "", "error getting xattr set p/nope: (2) No such file or directory\n"],
    [['setomapval', 'o1', 'k1', 'v1'], 0, "", ""],
    [['setomapval', 'o1', 'k2'], 0, "", "", Buffer.from("b\u0000\u00ffx", 'latin1')],
    [['setomapval', 'o1', 'k3', '--input-file', IN], 0, "", ""],
    [['getomapval', 'o1', 'k1'], 0, "value (2 bytes) :\n00000000  76 31                                             |v1|\n00000002\n\n", ""],
    [['getomapval', 'o1', 'k2'], 0, "value (4 bytes) :\n00000000  62 00 ff 78                                       |b..x|\n00000004\n\n", ""],
    [['getomapval', 'o1', 'nokey'], 1, "No such key: p/o1/nokey\n", ""],
    [['getomapval', 'nope', 'k1'], 1, "", "error getting omap value p/nope/k1: (2) No such file or directory\n"],
    [['listomapkeys', 'o1'], 0, "k1\nk2\nk3\n", ""],
    [['listomapvals', 'o1'], 0, "k1\nvalue (2 bytes) :\n00000000  76 31                                             |v1|\n00000002\n\nk2\nvalue (4 bytes) :\n00000000  62 00 ff 78                                       |b..x|\n00000004\n\nk3\nvalue (5 bytes) :\n00000000  68 65 6c 6c 6f                                    |hello|\n00000005\n\n", ""],
    [['rmomapkey', 'o1', 'k1'], 0, "", ""],
    [['listomapkeys', 'o1'], 0, "k2\nk3\n", ""],
    [['setomapheader', 'o1', 'hdr'], 0, "", ""],
    [['getomapheader', 'o1'], 0, "header (3 bytes) :\n00000000  68 64 72                                          |hdr|\n00000003\n\n", ""],
    [['clearomap', 'o1'], 0, "", ""],
    [['listomapvals', 'o1'], 0, "", ""],
    [['getomapheader', 'o1'], 0, "header (0 bytes) :\n\n", ""],
    [['listomapkeys', 'nope'], 1, "", "error getting omap key set p/nope: (2) No such file or directory\n"],
    [['getomapheader', 'nope'], 1, "", "error getting omap header p/nope: (2) No such file or directory\n"],
    [['rmomapkey', 'nope', 'k'], 1, "", "error removing omap key p/nope/k: (2) No such file or directory\n"],
    [['-N', 'ns1', 'create', 'n1'], 0, "", ""],
    [['-N', 'ns1', 'create', 'n2'], 0, "", ""],
    [['-N', 'ns2', 'create', 'n3'], 0, "", ""],
    [['--object-locator', 'L1', 'create', 'l1'], 0, "", ""],
    [['--object-locator', 'L1', 'stat', 'l1'], 0, "p/l1 mtime MTIME, size 0\n", ""],
    [['stat', 'l1'], 1, "", " error stat-ing p/l1: (2) No such file or directory\n"],
    [['-N', 'ns1', 'stat', 'n1'], 0, "p/n1 mtime MTIME, size 0\n", ""],
    [['-N', 'ns2', 'stat', 'n1'], 1, "", " error stat-ing p/n1: (2) No such file or directory\n"],
    [['ls'], 0, "o1\nl1\tL1\n", ""],
    [['-N', 'ns1', 'ls'], 0, "n2\nn1\n", ""],
    [['--all', 'ls'], 0, "ns1\tn2\n\to1\nns2\tn3\nns1\tn1\n\tl1\tL1\n", ""],
    [['--all', 'ls', '-f', 'json'], 0, "[{\"namespace\":\"ns1\",\"name\":\"n2\"},{\"namespace\":\"\",\"name\":\"o1\"},{\"namespace\":\"ns2\",\"name\":\"n3\"},{\"namespace\":\"ns1\",\"name\":\"n1\"},{\"namespace\":\"\",\"name\":\"l1\",\"locator\":\"L1\"}]", ""],
    [['-N', 'ns2', 'ls', '-f', 'json'], 0, "[{\"namespace\":\"ns2\",\"name\":\"n3\"}]", ""],
    [['rm', 'o1'], 0, "", ""],
    [['rm', 'o1'], 1, "", "error removing p>o1: (2) No such file or directory\n"],
    [['rm', 'nope'], 1, "", "error removing p>nope: (2) No such file or directory\n"],
    [['-N', 'ns1', 'rm', 'n1', 'n2'], 0, "", ""],
    [['-N', 'ns2', 'rm', 'n3'], 0, "", ""],
    [['--object-locator', 'L1', 'rm', 'l1'], 0, "", ""],
    [['--all', 'ls'], 0, "", ""],
    // put at an offset, stat2, touch with a timestamp (create + mtime), mapext, alloc hints, watchers.
    [['put', 'p1', IN], 0, "", ""],
    [['put', 'p1', IN, '--offset', '3'], 0, "", ""],
    [['get', 'p1', '-'], 0, "helhello", ""],
    [['stat2', 'p1'], 0, "p/p1 mtime MTIME, size 8\n", ""],
    [['touch', 'p1', '1700000000'], 0, "", ""],
    [['stat', 'p1'], 0, "p/p1 mtime 2023-11-14T22:13:20.000000+0000, size 8\n", ""],
    [['mapext', 'p1'], 0, "0\t8\n", ""],
    [['mapext', 'nope'], 1, "", "mapext error on p/nope: (2) No such file or directory\n"],
    [['set-alloc-hint', 'p1', '4194304', '4096'], 0, "", ""],
    [['set-alloc-hint', 'ah', '4194304', '4096'], 0, "", ""],
    [['stat', 'ah'], 0, "p/ah mtime MTIME, size 0\n", ""],
    [['listwatchers', 'p1'], 0, "", ""],
    [['listwatchers', 'nope'], 1, "", "error listing watchers p/nope: (2) No such file or directory\n"],
    [['stat2', 'nope'], 1, "", " error stat-ing p/nope: (2) No such file or directory\n"],
    [['touch', 'nope'], 0, "", ""],
    [['rm', 'p1', 'ah', 'nope'], 0, "", ""],
    [['ls'], 0, "", ""],
  ];
}

t.test('the rados CLI against one ts-osd', async (t) => {
  const c = await startTsOsdCluster({ deviceBytes: 2 * 1024 ** 3 });
  t.teardown(() => c.stop());
  await t.test('object, xattr and omap commands print what a real OSD makes them print', (t) => commands(t, c));
  await t.test('rados bench write, seq, rand and cleanup', (t) => bench(t, c));
});

async function commands(t: Test, c: TsOsdCluster): Promise<void> {
  const input = join(c.mon.dir, 'hello.bin');
  writeFileSync(input, 'hello');
  for (const [args, code, stdout, stderr, stdin] of steps(input)) {
    const r = await c.rados(args, { input: stdin });
    const what = `rados ${args.join(' ')}`;
    // The modification time is the only thing that differs from the real OSD's output.
    const got = Buffer.isBuffer(stdout) ? r.stdoutBuf : stdout.includes('MTIME') ? r.stdout.replace(/ mtime \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000,/, ' mtime MTIME,') : r.stdout;
    t.same({ code: r.code, stdout: got, stderr: r.stderr }, { code, stdout, stderr }, what);
    if (r.code !== code) t.comment(c.osdLog());
  }
}

async function bench(t: Test, c: TsOsdCluster): Promise<void> {
  const run = async (args: string[]): Promise<string> => {
    const r = await c.rados(args, { timeoutMs: 60_000 });
    t.equal(r.code, 0, `rados ${args.join(' ')}: ${r.stderr}`);
    // rados bench reports a failed op as "... got -N" or "... error ..." and keeps going.
    t.notMatch(r.stdout + r.stderr, /error|got -\d|failed/i, `no errors from rados ${args.join(' ')}`);
    return r.stdout;
  };
  // At most 1 GiB of 4 MiB objects on the 2 GiB device: 5 s of writes filled it on a fast host.
  const w = await run(['bench', '5', 'write', '--max-objects', '256', '--no-cleanup']);
  const written = Number(/Total writes made:\s+(\d+)/.exec(w)?.[1] ?? 0);
  t.ok(written > 0, `writes made: ${written}`);
  for (const mode of ['seq', 'rand']) {
    const out = await run(['bench', '5', mode]);
    t.ok(Number(/Total reads made:\s+(\d+)/.exec(out)?.[1] ?? 0) > 0, `${mode} reads made`);
  }
  const ls = await c.rados(['ls']);
  t.equal(ls.stdout.split('\n').filter((l) => l.startsWith('benchmark_data_')).length, written, 'every bench object is listed');
  const cl = await run(['cleanup']);
  t.equal(cl, `Removed ${written} objects\n`, 'cleanup removes them all');
  t.same((await c.rados(['ls'])).stdout, '', 'the pool is empty again (bench metadata object too)');
}
