/**
 * The cluster and audit logs (src/mon/LogMonitor.cc, service "logm"). Entries arrive from daemons
 * (MLog), from `ceph log <text>`, and from the mon itself (its cluster log and the audit trail of
 * every command); each version stores its new entries (`logm/<v>`: u8 1 then LogEntry...) and the
 * summary of the last mon_log_max_summary entries per channel (`logm/full_<v>`).
 */
import { Reader, Writer, EntityType, utimeFromMs, parseEntityName } from '@ts-ceph/denc';
import { PaxosService } from '../paxos-service';
import { StoreTransaction } from '../store-txn';
import { StoreView } from '../store-view';
import { CommandHandler, fail, formatterFor, ok, proposeThen } from '../commands/types';
import { getInt, getStr, getStrVec } from '../commands/cmdmap';
import { Clog, LogEntry, LogSummary, decodeLogEntry, decodeLogSummary, dumpLogEntryJSON, emptyLogSummary, encodeLogEntry, encodeLogSummary, formatLogEntry, levelFromString, logSummaryAdd, logSummaryPrune, orderedTail } from './log-entry';

export class LogMonitor extends PaxosService {
  summary: LogSummary = emptyLogSummary();
  private pendingSummary: LogSummary = emptyLogSummary();
  private pendingLog: LogEntry[] = [];
  /** Entries committed by the last update, for the driver to append to the log files. */
  newlyCommitted: LogEntry[] = [];
  private loaded = false;

  constructor(
    store: StoreView,
    private readonly conf: { maxSummary: () => number; maxEpochs: () => number },
  ) {
    super('logm', store);
  }

  createInitial(): void {
    this.summary = emptyLogSummary();
    // A new log has no entries from before a restart: everything it commits is new.
    this.loaded = true;
    this.createPending();
  }

  updateFromPaxos(): void {
    const version = this.lastCommitted;
    this.newlyCommitted = [];
    const from = this.summary.version;
    if (version === from) return;
    // Every version carries the full summary (encodePending), so the state is one read; the
    // entries since `from` are read from the incrementals for the log files, except on the first
    // load after a start, whose entries went to the files before the restart.
    const latestFull = this.store.getVersion(this.name, 'full_latest');
    if (latestFull > from) {
      const b = this.getVersionFull(latestFull);
      if (b) this.summary = decodeLogSummary(new Reader(b));
    }
    const first = this.loaded ? from + 1 : version + 1;
    this.loaded = true;
    for (let v = first; v <= version; v++) {
      const b = this.getVersion(v);
      if (!b) continue;
      const r = new Reader(b);
      r.u8('v');
      while (r.remaining() > 0) {
        const e = decodeLogEntry(r);
        if (v > this.summary.version) logSummaryAdd(this.summary, e);
        this.newlyCommitted.push(e);
      }
    }
    if (version > this.summary.version) {
      this.summary.version = version;
      logSummaryPrune(this.summary, this.conf.maxSummary());
    }
  }

  createPending(): void {
    this.pendingLog = [];
    this.pendingSummary = cloneSummary(this.summary);
  }

  havePending(): boolean {
    return this.pendingLog.length > 0;
  }

  encodePending(t: StoreTransaction): void {
    const v = this.lastCommitted + 1;
    const w = new Writer();
    w.u8(1);
    for (const e of [...this.pendingLog].sort((a, b) => a.stamp.sec - b.stamp.sec || a.stamp.nsec - b.stamp.nsec)) encodeLogEntry(w, e);
    this.putVersion(t, v, w.finish());
    this.putLastCommitted(t, v);
    // The summary is written with every version so a restart reads one key (encode_full).
    const s = cloneSummary(this.pendingSummary);
    s.version = v;
    const fw = new Writer();
    encodeLogSummary(fw, s);
    this.putVersionFull(t, v, fw.finish());
    this.putVersionLatestFull(t, v);
  }

  override getTrimTo(): number {
    const max = this.conf.maxEpochs();
    const v = this.lastCommitted;
    return v > max ? v - max : 0;
  }

  /** Queue an entry (MLog, the mon's own clog, `ceph log`). */
  add(e: LogEntry): void {
    logSummaryAdd(this.pendingSummary, e);
    logSummaryPrune(this.pendingSummary, this.conf.maxSummary());
    this.pendingLog.push(e);
  }

  /**
   * A log-<level> subscriber's due entries (check_sub / _create_sub_incremental): from version
   * `next` (0: only the last committed version) through the summary's, those at `level` or above,
   * with a "skipped" warning first when `next` was already trimmed. Undefined when the subscriber
   * already has everything; otherwise `version` is the last version read.
   */
  subscriberEntries(level: number, next: number, now: number): { entries: LogEntry[]; version: number } | undefined {
    const last = this.summary.version;
    if (next > last) return undefined;
    let sv = next === 0 ? this.lastCommitted : next;
    const entries: LogEntry[] = [];
    const first = this.firstCommitted;
    if (sv < first) {
      entries.push({ name: { type: 0, id: '' }, rank: { type: 0, num: 0 }, addrs: [], stamp: utimeFromMs(now), seq: 0n, prio: Clog.WARN, channel: 'cluster', msg: `skipped log messages from ${sv} to ${first}` });
      sv = first;
    }
    let version = 0;
    for (; sv && sv <= last; sv++) {
      const b = this.getVersion(sv);
      version = sv;
      if (!b) continue;
      const r = new Reader(b);
      r.u8('v');
      while (r.remaining() > 0) {
        const e = decodeLogEntry(r);
        if (e.prio >= level) entries.push(e);
      }
    }
    return { entries, version };
  }

  commands(): Record<string, CommandHandler> {
    return {
      'log last': (req) => {
        const num = getInt(req.cmdmap, 'num', 20);
        const levelStr = getStr(req.cmdmap, 'level');
        const level = levelStr === undefined ? Clog.INFO : levelFromString(levelStr);
        if (level === Clog.UNKNOWN) return fail('EINVAL', `Invalid severity '${levelStr}'`);
        const channel = getStr(req.cmdmap, 'channel', 'cluster');
        const all = channel === '*' ? orderedTail(this.summary) : (this.summary.tailByChannel.get(channel) ?? []).map(([, e]) => e);
        const matching = all.filter((e) => e.prio >= level);
        const shown = num > 0 ? matching.slice(-num) : matching.slice(-1);
        const f = formatterFor(req);
        if (f) {
          f.openArray('tail');
          for (const e of shown) f.dump('entry', dumpLogEntryJSON(e));
          f.close();
          return ok(f.toString());
        }
        return ok(shown.map((e) => formatLogEntry(e) + '\n').join(''));
      },
      log: (req) => {
        const text = getStrVec(req.cmdmap, 'logtext') ?? [];
        const level = levelFromString(getStr(req.cmdmap, 'level', 'info'));
        this.add({
          name: parseEntityName(req.entity) ?? { type: EntityType.CLIENT, id: req.entity },
          rank: req.source,
          addrs: req.sourceAddrs,
          stamp: utimeFromMs(req.now),
          seq: 0n,
          prio: level,
          channel: 'cluster',
          msg: text.join(' '),
        });
        return proposeThen([this], 0, '');
      },
    };
  }
}

function cloneSummary(s: LogSummary): LogSummary {
  return { version: s.version, seq: s.seq, tailByChannel: new Map([...s.tailByChannel.entries()].map(([k, v]) => [k, v.slice()])) };
}
