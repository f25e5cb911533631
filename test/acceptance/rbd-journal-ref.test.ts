/**
 * The other half of the rbd journaling differential test: the scenario of rbd-journal-lib.ts on a
 * real Ceph 16.2.15 cluster (../shared/ceph-ref/cluster.sh up 1, size-1 pools) must still print the
 * transcript rbd-journal.test.ts holds ts-ceph to (rbd-journal.ceph-16.2.15.txt), so that file is
 * Ceph's word, not ours. Running both clusters side by side in one file took over 70 s on two cores;
 * split in two, each stays within the acceptance budget. RBD_JOURNAL_RECORD=1 rewrites the
 * transcript from this run instead of comparing (after a change to the scenario).
 */
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary, run, startCephRefCluster, tempDir } from '@ts-ceph/testkit';
import { differing, maskTranscript, recordedTranscript, runJournalScenario } from './rbd-journal-lib';

t.test('the recorded rbd journaling transcript is what Ceph 16.2.15 prints', async (t) => {
  for (const b of ['ceph', 'rbd', 'rados']) requireBinary(b);
  const { path: base, cleanup } = tempDir('ts-rbd-journal-ref-');
  const t0 = Date.now();
  const ref = await startCephRefCluster({ dir: `/tmp/ts-rbd-journal-ref-${process.pid}`, pgNum: 8, size: 1, osdGb: 2 });
  t.comment(`cluster.sh up 1: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  t.teardown(async () => {
    await ref.down();
    cleanup();
  });
  const env: NodeJS.ProcessEnv = { ...process.env, CEPH_CONF: ref.conf, CEPH_KEYRING: ref.keyring };
  t.equal((await run('ceph', ['osd', 'pool', 'create', 'jrnl', '8'], { env })).code, 0, 'pool jrnl created');
  t.equal((await run('rbd', ['pool', 'init', 'jrnl'], { env })).code, 0, 'rbd pool init jrnl');
  const theirs = maskTranscript(await runJournalScenario(env, 'jrnl', join(base, 'scratch')));
  t.comment(`the scenario on Ceph: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (process.env.RBD_JOURNAL_RECORD === '1') writeFileSync(recordedTranscript, `${theirs.join('\n')}\n`);
  const recorded = readFileSync(recordedTranscript, 'utf8').split('\n').filter((l) => l.length > 0);
  const diff = differing(recorded, theirs);
  t.same(diff, [], `Ceph 16.2.15 now differs from the recorded transcript in ${diff.length / 3} of ${recorded.length} lines ("-" recorded, "+" Ceph):\n${diff.join('\n')}`);
});
