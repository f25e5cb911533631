/**
 * The monitor on the network: a msgr2 Messenger bound to our public address with cephx's mon auth
 * provider, a MonSession per authenticated connection, and the mon-client messages (MMonGetMap,
 * MMonSubscribe, MMonCommand, MMonGetVersion, MAuth, MMonGetOSDMap, MLog, MPoolOp, MGetPoolStats,
 * MStatfs, MCommand) dispatched to the Monitor. Map changes are pushed to subscribers after each commit.
 */
import { CephError, Errno, logger, parseBool } from '@ts-ceph/common';
import { EntityType, EntityAddrvec, formatEntityName, addrIp } from '@ts-ceph/denc';
import { Messenger, Connection, Dispatcher, CephMessage, messageTypes, AuthFailure } from '@ts-ceph/messenger';
import { CephxMonServerProvider, AuthRegistry, GlobalIdStatus, MonCap, monAuthSession, cryptoRandom } from '@ts-ceph/cephx';
import {
  CEPH_MSG_MON_GET_MAP,
  CEPH_MSG_MON_SUBSCRIBE,
  MSG_MON_COMMAND,
  CEPH_MSG_MON_GET_VERSION,
  CEPH_MSG_AUTH,
  CEPH_MSG_MON_GET_OSDMAP,
  CEPH_SUBSCRIBE_ONETIME,
  MMonMapCodec,
  MConfigCodec,
  MMgrMapCodec,
  MOSDMapCodec,
  MMonCommand,
  MMonCommandAckCodec,
  MMonSubscribe,
  MMonGetVersion,
  MMonGetVersionReplyCodec,
  MAuth,
  MAuthReplyCodec,
  MMonGetOSDMap,
  PAXOS_HEAD_DEFAULT,
} from '@ts-ceph/messages';
import { MonSession } from '../core/session';
import { MonAuthServer } from './auth-none';
import { PaxosService } from '../core/paxos-service';
import { Monitor } from '../monitor';
import { Outgoing, dueUpdates, osdmapUpdate, subscriptionLimits } from './subscriptions';
import { MonHandlerContext, monHandlers } from './handlers';
import { monAsokHost } from './admin-socket';
import type { AsokHost } from '../core/mon/asok';
import { sendPgCreates } from './osd-messages';
import { AuthFailureTracker } from '../core/health/auth-failures';
import { Clog } from '../core/log/log-entry';
import { MLogCodec } from '../messages/log';

const log = logger('mon');

export class MonServer implements Dispatcher {
  readonly messenger: Messenger;
  private readonly sessions = new Map<Connection, MonSession>();
  private nextSessionId = 1;
  /** Sessions opened and closed since start (the mon perf counters session_add / session_rm). */
  sessionsOpened = 0;
  sessionsClosed = 0;
  /** What the message handlers of ./handlers may use: named parts of the monitor, not the server. */
  private readonly handlerContext: MonHandlerContext;
  /** Refused credentials per entity and address, behind the AUTH_FAILURES health warning. */
  readonly authFailures = new AuthFailureTracker();
  /** What the admin socket and `ceph tell mon.X` commands report and change (one host for both). */
  readonly asok: AsokHost;

