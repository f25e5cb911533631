import { cephError } from '@ts-ceph/common/core';
import { decodeEntityAddrvec, decodeUTime, decodeUuid, EntityAddrvec, encodeEntityAddrvec, encodeUTime, encodeUuid, Reader, UTime, UTIME_ZERO, Uuid, Writer } from '@ts-ceph/denc';
import { comparePg, decodePgT, encodePgT, formatPg, PgT } from '@ts-ceph/maps';
import { defineMessage, readFront, writeFront } from './codec';
import { messagesLimits } from './limits';
import { decodePaxos, encodePaxos, PaxosHead } from './paxos';
import { MSG_OSD_ALIVE, MSG_OSD_BEACON, MSG_OSD_FAILURE, MSG_OSD_MARK_ME_DEAD, MSG_OSD_MARK_ME_DOWN, MSG_OSD_PGTEMP, MSG_OSD_PG_CREATED } from './types';

/**
 * The small messages an OSD sends its monitor after boot (src/messages/MOSD*.h). Each starts with
 * the PaxosServiceMessage head, whose version is the osdmap epoch the OSD has.
 */

function pgCount(r: Reader, field: string): number {
  const n = r.count(field, 17);
  if (n > messagesLimits.osdPgsPerMessageMax) throw cephError('EINVAL', `${field}: ${n} PGs, over osdPgsPerMessageMax ${messagesLimits.osdPgsPerMessageMax}`);
  return n;
}

/** MOSDAlive (MOSDAlive.h), v1: head (version = epoch the OSD has), le32 want (the up_thru wanted). */
export interface MOSDAlive {
  paxos: PaxosHead;
  want: number;
}

export const MOSDAliveCodec = defineMessage<MOSDAlive>({
  type: MSG_OSD_ALIVE,
  name: 'osd_alive',
  version: 1,
  compatVersion: 1,
  decode: (m) => readFront(m, 'MOSDAlive', (r) => ({ paxos: decodePaxos(r), want: r.u32('want') })),
  encode: (p) => writeFront((w) => (encodePaxos(w, p.paxos), w.u32(p.want))),
  describe: (p) => `osd_alive(want up_thru ${p.want} have ${p.paxos.version})`,
});

/**
 * MOSDBeacon (MOSDBeacon.h), v3 compat 1: head, vector<pg_t> pgs (clean PGs it is primary of),
 * le32 min_last_epoch_clean, utime last_purged_snaps_scrub (v2+), le32 osd_beacon_report_interval
 * in seconds (v3+).
 */
export interface MOSDBeacon {
  paxos: PaxosHead;
  pgs: PgT[];
  minLastEpochClean: number;
  lastPurgedSnapsScrub: UTime;
  osdBeaconReportIntervalSec: number;
}

export const MOSDBeaconCodec = defineMessage<MOSDBeacon>({
  type: MSG_OSD_BEACON,
  name: 'osd_beacon',
  version: 3,
  compatVersion: 1,
  decode: (m) =>
    readFront(m, 'MOSDBeacon', (r) => {
      const paxos = decodePaxos(r);
      const n = pgCount(r, 'pgs');
      const pgs: PgT[] = [];
      for (let i = 0; i < n; i++) pgs.push(decodePgT(r));
      const minLastEpochClean = r.u32('min_last_epoch_clean');
      const lastPurgedSnapsScrub = m.version >= 2 ? decodeUTime(r, 'last_purged_snaps_scrub') : UTIME_ZERO;
      const osdBeaconReportIntervalSec = m.version >= 3 ? r.i32('osd_beacon_report_interval') : 0;
      return { paxos, pgs, minLastEpochClean, lastPurgedSnapsScrub, osdBeaconReportIntervalSec };
    }),
  encode: (p) =>
    writeFront((w) => {
      encodePaxos(w, p.paxos);
      w.u32(p.pgs.length);
      for (const pg of p.pgs) encodePgT(w, pg);
      w.u32(p.minLastEpochClean);
      encodeUTime(w, p.lastPurgedSnapsScrub);
      w.i32(p.osdBeaconReportIntervalSec);
    }),
  describe: (p) => `osd_beacon(pgs [${p.pgs.map(formatPg).join(',')}] lec ${p.minLastEpochClean} v${p.paxos.version})`,
});

