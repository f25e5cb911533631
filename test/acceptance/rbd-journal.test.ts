/**
 * The stock `rbd` CLI through image journaling and mirroring on `ts-ceph bootstrap --osds 1`: the
 * scenario of rbd-journal-lib.ts (the journal object class, cls_rbd's mirror methods) compared line by
 * line with the transcript recorded from Ceph 16.2.15 (rbd-journal-ref.test.ts checks that against a
 * real cluster). rbd-journal-replay.test.ts replays a killed writer's journal.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { differing, maskTranscript, recordedTranscript, runJournalScenario, startJournalCluster } from './rbd-journal-lib';

t.test('rbd journaling and mirroring on ts-ceph', async (t) => {
  const { base, env } = await startJournalCluster(t, 'ts-rbd-journal-');

  t.test('the scenario prints what Ceph 16.2.15 printed', async (t) => {
    const ours = maskTranscript(await runJournalScenario(env, 'jrnl', join(base, 'scratch')));
    const theirs = readFileSync(recordedTranscript, 'utf8').split('\n').filter((l) => l.length > 0);
    const diff = differing(theirs, ours);
    t.same(diff, [], `ts-ceph differs from Ceph 16.2.15's transcript in ${diff.length / 3} of ${theirs.length} lines:\n${diff.join('\n')}`);
    // Facts the transcript shows, named, so that a failure says what broke.
    t.ok(ours.includes('\t[id=, commit_position=[positions=[[object_number=1, tag_tid=4, entry_tid=17], [object_number=0, tag_tid=4, entry_tid=16], [object_number=3, tag_tid=4, entry_tid=15], [object_number=2, tag_tid=4, entry_tid=14]]], state=connected]'),
      'after demote and promote the writes commit under a newer tag (4, as on Ceph), across the four splayed objects');
    t.ok(ours.includes('Image promoted to primary'), 'promote allocates a new journal tag');
  });
});
