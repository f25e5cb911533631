import { EversionT } from '@ts-ceph/maps';
import { Transaction } from '@ts-ceph/objectstore/interface';
import { StoreReader } from '../op-context';
import { PG, PgInfo, PgLogDup, PgLogEntry, decodeDup, decodeInfo, decodeLogEntry, encodeDup, encodeInfo, encodeLogEntry, evCmp } from '../pg';
import { PeerInfo, MissingSet, backfillExpected, expectedObjects, findBestInfo, listObjects, logsOverlap, missingAgainst, oidKey, ObjectVersions } from './log-merge';
import { BIGINFO_KEY, encodeBigInfo, loadPastIntervals } from './big-info';
import { decodeMissing, encodeMissing, loadMissing, writeMissing } from './missing-store';
import { RepState, newRepState } from './rep-state';
import { decodeOid, encodeOid } from './txn-codec';
import { Listing, PeerActivate, PeerBody, PeerMessage, PgId, evFrom, evOf } from './messages';
import { PastInterval, PgMapping, PriorSet, buildPrior, closeInterval, isNewInterval } from './past-intervals';
import { peeringStateBits } from './pg-state';
import { ClientOp, PeeringConf, PeeringOutput, peeringLimits } from './types';
import { noteStray, notifyPrimary } from './strays';
import { chooseActing } from './pg-temp';

/** Where a PG copy is in PeeringState's machine (the states we model, Ceph's names). */
export type Phase = 'reset' | 'get_info' | 'get_log' | 'wait_up_thru' | 'activating' | 'active' | 'down' | 'incomplete' | 'replica_activating' | 'replica_active' | 'stray'
  /** WaitActingChange: the primary asked the monitor for a pg_temp (pg-temp.ts) and waits for the map. */
  | 'wait_acting_change';

/** The authoritative log to follow, with the object listing when our copy is backfilled. */
interface AuthLog { info: PgInfo; entries: PgLogEntry[]; dups: PgLogDup[]; listing?: Listing }
const listingFrom = (l: Listing): ObjectVersions => new Map(l.map(([b, v]) => {
  const oid = decodeOid(b);
  return [oidKey(oid), { oid, version: evFrom(v) }];
}));

/**
 * One PG on one OSD as a sans-I/O peering and replication core (src/osd/PeeringState.cc with
 * PrimaryLogPG's replication and recovery, cut down): inputs are maps, peer messages, client ops,
 * commit notices and ticks; outputs (`take()`) are messages to send, transactions to queue and
 * client replies. It reads the object store (through StoreReader) but never writes it, reads no
 * clock and draws no randomness, so the simulation runs the same code the daemon does.
 *
 * The replication half (client ops, RepOps) is in rep-ops.ts, recovery in recovery.ts; both work
 * on this object's state.
 */
export class PeeringPG {
  readonly out: PeeringOutput[] = [];
  mapping: PgMapping | undefined;
  intervalStart = 0;
  past: PastInterval[] = [];
  phase: Phase = 'reset';
  prior: PriorSet = { probe: [], down: [], pgDown: false };
  infos = new Map<number, PgInfo>();
  authOsd = -1;
  /** Replicas that acknowledged activation, with their missing sets (peer_missing). */
  peerMissing = new Map<number, MissingSet>();
  ownMissing: MissingSet = new Map();
  localActivated = false;
  /** Continuations of queued transactions, by token. */
  private readonly commits = new Map<number, { interval: number; then: () => Promise<void> | void }>();
  private token = 0;
  /**
   * Transactions of earlier intervals not yet durable. Until they are, this copy neither peers nor
   * answers peers (PeeringState's flush on a new interval): an info or log it sent could name
   * writes a crash would still take back.
   */
  private flushing = 0;
  private deferred: (() => Promise<void> | void)[] = [];
  /** Ops waiting for the PG to go active (waiting_for_active). */
  waitingForActive: ClientOp[] = [];
  /** Client ops sent with a newer map than this PG has (waiting_for_map), kept across intervals. */
  waitingForMap: ClientOp[] = [];
  /** Mutable per-interval replication and recovery state (rep-ops.ts, recovery.ts). */
  rep = newRepState();
  /** A stray told to delete its copy (strays.ts): the driver removes it unless a new interval starts first. */
  removing = false;

