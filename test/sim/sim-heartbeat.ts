import { Sched, SimNet } from './sched';
import { HEARTBEAT_GRACE_SEC, SimMon } from './sim-mon';
import { SimOsd } from './sim-osd';

/** The heartbeat endpoints of the simulated network: HB_BASE + osd id (the OSDs' hb addrs). */
export const HB_BASE = 500;
/** osd_heartbeat_interval in the simulation (Ceph's is 6 s, against its 20 s grace). */
export const HB_INTERVAL_MS = 100;

/** What one OSD knows of one peer's heartbeats. */
interface PeerHb {
  /** The peer incarnation (addr nonce in the map) these stamps are about. */
  nonce: number;
  /** When we started pinging it, and its last reply (ms). */
  firstTx: number;
  lastRx: number;
  /** A failure report about it is outstanding at the mon. */
  reported: boolean;
}

/**
 * OSD-to-OSD heartbeats over the lossy network (OSD::heartbeat, handle_osd_ping,
 * heartbeat_check): every active OSD pings each peer the map has up; a peer that answers nothing
 * for osd_heartbeat_grace is reported to the mon (MOSDFailure, not immediate), and the report is
 * cancelled when its replies come back. A partition longer than the grace thus gets a live OSD
 * marked down by the mon's own check_failure, which then boots again (SimOsd.onMarkedDown).
 */
export class SimHeartbeat {
  /** peers[osd] → peer → heartbeat state. */
  private readonly peers: Map<number, PeerHb>[];

  constructor(
    private readonly s: Sched,
    private readonly net: SimNet,
    private readonly mon: SimMon,
    private readonly osds: SimOsd[],
  ) {
    this.peers = osds.map(() => new Map());
    for (const d of osds) {
      net.attach(HB_BASE + d.id, async (from, b) => this.onPing(d, from - HB_BASE, b));
    }
    s.at(HB_INTERVAL_MS, () => this.tick());
  }

  /** A ping is answered by a live OSD; a reply is a stamp for the pinger. */
  private onPing(d: SimOsd, from: number, b: Buffer): void {
    if (!d.alive) return;
    // A ping to an earlier incarnation's (or a pre-rebind) address reaches nobody.
    if (b[0] === 0 && b[1] !== (d.nonce & 0xff)) return;
    if (b[0] === 0) return void this.net.send(HB_BASE + d.id, HB_BASE + from, Buffer.from([1, b[1]!]));
    const p = this.peers[d.id]!.get(from);
    if (p && p.nonce === b[1]) p.lastRx = this.s.now;
  }

  private async tick(): Promise<void> {
    for (const d of this.osds) {
      if (d.active) await this.check(d);
      // A stopped OSD keeps no heartbeat records (OSD::shutdown), and one the map has down
      // drops them (reset_heartbeat_peers after a wrong markdown): back up, it pings its peers
      // afresh. Stamps kept from before a crash would report a peer at once, for a silence
      // that was the partition or the crash.
      else this.peers[d.id]!.clear();
    }
    this.s.at(HB_INTERVAL_MS, () => this.tick());
  }

  /** heartbeat_check + send_failures for one OSD, then this round's pings. */
  private async check(d: SimOsd): Promise<void> {
    const m = this.mon.mappings[d.epoch]![0]!;
    const now = this.s.now;
    const graceMs = HEARTBEAT_GRACE_SEC * 1000;
    const mine = this.peers[d.id]!;
    for (const peer of this.osds) {
      if (peer === d) continue;
      const nonce = this.mon.upNonceAt(d.epoch, peer.id);
      if (!m.upOsds.has(peer.id) || nonce < 0) {
        mine.delete(peer.id);
        continue;
      }
      let p = mine.get(peer.id);
      if (!p || p.nonce !== nonce) mine.set(peer.id, (p = { nonce, firstTx: now, lastRx: now, reported: false }));
      const silentMs = now - p.lastRx;
      if (silentMs >= graceMs && !p.reported) {
        p.reported = true;
        this.s.log(`osd.${d.id} reports osd.${peer.id} failed (no heartbeat reply for ${silentMs} ms)`);
        await this.mon.failure(d.id, d.nonce, peer.id, d.epoch, 'timeout', Math.floor(silentMs / 1000));
      } else if (silentMs < graceMs && p.reported) {
        p.reported = false;
        this.s.log(`osd.${d.id} cancels its report of osd.${peer.id}`);
        await this.mon.failure(d.id, d.nonce, peer.id, d.epoch, 'alive');
      }
      // The ping carries the peer's nonce as we know it, so a reply from another life does not count.
      if (d.active) this.net.send(HB_BASE + d.id, HB_BASE + peer.id, Buffer.from([0, nonce & 0xff]));
    }
  }
}
