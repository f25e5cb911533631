import { OSDMap, exists, isUp } from '@ts-ceph/maps';

/**
 * The OSD's heartbeat and failure-detection decisions as a sans-I/O core (OSD::heartbeat,
 * handle_osd_ping, heartbeat_check, send_failures, send_still_alive, ms_handle_refused and
 * maybe_update_heartbeat_peers in src/osd/OSD.cc). Time is the monotonic clock in whole
 * milliseconds, passed in; the driver (heartbeat-driver.ts) owns the sockets and the timer and turns
 * the outputs into MOSDPing and MOSDFailure messages.
 */

/** The heartbeat options (Ceph's names; bootstrap's values are in docs/LIMITS.md). */
export interface HeartbeatConf {
  /** osd_heartbeat_interval: the mean gap between ping rounds (ms). */
  intervalMs: number;
  /** osd_heartbeat_grace: a peer with a ping unanswered this long is reported failed (ms). */
  graceMs: number;
  /** osd_heartbeat_min_peers: peers pinged even when no PG is shared with them. */
  minPeers: number;
  /** Seconds over which ping times are averaged for hb_pingtime: 60, or debug_heartbeat_testing_span. */
  pingAverageSec?: number;
}

/** Ceph's defaults (src/common/options.cc): 6 s interval, 20 s grace, 10 peers. */
export const cephHeartbeatDefaults: HeartbeatConf = { intervalMs: 6_000, graceMs: 20_000, minPeers: 10 };

export type HbChannel = 'back' | 'front';

export type HeartbeatOutput =
  /** Open heartbeat connections to this peer (its hb_back and hb_front addrs in the map). */
  | { kind: 'connect'; osd: number }
  /** Close them: the peer is no longer one of ours. */
  | { kind: 'disconnect'; osd: number }
  /** Send MOSDPing PING on both channels with this stamp (echoed back in the reply). */
  | { kind: 'ping'; osd: number; stampMs: number }
  /** MOSDFailure FLAG_FAILED (plus FLAG_IMMEDIATE for a refused connection). */
  | { kind: 'failure'; osd: number; failedForSec: number; immediate: boolean }
  /** MOSDFailure without FLAG_FAILED: the peer answered again, cancel our report. */
  | { kind: 'still-alive'; osd: number };

interface PingRecord {
  deadlineMs: number;
  /** Channels that have not answered this ping yet. */
  unacked: number;
}

interface PeerState {
  /** The peer's up_from when we started pinging it: a new incarnation starts a fresh record. */
  upFrom: number;
  firstTxMs: number | undefined;
  lastRxBackMs: number | undefined;
  lastRxFrontMs: number | undefined;
  /** Unanswered pings by stamp, oldest first (Map keeps insertion order). */
  history: Map<number, PingRecord>;
}

/**
 * maybe_update_heartbeat_peers: the OSDs we share PGs with, our up neighbours by id (next and
 * previous, wrapping), then more up OSDs after us until `minPeers` are chosen. Only up OSDs, never
 * ourselves.
 */
export function chooseHeartbeatPeers(map: OSDMap, whoami: number, minPeers: number, pgPeers: Iterable<number>): number[] {
  const up: number[] = [];
  for (let o = 0; o < map.maxOsd; o++) if (o !== whoami && isUp(map, o)) up.push(o);
  const want = new Set<number>();
  for (const o of pgPeers) if (o !== whoami && isUp(map, o)) want.add(o);
  if (up.length) {
    const after = up.findIndex((o) => o > whoami);
    const next = after < 0 ? 0 : after;
    want.add(up[next]!);
    want.add(up[(next - 1 + up.length) % up.length]!);
    for (let i = 0; i < up.length && want.size < minPeers; i++) want.add(up[(next + i) % up.length]!);
  }
  return [...want].sort((a, b) => a - b);
}

/**
 * handle_osd_ping's answer to a PING from `from`, which had map `senderEpoch`: always a reply, and
 * YOU_DIED as well when our map says the sender is gone or was marked down after its map (it should
 * fetch newer maps and boot again).
 */
export function answerPing(map: OSDMap | undefined, from: number, senderEpoch: number): { youDied: boolean } {
  if (!map || isUp(map, from)) return { youDied: false };
  return { youDied: !exists(map, from) || map.osdInfo[from]!.downAt > senderEpoch };
}

export class HeartbeatCore {
  private readonly peers = new Map<number, PeerState>();
  /** failure_pending: peers we reported (failed since, ms) and must cancel if they answer. */
  private readonly pending = new Map<number, number>();
  private lastTickMs: number | undefined;
  private up = false;

  constructor(
    readonly whoami: number,
    readonly conf: HeartbeatConf,
  ) {}

  get peerIds(): number[] {
    return [...this.peers.keys()];
  }

