// kill -9 at known points of the commit of synchronously prepared transactions
// (crash-point-child.ts): at 'commit-start' the batch is prepared and installed (reads see it) but
// its journal record is not written: after a remount exactly the acknowledged transactions are
// there; at 'record-written' the record is written but not flushed: every acknowledged transaction
// is there, and the ones of the batch may be too, as a prefix in queue order. Both check the block
// contents against the log, and fsck.
import t from 'tap';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from '@ts-ceph/testkit';
import { NativeStore, Transaction } from '../src';
import { logKey, pointBlock, pointBlocks, pointColl, pointLog, pointObj, pointObjectBlocks, pointObjects, pointTarget } from './crash-point-gen';

/** Transactions in flight in the child. */
const depth = 8;

/** Run the child until it kills itself; the ids it acknowledged. */
function runChild(path: string, stage: string, acks: number, start: number): Promise<number[]> {
  const child = spawn(process.execPath, [join(__dirname, 'crash-point-child.js'), path, stage, String(acks), String(start), String(depth)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) =>
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL' || !out.startsWith('ready\n')) return reject(new Error(`child exited ${code ?? signal}: ${err}`));
      resolve(out.split('\n').slice(1).filter((l) => /^\d+$/.test(l)).map(Number));
    }),
  );
}

t.test('kill -9 between prepare and commit, and between write and flush', async (t) => {
  const dir = tempDir('ts-crash-point-');
  t.teardown(() => dir.cleanup());
  const opts = { path: join(dir.path, 'osd'), deviceBytes: 64 << 20 };
  let store = new NativeStore(opts);
  await store.mkfs();
  await store.mount();
  const init = new Transaction().createCollection(pointColl).touch(pointColl, pointLog);
  for (let i = 0; i < pointObjects; i++) init.write(pointColl, pointObj(i), 0, Buffer.concat(Array.from({ length: pointObjectBlocks }, () => pointBlock(0))));
  await store.queueTransaction(init);
  await store.umount();

  const acked = new Set<number>();
  let present = 0;
  for (const [round, stage] of ['commit-start', 'record-written', 'commit-start', 'record-written'].entries()) {
    const got = await runChild(opts.path, stage, 5 + round * 7, present + 1);
    for (const id of got) acked.add(id);
    store = new NativeStore(opts);
    await store.mount();
    const ids = (await store.omapGetKeys(pointColl, pointLog)).map(Number);
    const before = present;
    present = ids.length;
    t.same(ids, Array.from({ length: present }, (_, i) => i + 1), `${stage}: the transactions present are a prefix in queue order`);
    t.ok([...acked].every((id) => id <= present), `${stage}: all ${acked.size} acknowledged transactions present (${got.length} this round)`);
    if (stage === 'commit-start') t.equal(present - before, got.length, `${stage}: nothing of the batch that was not written`);
    // Each block holds the last transaction present that wrote it.
    let wrong = 0;
    for (let b = 0; b < pointBlocks; b++) {
      let last = 0;
      for (let id = b === 0 ? pointBlocks : b; id <= present; id += pointBlocks) last = id;
      const { o, offset } = pointTarget(b === 0 ? pointBlocks : b);
      if (!(await store.read(pointColl, o, offset, 4096)).equals(pointBlock(last))) wrong++;
    }
    t.equal(wrong, 0, `${stage}: every block matches the log`);
    const report = await store.fsck(true);
    t.equal(report.errors, 0, `${stage}: fsck clean ${report.problems.join('; ')}`);
    await store.umount();
  }
  t.ok(present > 20, `${present} transactions applied over the rounds`);
});