  constructor(readonly mon: Monitor) {
    const conf = mon.conf;
    const registry = new AuthRegistry(EntityType.MON, {
      authClusterRequired: conf.str('auth_cluster_required'),
      authServiceRequired: conf.str('auth_service_required'),
      authClientRequired: conf.str('auth_client_required'),
      msMonClusterMode: conf.str('ms_mon_cluster_mode'),
      msMonServiceMode: conf.str('ms_mon_service_mode'),
      msMonClientMode: conf.str('ms_mon_client_mode'),
      msClusterMode: conf.str('ms_cluster_mode'),
      msServiceMode: conf.str('ms_service_mode'),
      msClientMode: conf.str('ms_client_mode'),
    });
    const provider = new CephxMonServerProvider({
      rng: cryptoRandom,
      keyServer: mon.auth.keyServer,
      monKeyring: mon.opts.monKeyring,
      registry,
      allocateGlobalId: () => mon.auth.assignGlobalId(),
      now: () => mon.opts.clock.wallNow(),
      allowInsecureGlobalIdReclaim: conf.bool('auth_allow_insecure_global_id_reclaim'),
      selfName: { type: EntityType.MON, id: mon.opts.name },
    });
    const authServer = new MonAuthServer(provider, registry, () => mon.auth.assignGlobalId());
    this.messenger = new Messenger({ entityType: EntityType.MON, nonce: 0, authServer, clock: mon.opts.clock });
    this.messenger.addDispatcher(this);
    mon.health.addSource((now) => this.authFailures.health(now));
    mon.onCommitted = (svcs) => this.publish(svcs);
    mon.sessions = () => this.sessions.values();
    this.asok = monAsokHost(mon, this);
    this.handlerContext = {
      get fsid() {
        return mon.fsid;
      },
      osd: mon.osd,
      logm: mon.logm,
      pipeline: mon.pipeline,
      pgstats: mon.mgrCore.pgmap,
      osdLivenessConf: mon.osdLivenessConf,
      osdReports: mon.osdReports,
      getCaps: (entity, service) => mon.auth.keyServer.getCaps(entity, service),
      clog: (channel, prio, text, now) => mon.clog(channel, prio, text, now),
      noteAuthFailures: (entity, addr, count) => this.noteAuthFailures(entity, addr, count, 'reported by an OSD'),
      now: () => mon.opts.clock.wallNow(),
      view: mon.view,
      asok: this.asok,
      deprecatedAsObsolete: () => conf.bool('mon_debug_deprecated_as_obsolete'),
      peerFeatures: () => [...this.sessions.values()].map((x) => ({ type: x.inst.type, features: x.features })),
      sendOsdmaps: (con, s, first) => {
        const u = osdmapUpdate(mon, first);
        if (u) this.send(con, s, u);
      },
    };
  }

  async bind(ip: string, port: number): Promise<EntityAddrvec> {
    const addrs = await this.messenger.bind(ip, port);
    this.mon.addrs = addrs;
    log.info(`mon.${this.mon.opts.name} listening on ${addrIp(addrs[0]!)}:${port}`);
    return addrs;
  }

