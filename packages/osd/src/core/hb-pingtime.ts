import { HbInterfaces } from '@ts-ceph/maps';
import type { HbChannel } from './heartbeat';

/**
 * Heartbeat round trips per peer as OSD::handle_osd_ping keeps them for osd_stat_t's hb_pingtime
 * (what the mgr's OSD_SLOW_PING_TIME_BACK/FRONT checks and `dump_osd_network` read): once a ping
 * was answered on both channels, each channel's time since the ping was sent, in microseconds
 * rounded (ROUND_S_TO_USEC), is added to the running interval; every `periodSec` (60 s, or
 * debug_heartbeat_testing_span) the interval's average, minimum and maximum go into a ring of the
 * last 16, and the 1-, 5- and 15-entry averages (with their minima and maxima) are reported. Between
 * those, only back_last/front_last move. Pure: times come in (monotonic ms, fractional; wall seconds
 * for last_update).
 */

/** hb_vector_size: interval results kept per peer. */
const ringSize = 16;
const windows = [1, 5, 15] as const;

/** Named limits of the ping-time tracking (docs/LIMITS.md). */
export const hbPingLimits = {
  /** Unanswered pings remembered per peer; older ones are forgotten (the core reports the peer). */
  pingsTrackedMax: 64,
};

interface Sample {
  avg: number;
  min: number;
  max: number;
}

interface PeerTimes {
  sent: Map<number, { atMs: number; back?: number; front?: number }>;
  intervalStartMs: number;
  count: number;
  total: { back: number; front: number };
  min: { back: number; front: number };
  max: { back: number; front: number };
  ring: { back: Sample; front: Sample }[];
  stat: HbInterfaces;
}

const emptyStat = (): HbInterfaces => ({ lastUpdate: 0, backPingtime: [0, 0, 0], backMin: [0, 0, 0], backMax: [0, 0, 0], backLast: 0, frontPingtime: [0, 0, 0], frontMin: [0, 0, 0], frontMax: [0, 0, 0], frontLast: 0 });
const usec = (ms: number): number => Math.min(0xffffffff, Math.round(ms * 1000));

export class HbPingTimes {
  private readonly peers = new Map<number, PeerTimes>();

  /** periodSec: the averaging interval (60 s in Ceph; debug_heartbeat_testing_span when set). */
  constructor(private readonly periodSec: number) {}

  /** A ping to `osd` with this stamp left at `nowMs`. */
  sent(osd: number, stampMs: number, nowMs: number): void {
    let p = this.peers.get(osd);
    if (!p) this.peers.set(osd, (p = { sent: new Map(), intervalStartMs: nowMs, count: 0, total: { back: 0, front: 0 }, min: { back: Infinity, front: Infinity }, max: { back: 0, front: 0 }, ring: [], stat: emptyStat() }));
    p.sent.set(stampMs, { atMs: nowMs });
    if (p.sent.size > hbPingLimits.pingsTrackedMax) p.sent.delete(p.sent.keys().next().value!);
  }

  /** The peer is no longer pinged (remove_heartbeat_peer erases its entry). */
  forget(osd: number): void {
    this.peers.delete(osd);
  }

  /** A PING_REPLY echoing `stampMs` on `channel`, at `nowMs` (`wallSec` for last_update). */
  reply(osd: number, channel: HbChannel, stampMs: number, nowMs: number, wallSec: number): void {
    const p = this.peers.get(osd);
    const ping = p?.sent.get(stampMs);
    if (!p || !ping) return;
    ping[channel] = usec(nowMs - ping.atMs);
    if (ping.back === undefined || ping.front === undefined) return;
    for (const k of [...p.sent.keys()]) {
      p.sent.delete(k);
      if (k === stampMs) break;
    }
    p.count++;
    for (const ch of ['back', 'front'] as const) {
      p.total[ch] += ping[ch]!;
      p.min[ch] = Math.min(p.min[ch], ping[ch]!);
      p.max[ch] = Math.max(p.max[ch], ping[ch]!);
    }
    p.stat.backLast = ping.back;
    p.stat.frontLast = ping.front;
    if (nowMs - p.intervalStartMs < this.periodSec * 1000) return;
    const sample = (ch: 'back' | 'front'): Sample => ({ avg: Math.floor(p.total[ch] / p.count), min: p.min[ch], max: p.max[ch] });
    const s = { back: sample('back'), front: sample('front') };
    // The first interval fills the whole ring, so every window starts from it.
    if (!p.ring.length) for (let i = 0; i < ringSize; i++) p.ring.push(s);
    else {
      p.ring.push(s);
      p.ring.shift();
    }
    p.intervalStartMs = nowMs;
    p.count = 0;
    p.total = { back: 0, front: 0 };
    p.min = { back: Infinity, front: Infinity };
    p.max = { back: 0, front: 0 };
    p.stat.lastUpdate = Math.floor(wallSec);
    windows.forEach((n, w) => {
      const last = p.ring.slice(-n);
      for (const ch of ['back', 'front'] as const) {
        p.stat[`${ch}Pingtime`][w] = Math.floor(last.reduce((a, x) => a + x[ch].avg, 0) / n);
        p.stat[`${ch}Min`][w] = Math.min(...last.map((x) => x[ch].min));
        p.stat[`${ch}Max`][w] = Math.max(...last.map((x) => x[ch].max));
      }
    });
  }

  /** osd_stat_t's hb_pingtime: peers with at least one answered ping, by OSD id. */
  pingtimes(): [number, HbInterfaces][] {
    return [...this.peers]
      .filter(([, p]) => p.stat.backLast || p.stat.frontLast || p.ring.length)
      .sort((a, b) => a[0] - b[0])
      .map(([osd, p]) => [osd, { ...p.stat, backPingtime: [...p.stat.backPingtime], backMin: [...p.stat.backMin], backMax: [...p.stat.backMax], frontPingtime: [...p.stat.frontPingtime], frontMin: [...p.stat.frontMin], frontMax: [...p.stat.frontMax] }]);
  }
}
