import { decodeUuid, encodeUuid, Uuid } from '@ts-ceph/denc';
import { CEPH_MSG_PRIO_HIGH } from '@ts-ceph/messenger/core';
import { defineMessage, readFront, writeFront } from './codec';
import { decodeCmd, encodeCmd } from './command';
import { decodePaxos, encodePaxos, PaxosHead, PAXOS_HEAD_DEFAULT } from './paxos';
import { MSG_MON_COMMAND, MSG_MON_COMMAND_ACK } from './types';

/**
 * MMonCommand (src/messages/MMonCommand.h): PaxosServiceMessage head, fsid, cmd (a vector of
 * strings; clients send one JSON object such as {"prefix": "status", "format": "json"}). Input data
 * (`ceph ... -i file`) rides in the data segment. The tid is the message header's.
 */
export interface MMonCommand {
  paxos: PaxosHead;
  fsid: Uuid;
  cmd: string[];
  inbl: Buffer;
}

export const MMonCommandCodec = defineMessage<MMonCommand>({
  type: MSG_MON_COMMAND,
  name: 'mon_command',
  version: 1,
  compatVersion: 1,
  decode: (m) => ({ ...readFront(m, 'MMonCommand', (r) => ({ paxos: decodePaxos(r), fsid: decodeUuid(r, 'fsid'), cmd: decodeCmd(r) })), inbl: m.data }),
  encode: (p) => ({
    ...writeFront((w) => {
      encodePaxos(w, p.paxos);
      encodeUuid(w, p.fsid);
      encodeCmd(w, p.cmd);
    }),
    data: p.inbl,
  }),
  describe: (p) => `mon_command(${p.cmd.join(' ')} v ${p.paxos.version})`,
});

export function monCommand(cmd: string[] | object, fsid: Uuid, inbl: Buffer = Buffer.alloc(0)): MMonCommand {
  const c = Array.isArray(cmd) ? cmd : [JSON.stringify(cmd)];
  return { paxos: PAXOS_HEAD_DEFAULT, fsid, cmd: c, inbl };
}

/**
 * MMonCommandAck: head, r (0 or -errno), rs (the status text), the command echoed; the output
 * (JSON or plain text) is the data segment.
 */
export interface MMonCommandAck {
  paxos: PaxosHead;
  r: number;
  rs: string;
  cmd: string[];
  data: Buffer;
}

export const MMonCommandAckCodec = defineMessage<MMonCommandAck>({
  type: MSG_MON_COMMAND_ACK,
  name: 'mon_command_ack',
  version: 1,
  compatVersion: 1,
  priority: CEPH_MSG_PRIO_HIGH,
  decode: (m) => ({ ...readFront(m, 'MMonCommandAck', (r) => ({ paxos: decodePaxos(r), r: r.i32('r'), rs: r.string('rs'), cmd: decodeCmd(r) })), data: m.data }),
  encode: (p) => ({
    ...writeFront((w) => {
      encodePaxos(w, p.paxos);
      w.i32(p.r).string(p.rs);
      encodeCmd(w, p.cmd);
    }),
    data: p.data,
  }),
  describe: (p) => `mon_command_ack(${p.cmd.join(' ')}=${p.r} ${p.rs} v${p.paxos.version})`,
});
