import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CephConf, CephError, cephError, Clock, describeLoosePermissions, findLoosePermissions, logger, realClock, TimerHandle } from '@ts-ceph/common';
import { EntityType, EntityAddrvec, Uuid, blankAddr, formatAddr, utimeFromMs } from '@ts-ceph/denc';
import { AuthRegistry, CephxServiceServerProvider, loadKeyRing, OSDCap, RotatingKeyRing, RotatingSecrets, cryptoRandom } from '@ts-ceph/cephx';
import { CephMessage, Connection, Dispatcher, Messenger, messageTypes, Policies } from '@ts-ceph/messenger';
import {
  CEPH_MSG_OSD_OP, Clog, MCommand, MSG_COMMAND, MOSDMap, MOSDOp, MOSDPGCreate2, MOSDPGCreatedCodec, MSG_OSD_PG_CREATE2, MSG_OSD_MARK_ME_DOWN, MOSDMarkMeDownCodec, MOSDBeaconCodec, PAXOS_HEAD_DEFAULT,
} from '@ts-ceph/messages';
import { OSDMap, OsdState, pgKey, PgT, PoolFlag } from '@ts-ceph/maps';
import { NativeStore, ObjectStore } from '@ts-ceph/objectstore';
import { MonClient, monClientFor, resolveClientConfig } from '@ts-ceph/rados';
import { AuthFailureReport } from './auth-failure-report';
import { opReqid, OpSession } from './core/op-engine';
import { PG } from './core/pg';
import { fetchRotatingKeys, mkfsOsd, SessionCaps } from './osd-util';
import { OsdDecision, OsdService, applyMapMessage, osdServiceLimits } from './core/osd-service';
import { WatchDriver, watchConfigFrom } from './watch-driver';
import { SnapTrimmer } from './snap-trimmer';
import { OpEnvCache } from './op-env';
import { OpToken, OsdCommands, TellStatus } from './osd-commands';
import { MapSharer } from './map-share';
import { FullDriver } from './full-driver';
import { answerFailedOp } from './op-reply';
import { buildBootMessage } from './osd-boot';
import { OsdNets } from './osd-nets';
import { MgrClient } from './mgr-client';
import { runPgCommand } from './pg-commands';
import type { PgCommandReq } from './core/tell/pg-command';
import type { TellReply } from './core/tell/tell';
import { PgChains } from './pg-chains';
import { PgDriver, peeringConfFrom } from './pg-driver';
import { blocklistCheckOf } from './pg-replay';
import { storeTraceFor } from './op-trace';
import { ScrubDriver, maxScrubsFrom } from './scrub-driver';
import { storeCacheOptionsFrom } from './memory-report';
import { MemoryDriver, startingCacheOptions } from './memory-driver';
import { memoryTargetConf } from './core/memory-target';

export { mkfsOsd };

const log = logger('osd');

export interface OsdDaemonOptions {
  id: number;
  conf: CephConf;
  /** osd_data: holds the store (block, db/), whoami and fsid. */
  osdData: string;
  clock?: Clock;
  /** Address to bind the public messenger to (default: public_addr, else 127.0.0.1). */
  bindIp?: string;
  /** The key of an encrypted store (ts_osd_dmcrypt_key_file). */
  storePassphrase?: Buffer;
}

/** Named limits of the daemon (docs/LIMITS.md). */
export const osdDaemonLimits = {
  /** Client ops waiting for a newer osdmap at once; more get -EAGAIN. */
  opsWaitingForMapMax: 4096,
  /** How long to wait for the rotating keys after authenticating (ms). */
  rotatingKeysTimeoutMs: 30_000,
  /** How often to check the rotating keys and send a beacon (ms). */
  tickMs: 5_000,
  /** How long a stopping OSD waits for the monitor to ack its MOSDMarkMeDown (ms). */
  markDownTimeoutMs: 5_000,
};

/**
 * ts-osd: authenticates to the monitors as osd.N, fetches its service's rotating keys, boots with
 * its public addrs, and carries every PG it is in the up or acting set of through its replicated
 * core (pg-driver.ts: peering, RepOps, recovery). The op semantics live in core/op-engine.ts.
 */