  constructor(
    readonly whoami: number,
    readonly pg: PG,
    readonly store: StoreReader,
    readonly conf: PeeringConf,
  ) {
    // Our last_complete is just before the oldest object we lack: the log is not trimmed past it.
    pg.trimKeepFrom = () => [...this.ownMissing.values()].reduce<EversionT | undefined>((a, m) => (!a || evCmp(m.need, a) < 0 ? m.need : a), undefined);
  }

  get pgid(): PgId {
    return [this.pg.pgid.pool, this.pg.pgid.seed];
  }
  get isPrimary(): boolean {
    return this.mapping?.primary === this.whoami;
  }
  /**
   * The other OSDs of the acting set, then the up members outside it: with a pg_temp those are
   * backfill targets (acting_recovery_backfill), activated and written to like replicas.
   */
  get replicas(): number[] {
    const m = this.mapping;
    if (!m) return [];
    const out = m.acting.filter((o) => o !== this.whoami && o >= 0);
    for (const o of m.up) if (o !== this.whoami && o >= 0 && !out.includes(o)) out.push(o);
    return out;
  }

  /**
   * The outputs so far. The driver hands each transaction to the store as it takes it (reads see a
   * queued transaction at once), so the objects written before are readable again after this.
   */
  take(): PeeringOutput[] {
    this.rep.unapplied.clear();
    this.lastBody = this.lastMsg = undefined;
    return this.out.splice(0);
  }
  send(to: number, m: PeerBody): void {
    // One body sent to several peers in a row (a RepOp to each replica) stays one message, which the
    // driver packs once. (A WeakMap of every body cost the GC an ephemeron per op.)
    let msg = this.lastBody === m ? this.lastMsg : undefined;
    if (!msg || msg.interval !== this.intervalStart) this.lastMsg = msg = { ...m, pgid: this.pgid, interval: this.intervalStart } as PeerMessage;
    this.lastBody = m;
    this.out.push({ kind: 'send', to, msg });
  }
  private lastBody: PeerBody | undefined = undefined;
  private lastMsg: PeerMessage | undefined = undefined;
  queue(t: Transaction, then: () => Promise<void> | void): void {
    // The object contexts stay true only if every write passes here before the store has it.
    this.pg.obc.invalidate(t);
    const token = ++this.token;
    this.commits.set(token, { interval: this.intervalStart, then });
    this.out.push({ kind: 'txn', t, token });
  }
  /**
   * The driver: the transaction queued with `token` is durable. Returns nothing when the
   * continuation ran synchronously (a write's commit), so the driver's chain skips a promise.
   */
  committed(token: number): Promise<void> | void {
    const c = this.commits.get(token);
    this.commits.delete(token);
    if (!c) return;
    // An earlier interval's continuation would act on state that interval no longer owns.
    if (c.interval === this.intervalStart) return c.then();
    if (--this.flushing > 0) return;
    return this.runDeferred();
  }

  private async runDeferred(): Promise<void> {
    for (const f of this.deferred.splice(0)) await f();
  }

  /** PeeringState's state bits (pg-state.ts), for pg_state_string and the mgr's PG stats. */
  state(): bigint {
    return peeringStateBits(this);
  }

  /**
   * Replay the OSDMaps from the PG's creation to now (at start, after a restart): past intervals
   * come from the maps, pruned by the persisted last_epoch_started; then peer in the current one.
   */
  async init(maps: readonly PgMapping[]): Promise<void> {
    this.past = await loadPastIntervals(this.store, this.pg);
    for (const m of maps) this.observe(m);
    await this.startInterval();
  }

  /**
   * The first epoch whose mapping `init` needs: the persisted interval's start (its earlier
   * intervals are in `_biginfo`), or the PG's creation.
   */
  static resumeEpoch(pg: PG): number {
    return pg.info.history?.sameIntervalSince || pg.info.epochCreated;
  }

