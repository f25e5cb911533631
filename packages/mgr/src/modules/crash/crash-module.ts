/**
 * The crash module (src/pybind/mgr/crash/module.py): crash reports posted by daemons (`ceph crash
 * post -i meta`), kept as JSON in the mgr store, that is config-key `mgr/crash/crash/<id>`;
 * `crash ls | ls-new | info | archive | archive-all | rm | prune | stat | json_report`; and the
 * RECENT_CRASH health check for unarchived crashes newer than mgr/crash/warn_recent_interval.
 * Pure: the caller hands in the stored reports and the time, and writes back the edits returned.
 */
import { createHash } from 'node:crypto';
import { prettyTableNoBorder, pyJsonDumps } from '../py-format';

/** Where the module's store keys live in config-key (MgrModule.set_store prefixes mgr/<module>/). */
export const CRASH_KEY_PREFIX = 'mgr/crash/crash/';

/** The module's options (MODULE_OPTIONS), in seconds. */
export const CRASH_DEFAULTS = { warnRecentIntervalSec: 60 * 60 * 24 * 14, retainIntervalSec: 60 * 60 * 24 * 365 };

export const crashLimits = {
  /** RECENT_CRASH lists this many crashes in its detail, then "and N more" (module.py). */
  recentCrashDetailMax: 30,
};

// any: a crash report is free-form JSON from the daemon; the module reads a few fields of it.
export type CrashMeta = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface CrashResult {
  r: number;
  out: string;
  rs: string;
  /** config-key edits to commit before replying: key -> JSON text, or null to remove. */
  edits: Map<string, string | null>;
}

export interface CrashHealth {
  summary: string;
  count: number;
  detail: string[];
}

const EINVAL = 22;

function res(r: number, out = '', rs = '', edits = new Map<string, string | null>()): CrashResult {
  return { r, out, rs, edits };
}

/** time_from_string: DATEFMT "%Y-%m-%dT%H:%M:%S.%f" or OLD_DATEFMT with a space, a trailing Z dropped; ms UTC. */
export function crashTime(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})\.(\d{1,6})$/.exec(s.replace(/Z+$/, ''));
  if (!m) throw new Error(`time data '${s}' does not match format '%Y-%m-%dT%H:%M:%S.%f'`);
  const [, y, mo, d, h, mi, se, frac] = m;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se)) + Math.floor(Number(frac!.padEnd(6, '0')) / 1000);
}