/**
 * The head MOSDFailure and MOSDMarkMeDown share: the paxos head, the fsid, and the OSD the message
 * speaks of with its addresses.
 */
export interface OsdTargetHead {
  paxos: PaxosHead;
  fsid: Uuid;
  targetOsd: number;
  targetAddrs: EntityAddrvec;
}

function decodeOsdTargetHead(r: Reader): OsdTargetHead {
  const paxos = decodePaxos(r);
  const fsid = decodeUuid(r, 'fsid');
  const targetOsd = r.i32('target_osd');
  return { paxos, fsid, targetOsd, targetAddrs: decodeEntityAddrvec(r, 'target_addrs') };
}

function encodeOsdTargetHead(w: Writer, p: OsdTargetHead): void {
  encodePaxos(w, p.paxos);
  encodeUuid(w, p.fsid);
  w.i32(p.targetOsd);
  encodeEntityAddrvec(w, p.targetAddrs);
}

/** MOSDFailure flags. */
export const MOSDFailureFlag = {
  /** On its own: "the target is still alive" (cancels an earlier report). */
  ALIVE: 0,
  FAILED: 1,
  /** A known failure (connection refused), not a heartbeat timeout. */
  IMMEDIATE: 2,
} as const;

/**
 * MOSDFailure (MOSDFailure.h), v4 compat 4: head, fsid, le32 target_osd, target_addrs, le32 epoch
 * (of the reporter's map), u8 flags, le32 failed_for (seconds the target has been unresponsive).
 */
export interface MOSDFailure extends OsdTargetHead {
  epoch: number;
  flags: number;
  failedForSec: number;
}

export const MOSDFailureCodec = defineMessage<MOSDFailure>({
  type: MSG_OSD_FAILURE,
  name: 'osd_failure',
  version: 4,
  compatVersion: 4,
  decode: (m) =>
    readFront(m, 'MOSDFailure', (r) => {
      if (m.version < 4) throw cephError('EINVAL', `MOSDFailure v${m.version} (pre-octopus) is not supported`);
      const head = decodeOsdTargetHead(r);
      return { ...head, epoch: r.u32('epoch'), flags: r.u8('flags'), failedForSec: r.i32('failed_for') };
    }),
  encode: (p) =>
    writeFront((w) => {
      encodeOsdTargetHead(w, p);
      w.u32(p.epoch).u8(p.flags).i32(p.failedForSec);
    }),
  describe: (p) => `osd_failure(${p.flags & MOSDFailureFlag.FAILED ? 'failed ' : ''}${p.flags & MOSDFailureFlag.IMMEDIATE ? 'immediate ' : 'timeout '}osd.${p.targetOsd} for ${p.failedForSec}sec e${p.epoch} v${p.paxos.version})`,
});

/**
 * MOSDMarkMeDown (MOSDMarkMeDown.h as of 16.2.15), v4 compat 3: head, fsid, le32 target_osd,
 * target_addrs, le32 epoch, bool request_ack, bool down_and_dead (v4+). The mon answers with the
 * same message (request_ack false) once the down state is committed.
 */
export interface MOSDMarkMeDown extends OsdTargetHead {
  epoch: number;
  requestAck: boolean;
  downAndDead: boolean;
}

export const MOSDMarkMeDownCodec = defineMessage<MOSDMarkMeDown>({
  type: MSG_OSD_MARK_ME_DOWN,
  name: 'MOSDMarkMeDown',
  version: 4,
  compatVersion: 3,
  decode: (m) =>
    readFront(m, 'MOSDMarkMeDown', (r) => {
      if (m.version < 3) throw cephError('EINVAL', `MOSDMarkMeDown v${m.version} (pre-octopus) is not supported`);
      const head = decodeOsdTargetHead(r);
      const epoch = r.u32('epoch');
      const requestAck = r.bool('request_ack');
      const downAndDead = m.version >= 4 ? r.bool('down_and_dead') : false;
      return { ...head, epoch, requestAck, downAndDead };
    }),
  encode: (p) =>
    writeFront((w) => {
      encodeOsdTargetHead(w, p);
      w.u32(p.epoch).bool(p.requestAck).bool(p.downAndDead);
    }),
  describe: (p) => `MOSDMarkMeDown(request_ack=${p.requestAck}, down_and_dead=${p.downAndDead}, osd.${p.targetOsd}, fsid=${p.fsid})`,
});

