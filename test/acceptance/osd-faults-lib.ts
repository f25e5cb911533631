/**
 * Helpers for the fault acceptance tests on a `ts-ceph bootstrap --osds 3` cluster: a poller that
 * records the PG states `ceph pg stat` reports while faults happen, a bounded wait for
 * active+clean, and an offline comparison of every object across the OSDs' stores (read through
 * the objectstore API once the daemons are stopped, so no daemon can change a replica meanwhile).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { configureLog, realClock } from '@ts-ceph/common';
import { CEPH_NOSNAP, collToString, ghobjectMax, ghobjectMin, NativeStore } from '@ts-ceph/objectstore';
import type { RunResult } from '@ts-ceph/testkit';
import type { BootstrappedCluster } from './osd-cluster-lib';

/** One `ceph pg stat -f json` answer: the PG count per state name, when it was seen. */
export interface PgStatSample {
  atMs: number;
  states: Map<string, number>;
}

export interface PgStatPoller {
  readonly samples: PgStatSample[];
  /** The last sample, or undefined before the first answer. */
  last(): PgStatSample | undefined;
  stop(): Promise<void>;
}

/** `ceph pg stat -f json` once; undefined when the CLI fails (a mon restart, a timeout). */
export async function pgStat(c: BootstrappedCluster): Promise<PgStatSample | undefined> {
  const r = await c.ceph(['pg', 'stat', '-f', 'json']);
  if (r.code !== 0) return undefined;
  try {
    const j = JSON.parse(r.stdout) as { pg_summary?: { num_pg_by_state?: { name: string; num: number }[] } };
    const states = new Map<string, number>();
    for (const s of j.pg_summary?.num_pg_by_state ?? []) states.set(s.name, s.num);
    return { atMs: realClock.now(), states };
  } catch {
    return undefined;
  }
}

/** True when every PG the sample counts is active+clean (and there is at least one). */
export function allClean(s: PgStatSample | undefined, pgs: number): boolean {
  return s !== undefined && s.states.size === 1 && s.states.get('active+clean') === pgs;
}

/** True when some PG is degraded or undersized in the sample. */
export function degradedOrUndersized(s: PgStatSample): boolean {
  return [...s.states.keys()].some((k) => /degraded|undersized/.test(k));
}

