import { isCephError } from './errors';

/**
 * process.exit(code) once what was written to stdout and stderr has left the process. When they
 * are pipes, process.exit drops writes still queued: a tool that printed thousands of lines to a
 * slow reader (a loaded machine) lost the end of its output and still exited 0.
 */
export function exitAfterFlush(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const done = (): void => {
    if (--pending === 0) process.exit(code);
  };
  // A write's callback runs once it and every write queued before it are flushed (or failed).
  process.stdout.write('', done);
  process.stderr.write('', done);
}

/**
 * The end of a daemon's bin: run `main(argv)` and exit with its code; an error is printed as
 * `<name>: <code>: <message>` (a stack when it is not a CephError) and exits with its errno (else 1),
 * after stdout and stderr have flushed.
 */
export function runDaemonMain(name: string, main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => exitAfterFlush(code),
    (e) => {
      const msg = isCephError(e) ? `${e.code}: ${e.message}` : ((e as Error)?.stack ?? String(e));
      process.stderr.write(`${name}: ${msg}\n`);
      exitAfterFlush(isCephError(e) ? e.errno : 1);
    },
  );
}

/** Resolve once SIGTERM or SIGINT arrived and `stop()` has settled (a failed stop still resolves). */
export function stopOnSignal(stop: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    const onSignal = (): void => void stop().then(resolve, resolve);
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}

/**
 * glibc malloc's mmap threshold for the daemons we spawn. By default a buffer of 1 MiB or more is
 * its own mmap, unmapped again when freed, so every new large buffer (a received 1 MiB frame, a
 * read's data, a 4 MiB object) costs a page fault per 4 KiB on first touch: 2-7 ms per MiB on a
 * loaded 2-core VM, against 0.1 ms for reused heap memory (measured, bench/rbd-profile.md "read
 * path and large messages"). Buffers up to this size come from the heap and are reused.
 */
export const daemonMallocMmapThresholdBytes = 8 * 1024 * 1024;
/** Free heap memory glibc keeps at the top of the heap before returning it to the system. */
export const daemonMallocTrimThresholdBytes = 64 * 1024 * 1024;

/**
 * The environment to spawn a data-moving daemon (ts-osd, ts-rgw) with: `env` plus the malloc
 * settings above, unless the caller set them already (glibc reads them once, at process start).
 */
export function daemonSpawnEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    MALLOC_MMAP_THRESHOLD_: String(daemonMallocMmapThresholdBytes),
    MALLOC_TRIM_THRESHOLD_: String(daemonMallocTrimThresholdBytes),
    ...env,
  };
}

/**
 * V8's semi-space bound for ts-mon and ts-osd (--max-semi-space-size, MiB). Node's default lets
 * the young generation grow to 32 MiB (two 16 MiB semi-spaces) in the first busy seconds and keep
 * it; held smaller, the Buffers that die young (messages, encodings) are collected sooner, so
 * their memory outside the heap is freed sooner too (bench/memory-profile.md). 1 MiB saved the
 * most RSS but cost rados bench's new-object writes ~15-20 % of their IOPS in more scavenges
 * (three quiet A/B rounds each: 1 MiB 340-518 IOPS, 16 MiB 449-674, 4 MiB 581-626 at 2.8-3.0 ms of
 * OSD CPU per write and ~180 MiB per OSD), so 4 MiB: an 8 MiB young generation.
 */
export const daemonSemiSpaceMiB = 4;
/**
 * glibc's MALLOC_TRIM_THRESHOLD_ for ts-osd (ts-mon keeps glibc's defaults): free memory at the top of the heap above
 * this is returned to the system. ts-rgw keeps daemonMallocTrimThresholdBytes (64 MiB) for its
 * 4 MiB PUTs; an OSD's 1 MiB messages reuse what stays below this.
 */
export const daemonStoreMallocTrimThresholdBytes = 8 * 1024 * 1024;

/** The node arguments (before the script) ts-mon and ts-osd are spawned with. */
export function daemonNodeArgs(): string[] {
  return [`--max-semi-space-size=${daemonSemiSpaceMiB}`];
}

/** daemonSpawnEnv for ts-osd: its smaller trim threshold, unless `env` sets one. */
export function storeDaemonSpawnEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return daemonSpawnEnv({ MALLOC_TRIM_THRESHOLD_: String(daemonStoreMallocTrimThresholdBytes), ...env });
}
