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

/** The committed crash reports in config-key, in key order (get_store_prefix). */
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

/**
 * The module's in-memory reports, as the Python module keeps them: read from config-key while none
 * is loaded (at start, or after the last was removed), then updated by each command, so they list
 * in post order until the next restart, as a 16.2.15 mgr lists them.
 */
export class CrashService {
  private mod: CrashModule | undefined;

  constructor(private readonly kv: KVMonitor) {}

  get module(): CrashModule {
    if (!this.mod || !this.mod.crashes.size) this.mod = loadCrashes(this.kv);
    return this.mod;
  }

  commands(): Record<string, CommandHandler> {
    const kv = this.kv;
    const id = (req: Parameters<CommandHandler>[0]): string => getStr(req.cmdmap, 'id', '');
    return {
      'crash info': (req) => outcome(kv, this.module.info(id(req))),
      'crash ls': (req) => outcome(kv, this.module.ls(false, req.format)),
      'crash ls-new': (req) => outcome(kv, this.module.ls(true, req.format)),
      'crash post': (req) => outcome(kv, this.module.post(req.inbuf)),
      'crash prune': (req) => outcome(kv, this.module.pruneDays(getStr(req.cmdmap, 'keep', ''), req.now)),
      'crash rm': (req) => outcome(kv, this.module.rm(id(req))),
      'crash stat': (req) => outcome(kv, this.module.stat(req.now)),
      'crash json_report': (req) => outcome(kv, this.module.jsonReport(getStr(req.cmdmap, 'hours', ''))),
      'crash archive': (req) => outcome(kv, this.module.archive(id(req), req.now)),
      'crash archive-all': (req) => outcome(kv, this.module.archiveAll(req.now)),
    };
  }

  /** RECENT_CRASH (a module health check: WARN, Ceph's summary and detail). */
  health(now: number, warnRecentIntervalSec: number = CRASH_DEFAULTS.warnRecentIntervalSec): HealthCheckMap {
    const checks: HealthCheckMap = new Map();
    const h = this.module.health(now, warnRecentIntervalSec);
    if (h) addCheck(checks, 'RECENT_CRASH', Health.WARN, h.summary, h.count, h.detail);
    return checks;
  }
}
