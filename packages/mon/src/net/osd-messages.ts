/**
 * The OSD daemon messages on the network side: caps (MON_CAP_X on "osd", which `allow profile osd`
 * grants), the sender's identity from the session, one critical section per message in the proposal
 * pipeline (the decision and its commit), then the replies Ceph sends: the new osdmaps
 * (send_latest), the MOSDMarkMeDown ack. Decisions live in core/osd/osd-liveness.ts.
 */
import { logger } from '@ts-ceph/common';
import { EntityType } from '@ts-ceph/denc';
import { CephMessage, Connection, messageTypes } from '@ts-ceph/messenger';
import {
  MOSDAlive,
  MOSDBeacon,
  MOSDBoot,
  MOSDFailure,
  MOSDFailureFlag,
  MOSDFull,
  MSG_OSD_FULL,
  MOSDMarkMeDead,
  MOSDMarkMeDown,
  MOSDMarkMeDownCodec,
  MOSDPGCreated,
  MOSDPGCreate2,
  MOSDPGCreate2Codec,
  MOSDPGTemp,
  MSG_OSD_ALIVE,
  MSG_OSD_BEACON,
  MSG_OSD_BOOT,
  MSG_OSD_FAILURE,
  MSG_OSD_MARK_ME_DEAD,
  MSG_OSD_MARK_ME_DOWN,
  MSG_OSD_PGTEMP,
  MSG_OSD_PG_CREATED,
  PAXOS_HEAD_DEFAULT,
} from '@ts-ceph/messages';
import { formatPg, isUp } from '@ts-ceph/maps';
import { MonSession } from '../core/session';
import { Decision, OSDLivenessConf, OSDReportTracker, sameAddrs, handleAlive, handleBeacon, handleBoot, handleFailure, handleMarkMeDead, handleMarkMeDown, handlePgTemp } from '../core/osd/osd-liveness';
import { EMPTY_PAST_INTERVALS, newPgHistory } from '../core/osd/pg-creates';
import { handleFull } from '../core/osd/osd-full';
import type { OSDMonitor } from '../core/osd/osd-monitor';
import type { LogMonitor } from '../core/log/log-monitor';
import type { ProposalPipeline } from '../pipeline';
import type { MonHandler } from './handler';

const log = logger('mon');

/** What the OSD message handlers use of the monitor and the server. */
export interface OsdMessageContext {
  readonly fsid: string;
  readonly osd: OSDMonitor;
  readonly logm: LogMonitor;
  readonly pipeline: ProposalPipeline;
  readonly osdLivenessConf: OSDLivenessConf;
  readonly osdReports: OSDReportTracker;
  /** Add a cluster log line to the pending LogMonitor change. */
  clog(channel: string, prio: number, text: string, now: number): void;
  /** Wall clock in ms. */
  now(): number;
  /** Send the session the osdmaps from epoch `first` on (0: the latest full map), as send_latest. */
  sendOsdmaps(con: Connection, s: MonSession, first: number): void;
}

/** Retries of a boot that first had to mark the OSD's previous instance down. */
const bootRetriesMax = 3;

/** The OSD id of a session authenticated as osd.N, or -1. */
function osdId(s: MonSession): number {
  return s.inst.type === EntityType.OSD ? s.inst.num : -1;
}

/** session->is_capable("osd", MON_CAP_X), logged when refused as Ceph does. */
function osdCapable(s: MonSession, what: string): boolean {
  if (s.isCapable('osd', false, false, true)) return true;
  log.info(`${what} from ${s.name} with insufficient caps: ignored`);
  return false;
}

/**
 * Decide and commit inside the pipeline; send the maps the decision asks for; then `after` (acks).
 * A decision that asks for a retry is re-run after its commit (bounded).
 */