export class OsdDaemon implements Dispatcher {
  readonly clock: Clock;
  readonly store: ObjectStore;
  readonly keys: RotatingKeyRing;
  readonly msgr: Messenger;
  readonly monc: MonClient;
  osdmap: OSDMap | undefined;
  private readonly pgs = new Map<string, PG>();
  /** Per-PG chain so ops on one PG execute in arrival order (their commits may overlap). */
  private readonly pgQueues = new PgChains();
  private readonly dout = (level: number, m: string): void => log.dout(level, m);
  /** Each op's pool facts and copy-from locator, built once per OSDMap (op-env.ts). */
  private readonly opEnv: OpEnvCache;
  private readonly sessionCaps = new SessionCaps();
  private waitingForMap: { con: Connection; msg: CephMessage; req: MOSDOp }[] = [];
  private readonly service: OsdService;
  private tick: TimerHandle | undefined;
  private stopped = false;
  readonly osdUuid: Uuid;
  readonly watches: WatchDriver;
  private readonly snapTrimmer: SnapTrimmer;
  readonly commands: OsdCommands;
  /** The maps clients with an older epoch get from us (OSDService::maybe_share_map). */
  readonly maps = new MapSharer();
  readonly full: FullDriver;
  readonly mgrc: MgrClient;
  /** Every PG's replicated core (peering, RepOps, recovery) and what carries out its decisions. */
  readonly pgDriver: PgDriver;
  /** Scheduled and requested scrubs of the PGs we are primary of; its cluster log is set at start. */
  readonly scrubs: ScrubDriver;
  /** The osd_memory_target loop (memory-driver.ts). */
  readonly memory: MemoryDriver;
  private clogTo: ((prio: number, msg: string) => void) | undefined;

  private constructor(readonly opts: OsdDaemonOptions, store: ObjectStore, keys: RotatingKeyRing, msgr: Messenger, monc: MonClient, osdUuid: Uuid, readonly nets: OsdNets) {
    this.clock = opts.clock ?? realClock;
    this.store = store;
    this.keys = keys;
    this.msgr = msgr;
    this.monc = monc;
    this.osdUuid = osdUuid;
    this.service = new OsdService(opts.id);
    this.opEnv = new OpEnvCache(opts.id, this.pgs, this.dout);
    // Both write through the PG cores (internal writes: every copy of a replicated PG gets them).
    this.watches = new WatchDriver({ clock: this.clock, store, pgs: this.pgs, submit: (key, op) => this.pgDriver.submitInternal(key, op) }, watchConfigFrom(opts.conf, `osd.${opts.id}`));
    this.snapTrimmer = new SnapTrimmer({ store, clock: this.clock, cores: () => this.pgDriver.cores, submit: (key, op) => this.pgDriver.submitInternal(key, op), call: (key, f) => this.pgDriver.call(key, f) });
    const status = (): TellStatus => ({ clusterFsid: this.osdmap?.fsid ?? '', osdFsid: osdUuid, whoami: opts.id, state: this.stopped ? 'stopping' : this.service.isBooted ? 'active' : 'preboot', oldestMap: Math.min(this.epoch, this.maps.history.oldestShareable), newestMap: this.epoch, numPgs: this.pgs.size });
    const mappedPools = (): number[] => [...new Set([...this.pgs.values()].map((p) => p.pgid.pool))].sort((a, b) => a - b);
    this.commands = new OsdCommands({ id: opts.id, conf: opts.conf, clock: this.clock, store, status, mappedPools, upFrom: () => this.osdmap?.osdInfo[opts.id]?.upFrom ?? this.epoch, pgCommand: (req) => this.pgCommand(req), hbPingtimes: () => nets.heartbeat.pingTimes.pingtimes(), pgs: () => this.pgs.values(), monConfig: (n) => monc.config.get(n), monConfigAll: () => monc.config, cacheBudget: () => this.memory.budget });
    this.memory = new MemoryDriver({ clock: this.clock, store, option: (n) => this.commands.config.get(n), fixed: storeCacheOptionsFrom(opts.conf, `osd.${opts.id}`) });
    nets.attach({ osdmap: () => this.osdmap, pgs: () => this.pgList(), sendMon: (m) => this.monc.send(m), monConnected: () => this.monc.isConnected, wantNewerMap: (e) => this.monc.subscribe('osdmap', e) });
    this.mgrc = new MgrClient({ id: opts.id, store, pgs: this.pgs, monc, clock: this.clock, osdmap: () => this.osdmap, fsid: () => (this.osdmap?.fsid ?? '') as Uuid, upFrom: () => this.osdmap?.osdInfo[opts.id]?.upFrom ?? 0, perf: this.commands.perf, pgIo: this.commands.pgIo, pgState: (key) => this.pgDriver.pgStateBits(key), core: (key) => this.pgDriver.cores.get(key), scrubState: (key) => this.pgDriver.cores.get(key)?.scrub, onScrub: (m) => this.scrubs.handleScrub2(m), configBlobs: () => this.commands.configBlobs(), heartbeat: () => ({ peers: nets.heartbeat.core.peerIds, pingtimes: nets.heartbeat.pingTimes.pingtimes() }) });
    this.pgDriver = new PgDriver({ id: opts.id, clock: this.clock, store, osdmap: () => this.osdmap, peers: nets.peers, sendMon: (m) => this.monc.send(m), conf: peeringConfFrom(opts.conf, `osd.${opts.id}`), pgs: this.pgs, pgQueues: this.pgQueues, noteCommit: () => this.full.noteCommit(), noteRecoveryOps: (n) => this.commands.perf.inc('recovery_ops', n), osdUuid });
    this.scrubs = new ScrubDriver({ clock: this.clock, pgDriver: this.pgDriver, osdmap: () => this.osdmap, clog: (p, m) => this.clogTo?.(p, m), maxScrubs: maxScrubsFrom(opts.conf, `osd.${opts.id}`) });
    this.full = new FullDriver({ id: opts.id, store, monc, clock: this.clock, osdmap: () => this.osdmap, failsafeRatio: Number(opts.conf.get('osd_failsafe_full_ratio', `osd.${opts.id}`) ?? 0.97) });
  }

