/**
 * The daemon side of crash reporting (src/global/signal_handler.cc generate_crash_dump, and the
 * ceph-crash agent): a daemon dying of an uncaught exception writes `<crash_dir>/<crash_id>/meta`
 * (JSON with Ceph's field names) and then an empty `done`, synchronously before it exits; an agent
 * (ts-mon, or the stock ceph-crash, which reads the same layout) posts every finished report
 * (`crash post`) and moves its directory to `<crash_dir>/posted/`.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { hostname, release, version, machine, type } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

/** A 16.2.15 daemon's ceph_version field; the ts daemons report the release they speak. */
const CEPH_VERSION = '16.2.15';

/** "2024-01-02T03:04:05.678000Z": the timestamp format of crash ids and metadata. */
export function crashStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** /etc/os-release's NAME, ID, VERSION_ID and VERSION, as the crash dump records the OS. */
function osRelease(): Record<string, string> {
  const out: Record<string, string> = {};
  try {
    for (const line of readFileSync('/etc/os-release', 'utf8').split('\n')) {
      const m = /^([A-Z_]+)=(.*)$/.exec(line);
      if (m) out[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
    }
  } catch {
    // No os-release: the os_* fields are left out, as Ceph does when it cannot read it.
  }
  return out;
}

/**
 * A JavaScript stack as Ceph's backtrace lines, "(function) [location]", so the crash module's
 * stack signature (function names only) is stable across builds and line shifts.
 */
export function jsBacktrace(e: unknown): string[] {
  const stack = e instanceof Error && e.stack ? e.stack : String(e);
  const out: string[] = [];
  for (const line of stack.split('\n').slice(1)) {
    const m = /^\s*at (?:(.+?) \((.*)\)|(.*))$/.exec(line);
    if (!m) continue;
    // V8's " [as alias]" names the property a function was called through; the function is the same.
    out.push(m[1] !== undefined ? `(${m[1].replace(/ \[as [^\]]*\]$/, '')}) [${m[2]}]` : `(<anonymous>) [${m[3]}]`);
  }
  return out;
}

/** The meta of a crash of `entity` ("osd.0") in process `processName` ("ts-osd") at `now`. */
export function crashMeta(entity: string, processName: string, e: unknown, now: number): Record<string, unknown> {
  const stamp = crashStamp(now);
  const os = osRelease();
  const meta: Record<string, unknown> = {
    crash_id: `${stamp}_${randomUUID()}`,
    timestamp: stamp,
    process_name: processName,
    entity_name: entity,
    ceph_version: CEPH_VERSION,
    utsname_hostname: hostname(),
    utsname_sysname: type(),
    utsname_release: release(),
    utsname_version: version(),
    utsname_machine: machine(),
  };
  if (os.NAME) meta.os_name = os.NAME;
  if (os.ID) meta.os_id = os.ID;
  if (os.VERSION_ID) meta.os_version_id = os.VERSION_ID;
  if (os.VERSION) meta.os_version = os.VERSION;
  meta.backtrace = jsBacktrace(e);
  // Not a Ceph field: the exception's own message, which a C++ signal has no equivalent of.
  meta.exception_message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return meta;
}

/**
 * Write `<dir>/<crash_id>/meta`, then `done` (the agent skips a report without it: still being
 * written), synchronously (the process is about to die); `posted/` is created for the agent.
 * Returns the id.
 */
export function writeCrashReport(dir: string, meta: Record<string, unknown>): string {
  const id = String(meta.crash_id);
  const d = join(dir, id);
  mkdirSync(join(dir, 'posted'), { recursive: true, mode: 0o700 });
  mkdirSync(d, { recursive: true, mode: 0o700 });
  writeFileSync(join(d, 'meta'), JSON.stringify(meta, null, 4), { mode: 0o600 });
  writeFileSync(join(d, 'done'), '', { mode: 0o600 });
  return id;
}

/** The finished reports under `dir` not yet posted: [crash id, meta bytes], oldest id first. */
export function unpostedCrashReports(dir: string): [string, Buffer][] {
  if (!existsSync(dir)) return [];
  const out: [string, Buffer][] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === 'posted' || !existsSync(join(dir, name, 'done'))) continue;
    try {
      out.push([name, readFileSync(join(dir, name, 'meta'))]);
    } catch {
      // An unreadable meta is not ours to post.
    }
  }
  return out;
}

/** Move a posted report to `<dir>/posted/<id>` (ceph-crash's "posted" folder). */
export function markCrashPosted(dir: string, id: string): void {
  mkdirSync(join(dir, 'posted'), { recursive: true, mode: 0o700 });
  renameSync(join(dir, id), join(dir, 'posted', id));
}

/**
 * On an uncaught exception, write the crash report before Node prints the error and exits
 * (uncaughtExceptionMonitor runs first and does not change the exit).
 */
export function installCrashHandler(dir: string, entity: string, processName: string, clockNow: () => number = Date.now): void {
  process.on('uncaughtExceptionMonitor', (e) => {
    try {
      writeCrashReport(dir, crashMeta(entity, processName, e, clockNow()));
    } catch {
      // Reporting a crash must never hide the crash itself.
    }
  });
}
