import { ghobjectMax, ghobjectMin } from '@ts-ceph/objectstore';
import { peering } from '@ts-ceph/osd';
import { Prng } from '@ts-ceph/testkit';
import { History } from './checker';
import { Sched, SimNet } from './sched';
import { SimClient } from './sim-client';
import { SimMon } from './sim-mon';
import { HB_BASE, HB_INTERVAL_MS, SimHeartbeat } from './sim-heartbeat';
import { flipAndRepair } from './scrub-phase';
import { CLIENT_BASE, SimOsd } from './sim-osd';

/** Options of one simulated run; the seed chooses everything else. */
export interface SimOptions {
  seed: number;
  /** Planted bugs (the mutation test): see PeeringConf.bug. */
  bug?: peering.PeeringConf['bug'];
  /** Client ops per client. */
  opsPerClient?: number;
  /** Simulated ms of faults before everything heals. */
  faultMs?: number;
}

export interface SimResult {
  seed: number;
  errors: string[];
  /** The run's trace (every fault, map and client answer), for a failing seed. */
  trace: string[];
  config: string;
  ops: number;
  endedAt: number;
}

const HEALED_DEADLINE_MS = 30_000;
/** Monitor::tick's period in the simulation (mon_tick_interval is 5 s in Ceph). */
const MON_TICK_MS = 1000;

/**
 * One deterministic whole-cluster run (STYLE §9): a mon, N OSDs running the ReplicatedPG cores
 * over fsync-modelling memory stores, clients, a lossy network; seeded crashes (losing unsynced
 * writes), restarts and partitions for `faultMs`, then everything heals. Checked: at most one
 * active primary per PG at any moment (continuously), every PG active+clean and every client op
 * answered after the heal, replicas identical, and the client history linearizable per object.
 */
export async function runSeed(o: SimOptions): Promise<SimResult> {
  const saved = { ...peering.pgLogLimits };
  try {
    return await run(o);
  } finally {
    Object.assign(peering.pgLogLimits, saved);
  }
}

