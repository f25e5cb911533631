/**
 * The checks test/acceptance/rados-objecter.test.ts runs against each cluster (ts-osd, and the real
 * Ceph 16.2.15 reference cluster): our Rados/IoCtx does the I/O, the stock `rados` CLI reads and
 * writes the same objects, and both must agree; errors must carry Ceph's errno.
 */
import { Test } from 'tap';
import { Errno, isCephError } from '@ts-ceph/common';
import { CephOsdCmpxattrOp } from '@ts-ceph/messages';
import { ALL_NSPACES, IoCtx, Rados, ReadOp, WriteOp } from '@ts-ceph/rados';
import { run, RunResult, startCephRefCluster } from '@ts-ceph/testkit';

export interface Target {
  conf: string;
  keyring: string;
  pool: string;
  /** The stock rados CLI on the pool (args after `-p POOL`). */
  cli(args: string[], input?: string | Buffer): Promise<RunResult>;
}

export async function connect(c: Target, extra: { opTimeoutMs?: number } = {}): Promise<Rados> {
  return Rados.connect({ conf: c.conf, keyring: c.keyring, timeoutMs: 30_000, ...extra });
}

/** Assert that `p` rejects with a CephError of errno `name`. */
export async function rejectsErrno(t: Test, p: Promise<unknown>, name: keyof typeof Errno, what: string): Promise<void> {
  try {
    await p;
    t.fail(`${what}: succeeded, expected ${name}`);
  } catch (e) {
    t.ok(isCephError(e, name), `${what}: ${name} (${(e as Error).message})`);
  }
}

function ok(t: Test, r: RunResult, what: string): string {
  t.equal(r.code, 0, `${what}: ${r.stderr.slice(-400)}`);
  return r.stdout;
}

export async function dataChecks(t: Test, c: Target, io: IoCtx): Promise<void> {
  const big = Buffer.alloc(3 << 20);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 12)) & 0xff;
  await io.writeFull('ours', big);
  const got = await c.cli(['get', 'ours', '-']);
  t.ok(got.stdoutBuf.equals(big), `rados get reads the ${big.length} bytes we wrote`);
  ok(t, await c.cli(['put', 'theirs', '-'], 'written by rados put\n'), 'rados put');
  t.equal((await io.read('theirs')).toString(), 'written by rados put\n', 'we read what rados put wrote');
  t.equal((await io.stat('ours')).size, BigInt(big.length), 'stat size');
  await io.write('ours', Buffer.from('XYZ'), 10);
  await io.append('theirs', Buffer.from('more'));
  t.equal((await io.read('ours', 5, 8)).toString('latin1'), Buffer.concat([big.subarray(8, 10), Buffer.from('XYZ')]).toString('latin1'), 'write at an offset, read a range');
  t.equal((await c.cli(['get', 'theirs', '-'])).stdout, 'written by rados put\nmore', 'rados get sees our append');
  await io.remove('theirs');
  await rejectsErrno(t, io.stat('theirs'), 'ENOENT', 'stat of a removed object');
  await rejectsErrno(t, io.read('never-written'), 'ENOENT', 'read of a missing object');
}

export async function xattrOmapChecks(t: Test, c: Target, io: IoCtx): Promise<void> {
  await io.setxattr('ours', 'user.a', Buffer.from('va'));
  ok(t, await c.cli(['setxattr', 'ours', 'user.b', 'vb']), 'rados setxattr');
  t.equal((await io.getxattr('ours', 'user.b')).toString(), 'vb', 'getxattr of what rados set');
  t.equal((await c.cli(['getxattr', 'ours', 'user.a'])).stdout, 'va', 'rados getxattr of what we set');
  const all = await io.getxattrs('ours');
  t.same([...all.keys()].sort(), ['user.a', 'user.b'], 'getxattrs');
  await io.rmxattr('ours', 'user.a');
  await rejectsErrno(t, io.getxattr('ours', 'user.a'), 'ENODATA', 'getxattr of a removed xattr');

  await io.omapSet('om', new Map([['k1', Buffer.from('v1')], ['k2', Buffer.from('v2')], ['other', Buffer.from('o')]]));
  ok(t, await c.cli(['setomapval', 'om', 'k3', 'v3']), 'rados setomapval');
  await io.omapSetHeader('om', Buffer.from('hdr'));
  t.same((await c.cli(['listomapkeys', 'om'])).stdout.split('\n').filter(Boolean), ['k1', 'k2', 'k3', 'other'], 'rados listomapkeys');
  t.match((await c.cli(['getomapheader', 'om'])).stdout, /header \(3 bytes\)/, 'rados getomapheader');
  const v = await io.omapGetVals('om', { prefix: 'k', startAfter: 'k1' });
  t.same([...v.vals.entries()].map(([k, b]) => `${k}=${b}`), ['k2=v2', 'k3=v3'], 'omap get vals with prefix and start');
  const keys = await io.omapGetKeys('om', { max: 2 });
  t.same(keys, { keys: ['k1', 'k2'], more: true }, 'omap get keys, paged');
  t.same([...(await io.omapGetValsByKeys('om', ['k3', 'nope', 'k1'])).keys()], ['k1', 'k3'], 'omap get vals by keys');
  t.equal((await io.omapGetHeader('om')).toString(), 'hdr', 'omap header');
  await io.omapRmKeys('om', ['k1', 'other']);
  t.same((await c.cli(['listomapkeys', 'om'])).stdout.split('\n').filter(Boolean), ['k2', 'k3'], 'rados sees the removed keys gone');
  await io.omapClear('om');
  t.same((await io.omapGetKeys('om')).keys, [], 'omap clear');
}

