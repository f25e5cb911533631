/**
 * rbd-fuse (Debian 16.2.15) against ts-mon + one ts-osd: the pool mounted as a directory of image
 * files, an image attached with losetup, mkfs.ext4 on it, a directory tree of files the test makes
 * copied in, unmounted and detached, then attached and mounted again: `diff -r` finds the tree
 * identical and `fsck.ext4 -fn` finds the file system clean. Every mount and loop device is undone in
 * teardown (umount: the test runs as root, which loop devices need anyway), also when a step fails.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { requireBinary, run, RunResult, waitFor } from '@ts-ceph/testkit';
import { startTsOsdCluster } from './osd-lib';

/** A tree of a few MB: nested directories, files of sizes from empty to 1 MiB, random content. */
function makeTree(root: string): number {
  let bytes = 0;
  for (let d = 0; d < 4; d++) {
    const dir = join(root, `dir${d}`, `sub${d % 2}`);
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < 6; f++) {
      const size = [0, 1, 4095, 4096, 65_537, 1 << 20][f]!;
      writeFileSync(join(dir, `file${f}.bin`), randomBytes(size));
      bytes += size;
    }
  }
  writeFileSync(join(root, 'top.txt'), 'rbd-fuse on ts-ceph\n');
  return bytes;
}

/** The mount point lists the pool's images once rbd-fuse has mounted it. */
function mounted(mnt: string): boolean {
  return readFileSync('/proc/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === mnt);
}

t.test('rbd-fuse: ext4 on a loop device over an image file', async (t) => {
  for (const b of ['rbd', 'rbd-fuse', 'losetup', 'mkfs.ext4', 'fsck.ext4', 'mount', 'umount']) requireBinary(b);
  const c = await startTsOsdCluster({ pool: 'rbd', deviceBytes: 512 << 20 });
  const fuseDir = join(c.mon.dir, 'fuse');
  const fsDir = join(c.mon.dir, 'ext4');
  const src = join(c.mon.dir, 'tree');
  for (const d of [fuseDir, fsDir, src]) mkdirSync(d);
  let fuse: ChildProcess | undefined;
  let loop = '';
  // Undo in reverse order; each step runs even if an earlier one fails.
  t.teardown(async () => {
    if (mounted(fsDir)) await run('umount', [fsDir]);
    if (loop) await run('losetup', ['-d', loop]);
    if (mounted(fuseDir)) await run('umount', ['-l', fuseDir]);
    if (fuse && fuse.exitCode === null && fuse.signalCode === null) fuse.kill('SIGKILL');
    await c.stop();
  });
  const ok = async (cmd: string, args: string[], timeoutMs = 120_000): Promise<RunResult> => {
    const r = await run(cmd, args, { timeoutMs });
    t.equal(r.code, 0, `${cmd} ${args.join(' ')}: ${r.stderr.slice(-1500)}`);
    return r;
  };

  await ok('rbd', ['-c', c.mon.conf, 'create', '--size', '64M', 'rbd/disk']);
  const treeBytes = makeTree(src);

  // rbd-fuse [-c conf] [-p pool] mountpoint [fuse options]; -f keeps it in the foreground so this
  // test owns its process.
  const startFuse = async (): Promise<void> => {
    fuse = spawn('rbd-fuse', ['-c', c.mon.conf, '-p', c.pool, fuseDir, '-f'], { stdio: 'ignore' });
    await waitFor(() => mounted(fuseDir) && existsSync(join(fuseDir, 'disk')), 30_000, 'rbd-fuse mounted with the image file', 200);
  };
  const attach = async (): Promise<void> => {
    loop = (await ok('losetup', ['-f', '--show', join(fuseDir, 'disk')])).stdout.trim();
    t.match(loop, /^\/dev\/loop\d+$/, 'losetup gave a loop device');
  };
  const detach = async (): Promise<void> => {
    await ok('umount', [fsDir]);
    await ok('losetup', ['-d', loop]);
    loop = '';
    // fusermount is not installed with rbd-fuse on Debian; as root, umount ends the FUSE session.
    await ok('umount', [fuseDir]);
    await waitFor(() => fuse!.exitCode !== null || fuse!.signalCode !== null, 30_000, 'rbd-fuse exited');
  };

  await startFuse();
  t.equal(statSync(join(fuseDir, 'disk')).size, 64 << 20, 'the image file has the image size');
  await attach();
  await ok('mkfs.ext4', ['-q', '-F', loop]);
  await ok('mount', [loop, fsDir]);
  await ok('cp', ['-a', `${src}/.`, fsDir]);
  await ok('sync', []);
  await detach();

  await startFuse();
  await attach();
  await ok('mount', [loop, fsDir]);
  const diff = await ok('diff', ['-r', '-x', 'lost+found', src, fsDir]);
  t.equal(diff.stdout, '', `diff -r (but ext4's lost+found): the ${treeBytes}-byte tree is identical after remount`);
  await ok('umount', [fsDir]);
  const fsck = await ok('fsck.ext4', ['-fn', loop]);
  t.match(fsck.stdout, /clean|\d+\/\d+ files/, 'fsck.ext4 -fn reports no error');
  await ok('losetup', ['-d', loop]);
  loop = '';
});
