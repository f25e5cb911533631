/**
 * ts-osd's refused credentials (bad or expired tickets, authorizers for another service), reported
 * to the monitor: counted per entity and source address and sent once per interval as one [SEC]
 * cluster-log entry (MLog, the path every daemon's LogClient uses; an OSD has no other channel to the
 * mon that could carry them: MOSDBeacon has no room). The mon adds it to the cluster log and feeds
 * the counts into its AUTH_FAILURES health check (packages/mon/src/net/cluster-log.ts parses the
 * entry, whose text is therefore fixed):
 *
 *   auth failures seen by osd.0 (last 10 s): refused credentials 15 (client.admin from 127.0.0.2 x12, unknown entity from 127.0.0.3 x3)
 */
import { Clock, EventSummary, logger } from '@ts-ceph/common';
import { EntityAddrvec, EntityType, formatEntityName, utimeFromMs, Uuid } from '@ts-ceph/denc';
import { AuthFailure, CephMessage, Dispatcher, messageTypes, msgrLimits, msgrTimeouts } from '@ts-ceph/messenger';
import { Clog, MLogCodec, PAXOS_HEAD_DEFAULT } from '@ts-ceph/messages';

const log = logger('osd');

export interface AuthFailureReportDeps {
  id: number;
  clock: Clock;
  fsid(): Uuid;
  addrs(): EntityAddrvec;
  sendMon(m: CephMessage): void;
}

/** A dispatcher that only listens for refused credentials (the OSD's own dispatcher does the rest). */
export class AuthFailureReport implements Dispatcher {
  private readonly summary: EventSummary;
  private seq = 1n;

  constructor(private readonly deps: AuthFailureReportDeps) {
    this.summary = new EventSummary({
      clock: deps.clock,
      intervalMs: msgrTimeouts.summaryIntervalMs,
      keysMax: msgrLimits.summaryKeysMax,
      title: `auth failures seen by osd.${deps.id}`,
      write: (line) => this.report(line),
    });
  }

  msDispatch(): void {
    // Messages are the OSD's; this dispatcher only counts refused credentials.
  }

  msHandleAuthFailure(f: AuthFailure): void {
    this.summary.note('refused credentials', `${f.entity ? formatEntityName(f.entity) : 'unknown entity'} from ${f.addr}`);
  }

  /** Send what is pending now (at shutdown). */
  flush(): void {
    this.summary.flush();
  }

  private report(line: string): void {
    // The messenger's own "ms summary" line already has these counts in the daemon log.
    log.dout(10, line);
    this.clog(Clog.SEC, line);
  }

  /** One entry in the cluster log (the OSD's other security notices use it too: loose permissions). */
  clog(prio: number, msg: string): void {
    const id = String(this.deps.id);
    const entry = {
      name: { type: EntityType.OSD, id },
      rank: { type: EntityType.OSD, num: this.deps.id },
      addrs: this.deps.addrs(),
      stamp: utimeFromMs(this.deps.clock.wallNow()),
      seq: this.seq++,
      prio,
      msg,
      channel: 'cluster',
    };
    this.deps.sendMon(messageTypes.build(MLogCodec, { paxos: PAXOS_HEAD_DEFAULT, fsid: this.deps.fsid(), entries: [entry] }));
  }
}
