/**
 * The OSD's tell commands (MCommand from `ceph tell osd.N ...` and librados' osd_command), as
 * AdminSocket::execute_command and OSD::asok_command answer them: the cmd strings are one JSON
 * object, its prefix picks a command of the table, the arguments are checked against the
 * descriptor, and the output is the formatter's ("json" compact, anything else json-pretty).
 * Pure: everything the commands report comes from the TellHost; `bench` returns a plan the driver
 * carries out and then formats with `finish`.
 */
import { CephError, Errno, cephError } from '@ts-ceph/common/core';
import { HbInterfaces, JsonFormatter } from '@ts-ceph/maps';
import { dumpOsdNetwork, osdNetworkThresholdUs } from './osd-network';
import { BenchArgs, BenchLimits, BenchPlan, dumpBenchResult, planBench } from './bench';
import { findTellCommands, formatTellDescriptions, formatTellHelp, tellArgs, TellCommandDesc } from './command-table';
import { OpTracker } from './op-tracker';
import { OsdConfig } from './osd-config';
import { OsdPerfCounters } from './perf';
import { PgCommandReq, parsePgCommand, pgCommandPrefixes } from './pg-command';
import { dumpMempools, heapStatsText, MemoryReport } from './mempools';

/** The version this OSD reports (`ceph tell osd.N version`, the same release as ts-mon's). */
export const tellVersion = { version: '16.2.15', release: 'pacific', releaseType: 'stable', gitVersion: '618f440892089921c3e944a991122ddc44e60516' };

export interface TellStatus {
  clusterFsid: string;
  osdFsid: string;
  whoami: number;
  /** OSD::get_state_name: "preboot", "booting", "active", "stopping". */
  state: string;
  oldestMap: number;
  newestMap: number;
  numPgs: number;
}

export interface TellHost {
  status(): TellStatus;
  config: OsdConfig;
  tracker: OpTracker;
  perf: OsdPerfCounters;
  mappedPools(): number[];
  /** OSDService::get_osd_stat_seq after a pg stats flush: (up_from << 32) + a counter. */
  flushPgStats(): bigint;
  nowMs(): number;
  /** Ping times to our heartbeat peers (osd_stat_t hb_pingtime) for dump_osd_network. */
  hbPingtimes?(): [number, HbInterfaces][];
  /** Where the daemon's memory is, measured now (dump_mempools, heap stats). */
  memory?(): MemoryReport;
  /** Return malloc's free memory to the system (heap release); undefined when it cannot. */
  releaseMemory?(): boolean | undefined;
  /** A config value changed at runtime (the driver applies debug levels to its loggers). */
  onConfigSet?(name: string, value: string): void;
}

export interface TellReply {
  r: number;
  rs: string;
  outbl: Buffer;
}

/** A reply; a bench for the driver to run; or a pg command for the driver to run in the PG's queue. */
export type TellOutcome = { reply: TellReply } | { bench: BenchPlan; finish(elapsedSec: number): TellReply } | { pg: PgCommandReq };

type CmdMap = Record<string, unknown>;

const fail = (errno: number, rs: string): TellOutcome => ({ reply: { r: -errno, rs, outbl: Buffer.alloc(0) } });

/** cmdmap_from_json: the strings joined, one JSON object. */
function parseCmdMap(cmd: readonly string[]): CmdMap | undefined {
  try {
    const v: unknown = JSON.parse(cmd.join(''));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as CmdMap) : undefined;
  } catch {
    return undefined;
  }
}

/** validate_cmd: required arguments present, each of its descriptor's type. */
function validArgs(d: TellCommandDesc, m: CmdMap): boolean {
  for (const a of tellArgs(d)) {
    const v = m[a.name];
    if (v === undefined) {
      if (a.required) return false;
      continue;
    }
    const choices = a.type === 'CephChoices' ? a.kv.find((x) => x[0] === 'strings')?.[1].split('|') : undefined;
    const one = (x: unknown): boolean => (a.type === 'CephInt' ? typeof x === 'number' && Number.isInteger(x) : typeof x === 'string' && (!choices || choices.includes(x)));
    if (a.many ? !(Array.isArray(v) && v.every(one)) : !one(v)) return false;
  }
  return true;
}

function benchLimits(c: OsdConfig): BenchLimits {
  return {
    maxBlockSize: c.num('osd_bench_max_block_size'),
    durationSec: c.num('osd_bench_duration'),
    smallSizeMaxIops: c.num('osd_bench_small_size_max_iops'),
    largeSizeMaxThroughput: c.num('osd_bench_large_size_max_throughput'),
  };
}

export function runTell(cmd: readonly string[], host: TellHost): TellOutcome {
  const m = parseCmdMap(cmd);
  if (!m) return fail(Errno.EINVAL, 'invalid json');
  if ((m.prefix !== undefined && typeof m.prefix !== 'string') || (m.format !== undefined && typeof m.format !== 'string')) {
    return fail(Errno.EINVAL, 'invalid json, missing format and/or prefix');
  }
  const prefix = (m.prefix as string | undefined) ?? '';
  const descs = findTellCommands(prefix);
  if (!descs.length) return fail(Errno.EINVAL, `unknown command prefix ${prefix}`);
  if (!descs.some((d) => validArgs(d, m))) return fail(Errno.EINVAL, 'invalid command json');
  if (pgCommandPrefixes.includes(prefix)) {
    const pg = parsePgCommand(prefix, m);
    return 'r' in pg ? fail(-pg.r, pg.rs) : { pg };
  }
  const f = new JsonFormatter(m.format !== 'json');
  try {
    if (prefix === 'bench') {
      const plan = planBench(m as BenchArgs, benchLimits(host.config));
      return {
        bench: plan,
        finish: (elapsed) => {
          dumpBenchResult(f, plan, elapsed);
          return { r: 0, rs: '', outbl: Buffer.from(f.toString()) };
        },
      };
    }
    const rs = command(prefix, m, f, host);
    return { reply: { r: 0, rs, outbl: Buffer.from(f.toString()) } };
  } catch (e) {
    if (e instanceof CephError) return fail(e.errno > 0 ? e.errno : -e.errno, e.message);
    throw e;
  }
}