/** str(datetime.datetime.utcnow()): "2024-01-02 03:04:05.678000" (no fraction when it is zero). */
export function pyUtcStr(ms: number): string {
  const iso = new Date(ms).toISOString();
  const frac = ms % 1000 === 0 ? '' : `.${String(ms % 1000).padStart(3, '0')}000`;
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac}`;
}

/** calc_sig: sha256 over the function names of the backtrace ("(func+0x12) [0xaddr]") and the assert message. */
export function stackSig(bt: unknown[], assertMsg: unknown): string {
  const h = createHash('sha256');
  for (const rec of bt) {
    const s = String(rec);
    const sp = s.lastIndexOf(' ');
    const funcPlusOffset = (sp >= 0 ? s.slice(0, sp) : s).slice(1, -1);
    h.update(funcPlusOffset.split('+')[0]!);
  }
  if (typeof assertMsg === 'string' && assertMsg) {
    const m = /^([\s\S]*) thread .* time .*(: .*)\n/.exec(assertMsg);
    if (m) h.update(m[1]! + m[2]!);
  }
  return h.digest('hex');
}

export class CrashModule {
  /** crash id -> report, in id order (as get_store_prefix returns them). */
  readonly crashes: Map<string, CrashMeta>;

  /** `stored`: config-key entries under CRASH_KEY_PREFIX (full keys), as committed. */
  constructor(stored: Iterable<[string, string]>) {
    this.crashes = new Map();
    for (const [k, v] of [...stored].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      try {
        this.crashes.set(k.slice(CRASH_KEY_PREFIX.length), JSON.parse(v) as CrashMeta);
      } catch {
        // A report that is not JSON was not written by `crash post`; the module would fail to load it, we skip it.
      }
    }
  }

  info(id: string): CrashResult {
    const c = this.crashes.get(id);
    if (!c) return res(-EINVAL, '', `crash info: ${id} not found`);
    return res(0, pyJsonDumps(c));
  }

  /** do_post: validate, add stack_sig, store once (a repeated id is accepted and ignored). */
  post(inbuf: Buffer): CrashResult {
    let meta: CrashMeta;
    try {
      meta = JSON.parse(inbuf.toString('utf8')) as CrashMeta;
      if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw new Error('not a JSON object');
      for (const f of ['crash_id', 'timestamp']) if (!(f in meta)) throw new Error(`missing '${f}' field`);
      crashTime(String(meta.timestamp));
    } catch (e) {
      return res(-EINVAL, '', `malformed crash metadata: ${(e as Error).message}`);
    }
    if ('backtrace' in meta) meta.stack_sig = stackSig(Array.isArray(meta.backtrace) ? meta.backtrace : [], meta.assert_msg);
    const id = String(meta.crash_id);
    if (this.crashes.has(id)) return res(0);
    this.crashes.set(id, meta);
    return res(0, '', '', new Map([[CRASH_KEY_PREFIX + id, JSON.stringify(meta)]]));
  }

  /** do_ls: `crash ls` all, `crash ls-new` the unarchived ones, sorted by id. */
  ls(onlyNew: boolean, format: string): CrashResult {
    const list = [...this.crashes.values()].filter((c) => !onlyNew || !('archived' in c));
    list.sort((a, b) => (String(a.crash_id) < String(b.crash_id) ? -1 : String(a.crash_id) > String(b.crash_id) ? 1 : 0));
    if (format === 'json' || format === 'json-pretty') return res(0, pyJsonDumps(list));
    const rows = list.map((c) => [String(c.crash_id), String(c.entity_name ?? 'unknown'), 'archived' in c ? '' : '*']);
    return res(0, prettyTableNoBorder(['ID', 'ENTITY', 'NEW'], ['l', 'l', 'c'], rows));
  }

  rm(id: string): CrashResult {
    if (!this.crashes.delete(id)) return res(0);
    return res(0, '', '', new Map([[CRASH_KEY_PREFIX + id, null]]));
  }

  /** do_prune / _prune: remove crashes at least `seconds` old. */
  prune(seconds: number, now: number): CrashResult {
    const edits = new Map<string, string | null>();
    for (const [id, c] of [...this.crashes]) {
      if (crashTime(String(c.timestamp)) <= now - seconds * 1000) {
        this.crashes.delete(id);
        edits.set(CRASH_KEY_PREFIX + id, null);
      }
    }
    return res(0, '', '', edits);
  }

  pruneDays(keep: string, now: number): CrashResult {
    if (!/^\s*[-+]?\d+\s*$/.test(keep)) return res(-EINVAL, '', 'keep argument must be integer');
    return this.prune(Number(keep) * 86400, now);
  }

  archive(id: string, now: number): CrashResult {
    const c = this.crashes.get(id);
    if (!c) return res(-EINVAL, '', `crash info: ${id} not found`);
    if (c.archived) return res(0);
    c.archived = pyUtcStr(now);
    return res(0, '', '', new Map([[CRASH_KEY_PREFIX + id, JSON.stringify(c)]]));
  }

  archiveAll(now: number): CrashResult {
    const edits = new Map<string, string | null>();
    for (const [id, c] of this.crashes) {
      if (c.archived) continue;
      c.archived = pyUtcStr(now);
      edits.set(CRASH_KEY_PREFIX + id, JSON.stringify(c));
    }
    return res(0, '', '', edits);
  }

  /** do_stat: the total, then for 1, 3 and 7 days the crashes older than that (one crash in every bin it passes). */
  stat(now: number): CrashResult {
    const bins = [1, 3, 7].map((age) => ({ age, limit: now - age * 86400_000, ids: [] as string[] }));
    for (const [id, c] of this.crashes) {
      const t = crashTime(String(c.timestamp));
      for (const b of bins) if (t <= b.limit) b.ids.push(id);
    }
    const lines = [`${this.crashes.size} crashes recorded`];
    for (const b of bins) lines.push(b.ids.length ? [`${b.ids.length} older than ${b.age} days old:`, ...b.ids].join('\n') : '');
    return res(0, lines.join('\n'));
  }

  /** do_json_report: crashes by process_name (every crash, whatever `hours` says, as the module does). */
  jsonReport(hours: string): CrashResult {
    if (!/^\s*[-+]?\d+\s*$/.test(hours)) return res(-EINVAL, '', '<hours> argument must be integer');
    const report: Record<string, number> = {};
    for (const c of this.crashes.values()) {
      const p = c.process_name ? String(c.process_name) : 'unknown';
      report[p] = (report[p] ?? 0) + 1;
    }
    const keys = Object.keys(report).sort();
    return res(0, '', `{${keys.map((k) => `${JSON.stringify(k)}: ${report[k]}`).join(', ')}}`);
  }

  /** _refresh_health_checks: RECENT_CRASH, or undefined when nothing recent is unarchived. */
  health(now: number, warnRecentIntervalSec: number): CrashHealth | undefined {
    const cutoff = now - warnRecentIntervalSec * 1000;
    const recent = [...this.crashes.values()].filter((c) => {
      try {
        return crashTime(String(c.timestamp)) > cutoff && !('archived' in c);
      } catch {
        return false;
      }
    });
    if (!recent.length) return undefined;
    let detail = recent.map((c) => `${c.entity_name ?? 'unidentified daemon'} crashed on host ${c.utsname_hostname ?? '(unknown)'} at ${c.timestamp ?? 'unknown time'}`);
    if (recent.length > crashLimits.recentCrashDetailMax) {
      detail = detail.slice(0, crashLimits.recentCrashDetailMax);
      detail.push(`and ${recent.length - crashLimits.recentCrashDetailMax} more`);
    }
    return { summary: `${recent.length} daemons have recently crashed`, count: recent.length, detail };
  }
}
