/**
 * MLog / MLogAck (src/messages/MLog.h, MLogAck.h): daemons' and clients' cluster log entries to the
 * monitor, and the acknowledgement of the last seq committed. Registered here because the LogEntry
 * codec is the mon's (core/log/log-entry.ts).
 */
import { decodeUuid, encodeUuid, Uuid } from '@ts-ceph/denc';
import { defineMessage, readFront, writeFront, decodePaxos, encodePaxos, PaxosHead, MSG_LOG, MSG_LOGACK } from '@ts-ceph/messages';
import { LogEntry, decodeLogEntry, encodeLogEntry } from '../core/log/log-entry';

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
  decode: (m) =>
    readFront(m, 'MLogAck', (r) => ({ fsid: decodeUuid(r, 'fsid'), last: r.u64('last'), channel: r.remaining() > 0 ? r.string('channel') : '' })),
  encode: (p) => writeFront((w) => (encodeUuid(w, p.fsid), w.u64(p.last).string(p.channel))),
});