async function run(o: SimOptions): Promise<SimResult> {
  const rng = new Prng(o.seed);
  // Short PG logs in half the seeds, so an OSD that was down a while no longer overlaps the
  // authoritative log and is backfilled instead of recovered from the log.
  const shortLogs = rng.next() < 0.5;
  if (shortLogs) Object.assign(peering.pgLogLimits, { entriesMin: 4, trimMin: 2 });
  const s = new Sched();
  const net = new SimNet(s, new Prng(rng.int(2 ** 32)));
  const numOsd = rng.pick([3, 4]);
  const size = rng.pick([2, 3]);
  const minSize = rng.pick([1, 2]);
  const mon = await SimMon.create(s, new Prng(rng.int(2 ** 32)), { numOsd, size, minSize, pgNum: 4 });
  const conf: peering.PeeringConf = { ...peering.defaultPeeringConf, noPgTemp: true, osdRecoveryMaxActive: rng.pick([1, 3]), osdMaxBackfills: 1, ...simScrubConf(rng), ...(o.bug ? { bug: o.bug } : {}) };
  net.faults = { dropRate: rng.pick([0, 0.02, 0.1]), dupRate: rng.pick([0, 0.05]), delayMin: 1, delayMax: rng.pick([3, 10, 30]) };
  const config = `osds=${numOsd} size=${size} min_size=${minSize}${shortLogs ? ' short_logs' : ''} drop=${net.faults.dropRate} dup=${net.faults.dupRate} delay<=${net.faults.delayMax} recovery_max_active=${conf.osdRecoveryMaxActive}`;
  s.log(`seed ${o.seed}: ${config}`);
  const osds = Array.from({ length: numOsd }, (_, i) => new SimOsd(i, s, net, mon, new Prng(rng.int(2 ** 32)), conf));
  const hist = new History();
  const objects = Array.from({ length: 6 }, (_, i) => `obj${i}`);
  const clients = Array.from({ length: 3 }, (_, i) => new SimClient(i, s, mon, osds, new Prng(rng.int(2 ** 32)), hist, objects, o.opsPerClient ?? 30));
  subscribe(mon, osds, clients);
  new SimHeartbeat(s, net, mon, osds);
  for (const d of osds) await d.mkfs();
  for (const d of osds) await d.boot();
  for (const d of osds) await mon.boot(d.id, d.nonce, d.epoch);
  for (const c of clients) {
    net.attach(CLIENT_BASE + c.id, undefined);
    s.at(5, () => c.start());
  }

  const faults = scheduleFaults({ s, rng, net, mon, osds, clients }, o.faultMs ?? 2500);
  watchPrimaries(s, osds, mon.pgNum);

  // Run until the clients are done, every OSD is back up and every PG is clean, then read
  // everything once more. Every OSD up: a crash just before the heal leaves PGs that look clean
  // to a primary not yet told of it. Three heartbeat rounds after the heal: a silence of the
  // fault phase is reported in the first (and the OSD marked down) or answered by then.
  const quiet = (): boolean => faults.healedAt() + 3 * HB_INTERVAL_MS <= s.now && clients.every((c) => c.finished) && osds.every((d) => d.active) && allClean(osds, mon);
  await s.run(HEALED_DEADLINE_MS, quiet);
  if (!s.errors.length && !quiet()) s.fail(`not every OSD up, PG active+clean and op answered ${HEALED_DEADLINE_MS} ms after the start: ${pgStates(osds, mon)}; not up: ${osds.filter((d) => !d.active).map((d) => `osd.${d.id}`).join(' ') || 'none'}`);
  const settled = mon.epoch;
  if (!s.errors.length) {
    for (const c of clients) c.finalReads();
    await s.run(s.now + 5000, () => clients.every((c) => c.idle));
    if (!clients.every((c) => c.idle)) s.fail('final reads did not complete');
  }
  if (!s.errors.length) for (const e of hist.check()) s.fail(e);
  if (!s.errors.length) await flipAndRepair(s, rng, osds, mon);
  if (!s.errors.length) for (const e of remapped(mon, settled)) s.fail(e);
  if (!s.errors.length) for (const e of await replicasIdentical(osds, mon)) s.fail(e);
  return { seed: o.seed, errors: s.errors, trace: s.trace, config, ops: hist.ops.length, endedAt: s.now };
}

/** Scrubs often in simulated time (the driver's clock is in seconds): every 0.3 s, deep every 0.6 s. */
function simScrubConf(rng: Prng): Partial<peering.PeeringConf> {
  return { osdScrubChunkMax: rng.pick([2, 25]), osdScrubMinInterval: 0.3, osdDeepScrubInterval: 0.6 };
}

/**
 * The mon's maps reach every OSD and client as they commit (their subscriptions); the OSDs' want
 * of up_thru goes to the mon as MOSDAlive.
 */
function subscribe(mon: SimMon, osds: SimOsd[], clients: SimClient[]): void {
  mon.onMaps = async () => {
    for (const d of osds) await d.advanceMap(mon.epoch);
    for (const c of clients) c.send();
  };
  for (const d of osds) d.wantUpThru = (osd, want) => (d.alive ? mon.alive(osd, d.nonce, d.epoch, want) : undefined);
}

/** The simulated world a fault schedule acts on. */
interface World {
  s: Sched;
  rng: Prng;
  net: SimNet;
  mon: SimMon;
  osds: SimOsd[];
  clients: SimClient[];
}

/**
 * The seeded faults until `faultMs`: crashes (a peer's connection is refused: it reports the OSD
 * to the mon, which marks it down; the OSD restarts and boots, and the mon marks it up again, or
 * first down when no report got through), partitions between two OSDs; then the heal. The mon ticks
 * every second.
 */