  /** A new OSDMap (PeeringState::advance_map): a new interval resets the PG and peers again. */
  async advanceMap(m: PgMapping): Promise<void> {
    if (!this.observe(m)) {
      if (this.phase === 'wait_up_thru') await this.needUpThru(this.waitingAuth);
      return;
    }
    await this.startInterval();
    // start_peering_interval dirties the big info: persist the intervals and the new start.
    const t = new Transaction();
    (this.pg.info.history ??= { lastEpochStarted: 0, lastEpochClean: 0, sameIntervalSince: 0 }).sameIntervalSince = this.intervalStart;
    this.pg.saveInfo(t);
    t.omapSetKeys(this.pg.coll, this.pg.meta, new Map([[BIGINFO_KEY, encodeBigInfo(this.past, this.pg.info.purgedSnaps ?? [])]]));
    this.queue(t, () => undefined);
  }

  /** Track intervals without acting on them; true when `m` starts a new interval. */
  private observe(m: PgMapping): boolean {
    const prev = this.mapping;
    this.mapping = m;
    if (prev && !isNewInterval(prev, m)) return false;
    if (prev) this.past.push(closeInterval(prev, this.intervalStart, m.epoch - 1));
    this.intervalStart = m.epoch;
    // on_change: object contexts do not outlive an interval (peering may roll objects back).
    this.pg.obc.clear();
    const les = this.pg.info.history?.lastEpochStarted ?? 0;
    this.past = this.past.filter((i) => i.last >= les);
    return true;
  }

  /** The ops of waitingForMap whose map this PG has now reached; the others keep waiting. */
  takeWaitingForMap(): ClientOp[] {
    const epoch = this.mapping?.epoch ?? 0;
    const due = this.waitingForMap.filter((op) => op.req.osdmapEpoch <= epoch);
    if (due.length) this.waitingForMap = this.waitingForMap.filter((op) => op.req.osdmapEpoch > epoch);
    return due;
  }

  /** PeeringState::start_peering_interval + Reset/Started: drop the old interval's work. */
  private async startInterval(): Promise<void> {
    const m = this.mapping!;
    this.flushing = [...this.commits.values()].filter((c) => c.interval !== this.intervalStart).length;
    this.deferred = [];
    this.waitingForActive = [];
    this.rep = newRepState();
    this.infos = new Map([[this.whoami, this.pg.info]]);
    this.peerMissing = new Map();
    this.ownMissing = new Map();
    this.localActivated = false;
    this.authOsd = -1;
    this.removing = false;
    this.phase = m.primary === this.whoami ? 'reset' : m.acting.includes(this.whoami) || m.up.includes(this.whoami) ? 'replica_activating' : 'stray';
    if (this.phase === 'stray') notifyPrimary(this);
    if (m.primary !== this.whoami) return;
    if (this.flushing) this.deferred.push(() => this.getInfo());
    else await this.getInfo();
  }

  /** GetInfo: the prior set; query every member we can reach (or go down). */
  private async getInfo(): Promise<void> {
    const les = this.pg.info.history?.lastEpochStarted ?? 0;
    this.prior = buildPrior(this.past, les, this.mapping!, this.whoami, this.conf.bug?.skipPastIntervals ?? 0);
    if (this.prior.pgDown) {
      this.phase = 'down';
      return;
    }
    this.phase = 'get_info';
    for (const o of this.prior.probe) this.send(o, { type: 'query' });
    await this.maybeGotInfos();
  }

  private async maybeGotInfos(): Promise<void> {
    if (this.phase !== 'get_info' || this.prior.probe.some((o) => !this.infos.has(o))) return;
    for (const o of this.infos.keys()) noteStray(this, o);
    const all: PeerInfo[] = [...this.infos].map(([osd, info]) => ({ osd, info }));
    const best = findBestInfo(all, this.whoami);
    if (!best) {
      this.phase = 'incomplete';
      return;
    }
    this.wantTemp = chooseActing(this, best.osd);
    if (this.wantTemp) {
      this.phase = 'wait_acting_change';
      this.out.push({ kind: 'pg_temp', want: this.wantTemp });
      return;
    }
    if (best.osd === this.whoami) return this.needUpThru(undefined);
    this.authOsd = best.osd;
    this.phase = 'get_log';
    // Our log does not reach the authoritative tail: we are backfilled, so ask for its listing.
    this.rep.fullLog = !logsOverlap(this.pg.info, best.info);
    this.send(best.osd, { type: 'get_log', full: this.rep.fullLog });
  }

