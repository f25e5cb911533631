/**
 * MLog at the mon: cluster log entries from daemons and clients (LogClient), added to the
 * LogMonitor and acked with MLogAck once committed (src/mon/LogMonitor.cc prepare_log/_updated_log).
 */
import { logger } from '@ts-ceph/common';
import { messageTypes } from '@ts-ceph/messenger';
import { MSG_LOG } from '@ts-ceph/messages';
import { EntityType } from '@ts-ceph/denc';
import { MLog, MLogAckCodec } from '../messages/log';
import { Clog } from '../core/log/log-entry';
import { parseAuthFailureReport } from '../core/health/auth-failures';
import type { LogMonitor } from '../core/log/log-monitor';
import type { ProposalPipeline } from '../pipeline';
import type { MonHandler } from './handler';

const log = logger('mon');

/** What the MLog handler uses of the monitor. */
export interface ClusterLogContext {
  readonly fsid: string;
  readonly logm: LogMonitor;
  readonly pipeline: ProposalPipeline;
  /** An OSD's counts of refused credentials, into the AUTH_FAILURES check (see auth-failures.ts). */
  noteAuthFailures(entity: string, addr: string, count: number): void;
}

const onLog: MonHandler<ClusterLogContext> = (ctx, con, s, _msg, payload) => {
  const m = payload as MLog;
  if (!s.isCapable('log', false, true, false)) return;
  if (m.entries.length === 0) return;
  void ctx.pipeline
    .run(async () => {
      for (const e of m.entries) {
        ctx.logm.add(e);
        if (e.prio !== Clog.SEC || e.name.type !== EntityType.OSD) continue;
        for (const f of parseAuthFailureReport(e.msg) ?? []) ctx.noteAuthFailures(f.entity, f.addr, f.count);
      }
      await ctx.pipeline.propose([ctx.logm]);
      const last = m.entries[m.entries.length - 1]!;
      con.send(messageTypes.build(MLogAckCodec, { fsid: ctx.fsid, last: last.seq, channel: last.channel }));
    })
    .catch((e: unknown) => log.error(`log commit failed: ${(e as Error).message}`));
};

export const clusterLogHandlers: Record<number, MonHandler<ClusterLogContext>> = {
  [MSG_LOG]: onLog,
};
