import { isCephError } from './errors';

/**
 * The end of a daemon's bin: run `main(argv)` and exit with its code; an error is printed as
 * `<name>: <code>: <message>` (a stack when it is not a CephError) and exits with its errno (else 1).
 */
export function runDaemonMain(name: string, main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      const msg = isCephError(e) ? `${e.code}: ${e.message}` : ((e as Error)?.stack ?? String(e));
      process.stderr.write(`${name}: ${msg}\n`);
      process.exit(isCephError(e) ? e.errno : 1);
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
