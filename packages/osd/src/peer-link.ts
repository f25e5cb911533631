import { CephError, logger } from '@ts-ceph/common';
import { EntityAddr, EntityType, formatAddr } from '@ts-ceph/denc';
import { OSDMap, isUp } from '@ts-ceph/maps';
import { CephMessage, Connection, Dispatcher, Messenger, messageTypes } from '@ts-ceph/messenger';
import { MSG_TS_OSD_PEER, MTsOsdPeer, MTsOsdPeerCodec } from '@ts-ceph/messages';
import { peerPolicy } from './cluster-net';

const log = logger('osd');

/**
 * The OSD-to-OSD transport the peering and replication core runs on (its driver wires
 * `onMessage` to the core and the core's outputs to `send`). Payloads are opaque here: each
 * travels as one MSG_TS_OSD_PEER message on the cluster messenger (docs/formats/osd-messages.md),
 * its bulk bytes (`data`) as the message's data segment: sent from the caller's buffer and handed
 * over as the received segment, neither copied.
 */
export interface PeerLink {
  /** Send to osd.N at its cluster address in our current map (dropped if it is not up there). */
  send(osd: number, payload: Buffer, data?: Buffer): void;
  /** Register the handler of every payload another OSD sends us (`data` empty when none came). */
  onMessage(h: PeerHandler): void;
  /** Drop our connection to osd.N (the next send reconnects). */
  markDown(osd: number): void;
}

export interface ClusterPeerLinkHost {
  id: number;
  osdmap(): OSDMap | undefined;
  /** A peer's message carried a newer epoch than ours: fetch the maps we miss. */
  peerEpoch?(epoch: number): void;
}

export type PeerHandler = (fromOsd: number, payload: Buffer, data: Buffer) => void;

const noData = Buffer.alloc(0);
const addrKey = (a: EntityAddr): string => formatAddr(a);

/**
 * PeerLink over the cluster messenger (Ceph's ms_cluster, here with a lossy-peer policy): one
 * outgoing connection per peer, to the peer's first cluster addr in our map; a map that moves the
 * peer (a restart, a new bind) or shows a new incarnation of it (up_from) makes the next send
 * reconnect. Who sent a message is the OSD named
 * by cephx on an accepted connection, or the OSD we dialled on one of ours; anything else is dropped.
 */
export class ClusterPeerLink implements PeerLink, Dispatcher {
  private readonly out = new Map<number, { addr: string; upFrom: number; con: Connection; checked: OSDMap }>();
  private readonly dialled = new WeakMap<Connection, number>();
  private readonly handlers: PeerHandler[] = [];

  constructor(
    readonly msgr: Messenger,
    private readonly host: ClusterPeerLinkHost,
  ) {
    msgr.addDispatcher(this);
  }

  send(osd: number, payload: Buffer, data: Buffer = noData): void {
    const map = this.host.osdmap();
    let cur = this.out.get(osd);
    // The peer's address and incarnation were checked against this very map (every RepOp and
    // reply of a write comes here: no address formatting per message while the map stays).
    if (map && cur && cur.checked === map && cur.con.state !== 'closed') return cur.con.send(messageTypes.build(MTsOsdPeerCodec, { epoch: map.epoch, payload, data }));
    const addr = map && isUp(map, osd) ? map.osdAddrs.cluster[osd]?.[0] : undefined;
    if (!map || !addr) return log.dout(5, `peer link: osd.${osd} is not up in e${map?.epoch ?? 0}, dropping ${payload.length} bytes`);
    const upFrom = map.osdInfo[osd]!.upFrom;
    // A new address or a new incarnation (up_from) in the map: a fresh session, never the old one's.
    if (cur && (cur.addr !== addrKey(addr) || cur.upFrom !== upFrom || cur.con.state === 'closed')) {
      cur.con.markDown();
      cur = undefined;
    }
    if (!cur) {
      cur = { addr: addrKey(addr), upFrom, con: this.msgr.connectTo(addr, EntityType.OSD, peerPolicy()), checked: map };
      this.dialled.set(cur.con, osd);
      this.out.set(osd, cur);
    }
    cur.checked = map;
    cur.con.send(messageTypes.build(MTsOsdPeerCodec, { epoch: map.epoch, payload, data }));
  }

  onMessage(h: PeerHandler): void {
    this.handlers.push(h);
  }

  markDown(osd: number): void {
    this.out.get(osd)?.con.markDown();
    this.out.delete(osd);
  }

  msDispatch(con: Connection, msg: CephMessage, payload: unknown): void {
    if (msg.type !== MSG_TS_OSD_PEER) return;
    const from = this.senderOf(con);
    if (from === undefined) return log.dout(1, `peer link: ${con.describe()} is not an authenticated OSD, dropping its message`);
    const m = payload as MTsOsdPeer;
    if (m.epoch > (this.host.osdmap()?.epoch ?? 0)) this.host.peerEpoch?.(m.epoch);
    for (const h of this.handlers) {
      try {
        h(from, m.payload, m.data);
      } catch (e) {
        log.dout(0, `peer link handler failed on a message from osd.${from}: ${(e as Error).stack}`);
      }
    }
  }

  msHandleReset(con: Connection, error: CephError): void {
    const osd = this.dialled.get(con);
    if (osd === undefined) return;
    log.dout(5, `peer link: connection to osd.${osd} reset (${error.message})`);
    if (this.out.get(osd)?.con === con) this.out.delete(osd);
  }

  private senderOf(con: Connection): number | undefined {
    const dialled = this.dialled.get(con);
    if (dialled !== undefined) return dialled;
    const name = con.protocol?.meta.peerName;
    if (!name || name.type !== EntityType.OSD || !/^\d+$/.test(name.id)) return undefined;
    return Number(name.id);
  }

  shutdown(): Promise<void> {
    this.out.clear();
    return this.msgr.shutdown();
  }
}
