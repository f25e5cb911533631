/**
 * The OSD's perf counters for `ceph tell osd.N perf dump` (src/osd/osd_perf_counters.cc), the
 * subset ts-osd keeps, in Ceph's order and shape: plain counters and gauges as integers, latencies
 * as {"avgcount", "sum", "avgtime"} in seconds, and their schema (`perf schema`). Only the "osd"
 * logger exists.
 */
import { Formatter } from '@ts-ceph/maps';

interface Latency {
  avgcount: number;
  sumSec: number;
}

const counterNames = ['op_wip', 'op', 'op_in_bytes', 'op_out_bytes', 'op_latency', 'op_r', 'op_r_out_bytes', 'op_r_latency', 'op_w', 'op_w_in_bytes', 'op_w_latency', 'op_rw', 'op_rw_in_bytes', 'op_rw_out_bytes', 'op_rw_latency', 'recovery_ops', 'numpg', 'numpg_primary', 'map_messages', 'stat_bytes', 'stat_bytes_used', 'stat_bytes_avail'] as const;

export type OsdCounter = (typeof counterNames)[number];

/** PERFCOUNTER_* type bits (src/common/perf_counters.h). */
const U64 = 2;
const COUNTER = 10;
const TIME_AVG = 5;
/** PerfCountersBuilder's priorities; the OSD's default is PRIO_USEFUL. */
const [CRITICAL, INTERESTING, USEFUL] = [10, 8, 5];

/** Each counter's [type, description, nick, priority, unit] as osd_perf_counters.cc declares it. */
const counterSchema: Record<OsdCounter, [number, string, string, number, 'none' | 'bytes']> = {
  op_wip: [U64, 'Replication operations currently being processed (primary)', '', USEFUL, 'none'],
  op: [COUNTER, 'Client operations', 'ops', CRITICAL, 'none'],
  op_in_bytes: [COUNTER, 'Client operations total write size', 'wr', INTERESTING, 'bytes'],
  op_out_bytes: [COUNTER, 'Client operations total read size', 'rd', INTERESTING, 'bytes'],
  op_latency: [TIME_AVG, 'Latency of client operations (including queue time)', 'l', 9, 'none'],
  op_r: [COUNTER, 'Client read operations', '', USEFUL, 'none'],
  op_r_out_bytes: [COUNTER, 'Client data read', '', USEFUL, 'bytes'],
  op_r_latency: [TIME_AVG, 'Latency of read operation (including queue time)', '', USEFUL, 'none'],
  op_w: [COUNTER, 'Client write operations', '', USEFUL, 'none'],
  op_w_in_bytes: [COUNTER, 'Client data written', '', USEFUL, 'none'],
  op_w_latency: [TIME_AVG, 'Latency of write operation (including queue time)', '', USEFUL, 'none'],
  op_rw: [COUNTER, 'Client read-modify-write operations', '', USEFUL, 'none'],
  op_rw_in_bytes: [COUNTER, 'Client read-modify-write operations write in', '', USEFUL, 'bytes'],
  op_rw_out_bytes: [COUNTER, 'Client read-modify-write operations read out ', '', USEFUL, 'bytes'],
  op_rw_latency: [TIME_AVG, 'Latency of read-modify-write operation (including queue time)', '', USEFUL, 'none'],
  // Counted once recovery runs in ts-osd; declared now so the mgr exports it as Ceph's OSD does.
  recovery_ops: [COUNTER, 'Started recovery operations', 'rop', INTERESTING, 'none'],
  numpg: [U64, 'Placement groups', 'pgs', USEFUL, 'none'],
  numpg_primary: [U64, 'Placement groups for which this osd is primary', '', USEFUL, 'none'],
  map_messages: [COUNTER, 'OSD map messages', '', USEFUL, 'none'],
  stat_bytes: [U64, 'OSD size', 'size', USEFUL, 'bytes'],
  stat_bytes_used: [U64, 'Used space', 'used', USEFUL, 'bytes'],
  stat_bytes_avail: [U64, 'Available space', '', USEFUL, 'bytes'],
};

export interface OpSample {
  read: boolean;
  write: boolean;
  inBytes: number;
  outBytes: number;
  latencySec: number;
}

export class OsdPerfCounters {
  private readonly ints = new Map<string, number>();
  private readonly lats = new Map<string, Latency>();

  constructor() {
    for (const n of counterNames) {
      if (n.endsWith('_latency')) this.lats.set(n, { avgcount: 0, sumSec: 0 });
      else this.ints.set(n, 0);
    }
  }

