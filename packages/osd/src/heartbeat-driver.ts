import { CephConf, CephError, Clock, TimerHandle, logger } from '@ts-ceph/common';
import { EntityAddrvec, EntityType, Uuid, formatAddr, utimeFromMs } from '@ts-ceph/denc';
import { OSDMap, isUp } from '@ts-ceph/maps';
import { CephMessage, Connection, Dispatcher, Messenger, messageTypes } from '@ts-ceph/messenger';
import { MOSDFailureCodec, MOSDFailureFlag, MOSDPing, MOSDPingCodec, MOSDPingOp, MSG_OSD_PING, PAXOS_HEAD_DEFAULT, spanFromNs, spanToNs } from '@ts-ceph/messages';
import { peerPolicy } from './cluster-net';
import { HbChannel, HeartbeatConf, HeartbeatCore, HeartbeatOutput, answerPing, cephHeartbeatDefaults } from './core/heartbeat';
import { HbPingTimes } from './core/hb-pingtime';

const log = logger('osd');

/** osd_heartbeat_min_size: MOSDPing fronts are padded to this many bytes (Ceph's default). */
export const heartbeatMinSizeBytes = 2000;

/** osd_heartbeat_interval, osd_heartbeat_grace and osd_heartbeat_min_peers from the conf (unset: Ceph's defaults). */
export function heartbeatConfFrom(conf: CephConf, entity: string): HeartbeatConf {
  const num = (k: string, dflt: number): number => {
    const n = Number(conf.get(k, entity));
    return Number.isFinite(n) && n > 0 ? n : dflt;
  };
  return {
    intervalMs: num('osd_heartbeat_interval', cephHeartbeatDefaults.intervalMs / 1000) * 1000,
    graceMs: num('osd_heartbeat_grace', cephHeartbeatDefaults.graceMs / 1000) * 1000,
    minPeers: num('osd_heartbeat_min_peers', cephHeartbeatDefaults.minPeers),
    pingAverageSec: num('debug_heartbeat_testing_span', 60),
  };
}

/** What the driver needs from the daemon. */
export interface HeartbeatHost {
  id: number;
  clock: Clock;
  osdmap(): OSDMap | undefined;
  /** The OSDs we share PGs with (the up and acting sets of our PGs). */
  pgPeers(): Iterable<number>;
  sendMon(m: CephMessage): void;
  /** Is the mon session up (a new one gets the pending reports again)? */
  monConnected(): boolean;
  /** Ask the monitor for maps after ours (a peer says we died). */
  wantNewerMap(): void;
}

interface PeerCons {
  back: Connection | undefined;
  front: Connection | undefined;
}

/**
 * Carries out the HeartbeatCore's decisions: MOSDPing to each heartbeat peer's hb_back and hb_front
 * addrs from the hb client messenger, answers to the pings our hb servers receive, MOSDFailure to
 * the monitor, and the round timer (`0.5 s + rand(0..9)/10 * osd_heartbeat_interval` between rounds,
 * as OSD::heartbeat_entry). A reset connection to a peer is dialled again at once, so a killed peer
 * shows as a refused connection within milliseconds rather than at the next round.
 */
export class HeartbeatDriver implements Dispatcher {
  readonly core: HeartbeatCore;
  /** Round trips per peer for osd_stat_t's hb_pingtime (core/hb-pingtime.ts). */
  readonly pingTimes: HbPingTimes;
  private readonly cons = new Map<number, PeerCons>();
  private readonly conPeer = new WeakMap<Connection, { osd: number; channel: HbChannel }>();
  /** Connections that finished their handshake: only those are dialled again at once after a reset. */
  private readonly wasReady = new WeakSet<Connection>();
  private timer: TimerHandle | undefined;
  private stopped = false;
  private monWasConnected = false;

  constructor(
    private readonly host: HeartbeatHost,
    readonly back: Messenger,
    readonly front: Messenger,
    readonly client: Messenger,
    conf: HeartbeatConf,
  ) {
    this.core = new HeartbeatCore(host.id, conf);
    this.pingTimes = new HbPingTimes(conf.pingAverageSec ?? 60);
    for (const m of [back, front, client]) m.addDispatcher(this);
  }

