/**
 * The OSD daemon messages on the network side: caps (MON_CAP_X on "osd", which `allow profile osd`
 * grants), the sender's identity from the session, one critical section per message in the proposal
 * pipeline (the decision and its commit), then the replies Ceph sends: the new osdmaps
 * (send_latest), the MOSDMarkMeDown ack. Decisions live in core/osd/osd-daemon.ts.
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
import { Decision, sameAddrs, handleAlive, handleBeacon, handleBoot, handleFailure, handleMarkMeDead, handleMarkMeDown, handlePgTemp } from '../core/osd/osd-daemon';
import { osdmapUpdate } from './subscriptions';
import { EMPTY_PAST_INTERVALS, newPgHistory } from '../core/osd/pg-creates';
import type { MonServer } from './mon-server';
import type { ExtraHandler } from './mon-extra';

const log = logger('mon');

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
function run(server: MonServer, con: Connection, s: MonSession, what: string, decide: () => Decision, after?: (committed: boolean) => void): void {
  const mon = server.mon;
  void mon.pipeline
    .run(async () => {
      let d = decide();
      for (let i = 0; d.retry && i < bootRetriesMax; i++) {
        if (d.propose) await mon.pipeline.propose([mon.osd]);
        d = decide();
      }
      const now = mon.opts.clock.wallNow();
      for (const [prio, text] of d.clog) mon.clog('cluster', prio, text, now);
      if (d.propose) await mon.pipeline.propose([mon.osd, mon.logm]);
      if (d.sendFrom !== undefined) {
        const u = osdmapUpdate(mon, d.sendFrom);
        if (u) server.send(con, s, u);
      }
      after?.(d.propose);
    })
    .catch((e: unknown) => log.error(`${what} from ${s.name} failed: ${(e as Error).stack ?? e}`));
}

function onBoot(server: MonServer, con: Connection, s: MonSession, _msg: CephMessage, payload: unknown): void {
  const m = payload as MOSDBoot;
  const from = osdId(s);
  if (from < 0 || !osdCapable(s, 'osd_boot')) return;
  const mon = server.mon;
  log.dout(7, `preprocess_boot from osd.${from} sb osd_fsid ${m.sb.osdFsid} e${m.sb.currentEpoch} boot_epoch ${m.bootEpoch}`);
  run(server, con, s, 'osd_boot', () =>
    handleBoot(
      mon.osd,
      mon.osdDaemonConf,
      {
        from,
        addrs: s.addrs,
        fsid: mon.fsid,
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
      mon.opts.clock.wallNow(),
    ),
  );
}

function onAlive(server: MonServer, con: Connection, s: MonSession, _msg: CephMessage, payload: unknown): void {
  const m = payload as MOSDAlive;
  const from = osdId(s);
  if (from < 0 || !osdCapable(s, 'osd_alive')) return;
  run(server, con, s, 'osd_alive', () => handleAlive(server.mon.osd, from, s.addrs, m.paxos.version, m.want));
}

function onPgTemp(server: MonServer, con: Connection, s: MonSession, _msg: CephMessage, payload: unknown): void {
  const m = payload as MOSDPGTemp;
  const from = osdId(s);
  if (from < 0 || !osdCapable(s, 'osd_pgtemp')) return;
  run(server, con, s, 'osd_pgtemp', () => handlePgTemp(server.mon.osd, from, s.addrs, m.mapEpoch, m.pgTemp, m.forced));
}

function onBeacon(server: MonServer, con: Connection, s: MonSession, _msg: CephMessage, payload: unknown): void {
  const m = payload as MOSDBeacon;
  const from = osdId(s);
  if (from < 0 || !osdCapable(s, 'osd_beacon')) return;
  const mon = server.mon;
  run(server, con, s, 'osd_beacon', () => handleBeacon(mon.osd, mon.osdReports, from, s.addrs, m.paxos.version, m.lastPurgedSnapsScrub, m.osdBeaconReportIntervalSec, mon.opts.clock.wallNow()));
}

function onFailure(server: MonServer, con: Connection, s: MonSession, _msg: CephMessage, payload: unknown): void {
  const m = payload as MOSDFailure;
  const mon = server.mon;
  const from = osdId(s);
  if (from < 0 || !osdCapable(s, 'osd_failure') || m.fsid !== mon.fsid) return;
  run(server, con, s, 'osd_failure', () =>
    handleFailure(
      mon.osd,
      mon.osdDaemonConf,
      mon.osdReports,
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
      mon.opts.clock.wallNow(),
    ),
  );
}

function onMarkMeDown(server: MonServer, con: Connection, s: MonSession, msg: CephMessage, payload: unknown): void {
  const m = payload as MOSDMarkMeDown;
  const mon = server.mon;
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
  if (!s.isCapable('osd', false, false, true) || m.fsid !== mon.fsid) return ack();
  run(server, con, s, 'MOSDMarkMeDown', () => handleMarkMeDown(mon.osd, mon.osdDaemonConf, { fromOsd: osdId(s) >= 0, fsid: m.fsid, target: m.targetOsd, targetAddrs: m.targetAddrs, epoch: m.epoch, downAndDead: m.downAndDead }), ack);
}

function onMarkMeDead(server: MonServer, con: Connection, s: MonSession, _msg: CephMessage, payload: unknown): void {
  const m = payload as MOSDMarkMeDead;
  const mon = server.mon;
  if (!osdCapable(s, 'MOSDMarkMeDead') || m.fsid !== mon.fsid) return;
  run(server, con, s, 'MOSDMarkMeDead', () => handleMarkMeDead(mon.osd, osdId(s) >= 0, m.targetOsd, m.epoch));
}

function onPgCreated(server: MonServer, con: Connection, s: MonSession, _msg: CephMessage, payload: unknown): void {
  const m = payload as MOSDPGCreated;
  if (osdId(s) < 0 || !osdCapable(s, 'osd_pg_created')) return;
  const mon = server.mon;
  log.dout(10, `osd_pg_created ${formatPg(m.pgid)} from ${s.name}`);
  const from = osdId(s);
  // prepare_pg_created: only from the OSD instance the map has up.
  run(server, con, s, 'osd_pg_created', () =>
    isUp(mon.osd.osdmap, from) && sameAddrs(mon.osd.osdmap.osdAddrs.client[from]!, s.addrs) ? { propose: mon.osd.pgCreates.noteCreated(mon.osd, m.pgid), clog: [] } : { propose: false, clog: [] },
  );
}

/**
 * send_pg_creates: the creating PGs this OSD is the acting primary of, to an OSD subscribed to
 * osd_pg_creates; called on the subscription and after every osdmap commit until they exist.
 */