function scheduleFaults(w: World, faultMs: number): { healedAt(): number } {
  const { s, rng, net, mon, osds, clients } = w;
  const numOsd = osds.length;
  const tick = async (): Promise<void> => {
    await mon.tick();
    s.at(MON_TICK_MS, tick);
  };
  s.at(MON_TICK_MS, tick);
  const crash = async (d: SimOsd): Promise<void> => {
    s.log(`crash osd.${d.id} (${d.store.pendingCount} unsynced transactions lost)`);
    const nonce = d.nonce;
    await d.crash();
    s.at(rng.intIn(10, 60), async () => {
      const peers = osds.filter((x) => x.active && x !== d);
      if (peers.length && mon.upAs(mon.epoch, d.id, nonce)) {
        const r = rng.pick(peers);
        s.log(`osd.${r.id} reports osd.${d.id} failed (connection refused)`);
        await mon.failure(r.id, r.nonce, d.id, r.epoch, 'refused');
      }
      s.at(rng.intIn(50, 500), () => restart(d));
    });
  };
  const sendBoot = (d: SimOsd): void => {
    const nonce = d.nonce;
    s.at(rng.intIn(5, 40), async () => {
      if (d.alive && d.nonce === nonce) await mon.boot(d.id, nonce, d.epoch);
    });
  };
  const restart = async (d: SimOsd): Promise<void> => {
    if (d.alive) return;
    s.log(`restart osd.${d.id}`);
    await d.boot();
    sendBoot(d);
  };
  for (const d of osds) {
    d.onMarkedDown = () => {
      s.log(`osd.${d.id} wrongly marked me down: rebind and boot`);
      d.rebind();
      sendBoot(d);
    };
  }
  let healed = false;
  const injectFault = async (): Promise<void> => {
    if (healed) return;
    const k = rng.int(3);
    const alive = osds.filter((d) => d.alive);
    if (k === 0 && alive.length) await crash(rng.pick(alive));
    else if (k === 1) {
      const a = rng.int(numOsd);
      const b = (a + 1 + rng.int(numOsd - 1)) % numOsd;
      // One partition in three outlasts the heartbeat grace: the mon marks a live OSD down.
      const ms = rng.next() < 0.3 ? rng.intIn(1200, 2500) : rng.intIn(50, 400);
      s.log(`partition osd.${a} | osd.${b} for ${ms} ms`);
      const cut = (on: boolean): void => {
        net.partition(a, b, on);
        net.partition(HB_BASE + a, HB_BASE + b, on);
      };
      cut(true);
      s.at(ms, () => cut(false));
    }
    s.at(rng.intIn(40, 300), injectFault);
  };
  s.at(rng.intIn(20, 100), injectFault);
  s.at(faultMs, () => {
    healed = true;
    s.log('heal: no more faults, network clean');
    net.faults = { dropRate: 0, dupRate: 0, delayMin: 1, delayMax: 3 };
    net.healAll();
  });
  return { healedAt: () => (healed ? faultMs : Infinity) };
}

function primaryCore(osds: SimOsd[], mon: SimMon, seed: number): peering.ReplicatedPG | undefined {
  const p = mon.mappings[mon.epoch]![seed]!.primary;
  return p >= 0 && osds[p]!.alive ? osds[p]!.pg(seed) : undefined;
}

function allClean(osds: SimOsd[], mon: SimMon): boolean {
  for (let seed = 0; seed < mon.pgNum; seed++) {
    const st = primaryCore(osds, mon, seed)?.state() ?? 0n;
    if ((st & peering.PG_STATE.ACTIVE) === 0n || (st & peering.PG_STATE.CLEAN) === 0n || (st & peering.PG_STATE.UNDERSIZED) !== 0n) return false;
  }
  return true;
}

/**
 * Once every PG is clean on a healed network nothing may move a PG: its up and acting sets stay
 * as they were (a later map, such as a restarted OSD's boot, may touch only PGs without it). A
 * false failure report after the heal would break this.
 */