/** MOSDMarkMeDead (MOSDMarkMeDead.h), v1: head, fsid, le32 target_osd, le32 epoch. */
export interface MOSDMarkMeDead {
  paxos: PaxosHead;
  fsid: Uuid;
  targetOsd: number;
  epoch: number;
}

export const MOSDMarkMeDeadCodec = defineMessage<MOSDMarkMeDead>({
  type: MSG_OSD_MARK_ME_DEAD,
  name: 'MOSDMarkMeDead',
  version: 1,
  compatVersion: 1,
  decode: (m) => readFront(m, 'MOSDMarkMeDead', (r) => ({ paxos: decodePaxos(r), fsid: decodeUuid(r, 'fsid'), targetOsd: r.i32('target_osd'), epoch: r.u32('epoch') })),
  encode: (p) =>
    writeFront((w) => {
      encodePaxos(w, p.paxos);
      encodeUuid(w, p.fsid);
      w.i32(p.targetOsd).u32(p.epoch);
    }),
  describe: (p) => `MOSDMarkMeDead(osd.${p.targetOsd}, epoch ${p.epoch}, fsid=${p.fsid})`,
});

/**
 * MOSDPGTemp (MOSDPGTemp.h), v2 compat 1: head, le32 map_epoch, map<pg_t, vector<int32>> pg_temp
 * (an empty vector asks to remove the entry), bool forced (v2+).
 */
export interface MOSDPGTemp {
  paxos: PaxosHead;
  mapEpoch: number;
  pgTemp: [PgT, number[]][];
  forced: boolean;
}

export const MOSDPGTempCodec = defineMessage<MOSDPGTemp>({
  type: MSG_OSD_PGTEMP,
  name: 'osd_pgtemp',
  version: 2,
  compatVersion: 1,
  decode: (m) =>
    readFront(m, 'MOSDPGTemp', (r) => {
      const paxos = decodePaxos(r);
      const mapEpoch = r.u32('map_epoch');
      const n = pgCount(r, 'pg_temp');
      const pgTemp: [PgT, number[]][] = [];
      for (let i = 0; i < n; i++) {
        const pg = decodePgT(r);
        const k = r.count('osds', 4);
        if (k > messagesLimits.pgTempOsdsMax) throw cephError('EINVAL', `pg_temp entry with ${k} OSDs, over pgTempOsdsMax ${messagesLimits.pgTempOsdsMax}`);
        const osds: number[] = [];
        for (let j = 0; j < k; j++) osds.push(r.i32('osd'));
        pgTemp.push([pg, osds]);
      }
      const forced = m.version >= 2 ? r.bool('forced') : false;
      return { paxos, mapEpoch, pgTemp, forced };
    }),
  encode: (p) =>
    writeFront((w) => {
      encodePaxos(w, p.paxos);
      w.u32(p.mapEpoch);
      const sorted = [...p.pgTemp].sort((a, b) => comparePg(a[0], b[0]));
      w.u32(sorted.length);
      for (const [pg, osds] of sorted) {
        encodePgT(w, pg);
        w.u32(osds.length);
        for (const o of osds) w.i32(o);
      }
      w.bool(p.forced);
    }),
  describe: (p) => `osd_pgtemp(e${p.mapEpoch} {${p.pgTemp.map(([pg, o]) => `${formatPg(pg)}=[${o.join(',')}]`).join(',')}} v${p.paxos.version})`,
});

/** MOSDPGCreated (MOSDPGCreated.h), v1: head, pg_t pgid (a PG named in pg_create2 now exists). */
export interface MOSDPGCreated {
  paxos: PaxosHead;
  pgid: PgT;
}

export const MOSDPGCreatedCodec = defineMessage<MOSDPGCreated>({
  type: MSG_OSD_PG_CREATED,
  name: 'osd_pg_created',
  version: 1,
  compatVersion: 1,
  decode: (m) => readFront(m, 'MOSDPGCreated', (r) => ({ paxos: decodePaxos(r), pgid: decodePgT(r) })),
  encode: (p) => writeFront((w) => (encodePaxos(w, p.paxos), encodePgT(w, p.pgid))),
  describe: (p) => `osd_pg_created(${formatPg(p.pgid)})`,
});
