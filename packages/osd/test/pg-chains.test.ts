/**
 * The PG chains (pg-chains.ts): calls of one PG run one at a time in arrival order whether they
 * return a promise or nothing, a failing call goes to its handler and the chain goes on, chains
 * of different PGs do not wait for each other, and a call never runs inside
 * the enqueue that queued it; urgent calls (commit notices, RepOp replies) go before the ordinary
 * calls queued.
 */
import t from 'tap';
import { PgChains, pgChainLimits } from '../src/pg-chains';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

t.test('sync and async calls of one PG run one at a time in arrival order', async (t) => {
  const c = new PgChains();
  const seen: string[] = [];
  let inside = 0;
  const call = (name: string, ms?: number) => (): Promise<void> | void => {
    seen.push(`start ${name}`);
    t.equal(inside++, 0, `${name} runs alone`);
    if (ms === undefined) {
      inside--;
      return;
    }
    return new Promise<void>((r) => setTimeout(r, ms)).then(() => {
      inside--;
      seen.push(`end ${name}`);
    });
  };
  c.enqueue('1.0', call('a', 5), (e) => t.fail(String(e)));
  c.enqueue('1.0', call('b'), (e) => t.fail(String(e)));
  c.enqueue('1.0', call('c', 1), (e) => t.fail(String(e)));
  c.enqueue('1.0', call('d'), (e) => t.fail(String(e)));
  t.same(seen, [], 'nothing runs inside enqueue');
  await Promise.all(c.values());
  t.same(seen, ['start a', 'end a', 'start b', 'start c', 'end c', 'start d']);
});

t.test('urgent calls run before the ordinary ones queued, after the call running, in their own order', async (t) => {
  const c = new PgChains();
  const seen: string[] = [];
  const call = (name: string, ms?: number) => (): Promise<void> | void => {
    seen.push(name);
    if (ms !== undefined) return new Promise<void>((r) => setTimeout(r, ms));
  };
  const fail = (e: unknown): void => void t.fail(String(e));
  c.enqueue('1.0', call('op1', 5), fail);
  c.enqueue('1.0', call('op2'), fail);
  c.enqueue('1.0', call('op3', 1), fail);
  await tick();
  t.same(seen, ['op1'], 'op1 runs');
  c.enqueueUrgent('1.0', call('commit1', 1), fail);
  c.enqueueUrgent('1.0', call('commit2'), fail);
  await Promise.all(c.values());
  t.same(seen, ['op1', 'commit1', 'commit2', 'op2', 'op3'], 'the commits waited for op1 only');
  c.enqueueUrgent('1.1', call('idle'), fail);
  t.same(seen.length, 5, 'an urgent call does not run inside the enqueue either');
  await Promise.all(c.values());
  t.same(seen.at(-1), 'idle', 'and starts an idle chain');
});

t.test('a failure goes to its handler, done runs after it, and the chain goes on', async (t) => {
  const c = new PgChains();
  const seen: string[] = [];
  c.enqueue('1.0', () => { throw new Error('sync boom'); }, (e) => seen.push(`fail ${(e as Error).message}`), () => seen.push('done 1')); // prettier-ignore
  c.enqueue('1.0', () => Promise.reject(new Error('async boom')), (e) => seen.push(`fail ${(e as Error).message}`), () => seen.push('done 2'));
  c.enqueue('1.0', () => void seen.push('ran 3'), (e) => t.fail(String(e)), () => seen.push('done 3'));
  // A failure handler that throws itself must not stop the chain.
  c.enqueue('1.0', () => { throw new Error('x'); }, () => { throw new Error('handler'); }); // prettier-ignore
  c.enqueue('1.0', () => void seen.push('ran 5'), (e) => t.fail(String(e)));
  await Promise.all(c.values());
  t.same(seen, ['fail sync boom', 'done 1', 'fail async boom', 'done 2', 'ran 3', 'done 3', 'ran 5']);
});

t.test('PGs do not wait for each other', async (t) => {
  const c = new PgChains();
  const seen: string[] = [];
  let release!: () => void;
  c.enqueue('1.0', () => new Promise<void>((r) => (release = r)).then(() => void seen.push('slow 1.0')), (e) => t.fail(String(e)));
  c.enqueue('1.1', () => void seen.push('fast 1.1'), (e) => t.fail(String(e)));
  await tick();
  t.same(seen, ['fast 1.1'], "1.1 ran while 1.0's call was pending");
  release();
  await Promise.all(c.values());
  t.same(seen, ['fast 1.1', 'slow 1.0']);
});

t.test('a chain that never goes idle keeps its order past the compaction', async (t) => {
  const c = new PgChains();
  const n = pgChainLimits.compactSlots * 2 + 7;
  const seen: number[] = [];
  // Each call queues the next from inside the chain, so the chain is busy the whole time.
  const step = (i: number) => (): Promise<void> | void => {
    seen.push(i);
    if (i + 1 < n) c.enqueue('1.0', step(i + 1), (e) => t.fail(String(e)));
    // Every third call is async, so the pump is resumed from a promise too.
    if (i % 3 === 0) return Promise.resolve();
  };
  c.enqueue('1.0', step(0), (e) => t.fail(String(e)));
  // Each wait covers what is queued when it starts; the calls queued since need another.
  while (seen.length < n) await Promise.all(c.values());
  t.equal(seen.length, n);
  t.ok(seen.every((v, i) => v === i), 'every call ran once, in order');
  t.same(c.values(), [], 'idle at the end');
});