  /**
   * Follow the authoritative log (`auth`, or our own when undefined): adopt it, find what our
   * store lacks against it, persist info and log. Shared by the primary (GetLog) and replicas
   * (activation), as PGLog::merge_log runs on both.
   */
  async mergeAuthoritative(auth: AuthLog | undefined, t: Transaction): Promise<MissingSet> {
    const pg = this.pg;
    const entries = auth ? auth.entries : [...pg.entries];
    const info = auth ? auth.info : pg.info;
    let expected = expectedObjects(entries, info.logTail, pg.entries);
    if (auth?.listing) expected = backfillExpected(listingFrom(auth.listing), await listObjects(this.store, pg.coll), expected);
    if (auth) {
      pg.replaceLog(entries, auth.info, t);
      pg.mergeDups(auth.dups, t);
    }
    this.mergeHistory(info);
    // What this copy already lacked stays lacking, though the entries that said so may be trimmed.
    for (const [k, v] of await loadMissing(this.store, pg)) if (!expected.has(k)) expected.set(k, v);
    const missing = await missingAgainst(this.store, pg.coll, expected);
    writeMissing(t, pg, missing);
    // A backfilled copy is incomplete until it holds every object (never authoritative meanwhile).
    pg.info.incomplete = auth?.listing !== undefined && missing.size > 0;
    return missing;
  }

  /** Our objects as the authoritative copy has them: our listing with what we still lack. */
  async ownListing(): Promise<Listing> {
    const l = await listObjects(this.store, this.pg.coll);
    for (const [k, m] of this.ownMissing) {
      if (m.gone) l.delete(k);
      else l.set(k, { oid: m.oid, version: m.need });
    }
    return [...l.values()].map((v) => [encodeOid(v.oid), evOf(v.version)]);
  }

  /** The copy got its last missing object: a finished backfill makes it complete again. */
  maybeComplete(): void {
    if (this.ownMissing.size || !this.pg.info.incomplete) return;
    this.pg.info.incomplete = false;
    const t = new Transaction();
    this.pg.saveInfo(t);
    this.queue(t, () => undefined);
  }

  /** pg_history_t::merge: the newest of each peering epoch either copy knows. */
  mergeHistory(other: PgInfo): void {
    const h = (this.pg.info.history ??= { lastEpochStarted: 0, lastEpochClean: 0, sameIntervalSince: 0 });
    const o = other.history;
    if (!o) return;
    h.lastEpochStarted = Math.max(h.lastEpochStarted, o.lastEpochStarted);
    h.lastEpochClean = Math.max(h.lastEpochClean, o.lastEpochClean);
  }

  /**
   * WaitUpThru: before the PG may go read-write, the map must record our up_thru at or after the
   * interval's start (MOSDAlive), so a later peering knows this interval may have acked writes.
   * A map that carries no up_thru (the daemon before the mon takes MOSDAlive) skips the wait.
   */
  private async needUpThru(auth: AuthLog | undefined): Promise<void> {
    const m = this.mapping!;
    if (!m.upThru || (m.upThru.get(this.whoami) ?? 0) >= this.intervalStart) return this.activatePrimary(auth);
    this.phase = 'wait_up_thru';
    this.waitingAuth = auth;
    this.out.push({ kind: 'up_thru', epoch: this.intervalStart });
  }
  private waitingAuth: AuthLog | undefined;
  /** The pg_temp asked for in wait_acting_change (resent on the tick until the map changes). */
  private wantTemp: number[] | undefined;

  private async activatePrimary(auth: AuthLog | undefined): Promise<void> {
    const t = new Transaction();
    this.ownMissing = await this.mergeAuthoritative(auth, t);
    // Replicas whose log does not reach the authoritative tail are backfilled from our listing.
    this.rep.backfillTargets = new Set(this.replicas.filter((o) => !logsOverlap(this.infos.get(o) ?? this.pg.info, this.pg.info)));
    if (this.rep.backfillTargets.size) this.rep.listing = await this.ownListing();
    this.pg.info.history!.sameIntervalSince = this.intervalStart;
    this.pg.saveInfo(t);
    this.phase = 'activating';
    this.activateResend = { wait: 1, left: 1 };
    const interval = this.intervalStart;
    this.queue(t, async () => {
      if (interval !== this.intervalStart) return;
      this.localActivated = true;
      await this.maybeAllActivated();
    });
    this.sendActivate(this.replicas);
  }

