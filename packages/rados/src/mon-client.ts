import { hostname } from 'node:os';
import { CephError, cephError, Clock, logger, realClock, TimerHandle, Errno, errnoName, strerror } from '@ts-ceph/common';
import { EntityAddr, EntityAddrvec, EntityName, EntityType, formatAddr, Reader, Uuid, UUID_NIL } from '@ts-ceph/denc';
import { decodeMonMap, MonMap } from '@ts-ceph/maps';
import { AuthClientProvider, CephMessage, Connection, Dispatcher, Messenger, messageTypes, Policies, TransportFactory } from '@ts-ceph/messenger';
import {
  MAuthCodec,
  MAuthReply,
  MConfig,
  MMgrMap,
  MMonCommandAck,
  MMonGetMapCodec,
  MMonGetVersionReply,
  MMonMap,
  MMonSubscribeCodec,
  MOSDMap,
  mAuth,
  CEPH_MSG_AUTH_REPLY,
  CEPH_MSG_MON_GET_VERSION_REPLY,
  CEPH_MSG_MON_MAP,
  CEPH_MSG_OSD_MAP,
  MSG_CONFIG,
  MSG_MGR_MAP,
  MSG_MON_COMMAND_ACK,
} from '@ts-ceph/messages';
import { MonSub } from './core/mon-sub';
import { HuntRound, huntCandidates, InitialMon } from './mon-host';
import { CommandResult, MonRequests } from './mon-requests';

export type { CommandResult } from './mon-requests';

const log = logger('monc');

/** What MonClient needs from cephx beyond the messenger seam (ticket renewal over MAuth). */
export interface MonAuthClient extends AuthClientProvider {
  readonly globalId: bigint;
  needTickets?(): boolean;
  buildRenewalRequest?(): Buffer;
  handleMAuthReply?(result: number, globalId: bigint, payload: Buffer): 'again' | 'done';
  /** Daemons: the MAuth payload asking for our service's rotating secrets, and what came back. */
  buildRotatingRequest?(): Buffer;
  readonly rotatingSecrets?: unknown;
}

export interface MonClientOptions {
  name: EntityName;
  /** The monitors to start from (mon_host); replaced by the monmap once we have it. */
  initialMons: InitialMon[];
  /** Builds the auth provider for one messenger (cephx or none); called per session. */
  auth: () => MonAuthClient;
  clock?: Clock;
  transports?: TransportFactory;
  /** mon_client_hunt_parallel: monitors tried at once. */
  huntParallel?: number;
  /** mon_client_hunt_interval: how long one round of hunting may take before the next (ms). */
  huntIntervalMs?: number;
  /** mon_client_ping_interval / mon_client_ping_timeout (ms). */
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
  /** ms_connection_ready_timeout for each mon connection (ms). */
  connectTimeoutMs?: number;
  /** Daemons: the public addrs to announce to the monitor (the OSD's bound messenger's). */
  myAddrs?: () => EntityAddrvec;
}

type MapEvent = 'monmap' | 'config' | 'osdmap' | 'mgrmap' | 'auth' | 'message';

/**
 * A monitor client (src/mon/MonClient.cc): hunts for a monitor over mon_host, authenticates through
 * the messenger's auth seam, keeps the monmap, subscriptions, commands and version queries, sends
 * keepalives and re-hunts when the session goes quiet. One MonClient is one session at a time;
 * `bootstrap()` is get_monmap_and_config (a throw-away session that learns the monmap and config).
 */
export class MonClient implements Dispatcher {
  readonly clock: Clock;
  monmap: MonMap | undefined;
  config = new Map<string, string>();
  readonly sub = new MonSub();
  private messenger: Messenger | undefined;
  private auth: MonAuthClient | undefined;
  private readonly pending = new Set<Connection>();
  private active: Connection | undefined;
  private waiting: CephMessage[] = [];
  private readonly requests: MonRequests;
  private authWaiters: { resolve(): void; reject(e: CephError): void }[] = [];
  private authErr: CephError | undefined;
  private authenticated = false;
  private tickTimer: TimerHandle | undefined;
  private lastKeepaliveMs = 0;
  private readonly hunt = new HuntRound();
  private readonly listeners = new Map<MapEvent, ((v: unknown) => void)[]>();
  private stopped = false;
  readonly opts: Required<Omit<MonClientOptions, 'clock' | 'transports' | 'myAddrs'>> & Pick<MonClientOptions, 'transports' | 'myAddrs'>;

