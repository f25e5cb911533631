import { CephConf, Clock, configureLog } from '@ts-ceph/common';
import { AddrType, CEPH_FEATURES_ALL, EntityAddrvec, EntityType, makeAddr } from '@ts-ceph/denc';
import { CryptoKey, KeyRing, MonCap, RandomSource, capsBlob } from '@ts-ceph/cephx';
import { MOSDAlive, MOSDBoot, MOSDFailure, MOSDFailureFlag, MSG_OSD_ALIVE, MSG_OSD_BOOT, MSG_OSD_FAILURE, PAXOS_HEAD_DEFAULT } from '@ts-ceph/messages';
import type { CephMessage, Connection } from '@ts-ceph/messenger';
import { PgT, cephStableMod, isUp, mapToPg, monMapAdd, newMonInfo, newMonMap, pgToUpActingOsds } from '@ts-ceph/maps';
import { MemoryKV, MonSession, Monitor, OsdMessageContext, loadOptionTable, osdMessageHandlers } from '@ts-ceph/mon';
import { peering } from '@ts-ceph/osd';
import { Prng } from '@ts-ceph/testkit';
import { Sched } from './sched';

export const POOL = 1;

/** What an OSD and a client of the simulation read of the maps (SimMon and the transcripts' StandInMon). */
export interface MapSource {
  readonly epoch: number;
  readonly pgNum: number;
  /** The epoch the pool's PGs were created in (pg_info_t::epoch_created). */
  readonly createdEpoch: number;
  /** mappings[epoch][seed], from createdEpoch on. */
  readonly mappings: peering.PgMapping[][];
  /** Whether the map of `epoch` has `osd` up as the incarnation `nonce` (OSD::is_active after boot). */
  upAs(epoch: number, osd: number, nonce: number): boolean;
  locate(name: string): { pg: PgT; hash: number };
}

const FSID = '5e1f0c1d-2b3a-4c5d-8e9f-a0b1c2d3e4f5';
/** The simulated clock's wall time at t = 0 (Nov 2023), for the mon's stamps. */
const WALL_EPOCH_MS = 1_700_000_000_000;

/**
 * osd_heartbeat_grace in the simulation: 1 s (Ceph's 20 s is longer than a run). One reporter is
 * enough (mon_osd_min_down_reporters 1), as a partition cuts one pair of OSDs.
 */
export const HEARTBEAT_GRACE_SEC = 1;

const osdUuid = (i: number): string => `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`;

/** An OSD incarnation's addrs: the nonce tells one life of the process from the next. */
export function osdAddrs(osd: number, nonce: number): EntityAddrvec {
  return [makeAddr(AddrType.MSGR2, '10.0.0.1', 6800 + osd, nonce)];
}

/**
 * The simulation's monitor: ts-mon's own `Monitor` (every service, the proposal pipeline over a
 * memory store) on the simulated clock, with a seeded random source. OSD boot, MOSDAlive and
 * MOSDFailure go through the mon's message handlers (net/osd-messages.ts → OSDMonitor's
 * preprocess_/prepare_ logic in core/osd/osd-liveness.ts), so every map change is the mon's own
 * incremental, committed through its pipeline. Each committed epoch is remembered as the PGs'
 * mappings, so an OSD that restarts replays the maps it missed (as a real OSD fetches them).
 */
export class SimMon implements MapSource {
  readonly mappings: peering.PgMapping[][] = [];
  /** upNonce[epoch][osd]: the up incarnation's addr nonce, -1 when down. */
  private readonly upNonce: number[][] = [];
  createdEpoch = 0;
  /** The newest epoch handed to the OSDs and clients. */
  private published = 0;
  /** Called with each batch of new epochs, after their commit (the subscription push). */
  onMaps: () => Promise<void> = async () => undefined;
  private readonly sessions = new Map<string, MonSession>();
  private readonly ctx: OsdMessageContext;

  private constructor(
    private readonly s: Sched,
    readonly mon: Monitor,
    readonly numOsd: number,
    readonly pgNum: number,
    /** Publish up_thru in the mappings (the primaries then wait for it, as Ceph's WaitUpThru). */
    readonly upThru: boolean,
  ) {
    const clock = mon.opts.clock;
    this.ctx = {
      fsid: mon.fsid,
      osd: mon.osd,
      logm: mon.logm,
      pipeline: mon.pipeline,
      osdLivenessConf: mon.osdLivenessConf,
      osdReports: mon.osdReports,
      clog: (channel, prio, text, now) => mon.clog(channel, prio, text, now),
      now: () => clock.wallNow(),
      // send_latest: every OSD gets each new map through onMaps (its subscription) already.
      sendOsdmaps: () => undefined,
    };
    mon.onCommitted = (svcs) => {
      if (svcs.includes(mon.osd)) this.record();
    };
  }

