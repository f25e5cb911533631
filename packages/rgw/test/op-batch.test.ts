/**
 * Group commit (src/op-batch.ts) against a scripted IoCtx: requests arriving while an op on the
 * object is in flight go out together in the next compound op, behind one head op; a failed batch
 * is retried one contribution at a time so each request gets its own answer; entry reads share one
 * omap-get-vals-by-keys. Also the random pool's draws: fresh, the asked length, never repeated.
 */
import t from 'tap';
import { cephError } from '@ts-ceph/common';
import { IoCtx, WriteOp } from '@ts-ceph/rados';
import { OmapKeyReader, OpBatcher } from '../src/op-batch';
import { RandomPool } from '../src/random-pool';

interface Sent {
  oid: string;
  ops: number;
}

/** An IoCtx whose operate() holds each op until release(), failing ops of more than `failOver` ops. */
function scripted(failOver = Infinity): { io: IoCtx; sent: Sent[]; release(): void } {
  const sent: Sent[] = [];
  const waiting: (() => void)[] = [];
  const io = {
    operate: (oid: string, op: WriteOp) =>
      new Promise<void>((resolve, reject) => {
        sent.push({ oid, ops: op.ops.length });
        waiting.push(() => (op.ops.length > failOver ? reject(cephError('EINVAL', 'too many')) : resolve()));
      }),
  } as unknown as IoCtx;
  return { io, sent, release: () => waiting.splice(0).forEach((f) => f()) };
}

const tick = () => new Promise((r) => setImmediate(r));

t.test('requests behind an op in flight go out as one compound op', async (t) => {
  const s = scripted();
  const b = new OpBatcher(s.io);
  const head = (op: WriteOp) => op.assertExists();
  const first = b.submit('index.x', head, (op) => op.omapSet(new Map([['a', Buffer.from('1')]])));
  const rest = [2, 3, 4].map((n) => b.submit('index.x', head, (op) => op.omapSet(new Map([[`k${n}`, Buffer.from('v')]]))));
  await tick();
  t.same(s.sent, [{ oid: 'index.x', ops: 2 }], 'an idle object gets its op at once: head + one set');
  s.release();
  await first;
  await tick();
  t.same(s.sent[1], { oid: 'index.x', ops: 4 }, 'the three waiting requests share the next op behind one head');
  s.release();
  await Promise.all(rest);
  t.equal(s.sent.length, 2, 'two round trips for four requests');
});

t.test('a failed batch is retried one contribution at a time', async (t) => {
  const s = scripted(2);
  const b = new OpBatcher(s.io);
  const head = (op: WriteOp) => op.assertExists();
  const first = b.submit('o', head, (op) => op.omapRmKeys(['a']));
  const good = b.submit('o', head, (op) => op.omapRmKeys(['b']));
  const bad = b.submit('o', head, (op) => op.omapRmKeys(['c']).omapRmKeys(['d']));
  await tick();
  s.release();
  await first;
  await tick();
  t.same(s.sent.map((x) => x.ops), [2, 4], 'the batch of two');
  s.release();
  await tick();
  t.same(s.sent.map((x) => x.ops).slice(2).sort(), [2, 3], 'then each alone');
  s.release();
  await good;
  await t.rejects(bad, { code: 'EINVAL' }, 'only the bad contribution fails');
});

t.test('entry reads in flight share one omap-get-vals-by-keys', async (t) => {
  const asked: string[][] = [];
  let release: (() => void) | undefined;
  const io = {
    omapGetValsByKeys: (_oid: string, keys: Iterable<string>) =>
      new Promise<Map<string, Buffer>>((resolve) => {
        const k = [...keys];
        asked.push(k);
        release = () => resolve(new Map(k.filter((x) => x !== 'missing').map((x) => [x, Buffer.from(`v-${x}`)])));
      }),
  } as unknown as IoCtx;
  const r = new OmapKeyReader(io);
  const a = r.get('index.x', 'a');
  const rest = [r.get('index.x', 'b'), r.get('index.x', 'missing'), r.get('index.x', 'b')];
  await tick();
  release!();
  t.equal((await a)?.toString(), 'v-a');
  await tick();
  t.same(asked, [['a'], ['b', 'missing']], 'the second read asks for the waiting keys once each');
  release!();
  const [b1, m, b2] = await Promise.all(rest);
  t.same([b1?.toString(), m, b2?.toString()], ['v-b', undefined, 'v-b'], 'each caller gets its own key');
});

t.test('random pool', async (t) => {
  const p = new RandomPool();
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) seen.add(p.hex(12));
  t.ok([...seen].every((h) => /^[0-9a-f]{24}$/.test(h)), '24 hex digits each');
  t.equal(seen.size, 1000, '1000 draws across refills, none repeated');
  t.throws(() => p.hex(1 << 20), RangeError, 'a draw larger than the pool is refused');
});