  sendActivate(to: number[]): void {
    const info = encodeInfo(this.pg.info);
    const entries = this.pg.entries.map(encodeLogEntry);
    const dups = this.pg.dups.map(encodeDup);
    for (const o of to) this.send(o, { type: 'activate', info, entries, dups, objects: this.rep.backfillTargets.has(o) ? this.rep.listing : [] });
  }

  /**
   * all_activated_and_committed: every replica and our own store hold the authoritative log. With
   * min_size copies the PG goes active and records last_epoch_started (so a later peering knows
   * this interval's copies hold every write it may ack); below min_size it is only peered.
   */
  private async maybeAllActivated(): Promise<void> {
    if (this.phase !== 'activating' || !this.localActivated || this.replicas.some((o) => !this.peerMissing.has(o))) return;
    this.phase = 'active';
    this.rep.peeredOnly = this.writeableCopies() < this.mapping!.minSize;
    if (!this.rep.peeredOnly) this.recordStarted();
    await this.hooks.onActive(this);
  }

  /**
   * The acting copies that count toward min_size: every one but a backfill target still lacking
   * objects (and our own copy while it is being backfilled). PeeringState::calc_replicated_acting
   * leaves backfill targets out of the acting set it wants, so a write is never acknowledged with
   * fewer than min_size complete copies: otherwise, once the complete ones fail, the authoritative
   * log comes from an older copy (an incomplete one never holds it) and the acked writes are gone.
   */
  writeableCopies(): number {
    return this.mapping!.acting.filter((o) => (o === this.whoami ? !this.pg.info.incomplete : !this.rep.backfillTargets.has(o) || this.peerMissing.get(o)?.size === 0)).length;
  }

  /**
   * A peered PG whose backfill has brought min_size copies complete goes read-write (Ceph gets
   * there through a new pg_temp and interval; without pg_temp the interval stays). True when it did.
   */
  maybeWriteable(): boolean {
    if (this.phase !== 'active' || !this.rep.peeredOnly || this.writeableCopies() < this.mapping!.minSize) return false;
    this.rep.peeredOnly = false;
    this.recordStarted();
    return true;
  }

  /** last_epoch_started: this interval's copies hold every write it may acknowledge. */
  private recordStarted(): void {
    this.pg.info.lastEpochStarted = this.intervalStart;
    this.pg.info.history!.lastEpochStarted = Math.max(this.pg.info.history!.lastEpochStarted, this.intervalStart);
    const t = new Transaction();
    this.pg.saveInfo(t);
    this.queue(t, () => undefined);
  }

  /** Set by rep-ops.ts / recovery.ts: what runs when the PG goes active and on messages they own. */
  hooks: PeeringHooks = { onActive: async () => undefined, onMessage: () => false, onTick: async () => undefined };

  /**
   * A peer message for this PG (PeeringState::handle_event and the replication messages). The
   * replication ones go to the hook without an async hop: a RepOp and its reply are handled
   * synchronously (rep-ops.ts), and return nothing.
   */
  handle(from: number, msg: PeerMessage): Promise<void> | void {
    if (msg.interval !== this.intervalStart || !this.mapping) return;
    // Held until the flush ends (bounded: a dropped one is resent by its sender's tick).
    if (this.flushing) return void (this.deferred.length < peeringLimits.deferredMax && this.deferred.push(() => this.handle(from, msg)));
    if (!peeringMessageTypes.has(msg.type)) {
      const r = this.hooks.onMessage(this, from, msg);
      return typeof r === 'boolean' ? undefined : r.then(() => undefined);
    }
    return this.handlePeering(from, msg);
  }