  static async start(opts: OsdDaemonOptions): Promise<OsdDaemon> {
    const entity = `osd.${opts.id}`;
    const name = { type: EntityType.OSD, id: String(opts.id) };
    const cfg = resolveClientConfig(opts.conf, name);
    if (!cfg.keyringPath || !cfg.key) throw cephError('ENOENT', `no keyring with a key for ${entity}`);
    // The keyring and the object store are owner-only (ts-osd's umask 077); report one opened up.
    const loose = describeLoosePermissions(entity, findLoosePermissions([opts.osdData, cfg.keyringPath]));
    for (const line of loose) log.warn(line);
    const keyring = loadKeyRing(cfg.keyringPath);
    const fsidFile = join(opts.osdData, 'fsid');
    if (!existsSync(fsidFile)) throw cephError('ENOENT', `${opts.osdData} has no fsid: run ts-osd --mkfs first`);
    const osdUuid = readFileSync(fsidFile, 'utf8').trim() as Uuid;
    const store = new NativeStore({ path: opts.osdData, passphrase: opts.storePassphrase, trace: storeTraceFor(opts.id), ...startingCacheOptions(memoryTargetConf((n) => opts.conf.get(n, entity)), storeCacheOptionsFrom(opts.conf, entity)) });
    await store.mount();
    const keys = new RotatingKeyRing(EntityType.OSD, keyring);
    const registry = new AuthRegistry(EntityType.OSD, cfg.authSettings);
    const msgr = new Messenger({
      entityType: EntityType.OSD,
      authServer: new CephxServiceServerProvider({ rng: cryptoRandom, keys, registry }),
      defaultPolicy: Policies.statelessServer(),
    });
    const ip = opts.bindIp ?? opts.conf.get('public_addr', entity)?.replace(/:.*$/, '') ?? '127.0.0.1';
    const addrs = await msgr.bind(ip, 0);
    const monc = monClientFor(cfg, { myAddrs: () => addrs });
    const nets = await OsdNets.bind({ id: opts.id, conf: opts.conf, clock: opts.clock ?? realClock, keys, registry, publicIp: ip, authClient: () => monc.authClient });
    const d = new OsdDaemon(opts, store, keys, msgr, monc, osdUuid, nets);
    msgr.addDispatcher(d);
    const report = new AuthFailureReport({ id: opts.id, clock: d.clock, fsid: () => monc.fsid, addrs: () => msgr.addrs, sendMon: (m) => monc.send(m) });
    msgr.addDispatcher(report);
    d.clogTo = (p, m) => report.clog(p, m);
    await d.pgDriver.load();
    d.storedMap = await d.pgDriver.maps.load();
    await d.run();
    // Authenticated now: the loose-permission warnings go to the cluster log too.
    for (const line of loose) report.clog(Clog.WARN, line);
    await d.commands.openAdminSocket();
    return d;
  }