  async shutdown(): Promise<void> {
    await this.messenger.shutdown();
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  // ---- Dispatcher ---------------------------------------------------------------------------------

  msHandleAccept(con: Connection): void {
    const meta = con.protocol?.meta;
    const auth = meta ? monAuthSession(meta) : undefined;
    const name = meta?.peerName ?? { type: con.peerType, id: '' };
    let caps = auth?.monCaps;
    if (!caps && meta?.peerCaps) caps = meta.peerCaps.allowAll ? MonCap.allowAll() : safeCaps(meta.peerCaps.text);
    const peer = con.peerName ?? { type: con.peerType, num: -1 };
    const s = new MonSession(this.nextSessionId++, name, { type: peer.type, num: peer.type === EntityType.CLIENT ? -1 : peer.num }, con.peerAddrs ?? [], caps ?? MonCap.empty(), meta?.peerGlobalId ?? 0n, con.features);
    s.insecureGlobalIdReclaim = auth?.handler?.globalIdStatus === GlobalIdStatus.RECLAIM_INSECURE;
    this.sessions.set(con, s);
    this.sessionsOpened++;
    log.dout(10, `session ${s.id} ${formatEntityName(name)} opened`);
  }

  /** A burst of refused credentials goes to the cluster log once ([SEC]) and raises AUTH_FAILURES. */
  msHandleAuthFailure(f: AuthFailure): void {
    this.noteAuthFailures(f.entity ? formatEntityName(f.entity) : 'unknown entity', f.addr, 1, `last: ${f.reason}`);
  }

  private noteAuthFailures(entity: string, addr: string, count: number, why: string): void {
    const now = this.mon.opts.clock.wallNow();
    const burst = this.authFailures.note(entity, addr, now, count);
    if (burst !== undefined) this.mon.clog('cluster', Clog.SEC, `${burst} failed authentication attempts for ${entity} from ${addr} (${why})`, now);
  }

  msHandleReset(con: Connection, error: CephError): void {
    const s = this.sessions.get(con);
    if (s) {
      log.dout(10, `session ${s.id} ${s.name} closed: ${error.message}`);
      this.sessionsClosed++;
    }
    this.sessions.delete(con);
  }

  msDispatch(con: Connection, msg: CephMessage, payload: unknown): void {
    const s = this.sessions.get(con);
    if (!s) {
      log.dout(5, `dropping message type ${msg.type} from a connection without a session`);
      return;
    }
    try {
      this.dispatch(con, s, msg, payload);
    } catch (e) {
      log.error(`handling ${messageTypes.name(msg.type)} from ${s.name}: ${(e as Error).stack ?? e}`);
    }
  }

  private dispatch(con: Connection, s: MonSession, msg: CephMessage, payload: unknown): void {
    switch (msg.type) {
      case CEPH_MSG_MON_GET_MAP:
        this.send(con, s, { kind: 'monmap', monmap: this.mon.monmap.currentBytes() });
        return;
      case CEPH_MSG_MON_SUBSCRIBE:
        return this.handleSubscribe(con, s, payload as MMonSubscribe);
      case MSG_MON_COMMAND:
        return this.handleCommand(con, s, msg, payload as MMonCommand);
      case CEPH_MSG_MON_GET_VERSION:
        return this.handleGetVersion(con, payload as MMonGetVersion);
      case CEPH_MSG_AUTH:
        return this.handleAuth(con, s, payload as MAuth);
      case CEPH_MSG_MON_GET_OSDMAP:
        return this.handleGetOSDMap(con, payload as MMonGetOSDMap);
    }
    const handler = monHandlers[msg.type];
    if (handler) return handler(this.handlerContext, con, s, msg, payload);
    log.dout(5, `ignoring message ${messageTypes.name(msg.type)} from ${s.name}`);
  }

  /** Build and send one outgoing map/config message. */
  send(con: Connection, s: MonSession, o: Outgoing): void {
    const f = s.features;
    switch (o.kind) {
      case 'monmap':
        con.send(messageTypes.build(MMonMapCodec, { monmap: o.monmap }, { features: f }));
        return;
      case 'mgrmap':
        con.send(messageTypes.build(MMgrMapCodec, { map: o.map, epoch: o.epoch }, { features: f }));
        return;
      case 'config':
        con.send(messageTypes.build(MConfigCodec, { config: o.config }, { features: f }));
        return;
      case 'log':
        con.send(messageTypes.build(MLogCodec, { paxos: { ...PAXOS_HEAD_DEFAULT, version: o.version }, fsid: this.mon.fsid, entries: o.entries }, { features: f }));
        return;
      case 'osdmap':
        con.send(
          messageTypes.build(
            MOSDMapCodec,
            { fsid: this.mon.fsid, incrementalMaps: o.incrementals, maps: o.fulls, oldestMap: o.oldest, newestMap: o.newest, gapRemovedSnaps: [] },
            { features: f },
          ),
        );
    }
  }

  private handleSubscribe(con: Connection, s: MonSession, m: MMonSubscribe): void {
    for (const [what, item] of m.what) {
      // Ceph: a subscription without CEPH_SUBSCRIBE_ONETIME persists; start 0 means "current".
      s.subs.set(what, { start: item.start, onetime: (item.flags & CEPH_SUBSCRIBE_ONETIME) !== 0 });
    }
    for (const o of dueUpdates(this.mon, s, new Set(m.what.keys()))) this.send(con, s, o);
    if (m.what.has('osd_pg_creates')) sendPgCreates(this.mon.osd, con, s);
  }

  private handleCommand(con: Connection, s: MonSession, msg: CephMessage, m: MMonCommand): void {
    this.mon
      .command(s, m.cmd, m.inbl, m.fsid)
      .then((r) => {
        con.send(messageTypes.build(MMonCommandAckCodec, { paxos: { ...PAXOS_HEAD_DEFAULT, version: r.version }, r: r.r, rs: r.rs, cmd: m.cmd, data: r.outbl }, { tid: msg.tid, features: s.features }));
      })
      .catch((e: unknown) => {
        log.error(`command ${m.cmd.join('')} failed: ${(e as Error).stack ?? e}`);
        const errno = e instanceof CephError ? e.errno : Errno.EIO;
        con.send(messageTypes.build(MMonCommandAckCodec, { paxos: PAXOS_HEAD_DEFAULT, r: -errno, rs: (e as Error).message, cmd: m.cmd, data: Buffer.alloc(0) }, { tid: msg.tid }));
      });
  }

  private handleGetVersion(con: Connection, m: MMonGetVersion): void {
    const mon = this.mon;
    const versions: Record<string, [number, number]> = {
      osdmap: [mon.osd.epoch, mon.osd.firstCommitted],
      monmap: [mon.monmap.monmap.epoch, mon.monmap.firstCommitted],
      mgrmap: [mon.mgr.mgrmap.epoch, mon.mgr.firstCommitted],
      mdsmap: [1, 1],
      fsmap: [1, 1],
    };
    const v = versions[m.what];
    if (!v) {
      log.dout(5, `mon_get_version for unknown map '${m.what}'`);
      return;
    }
    con.send(messageTypes.build(MMonGetVersionReplyCodec, { handle: m.handle, version: v[0], oldestVersion: v[1] }));
  }

  private handleAuth(con: Connection, s: MonSession, m: MAuth): void {
    const meta = con.protocol?.meta;
    const auth = meta ? monAuthSession(meta) : undefined;
    let result = -Errno.EACCES;
    let reply: Buffer = Buffer.alloc(0);
    let msgText = '';
    if (auth?.handler) {
      const res = auth.handler.handleRequest(m.authPayload, undefined, this.mon.opts.clock.wallNow());
      result = res.status > 0 ? 0 : res.status;
      reply = res.reply;
      msgText = res.reason ?? '';
    } else msgText = 'no auth session on this connection';
    con.send(messageTypes.build(MAuthReplyCodec, { protocol: m.protocol, result, globalId: s.globalId, resultBl: reply, resultMsg: msgText }));
  }

  private handleGetOSDMap(con: Connection, m: MMonGetOSDMap): void {
    const osd = this.mon.osd;
    const fulls = new Map<number, Buffer>();
    const incs = new Map<number, Buffer>();
    const max = subscriptionLimits.osdMapsPerMessageMax;
    for (let e = Math.max(m.fullFirst, osd.firstCommitted); e && e <= Math.min(m.fullLast, osd.epoch) && fulls.size < max; e++) {
      const b = osd.fullBytes(e);
      if (b) fulls.set(e, b);
    }
    for (let e = Math.max(m.incFirst, osd.firstCommitted); e && e <= Math.min(m.incLast, osd.epoch) && fulls.size + incs.size < max; e++) {
      const b = osd.incrementalBytes(e);
      if (b) incs.set(e, b);
    }
    con.send(messageTypes.build(MOSDMapCodec, { fsid: this.mon.fsid, incrementalMaps: incs, maps: fulls, oldestMap: osd.firstCommitted, newestMap: osd.epoch, gapRemovedSnaps: [] }));
  }

  /** After a commit: push what changed to every subscriber. */
  publish(svcs: PaxosService[]): void {
    const which = new Set<string>();
    if (svcs.includes(this.mon.monmap)) which.add('monmap');
    if (svcs.includes(this.mon.osd)) which.add('osdmap');
    if (svcs.includes(this.mon.mgr)) which.add('mgrmap');
    if (svcs.includes(this.mon.kv) || svcs.includes(this.mon.config)) which.add('config');
    if (svcs.includes(this.mon.logm)) which.add('log');
    if (!which.size) return;
    for (const [con, s] of this.sessions) {
      if (!s.subs.size) continue;
      for (const o of dueUpdates(this.mon, s, which)) this.send(con, s, o);
      if (which.has('osdmap')) sendPgCreates(this.mon.osd, con, s);
    }
  }

  /** For tests and the daemon: whether the auth settings allow insecure global_id reclaim. */
  static insecureReclaim(v: string): boolean {
    return parseBool(v);
  }
}

function safeCaps(text: string): MonCap {
  try {
    return MonCap.parse(text);
  } catch {
    return MonCap.empty();
  }
}