export async function compoundChecks(t: Test, c: Target, io: IoCtx): Promise<void> {
  await rejectsErrno(t, io.operate('ours', new WriteOp().create(true)), 'EEXIST', 'exclusive create of an existing object');
  const r = await io.operate('cx', new WriteOp().create(true).setxattr('ver', Buffer.from('1')).writeFull(Buffer.from('one')));
  t.ok(r.version > 0n, `compound create returns the user version (${r.version})`);
  // A failed guard changes nothing: the write after a mismatching cmpxattr is not applied.
  await rejectsErrno(t, io.operate('cx', new WriteOp().cmpxattr('ver', CephOsdCmpxattrOp.EQ, Buffer.from('2')).writeFull(Buffer.from('two'))), 'ECANCELED', 'cmpxattr mismatch');
  t.equal((await io.read('cx')).toString(), 'one', 'the guarded write was not applied');
  await io.operate('cx', new WriteOp().cmpxattr('ver', CephOsdCmpxattrOp.EQ, Buffer.from('1')).setxattr('ver', Buffer.from('2')).writeFull(Buffer.from('two')));
  t.equal((await io.read('cx')).toString(), 'two', 'the guarded write went through when the xattr matched');
  const now = (await io.operateRead('cx', new ReadOp().stat())).version;
  await rejectsErrno(t, io.operate('cx', new WriteOp().assertVersion(now - 1n).writeFull(Buffer.from('x'))), 'ERANGE', 'assert_version older than the object');
  await rejectsErrno(t, io.operate('cx', new WriteOp().assertVersion(now + 1n).writeFull(Buffer.from('x'))), 'EOVERFLOW', 'assert_version newer than the object');
  await io.operate('cx', new WriteOp().assertVersion(now).writeFull(Buffer.from('three')));
  await rejectsErrno(t, io.operateRead('missing', new ReadOp().assertExists().read(0, 10)), 'ENOENT', 'assert_exists on a missing object');
  const rd = await io.operateRead('cx', new ReadOp().read(0, 100).getxattr('ver').stat());
  t.equal((rd.results[0]!.value as Buffer).toString(), 'three', 'compound read: data');
  t.equal((rd.results[1]!.value as Buffer).toString(), '2', 'compound read: xattr');
  t.equal((rd.results[2]!.value as { size: bigint }).size, 5n, 'compound read: stat');
  t.equal((await io.exec('cx', 'hello', 'say_hello', Buffer.from('ts-ceph'))).toString(), 'Hello, ts-ceph!', 'cls hello.say_hello');
  await rejectsErrno(t, io.exec('cx', 'no_such_class', 'm'), 'EPERM', 'a class not in osd_class_load_list (both a real OSD and ts-osd)');
}