  get addrs(): EntityAddrvec {
    return this.msgr.addrs;
  }

  get epoch(): number {
    return this.osdmap?.epoch ?? 0;
  }

  private async run(): Promise<void> {
    this.monc.on('osdmap', (m: MOSDMap) => this.handleOsdMap(m));
    this.monc.on('message', ({ msg, payload }) => this.handleMonMessage(msg, payload));
    await this.monc.authenticate(30_000);
    await fetchRotatingKeys(this.monc, this.keys, this.clock, osdDaemonLimits.rotatingKeysTimeoutMs);
    await this.updateCrushLocation();
    // OSD::start_boot asks for the maps after the newest it stored: the epochs it missed while down.
    this.monc.subscribe('osdmap', this.storedMap?.epoch ?? 0);
    // OSD::_send_boot's sub_want("osd_pg_creates"): the monitor sends pg_create2 on this subscription.
    this.monc.subscribe('osd_pg_creates', 0);
    this.mgrc.start();
    this.scheduleTick();
    this.pgDriver.startTicks();
    this.scrubs.start();
    this.memory.start();
    log.dout(0, `osd.${this.opts.id} ${this.osdUuid} listening on ${this.addrs.map(formatAddr).join(',')}`);
  }

  /**
   * OSD::update_crush_device_class + update_crush_location (osd_crush_update_on_start): the OSD puts
   * itself under host=<hostname> root=default with its capacity in TiB as weight, or its PGs map to
   * nobody.
   */
  private async updateCrushLocation(): Promise<void> {
    const id = this.opts.id;
    const total = (await this.store.statfs()).total;
    const weight = Math.max(0.00001, total / 2 ** 40).toFixed(4);
    const cls = await this.monc.command({ prefix: 'osd crush set-device-class', class: 'hdd', ids: [String(id)] }, Buffer.alloc(0), 30_000);
    if (cls.r < 0) log.dout(0, `set-device-class: ${cls.rs}`);
    const r = await this.monc.command({ prefix: 'osd crush create-or-move', id, weight: Number(weight), args: [`host=${hostname().split('.')[0]}`, 'root=default'] }, Buffer.alloc(0), 30_000);
    if (r.r < 0) throw cephError('EINVAL', `osd crush create-or-move: ${r.rs}`);
    log.dout(1, `crush location: ${r.rs}`);
  }

  private scheduleTick(): void {
    if (this.stopped) return;
    this.tick = this.clock.setTimeout(() => {
      this.onTick();
      this.scheduleTick();
    }, osdDaemonLimits.tickMs);
  }

  /** Carry out the service core's decisions (boot, beacon, subscribe, waiting ops). */
  private act(decisions: OsdDecision[]): void {
    for (const d of decisions) {
      // A stopping OSD (state STOPPING) never boots again: the map marking it down on its own
      // MOSDMarkMeDown can arrive before the ack.
      if (d.kind === 'boot') {
        if (!this.stopped) this.sendBoot();
      }
      else if (d.kind === 'subscribe') this.monc.subscribe('osdmap', d.from);
      else if (d.kind === 'beacon') this.sendBeacon(d.epoch, d.pgs);
      else {
        const waiting = this.waitingForMap;
        this.waitingForMap = [];
        for (const w of waiting) this.dispatchOp(w.con, w.msg, w.req);
      }
    }
  }

  private pgList(): PgT[] {
    return [...this.pgs.values()].map((p) => p.pgid);
  }

  /**
   * OSD::send_beacon: without beacons the monitor marks us down after mon_osd_report_timeout. We
   * report our PGs (all "clean": size-1 pools have nothing to recover) and the current epoch as
   * min_last_epoch_clean.
   */
  private sendBeacon(epoch: number, pgs: PgT[]): void {
    this.monc.send(
      messageTypes.build(MOSDBeaconCodec, {
        paxos: { ...PAXOS_HEAD_DEFAULT, version: epoch },
        pgs,
        minLastEpochClean: epoch,
        lastPurgedSnapsScrub: { sec: 0, nsec: 0 },
        osdBeaconReportIntervalSec: Math.round(osdServiceLimits.beaconIntervalMs / 1000),
      }),
    );
  }


