/**
 * What a command handler sees and returns. Handlers are synchronous and do no I/O: a read answers from
 * committed state; a write edits one or more services' pending state and asks the driver to propose
 * them, and its reply is sent only once the proposal is durable (Ceph's wait_for_finished_proposal).
 */
import { CephError, Errno, ErrnoName } from '@ts-ceph/common/core';
import type { EntityAddrvec, EntityNameT } from '@ts-ceph/denc';
import { CmdMap } from './cmdmap';
import { JsonFormatter } from '@ts-ceph/maps';
import type { PaxosService } from '../paxos-service';

export interface CommandRequest {
  prefix: string;
  cmdmap: CmdMap;
  /** The raw JSON strings of MMonCommand.cmd (for the audit log). */
  cmd: string[];
  /** MMonCommand's data payload (`-i <file>`). */
  inbuf: Buffer;
  /** "plain" unless the client asked for json / json-pretty / xml. */
  format: string;
  /** Authenticated entity, "client.admin". */
  entity: string;
  /** The sender as messages address it (client.4123) and its addresses, for log entries. */
  source: EntityNameT;
  sourceAddrs: EntityAddrvec;
  /** Wall-clock milliseconds. */
  now: number;
}

export interface CommandReply {
  r: number;
  rs: string;
  outbl: Buffer;
}

export type CommandOutcome =
  | { reply: CommandReply; version?: number; propose?: undefined }
  | {
      /** Services whose pending change must be committed before replying. */
      propose: PaxosService[];
      /** The reply, computed after the commit when it depends on the committed state. */
      reply: CommandReply | (() => CommandReply);
      /**
       * Run the command again once the proposal is committed, instead of replying (Ceph's
       * C_RetryMessage: the command needs state, such as a CRUSH rule, that this proposal creates).
       */
      retry?: boolean;
    };

export type CommandHandler = (req: CommandRequest) => CommandOutcome;

export function reply(r: number, rs = '', out: string | Buffer = ''): CommandOutcome {
  return { reply: { r, rs, outbl: typeof out === 'string' ? Buffer.from(out) : out } };
}

export function ok(out: string | Buffer = '', rs = ''): CommandOutcome {
  return reply(0, rs, out);
}

export function fail(name: ErrnoName, rs: string): CommandOutcome {
  return reply(-Errno[name], rs);
}

export function proposeThen(services: PaxosService[], r: number, rs: string, out: string | Buffer = ''): CommandOutcome {
  return { propose: services, reply: { r, rs, outbl: typeof out === 'string' ? Buffer.from(out) : out } };
}

/** Commit `services`' pending changes, then run the command again (wait_for_finished_proposal + C_RetryMessage). */
export function retryAfter(services: PaxosService[]): CommandOutcome {
  return { propose: services, reply: { r: 0, rs: '', outbl: Buffer.alloc(0) }, retry: true };
}

/**
 * The formatter the client asked for (Formatter::create for the formats a mon command accepts), or
 * undefined for plain text.
 */
export function formatterFor(req: CommandRequest): JsonFormatter | undefined {
  if (req.format === 'json') return new JsonFormatter(false);
  if (req.format === 'json-pretty') return new JsonFormatter(true);
  return undefined;
}

/** The formatter asked for, defaulting to json-pretty for commands that have no plain form. */
export function formatterOrPretty(req: CommandRequest): JsonFormatter {
  return formatterFor(req) ?? new JsonFormatter(true);
}

/** A thrown CephError as a command reply. */
export function errorReply(e: CephError): CommandOutcome {
  return reply(-e.errno, e.message);
}