  get backAddrs(): EntityAddrvec {
    return this.back.addrs;
  }

  get frontAddrs(): EntityAddrvec {
    return this.front.addrs;
  }

  private now(): number {
    return Math.floor(this.host.clock.now());
  }

  onMap(map: OSDMap): void {
    const ours = this.back.addrs[0];
    const inMap = map.osdAddrs.hbBack[this.host.id]?.[0];
    const current = ours !== undefined && inMap !== undefined && formatAddr(ours) === formatAddr(inMap);
    this.apply(this.core.onMap(map, this.host.pgPeers(), current));
    if (!this.timer && !this.stopped) this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    const waitMs = 500 + (Math.floor(Math.random() * 10) / 10) * this.core.conf.intervalMs;
    this.timer = this.host.clock.setTimeout(() => {
      this.timer = undefined;
      // OSD::requeue_failures: a new mon session may not have our reports; send them again.
      const connected = this.host.monConnected();
      if (connected && !this.monWasConnected) this.apply(this.core.pendingFailures(this.now()));
      this.monWasConnected = connected;
      this.apply(this.core.tick(this.now()));
      this.schedule();
    }, waitMs);
  }

  private apply(outs: HeartbeatOutput[]): void {
    for (const o of outs) {
      if (o.kind === 'connect') this.connect(o.osd);
      else if (o.kind === 'disconnect') this.disconnect(o.osd);
      else if (o.kind === 'ping') this.ping(o.osd, o.stampMs);
      else if (o.kind === 'failure') this.report(o.osd, o.immediate ? MOSDFailureFlag.FAILED | MOSDFailureFlag.IMMEDIATE : MOSDFailureFlag.FAILED, o.failedForSec);
      else this.report(o.osd, MOSDFailureFlag.ALIVE, 0);
    }
  }

  private connect(osd: number): void {
    const map = this.host.osdmap();
    if (!map) return;
    const c: PeerCons = this.cons.get(osd) ?? { back: undefined, front: undefined };
    this.cons.set(osd, c);
    for (const channel of ['back', 'front'] as const) {
      const cur = c[channel];
      if (cur && cur.state !== 'closed') continue;
      const addr = (channel === 'back' ? map.osdAddrs.hbBack : map.osdAddrs.hbFront)[osd]?.[0];
      if (!addr) continue;
      const con = this.client.connectTo(addr, EntityType.OSD, peerPolicy());
      this.conPeer.set(con, { osd, channel });
      c[channel] = con;
    }
  }

  private disconnect(osd: number): void {
    const c = this.cons.get(osd);
    this.cons.delete(osd);
    this.pingTimes.forget(osd);
    c?.back?.markDown();
    c?.front?.markDown();
  }

  private ping(osd: number, stampMs: number): void {
    const map = this.host.osdmap();
    if (!map) return;
    this.connect(osd);
    const c = this.cons.get(osd)!;
    const m = this.pingMessage(map, MOSDPingOp.PING, utimeFromMs(this.host.clock.wallNow()), spanFromNs(BigInt(stampMs) * 1_000_000n));
    this.pingTimes.sent(osd, stampMs, this.host.clock.now());
    for (const con of [c.back, c.front]) con?.send(messageTypes.build(MOSDPingCodec, m));
  }

  private pingMessage(map: OSDMap, op: number, pingStamp: MOSDPing['pingStamp'], monoPingStamp: MOSDPing['monoPingStamp']): MOSDPing {
    const me = this.host.id;
    const upFrom = isUp(map, me) ? map.osdInfo[me]!.upFrom : 0;
    const monoSendStamp = spanFromNs(BigInt(Math.floor(this.host.clock.now() * 1e6)));
    return { fsid: map.fsid as Uuid, mapEpoch: map.epoch, op, pingStamp, upFrom, monoPingStamp, monoSendStamp, minMessageSize: heartbeatMinSizeBytes };
  }

