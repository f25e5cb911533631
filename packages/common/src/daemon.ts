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