  inc(name: OsdCounter, by = 1): void {
    this.ints.set(name, (this.ints.get(name) ?? 0) + by);
  }

  set(name: OsdCounter, v: number): void {
    this.ints.set(name, v);
  }

  value(name: OsdCounter): number {
    return this.ints.get(name) ?? this.lats.get(name)?.avgcount ?? 0;
  }

  private tinc(name: OsdCounter, sec: number): void {
    const l = this.lats.get(name)!;
    l.avgcount++;
    l.sumSec += sec;
  }

  /** One answered client op (PrimaryLogPG::log_op_stats): op_*, then the r, w or rw family. */
  opDone(s: OpSample): void {
    this.inc('op');
    this.inc('op_in_bytes', s.inBytes);
    this.inc('op_out_bytes', s.outBytes);
    this.tinc('op_latency', s.latencySec);
    if (s.read && s.write) {
      this.inc('op_rw');
      this.inc('op_rw_in_bytes', s.inBytes);
      this.inc('op_rw_out_bytes', s.outBytes);
      this.tinc('op_rw_latency', s.latencySec);
    } else if (s.write) {
      this.inc('op_w');
      this.inc('op_w_in_bytes', s.inBytes);
      this.tinc('op_w_latency', s.latencySec);
    } else {
      this.inc('op_r');
      this.inc('op_r_out_bytes', s.outBytes);
      this.tinc('op_r_latency', s.latencySec);
    }
  }

  /**
   * The counters as MgrClient reports them (MMgrReport): path "osd.<name>", PERFCOUNTER_* type bits
   * (U64 2, COUNTER 8, TIME 1, LONGRUNAVG 4) and unit (BYTES 1), and the values: a latency sends its
   * sum in nanoseconds, its avgcount and avgcount2. The description and nick are the declared ones
   * (the mgr's prometheus module prints the description as the metric's HELP).
   */
  mgrCounters(): { path: string; type: number; unit: number; description: string; nick: string; priority: number; values: bigint[] }[] {
    return counterNames.map((n) => {
      const l = this.lats.get(n);
      const [, description, nick, priority] = counterSchema[n];
      if (l) return { path: `osd.${n}`, type: 1 | 4, unit: 0, description, nick, priority, values: [BigInt(Math.round(l.sumSec * 1e9)), BigInt(l.avgcount), BigInt(l.avgcount)] };
      const gauge = n === 'op_wip' || n.startsWith('numpg') || n.startsWith('stat_bytes');
      return { path: `osd.${n}`, type: gauge ? 2 : 2 | 8, description, nick, priority, unit: n.endsWith('bytes') || n.startsWith('stat_bytes') ? 1 : 0, values: [BigInt(Math.max(0, Math.round(this.ints.get(n) ?? 0)))] };
    });
  }

  /** perf dump [logger] [counter]: {"osd": {...}}, filtered as PerfCountersCollection::dump does. */
  dump(f: Formatter, logger?: string, counter?: string): void {
    f.openObject('perfcounter_collection');
    if (logger === undefined || logger === 'osd') {
      f.openObject('osd');
      for (const n of counterNames) {
        if (counter !== undefined && counter !== n) continue;
        const l = this.lats.get(n);
        if (!l) {
          f.dumpUnsigned(n, this.ints.get(n) ?? 0);
          continue;
        }
        f.openObject(n);
        f.dumpUnsigned('avgcount', l.avgcount);
        f.dumpFloat('sum', l.sumSec);
        f.dumpFloat('avgtime', l.avgcount ? l.sumSec / l.avgcount : 0);
        f.close();
      }
      f.close();
    }
    f.close();
  }

  /** perf schema (PerfCounters::dump_formatted with schema): each counter's type and meta data. */
  dumpSchema(f: Formatter): void {
    f.openObject('perf_schema');
    f.openObject('osd');
    for (const n of counterNames) {
      const [type, description, nick, priority, units] = counterSchema[n];
      f.openObject(n);
      f.dumpInt('type', type);
      f.dumpString('metric_type', type & 8 ? 'counter' : 'gauge');
      f.dumpString('value_type', type === TIME_AVG ? 'real-integer-pair' : 'integer');
      f.dumpString('description', description);
      f.dumpString('nick', nick);
      f.dumpInt('priority', priority);
      f.dumpString('units', units);
      f.close();
    }
    f.close();
    f.close();
  }
}
