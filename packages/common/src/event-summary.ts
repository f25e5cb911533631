import type { Clock, TimerHandle } from './clock';

/**
 * A rate-limited log of repeated events (refused connections, failed handshakes, auth failures):
 * instead of a line per event, which a hostile peer could use to fill the disk, one summary line per
 * interval with a count per event and per key (a source address, an entity). The first event of a
 * quiet period arms the interval; nothing is written while nothing happens.
 *
 *   ms summary (last 10 s): evicted 1200 handshakes (127.0.0.2 x1200); auth failures 3 (client.admin from 127.0.0.3 x3)
 */
export interface EventSummaryOptions {
  clock: Clock;
  intervalMs: number;
  /** Most distinct keys named per event; the rest are counted as "N more" (memory stays bounded). */
  keysMax: number;
  /** Where the summary line goes (a logger's dout at the chosen level). */
  write(line: string): void;
  /** Text before the counts, e.g. "ms summary". */
  title?: string;
}

interface EventCounts {
  total: number;
  byKey: Map<string, number>;
  /** Events whose key did not fit under keysMax. */
  other: number;
}

export class EventSummary {
  private events = new Map<string, EventCounts>();
  private timer: TimerHandle | undefined;
  private startedMs = 0;

  constructor(private readonly opts: EventSummaryOptions) {}

  /** Count one `event` (e.g. "evicted handshakes") for `key` (e.g. the source address). */
  note(event: string, key: string, n = 1): void {
    let c = this.events.get(event);
    if (!c) this.events.set(event, (c = { total: 0, byKey: new Map(), other: 0 }));
    c.total += n;
    const have = c.byKey.get(key);
    if (have !== undefined) c.byKey.set(key, have + n);
    else if (c.byKey.size < this.opts.keysMax) c.byKey.set(key, n);
    else c.other += n;
    if (!this.timer) {
      this.startedMs = this.opts.clock.now();
      this.timer = this.opts.clock.setTimeout(() => this.flush(), this.opts.intervalMs);
    }
  }

  /** The pending summary line, or undefined when nothing was counted. */
  pendingLine(): string | undefined {
    if (this.events.size === 0) return undefined;
    const secs = Math.max(1, Math.round((this.opts.clock.now() - this.startedMs) / 1000));
    const parts: string[] = [];
    for (const [event, c] of this.events) {
      const keys = [...c.byKey].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} x${n}`);
      if (c.other) keys.push(`${c.other} more`);
      parts.push(`${event} ${c.total} (${keys.join(', ')})`);
    }
    return `${this.opts.title ?? 'summary'} (last ${secs} s): ${parts.join('; ')}`;
  }

  /** Write the summary now (at the end of an interval, or at shutdown) and start over. */
  flush(): void {
    this.timer?.cancel();
    this.timer = undefined;
    const line = this.pendingLine();
    this.events = new Map();
    if (line) this.opts.write(line);
  }
}
