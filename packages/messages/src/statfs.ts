import { decodeUuid, encodeUuid, Uuid } from '@ts-ceph/denc';
import { CEPH_MSG_PRIO_HIGH } from '@ts-ceph/messenger/core';
import { defineMessage, readFront, writeFront } from './codec';
import { decodePaxos, encodePaxos, PaxosHead } from './paxos';
import { CEPH_MSG_STATFS, CEPH_MSG_STATFS_REPLY } from './types';

/** MStatfs (src/messages/MStatfs.h), v2: head, fsid, optional<s64> data_pool (v2+). */
export interface MStatfs {
  paxos: PaxosHead;
  fsid: Uuid;
  dataPool: number | undefined;
}

export const MStatfsCodec = defineMessage<MStatfs>({
  type: CEPH_MSG_STATFS,
  name: 'statfs',
  version: 2,
  compatVersion: 1,
  decode: (m) =>
    readFront(m, 'MStatfs', (r) => ({
      paxos: decodePaxos(r),
      fsid: decodeUuid(r, 'fsid'),
      dataPool: m.version >= 2 ? r.optional('data_pool', (rr) => rr.i64n('data_pool')) : undefined,
    })),
  encode: (p) =>
    writeFront((w) => {
      encodePaxos(w, p.paxos);
      encodeUuid(w, p.fsid);
      w.optional(p.dataPool, (ww, v) => ww.i64(v));
    }),
});

/**
 * MStatfsReply: struct ceph_mon_statfs_reply, packed: fsid (16 bytes), le64 version (osdmap epoch),
 * ceph_statfs {le64 kb, kb_used, kb_avail, num_objects}. The tid is the header's.
 */
export interface MStatfsReply {
  fsid: Uuid;
  version: number;
  kb: number;
  kbUsed: number;
  kbAvail: number;
  numObjects: number;
}

export const MStatfsReplyCodec = defineMessage<MStatfsReply>({
  type: CEPH_MSG_STATFS_REPLY,
  name: 'statfs_reply',
  version: 1,
  compatVersion: 1,
  priority: CEPH_MSG_PRIO_HIGH,
  decode: (m) =>
    readFront(m, 'MStatfsReply', (r) => ({
      fsid: decodeUuid(r, 'fsid'),
      version: r.u64n('version'),
      kb: r.u64n('kb'),
      kbUsed: r.u64n('kb_used'),
      kbAvail: r.u64n('kb_avail'),
      numObjects: r.u64n('num_objects'),
    })),
  encode: (p) =>
    writeFront((w) => {
      encodeUuid(w, p.fsid);
      w.u64(p.version).u64(p.kb).u64(p.kbUsed).u64(p.kbAvail).u64(p.numObjects);
    }),
});
