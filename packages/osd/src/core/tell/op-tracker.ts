/**
 * A small OpTracker (src/common/TrackedOp.{h,cc}): the client ops the OSD has received and not yet
 * answered, with their events, for `dump_ops_in_flight` / `ops` / `dump_blocked_ops`. Pure: times
 * (ms since the epoch) come in. Bounded by `opTrackerLimits.opsTrackedMax`; past it new ops go
 * untracked (they still run).
 */
import { Formatter } from '@ts-ceph/maps';

export const opTrackerLimits = {
  /** Ops tracked at once. */
  opsTrackedMax: 4096,
  /** Events kept per op. */
  eventsPerOpMax: 16,
  /** osd_op_complaint_time: an op older than this is "blocked" (seconds). */
  complaintTimeSec: 30,
};

export interface TrackedOpInfo {
  description: string;
  /** "client.4123" */
  client: string;
  clientAddr: string;
  tid: bigint;
}

interface TrackedOp {
  /** The op's description, or how to make it: built only when a dump asks (TrackedOp::get_desc). */
  info: TrackedOpInfo | (() => TrackedOpInfo);
  id: number;
  initiatedMs: number;
  flagPoint: string;
  events: { event: string; ms: number }[];
}

/** utime_t::localtime as Ceph prints it in op dumps, in UTC: 2024-05-01T12:00:00.123456+0000. */
export function formatOpTime(ms: number): string {
  const d = new Date(ms);
  const us = String(Math.round((ms % 1000) * 1000)).padStart(6, '0');
  return `${d.toISOString().slice(0, 19)}.${us}+0000`;
}

function infoOf(o: TrackedOp): TrackedOpInfo {
  if (typeof o.info === 'function') o.info = o.info();
  return o.info;
}

export class OpTracker {
  private readonly ops = new Map<number, TrackedOp>();
  private nextId = 1;

  get size(): number {
    return this.ops.size;
  }

  /**
   * A new op ("initiated"); returns its id, 0 when untracked. `info` may be a function, called only
   * if a dump shows the op: most ops finish unseen, and formatting each one costs more than the op.
   */
  start(info: TrackedOpInfo | (() => TrackedOpInfo), nowMs: number): number {
    if (this.ops.size >= opTrackerLimits.opsTrackedMax) return 0;
    const id = this.nextId++;
    this.ops.set(id, { info, id, initiatedMs: nowMs, flagPoint: 'delayed', events: [{ event: 'initiated', ms: nowMs }] });
    return id;
  }

  /** An event; the flag point follows ("queued_for_pg", "started", "waiting for commit"...). */
  mark(id: number, event: string, nowMs: number): void {
    const op = this.ops.get(id);
    if (!op) return;
    op.flagPoint = event;
    if (op.events.length < opTrackerLimits.eventsPerOpMax) op.events.push({ event, ms: nowMs });
  }

  done(id: number): void {
    this.ops.delete(id);
  }

  /** OpTracker::dump_ops_in_flight: {"ops": [...], "num_ops": N} (blocked: complaint_time and num_blocked_ops). */
  dump(f: Formatter, nowMs: number, blockedOnly: boolean, filters: readonly string[] = []): void {
    const ops = [...this.ops.values()].filter(
      (o) => (!blockedOnly || nowMs - o.initiatedMs > opTrackerLimits.complaintTimeSec * 1000) && (filters.length === 0 || filters.some((s) => infoOf(o).description.includes(s))),
    );
    f.openObject('ops_in_flight');
    f.openArray('ops');
    for (const o of ops) this.dumpOp(f, o, nowMs);
    f.close();
    if (blockedOnly) {
      f.dumpFloat('complaint_time', opTrackerLimits.complaintTimeSec);
      f.dumpInt('num_blocked_ops', ops.length);
    } else f.dumpInt('num_ops', ops.length);
    f.close();
  }

  private dumpOp(f: Formatter, o: TrackedOp, nowMs: number): void {
    const info = infoOf(o);
    f.openObject('op');
    f.dumpString('description', info.description);
    f.dumpString('initiated_at', formatOpTime(o.initiatedMs));
    f.dumpFloat('age', (nowMs - o.initiatedMs) / 1000);
    f.dumpFloat('duration', (nowMs - o.initiatedMs) / 1000);
    f.openObject('type_data');
    f.dumpString('flag_point', o.flagPoint);
    f.openObject('client_info');
    f.dumpString('client', info.client);
    f.dumpString('client_addr', info.clientAddr);
    f.dumpUnsigned('tid', info.tid);
    f.close();
    f.openArray('events');
    let prev = o.initiatedMs;
    for (const e of o.events) {
      f.openObject('event');
      f.dumpString('event', e.event);
      f.dumpString('time', formatOpTime(e.ms));
      f.dumpFloat('duration', (e.ms - prev) / 1000);
      f.close();
      prev = e.ms;
    }
    f.close();
    f.close();
    f.close();
  }
}