function remapped(mon: SimMon, from: number): string[] {
  const errs: string[] = [];
  const key = (m: peering.PgMapping): string => `up [${m.up.join(',')}] acting [${m.acting.join(',')}]`;
  for (let seed = 0; seed < mon.pgNum; seed++) {
    const a = key(mon.mappings[from]![seed]!);
    for (let e = from + 1; e <= mon.epoch; e++) {
      const b = key(mon.mappings[e]![seed]!);
      if (a === b) continue;
      errs.push(`pg 1.${seed}: remapped after the heal and clean (e${from} ${a} → e${e} ${b})`);
      break;
    }
  }
  return errs;
}

function pgStates(osds: SimOsd[], mon: SimMon): string {
  return [...Array(mon.pgNum).keys()].map((seed) => `1.${seed} ${peering.pgStateString(primaryCore(osds, mon, seed)?.state() ?? 0n)}`).join(', ');
}

/** One primary per PG: never two OSDs serving the same PG as active primaries at once. */
function watchPrimaries(s: Sched, osds: SimOsd[], pgNum: number): void {
  const check = (): void => {
    for (let seed = 0; seed < pgNum; seed++) {
      const act = osds.filter((d) => d.alive && d.pg(seed)?.isPrimary && d.pg(seed)?.phase === 'active');
      if (act.length > 1) s.fail(`pg 1.${seed}: ${act.length} active primaries (${act.map((d) => `osd.${d.id}@${d.pg(seed)!.intervalStart}`).join(', ')})`);
    }
    s.at(10, check);
  };
  s.at(10, check);
}

/** After the heal, each PG's acting OSDs hold the same objects, byte for byte (data and xattrs). */
async function replicasIdentical(osds: SimOsd[], mon: SimMon): Promise<string[]> {
  const errs: string[] = [];
  for (let seed = 0; seed < mon.pgNum; seed++) {
    const acting = mon.mappings[mon.epoch]![seed]!.acting;
    const dumps = await Promise.all(acting.map((o) => dumpColl(osds[o]!, seed)));
    for (let i = 1; i < dumps.length; i++) if (dumps[i] !== dumps[0]) errs.push(`pg 1.${seed}: osd.${acting[i]} differs from osd.${acting[0]}:\n${dumps[0]}\n--\n${dumps[i]}`);
  }
  return errs;
}

async function dumpColl(d: SimOsd, seed: number): Promise<string> {
  const st = d.store.live;
  const coll = (await st.listCollections()).find((c) => c.type === 'pg' && c.seed === seed)!;
  const list = await st.collectionList(coll, ghobjectMin(), ghobjectMax(), 10000);
  const lines: string[] = [];
  for (const o of list.objects) {
    if (o.name === '') continue;
    const attrs = [...(await st.getattrs(coll, o))].map(([k, v]) => `${k}=${v.toString('hex')}`).join(',');
    lines.push(`${o.name} ${(await st.read(coll, o, 0, 0)).toString()} ${attrs}`);
  }
  return lines.join('\n');
}

/** A failing run's report: the seed (to replay), what broke, and the trace's last lines. */
export function report(r: SimResult, lines = 80): string {
  // A history violation names its object: show that object's ops among the faults and maps.
  const obj = /^(obj\d+):/.exec(r.errors[0] ?? '')?.[1];
  const keep = obj ? r.trace.filter((l) => l.includes(` ${obj}`) || /(map e|crash|restart|partition|heal)/.test(l)) : r.trace;
  const head = `seed ${r.seed} FAILED (${r.config}); replay: npm run sim -- --seed ${r.seed} --trace`;
  return [head, ...r.errors.slice(0, 5).map((e) => `  ${e}`), `  trace${obj ? ` of ${obj}, faults and maps` : ''} (last lines):`, ...keep.slice(-lines).map((l) => `    ${l}`)].join('\n');
}