  /** mkfs + open a Monitor, `osd new` and place each OSD (one host each), create the pool. */
  static async create(s: Sched, rng: Prng, o: { numOsd: number; size: number; minSize: number; pgNum: number; upThru?: boolean }): Promise<SimMon> {
    const random: RandomSource = { bytes: (n) => Buffer.from(Array.from({ length: n }, () => rng.int(256))) };
    const clock: Clock = {
      now: () => s.now,
      wallNow: () => WALL_EPOCH_MS + s.now,
      setTimeout: (fn, ms) => {
        let live = true;
        s.at(ms, () => (live ? fn() : undefined));
        return { cancel: () => void (live = false) };
      },
    };
    // A mon error (a handler that threw) is a failed run, not a line on stderr.
    configureLog({ sink: { write: (line) => (/ mon -1 /.test(line) ? s.fail(`mon: ${line}`) : undefined) } });
    const conf = CephConf.parse(`[global]\nfsid = ${FSID}\nosd_pool_default_size = ${o.size}\nosd_pool_default_min_size = ${o.minSize}\nosd_pool_default_pg_autoscale_mode = off\nosd_heartbeat_grace = ${HEARTBEAT_GRACE_SEC}\nmon_osd_min_down_reporters = 1\n`);
    const monKeyring = new KeyRing();
    monKeyring.add({ type: EntityType.MON, id: '' }, { key: CryptoKey.generate(random, WALL_EPOCH_MS), caps: new Map([['mon', capsBlob('allow *')]]) });
    const opts = { name: 'a', kv: new MemoryKV(), conf, monKeyring, clock, random, options: loadOptionTable() };
    const mm = newMonMap();
    mm.fsid = FSID;
    monMapAdd(mm, newMonInfo('a', [makeAddr(AddrType.MSGR2, '10.0.0.100', 3300, 0)]));
    await Monitor.mkfs(opts, { monmap: mm, keyring: new KeyRing() });
    const sm = new SimMon(s, await Monitor.open(opts), o.numOsd, o.pgNum, o.upThru ?? true);
    for (let i = 0; i < o.numOsd; i++) {
      await sm.command({ prefix: 'osd new', uuid: osdUuid(i) });
      await sm.command({ prefix: 'osd crush create-or-move', id: i, weight: 1, args: [`host=h${i}`, 'root=default'] });
    }
    await sm.command({ prefix: 'osd pool create', pool: 'rbd', pg_num: o.pgNum, pgp_num: o.pgNum });
    sm.createdEpoch = sm.epoch;
    sm.record();
    sm.published = sm.epoch;
    return sm;
  }

  private async command(c: Record<string, unknown>): Promise<void> {
    const r = await this.mon.command(this.mon.adminSession(), [JSON.stringify(c)]);
    if (r.r !== 0) throw new Error(`mon command ${JSON.stringify(c)}: ${r.r} ${r.rs}`);
  }

  get epoch(): number {
    return this.mon.osd.epoch;
  }

  isUp(osd: number): boolean {
    return isUp(this.mon.osd.osdmap, osd);
  }

  /** The addr nonce of `osd` in the map of `epoch`, -1 when it is down there. */
  upNonceAt(epoch: number, osd: number): number {
    return this.upNonce[epoch]?.[osd] ?? -1;
  }

  upAs(epoch: number, osd: number, nonce: number): boolean {
    return this.upNonce[epoch]?.[osd] === nonce;
  }

  /** The PG and placement hash of an object name (Objecter::_calc_target). */
  locate(name: string): { pg: PgT; hash: number } {
    const raw = mapToPg(this.mon.osd.osdmap, POOL, name);
    const mask = (1 << Math.ceil(Math.log2(this.pgNum))) - 1;
    return { pg: { pool: POOL, seed: cephStableMod(raw.seed, this.pgNum, mask) }, hash: raw.seed };
  }

  /** MOSDBoot from incarnation `nonce` of `osd`, which has the maps up to `have`. */
  boot(osd: number, nonce: number, have: number): Promise<void> {
    const sb = { clusterFsid: FSID, whoami: osd, currentEpoch: have, oldestMap: this.createdEpoch, newestMap: have, mounted: 0, cleanThru: 0, osdFsid: osdUuid(osd), raw: Buffer.alloc(0) };
    const a = osdAddrs(osd, nonce);
    const m: MOSDBoot = { paxos: { ...PAXOS_HEAD_DEFAULT, version: have }, sb, hbBackAddrs: a, clusterAddrs: a, bootEpoch: 0, hbFrontAddrs: a, metadata: new Map([['hostname', `h${osd}`]]), osdFeatures: CEPH_FEATURES_ALL };
    return this.deliver(MSG_OSD_BOOT, osd, nonce, m);
  }

