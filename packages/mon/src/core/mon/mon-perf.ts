/**
 * The monitor's perf counters as `ceph daemon mon.X perf dump|schema` shows them: the "mon" logger
 * (Monitor.cc's l_mon_* sessions and elections) and the "cluster" logger (Monitor.cc's l_cluster_*,
 * refreshed from the maps and PG statistics), with the names, descriptions, nicks, priorities and
 * units a 16.2.15 mon reports. The messenger, throttle, rocksdb and mempool loggers of a real mon
 * have no counterpart in ts-mon and are not shown.
 */
import { JsonFormatter } from '@ts-ceph/maps';

/** One counter's schema (PerfCounters::dump_formatted with schema). */
interface CounterSchema {
  /** PERFCOUNTER_U64 (2), | PERFCOUNTER_COUNTER (8). */
  type: number;
  description: string;
  nick: string;
  priority: number;
  units: 'none' | 'bytes';
}

const gauge = (description: string, nick = '', priority = 0, units: 'none' | 'bytes' = 'none'): CounterSchema => ({ type: 2, description, nick, priority, units });
const counter = (description: string, nick: string, priority: number): CounterSchema => ({ type: 10, description, nick, priority, units: 'none' });

export const monPerfSchema: Record<'mon' | 'cluster', Record<string, CounterSchema>> = {
  cluster: {
    num_mon: gauge('Monitors'),
    num_mon_quorum: gauge('Monitors in quorum'),
    num_osd: gauge('OSDs'),
    num_osd_up: gauge('OSDs that are up'),
    num_osd_in: gauge('OSD in state "in" (they are in cluster)'),
    osd_epoch: gauge('Current epoch of OSD map'),
    osd_bytes: gauge('Total capacity of cluster', '', 0, 'bytes'),
    osd_bytes_used: gauge('Used space', '', 0, 'bytes'),
    osd_bytes_avail: gauge('Available space', '', 0, 'bytes'),
    num_pool: gauge('Pools'),
    num_pg: gauge('Placement groups'),
    num_pg_active_clean: gauge('Placement groups in active+clean state'),
    num_pg_active: gauge('Placement groups in active state'),
    num_pg_peering: gauge('Placement groups in peering state'),
    num_object: gauge('Objects'),
    num_object_degraded: gauge('Degraded (missing replicas) objects'),
    num_object_misplaced: gauge('Misplaced (wrong location in the cluster) objects'),
    num_object_unfound: gauge('Unfound objects'),
    num_bytes: gauge('Size of all objects', '', 0, 'bytes'),
  },
  mon: {
    num_sessions: gauge('Open sessions', 'sess', 5),
    session_add: counter('Created sessions', 'sadd', 8),
    session_rm: counter('Removed sessions', 'srm', 8),
    session_trim: counter('Trimmed sessions', 'strm', 5),
    num_elections: counter('Elections participated in', 'ecnt', 5),
    election_call: counter('Elections started', 'estt', 8),
    election_win: counter('Elections won', 'ewon', 8),
    election_lose: counter('Elections lost', 'elst', 8),
  },
};

/** The values, by logger then counter; every counter of the schema is present. */
export type MonPerfValues = Record<'mon' | 'cluster', Record<string, number>>;

/** perf dump [logger [counter]]: loggers in name order, as PerfCountersCollection dumps them. */
export function dumpMonPerf(f: JsonFormatter, v: MonPerfValues, logger?: string, counter?: string): void {
  f.openObject('perfcounter_collection');
  for (const name of ['cluster', 'mon'] as const) {
    if (logger && logger !== name) continue;
    f.openObject(name);
    for (const k of Object.keys(monPerfSchema[name])) if (!counter || counter === k) f.dumpUnsigned(k, v[name][k] ?? 0);
    f.close();
  }
  f.close();
}

export function dumpMonPerfSchema(f: JsonFormatter): void {
  f.openObject('perf_schema');
  for (const name of ['cluster', 'mon'] as const) {
    f.openObject(name);
    for (const [k, s] of Object.entries(monPerfSchema[name])) {
      f.openObject(k);
      f.dumpInt('type', s.type);
      f.dumpString('metric_type', s.type & 8 ? 'counter' : 'gauge');
      f.dumpString('value_type', 'integer');
      f.dumpString('description', s.description);
      f.dumpString('nick', s.nick);
      f.dumpInt('priority', s.priority);
      f.dumpString('units', s.units);
      f.close();
    }
    f.close();
  }
  f.close();
}