export function sendPgCreates(server: MonServer, con: Connection, s: MonSession): void {
  const id = osdId(s);
  if (id < 0 || !s.subs.has('osd_pg_creates')) return;
  const mon = server.mon;
  const list = mon.osd.pgCreates.createsFor(mon.osd, id);
  if (!list.length) return;
  const p: MOSDPGCreate2 = {
    epoch: mon.osd.epoch,
    pgs: list.map((x) => [x.spg, { created: x.created, stamp: x.stamp }]),
    pgExtra: list.map((x) => [x.spg, { history: newPgHistory(x.created, x.stamp), pastIntervals: EMPTY_PAST_INTERVALS }]),
  };
  con.send(messageTypes.build(MOSDPGCreate2Codec, p, { features: s.features }));
}

export const monOsdHandlers: Record<number, ExtraHandler> = {
  [MSG_OSD_BOOT]: onBoot,
  [MSG_OSD_ALIVE]: onAlive,
  [MSG_OSD_PGTEMP]: onPgTemp,
  [MSG_OSD_BEACON]: onBeacon,
  [MSG_OSD_FAILURE]: onFailure,
  [MSG_OSD_MARK_ME_DOWN]: onMarkMeDown,
  [MSG_OSD_MARK_ME_DEAD]: onMarkMeDead,
  [MSG_OSD_PG_CREATED]: onPgCreated,
};