  constructor(opts: MonClientOptions) {
    this.clock = opts.clock ?? realClock;
    this.opts = {
      huntParallel: 3,
      huntIntervalMs: 3000,
      pingIntervalMs: 10_000,
      pingTimeoutMs: 30_000,
      connectTimeoutMs: 10_000,
      ...opts,
    };
    this.requests = new MonRequests({
      clock: this.clock,
      fsid: () => this.fsid,
      sendNow: (m) => {
        if (!this.active?.isConnected) return false;
        this.active.send(m);
        return true;
      },
      sendMon: (m) => this.sendMon(m),
    });
  }

  get fsid(): Uuid {
    return this.monmap?.fsid ?? UUID_NIL;
  }

  get globalId(): bigint {
    return this.auth?.globalId ?? 0n;
  }

  get isConnected(): boolean {
    return this.active !== undefined && this.active.isConnected;
  }

  /** The monitor we are talking to. */
  get activeAddr(): EntityAddr | undefined {
    return this.active?.targetAddr;
  }

  /** The messenger connection of the current session (for its mode, features, peer). */
  get activeConnection(): Connection | undefined {
    return this.active;
  }

  on(ev: 'monmap', fn: (m: MonMap) => void): void;
  on(ev: 'config', fn: (c: Map<string, string>) => void): void;
  on(ev: 'osdmap', fn: (m: MOSDMap) => void): void;
  on(ev: 'mgrmap', fn: (m: MMgrMap) => void): void;
  /** An MAuthReply on the established session (ticket renewal): the mon's result and ours. */
  on(ev: 'auth', fn: (r: { result: number; outcome: 'again' | 'done' | 'error'; error?: string }) => void): void;
  /** Any other message from the monitor (daemons: pg_create2, acks of their reports). */
  on(ev: 'message', fn: (m: { msg: CephMessage; payload: unknown }) => void): void;
  on(ev: MapEvent, fn: (v: never) => void): void {
    const l = this.listeners.get(ev) ?? [];
    l.push(fn as (v: unknown) => void);
    this.listeners.set(ev, l);
  }

  off(ev: MapEvent, fn: (v: never) => void): void {
    this.listeners.set(
      ev,
      (this.listeners.get(ev) ?? []).filter((f) => f !== fn),
    );
  }

  /**
   * get_monmap_and_config: a temporary session that authenticates, receives the monmap and the
   * config, and closes. Afterwards `monmap` and `config` are set.
   */
  async bootstrap(timeoutMs: number): Promise<void> {
    let gotConfig = false;
    let onConfig = () => {};
    let onMonmap = () => {};
    const done = new Promise<void>((resolve) => {
      const check = () => gotConfig && (this.monmap?.epoch ?? 0) > 0 && resolve();
      onConfig = () => {
        gotConfig = true;
        check();
      };
      onMonmap = check;
    });
    this.on('config', onConfig);
    this.on('monmap', onMonmap);
    try {
      await this.authenticate(timeoutMs);
      await this.withTimeout(done, timeoutMs, 'waiting for the monmap and config');
    } finally {
      this.off('config', onConfig);
      this.off('monmap', onMonmap);
      await this.closeSession();
    }
  }

  /**
   * Open a session and authenticate (MonClient::authenticate): resolves once a monitor accepted us
   * and sent its monmap; rejects with the auth error (EACCES ...) as soon as every monitor tried
   * refused us, or ETIMEDOUT after `timeoutMs`.
   */
  async authenticate(timeoutMs: number): Promise<void> {
    if (this.stopped) throw cephError('ESHUTDOWN', 'MonClient is shut down');
    if (this.authenticated && this.active) return;
    this.sub.want('monmap', this.monmap?.epoch ? this.monmap.epoch + 1 : 0, 0);
    this.sub.want('config', 0, 0);
    this.authErr = undefined;
    const p = new Promise<void>((resolve, reject) => this.authWaiters.push({ resolve, reject }));
    if (!this.messenger) this.reopenSession();
    await this.withTimeout(p, timeoutMs, 'authenticating with the monitors');
  }