  private onTick(): void {
    this.act(this.service.onTick(this.osdmap, this.clock.now(), this.monc.isConnected, this.pgList()));
    // PGs that were peering or recovering at the map that removed a snap trim once active and clean.
    this.snapTrimmer.kick(this.osdmap);
    void this.full.check();
    const s = this.monc.authClient?.rotatingSecrets as RotatingSecrets | undefined;
    if (s && s !== this.keys.secrets) this.keys.setSecrets(s);
    if (this.keys.needNewSecrets(this.clock.wallNow() - 30_000)) {
      try {
        this.monc.requestRotatingKeys();
      } catch (e) {
        log.dout(0, `rotating keys: ${(e as Error).message}`);
      }
    }
  }

  // ---- osdmap ---------------------------------------------------------------------------------------

  private handleOsdMap(m: MOSDMap): void {
    let r: ReturnType<typeof applyMapMessage>;
    try {
      r = applyMapMessage(this.osdmap ?? this.storedMap, m);
      const from = this.osdmap?.epoch ?? 0;
      for (const [e, bytes] of m.incrementalMaps) if (r.map && e > from && e <= r.map.epoch) this.maps.history.addIncremental(e, bytes);
    } catch (e) {
      log.dout(0, `bad osdmap: ${(e as Error).message}`);
      return;
    }
    if (!r.map || (r.map === this.osdmap && r.missingFrom === undefined)) return;
    this.osdmap = r.map;
    log.dout(10, `osdmap e${r.map.epoch}`);
    const decisions = this.service.onMap(r.map, this.clock.now(), this.monc.isConnected, this.pgList(), r.missingFrom);
    // The PGs' map advances are queued before the ops that waited for this map run again, so each
    // such op finds its PG at the map it was sent with (in the PG's chain, behind the advance).
    this.pgDriver.onMaps(r.maps.length ? r.maps : [r.map], m.incrementalMaps);
    // Behind the PGs' advances in their chains: a blocklisted client's watches go (watch-driver.ts).
    this.watches.onMap(blocklistCheckOf(r.map));
    this.act(decisions);
    this.snapTrimmer.kick(r.map);
    this.nets.onMap(r.map);
    this.full.maybeReport();
  }

  private sendBoot(): void {
    log.dout(1, `booting at e${this.osdmap!.epoch}`);
    this.monc.send(buildBootMessage({ map: this.osdmap!, whoami: this.opts.id, osdUuid: this.osdUuid, publicAddrs: this.addrs, nets: this.nets, osdData: this.opts.osdData }));
  }

  // ---- PG creation ---------------------------------------------------------------------------------

  private handleMonMessage(msg: CephMessage, payload: unknown): void {
    if (msg.type === MSG_OSD_MARK_ME_DOWN) return this.markDownAcked?.();
    if (msg.type !== MSG_OSD_PG_CREATE2) return;
    void this.handlePgCreate(payload as MOSDPGCreate2).catch((e) => log.dout(0, `pg_create2 failed: ${(e as Error).message}`));
  }

  private async handlePgCreate(m: MOSDPGCreate2): Promise<void> {
    for (const [spg] of m.pgs) {
      const key = pgKey(spg.pgid);
      await new Promise<void>((resolve) => this.pgDriver.enqueue(key, () => this.pgDriver.ensure(spg.pgid, this.epoch).then(() => undefined).finally(resolve)));
      this.monc.send(messageTypes.build(MOSDPGCreatedCodec, { paxos: PAXOS_HEAD_DEFAULT, pgid: spg.pgid }));
    }
  }

  /** `ceph pg PGID query` and the other pg commands, answered by the PG's core (pg-commands.ts). */
  private pgCommand(req: PgCommandReq): Promise<TellReply> {
    const d = this.pgDriver;
    return runPgCommand(req, { cores: d.cores, phases: d.phaseClock, osdmap: () => this.osdmap, nowMs: () => this.clock.wallNow(), enqueue: (k, f) => d.enqueue(k, f), pgStat: (pg) => this.mgrc.pgStat(pg) });
  }

  // ---- client ops ----------------------------------------------------------------------------------

  msDispatch(con: Connection, msg: CephMessage, payload: unknown): void {
    if (msg.type === MSG_COMMAND) return this.commands.handle(con, msg, payload as MCommand);
    if (msg.type !== CEPH_MSG_OSD_OP) return;
    this.dispatchOp(con, msg, payload as MOSDOp);
  }

