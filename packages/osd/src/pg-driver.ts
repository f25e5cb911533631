import { CephConf, Clock, logger, TimerHandle } from '@ts-ceph/common';
import { Uuid } from '@ts-ceph/denc';
import { CephMessage, Connection, messageTypes } from '@ts-ceph/messenger';
import { MOSDAliveCodec, MOSDOp, PAXOS_HEAD_DEFAULT } from '@ts-ceph/messages';
import { OSDMap, PgT, formatPg, pgKey } from '@ts-ceph/maps';
import { ObjectStore, Transaction, collPG } from '@ts-ceph/objectstore';
import { PG, encodeInfo, evKeyName } from './core/pg';
import { ClientOp, InternalOp, InternalRefusal, isInternal, PeeringConf, defaultPeeringConf, PeeringOutput, PgMapping, ReplicatedPG, decodePeerWire, encodePeerWire, pgStateString, PeerWire } from './core/peering';
import { sendOpReply } from './op-reply';
import { PeerLink } from './peer-link';
import { pgBits } from './osd-util';
import { OsdMapStore } from './osd-map-store';
import { removePgCollection } from './pg-remove';
import { currentInterval, mappingOf, replayStored } from './pg-replay';

export { mappingOf };
import { PeeringPG } from './core/peering/peering-pg';
import { OpTrace, opTraceFor } from './op-trace';
import { PhaseClock } from './pg-commands';
import { upActingOf } from './pg-mappings';
import { PgChains } from './pg-chains';

const log = logger('osd');

/** Named limits of the PG driver (docs/LIMITS.md). */
export const pgDriverLimits = {
  /** How often each PG's core gets a tick (resends of what peering and RepOps still wait for), ms. */
  peeringTickMs: 1_000,
};

/** osd_recovery_max_active, osd_max_backfills and the scrub settings from the conf (Ceph's defaults otherwise). */
export function peeringConfFrom(conf: CephConf, who: string): PeeringConf {
  const num = (k: string, d: number): number => {
    const v = Number(conf.get(k, who));
    return Number.isFinite(v) && v > 0 ? v : d;
  };
  const d = defaultPeeringConf;
  return {
    osdRecoveryMaxActive: num('osd_recovery_max_active', d.osdRecoveryMaxActive),
    osdMaxBackfills: num('osd_max_backfills', d.osdMaxBackfills),
    osdScrubChunkMax: num('osd_scrub_chunk_max', d.osdScrubChunkMax),
    osdScrubMinInterval: num('osd_scrub_min_interval', d.osdScrubMinInterval),
    osdDeepScrubInterval: num('osd_deep_scrub_interval', d.osdDeepScrubInterval),
    osdScrubSleep: num('osd_scrub_sleep', 0),
  };
}

/** What the driver needs of the daemon. */
export interface PgDriverHost {
  id: number;
  clock: Clock;
  store: ObjectStore;
  osdmap(): OSDMap | undefined;
  peers: PeerLink;
  sendMon(m: CephMessage): void;
  conf: PeeringConf;
  /** The daemon's PGs (the snap trimmer and tell commands read them). */
  pgs: Map<string, PG>;
  /** The daemon's per-PG chains: every call into a PG's core runs in its chain, one at a time. */
  pgQueues: PgChains;
  /** A queued transaction is durable (the full driver counts it). */
  noteCommit(): void;
  /** Recovery ops the cores started (the `recovery_ops` perf counter). */
  noteRecoveryOps?(n: number): void;
  /** The OSD's uuid (the stored superblock carries it). */
  osdUuid: Uuid;
}

/** Where a client op's reply goes, and how the op tracker learns of it. */
export interface OpReplyTarget {
  con: Connection;
  msg: CephMessage;
  req: MOSDOp;
  done(sent: ReturnType<typeof sendOpReply>): void;
}

/**
 * Carries every PG through its ReplicatedPG core (core/peering), the daemon's part of what
 * test/sim/sim-osd.ts does in miniature: PGs are created and loaded as cores, each new OSDMap,
 * each client op on a primary, each peer payload from PeerLink, each commit notice and a timer's
 * ticks go in (one at a time per PG, in the PG's chain), and `take()`'s outputs go out: peer
 * messages through PeerLink, transactions to the store, replies to clients, MOSDAlive to the mon,
 * op effects run in order.
 */
