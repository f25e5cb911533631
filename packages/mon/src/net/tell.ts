/**
 * MCommand at the mon: `ceph tell mon.X ...` and librados' mon_command with a target. The checks
 * and the commands are core/mon/tell.ts over the admin socket's table and host (the same one the
 * daemon's socket serves, so a value set by tell is what `ceph daemon` reads); the answer is an
 * MCommandReply with the request's tid.
 */
import { logger } from '@ts-ceph/common';
import { messageTypes } from '@ts-ceph/messenger';
import { MCommand, MCommandReplyCodec, MSG_COMMAND } from '@ts-ceph/messages';
import type { AsokHost } from '../core/mon/asok';
import { runMonTell } from '../core/mon/tell';
import type { MonHandler } from './handler';

const log = logger('mon');

/** What the MCommand handler uses of the monitor. */
export interface TellContext {
  readonly fsid: string;
  /** The admin socket's host: what its commands report and change. */
  readonly asok: AsokHost;
  /** mon_debug_deprecated_as_obsolete, read at each command. */
  deprecatedAsObsolete(): boolean;
}

const onCommand: MonHandler<TellContext> = (ctx, con, s, msg, payload) => {
  const m = payload as MCommand;
  const reply = runMonTell(
    {
      fsidOk: m.fsid === ctx.fsid,
      cmd: m.cmd,
      capable: (prefix, args) => s.isCapable('mon', true, true, true, prefix, args),
      deprecatedAsObsolete: ctx.deprecatedAsObsolete(),
    },
    ctx.asok,
  );
  log.dout(reply.r < 0 ? 1 : 10, `tell from ${s.name}: ${m.cmd.join('')} = ${reply.r} ${reply.rs}`);
  con.send(messageTypes.build(MCommandReplyCodec, reply, { tid: msg.tid, features: s.features }));
};

export const tellHandlers: Record<number, MonHandler<TellContext>> = {
  [MSG_COMMAND]: onCommand,
};
