import { CephError, errnoName, strerror } from '@ts-ceph/common';
import type { CommandResult } from '@ts-ceph/rados';

export interface CommandOutput {
  stdout(s: string): void;
  stderr(s: string): void;
}

export const processOutput: CommandOutput = {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
};

/**
 * Print a mon command's reply the way the ceph CLI does: the data on stdout (with a newline if it
 * lacks one), the status string on stderr; a negative r becomes "Error EXXX: rs" and exit code -r.
 */
export function printMonReply(r: CommandResult, out: CommandOutput): number {
  if (r.r < 0) {
    out.stderr(`Error ${errnoName(r.r)}: ${r.rs || strerror(r.r)}\n`);
    return -r.r;
  }
  if (r.data.length) {
    const s = r.data.toString('utf8');
    out.stdout(s.endsWith('\n') ? s : s + '\n');
  }
  if (r.rs) out.stderr(r.rs + '\n');
  return 0;
}

/** A failure before or instead of a reply: "Error EACCES: ..." and the errno as exit code. */
export function printError(e: unknown, out: CommandOutput): number {
  if (e instanceof CephError) {
    out.stderr(`Error ${errnoName(e.errno)}: ${e.message}\n`);
    return e.errno || 1;
  }
  out.stderr(`Error: ${(e as Error)?.stack ?? String(e)}\n`);
  return 1;
}