/** Poll `ceph pg stat` back to back (each CLI run takes a fraction of a second) until stopped. */
export function pollPgStat(c: BootstrappedCluster): PgStatPoller {
  const samples: PgStatSample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const s = await pgStat(c);
      if (s) samples.push(s);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    samples,
    last: () => samples[samples.length - 1],
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** Wait until the poller has seen a degraded or undersized PG since `sinceMs` (the fault). */
export async function waitDegraded(poller: PgStatPoller, sinceMs: number, timeoutMs: number): Promise<void> {
  const deadline = realClock.now() + timeoutMs;
  while (!poller.samples.some((s) => s.atMs >= sinceMs && degradedOrUndersized(s))) {
    if (realClock.now() > deadline) throw new Error(`no degraded or undersized PG seen within ${timeoutMs} ms: ${JSON.stringify([...(poller.last()?.states ?? [])])}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Wait until `ceph pg stat` shows every PG active+clean; resolves with the ms it took. */
export async function waitAllClean(c: BootstrappedCluster, pgs: number, timeoutMs: number): Promise<number> {
  const start = realClock.now();
  for (;;) {
    const s = await pgStat(c);
    if (allClean(s, pgs)) return realClock.now() - start;
    if (realClock.now() - start > timeoutMs) {
      throw new Error(`PGs not all active+clean after ${timeoutMs} ms: ${JSON.stringify([...(s?.states ?? [])])}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The recovery ops (one per object pulled or pushed) each running OSD started since it last
 * started: `ceph tell osd.N perf dump`'s osd.recovery_ops (Ceph's l_osd_rop), summed.
 */
export async function recoveryOps(c: BootstrappedCluster, osds: number): Promise<number> {
  let sum = 0;
  for (let o = 0; o < osds; o++) {
    const r = await c.ceph(['tell', `osd.${o}`, 'perf', 'dump']);
    if (r.code !== 0) throw new Error(`tell osd.${o} perf dump: ${r.stderr}`);
    sum += (JSON.parse(r.stdout) as { osd: { recovery_ops: number } }).osd.recovery_ops;
  }
  return sum;
}

/** A short, readable form of the samples: each distinct state set with the ms it was first seen. */
export function stateTimeline(samples: PgStatSample[], sinceMs: number): string[] {
  const out: string[] = [];
  let prev = '';
  for (const s of samples) {
    const text = [...s.states].map(([k, n]) => `${n} ${k}`).join(', ');
    if (text !== prev) out.push(`+${((s.atMs - sinceMs) / 1000).toFixed(1)}s ${text}`);
    prev = text;
  }
  return out;
}

/**
 * Every head object of pool `poolId` in one OSD's store, offline: collection/name → sha256 of its
 * data, its xattrs and its omap. The pgmeta object (empty name) is left out: it holds that OSD's
 * own PG log and info, which legitimately differ between replicas.
 */
export async function storeDigests(osdData: string, poolId: number): Promise<Map<string, string>> {
  configureLog({ levels: { nativestore: 0, bdev: 0 } });
  const store = new NativeStore({ path: osdData });
  await store.mount();
  const out = new Map<string, string>();
  try {
    for (const coll of await store.listCollections()) {
      if (coll.type !== 'pg' || coll.pool !== poolId) continue;
      let start = ghobjectMin();
      for (;;) {
        const page = await store.collectionList(coll, start, ghobjectMax(), 1000);
        for (const o of page.objects) {
          if (o.name === '' || o.snap !== CEPH_NOSNAP) continue;
          const h = createHash('sha256');
          h.update(await store.read(coll, o, 0, 0));
          for (const [k, v] of [...(await store.getattrs(coll, o))].sort(([a], [b]) => (a < b ? -1 : 1))) h.update(`\0${k}\0`).update(v);
          const omap = await store.omapGet(coll, o);
          h.update('\0omap\0').update(omap.header);
          for (const [k, v] of omap.values) h.update(`\0${k}\0`).update(v);
          out.set(`${collToString(coll)}/${o.nspace}/${o.name}`, h.digest('hex'));
        }
        if (page.next.max) break;
        start = page.next;
      }
    }
  } finally {
    await store.umount();
  }
  return out;
}

/**
 * Compare the stores of osd.0..n-1 in a stopped cluster: the objects missing on some OSD and the
 * objects whose bytes differ, each as `name: osd.N ...`. Both lists are empty when every replica
 * is byte-identical.
 */
export async function compareReplicas(c: BootstrappedCluster, osds: number, poolId: number): Promise<{ objects: number; missing: string[]; differ: string[] }> {
  const stores: Map<string, string>[] = [];
  for (let o = 0; o < osds; o++) stores.push(await storeDigests(join(c.dir, `osd.${o}`), poolId));
  const names = new Set(stores.flatMap((s) => [...s.keys()]));
  const missing: string[] = [];
  const differ: string[] = [];
  for (const n of names) {
    const have = stores.map((s, o) => [o, s.get(n)] as const);
    const lacking = have.filter(([, d]) => d === undefined).map(([o]) => `osd.${o}`);
    if (lacking.length) missing.push(`${n}: not on ${lacking.join(' ')}`);
    else if (new Set(have.map(([, d]) => d)).size > 1) differ.push(`${n}: ${have.map(([o, d]) => `osd.${o}=${d!.slice(0, 8)}`).join(' ')}`);
  }
  return { objects: names.size, missing, differ };
}

/** The first job of fio's `--output-format=json` (what the fault tests read of it). */
export interface FioJob {
  error: number;
  write: { io_bytes: number; iops: number };
  read: { io_bytes: number };
}

/** fio's JSON report from its stdout (after any warning lines); undefined when there is none. */
export function fioJob(r: RunResult): FioJob | undefined {
  try {
    return (JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { jobs: FioJob[] }).jobs[0];
  } catch {
    return undefined;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