export async function listChecks(t: Test, c: Target, rados: Rados, pool: string): Promise<void> {
  const io = rados.ioctx(pool);
  const names = Array.from({ length: 23 }, (_, i) => `list-${i}`);
  await Promise.all(names.map((n) => io.writeFull(n, Buffer.from(n))));
  const ns = rados.ioctx(pool);
  ns.nspace = 'n1';
  await ns.writeFull('in-n1', Buffer.from('x'));
  const mine: string[] = [];
  for await (const e of io.listObjects(5)) mine.push(e.oid);
  const theirs = (await c.cli(['ls'])).stdout.split('\n').filter(Boolean);
  t.same(mine.sort(), theirs.sort(), `listing in pages of 5 equals rados ls (${mine.length} objects)`);
  t.notOk(mine.includes('in-n1'), 'the default namespace leaves n1 out');
  const all = rados.ioctx(pool);
  all.nspace = ALL_NSPACES;
  const every: string[] = [];
  for await (const e of all.listObjects()) every.push(`${e.nspace}\t${e.oid}`);
  const theirsAll = (await c.cli(['ls', '--all'])).stdout.split('\n').filter(Boolean);
  t.same(every.sort(), theirsAll.sort(), 'all namespaces equals rados ls --all');
  const inNs: string[] = [];
  for await (const e of ns.listObjects()) inNs.push(e.oid);
  t.same(inNs, ['in-n1'], 'namespace n1 holds one object');
}

export async function watchChecks(t: Test, c: Target, rados: Rados, other: Rados, pool: string): Promise<void> {
  const io = rados.ioctx(pool);
  await io.writeFull('watched', Buffer.from('w'));
  const seen: string[] = [];
  const cookie = await io.watch('watched', { onNotify: (ev) => (seen.push(ev.payload.toString()), Buffer.from(`ack:${ev.payload}`)) });
  const lw = (await c.cli(['listwatchers', 'watched'])).stdout;
  t.match(lw, new RegExp(`watcher=\\S+ client\\.${rados.instanceId} cookie=${cookie}`), 'rados listwatchers shows our watch');
  const res = await other.ioctx(pool).notify('watched', Buffer.from('hello'), 10);
  t.same(seen, ['hello'], 'the watcher got the notify');
  t.equal(res.returnCode, 0, 'notify completed');
  t.same(
    res.acks.map((a) => [a.gid, a.cookie, a.reply.toString()]),
    [[rados.instanceId, cookie, 'ack:hello']],
    'the notifier got the watcher ack with its reply',
  );
  ok(t, await c.cli(['notify', 'watched', 'from-cli']), 'rados notify');
  // The CLI sends its message as an encoded string (le32 length, bytes).
  t.same(seen, ['hello', '\u0008\u0000\u0000\u0000from-cli'], 'a notify from the stock CLI reaches our watch');
  await io.unwatch(cookie);
  t.notMatch((await c.cli(['listwatchers', 'watched'])).stdout, /watcher=/, 'unwatch removed it');
  const none = await io.notify('watched', Buffer.from('nobody'), 5);
  t.same(none.acks, [], 'a notify without watchers completes with no acks');
}

export async function poolChecks(t: Test, rados: Rados, pool: string): Promise<void> {
  const id = await rados.poolCreate('objecter-made', 8);
  t.ok(id > 0, `pool created through the mon (id ${id})`);
  t.ok(rados.poolList().includes('objecter-made'), 'pool listed');
  t.throws(() => rados.ioctx('no-such-pool'), { code: 'ENOENT' }, 'ioctx of a missing pool');
  // A pool the monitor has stats for: a real one has none for a pool its mgr has not reported yet.
  const st = await rados.poolStat(pool);
  t.equal(typeof st.stats.sum.num_objects, 'number', `pool stats from the mon (num_objects ${st.stats.sum.num_objects})`);
  await rejectsErrno(t, rados.poolStat('no-such-pool'), 'ENOENT', 'stats of a missing pool');
}

/** ../shared/ceph-ref/cluster.sh up 1 (size-1 pools) in its own directory and port. */
export async function startCephRef(): Promise<Target & { dir: string; down(): Promise<void>; ceph(args: string[]): Promise<RunResult> }> {
  const ref = await startCephRefCluster({ dir: `/tmp/ts-objecter-ceph-ref-${process.pid}`, pgNum: 16, size: 1, osdGb: 2 });
  const { conf, keyring } = ref;
  const cenv = { ...process.env, CEPH_KEYRING: keyring };
  return {
    dir: ref.dir,
    conf,
    keyring,
    pool: 'bench',
    cli: (args, input) => run('rados', ['-c', conf, '-p', 'bench', ...args], { env: cenv, input, timeoutMs: 60_000 }),
    ceph: (args) => run('ceph', ['-c', conf, ...args], { env: cenv, timeoutMs: 60_000 }),
    down: () => ref.down(),
  };
}
