// The commit pipeline's trace hook (NativeStoreOptions.trace, ts-osd's TS_OSD_TRACE_OPS): each
// commit batch reports its stages in order with its journal sequence number, and the last one,
// 'record-flushed', comes before the transaction is acknowledged (the flush is what makes it
// durable). Two transactions queued in one turn share one batch, so one set of stages.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { tempDir } from '@ts-ceph/testkit';
import { collPG, ghobject, NativeStore, Transaction } from '../src';

const C = collPG(2, 0);

t.test('stages of a commit batch, in order, before the acknowledgement', async (t) => {
  const dir = tempDir('ts-commit-trace-');
  t.teardown(() => dir.cleanup());
  const marks: [string, number][] = [];
  const store = new NativeStore({ path: join(dir.path, 'osd'), deviceBytes: 64 << 20, trace: (stage, seq) => marks.push([stage, seq]) });
  await store.mkfs();
  await store.mount();
  await store.queueTransaction(new Transaction().createCollection(C));
  marks.length = 0;
  const acked: number[] = [];
  const oid = (i: number) => ghobject({ pool: 2, name: `o${i}`, hash: i });
  await Promise.all([0, 1].map((i) => store.queueTransaction(new Transaction().write(C, oid(i), 0, randomBytes(4096))).then(() => acked.push(marks.length))));
  const stages = ['commit-start', 'record-issued', 'record-written', 'record-flushed'];
  t.same(marks.map((m) => m[0]), stages, 'one batch for both transactions, its stages in order');
  t.equal(new Set(marks.map((m) => m[1])).size, 1, 'every stage names the same record');
  t.same(acked, [4, 4], 'both acknowledged after the record was flushed');
  await store.umount();
});