  /** sub_want + renew: ask for map `what` from epoch `start` (0: the current one). */
  subscribe(what: string, start: number, flags = 0): void {
    if (this.sub.want(what, start, flags)) this.renewSubs();
  }

  /** Send a message to the monitor of the session (queued until there is one). */
  send(m: CephMessage): void {
    this.sendMon(m);
  }

  /** MonClient::_check_auth_rotating: ask for our service's rotating secrets (daemons). */
  requestRotatingKeys(): void {
    const a = this.auth;
    if (!a?.buildRotatingRequest) throw cephError('EOPNOTSUPP', 'the auth method has no rotating keys');
    this.sendMon(messageTypes.build(MAuthCodec, mAuth(2, a.buildRotatingRequest(), this.monmap?.epoch ?? 0)));
  }

  /** The auth provider of the current session (its tickets, rotating secrets). */
  get authClient(): MonAuthClient | undefined {
    return this.auth;
  }

  /** Send a command to the monitors (MMonCommand) and wait for its MMonCommandAck. */
  command(cmd: object | string[], inbl: Buffer = Buffer.alloc(0), timeoutMs = 0): Promise<CommandResult> {
    if (this.stopped) return Promise.reject(cephError('ESHUTDOWN', 'MonClient is shut down'));
    return this.requests.command(cmd, inbl, timeoutMs);
  }

  /** MMonGetVersion: the newest (and oldest) version of map `what`. */
  getVersion(what: string): Promise<MMonGetVersionReply> {
    return this.requests.getVersion(what);
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    const err = cephError('ESHUTDOWN', 'MonClient shut down');
    this.requests.failCommands(err);
    this.failAuth(err);
    await this.closeSession();
  }

  // ---- session management ------------------------------------------------------------------------

  private async closeSession(): Promise<void> {
    this.tickTimer?.cancel();
    const m = this.messenger;
    this.messenger = undefined;
    this.active = undefined;
    this.pending.clear();
    this.authenticated = false;
    this.sub.reload();
    await m?.shutdown();
  }

  /** _reopen_session: drop the current session and hunt over the next batch of monitors. */
  private reopenSession(): void {
    if (this.stopped) return;
    const old = this.messenger;
    this.active = undefined;
    this.pending.clear();
    void old?.shutdown();
    this.auth = this.opts.auth();
    const m = new Messenger({
      // Our own entity type (a daemon's MonClient says OSD in HELLO, as Ceph's messenger does).
      entityType: this.opts.name.type,
      authClient: this.auth,
      clock: this.clock,
      transports: this.opts.transports,
      defaultPolicy: Policies.lossyClient(),
      connectTimeoutMs: this.opts.connectTimeoutMs,
    });
    m.addDispatcher(this);
    // A daemon's entity_name_t is its type and id (osd.3 is OSD 3), not its global id.
    if (this.opts.name.type !== EntityType.CLIENT && /^\d+$/.test(this.opts.name.id)) m.setMyGid(BigInt(this.opts.name.id));
    const mine = this.opts.myAddrs?.();
    if (mine?.length) m.setAddrs(mine);
    this.messenger = m;
    this.waiting = [];
    this.requests.failVersionQueries();
    try {
      for (const addr of this.hunt.next(huntCandidates(this.monmap, this.opts.initialMons), this.opts.huntParallel)) {
        log.dout(10, `picked mon at ${formatAddr(addr)}`);
        const con = m.connectTo(addr, EntityType.MON);
        this.pending.add(con);
        // MonConnection::start: a msgr2 session begins with mon_getmap, queued before the handshake.
        con.send(messageTypes.build(MMonGetMapCodec, {}));
      }
      if (this.sub.reload()) this.renewSubs();
    } finally {
      // Whatever happened, the next tick hunts again: a failed reopen must not end the hunting.
      this.scheduleTick();
    }
  }