  /** MOSDAlive: `osd` has the maps up to `have` and wants up_thru ≥ `want`. */
  alive(osd: number, nonce: number, have: number, want: number): Promise<void> {
    const m: MOSDAlive = { paxos: { ...PAXOS_HEAD_DEFAULT, version: have }, want };
    return this.deliver(MSG_OSD_ALIVE, osd, nonce, m);
  }

  /**
   * MOSDFailure from `reporter` (with its map `epoch`) about `target`: `refused` (a refused
   * connection, immediate), `timeout` (no heartbeat reply for `failedForSec`), or `alive` (the
   * replies are back: the earlier report is cancelled).
   */
  failure(reporter: number, nonce: number, target: number, epoch: number, kind: 'refused' | 'timeout' | 'alive', failedForSec = 0): Promise<void> {
    const flags = kind === 'alive' ? MOSDFailureFlag.ALIVE : MOSDFailureFlag.FAILED | (kind === 'refused' ? MOSDFailureFlag.IMMEDIATE : 0);
    const targetAddrs = this.mon.osd.osdmap.osdAddrs.client[target] ?? [];
    const m: MOSDFailure = { paxos: { ...PAXOS_HEAD_DEFAULT, version: epoch }, fsid: FSID, targetOsd: target, targetAddrs, epoch, flags, failedForSec };
    return this.deliver(MSG_OSD_FAILURE, reporter, nonce, m);
  }

  /** Monitor::tick (failure re-checks, beacon timeouts, down → out, the cluster log's commit). */
  async tick(): Promise<void> {
    await this.mon.tick();
    await this.publish();
  }

  /**
   * One message through the mon's own handler, as the server dispatches it from a session
   * authenticated as osd.N with `allow profile osd`; then the commit it caused is pushed out.
   */
  private async deliver(type: number, osd: number, nonce: number, payload: unknown): Promise<void> {
    osdMessageHandlers[type]!(this.ctx, undefined as unknown as Connection, this.session(osd, nonce), {} as CephMessage, payload);
    // The handler queued its critical section; an empty one after it waits for its commit.
    await this.mon.pipeline.run(() => undefined);
    await this.publish();
  }

  private session(osd: number, nonce: number): MonSession {
    const k = `${osd}/${nonce}`;
    let s = this.sessions.get(k);
    if (!s) {
      s = new MonSession(this.sessions.size + 1, { type: EntityType.OSD, id: String(osd) }, { type: EntityType.OSD, num: osd }, osdAddrs(osd, nonce), MonCap.parse('allow profile osd'), BigInt(osd + 1), CEPH_FEATURES_ALL);
      this.sessions.set(k, s);
    }
    return s;
  }

  private async publish(): Promise<void> {
    if (this.published === this.epoch) return;
    for (let e = this.published + 1; e <= this.epoch; e++) this.s.log(`map e${e}: ${this.describe(e)}`);
    this.published = this.epoch;
    await this.onMaps();
  }

  /** The trace's line for a map: who is up (with its incarnation), up_thru. */
  private describe(e: number): string {
    const up = this.upNonce[e]!.map((n, i) => (n >= 0 ? `${i}#${n}` : '')).filter(Boolean);
    const thru = [...(this.mappings[e]![0]!.upThru ?? new Map<number, number>())].map(([o, t]) => `${o}:${t}`);
    return `up ${up.join(',')} up_thru ${thru.join(',')}`;
  }

  /** The committed map's PG mappings (after the pool exists). */
  private record(): void {
    const m = this.mon.osd.osdmap;
    const pool = m.pools.get(POOL);
    if (!pool) return;
    const upOsds = new Set<number>();
    const nonces: number[] = [];
    for (let i = 0; i < this.numOsd; i++) {
      const up = isUp(m, i);
      if (up) upOsds.add(i);
      nonces.push(up ? (m.osdAddrs.client[i]?.[0]?.nonce ?? 0) : -1);
    }
    const upThru = new Map(m.osdInfo.slice(0, this.numOsd).map((i, osd) => [osd, i.upThru]));
    const row: peering.PgMapping[] = [];
    for (let seed = 0; seed < this.pgNum; seed++) {
      const ua = pgToUpActingOsds(m, { pool: POOL, seed });
      row.push({ epoch: m.epoch, up: ua.up, upPrimary: ua.upPrimary, acting: ua.acting, primary: ua.actingPrimary, size: pool.size, minSize: pool.minSize, upOsds, ...(this.upThru ? { upThru } : {}) });
    }
    this.mappings[m.epoch] = row;
    this.upNonce[m.epoch] = nonces;
  }
}