  msHandleReset(con: Connection, _error: CephError): void {
    this.watches.handleReset(con);
  }

  private dispatchOp(con: Connection, msg: CephMessage, req: MOSDOp): void {
    if (this.service.admitOp(this.osdmap, req.osdmapEpoch) === 'wait') {
      // OSD::handle_op waits for the client's map (require_same_or_newer_map).
      if (this.waitingForMap.length < osdDaemonLimits.opsWaitingForMapMax) this.waitingForMap.push({ con, msg, req });
      this.monc.subscribe('osdmap', this.epoch + 1);
      return;
    }
    const key = pgKey(req.pgid.pgid);
    if (this.pgDriver.trace.on) this.pgDriver.trace.mark('dispatch', key, msg.tid);
    const track = this.commands.opStarted(con, msg, req);
    this.pgQueues.enqueue(
      key,
      () => this.runOp(con, msg, req, track),
      // An exception before the reply went out still answers the client (-EIO), and the PG's chain goes on.
      (e) => answerFailedOp(con, msg, req, this.epoch, e, (l, m) => log.dout(l, m)),
      () => this.commands.opDropped(track),
    );
  }

  /**
   * One op in its PG's order: build its environment and hand it to the PG's core (pg-driver.ts),
   * which answers once every copy in the acting set has it durable, or drops it when we are not
   * the PG's primary (the client resends with the map that names the right one).
   */
  private runOp(con: Connection, msg: CephMessage, req: MOSDOp, track: OpToken): Promise<void> | void {
    req.reqid = opReqid(req, con.peerName, msg.tid);
    const map = this.osdmap!;
    this.commands.mark(track, 'started');
    this.maps.maybeShare(con, req.osdmapEpoch, map);
    const pgid = req.pgid.pgid;
    const meta = con.protocol?.meta;
    const session: OpSession = { allowAll: meta?.peerCaps?.allowAll ?? false, cap: this.sessionCaps.get(con, meta?.peerCaps?.text) };
    const env = {
      now: utimeFromMs(this.clock.wallNow()),
      pool: this.opEnv.pool(map, pgid.pool),
      session,
      origin: { name: req.reqid.name, addr: con.peerAddrs?.[0] ?? blankAddr() },
      log: this.dout,
      client: con,
      watches: this.watches.registry,
      copySource: this.opEnv.copySource(map),
      failsafeFull: this.full.failsafe,
    };
    return this.pgDriver.op(pgKey(pgid), { req, env }, { con, msg, req, done: (sent) => sent && this.commands.opDone(track, req, sent) });
  }

  /**
   * OSD::shutdown's prepare_to_stop: MOSDMarkMeDown with request_ack, and wait (at most
   * `markDownTimeoutMs`) for the monitor's ack so `ceph osd tree` shows us down at once.
   */
  private async markMeDown(): Promise<void> {
    const map = this.osdmap;
    if (!map || !this.monc.isConnected || !(this.opts.id < map.maxOsd && map.osdState[this.opts.id]! & OsdState.UP)) return;
    await new Promise<void>((resolve) => {
      const timer = this.clock.setTimeout(resolve, osdDaemonLimits.markDownTimeoutMs);
      this.markDownAcked = () => {
        log.dout(1, 'mark_me_down acked by the monitor');
        timer.cancel();
        resolve();
      };
      this.monc.send(
        messageTypes.build(MOSDMarkMeDownCodec, {
          paxos: { ...PAXOS_HEAD_DEFAULT, version: map.epoch },
          fsid: map.fsid,
          targetOsd: this.opts.id,
          targetAddrs: this.addrs,
          epoch: map.epoch,
          requestAck: true,
          downAndDead: false,
        }),
      );
    });
  }

  private markDownAcked: (() => void) | undefined;
  /** The newest map stored before this start: the base the monitor's incrementals apply to. */
  private storedMap: OSDMap | undefined;

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.tick?.cancel();
    this.pgDriver.stop();
    this.scrubs.stop();
    this.memory.stop();
    this.watches.stop();
    this.full.stop();
    await this.commands.closeAdminSocket();
    await this.markMeDown().catch(() => undefined);
    await this.mgrc.stop();
    await this.monc.shutdown();
    await Promise.all([this.msgr.shutdown(), this.nets.shutdown()]);
    await Promise.allSettled([...this.pgQueues.values()]);
    await this.pgDriver.maps.flush();
    await this.store.umount();
  }
}