  private scheduleTick(): void {
    this.tickTimer?.cancel();
    const ms = this.active ? this.opts.pingIntervalMs : this.opts.huntIntervalMs;
    this.tickTimer = this.clock.setTimeout(() => this.tick(), ms);
  }

  /** MonClient::tick: keep hunting, or keep the session alive and fresh. */
  private tick(): void {
    // A timer callback: nothing may escape it (an uncaught exception ends the process).
    try {
      this.tickOnce();
    } catch (e) {
      const err = e instanceof CephError ? e : cephError('EIO', (e as Error).message ?? String(e), { cause: e });
      log.dout(0, `tick failed: ${err.message}`);
      this.lastError = err;
      this.failAuth(err);
      if (!this.stopped) this.scheduleTick();
    }
  }

  private tickOnce(): void {
    if (this.stopped || !this.messenger) return;
    if (!this.active) {
      log.dout(1, 'continuing hunt');
      this.reopenSession();
      return;
    }
    this.checkAuthTickets();
    const now = this.clock.wallNow();
    if (now - this.lastKeepaliveMs >= this.opts.pingIntervalMs) {
      this.active.sendKeepalive();
      this.lastKeepaliveMs = now;
      const ack = this.active.lastKeepaliveAckMs;
      if (ack && now - ack > this.opts.pingTimeoutMs) {
        log.dout(1, `no keepalive ack for ${now - ack} ms, reconnecting`);
        this.reopenSession();
        return;
      }
    }
    this.scheduleTick();
  }

  private finishHunting(con: Connection): void {
    this.active = con;
    for (const p of this.pending) if (p !== con) p.markDown();
    this.pending.clear();
    if (this.opts.name.type === EntityType.CLIENT) this.messenger?.setMyGid(this.auth?.globalId ?? -1n);
    log.dout(1, `found mon at ${con.targetAddr ? formatAddr(con.targetAddr) : '?'}`);
    const w = this.waiting;
    this.waiting = [];
    for (const m of w) con.send(m);
    this.requests.resendCommands();
    this.lastKeepaliveMs = this.clock.wallNow();
    this.active.lastKeepaliveAckMs = this.lastKeepaliveMs;
    this.scheduleTick();
    if ((this.monmap?.epoch ?? 0) > 0) this.finishAuth();
  }

  private finishAuth(): void {
    if (this.authenticated) return;
    this.authenticated = true;
    const w = this.authWaiters;
    this.authWaiters = [];
    for (const x of w) x.resolve();
  }

  private failAuth(e: CephError): void {
    this.authErr = e;
    const w = this.authWaiters;
    this.authWaiters = [];
    for (const x of w) x.reject(e);
  }

  private renewSubs(): void {
    if (!this.sub.haveNew()) return;
    if (!this.messenger) return this.reopenSession();
    this.sendMon(messageTypes.build(MMonSubscribeCodec, { what: this.sub.newSubs(), hostname: hostname().split('.')[0] ?? '' }));
    this.sub.renewed();
  }

  private sendMon(m: CephMessage): void {
    if (this.active) this.active.send(m);
    else this.waiting.push(m);
  }

  private checkAuthTickets(): void {
    const a = this.auth;
    if (!this.active || !a?.needTickets?.() || !a.buildRenewalRequest) return;
    log.dout(10, 'getting new tickets');
    this.sendMon(messageTypes.build(MAuthCodec, mAuth(2, a.buildRenewalRequest(), this.monmap?.epoch ?? 0)));
  }