  private async handlePeering(from: number, msg: PeerMessage): Promise<void> {
    switch (msg.type) {
      case 'query':
        return this.send(from, { type: 'notify', info: encodeInfo(this.pg.info) });
      case 'get_log':
        return this.send(from, { type: 'log', info: encodeInfo(this.pg.info), entries: this.pg.entries.map(encodeLogEntry), dups: this.pg.dups.map(encodeDup), objects: msg.full ? await this.ownListing() : [] });
      case 'notify':
        if (this.phase !== 'get_info' || !this.prior.probe.includes(from)) return;
        this.infos.set(from, decodeInfo(this.pg.pgid, msg.info));
        return this.maybeGotInfos();
      case 'log':
        if (this.phase !== 'get_log' || from !== this.authOsd) return;
        this.phase = 'activating';
        return this.needUpThru({ info: decodeInfo(this.pg.pgid, msg.info), entries: msg.entries.map(decodeLogEntry), dups: msg.dups.map(decodeDup), listing: this.rep.fullLog ? msg.objects : undefined });
      case 'activate':
        return this.activateReplica(from, msg);
      case 'activated':
        if (this.phase !== 'activating' || this.peerMissing.has(from) || !this.replicas.includes(from)) return;
        this.peerMissing.set(from, decodeMissing(msg.missing));
        return this.maybeAllActivated();
      default:
        await this.hooks.onMessage(this, from, msg);
    }
  }

  /** A replica activates: merge the primary's log, persist, report what it lacks. */
  private async activateReplica(from: number, msg: PeerActivate): Promise<void> {
    if (from !== this.mapping!.primary || !(this.mapping!.acting.includes(this.whoami) || this.mapping!.up.includes(this.whoami))) return;
    if (this.phase === 'replica_active') return this.send(from, { type: 'activated', missing: encodeMissing(this.ownMissing) });
    if (this.phase !== 'replica_activating' || this.rep.activatingReplica) return;
    this.rep.activatingReplica = true;
    const info = decodeInfo(this.pg.pgid, msg.info);
    const t = new Transaction();
    const listing = logsOverlap(this.pg.info, info) ? undefined : msg.objects;
    this.ownMissing = await this.mergeAuthoritative({ info, entries: msg.entries.map(decodeLogEntry), dups: msg.dups.map(decodeDup), listing }, t);
    const m = this.mapping!;
    this.pg.info.history!.sameIntervalSince = this.intervalStart;
    if (m.acting.length >= m.minSize) this.pg.info.lastEpochStarted = this.intervalStart;
    this.pg.info.purgedSnaps = info.purgedSnaps; // proc_primary_info: the primary's purged_snaps (purged-snaps.ts)
    this.pg.saveInfo(t);
    const interval = this.intervalStart;
    this.queue(t, () => {
      if (interval !== this.intervalStart) return;
      this.phase = 'replica_active';
      this.rep.durable = this.pg.info.lastUpdate;
      this.send(from, { type: 'activated', missing: encodeMissing(this.ownMissing) });
    });
  }

  /** A tick of the driver's timer: resend what peering still waits for (messages may be lost). */
  async tick(): Promise<void> {
    if (!this.mapping) return;
    if (this.phase === 'get_info') for (const o of this.prior.probe) if (!this.infos.has(o)) this.send(o, { type: 'query' });
    if (this.phase === 'get_log') this.send(this.authOsd, { type: 'get_log', full: this.rep.fullLog });
    if (this.phase === 'wait_up_thru') this.out.push({ kind: 'up_thru', epoch: this.intervalStart });
    if (this.phase === 'wait_acting_change' && this.wantTemp) this.out.push({ kind: 'pg_temp', want: this.wantTemp });
    if (this.phase === 'activating') this.resendActivate();
    await this.hooks.onTick(this);
  }

  /** Ticks until the activating primary resends its log, and the wait after that (doubling). */
  private activateResend = { wait: 1, left: 1 };

  /** The log again to the replicas that have not answered, after 1, 2, 4... ticks (lossy links). */
  private resendActivate(): void {
    const r = this.activateResend;
    if (--r.left > 0) return;
    r.wait = Math.min(r.wait * 2, peeringLimits.activateResendTicksMax);
    r.left = r.wait;
    this.sendActivate(this.replicas.filter((o) => !this.peerMissing.has(o)));
  }
}

/** The messages PeeringPG handles itself; the others go to its hooks (replication, recovery, scrub). */
const peeringMessageTypes: ReadonlySet<PeerMessage['type']> = new Set<PeerMessage['type']>(['query', 'get_log', 'notify', 'log', 'activate', 'activated']);

export interface PeeringHooks {
  onActive(p: PeeringPG): Promise<void>;
  /** A message peering does not handle itself; true (or a promise of it) when the hook handled it. */
  onMessage(p: PeeringPG, from: number, msg: PeerMessage): Promise<boolean> | boolean;
  onTick(p: PeeringPG): Promise<void>;
}
