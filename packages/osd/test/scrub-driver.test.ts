/**
 * The scrub driver against stand-in PG cores: MOSDScrub2 queues a scrub on the PGs we are primary
 * of only, osd_max_scrubs caps the scrubs that run at once (a slot is released when its scrub
 * ends), noscrub holds scheduled scrubs but not requested ones, and the cores' cluster-log lines
 * go out with Ceph's priorities.
 */
import t from 'tap';
import { SimClock } from '@ts-ceph/common';
import { OsdMapFlag, OSDMap } from '@ts-ceph/maps';
import { Clog } from '@ts-ceph/messages';
import { newScrubState } from '../src/core/peering';
import type { PgDriver } from '../src/pg-driver';
import { ScrubDriver, scrubDriverLimits } from '../src/scrub-driver';

/** A core that "scrubs" for two ticks once a scrub is requested or due. */
function fakeCore(primary: boolean) {
  const scrub = newScrubState();
  let ticks = 0;
  const core = {
    isPrimary: primary,
    scrub,
    conf: { osdScrubMinInterval: 1e9, osdDeepScrubInterval: 1e9 },
    requested: 0,
    requestScrub: () => (core.requested++, (scrub.pending = { deep: true, repair: false })),
    scrubTick: async (now: number) => {
      if (scrub.active) {
        if (++ticks >= 2) (scrub.active = undefined), (scrub.lastScrubStamp = now), scrub.clog.push({ error: false, msg: '1.0 deep-scrub ok' });
        return;
      }
      if (!scrub.pending && now - scrub.lastScrubStamp < core.conf.osdScrubMinInterval) return;
      scrub.active = { deep: true, repair: false, interval: 1, chunks: [], errors: 0, fixed: 0, from: { epoch: 1, version: 0n }, deepErrors: 0 };
      scrub.pending = undefined;
      ticks = 0;
      scrub.clog.push({ error: false, msg: '1.0 deep-scrub starts' }, { error: true, msg: '1.0 shard 1 soid x : candidate had a read error' });
    },
  };
  return core;
}

function setup(maxScrubs: number, flags = 0, minInterval = 1e9) {
  const clock = new SimClock();
  const cores = new Map([['1.0', fakeCore(true)], ['1.1', fakeCore(true)], ['1.2', fakeCore(false)]]);
  for (const c of cores.values()) c.conf.osdScrubMinInterval = minInterval;
  const pgDriver = {
    cores,
    afterDrain: undefined as undefined | ((key: string, core: unknown) => void),
    withCore(key: string, f: (c: unknown) => Promise<void>) {
      const c = cores.get(key)!;
      void f(c).then(() => pgDriver.afterDrain?.(key, c));
    },
  };
  const logged: [number, string][] = [];
  const d = new ScrubDriver({ clock, pgDriver: pgDriver as unknown as PgDriver, osdmap: () => ({ flags }) as OSDMap, clog: (p, m) => logged.push([p, m]), maxScrubs });
  const step = async (): Promise<void> => {
    clock.advance(scrubDriverLimits.scrubTickMs);
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { d, cores, logged, step };
}

const scrub2 = (seeds: number[]) => ({ fsid: '00000000-0000-0000-0000-000000000000' as never, epoch: 5, scrubPgs: seeds.map((seed) => ({ pgid: { pool: 1, seed }, shard: -1 })), repair: false, deep: true });

t.test('MOSDScrub2 reaches the primaries only; osd_max_scrubs 1 runs one at a time', async (t) => {
  const { d, cores, logged, step } = setup(1);
  d.start();
  d.handleScrub2(scrub2([0, 1, 2]));
  await step();
  t.same([...cores.values()].map((c) => c.requested), [1, 1, 0], 'the replica of 1.2 ignores it');
  const active = (): string[] => [...cores].filter(([, c]) => c.scrub.active).map(([k]) => k);
  t.same(active(), ['1.0'], 'one scrub at a time');
  await step();
  await step();
  t.same(active(), [], 'the first scrub ended at this tick');
  await step();
  t.same(active(), ['1.1'], 'the slot passes on at the next tick');
  t.same(logged.slice(0, 3), [[Clog.DEBUG, '1.0 deep-scrub starts'], [Clog.ERROR, '1.0 shard 1 soid x : candidate had a read error'], [Clog.DEBUG, '1.0 deep-scrub ok']]);
  d.stop();
});

t.test('osd_max_scrubs 2; noscrub holds scheduled scrubs, not requested ones', async (t) => {
  const both = setup(2);
  both.d.start();
  both.d.handleScrub2(scrub2([0, 1]));
  await both.step();
  t.same([...both.cores.values()].map((c) => Boolean(c.scrub.active)), [true, true, false]);
  both.d.stop();
  const held = setup(1, OsdMapFlag.NOSCRUB);
  held.d.start();
  await held.step();
  t.ok(held.cores.get('1.0')!.scrub.lastScrubStamp > 0, 'a PG first seen counts as scrubbed then');
  held.d.handleScrub2(scrub2([0]));
  await held.step();
  t.ok(held.cores.get('1.0')!.scrub.active, 'a requested scrub runs under noscrub');
  held.d.stop();
});

t.test('scheduled scrubs once osd_scrub_min_interval has passed, none under noscrub', async (t) => {
  const due = setup(2, 0, 1.5);
  due.d.start();
  await due.step();
  t.notOk(due.cores.get('1.0')!.scrub.active, 'not yet due');
  await due.step();
  await due.step();
  t.same([...due.cores.values()].map((c) => Boolean(c.scrub.active)), [true, true, false], 'due on both primaries');
  due.d.stop();
  const held = setup(2, OsdMapFlag.NOSCRUB, 1.5);
  held.d.start();
  for (let i = 0; i < 4; i++) await held.step();
  t.same([...held.cores.values()].map((c) => Boolean(c.scrub.active)), [false, false, false], 'noscrub holds them');
  held.d.stop();
});
