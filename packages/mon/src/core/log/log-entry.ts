/**
 * LogEntry and LogSummary (src/common/LogEntry.{h,cc}): cluster/audit log records as daemons send them
 * in MLog and as LogMonitor stores them (`logm/<v>`: u8 1 + entries; `logm/full_<v>`: the summary).
 */
import { Reader, Writer, formatEntityName, formatEntityNameT, formatUTime, hasFeature } from '@ts-ceph/denc';
import { Clog, LogEntry, decodeLogEntry, encodeLogEntry } from '@ts-ceph/messages';

export { Clog, LogEntry, encodeLogEntry, decodeLogEntry } from '@ts-ceph/messages';

const prioText: Record<number, string> = { 0: '[DBG]', 1: '[INF]', 2: '[SEC]', 3: '[WRN]', 4: '[ERR]' };

export function prioToString(p: number): string {
  return prioText[p] ?? '[???]';
}

/** clog_type_to_string / LogEntry::str_to_level. */
export function levelFromString(s: string): number {
  const m: Record<string, number> = { debug: Clog.DEBUG, info: Clog.INFO, sec: Clog.SEC, security: Clog.SEC, warn: Clog.WARN, warning: Clog.WARN, error: Clog.ERROR, err: Clog.ERROR };
  return m[s.toLowerCase()] ?? Clog.UNKNOWN;
}

/** operator<<(LogEntry): "<stamp> <name> (<rank>) <seq> : <channel> [INF] <msg>" */
export function formatLogEntry(e: LogEntry): string {
  return `${formatUTime(e.stamp)} ${formatEntityName(e.name)} (${formatEntityNameT(e.rank)}) ${e.seq} : ${e.channel} ${prioToString(e.prio)} ${e.msg}`;
}

export interface LogSummary {
  version: number;
  seq: bigint;
  /** channel -> [(seq, entry)] oldest first */
  tailByChannel: Map<string, [bigint, LogEntry][]>;
}

export function emptyLogSummary(): LogSummary {
  return { version: 0, seq: 0n, tailByChannel: new Map() };
}

export function logSummaryAdd(s: LogSummary, e: LogEntry): void {
  s.seq += 1n;
  let l = s.tailByChannel.get(e.channel);
  if (!l) {
    s.tailByChannel.set(e.channel, (l = []));
    s.tailByChannel = new Map([...s.tailByChannel.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  }
  l.push([s.seq, e]);
}

export function logSummaryPrune(s: LogSummary, max: number): void {
  for (const l of s.tailByChannel.values()) while (l.length > max) l.shift();
}

/** build_ordered_tail: every channel's entries merged by summary seq. */
export function orderedTail(s: LogSummary): LogEntry[] {
  return [...s.tailByChannel.values()]
    .flat()
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([, e]) => e);
}

export function encodeLogSummary(w: Writer, s: LogSummary): void {
  if (!hasFeature(w.features, 'SERVER_MIMIC')) {
    w.envelope(2, 2, () => {
      w.u64(s.version);
      w.list(orderedTail(s), encodeLogEntry);
    });
    return;
  }
  w.envelope(3, 3, () => {
    w.u64(s.version).u64(s.seq);
    w.map(
      s.tailByChannel,
      (w, k) => w.string(k),
      (w, l) => w.list(l, (w, [seq, e]) => (w.u64(seq), encodeLogEntry(w, e))),
    );
  });
}

export function decodeLogSummary(r: Reader): LogSummary {
  return r.envelopeLegacy('LogSummary', 3, 2, 2, (r, v) => {
    const s = emptyLogSummary();
    s.version = r.u64n('version');
    if (v < 3) {
      for (const e of r.list('tail', decodeLogEntry, 20)) logSummaryAdd(s, e);
    } else {
      s.seq = r.u64('seq');
      s.tailByChannel = r.map(
        'tail_by_channel',
        (r) => r.string('channel'),
        (r) => r.list('entries', (r) => [r.u64('seq'), decodeLogEntry(r)] as [bigint, LogEntry], 28),
        8,
      );
    }
    return s;
  });
}

export function dumpLogEntryJSON(e: LogEntry): Record<string, unknown> {
  return {
    name: formatEntityName(e.name),
    rank: formatEntityNameT(e.rank),
    addrs: { addrvec: e.addrs },
    stamp: formatUTime(e.stamp),
    seq: e.seq,
    channel: e.channel,
    priority: prioToString(e.prio),
    message: e.msg,
  };
}