  private withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
    if (!(ms > 0)) return p;
    return new Promise<T>((resolve, reject) => {
      const t = this.clock.setTimeout(() => {
        const e = cephError('ETIMEDOUT', `timed out after ${ms} ms ${what}${this.lastError ? ` (last error: ${this.lastError.message})` : ''}`);
        this.failAuth(e);
        reject(e);
      }, ms);
      p.then(
        (v) => {
          t.cancel();
          resolve(v);
        },
        (e) => {
          t.cancel();
          reject(e);
        },
      );
    });
  }

  private lastError: CephError | undefined;

  private emit(ev: MapEvent, v: unknown): void {
    for (const fn of this.listeners.get(ev) ?? []) fn(v);
  }

  // ---- Dispatcher ----------------------------------------------------------------------------------

  msHandleConnect(con: Connection): void {
    if (this.pending.has(con)) this.finishHunting(con);
  }

  msHandleReset(con: Connection, error: CephError): void {
    this.lastError = error;
    if (this.pending.delete(con)) {
      log.dout(10, `mon connection failed: ${error.message}`);
      // handle_auth_bad_method: when the last candidate refuses us, authentication fails now.
      if (isAuthError(error) && this.pending.size === 0) {
        this.failAuth(authFailure(error));
        void this.closeSession();
      }
      return;
    }
    if (con === this.active) {
      log.dout(1, `lost the mon session: ${error.message}`);
      this.authenticated = false;
      this.reopenSession();
    }
  }

  msDispatch(con: Connection, msg: CephMessage, payload: unknown): void {
    if (con !== this.active && !this.pending.has(con)) return;
    switch (msg.type) {
      case CEPH_MSG_MON_MAP:
        return this.handleMonmap((payload as MMonMap).monmap);
      case MSG_CONFIG:
        this.config = (payload as MConfig).config;
        this.sub.got('config', 0);
        return this.emit('config', this.config);
      case MSG_MGR_MAP: {
        const mm = payload as MMgrMap;
        this.sub.got('mgrmap', mm.epoch);
        return this.emit('mgrmap', mm);
      }
      case CEPH_MSG_OSD_MAP: {
        const om = payload as MOSDMap;
        const last = Math.max(0, ...om.maps.keys(), ...om.incrementalMaps.keys());
        if (last) this.sub.got('osdmap', last);
        return this.emit('osdmap', om);
      }
      case MSG_MON_COMMAND_ACK:
        return this.requests.handleCommandAck(msg.tid, payload as MMonCommandAck);
      case CEPH_MSG_MON_GET_VERSION_REPLY:
        return this.requests.handleVersionReply(payload as MMonGetVersionReply);
      case CEPH_MSG_AUTH_REPLY: {
        const r = payload as MAuthReply;
        try {
          const outcome = this.auth?.handleMAuthReply?.(r.result, r.globalId, r.resultBl) ?? 'done';
          // MonClient::handle_auth: another round if the tickets are still not complete.
          if (outcome === 'again') this.checkAuthTickets();
          this.emit('auth', { result: r.result, outcome });
        } catch (e) {
          log.dout(0, `ticket renewal failed: ${(e as Error).message}`);
          this.emit('auth', { result: r.result, outcome: 'error', error: (e as Error).message });
        }
        return;
      }
      default:
        if (this.listeners.get('message')?.length) return this.emit('message', { msg, payload });
        log.dout(10, `ignoring ${messageTypes.name(msg.type)} from the mon`);
    }
  }

  private handleMonmap(bl: Buffer): void {
    let m: MonMap;
    try {
      m = decodeMonMap(new Reader(bl));
    } catch (e) {
      // A monmap we cannot read changes nothing: keep the one we have (and the session).
      log.dout(0, `ignoring an undecodable monmap: ${(e as Error).message}`);
      return;
    }
    this.monmap = m;
    this.sub.got('monmap', m.epoch);
    log.dout(10, `got monmap ${m.epoch} fsid ${m.fsid}`);
    this.emit('monmap', m);
    if (this.active && m.epoch > 0) this.finishAuth();
  }
}

function isAuthError(e: CephError): boolean {
  return e.errno === Errno.EACCES || e.errno === Errno.EPERM || e.errno === Errno.EOPNOTSUPP || e.errno === Errno.EKEYREJECTED;
}

function authFailure(e: CephError): CephError {
  return new CephError(errnoName(e.errno), e.errno, `authentication failed: ${strerror(e.errno)} (${e.message})`, { cause: e });
}
