/**
 * The crash module's commands (`ceph crash ...`, src/pybind/mgr/crash/module.py), answered by the
 * monitor while it hosts the mgr role: the reports live in config-key `mgr/crash/crash/<id>`, as a
 * mgr stores them, so a write is a KVMonitor proposal and the reply follows its commit. Also the
 * RECENT_CRASH check the module raises.
 */
import { CRASH_DEFAULTS, CRASH_KEY_PREFIX, CrashModule, CrashResult } from '@ts-ceph/mgr/crash';
import type { KVMonitor } from '../kv-monitor';
import { CommandHandler, CommandOutcome, proposeThen, reply } from '../commands/types';
import { getStr } from '../commands/cmdmap';
import { Health, HealthCheckMap, addCheck } from '../health/health-check';

/** The committed crash reports, read from config-key each time (the store is the only state). */
export function loadCrashes(kv: KVMonitor): CrashModule {
  const stored: [string, string][] = [];
  for (const k of kv.keys()) {
    if (k < CRASH_KEY_PREFIX) continue;
    if (!k.startsWith(CRASH_KEY_PREFIX)) break;
    stored.push([k, kv.get(k)!.toString('utf8')]);
  }
  return new CrashModule(stored);
}

function outcome(kv: KVMonitor, r: CrashResult): CommandOutcome {
  if (!r.edits.size) return reply(r.r, r.rs, r.out);
  for (const [k, v] of r.edits) {
    if (v === null) kv.enqueueRm(k);
    else kv.enqueueSet(k, Buffer.from(v));
  }
  return proposeThen([kv], r.r, r.rs, r.out);
}

export function crashCommands(kv: KVMonitor): Record<string, CommandHandler> {
  const id = (req: Parameters<CommandHandler>[0]): string => getStr(req.cmdmap, 'id', '');
  return {
    'crash info': (req) => outcome(kv, loadCrashes(kv).info(id(req))),
    'crash ls': (req) => outcome(kv, loadCrashes(kv).ls(false, req.format)),
    'crash ls-new': (req) => outcome(kv, loadCrashes(kv).ls(true, req.format)),
    'crash post': (req) => outcome(kv, loadCrashes(kv).post(req.inbuf)),
    'crash prune': (req) => outcome(kv, loadCrashes(kv).pruneDays(getStr(req.cmdmap, 'keep', ''), req.now)),
    'crash rm': (req) => outcome(kv, loadCrashes(kv).rm(id(req))),
    'crash stat': (req) => outcome(kv, loadCrashes(kv).stat(req.now)),
    'crash json_report': (req) => outcome(kv, loadCrashes(kv).jsonReport(getStr(req.cmdmap, 'hours', ''))),
    'crash archive': (req) => outcome(kv, loadCrashes(kv).archive(id(req), req.now)),
    'crash archive-all': (req) => outcome(kv, loadCrashes(kv).archiveAll(req.now)),
  };
}

/** RECENT_CRASH (a module health check: WARN, Ceph's summary and detail). */
export function crashHealth(kv: KVMonitor, now: number, warnRecentIntervalSec: number = CRASH_DEFAULTS.warnRecentIntervalSec): HealthCheckMap {
  const checks: HealthCheckMap = new Map();
  const h = loadCrashes(kv).health(now, warnRecentIntervalSec);
  if (h) addCheck(checks, 'RECENT_CRASH', Health.WARN, h.summary, h.count, h.detail);
  return checks;
}
