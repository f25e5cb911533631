import { CephConf, Clock, logger, TimerHandle } from '@ts-ceph/common';
import { formatPg, OSDMap, OsdMapFlag, pgKey } from '@ts-ceph/maps';
import { Clog, MOSDScrub2 } from '@ts-ceph/messages';
import type { ReplicatedPG } from './core/peering';
import type { PgDriver } from './pg-driver';

const log = logger('osd');

/** Named limits of the scrub driver (docs/LIMITS.md). */
export const scrubDriverLimits = {
  /** How often each primary PG's scrubber gets a tick (start a due or requested scrub, resend), ms. */
  scrubTickMs: 1_000,
};

export interface ScrubDriverHost {
  clock: Clock;
  pgDriver: PgDriver;
  osdmap(): OSDMap | undefined;
  /** One cluster-log entry (the daemon's LogClient). */
  clog(prio: number, msg: string): void;
  /** osd_max_scrubs: scrubs this OSD runs as primary at once. */
  maxScrubs: number;
}

/** osd_max_scrubs from the conf (Ceph's default 1). */
export function maxScrubsFrom(conf: CephConf, who: string): number {
  const v = Number(conf.get('osd_max_scrubs', who));
  return Number.isInteger(v) && v > 0 ? v : 1;
}

/**
 * Runs the PG cores' scrubbers (core/peering/scrub.ts) in ts-osd, a simplified OSD::sched_scrub:
 * every scrubTickMs each PG this OSD is primary of gets a scrub tick with the wall clock in
 * seconds. A requested scrub (MOSDScrub2 from the mgr: `ceph pg scrub|deep-scrub|repair`, `ceph
 * osd scrub N`) starts at the next tick once the PG is active+clean; a scheduled one once
 * osd_scrub_min_interval has passed since the last (deep once osd_deep_scrub_interval has), none
 * while the osdmap's noscrub flag is set (nor a due deep one under nodeep-scrub). At most osd_max_scrubs run at once (Ceph
 * also counts replica reservations and waits for scrub hours and load; we do not). A PG seen for
 * the first time counts as scrubbed then, as the monitor stamps a new PG with its creation time.
 * The cores' cluster-log lines go to the monitor after every call into a core.
 */
export class ScrubDriver {
  private timer: TimerHandle | undefined;
  private stopped = false;
  /** The PGs whose scrub holds one of the osd_max_scrubs slots. */
  private readonly scrubbing = new Set<string>();

  constructor(private readonly host: ScrubDriverHost) {
    host.pgDriver.afterDrain = (key, core) => this.afterDrain(key, core);
  }

  start(): void {
    if (this.stopped) return;
    this.timer = this.host.clock.setTimeout(() => {
      this.tick();
      this.start();
    }, scrubDriverLimits.scrubTickMs);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** OSD::handle_fast_scrub: queue the scrub on each named PG we are primary of. */
  handleScrub2(m: MOSDScrub2): void {
    log.dout(10, `scrub2 ${m.scrubPgs.map((s) => formatPg(s.pgid)).join(',')}${m.repair ? ' repair' : ''}${m.deep ? ' deep' : ''}`);
    for (const spg of m.scrubPgs) {
      this.host.pgDriver.withCore(pgKey(spg.pgid), async (core) => {
        if (core.isPrimary) core.requestScrub({ deep: m.deep, repair: m.repair });
      });
    }
  }

  private tick(): void {
    const now = this.host.clock.wallNow() / 1000;
    const flags = this.host.osdmap()?.flags ?? 0;
    for (const [key, core] of this.host.pgDriver.cores) {
      // A PG no longer ours to scrub still gets a tick while its scrub runs: the tick abandons it
      // (a new interval) and its osd_max_scrubs slot is released.
      if (!core.isPrimary && !core.scrub.active) continue;
      this.host.pgDriver.withCore(key, async (c) => {
        const s = c.scrub;
        if (!s.lastScrubStamp && !s.lastDeepScrubStamp) s.lastScrubStamp = s.lastDeepScrubStamp = now;
        if (!s.active) {
          // Only a PG with a scrub to start takes a slot (and only then is its core called).
          const deepDue = now - s.lastDeepScrubStamp >= c.conf.osdDeepScrubInterval;
          const due = now - s.lastScrubStamp >= c.conf.osdScrubMinInterval || deepDue;
          if (!s.pending && (!due || flags & OsdMapFlag.NOSCRUB || (deepDue && flags & OsdMapFlag.NODEEP_SCRUB))) return;
          if (!this.scrubbing.has(key)) {
            if (this.scrubbing.size >= this.host.maxScrubs) return;
            this.scrubbing.add(key);
          }
        }
        await c.scrubTick(now);
      });
    }
  }

  private afterDrain(key: string, core: ReplicatedPG): void {
    if (!core.scrub.active && this.scrubbing.delete(key)) log.dout(10, `pg ${key} scrub slot released`);
    for (const l of core.scrub.clog.splice(0)) {
      log.dout(l.error ? 0 : 10, l.msg);
      this.host.clog(l.error ? Clog.ERROR : Clog.DEBUG, l.msg);
    }
  }
}
