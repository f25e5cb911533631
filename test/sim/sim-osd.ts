import { makeAddr } from '@ts-ceph/denc';
import { MOSDOp, MOSDOpReply } from '@ts-ceph/messages';
import { Transaction, collPG } from '@ts-ceph/objectstore';
import { peering } from '@ts-ceph/osd';
import { Prng } from '@ts-ceph/testkit';
import { FsyncStore } from './fsync-store';
import { Sched, SimNet } from './sched';
import { MapSource, POOL } from './sim-mon';

export const CLIENT_BASE = 1000;
const TICK_MS = 40;

/**
 * One simulated OSD: a ReplicatedPG core per PG over an FsyncStore — the driver's part of
 * osd-daemon.ts in miniature: it feeds maps, peer messages, client ops, commits and ticks to the
 * cores and carries out their outputs (messages through SimNet, transactions into the store with
 * a seeded fsync delay, replies to clients).
 */
export class SimOsd {
  readonly store = new FsyncStore();
  alive = false;
  /** Bumped at every crash: events of an earlier life are ignored. */
  private life = 0;
  /** The newest map epoch this incarnation has applied. */
  epoch = 0;
  /** Addr nonces handed out so far (a new one at every start and every rebind), and the current one. */
  private nonces = 0;
  private addrNonce = 0;
  /** A map marked this live OSD down ("wrongly marked me down"; the cluster rebinds and boots it). */
  onMarkedDown: () => Promise<void> | void = () => undefined;
  private pgs = new Map<number, peering.ReplicatedPG>();
  private lastCommitAt = 0;
  /** MOSDAlive to the mon (the cluster sets it). */
  wantUpThru: (osd: number, epoch: number) => Promise<void> | void = () => undefined;
  /** The longest a transaction waits to be durable (seeded per OSD). */
  private readonly fsyncMaxMs: number;

  constructor(
    readonly id: number,
    private readonly s: Sched,
    private readonly net: SimNet,
    private readonly mon: MapSource,
    private readonly rng: Prng,
    private readonly conf: peering.PeeringConf,
  ) {
    this.fsyncMaxMs = rng.pick([4, 20, 60]);
  }

  async mkfs(): Promise<void> {
    await this.store.mkfs();
    const t = new Transaction();
    for (let seed = 0; seed < this.mon.pgNum; seed++) {
      const coll = collPG(POOL, seed);
      t.createCollection(coll, 0);
      peering.PG.fresh(coll, { pool: POOL, seed }, this.mon.createdEpoch).initTransaction(t);
    }
    await this.store.queue(t);
    this.store.sync();
  }

  /** Start (or restart): load each PG from the durable store and replay the maps since creation. */
  async boot(): Promise<void> {
    this.alive = true;
    const life = ++this.life;
    this.pgs.clear();
    this.addrNonce = ++this.nonces;
    this.epoch = this.mon.epoch;
    this.net.attach(this.id, (from, b) => (this.life === life ? this.onMessage(from, b) : Promise.resolve()));
    for (let seed = 0; seed < this.mon.pgNum; seed++) {
      const pg = (await peering.PG.load(this.store.live, collPG(POOL, seed), { pool: POOL, seed }))!;
      const core = new peering.ReplicatedPG(this.id, pg, this.store.live, this.conf);
      this.pgs.set(seed, core);
      await core.init(this.mon.mappings.slice(peering.PeeringPG.resumeEpoch(pg)).map((row) => row[seed]!));
      this.drain(core);
    }
    this.scheduleTick(life);
  }

  async crash(): Promise<void> {
    this.alive = false;
    this.life++;
    this.net.attach(this.id, undefined);
    this.pgs.clear();
    await this.store.crash();
  }

  /** This incarnation's addr nonce (how the mon tells it from the one before a crash or a rebind). */
  get nonce(): number {
    return this.addrNonce;
  }

  /** OSD::_committed_osd_maps after a wrong markdown: bind new addrs, to boot again as a new instance. */
  rebind(): void {
    this.addrNonce = ++this.nonces;
  }

  /**
   * OSD::is_active: up in the newest map as this incarnation. Until then (a restarted OSD the map
   * still shows as its previous life, or down) it sends no peering messages, asks for no up_thru
   * and serves no client ops, as OSD::dispatch_context and send_alive hold back a booting OSD.
   */
  get active(): boolean {
    return this.alive && this.mon.upAs(this.epoch, this.id, this.addrNonce);
  }

  pg(seed: number): peering.ReplicatedPG | undefined {
    return this.pgs.get(seed);
  }

  /** Apply every map after the last one applied, up to `epoch`, in order (OSD::handle_osd_map). */
  async advanceMap(epoch: number): Promise<void> {
    const wasActive = this.active;
    while (this.alive && this.epoch < epoch) {
      const e = ++this.epoch;
      for (const [seed, core] of this.pgs) {
        await core.advanceMap(this.mon.mappings[e]![seed]!);
        this.drain(core);
      }
    }
    if (wasActive && this.alive && !this.active) await this.onMarkedDown();
  }

