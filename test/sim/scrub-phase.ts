import { ghobjectMax, ghobjectMin } from '@ts-ceph/objectstore';
import { peering } from '@ts-ceph/osd';
import { Prng } from '@ts-ceph/testkit';
import { Sched } from './sched';
import { MapSource } from './sim-mon';
import { SimOsd } from './sim-osd';

const SCRUB_DEADLINE_MS = 5000;

/**
 * The bit-flip phase, after the heal and the final reads (issue 12 acceptance 3 in the
 * simulation): one bit of one object's data flips on a replica that is not the primary, then a
 * deep scrub must name that object and shard, and a repair must leave every copy byte-identical
 * (the caller compares the replicas afterwards). Only a replica flips and only once clients are
 * done: the memory store keeps no checksums, so a flipped primary would serve the flipped bytes
 * to a reader as Ceph's primary does without a digest; that is not what the history checker is
 * about. Scheduled scrubs run all along (sim-osd.ts); none may report an error before the flip.
 */
export async function flipAndRepair(s: Sched, rng: Prng, osds: SimOsd[], mon: MapSource): Promise<void> {
  for (let seed = 0; seed < mon.pgNum; seed++) {
    const n = osds[mon.mappings[mon.epoch]![seed]!.primary]?.pg(seed)?.scrub.numScrubErrors ?? 0;
    if (n) return s.fail(`pg 1.${seed}: scrub found ${n} errors no fault made`);
  }
  const target = await pickTarget(rng, osds, mon);
  if (!target) return s.log('flip: no replicated object to flip');
  const { seed, osd, oid } = target;
  const d = osds[osd]!;
  await s.run(s.now + 2000, () => d.store.pendingCount === 0);
  const coll = (await d.store.live.listCollections()).find((c) => c.type === 'pg' && c.seed === seed)!;
  if (!(await d.store.flip(coll, oid, rng.int(1 << 16)))) return s.log(`flip: osd.${osd} ${oid.name} could not flip`);
  s.log(`flip: a bit of ${oid.name} on osd.${osd} (pg 1.${seed})`);
  const primary = osds[mon.mappings[mon.epoch]![seed]!.primary]!.pg(seed)!;
  if (!(await scrub(s, primary, false))) return;
  const found = primary.scrub.inconsistent.get(peering.oidKey(oid));
  // Our writes record no data digest in object_info_t, so the flip shows as a mismatch between
  // the shards (not a shard error), and the authoritative copy must be another shard's.
  if (!found || !(found.errors & peering.OBJ_ERR.DATA_DIGEST_MISMATCH) || found.authOsd === osd) return s.fail(`deep scrub missed the flipped ${oid.name} on osd.${osd}`);
  if (!(await scrub(s, primary, true))) return;
  if (primary.scrub.numScrubErrors) s.fail(`pg 1.${seed}: ${primary.scrub.numScrubErrors} scrub errors left after repair`);
}

/** Run one requested deep scrub (with repair or not) to its end. */
async function scrub(s: Sched, p: peering.ReplicatedPG, repair: boolean): Promise<boolean> {
  p.requestScrub({ deep: true, repair });
  const done = (): boolean => !p.scrub.pending && !p.scrub.active;
  await s.run(s.now + 1, () => false);
  // A PG that stops being primary keeps the request (as Ceph's m_planned_scrub) and never runs
  // it: say so rather than wait out the deadline. Nothing should move a PG after the heal.
  await s.run(s.now + SCRUB_DEADLINE_MS, () => done() || !p.isPrimary);
  if (!p.isPrimary) s.fail(`pg 1.${p.pg.pgid.seed}: osd.${p.whoami} stopped being its primary (interval ${p.intervalStart}) during the deep scrub${repair ? ' (repair)' : ''}`);
  else if (!done()) s.fail(`pg 1.${p.pg.pgid.seed}: deep scrub${repair ? ' (repair)' : ''} did not finish in ${SCRUB_DEADLINE_MS} ms`);
  else s.log(`deep scrub${repair ? ' repair' : ''} pg 1.${p.pg.pgid.seed}: ${p.scrub.inconsistent.size} inconsistent, ${p.scrub.numScrubErrors} errors`);
  return done();
}

async function pickTarget(rng: Prng, osds: SimOsd[], mon: MapSource): Promise<{ seed: number; osd: number; oid: ReturnType<typeof ghobjectMin> } | undefined> {
  const choices: { seed: number; osd: number; oid: ReturnType<typeof ghobjectMin> }[] = [];
  for (let seed = 0; seed < mon.pgNum; seed++) {
    const acting = mon.mappings[mon.epoch]![seed]!.acting;
    for (const osd of acting.slice(1)) {
      const st = osds[osd]!.store.live;
      const coll = (await st.listCollections()).find((c) => c.type === 'pg' && c.seed === seed)!;
      const list = await st.collectionList(coll, ghobjectMin(), ghobjectMax(), 10000);
      for (const oid of list.objects) if (oid.name !== '' && (await st.stat(coll, oid)).size > 0) choices.push({ seed, osd, oid });
    }
  }
  return choices.length ? rng.pick(choices) : undefined;
}