function run(ctx: OsdMessageContext, con: Connection, s: MonSession, what: string, decide: () => Decision, after?: (committed: boolean) => void): void {
  void ctx.pipeline
    .run(async () => {
      let d = decide();
      for (let i = 0; d.retry && i < bootRetriesMax; i++) {
        if (d.propose) await ctx.pipeline.propose([ctx.osd]);
        d = decide();
      }
      const now = ctx.now();
      for (const [prio, text] of d.clog) ctx.clog('cluster', prio, text, now);
      if (d.propose) await ctx.pipeline.propose([ctx.osd, ctx.logm]);
      if (d.sendFrom !== undefined) ctx.sendOsdmaps(con, s, d.sendFrom);
      after?.(d.propose);
    })
    .catch((e: unknown) => log.error(`${what} from ${s.name} failed: ${(e as Error).stack ?? e}`));
}

/**
 * A handler for a message only an OSD sends: the session must be osd.N with the osd caps (refusals
 * are logged under `cap`, the name Ceph logs); `handle` gets N and the decoded message.
 */
function fromOsd<M>(cap: string, handle: (ctx: OsdMessageContext, con: Connection, s: MonSession, from: number, m: M) => void): MonHandler<OsdMessageContext> {
  return (ctx, con, s, _msg, payload) => {
    const from = osdId(s);
    if (from < 0 || !osdCapable(s, cap)) return;
    handle(ctx, con, s, from, payload as M);
  };
}

const onBoot = fromOsd<MOSDBoot>('osd_boot', (ctx, con, s, from, m) => {
  log.dout(7, `preprocess_boot from osd.${from} sb osd_fsid ${m.sb.osdFsid} e${m.sb.currentEpoch} boot_epoch ${m.bootEpoch}`);
  run(ctx, con, s, 'osd_boot', () =>
    handleBoot(
      ctx.osd,
      ctx.osdLivenessConf,
      {
        from,
        addrs: s.addrs,
        fsid: ctx.fsid,
        clusterFsid: m.sb.clusterFsid,
        osdFsid: m.sb.osdFsid,
        version: m.paxos.version,
        currentEpoch: m.sb.currentEpoch,
        newestMap: m.sb.newestMap,
        mounted: m.sb.mounted,
        cleanThru: m.sb.cleanThru,
        bootEpoch: m.bootEpoch,
        clusterAddrs: m.clusterAddrs,
        hbBackAddrs: m.hbBackAddrs,
        hbFrontAddrs: m.hbFrontAddrs,
        osdFeatures: m.osdFeatures,
        metadata: m.metadata,
      },
      ctx.now(),
    ),
  );
});

const onAlive = fromOsd<MOSDAlive>('osd_alive', (ctx, con, s, from, m) => {
  run(ctx, con, s, 'osd_alive', () => handleAlive(ctx.osd, from, s.addrs, m.paxos.version, m.want));
});

const onPgTemp = fromOsd<MOSDPGTemp>('osd_pgtemp', (ctx, con, s, from, m) => {
  run(ctx, con, s, 'osd_pgtemp', () => handlePgTemp(ctx.osd, from, s.addrs, m.mapEpoch, m.pgTemp, m.forced));
});

const onBeacon = fromOsd<MOSDBeacon>('osd_beacon', (ctx, con, s, from, m) => {
  run(ctx, con, s, 'osd_beacon', () => handleBeacon(ctx.osd, ctx.osdReports, from, s.addrs, m.paxos.version, m.lastPurgedSnapsScrub, m.osdBeaconReportIntervalSec, ctx.now()));
});

const onFailure = fromOsd<MOSDFailure>('osd_failure', (ctx, con, s, from, m) => {
  if (m.fsid !== ctx.fsid) return;
  run(ctx, con, s, 'osd_failure', () =>
    handleFailure(
      ctx.osd,
      ctx.osdLivenessConf,
      ctx.osdReports,
      {
        reporter: from,
        reporterAddrs: s.addrs,
        fsid: m.fsid,
        target: m.targetOsd,
        targetAddrs: m.targetAddrs,
        epoch: m.epoch,
        failed: (m.flags & MOSDFailureFlag.FAILED) !== 0,
        immediate: (m.flags & MOSDFailureFlag.IMMEDIATE) !== 0,
        failedForSec: m.failedForSec,
      },
      ctx.now(),
    ),
  );
});