export class PgDriver {
  readonly cores = new Map<string, ReplicatedPG>();
  private readonly targets = new WeakMap<ClientOp, OpReplyTarget>();
  private timer: TimerHandle | undefined;
  private stopped = false;
  /** The up_thru we last asked for (one MOSDAlive per wanted epoch and tick, not per PG). */
  private upThruAsked = 0;
  /** Called after each call into a core once its outputs are out (the scrub driver reads its log). */
  afterDrain: ((key: string, core: ReplicatedPG) => void) | undefined;
  /** Every epoch this OSD applied, kept for the intervals its PGs replay (osd-map-store.ts). */
  readonly maps: OsdMapStore;
  /**
   * The last peer message sent in this drain and its packed bytes: a RepOp goes to each replica
   * one after another, packed once. (A WeakMap of every message gave the garbage collector an
   * ephemeron per op; a resend after a new interval packs again.)
   */
  private lastSent: object | undefined = undefined;
  private lastPacked: PeerWire | undefined = undefined;
  /** TS_OSD_TRACE_OPS: per-stage timestamps of the write path (op-trace.ts). */
  readonly trace: OpTrace;

  constructor(private readonly host: PgDriverHost) {
    this.trace = opTraceFor(host.id);
    host.peers.onMessage((from, b, data) => this.onPeerPayload(from, b, data));
    this.maps = new OsdMapStore(host.store, host.id, host.osdUuid);
  }

  /** The PG collections in the store become cores; they peer once the first map arrives. */
  async load(): Promise<void> {
    for (const c of await this.host.store.listCollections()) {
      if (c.type !== 'pg') continue;
      const pgid = { pool: c.pool, seed: c.seed };
      let pg = await PG.load(this.host.store, c, pgid);
      if (!pg) {
        // A collection from before PG logs existed: start its log now.
        pg = PG.fresh(c, pgid, 0);
        const t = new Transaction();
        pg.initTransaction(t);
        await this.host.store.queueTransaction(t);
      }
      log.dout(10, `loaded pg ${formatPg(pgid)} last_update ${evKeyName(pg.info.lastUpdate)} (${pg.entries.length} log entries)`);
      this.adopt(pg);
    }
  }

  /** One PG's state bits (pg_stat_t::state) for the MgrClient's PG stats; undefined: no such PG. */
  pgStateBits(key: string): bigint | undefined {
    return this.cores.get(key)?.state();
  }

