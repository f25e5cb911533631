/**
 * LogEntry (src/common/LogEntry.{h,cc}) and MLog / MLogAck (src/messages/MLog.h, MLogAck.h):
 * daemons' and clients' cluster log entries to the monitor, and the acknowledgement of the last seq
 * committed. Here rather than in the mon so that every daemon (ts-osd reports its security events
 * with it) sends the one codec the mon decodes; the mon keeps the formatting and the summary.
 */
import { Reader, Writer, EntityName, EntityNameT, EntityAddrvec, UTime, decodeEntityName, encodeEntityName, decodeEntityNameT, encodeEntityNameT, decodeEntityAddrvec, encodeEntityAddrvec, decodeEntityInst, encodeEntityInst, decodeUTime, encodeUTime, hasFeature, legacyAddrOf, decodeUuid, encodeUuid, Uuid } from '@ts-ceph/denc';
import { defineMessage, readFront, writeFront } from './codec';
import { decodePaxos, encodePaxos, PaxosHead } from './paxos';
import { CEPH_MSG_PRIO_HIGH } from '@ts-ceph/messenger/core';
import { MSG_LOG, MSG_LOGACK } from './types';

/** clog_type (src/common/ostream_temp.h). */
export const Clog = { DEBUG: 0, INFO: 1, SEC: 2, WARN: 3, ERROR: 4, UNKNOWN: -1 } as const;

export interface LogEntry {
  name: EntityName;
  rank: EntityNameT;
  addrs: EntityAddrvec;
  stamp: UTime;
  seq: bigint;
  prio: number;
  msg: string;
  channel: string;
}

export function encodeLogEntry(w: Writer, e: LogEntry): void {
  if (!hasFeature(w.features, 'SERVER_NAUTILUS')) {
    w.envelope(4, 2, () => {
      encodeEntityInst(w, { name: e.rank, addr: legacyAddrOf(e.addrs) });
      encodeUTime(w, e.stamp);
      w.u64(e.seq).u16(e.prio & 0xffff).string(e.msg).string(e.channel);
      encodeEntityName(w, e.name);
    });
    return;
  }
  w.envelope(5, 5, () => {
    encodeEntityName(w, e.name);
    encodeEntityNameT(w, e.rank);
    encodeEntityAddrvec(w, e.addrs);
    encodeUTime(w, e.stamp);
    w.u64(e.seq).u16(e.prio & 0xffff).string(e.msg).string(e.channel);
  });
}

export function decodeLogEntry(r: Reader): LogEntry {
  return r.envelopeLegacy('LogEntry', 5, 2, 2, (r, v) => {
    if (v < 5) {
      const who = decodeEntityInst(r, 'who');
      const stamp = decodeUTime(r, 'stamp');
      const seq = r.u64('seq');
      const prio = r.i16('prio');
      const msg = r.string('msg');
      const channel = v >= 3 ? r.string('channel') : 'cluster';
      const name = v >= 4 ? decodeEntityName(r, 'name') : { type: 0, id: '' };
      return { name, rank: who.name, addrs: [who.addr], stamp, seq, prio, msg, channel };
    }
    const name = decodeEntityName(r, 'name');
    const rank = decodeEntityNameT(r, 'rank');
    const addrs = decodeEntityAddrvec(r, 'addrs');
    const stamp = decodeUTime(r, 'stamp');
    const seq = r.u64('seq');
    const prio = r.i16('prio');
    const msg = r.string('msg');
    const channel = r.string('channel');
    return { name, rank, addrs, stamp, seq, prio, msg, channel };
  });
}

export const logMessageLimits = {
  /** Entries we accept in one MLog. */
  logEntriesPerMessageMax: 4096,
};

export interface MLog {
  paxos: PaxosHead;
  fsid: Uuid;
  entries: LogEntry[];
}

export const MLogCodec = defineMessage<MLog>({
  type: MSG_LOG,
  name: 'log',
  version: 1,
  compatVersion: 1,
  decode: (m) =>
    readFront(m, 'MLog', (r) => {
      const paxos = decodePaxos(r);
      const fsid = decodeUuid(r, 'fsid');
      const n = r.count('entries', 20);
      if (n > logMessageLimits.logEntriesPerMessageMax) r.fail('DENC_LIMIT', `${n} entries over logEntriesPerMessageMax ${logMessageLimits.logEntriesPerMessageMax}`, 'entries');
      const entries: LogEntry[] = [];
      for (let i = 0; i < n; i++) entries.push(decodeLogEntry(r));
      return { paxos, fsid, entries };
    }),
  encode: (p, features) =>
    writeFront((w) => {
      encodePaxos(w, p.paxos);
      encodeUuid(w, p.fsid);
      w.list(p.entries, encodeLogEntry);
    }, features),
});

export interface MLogAck {
  fsid: Uuid;
  last: bigint;
  channel: string;
}

export const MLogAckCodec = defineMessage<MLogAck>({
  type: MSG_LOGACK,
  name: 'log_ack',
  version: 1,
  compatVersion: 1,
  // As the monitor sends it (the captured osd.0 boot stream, pcap-osd0-boot-mon.01.s2c.bin).
  priority: CEPH_MSG_PRIO_HIGH,
  decode: (m) =>
    readFront(m, 'MLogAck', (r) => ({ fsid: decodeUuid(r, 'fsid'), last: r.u64('last'), channel: r.remaining() > 0 ? r.string('channel') : '' })),
  encode: (p) => writeFront((w) => (encodeUuid(w, p.fsid), w.u64(p.last).string(p.channel))),
});