  private report(osd: number, flags: number, failedForSec: number): void {
    const map = this.host.osdmap();
    if (!map || !isUp(map, osd)) return;
    log.dout(flags ? 1 : 5, `heartbeat: reporting osd.${osd} ${flags & MOSDFailureFlag.FAILED ? `failed${flags & MOSDFailureFlag.IMMEDIATE ? ' (connection refused)' : ''} for ${failedForSec} s` : 'alive again'}`);
    this.host.sendMon(
      messageTypes.build(MOSDFailureCodec, {
        paxos: { ...PAXOS_HEAD_DEFAULT, version: map.epoch },
        fsid: map.fsid as Uuid,
        targetOsd: osd,
        targetAddrs: map.osdAddrs.client[osd] ?? [],
        epoch: map.epoch,
        flags,
        failedForSec,
      }),
    );
  }

  msDispatch(con: Connection, msg: CephMessage, payload: unknown): void {
    if (msg.type !== MSG_OSD_PING) return;
    const m = payload as MOSDPing;
    const map = this.host.osdmap();
    if (m.op === MOSDPingOp.PING) return this.answer(con, m, map);
    const peer = this.conPeer.get(con);
    if (!peer) return;
    if (m.op === MOSDPingOp.PING_REPLY) {
      const stampMs = Number(spanToNs(m.monoPingStamp) / 1_000_000n);
      this.pingTimes.reply(peer.osd, peer.channel, stampMs, this.host.clock.now(), this.host.clock.wallNow() / 1000);
      this.apply(this.core.reply(peer.osd, peer.channel, stampMs, this.now()));
    } else if (m.op === MOSDPingOp.YOU_DIED) {
      log.dout(1, `heartbeat: osd.${peer.osd} says we died (its map e${m.mapEpoch}); asking for newer maps`);
      this.host.wantNewerMap();
    }
  }

  /** handle_osd_ping's PING: a reply echoing the stamps, and YOU_DIED to a sender our map has down. */
  private answer(con: Connection, m: MOSDPing, map: OSDMap | undefined): void {
    if (!map) return;
    const name = con.protocol?.meta.peerName;
    const from = name && name.type === EntityType.OSD && /^\d+$/.test(name.id) ? Number(name.id) : -1;
    if (from < 0) return log.dout(1, `heartbeat: ping from ${con.describe()}, not an authenticated OSD`);
    con.send(messageTypes.build(MOSDPingCodec, this.pingMessage(map, MOSDPingOp.PING_REPLY, m.pingStamp, m.monoPingStamp)));
    if (answerPing(map, from, m.mapEpoch).youDied) {
      log.dout(5, `heartbeat: osd.${from} pinged with e${m.mapEpoch} but is down in e${map.epoch}: you_died`);
      con.send(messageTypes.build(MOSDPingCodec, this.pingMessage(map, MOSDPingOp.YOU_DIED, m.pingStamp, m.monoPingStamp)));
    }
  }

  msHandleConnect(con: Connection): void {
    const peer = this.conPeer.get(con);
    this.wasReady.add(con);
    if (peer) log.dout(10, `heartbeat: connected to osd.${peer.osd} hb_${peer.channel} ${con.targetAddr ? formatAddr(con.targetAddr) : ''}`);
  }

  /**
   * A heartbeat connection died. Refused: nothing listens there, the peer is gone (reported at
   * once). Reset after it was up: dial again now, so a killed peer's refusal shows at once.
   */
  msHandleReset(con: Connection, error: CephError): void {
    const peer = this.conPeer.get(con);
    if (!peer || this.stopped) return;
    const c = this.cons.get(peer.osd);
    if (!c || c[peer.channel] !== con) return;
    c[peer.channel] = undefined;
    if (error.code === 'ECONNREFUSED') return this.apply(this.core.refused(peer.osd));
    // A connection that never came up (auth refused, handshake timeout) waits for the next round.
    if (!this.wasReady.has(con)) return log.dout(5, `heartbeat: hb_${peer.channel} connection to osd.${peer.osd} failed (${error.message})`);
    log.dout(5, `heartbeat: hb_${peer.channel} connection to osd.${peer.osd} reset (${error.message}), reconnecting`);
    this.connect(peer.osd);
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await Promise.allSettled([this.back.shutdown(), this.front.shutdown(), this.client.shutdown()]);
  }
}
