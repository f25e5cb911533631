/**
 * Reserved data set names (src/data-reserve.ts) against a scripted store: a PUT only ever gets a
 * name whose record is durable; spare names follow the number of PUTs under way, recorded in one
 * op at a time; names past their use-by time are cleared, never handed out; a failed record fails
 * the PUTs waiting for it; forget() clears a bucket's spare names.
 */
import t from 'tap';
import { cephError } from '@ts-ceph/common';
import { DataSetReserver, reserveLimits, ReserveIo } from '../src/data-reserve';
import type { BucketInfo } from '../src/store-types';

const bucket: BucketInfo = { name: 'b', id: 'b.1', owner: 'u', createdMs: 0 };

/** Records are held until settle(); `durable` holds the names whose record op succeeded. */
function scripted(): { io: ReserveIo; records: string[][]; cleared: string[][]; durable: Set<string>; settle(fail?: boolean): void; clock: { ms: number } } {
  const records: string[][] = [];
  const cleared: string[][] = [];
  const durable = new Set<string>();
  const held: { names: string[]; resolve(): void; reject(e: unknown): void }[] = [];
  const clock = { ms: 1000 };
  let n = 0;
  const io: ReserveIo = {
    newName: (b) => `${b.id}_${n++}`,
    record: (_b, names) =>
      new Promise<void>((resolve, reject) => {
        records.push(names);
        held.push({ names, resolve, reject });
      }),
    clear: async (_b, names) => void cleared.push(names),
    nowMs: () => clock.ms,
  };
  const settle = (fail = false): void => {
    for (const h of held.splice(0)) {
      if (fail) h.reject(cephError('EIO', 'record failed'));
      else {
        h.names.forEach((x) => durable.add(x));
        h.resolve();
      }
    }
  };
  return { io, records, cleared, durable, settle, clock };
}

const tick = () => new Promise((r) => setImmediate(r));

t.test('a PUT gets only a name whose record is durable; spares follow the PUTs under way', async (t) => {
  const s = scripted();
  const r = new DataSetReserver(s.io);
  let got: string | undefined;
  const first = r.take(bucket).then((x) => (got = x));
  await tick();
  t.same(s.records.map((x) => x.length), [2], 'an idle bucket: one record op, for this PUT and one spare');
  t.equal(got, undefined, 'the PUT waits for it');
  s.settle();
  await first;
  t.ok(s.durable.has(got!), 'and then gets a recorded name');
  t.equal(r.spare(bucket), 1, 'one spare left');

  // 8 more PUTs arrive while the first is under way: the spare goes at once, the rest wait for one op.
  const more = Array.from({ length: 8 }, () => r.take(bucket));
  await tick();
  t.equal(s.records.length, 2, 'one more record op, not one per PUT');
  t.equal(s.records[1]!.length, 9 + 7 - 0, 'for the 7 waiting PUTs and a spare per PUT under way (9)');
  s.settle();
  const names = await Promise.all(more);
  t.ok(names.every((x) => s.durable.has(x)), 'every PUT got a durable name');
  t.equal(new Set([got!, ...names]).size, 9, 'all different');
  for (let i = 0; i < 9; i++) r.done(bucket);
  t.equal(r.spare(bucket), 9, 'spares for as many PUTs as were under way');
  const quick = await r.take(bucket);
  t.ok(s.durable.has(quick), 'the next PUT takes a spare without waiting');
  t.equal(s.records.length, 2, 'and costs no record op (enough spares)');
});

t.test('expired names are cleared, never handed out', async (t) => {
  const s = scripted();
  const r = new DataSetReserver(s.io);
  const first = r.take(bucket);
  await tick();
  s.settle();
  const a = await first;
  r.done(bucket);
  const spare = [...s.durable].filter((x) => x !== a);
  t.equal(spare.length, 1, 'one spare');
  s.clock.ms += reserveLimits.reservationTtlMs;
  const next = r.take(bucket);
  t.same(s.cleared, [spare], 'the spare past its use-by time is cleared');
  await tick();
  s.settle();
  t.notOk(spare.includes(await next), 'and the PUT gets a newly recorded name');
});

t.test('a failed record fails the PUTs waiting for it; forget clears the spares', async (t) => {
  const s = scripted();
  const r = new DataSetReserver(s.io);
  const waiting = [r.take(bucket), r.take(bucket)];
  await tick();
  s.settle(true);
  for (const w of waiting) await t.rejects(w, { code: 'EIO' }, 'a waiting PUT fails with the record error');
  r.done(bucket);
  r.done(bucket);
  const again = r.take(bucket);
  await tick();
  s.settle();
  t.ok(s.durable.has(await again), 'the next PUT records anew');
  r.done(bucket);
  const spares = r.spare(bucket);
  t.ok(spares > 0, 'spares are left');
  await r.forget(bucket);
  t.equal(s.cleared.at(-1)!.length, spares, 'forget clears every spare of the bucket');
  t.equal(r.spare(bucket), 0, 'none left');
});