/** One command's output into `f`; returns the status text. */
function command(prefix: string, m: CmdMap, f: JsonFormatter, host: TellHost): string {
  switch (prefix) {
    case 'version':
    case 'git_version':
      f.openObject('version');
      if (prefix === 'version') {
        f.dumpString('version', tellVersion.version);
        f.dumpString('release', tellVersion.release);
        f.dumpString('release_type', tellVersion.releaseType);
      } else f.dumpString('git_version', tellVersion.gitVersion);
      f.close();
      return '';
    case 'help':
      formatTellHelp(f);
      return '';
    case 'get_command_descriptions':
      formatTellDescriptions(f);
      return '';
    case 'status':
      dumpStatus(f, host.status());
      return '';
    case 'dump_ops_in_flight':
    case 'ops':
    case 'dump_blocked_ops':
      host.tracker.dump(f, host.nowMs(), prefix === 'dump_blocked_ops', (m.filterstr as string[] | undefined) ?? []);
      return '';
    case 'perf dump':
      host.perf.dump(f, m.logger as string | undefined, m.counter as string | undefined);
      return '';
    case 'perf schema':
      host.perf.dumpSchema(f);
      return '';
    case 'flush_pg_stats':
      f.dumpUnsigned('stat_seq', host.flushPgStats());
      return '';
    case 'dump_osd_network': {
      const c = host.config;
      const thresholdUs = osdNetworkThresholdUs(m.value as number | undefined, c.num('mon_warn_on_slow_ping_time'), c.num('mon_warn_on_slow_ping_ratio'), c.num('osd_heartbeat_grace'));
      dumpOsdNetwork(f, { whoami: host.status().whoami, pingtimes: host.hbPingtimes?.() ?? [], thresholdUs, nowSec: Math.floor(host.nowMs() / 1000), staleSec: c.num('osd_heartbeat_stale') });
      return '';
    }
    case 'dump_mempools':
      f.openObject('mempools');
      dumpMempools(f, memoryOf(host));
      f.close();
      return '';
    case 'heap':
      // heap release is tcmalloc's ReleaseFreeMemory in ceph-osd (src/perfglue/heap_profiler.cc);
      // ours is glibc's malloc_trim, with the same answer.
      if (m.heapcmd === 'release' && host.releaseMemory?.() !== undefined) return `osd.${host.status().whoami} releasing free RAM back to system.`;
      // Without tcmalloc a real ceph-osd answers only this text; ours reports V8's heap instead.
      if (m.heapcmd !== 'stats') throw cephError('EOPNOTSUPP', `heap ${m.heapcmd as string}: not supported (no tcmalloc; V8 manages the heap)`);
      return heapStatsText(`osd.${host.status().whoami}`, memoryOf(host));
    case 'get_mapped_pools':
      f.openArray('mapped_pools');
      for (const p of host.mappedPools()) f.dumpInt('pool', p);
      f.close();
      return '';
    default:
      return configCommand(prefix, m, f, host);
  }
}

function memoryOf(host: TellHost): MemoryReport {
  if (!host.memory) throw cephError('EOPNOTSUPP', 'no memory report in this daemon');
  return host.memory();
}

function dumpStatus(f: JsonFormatter, s: TellStatus): void {
  f.openObject('status');
  f.dumpString('cluster_fsid', s.clusterFsid);
  f.dumpString('osd_fsid', s.osdFsid);
  f.dumpUnsigned('whoami', s.whoami);
  f.dumpString('state', s.state);
  f.dumpUnsigned('oldest_map', s.oldestMap);
  // 16.2.15's superblock also reports the cluster-wide trim bound; ts-osd keeps no older maps.
  f.dumpUnsigned('cluster_osdmap_trim_lower_bound', s.oldestMap);
  f.dumpUnsigned('newest_map', s.newestMap);
  f.dumpUnsigned('num_pgs', s.numPgs);
  f.close();
}

/** CephContextHook's config get/set/unset/show. */
function configCommand(prefix: string, m: CmdMap, f: JsonFormatter, host: TellHost): string {
  const c = host.config;
  const name = m.var as string;
  switch (prefix) {
    case 'config get':
      f.openObject('config_get');
      f.dumpString(name, c.get(name));
      f.close();
      return '';
    case 'config set': {
      const value = (m.val as string[]).join(' ');
      const out = c.set(name, value);
      host.onConfigSet?.(name, c.get(name));
      f.openObject('config_set');
      f.dumpString('success', out.success);
      f.close();
      return '';
    }
    case 'config unset':
      c.unset(name);
      host.onConfigSet?.(name, c.get(name));
      f.openObject('config_unset');
      f.close();
      return '';
    case 'config show':
      f.openObject('config');
      for (const [k, v] of c.show()) f.dumpString(k, v);
      f.close();
      return '';
    default:
      throw cephError('EINVAL', `unknown command prefix ${prefix}`);
  }
}
