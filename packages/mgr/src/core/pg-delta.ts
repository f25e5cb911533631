/**
 * The PG map's rates (src/mon/PGMap.cc update_delta, update_global_delta, update_pool_deltas and
 * PGMapDigest::client_io_rate_summary): at every mgr tick the cluster's and each pool's stat sums
 * are compared with the previous tick's; the last `mon_stat_smooth_intervals` differences and
 * their durations are summed, and a rate is the summed difference over the summed duration. Pure:
 * the sums and the time come in.
 */
import { JsonFormatter, ObjectStatSumT, byteU, newObjectStatSum, siU } from '@ts-ceph/maps';

export interface DeltaConf {
  /** mon_stat_smooth_intervals: how many tick deltas a rate averages over. */
  smoothIntervals: number;
  /** mon_delta_reset_interval (s): a tick delta counts at most twice this long. */
  resetIntervalSec: number;
}

/** Client I/O rates (PGMapDigest::client_io_rate_summary's values), whole numbers as Ceph truncates them. */
export interface ClientIoRate {
  /** Present only when the window read (or wrote) anything, as Ceph prints it. */
  readBytesSec?: number;
  writeBytesSec?: number;
  readOpPerSec: number;
  writeOpPerSec: number;
  /** Reads and writes together over the window (print_oneline_summary's io_sec). */
  opPerSec: number;
}

function sub(a: ObjectStatSumT, b: ObjectStatSumT): ObjectStatSumT {
  const d = newObjectStatSum();
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) d[k] = (a[k] ?? 0) - (b[k] ?? 0);
  return d;
}

function addInto(a: ObjectStatSumT, b: ObjectStatSumT, sign: 1 | -1): void {
  for (const k of Object.keys(b)) a[k] = (a[k] ?? 0) + sign * (b[k] ?? 0);
}

const isZero = (s: ObjectStatSumT): boolean => Object.values(s).every((v) => !v);

/** One smoothed delta: the previous sum and stamp, the window and its totals. */
export class StatDelta {
  private last = newObjectStatSum();
  private lastMs = 0;
  private readonly window: [ObjectStatSumT, number][] = [];
  /** Summed difference over the window (pg_sum_delta) and its duration in seconds (stamp_delta). */
  readonly delta = newObjectStatSum();
  deltaSec = 0;

  /** update_delta: take the sum seen at `nowMs`. */
  update(nowMs: number, current: ObjectStatSumT, conf: DeltaConf): void {
    const dt = Math.min((nowMs - this.lastMs) / 1000, 2 * conf.resetIntervalSec);
    this.lastMs = nowMs;
    // A first sum (nothing before it) gives no delta: the counters were not in sync yet.
    if (!isZero(this.last)) {
      const d = sub(current, this.last);
      this.window.push([d, dt]);
      this.deltaSec += dt;
      addInto(this.delta, d, 1);
    }
    while (this.window.length > conf.smoothIntervals) {
      const [d, t] = this.window.shift()!;
      addInto(this.delta, d, -1);
      this.deltaSec -= t;
    }
    this.last = { ...current };
  }

  /** client_io_rate_summary: undefined when no op was read or written in the window. */
  clientIo(): ClientIoRate | undefined {
    const pos = (k: string): number => Math.max(0, this.delta[k] ?? 0);
    const rd = pos('num_rd');
    const wr = pos('num_wr');
    if ((!rd && !wr) || this.deltaSec <= 0) return undefined;
    const per = (n: number): number => Math.trunc(n / this.deltaSec);
    const out: ClientIoRate = { readOpPerSec: per(rd), writeOpPerSec: per(wr), opPerSec: per(rd + wr) };
    if (rd) out.readBytesSec = per(pos('num_rd_kb') * 1024);
    if (wr) out.writeBytesSec = per(pos('num_wr_kb') * 1024);
    return out;
  }
}

/** PGMapDigest::client_io_rate_summary in plain text, '' without client I/O in the window. */
export function clientIoText(r: ClientIoRate | undefined): string {
  if (!r) return '';
  let out = '';
  if (r.readBytesSec !== undefined) out += `${byteU(r.readBytesSec)}/s rd, `;
  if (r.writeBytesSec !== undefined) out += `${byteU(r.writeBytesSec)}/s wr, `;
  return `${out}${siU(r.readOpPerSec)} op/s rd, ${siU(r.writeOpPerSec)} op/s wr`;
}

/** client_io_rate_summary's JSON fields. */
export function dumpClientIo(f: JsonFormatter, r: ClientIoRate | undefined): void {
  if (!r) return;
  if (r.readBytesSec !== undefined) f.dumpInt('read_bytes_sec', r.readBytesSec);
  if (r.writeBytesSec !== undefined) f.dumpInt('write_bytes_sec', r.writeBytesSec);
  f.dumpInt('read_op_per_sec', r.readOpPerSec);
  f.dumpInt('write_op_per_sec', r.writeOpPerSec);
}

/** print_oneline_summary's rate part (`pg stat`): "; 4 KiB/s rd, 2 op/s", '' when idle. */
export function onelineIoText(r: ClientIoRate | undefined): string {
  if (!r) return '';
  let out = '; ';
  if (r.readBytesSec !== undefined) out += `${byteU(r.readBytesSec)}/s rd, `;
  if (r.writeBytesSec !== undefined) out += `${byteU(r.writeBytesSec)}/s wr, `;
  return `${out}${siU(r.opPerSec)} op/s`;
}

/** print_oneline_summary's JSON rates. */
export function dumpOnelineIo(f: JsonFormatter, r: ClientIoRate | undefined): void {
  if (!r) return;
  if (r.readBytesSec !== undefined) f.dumpUnsigned('read_bytes_sec', r.readBytesSec);
  if (r.writeBytesSec !== undefined) f.dumpUnsigned('write_bytes_sec', r.writeBytesSec);
  f.dumpUnsigned('io_sec', r.opPerSec);
}