  /**
   * A new map: who we ping now, and reports to forget for peers already marked down. `current`:
   * the map shows us at this process's own addresses. A restarted OSD's first map (the stored one)
   * shows its previous incarnation up, and its peers at the addresses they had before a cluster
   * restart: pinging them from there found nothing listening and reported restarting peers failed
   * ("connection refused"), which marked them down once more. Ceph's OSD goes active (and
   * heartbeats) only once the map shows it up at its own addrs (OSD::_committed_osd_maps).
   */
  onMap(map: OSDMap, pgPeers: Iterable<number>, current = true): HeartbeatOutput[] {
    const out: HeartbeatOutput[] = [];
    this.up = current && isUp(map, this.whoami);
    const want = this.up ? chooseHeartbeatPeers(map, this.whoami, this.conf.minPeers, pgPeers) : [];
    for (const [osd, p] of this.peers) {
      if (want.includes(osd) && map.osdInfo[osd]!.upFrom === p.upFrom) continue;
      this.peers.delete(osd);
      out.push({ kind: 'disconnect', osd });
    }
    for (const osd of want) {
      if (this.peers.has(osd)) continue;
      this.peers.set(osd, { upFrom: map.osdInfo[osd]!.upFrom, firstTxMs: undefined, lastRxBackMs: undefined, lastRxFrontMs: undefined, history: new Map() });
      out.push({ kind: 'connect', osd });
    }
    for (const osd of [...this.pending.keys()]) if (!isUp(map, osd)) this.pending.delete(osd);
    return out;
  }

  /**
   * One heartbeat round (OSD::heartbeat): check the peers first (heartbeat_check + send_failures),
   * then ping each. After a gap of more than half the grace since the last round, this OSD itself
   * was not running (SIGSTOP, a starved event loop): the missing replies say nothing about the
   * peers, so their records start over instead of being reported.
   */
  tick(now: number): HeartbeatOutput[] {
    const stalled = this.lastTickMs !== undefined && now - this.lastTickMs > this.conf.graceMs / 2;
    this.lastTickMs = now;
    if (!this.up) return [];
    const out: HeartbeatOutput[] = [];
    for (const [osd, p] of this.peers) {
      if (stalled) {
        p.history.clear();
        p.firstTxMs = undefined;
        p.lastRxBackMs = p.lastRxFrontMs = undefined;
        continue;
      }
      const since = this.failedSince(p, now);
      if (since !== undefined && !this.pending.has(osd)) {
        this.pending.set(osd, since);
        out.push({ kind: 'failure', osd, failedForSec: Math.floor((now - since) / 1000), immediate: false });
      }
    }
    for (const [osd, p] of this.peers) {
      p.firstTxMs ??= now;
      if (!p.history.has(now)) p.history.set(now, { deadlineMs: now + this.conf.graceMs, unacked: 2 });
      out.push({ kind: 'ping', osd, stampMs: now });
    }
    return out;
  }

  /** heartbeat_check's verdict on one peer: when it stopped answering, or undefined if healthy. */
  private failedSince(p: PeerState, now: number): number | undefined {
    const oldest = p.history.values().next();
    if (p.firstTxMs === undefined || oldest.done || now <= oldest.value.deadlineMs) return undefined;
    if (p.lastRxBackMs === undefined || p.lastRxFrontMs === undefined) return p.firstTxMs;
    return Math.min(p.lastRxBackMs, p.lastRxFrontMs);
  }

  /**
   * A PING_REPLY from `osd` on `channel` echoing `stampMs`: the ping and every older one are
   * answered once both channels replied; a peer healthy again has its failure report cancelled.
   */
  reply(osd: number, channel: HbChannel, stampMs: number, now: number): HeartbeatOutput[] {
    const p = this.peers.get(osd);
    const rec = p?.history.get(stampMs);
    if (!p || !rec) return [];
    if (channel === 'back') p.lastRxBackMs = now;
    else p.lastRxFrontMs = now;
    if (--rec.unacked <= 0) {
      for (const k of [...p.history.keys()]) {
        p.history.delete(k);
        if (k === stampMs) break;
      }
    }
    const healthy = p.lastRxBackMs !== undefined && p.lastRxFrontMs !== undefined && this.failedSince(p, now) === undefined;
    if (!healthy || !this.pending.has(osd)) return [];
    this.pending.delete(osd);
    return [{ kind: 'still-alive', osd }];
  }

  /**
   * ms_handle_refused with osd_fast_fail_on_connection_refused: nothing listens where the peer
   * was, so it is gone. Reported at once with FLAG_IMMEDIATE and failed_for = grace + 1 s, as Ceph
   * does ("cheating the mon's grace logic, because it is not going to respawn alone"); again on
   * every refused attempt until the map shows the peer down.
   */
  refused(osd: number): HeartbeatOutput[] {
    if (!this.up || !this.peers.has(osd)) return [];
    return [{ kind: 'failure', osd, failedForSec: Math.floor(this.conf.graceMs / 1000) + 1, immediate: true }];
  }

  /** Reports to send again on a new mon session (OSD::requeue_failures). */
  pendingFailures(now: number): HeartbeatOutput[] {
    return [...this.pending].map(([osd, since]) => ({ kind: 'failure', osd, failedForSec: Math.floor((now - since) / 1000), immediate: false }));
  }
}
