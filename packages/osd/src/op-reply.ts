/**
 * Answering a client op from the driver, whatever happened to it: an op must never end in silence
 * (issue 10: "an exception in an op answers the client with an errno"), and nothing a client sends
 * may end the process (the process guards below).
 */
import { Errno } from '@ts-ceph/common';
import { CephMessage, messageTypes } from '@ts-ceph/messenger';
import { MOSDOp, MOSDOpReply, MOSDOpReplyCodec } from '@ts-ceph/messages';
import { replyOpError } from './core/op-engine';

/** What sendOpReply needs of a connection (Connection's send and negotiated features). */
export interface ReplyConnection {
  send(m: CephMessage): void;
  readonly features: bigint;
}

type Log = (level: number, msg: string) => void;

/**
 * Send `reply` to the op that came in as `msg`. A reply that cannot be encoded (our bug, but one a
 * client must not wait on forever) is replaced by -EIO with the request's ops, as
 * OSDService::reply_op_error answers. Returns the reply actually sent, if any.
 */
export function sendOpReply(con: ReplyConnection, msg: CephMessage, req: MOSDOp, reply: MOSDOpReply, epoch: number, log: Log): MOSDOpReply | undefined {
  try {
    con.send(messageTypes.build(MOSDOpReplyCodec, reply, { tid: msg.tid, features: con.features }));
    return reply;
  } catch (e) {
    log(0, `reply to ${req.oid} tid ${msg.tid} could not be sent, answering -EIO: ${(e as Error).stack ?? String(e)}`);
  }
  try {
    const eio = replyOpError(req, -Errno.EIO, epoch);
    con.send(messageTypes.build(MOSDOpReplyCodec, eio, { tid: msg.tid, features: con.features }));
    return eio;
  } catch (e) {
    log(0, `-EIO reply to ${req.oid} tid ${msg.tid} could not be sent either: ${(e as Error).message}`);
    return undefined;
  }
}

/** An op whose handling threw before its reply went out: log it and answer -EIO. */
export function answerFailedOp(con: ReplyConnection, msg: CephMessage, req: MOSDOp, epoch: number, e: unknown, log: Log): void {
  log(0, `op ${req.oid} tid ${msg.tid} failed: ${(e as Error)?.stack ?? String(e)}`);
  sendOpReply(con, msg, req, replyOpError(req, -Errno.EIO, epoch), epoch, log);
}

/** The event-emitter part of `process` the guards attach to (a fake one in tests). */
export interface GuardedProcess {
  on(ev: 'unhandledRejection', fn: (reason: unknown) => void): unknown;
  on(ev: 'uncaughtExceptionMonitor', fn: (e: Error, origin: string) => void): unknown;
}

/**
 * ts-osd's process-level handlers. A promise rejection nobody handled is logged and the daemon keeps
 * serving: without a handler node ends the process, and one forgotten `.catch` in an op path would
 * let a client's frame kill the OSD. An uncaught exception is only logged (with its stack, in the
 * OSD's log) before node's default ends the process: after one, no state can be trusted, as after a
 * failed ceph_assert.
 */
export function installProcessGuards(log: Log, proc: GuardedProcess = process): void {
  proc.on('unhandledRejection', (reason) => {
    log(0, `unhandled rejection (the OSD keeps running): ${(reason as Error)?.stack ?? String(reason)}`);
  });
  proc.on('uncaughtExceptionMonitor', (e, origin) => {
    log(-1, `${origin}: ${e?.stack ?? String(e)}`);
  });
}
