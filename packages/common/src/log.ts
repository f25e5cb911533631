/**
 * Ceph-style logging: each subsystem ("ms", "mon", "auth", "osd" ...) has a level 0..30, set from the
 * `debug_<subsys>` options; a line is written when its level is at or below the subsystem's level.
 * Level -1 is an error, 0 always shown, 1 important, 5 verbose, 10+ debug, 20 very verbose.
 * The sink is swappable so daemons can log to a file and tests can capture.
 */
export interface LogSink {
  write(line: string): void;
}

export const stderrSink: LogSink = { write: (line) => void process.stderr.write(line + '\n') };

const state = {
  sink: stderrSink as LogSink,
  levels: new Map<string, number>(),
  defaultLevel: 0,
  prefix: '',
};

export function configureLog(opts: { sink?: LogSink; levels?: Record<string, number>; defaultLevel?: number; prefix?: string }): void {
  if (opts.sink) state.sink = opts.sink;
  if (opts.levels) for (const [k, v] of Object.entries(opts.levels)) state.levels.set(k, v);
  if (opts.defaultLevel !== undefined) state.defaultLevel = opts.defaultLevel;
  if (opts.prefix !== undefined) state.prefix = opts.prefix;
}

/** Parse Ceph's `debug_ms = 1/5` form: the first number is the log level. */
export function parseDebugLevel(v: string): number {
  const n = parseInt(v.split('/')[0] ?? '', 10);
  return Number.isFinite(n) ? n : 0;
}

export class Logger {
  constructor(readonly subsys: string) {}
  level(): number {
    return state.levels.get(this.subsys) ?? state.defaultLevel;
  }
  enabled(level: number): boolean {
    return level <= this.level();
  }
  dout(level: number, msg: string | (() => string)): void {
    if (!this.enabled(level)) return;
    const text = typeof msg === 'function' ? msg() : msg;
    const ts = new Date().toISOString();
    state.sink.write(`${ts} ${process.pid} ${state.prefix}${this.subsys} ${level} ${text}`);
  }
  error(msg: string): void {
    this.dout(-1, msg);
  }
  warn(msg: string): void {
    this.dout(0, msg);
  }
  info(msg: string): void {
    this.dout(1, msg);
  }
  debug(msg: string | (() => string)): void {
    this.dout(10, msg);
  }
}

const loggers = new Map<string, Logger>();
export function logger(subsys: string): Logger {
  let l = loggers.get(subsys);
  if (!l) loggers.set(subsys, (l = new Logger(subsys)));
  return l;
}
