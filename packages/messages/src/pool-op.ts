import { decodeUuid, encodeUuid, Uuid } from '@ts-ceph/denc';
import { CEPH_MSG_PRIO_HIGH } from '@ts-ceph/messenger/core';
import { defineMessage, readFront, writeFront } from './codec';
import { decodePaxos, encodePaxos, PaxosHead, PAXOS_HEAD_DEFAULT } from './paxos';
import { CEPH_MSG_POOLOP, CEPH_MSG_POOLOP_REPLY } from './types';

/** POOL_OP_* (src/include/ceph_fs.h). */
export const PoolOpCode = {
  CREATE: 0x01,
  DELETE: 0x02,
  AUID_CHANGE: 0x03,
  CREATE_SNAP: 0x11,
  DELETE_SNAP: 0x12,
  CREATE_UNMANAGED_SNAP: 0x21,
  DELETE_UNMANAGED_SNAP: 0x22,
} as const;

/**
 * MPoolOp (src/messages/MPoolOp.h), v4 compat 2: a pool or snapshot operation sent to the monitor
 * (librados selfmanaged snaps, pool create/delete): head, fsid, le32 pool, le32 op, le64 old auid
 * (always 0), le64 snapid, name (v2+), u8 pad (v3+), le16 crush_rule (v4+). The tid is the header's.
 */
export interface MPoolOp {
  paxos: PaxosHead;
  fsid: Uuid;
  pool: number;
  name: string;
  op: number;
  snapid: bigint;
  crushRule: number;
}

export const MPoolOpCodec = defineMessage<MPoolOp>({
  type: CEPH_MSG_POOLOP,
  name: 'poolop',
  version: 4,
  compatVersion: 2,
  decode: (m) =>
    readFront(m, 'MPoolOp', (r) => {
      const paxos = decodePaxos(r);
      const fsid = decodeUuid(r, 'fsid');
      const pool = r.u32('pool');
      let name = m.version < 2 ? r.string('name') : '';
      const op = r.u32('op');
      r.u64('old_auid');
      const snapid = r.u64('snapid');
      if (m.version >= 2) name = r.string('name');
      let crushRule = 0;
      if (m.version >= 3) {
        const pad = r.u8('pad');
        crushRule = m.version >= 4 ? r.i16('crush_rule') : pad;
      }
      return { paxos, fsid, pool, name, op, snapid, crushRule };
    }),
  encode: (p) =>
    writeFront((w) => {
      encodePaxos(w, p.paxos);
      encodeUuid(w, p.fsid);
      w.u32(p.pool).u32(p.op).u64(0n).u64(p.snapid).string(p.name).u8(0).i16(p.crushRule);
    }),
  describe: (p) => `pool_op(${p.op} pool ${p.pool} name ${p.name} v${p.paxos.version})`,
});

export function mPoolOp(fsid: Uuid, pool: number, op: number, opts: { name?: string; snapid?: bigint; version?: number } = {}): MPoolOp {
  return { paxos: { ...PAXOS_HEAD_DEFAULT, version: opts.version ?? 0 }, fsid, pool, name: opts.name ?? '', op, snapid: opts.snapid ?? 0n, crushRule: 0 };
}

/**
 * MPoolOpReply (src/messages/MPoolOpReply.h): head, fsid, le32 reply code (0 or -errno), le32 the
 * osdmap epoch the change is in, then optional response data (the new snapid for
 * CREATE_UNMANAGED_SNAP, an encoded le64).
 */
export interface MPoolOpReply {
  paxos: PaxosHead;
  fsid: Uuid;
  replyCode: number;
  epoch: number;
  responseData: Buffer | undefined;
}

export const MPoolOpReplyCodec = defineMessage<MPoolOpReply>({
  type: CEPH_MSG_POOLOP_REPLY,
  name: 'poolopreply',
  version: 1,
  compatVersion: 1,
  priority: CEPH_MSG_PRIO_HIGH,
  decode: (m) =>
    readFront(m, 'MPoolOpReply', (r) => {
      const paxos = decodePaxos(r);
      const fsid = decodeUuid(r, 'fsid');
      const replyCode = r.i32('reply_code');
      const epoch = r.u32('epoch');
      const responseData = r.bool('has_response_data') ? Buffer.from(r.blob('response_data')) : undefined;
      return { paxos, fsid, replyCode, epoch, responseData };
    }),
  encode: (p) =>
    writeFront((w) => {
      encodePaxos(w, p.paxos);
      encodeUuid(w, p.fsid);
      w.i32(p.replyCode).u32(p.epoch);
      if (p.responseData && p.responseData.length) w.bool(true).blob(p.responseData);
      else w.bool(false);
    }),
  describe: (p) => `pool_op_reply(${p.replyCode} epoch ${p.epoch})`,
});
