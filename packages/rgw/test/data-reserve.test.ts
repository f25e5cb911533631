/**
 * Reserved data set names (src/data-reserve.ts) against a scripted store: a PUT only ever gets a
 * name whose record is durable; spare names follow the number of PUTs under way (twice as many
 * recorded once they run short), in one op at a time; names past their use-by time are cleared,
 * never handed out; a failed record fails the PUTs waiting for it; forget() clears a bucket's
 * spare names; released records are cleared by the next record op, or alone after a delay. Also
 * FreshKeys (src/store-put.ts): which small PUTs publish asserting their key absent instead of reading it.
 */
import t from 'tap';
import { cephError } from '@ts-ceph/common';
import { DataSetReserver, reserveLimits, ReserveIo } from '../src/data-reserve';
import { FreshKeys, rgwPutLimits } from '../src/store-put';
import type { BucketInfo } from '../src/store-types';

const bucket: BucketInfo = { name: 'b', id: 'b.1', owner: 'u', createdMs: 0 };

/** Records are held until settle(); `durable` holds the names whose record op succeeded. */
function scripted(): { io: ReserveIo; records: string[][]; clearedWith: string[][]; cleared: string[][]; durable: Set<string>; settle(fail?: boolean): void; clock: { ms: number } } {
  const records: string[][] = [];
  const clearedWith: string[][] = [];
  const cleared: string[][] = [];
  const durable = new Set<string>();
  const held: { names: string[]; resolve(): void; reject(e: unknown): void }[] = [];
  const clock = { ms: 1000 };
  let n = 0;
  const io: ReserveIo = {
    newName: (b) => `${b.id}_${n++}`,
    record: (_b, names, _at, clear) =>
      new Promise<void>((resolve, reject) => {
        records.push(names);
        clearedWith.push(clear);
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
  return { io, records, clearedWith, cleared, durable, settle, clock };
}

const tick = () => new Promise((r) => setImmediate(r));

t.test('a PUT gets only a name whose record is durable; spares follow the PUTs under way', async (t) => {
  const s = scripted();
  const r = new DataSetReserver(s.io);
  let got: string | undefined;
  const first = r.take(bucket).then((x) => (got = x));
  await tick();
  // The need is the PUT under way plus the waiting one (2), recorded twice over.
  t.same(s.records.map((x) => x.length), [4], 'an idle bucket: one record op, for this PUT and spares');
  t.equal(got, undefined, 'the PUT waits for it');
  s.settle();
  await first;
  t.ok(s.durable.has(got!), 'and then gets a recorded name');
  t.equal(r.spare(bucket), 3, 'three spares left');

  // 8 more PUTs arrive while the first is under way: the spares go at once, the rest wait for one op.
  const more = Array.from({ length: 8 }, () => r.take(bucket));
  await tick();
  t.equal(s.records.length, 2, 'one more record op, not one per PUT');
  t.equal(s.records[1]!.length, 2 * (9 + 5) - 0, 'twice the need: 9 PUTs under way and 5 waiting');
  s.settle();
  const names = await Promise.all(more);
  t.ok(names.every((x) => s.durable.has(x)), 'every PUT got a durable name');
  t.equal(new Set([got!, ...names]).size, 9, 'all different');
  for (let i = 0; i < 9; i++) r.done(bucket);
  t.equal(r.spare(bucket), 28 - 5, 'the rest are spares');
  const quick = await r.take(bucket);
  t.ok(s.durable.has(quick), 'the next PUT takes a spare without waiting');
  await tick();
  t.equal(s.records.length, 2, 'and costs no record op (enough spares)');
});

/** A reserver whose first take's record op has settled, and the name that take got. */
async function reservedOnce(): Promise<{ s: ReturnType<typeof scripted>; r: DataSetReserver; a: string }> {
  const s = scripted();
  const r = new DataSetReserver(s.io);
  const first = r.take(bucket);
  await tick();
  s.settle();
  return { s, r, a: await first };
}

t.test('released records are cleared by the next record op, or alone after releaseDelayMs', async (t) => {
  const { s, r, a } = await reservedOnce();
  r.release(bucket, [a]);
  r.done(bucket);
  // Use up the spares with PUTs under way, so the next take needs a record op.
  const held = [await r.take(bucket), await r.take(bucket), await r.take(bucket)];
  t.equal(held.length, 3);
  await tick();
  t.equal(s.records.length, 2, 'spares ran short: a record op');
  t.same(s.clearedWith[1], [a], 'which clears the released record in the same op');
  t.same(s.cleared, [], 'and no clear op of its own');
  s.settle();
  await tick();
  r.release(bucket, held);
  t.same(s.cleared, [], 'released, not yet cleared');
  await new Promise((res) => setTimeout(res, reserveLimits.releaseDelayMs + 50));
  t.same(s.cleared, [held], 'no record op came: cleared alone after the delay');
});

t.test('expired names are cleared, never handed out', async (t) => {
  const { s, r, a } = await reservedOnce();
  r.done(bucket);
  const spare = [...s.durable].filter((x) => x !== a);
  t.equal(spare.length, 3, 'three spares');
  s.clock.ms += reserveLimits.reservationTtlMs;
  const next = r.take(bucket);
  t.same(s.cleared, [spare], 'the spares past their use-by time are cleared');
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

t.test('FreshKeys: a PUT skips the entry read unless its key is busy, the bucket is Suspended or a key was found taken lately', async (t) => {
  const f = new FreshKeys();
  const b: BucketInfo = { name: 'b', id: 'b.1', owner: 'u', createdMs: 0 };
  t.equal(f.begin(b, 'k', 0), true, 'a fresh key, nothing under way');
  t.equal(f.begin(b, 'k', 0), false, 'a second PUT of the same key reads first');
  t.equal(f.begin(b, 'other', 0), true, 'another key is independent');
  f.end(b, 'k');
  t.equal(f.begin(b, 'k', 0), false, 'still one PUT of k under way');
  f.end(b, 'k');
  f.end(b, 'k');
  t.equal(f.begin(b, 'k', 0), true, 'k idle again');
  f.end(b, 'k');
  t.equal(f.begin({ ...b, versioning: 'Suspended' }, 'x', 0), false, 'a Suspended bucket reads the versions anyway');
  f.end(b, 'x');
  f.taken(b, 1000);
  t.equal(f.begin(b, 'y', 1000 + rgwPutLimits.freshKeyPauseMs - 1), false, 'paused after a key was found taken');
  f.end(b, 'y');
  t.equal(f.begin({ ...b, id: 'c.1' }, 'y', 1000), true, 'other buckets are not paused');
  f.end({ ...b, id: 'c.1' }, 'y');
  t.equal(f.begin(b, 'y', 1000 + rgwPutLimits.freshKeyPauseMs), true, 'the pause ends');
  f.end(b, 'y');
});
