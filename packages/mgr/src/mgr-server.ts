/**
 * The mgr's network side: a msgr2 listener of entity type MGR (cephx service MGR: peers present
 * tickets our AuthMonitor sealed with the MGR rotating secrets) that carries daemons' MMgrOpen /
 * MMgrReport / MPGStats and clients' MMgrCommand to the DaemonServer core, and sends back
 * MMgrConfigure and MMgrCommandReply. It runs wherever its host gives it maps and keys: inside
 * ts-mon today (MgrHost is the narrow seam), a standalone ts-mgr over a MonClient later.
 */
import { Clock, CephError, logger } from '@ts-ceph/common';
import { EntityType, EntityAddrvec, EntityName, addrPort, formatEntityName, utimeFromMs } from '@ts-ceph/denc';
import { Messenger, Connection, Dispatcher, CephMessage, messageTypes, Policies } from '@ts-ceph/messenger';
import { AuthRegistry, AuthSettings, CephxServiceServerProvider, CryptoKey, KeyRing, MgrCap, RotatingKeyRing, cryptoRandom } from '@ts-ceph/cephx';
import { OSDMap } from '@ts-ceph/maps';
import {
  MSG_MGR_OPEN, MSG_MGR_REPORT, MSG_MGR_COMMAND, MSG_PGSTATS, MMgrOpen, MMgrReport, MMgrCommand, MPGStats, MMgrConfigureCodec, MMgrCommandReplyCodec, MOSDScrub2Codec,
} from '@ts-ceph/messages';
import { DaemonServerCore, MgrConfig, MgrSession } from './core/daemon-server';

const log = logger('mgr');

/** What the host process gives the mgr. */
export interface MgrHost {
  /** Our name: mgr.<name> (the mon's id when the mon runs the mgr role). */
  name: string;
  clock: Clock;
  osdmap(): OSDMap;
  /** The MGR service's rotating secret `secretId`, to verify peers' tickets. */
  mgrServiceSecret(secretId: bigint): CryptoKey | undefined;
  authSettings: Partial<AuthSettings>;
  conf: MgrConfig;
}

/** Tickets are checked against the host's MGR rotating secrets, not a copy that could go stale. */
class HostRotatingKeys extends RotatingKeyRing {
  constructor(private readonly lookup: (secretId: bigint) => CryptoKey | undefined) {
    super(EntityType.MGR, new KeyRing());
  }

  override getServiceSecret(serviceId: number, secretId: bigint): CryptoKey | undefined {
    return serviceId === EntityType.MGR ? this.lookup(secretId) : undefined;
  }
}

function sessionCaps(text: string | undefined, allowAll: boolean): MgrCap {
  if (allowAll) return MgrCap.allowAll();
  try {
    return MgrCap.parse(text ?? '');
  } catch {
    return new MgrCap('', []);
  }
}

export class MgrServer implements Dispatcher {
  readonly messenger: Messenger;
  readonly core: DaemonServerCore;
  private readonly sessions = new Map<Connection, MgrSession>();

  /** `core`: the state to serve (the mon passes its own, so its `ceph -s` reads the same PG map). */
  constructor(
    readonly host: MgrHost,
    core?: DaemonServerCore,
  ) {
    this.core = core ?? new DaemonServerCore(() => host.osdmap(), host.conf);
    const registry = new AuthRegistry(EntityType.MGR, host.authSettings);
    const keys = new HostRotatingKeys((id) => host.mgrServiceSecret(id));
    this.messenger = new Messenger({
      entityType: EntityType.MGR,
      authServer: new CephxServiceServerProvider({ rng: cryptoRandom, keys, registry, now: () => host.clock.wallNow() }),
      defaultPolicy: Policies.statelessServer(),
      clock: host.clock,
    });
    this.messenger.addDispatcher(this);
  }

  async bind(ip: string, port = 0): Promise<EntityAddrvec> {
    const addrs = await this.messenger.bind(ip, port);
    const now = this.host.clock.wallNow();
    this.core.start(utimeFromMs(now), now);
    log.info(`mgr.${this.host.name} listening on ${ip}:${addrs[0] ? addrPort(addrs[0]) : port}`);
    return addrs;
  }

  get addrs(): EntityAddrvec {
    return this.messenger.addrs;
  }

  async shutdown(): Promise<void> {
    await this.messenger.shutdown();
  }

  msHandleAccept(con: Connection): void {
    const meta = con.protocol?.meta;
    const name: EntityName = meta?.peerName ?? { type: con.peerType, id: '' };
    const caps = sessionCaps(meta?.peerCaps?.text, meta?.peerCaps?.allowAll ?? false);
    this.sessions.set(con, { peer: { type: name.type, id: name.id, gid: meta?.peerGlobalId ?? 0n, addr: con.peerAddrs?.[0], caps }, daemon: undefined });
    log.dout(10, `session from ${formatEntityName(name)} opened`);
  }

  msHandleReset(con: Connection, error: CephError): void {
    const s = this.sessions.get(con);
    if (!s) return;
    log.dout(10, `session from ${s.peer.type}.${s.peer.id} closed: ${error.message}`);
    this.sessions.delete(con);
    this.core.handleClose(s, utimeFromMs(this.host.clock.wallNow()));
  }

  /** The scrub commands' MOSDScrub2, on every session of each named OSD (as DaemonServer does). */
  private sendToOsds(): void {
    for (const { osd, msg } of this.core.takeOsdSends()) {
      for (const [con, s] of this.sessions) if (s.peer.type === EntityType.OSD && s.peer.id === String(osd)) con.send(messageTypes.build(MOSDScrub2Codec, msg));
    }
  }

  msDispatch(con: Connection, msg: CephMessage, payload: unknown): void {
    const s = this.sessions.get(con);
    if (!s) return;
    const nowMs = this.host.clock.wallNow();
    const now = utimeFromMs(nowMs);
    try {
      switch (msg.type) {
        case MSG_MGR_OPEN: {
          const c = this.core.handleOpen(s, payload as MMgrOpen, now, nowMs);
          con.send(messageTypes.build(MMgrConfigureCodec, c));
          return;
        }
        case MSG_MGR_REPORT:
          return this.core.handleReport(s, payload as MMgrReport, now, nowMs);
        case MSG_PGSTATS:
          return this.core.handlePgStats(s, payload as MPGStats, nowMs);
        case MSG_MGR_COMMAND: {
          const r = this.core.handleCommand(s, (payload as MMgrCommand).cmd, nowMs);
          con.send(messageTypes.build(MMgrCommandReplyCodec, r, { tid: msg.tid }));
          this.sendToOsds();
          return;
        }
      }
      log.dout(5, `ignoring ${messageTypes.name(msg.type)} from ${s.peer.type}.${s.peer.id}`);
    } catch (e) {
      log.error(`handling ${messageTypes.name(msg.type)}: ${(e as Error).stack ?? e}`);
    }
  }
}
