/**
 * What a subscriber gets (Monitor::handle_subscribe and each service's check_sub): the monmap and
 * mgrmap when the subscription's next epoch is due, osdmap incrementals from the requested epoch
 * (or the latest full map for start 0), the entity's config (MConfig) when it changed, and the
 * cluster log at or above a level for `log-<level>` (LogMonitor::check_sub: `ceph -w`,
 * librados monitor_log).
 */
import { Clog, LogEntry, levelFromString } from '../core/log/log-entry';
import { MonSession } from '../core/session';
import { Monitor } from '../monitor';

export const subscriptionLimits = {
  /** osd_map_message_max: incrementals or full maps per MOSDMap. */
  osdMapsPerMessageMax: 40,
};

export type Outgoing =
  | { kind: 'monmap'; monmap: Buffer }
  | { kind: 'mgrmap'; map: Buffer; epoch: number }
  | { kind: 'config'; config: Map<string, string> }
  | { kind: 'log'; entries: LogEntry[]; version: number }
  | { kind: 'osdmap'; incrementals: Map<number, Buffer>; fulls: Map<number, Buffer>; oldest: number; newest: number };

/** Maps for an osdmap subscriber that has `first - 1` (send_incremental / send_latest). */
export function osdmapUpdate(mon: Monitor, first: number): Outgoing | undefined {
  const osd = mon.osd;
  const newest = osd.epoch;
  const oldest = osd.firstCommitted;
  const incs = new Map<number, Buffer>();
  const fulls = new Map<number, Buffer>();
  if (first <= 0) {
    fulls.set(newest, osd.fullBytes(newest)!);
  } else {
    if (first > newest) return undefined;
    let e = first;
    if (e < oldest) {
      // Too old for incrementals: start from the oldest full map we kept.
      fulls.set(oldest, osd.fullBytes(oldest)!);
      e = oldest + 1;
    }
    for (; e <= newest && incs.size < subscriptionLimits.osdMapsPerMessageMax; e++) incs.set(e, osd.incrementalBytes(e)!);
  }
  return { kind: 'osdmap', incrementals: incs, fulls, oldest, newest };
}

/** LogMonitor::sub_name_to_id: the level of a "log-<level>" subscription, else CLOG_UNKNOWN. */
export function logSubLevel(what: string): number {
  return what.startsWith('log-') && what.length > 4 ? levelFromString(what.slice(4)) : Clog.UNKNOWN;
}

/**
 * Everything the session's subscriptions are due, advancing them (check_sub). `only` names the
 * maps that changed (or were just subscribed to); "log" stands for every log-<level> subscription.
 */
export function dueUpdates(mon: Monitor, s: MonSession, only?: Set<string>): Outgoing[] {
  const out: Outgoing[] = [];
  for (const [what, sub] of [...s.subs.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    const level = logSubLevel(what);
    if (only && !only.has(what) && !(level >= 0 && only.has('log'))) continue;
    let sent = false;
    if (level >= 0) {
      const due = mon.logm.subscriberEntries(level, sub.start, mon.opts.clock.wallNow());
      if (!due) continue;
      if (due.entries.length) out.push({ kind: 'log', ...due });
      // LogMonitor::check_sub ends a one-time subscription even when nothing was sent.
      if (sub.onetime) s.subs.delete(what);
      else sub.start = mon.logm.summary.version + 1;
      continue;
    }
    if (what === 'monmap') {
      const e = mon.monmap.monmap.epoch;
      if (sub.start <= e) {
        out.push({ kind: 'monmap', monmap: mon.monmap.currentBytes() });
        sub.start = e + 1;
        sent = true;
      }
    } else if (what === 'mgrmap') {
      const e = mon.mgr.mgrmap.epoch;
      if (sub.start <= e) {
        out.push({ kind: 'mgrmap', map: mon.mgr.encodedFor(s.features), epoch: e });
        sub.start = e + 1;
        sent = true;
      }
    } else if (what === 'osdmap') {
      const e = mon.osd.epoch;
      if (sub.start === 0 || sub.start <= e) {
        const u = osdmapUpdate(mon, sub.start);
        if (u) {
          out.push(u);
          sent = true;
        }
        sub.start = e + 1;
      }
    } else if (what === 'config') {
      const cfg = mon.config.entityConfig(mon.entityContext(s.name));
      if (!s.lastConfig || !sameMap(s.lastConfig, cfg)) {
        out.push({ kind: 'config', config: cfg });
        s.lastConfig = cfg;
        sent = true;
      }
    }
    if (sent && sub.onetime) s.subs.delete(what);
  }
  return out;
}

function sameMap(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}
