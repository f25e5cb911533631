import { CephConf, Clock } from '@ts-ceph/common';
import { EntityAddrvec } from '@ts-ceph/denc';
import { AuthRegistry, RotatingKeyRing } from '@ts-ceph/cephx';
import { OSDMap, PgT } from '@ts-ceph/maps';
import { AuthClientProvider, CephMessage } from '@ts-ceph/messenger';
import { clusterBindIp, osdPeerMessenger } from './cluster-net';
import { HeartbeatDriver, heartbeatConfFrom } from './heartbeat-driver';
import { ClusterPeerLink, PeerLink } from './peer-link';
import { upActingOf } from './pg-mappings';

export interface OsdNetsOptions {
  id: number;
  conf: CephConf;
  clock: Clock;
  keys: RotatingKeyRing;
  registry: AuthRegistry;
  /** The public messenger's IP (the cluster messenger binds there unless cluster_addr/cluster_network say otherwise). */
  publicIp: string;
  authClient: () => AuthClientProvider | undefined;
}

/** What the networks need from the daemon once it exists. */
export interface OsdNetsHost {
  osdmap(): OSDMap | undefined;
  /** The PGs this OSD holds. */
  pgs(): PgT[];
  sendMon(m: CephMessage): void;
  monConnected(): boolean;
  /** Subscribe to osdmaps from `epoch` on (a peer has a newer map, or says we died). */
  wantNewerMap(epoch: number): void;
}

/**
 * The OSD's networks besides the public one: the cluster messenger with the PeerLink on it, and
 * the heartbeat messengers (hb_back on the cluster IP, hb_front on the public IP, an unbound client
 * for outgoing pings) with their driver. The daemon advertises their addrs in MOSDBoot and feeds
 * every new map to `onMap`.
 */
export class OsdNets {
  private host: OsdNetsHost | undefined;
  readonly peers: ClusterPeerLink;
  readonly heartbeat: HeartbeatDriver;

  private constructor(
    readonly opts: OsdNetsOptions,
    private readonly clusterAddrvec: EntityAddrvec,
    parts: { cluster: ReturnType<typeof osdPeerMessenger>; back: ReturnType<typeof osdPeerMessenger>; front: ReturnType<typeof osdPeerMessenger>; client: ReturnType<typeof osdPeerMessenger> },
  ) {
    const host = (): OsdNetsHost => {
      if (!this.host) throw new Error('OsdNets used before attach');
      return this.host;
    };
    this.peers = new ClusterPeerLink(parts.cluster, { id: opts.id, osdmap: () => this.host?.osdmap(), peerEpoch: () => host().wantNewerMap((this.host?.osdmap()?.epoch ?? 0) + 1) });
    this.heartbeat = new HeartbeatDriver(
      {
        id: opts.id,
        clock: opts.clock,
        osdmap: () => this.host?.osdmap(),
        pgPeers: () => this.pgPeers(),
        sendMon: (m) => host().sendMon(m),
        monConnected: () => this.host?.monConnected() ?? false,
        wantNewerMap: () => host().wantNewerMap((this.host?.osdmap()?.epoch ?? 0) + 1),
      },
      parts.back,
      parts.front,
      parts.client,
      heartbeatConfFrom(opts.conf, `osd.${opts.id}`),
    );
  }

  static async bind(opts: OsdNetsOptions): Promise<OsdNets> {
    const clusterIp = clusterBindIp(opts.conf, `osd.${opts.id}`, opts.publicIp);
    const cluster = osdPeerMessenger(opts);
    const back = osdPeerMessenger(opts);
    const front = osdPeerMessenger(opts);
    const client = osdPeerMessenger(opts);
    const addrs = await cluster.bind(clusterIp, 0);
    await back.bind(clusterIp, 0);
    await front.bind(opts.publicIp, 0);
    return new OsdNets(opts, addrs, { cluster, back, front, client });
  }

  attach(host: OsdNetsHost): void {
    this.host = host;
  }

  get clusterAddrs(): EntityAddrvec {
    return this.clusterAddrvec;
  }

  /** The transport of the peering and replication core. */
  get link(): PeerLink {
    return this.peers;
  }

  onMap(map: OSDMap): void {
    this.heartbeat.onMap(map);
  }

  /** The OSDs in the up and acting sets of our PGs. */
  private pgPeers(): Set<number> {
    const map = this.host?.osdmap();
    const out = new Set<number>();
    if (!map) return out;
    for (const pgid of this.host!.pgs()) {
      if (!map.pools.has(pgid.pool)) continue;
      const r = upActingOf(map, pgid);
      for (const o of [...r.up, ...r.acting]) if (o >= 0) out.add(o);
    }
    return out;
  }

  async shutdown(): Promise<void> {
    await Promise.allSettled([this.heartbeat.shutdown(), this.peers.shutdown()]);
  }
}