  /** Each PG's state as pg_state_string names it (for the MgrClient's PG stats). */
  pgStates(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [key, core] of this.cores) out.set(key, pgStateString(core.state()));
    return out;
  }

  startTicks(): void {
    if (this.stopped) return;
    this.timer = this.host.clock.setTimeout(() => {
      this.upThruAsked = 0;
      for (const [key, core] of this.cores) this.enqueue(key, () => core.tick().then(() => this.drain(key, core)));
      this.startTicks();
    }, pgDriverLimits.peeringTickMs);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /**
   * New OSDMaps, every epoch applied in order: store them (trimming what no PG needs), create the
   * PGs the newest one names this OSD in (the up or acting set, as a replica too), then advance
   * every core through each epoch, so an interval that lasted one epoch is still seen. A core not
   * yet initialised replays the stored maps from its last interval's start (after a restart, the
   * epochs the OSD missed while down come from the monitor first).
   */
  onMaps(maps: readonly OSDMap[], incs: ReadonlyMap<number, Buffer>): void {
    const map = maps[maps.length - 1];
    if (!map) return;
    this.maps.put(maps, incs, this.oldestNeededEpoch());
    for (const [poolId, pool] of map.pools) {
      for (let seed = 0; seed < pool.pgNum; seed++) {
        const pgid = { pool: poolId, seed };
        if (this.cores.has(pgKey(pgid))) continue;
        const ua = upActingOf(map, pgid);
        if (ua.up.includes(this.host.id) || ua.acting.includes(this.host.id)) this.enqueue(pgKey(pgid), () => this.ensure(pgid, map.epoch).then(() => undefined));
      }
    }
    const fresh = [...this.cores].filter(([, c]) => !c.mapping).map(([k]) => k);
    const replay = fresh.length ? replayStored(this.maps, new Map(fresh.map((k) => [k, this.cores.get(k)!.pg])), map.epoch) : Promise.resolve(new Map<string, PgMapping[]>());
    for (const key of this.cores.keys()) this.enqueue(key, () => this.advance(key, maps, replay));
  }

  /** The oldest epoch a PG's replay may still need (its last interval's start). */
  oldestNeededEpoch(): number {
    let min = Infinity;
    for (const c of this.cores.values()) min = Math.min(min, PeeringPG.resumeEpoch(c.pg) || Infinity);
    return min;
  }

  /** A PG the monitor asks us to create (MOSDPGCreate2), or one a map names us in. */
  async ensure(pgid: PgT, epoch: number): Promise<PG> {
    const have = this.cores.get(pgKey(pgid));
    if (have) return have.pg;
    const coll = collPG(pgid.pool, pgid.seed);
    const map = this.host.osdmap();
    const pg = PG.fresh(coll, pgid, epoch);
    const t = new Transaction();
    if (!(await this.host.store.collectionExists(coll))) t.createCollection(coll, pgBits(map?.pools.get(pgid.pool)?.pgNum ?? 1));
    pg.initTransaction(t);
    this.adopt(pg);
    await this.host.store.queueTransaction(t);
    log.dout(1, `created pg ${formatPg(pgid)}`);
    // The maps that came while the PG was being created never reached it: start from the newest.
    const now = this.host.osdmap();
    if (now) await this.advance(pgKey(pgid), [now]);
    return pg;
  }

  /** A client MOSDOp for a PG we hold, run in the PG's chain by the daemon. */
  op(key: string, op: ClientOp, target: OpReplyTarget): Promise<void> | void {
    const core = this.cores.get(key);
    if (!core) return log.dout(7, `no pg ${key}, dropping ${op.req.oid}`);
    this.targets.set(op, target);
    if (this.trace.on) this.trace.mark('op-start', key, target.msg.tid);
    const executed = (): void => {
      if (this.trace.on) this.trace.mark('op-executed', key, target.msg.tid);
      this.drain(key, core);
    };
    const r = core.handleOp(op);
    if (!r) return executed();
    return r.then(executed);
  }

  private adopt(pg: PG): ReplicatedPG {
    const key = pgKey(pg.pgid);
    const core = new ReplicatedPG(this.host.id, pg, this.host.store, this.host.conf);
    this.cores.set(key, core);
    this.host.pgs.set(key, pg);
    return core;
  }

  private async advance(key: string, maps: readonly OSDMap[], replay?: Promise<Map<string, PgMapping[]>>): Promise<void> {
    const core = this.cores.get(key);
    const map = maps[maps.length - 1];
    if (!core || !map) return;
    const m = mappingOf(map, core.pg.pgid);
    if (!m || (core.mapping && core.mapping.epoch >= m.epoch)) return;
    const interval = core.intervalStart;
    const held = core.mapping && core.isPrimary ? heldOps(core) : [];
    if (core.mapping) {
      // Epochs between the core's map and this batch (none, unless they came while it was busy) first.
      const gap = maps[0]!.epoch > core.mapping.epoch + 1 ? await this.maps.range(core.mapping.epoch + 1, maps[0]!.epoch - 1) : [];
      for (const each of [...gap, ...maps]) {
        const pm = mappingOf(each, core.pg.pgid);
        if (pm && pm.epoch > core.mapping.epoch) await core.advanceMap(pm);
      }
    } else {
      // A PG loaded before this batch (a restarted OSD's) replays its intervals from the stored
      // maps; one this batch created walks back to where its current interval began, as its peers
      // count it (its batch may hold epochs its primary saw one by one).
      const replayed = replay ? (await replay).get(key) : undefined;
      const stored = (replayed ?? (await currentInterval(this.maps, core.pg.pgid, map))).filter((pm) => pm.epoch < m.epoch);
      await core.init([...stored, m]);
    }
    // PrimaryLogPG::on_change requeues the client ops of a primary's unfinished writes and of its
    // waiting lists: still primary in the new interval, they run again once it is active (a write
    // already in the log is answered from it); otherwise the client resends to the new primary.
    if (held.length && core.intervalStart !== interval && core.isPrimary) for (const op of held) await core.handleOp(op);
    // Ops that came with this map before the PG had it (OSD::handle_op let them in on the daemon's map).
    for (const op of core.takeWaitingForMap()) await core.handleOp(op);
    this.drain(key, core);
  }

  private onPeerPayload(from: number, b: Buffer, data: Buffer): void {
    let msg;
    try {
      msg = decodePeerWire(b, data);
    } catch (e) {
      return log.dout(1, `bad peer payload from osd.${from}: ${(e as Error).message}`);
    }
    const key = pgKey({ pool: msg.pgid[0], seed: msg.pgid[1] });
    const core = this.cores.get(key);
    if (!core) {
      // OSD::handle_pg_query for a PG that does not exist here (purged as a stray, or never held):
      // an empty pg_info_t, so a primary whose prior set names us does not wait for us forever.
      if (msg.type === 'query') this.host.peers.send(from, encodePeerWire({ type: 'notify', pgid: msg.pgid, interval: msg.interval, info: encodeInfo(PG.fresh(collPG(msg.pgid[0], msg.pgid[1]), { pool: msg.pgid[0], seed: msg.pgid[1] }, 0).info) }).body);
      return log.dout(10, `peer message ${msg.type} from osd.${from} for pg ${key} we do not hold`);
    }
    if (this.trace.on) this.trace.mark(`recv-${msg.type}`, key, 'tid' in msg ? msg.tid : `osd.${from}`);
    if (msg.interval !== core.intervalStart) log.dout(20, `pg ${key}: ${msg.type} from osd.${from} of interval ${msg.interval}, ours ${core.intervalStart}`);
    const call = (): Promise<void> | void => this.thenDrain(key, core, core.handle(from, msg));
    // A RepOp reply completes a write in flight: ahead of the client ops queued (pg-chains.ts).
    if (msg.type === 'repop_reply') this.host.pgQueues.enqueueUrgent(key, call, chainFailed);
    else this.enqueue(key, call);
  }

  /**
   * Carry out the core's outputs once the call that made them is done: at once when it returned
   * nothing (the write path's RepOps, their replies and commit notices), else when it settles.
   */
  private thenDrain(key: string, core: ReplicatedPG, r: Promise<void> | void): Promise<void> | void {
    if (!r) return this.drain(key, core);
    return r.then(() => this.drain(key, core));
  }

  /** Run `f` on the PG's core in its chain, then carry out what the core decided. */
  withCore(key: string, f: (core: ReplicatedPG) => Promise<void>): void {
    const core = this.cores.get(key);
    if (!core) return;
    this.enqueue(key, async () => {
      await f(core);
      this.drain(key, core);
    });
  }

  /**
   * An internal write (a snap trim, a watch timeout) on a PG we hold, in the PG's chain, through
   * its core (the RepOp path: every copy gets it). Resolves once the core took it (undefined) or
   * refused it (not the primary, not active; 'no_pg' when we hold no such PG); `op.done` says
   * when it is durable on every copy.
   */
  submitInternal(key: string, op: InternalOp): Promise<InternalRefusal | 'no_pg' | undefined> {
    if (!this.cores.has(key)) return Promise.resolve('no_pg');
    return this.call(key, (core) => core.submitInternal(op));
  }

  /**
   * Run `f` on the PG's core in its chain, then carry out what the core decided; resolves with
   * `f`'s result (undefined when we hold no such PG, or `f` failed: logged).
   */
  call<T>(key: string, f: (core: ReplicatedPG) => T | Promise<T>): Promise<T | undefined> {
    return new Promise((resolve) => {
      const core = this.cores.get(key);
      if (!core) return resolve(undefined);
      this.enqueue(key, async () => {
        try {
          resolve(await f(core));
        } catch (e) {
          resolve(undefined);
          throw e;
        } finally {
          this.drain(key, core);
        }
      });
    });
  }

  /** Run `f` in the PG's chain (pg-chains.ts); a failure is logged and the chain goes on. */
  enqueue(key: string, f: () => Promise<unknown> | void): void {
    this.host.pgQueues.enqueue(key, f, chainFailed);
  }

  /** Carry out the core's outputs, in order. */
  private drain(key: string, core: ReplicatedPG): void {
    this.phaseClock.note(key, core, this.host.clock.wallNow());
    // Compared field by field: drain runs several times per write, the line only on a change.
    const was = this.phases.get(key);
    if (!was || was.phase !== core.phase || was.interval !== core.intervalStart || was.missing !== core.ownMissing.size) {
      this.phases.set(key, { phase: core.phase, interval: core.intervalStart, missing: core.ownMissing.size });
      log.dout(10, `pg ${key} ${core.phase} i${core.intervalStart} missing ${core.ownMissing.size} (${pgStateString(core.state())})`);
    }
    for (const o of core.take()) this.carryOut(key, core, o);
    this.lastSent = undefined;
    this.lastPacked = undefined;
    const started = core.rep.recoveryOpsStarted;
    if (started) {
      core.rep.recoveryOpsStarted = 0;
      this.host.noteRecoveryOps?.(started);
    }
    this.afterDrain?.(key, core);
  }
  /** When each PG entered its phase (`pg PGID query`'s enter_time). */
  readonly phaseClock = new PhaseClock();
  /** Each PG's last logged phase: a change goes to the log (debug_osd 10). */
  private readonly phases = new Map<string, { phase: string; interval: number; missing: number }>();

  private carryOut(key: string, core: ReplicatedPG, o: PeeringOutput): void {
    switch (o.kind) {
      case 'send': {
        if (o.msg.type === 'remove') log.dout(10, `pg ${key}: sending PGRemove to osd.${o.to}`);
        if (this.trace.on) this.trace.mark(`send-${o.msg.type}`, key, 'tid' in o.msg ? o.msg.tid : `osd.${o.to}`);
        // A RepOp goes to every replica as the same message, one after another: pack it once.
        let b = this.lastSent === o.msg ? this.lastPacked : undefined;
        if (!b) {
          b = encodePeerWire(o.msg);
          this.lastSent = o.msg;
          this.lastPacked = b;
        }
        return this.host.peers.send(o.to, b.body, b.data);
      }
      case 'txn': {
        const token = o.token;
        if (this.trace.on) this.trace.mark('txn-queued', key, '-');
        // A callback, not a promise: the store prepares a cached write without one (objectstore README).
        this.host.store.queueTransactionOnCommit(o.t, (e) => {
          // The store failed a transaction the core counts on: the copy cannot go on consistently.
          if (e) return log.error(`pg ${key}: transaction failed: ${e.stack}`);
          if (this.trace.on) this.trace.mark('txn-durable', key, '-');
          this.host.noteCommit();
          this.host.pgQueues.enqueueUrgent(key, () => this.thenDrain(key, core, core.committed(token)), chainFailed);
        });
        return;
      }
      case 'reply': {
        const target = this.targets.get(o.op);
        if (!target) return;
        this.targets.delete(o.op);
        const map = this.host.osdmap();
        if (this.trace.on) this.trace.mark('reply', key, target.msg.tid);
        target.done(sendOpReply(target.con, target.msg, target.req, o.reply, map?.epoch ?? 0, (l, m) => log.dout(l, m)));
        return;
      }
      case 'effects':
        for (const f of o.run) {
          try { f(); } catch (e) { log.dout(0, `op effect failed: ${(e as Error).stack}`); } // prettier-ignore
        }
        return;
      case 'up_thru':
        return this.askUpThru(o.epoch);
      case 'remove_pg':
        return this.enqueue(key, () => this.removePg(key, core));
      case 'kick':
        // The transactions taken before this output are in the store now: the ops that waited for
        // them run in the PG's next call, not at their commit (rep-ops.ts kickAfterTake), and
        // ahead of the client ops queued, which arrived after them.
        return this.host.pgQueues.enqueueUrgent(key, () => core.kickWaiting().then(() => this.drain(key, core)), chainFailed);
    }
  }

  /**
   * The primary purged our stray copy (strays.ts): forget the core first (so later maps and
   * messages find no PG), then delete the collection in the PG's chain; a later map that names us
   * again creates the PG afresh.
   */
  private async removePg(key: string, core: ReplicatedPG): Promise<void> {
    if (this.cores.get(key) !== core || !core.removing) return;
    this.cores.delete(key);
    this.host.pgs.delete(key);
    this.phases.delete(key);
    const n = await removePgCollection(this.host.store, core.pg.coll);
    log.dout(1, `pg ${key} removed (stray: ${n} objects deleted)`);
  }

  /** MOSDAlive: ask the monitor to record our up_thru (OSD::queue_want_up_thru). */
  private askUpThru(epoch: number): void {
    if (epoch <= this.upThruAsked) return;
    this.upThruAsked = epoch;
    const map = this.host.osdmap();
    log.dout(10, `want up_thru ${epoch}`);
    this.host.sendMon(messageTypes.build(MOSDAliveCodec, { paxos: { ...PAXOS_HEAD_DEFAULT, version: map?.epoch ?? 0 }, want: epoch }));
  }
}

/** A call into a PG's core failed: logged, and the PG's chain goes on. */
const chainFailed = (e: unknown, key: string): void => log.dout(0, `pg ${key}: ${(e as Error).stack}`);

/** The client ops a primary's core holds unanswered (in flight, waiting for an object, for active). */
function heldOps(core: ReplicatedPG): ClientOp[] {
  const inflight = [...core.rep.repopQueue].flatMap((g) => [...(g.replied || !g.op ? [] : [g.op]), ...g.after.map((a) => a.op)]);
  // Internal writes are not requeued: the core tells them they were dropped (dropInternal).
  const waiting = [...core.rep.objWaiting.values()].flat().filter((op): op is ClientOp => !isInternal(op));
  return [...inflight, ...waiting, ...core.waitingForActive];
}
