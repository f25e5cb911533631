import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Secrets at rest (issue 14): every file and directory a daemon or `ts-ceph bootstrap` creates is
 * private to its owner, and a daemon checks at start that the files holding keys (mon store,
 * keyrings, OSD data) have not been opened up since.
 *
 * A umask rather than a mode per call: LevelDB, the object store and log files create their files
 * with the process umask, so one umask covers every file, present and future, that a library opens
 * for us (Ceph's daemons rely on the same: their packaging runs them with umask 027 under a
 * dedicated user, and ceph-mon's store inherits it).
 */
export const daemonUmask = 0o077;

export const securePathLimits = {
  /** Entries looked at when walking a directory tree for loose permissions (a store holds a few hundred files). */
  permWalkEntriesMax: 100_000,
};

/** Make every file and directory this process creates from now on owner-only (0600 / 0700). */
export function setDaemonUmask(): void {
  process.umask(daemonUmask);
}

/** A path holding secrets that group or others may read, write or enter. */
export interface LoosePath {
  path: string;
  mode: number;
  kind: 'file' | 'directory';
}

/**
 * Files and directories under `paths` (each walked recursively; symbolic links are reported by
 * their own mode bits only, never followed) whose mode grants anything to group or others. A path
 * that does not exist is skipped: what is missing is for the caller's own checks.
 */
export function findLoosePermissions(paths: string[]): LoosePath[] {
  const out: LoosePath[] = [];
  let budget = securePathLimits.permWalkEntriesMax;
  const visit = (p: string): void => {
    if (--budget < 0) return;
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return;
    }
    if (st.isSymbolicLink()) return;
    const dir = st.isDirectory();
    if ((st.mode & 0o077) !== 0) out.push({ path: p, mode: st.mode & 0o7777, kind: dir ? 'directory' : 'file' });
    if (!dir) return;
    let names: string[] = [];
    try {
      names = readdirSync(p);
    } catch {
      return;
    }
    for (const n of names.sort()) visit(join(p, n));
  };
  for (const p of paths) visit(p);
  return out;
}

/**
 * One line per loose path for the daemon log and the cluster log: we warn rather than refuse (ssh
 * refuses a private key readable by others; a storage daemon that refused to start would turn a
 * permission slip into an outage), and say how to fix it.
 */
export function describeLoosePermissions(who: string, loose: LoosePath[], linesMax = 5): string[] {
  if (loose.length === 0) return [];
  const lines = loose.slice(0, linesMax).map((l) => `${who}: ${l.kind} ${l.path} holding secrets is mode 0${l.mode.toString(8)}, open to group or others; run chmod ${l.kind === 'directory' ? '700' : '600'} on it`);
  if (loose.length > linesMax) lines.push(`${who}: ${loose.length - linesMax} more paths holding secrets are open to group or others`);
  return lines;
}