const onFull = fromOsd<MOSDFull>('MOSDFull', (ctx, con, s, from, m) => {
  run(ctx, con, s, 'osd_full', () => handleFull(ctx.osd, from, s.addrs, m.paxos.version, m.state));
});

function onMarkMeDown(ctx: OsdMessageContext, con: Connection, s: MonSession, msg: CephMessage, payload: unknown): void {
  const m = payload as MOSDMarkMeDown;
  // C_AckMarkedDown: the same message back, request_ack false; sent on every path once handled.
  const ack = () => {
    if (!m.requestAck) return;
    con.send(
      messageTypes.build(
        MOSDMarkMeDownCodec,
        { paxos: { ...PAXOS_HEAD_DEFAULT, version: m.epoch }, fsid: m.fsid, targetOsd: m.targetOsd, targetAddrs: m.targetAddrs, epoch: m.epoch, requestAck: false, downAndDead: false },
        { tid: msg.tid, features: s.features },
      ),
    );
  };
  if (!s.isCapable('osd', false, false, true) || m.fsid !== ctx.fsid) return ack();
  run(ctx, con, s, 'MOSDMarkMeDown', () => handleMarkMeDown(ctx.osd, ctx.osdLivenessConf, { fromOsd: osdId(s) >= 0, fsid: m.fsid, target: m.targetOsd, targetAddrs: m.targetAddrs, epoch: m.epoch, downAndDead: m.downAndDead }), ack);
}

function onMarkMeDead(ctx: OsdMessageContext, con: Connection, s: MonSession, _msg: CephMessage, payload: unknown): void {
  const m = payload as MOSDMarkMeDead;
  if (!osdCapable(s, 'MOSDMarkMeDead') || m.fsid !== ctx.fsid) return;
  run(ctx, con, s, 'MOSDMarkMeDead', () => handleMarkMeDead(ctx.osd, osdId(s) >= 0, m.targetOsd, m.epoch));
}

const onPgCreated = fromOsd<MOSDPGCreated>('osd_pg_created', (ctx, con, s, from, m) => {
  log.dout(10, `osd_pg_created ${formatPg(m.pgid)} from ${s.name}`);
  // prepare_pg_created: only from the OSD instance the map has up.
  run(ctx, con, s, 'osd_pg_created', () =>
    isUp(ctx.osd.osdmap, from) && sameAddrs(ctx.osd.osdmap.osdAddrs.client[from]!, s.addrs) ? { propose: ctx.osd.pgCreates.noteCreated(ctx.osd, m.pgid), clog: [] } : { propose: false, clog: [] },
  );
});

/**
 * send_pg_creates: the creating PGs this OSD is the acting primary of, to an OSD subscribed to
 * osd_pg_creates; called on the subscription and after every osdmap commit until they exist.
 */
export function sendPgCreates(osd: OSDMonitor, con: Connection, s: MonSession): void {
  const id = osdId(s);
  if (id < 0 || !s.subs.has('osd_pg_creates')) return;
  const list = osd.pgCreates.createsFor(osd, id);
  if (!list.length) return;
  const p: MOSDPGCreate2 = {
    epoch: osd.epoch,
    pgs: list.map((x) => [x.spg, { created: x.created, stamp: x.stamp }]),
    pgExtra: list.map((x) => [x.spg, { history: newPgHistory(x.created, x.stamp), pastIntervals: EMPTY_PAST_INTERVALS }]),
  };
  con.send(messageTypes.build(MOSDPGCreate2Codec, p, { features: s.features }));
}

export const osdMessageHandlers: Record<number, MonHandler<OsdMessageContext>> = {
  [MSG_OSD_BOOT]: onBoot,
  [MSG_OSD_ALIVE]: onAlive,
  [MSG_OSD_PGTEMP]: onPgTemp,
  [MSG_OSD_BEACON]: onBeacon,
  [MSG_OSD_FAILURE]: onFailure,
  [MSG_OSD_FULL]: onFull,
  [MSG_OSD_MARK_ME_DOWN]: onMarkMeDown,
  [MSG_OSD_MARK_ME_DEAD]: onMarkMeDead,
  [MSG_OSD_PG_CREATED]: onPgCreated,
};
