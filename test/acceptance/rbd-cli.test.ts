/**
 * The stock `rbd` CLI (librbd 16.2.15) against ts-mon + one ts-osd: `ceph osd pool application enable`
 * and `rbd pool init`, create (default features 61 and `--image-feature layering`), info, ls -l, du,
 * resize grow and shrink, mv, rm, import/export of a 64 MiB file byte-exact, snapshots (create, ls,
 * rollback, protect, unprotect, rm, purge), export-diff/import-diff, clone/children/flatten, trash
 * mv/ls/restore/rm, lock add/ls/rm, feature disable/enable, object-map check/rebuild, image-meta, and
 * `rbd bench` writes and reads. Everything librbd needs goes through the `rbd` object class.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { requireBinary, run, RunResult } from '@ts-ceph/testkit';
import { startTsOsdCluster, TsOsdCluster } from './osd-lib';

export function rbdCli(c: TsOsdCluster): (args: string[], input?: Buffer) => Promise<RunResult> {
  return (args, input) => run('rbd', ['-c', c.mon.conf, '--rados-osd-op-timeout', '20', '-p', c.pool, ...args], { timeoutMs: 180_000, input });
}

async function readBack(ok: (args: string[]) => Promise<string>, spec: string, file: string): Promise<Buffer> {
  await ok(['export', '--no-progress', spec, file]);
  return readFileSync(file);
}

t.test('rbd CLI image lifecycle on ts-osd', async (t) => {
  requireBinary('rbd');
  const c = await startTsOsdCluster({ pool: 'rbd', deviceBytes: 1024 << 20 });
  t.teardown(() => c.stop());
  const rbd = rbdCli(c);
  const ok = async (args: string[]): Promise<string> => {
    const r = await rbd(args);
    t.equal(r.code, 0, `rbd ${args.join(' ')}: ${r.stderr.slice(-1500)}\n${c.osdLog(15)}`);
    return r.stdout;
  };

  let r = await c.mon.ceph(['osd', 'pool', 'application', 'enable', 'rbd', 'rbd']);
  t.equal(r.code, 0, `application enable: ${r.stderr}`);
  await ok(['pool', 'init', 'rbd']);

  await ok(['create', '--size', '1G', 'img1']);
  const info = JSON.parse(await ok(['info', 'img1', '--format', 'json'])) as { size: number; objects: number; order: number; features: string[]; format: number };
  t.same([info.size, info.objects, info.order, info.format], [1 << 30, 256, 22, 2], 'info: size, objects, order, format 2');
  t.same(info.features, ['layering', 'exclusive-lock', 'object-map', 'fast-diff', 'deep-flatten'], 'the default features (61)');
  await ok(['create', '--size', '100M', '--image-feature', 'layering', 'img2']);
  const info2 = JSON.parse(await ok(['info', 'img2', '--format', 'json'])) as { features: string[] };
  t.same(info2.features, ['layering'], '--image-feature layering');

  const ls = JSON.parse(await ok(['ls', '-l', '--format', 'json'])) as { image: string; size: number }[];
  t.same(ls.map((x) => [x.image, x.size]), [['img1', 1 << 30], ['img2', 100 << 20]], 'ls -l');

  await ok(['resize', '--size', '2G', 'img1']);
  r = await rbd(['resize', '--size', '512M', 'img1']);
  t.not(r.code, 0, 'a shrink without --allow-shrink is refused');
  await ok(['resize', '--size', '512M', '--allow-shrink', '--no-progress', 'img1']);
  t.equal((JSON.parse(await ok(['info', 'img1', '--format', 'json'])) as { size: number }).size, 512 << 20, 'size after the shrink');
  await ok(['mv', 'img2', 'img3']);
  await ok(['rm', '--no-progress', 'img3']);
  t.same((JSON.parse(await ok(['ls', '--format', 'json'])) as string[]), ['img1'], 'ls after mv and rm');

  // import/export of 64 MiB, byte for byte; du sees every object written.
  const src = randomBytes(64 << 20);
  const f = join(c.mon.dir, 'img.bin');
  writeFileSync(f, src);
  await ok(['import', '--no-progress', f, 'imp']);
  await ok(['export', '--no-progress', 'imp', `${f}.out`]);
  t.ok(readFileSync(`${f}.out`).equals(src), 'export gives back the 64 MiB imported');
  const du = JSON.parse(await ok(['du', 'imp', '--format', 'json'])) as { images: { used_size: number }[] };
  t.equal(du.images[0].used_size, 64 << 20, 'du: 64 MiB used');

  // The smaller commands: status, snap rename and limit, copy and deep cp, namespaces, mirroring.
  t.match(await ok(['status', 'imp']), /Watchers: none/, 'status');
  await ok(['snap', 'create', '--no-progress', 'imp@a']);
  await ok(['snap', 'rename', 'imp@a', 'imp@b']);
  await ok(['snap', 'limit', 'set', '--limit', '5', 'imp']);
  await ok(['snap', 'limit', 'clear', 'imp']);
  await ok(['copy', '--no-progress', 'imp', 'impcopy']);
  await ok(['deep', 'cp', '--no-progress', 'imp', 'impdeep']);
  const deep = JSON.parse(await ok(['snap', 'ls', 'impdeep', '--format', 'json'])) as { name: string }[];
  t.same(deep.map((x) => x.name), ['b'], 'deep cp keeps the snapshots');
  t.ok((await readBack(ok, 'impcopy', `${f}.copy`)).equals(src), 'copy is byte-exact');
  t.equal((await ok(['namespace', 'ls'])).trim(), '', 'no namespaces');
  t.match(await ok(['mirror', 'pool', 'info']), /Mode: disabled/, 'mirroring disabled');
});

t.test('rbd CLI snapshots, diffs, clones, trash, features and bench on ts-osd', async (t) => {
  requireBinary('rbd');
  const c = await startTsOsdCluster({ pool: 'rbd', deviceBytes: 512 << 20 });
  t.teardown(() => c.stop());
  const rbd = rbdCli(c);
  const ok = async (args: string[]): Promise<string> => {
    const r = await rbd(args);
    t.equal(r.code, 0, `rbd ${args.join(' ')}: ${r.stderr.slice(-1500)}\n${c.osdLog(15)}`);
    return r.stdout;
  };
  const exportOf = async (spec: string): Promise<Buffer> => {
    const f = join(c.mon.dir, `exp-${spec.replace(/[@/]/g, '_')}-${Date.now()}`);
    await ok(['export', '--no-progress', spec, f]);
    return readFileSync(f);
  };
  await ok(['pool', 'init', 'rbd']);
  const a = randomBytes(8 << 20);
  const f = join(c.mon.dir, 'a.bin');
  writeFileSync(f, a);
  await ok(['import', '--no-progress', f, 's8']);

  await ok(['snap', 'create', '--no-progress', 's8@one']);
  const snaps = JSON.parse(await ok(['snap', 'ls', 's8', '--format', 'json'])) as { name: string; size: number }[];
  t.same(snaps.map((s) => [s.name, s.size]), [['one', 8 << 20]], 'snap ls');
  await ok(['bench', '--io-type', 'write', '--io-size', '64K', '--io-total', '8M', '--io-pattern', 'seq', 's8']);
  t.notOk((await exportOf('s8')).equals(a), 'bench changed the head');
  t.ok((await exportOf('s8@one')).equals(a), 'the snapshot still reads the imported data');
  await ok(['snap', 'rollback', '--no-progress', 's8@one']);
  t.ok((await exportOf('s8')).equals(a), 'rollback restores the head');

  await ok(['snap', 'protect', 's8@one']);
  await ok(['clone', 's8@one', 'cl1']);
  t.match(await ok(['children', 's8@one']), /rbd\/cl1/, 'children lists the clone');
  t.ok((await exportOf('cl1')).equals(a), 'the clone reads its parent');
  t.not((await rbd(['snap', 'rm', '--no-progress', 's8@one'])).code, 0, 'a protected snapshot is not removed');
  await ok(['flatten', '--no-progress', 'cl1']);
  t.equal((await ok(['children', 's8@one'])).trim(), '', 'no children after flatten');
  t.ok((await exportOf('cl1')).equals(a), 'the flattened clone keeps the data');
  await ok(['snap', 'unprotect', 's8@one']);
  await ok(['snap', 'rm', '--no-progress', 's8@one']);

  // Clone v2 (no protection needed): removing the parent snapshot moves it to the snapshot trash
  // until the last child detaches, then librbd removes it.
  await ok(['snap', 'create', '--no-progress', 's8@v2']);
  await ok(['clone', '--rbd-default-clone-format', '2', 's8@v2', 'cl2']);
  t.match(await ok(['children', 's8@v2']), /rbd\/cl2/, 'clone v2 child listed');
  t.match(await ok(['info', 's8']), /op_features: clone-parent/, 'the parent has the clone-parent op feature');
  await ok(['snap', 'rm', '--no-progress', 's8@v2']);
  t.match(await ok(['snap', 'ls', '--all', 's8']), /trash \(v2\)/, 'the snapshot waits in the trash namespace');
  t.ok((await exportOf('cl2')).equals(await exportOf('s8')), 'the v2 clone reads its parent');
  await ok(['flatten', '--no-progress', 'cl2']);
  t.equal((await ok(['snap', 'ls', '--all', 's8'])).trim(), '', 'the trashed snapshot goes with its last child');
  await ok(['rm', '--no-progress', 'cl2']);

  // export-diff between two snapshots, imported on a copy of the first.
  await ok(['snap', 'create', '--no-progress', 's8@a']);
  await ok(['import', '--no-progress', f, 'copy']);
  await ok(['snap', 'create', '--no-progress', 'copy@a']);
  await ok(['bench', '--io-type', 'write', '--io-size', '4K', '--io-total', '1M', '--io-pattern', 'rand', 's8']);
  await ok(['snap', 'create', '--no-progress', 's8@b']);
  const diff = join(c.mon.dir, 'a-b.diff');
  await ok(['export-diff', '--no-progress', '--from-snap', 'a', 's8@b', diff]);
  await ok(['import-diff', '--no-progress', diff, 'copy']);
  t.ok((await exportOf('copy')).equals(await exportOf('s8@b')), 'import-diff reproduces snapshot b');
  await ok(['snap', 'purge', '--no-progress', 's8']);
  t.same(JSON.parse(await ok(['snap', 'ls', 's8', '--format', 'json'])), [], 'snap purge');

  // trash
  await ok(['trash', 'mv', 'cl1']);
  const trash = JSON.parse(await ok(['trash', 'ls', '--format', 'json'])) as { id: string; name: string }[];
  t.same(trash.map((x) => x.name), ['cl1'], 'trash ls');
  await ok(['trash', 'restore', trash[0].id]);
  t.same((JSON.parse(await ok(['ls', '--format', 'json'])) as string[]).sort(), ['cl1', 'copy', 's8'], 'restored');
  await ok(['trash', 'mv', 'cl1']);
  await ok(['trash', 'rm', '--no-progress', trash[0].id]);
  t.same(JSON.parse(await ok(['trash', 'ls', '--format', 'json'])), [], 'trash rm');

  // features, object map, locks, metadata
  await ok(['feature', 'disable', 's8', 'fast-diff', 'object-map']);
  t.same((JSON.parse(await ok(['info', 's8', '--format', 'json'])) as { features: string[] }).features, ['layering', 'exclusive-lock', 'deep-flatten'], 'features disabled');
  await ok(['feature', 'enable', 's8', 'object-map', 'fast-diff']);
  await ok(['object-map', 'rebuild', '--no-progress', 's8']);
  await ok(['object-map', 'check', '--no-progress', 's8']);
  const info = JSON.parse(await ok(['info', 's8', '--format', 'json'])) as { features: string[]; flags: string[] };
  t.same([info.features.length, info.flags], [5, []], 'features back, object map valid after the rebuild');
  await ok(['lock', 'add', 's8', 'mylock']);
  const locks = JSON.parse(await ok(['lock', 'ls', 's8', '--format', 'json'])) as { id: string; locker: string }[];
  t.same(locks.map((l) => l.id), ['mylock'], 'lock ls');
  await ok(['lock', 'rm', 's8', 'mylock', locks[0].locker]);
  await ok(['image-meta', 'set', 's8', 'k1', 'v1']);
  t.equal((await ok(['image-meta', 'get', 's8', 'k1'])).trim(), 'v1', 'image-meta get');
  await ok(['image-meta', 'remove', 's8', 'k1']);
  t.equal((await rbd(['image-meta', 'get', 's8', 'k1'])).code, 2, 'image-meta get of a removed key: ENOENT');

  await ok(['bench', '--io-type', 'write', '--io-size', '4K', '--io-total', '2M', 's8']);
  await ok(['bench', '--io-type', 'read', '--io-size', '4K', '--io-total', '2M', 's8']);
});