  async clientOp(client: number, req: MOSDOp, deliver: (r: MOSDOpReply) => void): Promise<void> {
    const core = this.pgs.get(req.pgid.pgid.seed);
    if (!core || !this.active) return;
    const env = { now: { sec: 1, nsec: 0 }, pool: { id: POOL, name: 'rbd', pgNum: this.mon.pgNum, erasure: false, full: false, fullQuota: false }, session: { allowAll: true, cap: undefined }, origin: { name: req.reqid.name, addr: makeAddr(2, '127.0.0.1', 40000, client) }, client: deliver };
    await core.handleOp({ req, env });
    this.drain(core);
  }

  private async onMessage(from: number, b: Buffer): Promise<void> {
    const msg = peering.decodePeerMessage(b);
    const core = this.pgs.get(msg.pgid[1]);
    if (!core) return;
    await core.handle(from, msg);
    this.drain(core);
  }

  private drain(core: peering.ReplicatedPG): void {
    const life = this.life;
    this.tracePhase(core);
    this.traceScrub(core);
    const active = this.active;
    for (const o of core.take()) {
      if (o.kind === 'send') {
        if (active) this.net.send(this.id, o.to, peering.encodePeerMessage(o.msg));
      } else if (o.kind === 'up_thru') {
        if (active) this.s.at(this.rng.intIn(1, 5), () => (this.life === life ? this.wantUpThru(this.id, o.epoch) : undefined));
      } else if (o.kind === 'reply') {
        const deliver = o.op.env.client as (r: MOSDOpReply) => void;
        this.s.at(this.rng.intIn(1, 3), () => deliver(o.reply));
      } else if (o.kind === 'effects') {
        for (const f of o.run) f();
      } else if (o.kind === 'kick') {
        // The transactions before it are queued in the store: the ops that waited for them go on next.
        this.s.at(0, async () => {
          if (this.life !== life) return;
          await core.kickWaiting();
          this.drain(core);
        });
      } else if (o.kind === 'remove_pg' || o.kind === 'pg_temp') {
        // The simulation keeps a purged stray's copy (its checker reads every copy an OSD ever
        // held), and its monitor takes no pg_temp (the cores run with noPgTemp).
      } else {
        this.store.queue(o.t).catch((e: Error) => this.s.fail(`osd.${this.id}: transaction failed: ${e.message}`));
        // Commits complete in order, each after a seeded fsync delay.
        this.lastCommitAt = Math.max(this.lastCommitAt, this.s.now + this.rng.intIn(1, this.fsyncMaxMs));
        this.s.at(this.lastCommitAt - this.s.now, async () => {
          if (this.life !== life) return;
          this.store.sync(1);
          await core.committed(o.token);
          this.drain(core);
        });
      }
    }
  }

  /** Each PG's peering steps go into the trace (phase, log head, last_epoch_started). */
  private readonly phases = new Map<number, string>();
  private tracePhase(core: peering.ReplicatedPG): void {
    const i = core.pg.info;
    const now = `${core.phase} lu ${i.lastUpdate.epoch}'${i.lastUpdate.version} les ${i.lastEpochStarted ?? 0}/${i.history?.lastEpochStarted ?? 0}${i.incomplete ? ' incomplete' : ''} missing ${core.ownMissing.size}`;
    const seed = core.pg.pgid.seed;
    if (this.phases.get(seed) === now) return;
    this.phases.set(seed, now);
    this.s.log(`osd.${this.id} pg 1.${seed} i${core.intervalStart} ${now}`);
  }

  /** Each finished scrub goes into the trace, with what it found. */
  private readonly scrubbed = new Map<number, number>();
  private traceScrub(core: peering.ReplicatedPG): void {
    const sc = core.scrub;
    const seed = core.pg.pgid.seed;
    if ((this.scrubbed.get(seed) ?? 0) === sc.lastScrubStamp) return;
    this.scrubbed.set(seed, sc.lastScrubStamp);
    const deep = sc.lastDeepScrubStamp === sc.lastScrubStamp ? 'deep-' : '';
    this.s.log(`osd.${this.id} pg 1.${seed} ${deep}scrubbed: ${sc.inconsistent.size} inconsistent, ${sc.numScrubErrors} errors`);
  }

  private scheduleTick(life: number): void {
    this.s.at(TICK_MS, async () => {
      if (this.life !== life) return;
      for (const core of this.pgs.values()) {
        await core.tick();
        await core.scrubTick(this.s.now / 1000);
        this.drain(core);
      }
      this.scheduleTick(life);
    });
  }
}
