import { decodeUuid, encodeUuid, Reader, Uuid, Writer } from '@ts-ceph/denc';
import { cephError } from '@ts-ceph/common/core';
import { defineMessage, readFront, writeFront } from './codec';
import { messagesLimits } from './limits';
import { MSG_COMMAND, MSG_COMMAND_REPLY } from './types';

/**
 * The cmd vector<string> that MCommand, MMonCommand and MMonCommandAck carry, bounded by
 * monCommandArgsMax.
 */
export function decodeCmd(r: Reader): string[] {
  const n = r.count('cmd', 4);
  if (n > messagesLimits.monCommandArgsMax) throw cephError('EINVAL', `command with ${n} strings over monCommandArgsMax ${messagesLimits.monCommandArgsMax}`);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(r.string(`cmd[${i}]`));
  return out;
}

export function encodeCmd(w: Writer, cmd: readonly string[]): void {
  w.list(cmd, (ww, s) => ww.string(s));
}

/**
 * MCommand (src/messages/MCommand.h), v1: fsid and cmd (a vector of strings; `ceph tell osd.N` and
 * librados' osd_command send one JSON object such as {"prefix": "version"}). The input buffer rides
 * in the data segment; the tid is the message header's.
 */
export interface MCommand {
  fsid: Uuid;
  cmd: string[];
  inbl: Buffer;
}

export const MCommandCodec = defineMessage<MCommand>({
  type: MSG_COMMAND,
  name: 'command',
  version: 1,
  compatVersion: 1,
  decode: (m) => ({ ...readFront(m, 'MCommand', (r) => ({ fsid: decodeUuid(r, 'fsid'), cmd: decodeCmd(r) })), inbl: m.data }),
  encode: (p) => ({
    ...writeFront((w: Writer) => {
      encodeUuid(w, p.fsid);
      encodeCmd(w, p.cmd);
    }),
    data: p.inbl,
  }),
  describe: (p) => `command(${p.cmd.join(' ')})`,
});

/**
 * MCommandReply (src/messages/MCommandReply.h), v1: r (errorcode32_t: 0 or -errno, Linux numbering)
 * and rs (the status text); the output (JSON or plain text) is the data segment.
 */
export interface MCommandReply {
  r: number;
  rs: string;
  outbl: Buffer;
}

export const MCommandReplyCodec = defineMessage<MCommandReply>({
  type: MSG_COMMAND_REPLY,
  name: 'command_reply',
  version: 1,
  compatVersion: 1,
  decode: (m) => ({ ...readFront(m, 'MCommandReply', (r) => ({ r: r.i32('r'), rs: r.string('rs') })), outbl: m.data }),
  encode: (p) => ({ ...writeFront((w) => w.i32(p.r).string(p.rs)), data: p.outbl }),
  describe: (p) => `command_reply(${p.r} ${p.rs})`,
});
