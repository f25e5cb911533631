import { CEPH_MSG_PRIO_HIGH } from '@ts-ceph/messenger/core';
import { defineMessage, readFront, writeFront } from './codec';
import { decodePaxos, encodePaxos, PaxosHead, PAXOS_HEAD_DEFAULT } from './paxos';
import { CEPH_MSG_AUTH, CEPH_MSG_AUTH_REPLY } from './types';

/**
 * MAuth (src/messages/MAuth.h): an auth exchange over an established mon session (cephx ticket
 * renewal, rotating keys): head, protocol (CEPH_AUTH_*), auth_payload, monmap_epoch (optional on
 * decode, as old senders omitted it).
 */
export interface MAuth {
  paxos: PaxosHead;
  protocol: number;
  authPayload: Buffer;
  monmapEpoch: number;
}

export const MAuthCodec = defineMessage<MAuth>({
  type: CEPH_MSG_AUTH,
  name: 'auth',
  version: 1,
  compatVersion: 1,
  decode: (m) =>
    readFront(m, 'MAuth', (r) => {
      const paxos = decodePaxos(r);
      const protocol = r.u32('protocol');
      const authPayload = Buffer.from(r.blob('auth_payload'));
      const monmapEpoch = r.remaining() > 0 ? r.u32('monmap_epoch') : 0;
      return { paxos, protocol, authPayload, monmapEpoch };
    }),
  encode: (p) =>
    writeFront((w) => {
      encodePaxos(w, p.paxos);
      w.u32(p.protocol).blob(p.authPayload).u32(p.monmapEpoch);
    }),
});

export function mAuth(protocol: number, authPayload: Buffer, monmapEpoch = 0): MAuth {
  return { paxos: PAXOS_HEAD_DEFAULT, protocol, authPayload, monmapEpoch };
}

/** MAuthReply: protocol, result (0 or -errno), global_id, result_bl (cephx reply), result_msg. */
export interface MAuthReply {
  protocol: number;
  result: number;
  globalId: bigint;
  resultBl: Buffer;
  resultMsg: string;
}

export const MAuthReplyCodec = defineMessage<MAuthReply>({
  type: CEPH_MSG_AUTH_REPLY,
  name: 'auth_reply',
  version: 1,
  compatVersion: 1,
  priority: CEPH_MSG_PRIO_HIGH,
  decode: (m) =>
    readFront(m, 'MAuthReply', (r) => ({
      protocol: r.u32('protocol'),
      result: r.i32('result'),
      globalId: r.u64('global_id'),
      resultBl: Buffer.from(r.blob('result_bl')),
      resultMsg: r.string('result_msg'),
    })),
  encode: (p) => writeFront((w) => w.u32(p.protocol).i32(p.result).u64(p.globalId).blob(p.resultBl).string(p.resultMsg)),
});
