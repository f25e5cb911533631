/**
 * Monitor::handle_command: parse the cmdmap, find the command in the table we publish, check the
 * session's mon caps against the command's module and r/w/x, write the audit line, and run the
 * handler. Errors become replies with Ceph's errno and message; nothing thrown escapes.
 */
import { CephError, AssertionError, Errno, logger } from '@ts-ceph/common/core';
import { cmdmapFromJson, commandArgStrings, cmdText, CmdMap } from './cmdmap';
import { CommandHandler, CommandOutcome, CommandReply, CommandRequest, reply } from './types';
import { MonCommandDesc, findCommand, formatCommandDescriptions, requiresPerm, servedCommands } from './table';
import { MonSession } from '../session';

const log = logger('mon');

/**
 * Commands whose output a 16.2.15 mon ends with a newline even in compact JSON (and plain text for
 * the ones listed with '*'), as observed on the real daemon; the rest end where the formatter ends.
 */
const NEWLINE_TERMINATED = new Set(['osd ls', 'osd dump', 'osd lspools', 'osd tree', 'mon dump', 'mon stat', 'mon versions', 'quorum_status', 'config-key ls', 'config-key dump', 'osd ls*', 'osd getmaxosd*', 'mon stat*', 'quorum_status*', 'osd new*', 'osd create*', 'auth get-or-create-key*', 'osd map*', 'mon feature ls']);

/** The command as JSON without the value it sets (config set, config-key set). */
function redactedCmdText(cmdmap: CmdMap): string {
  const o: Record<string, unknown> = {};
  for (const [k, v] of cmdmap) if (k !== 'val' && k !== 'value') o[k] = v;
  return `[${JSON.stringify(o)}]`;
}

function withTrailingNewline(prefix: string, format: string, o: CommandOutcome): CommandOutcome {
  const json = format === 'json' || format === 'json-pretty';
  const key = json ? prefix : `${prefix}*`;
  if (!NEWLINE_TERMINATED.has(key)) return o;
  const terminate = (r: CommandReply): CommandReply => {
    const out = r.outbl;
    // An empty plain answer (`osd ls` with no OSDs) stays empty.
    if (r.r < 0 || (out.length && out[out.length - 1] === 0x0a) || (!json && !out.length)) return r;
    return { ...r, outbl: Buffer.concat([out, Buffer.from('\n')]) };
  };
  if (!o.propose) return { ...o, reply: terminate(o.reply) };
  const reply = o.reply;
  return { ...o, reply: typeof reply === 'function' ? () => terminate(reply()) : terminate(reply) };
}

export interface AuditSink {
  /** An audit channel entry; `info` for commands that write, debug for reads. */
  audit(level: 'info' | 'debug', text: string, now: number): void;
}

export class CommandDispatcher {
  private readonly handlers = new Map<string, CommandHandler>();
  /** The served table and its JSON, built on first use after the last register (a monitor registers ~20 times). */
  private served: MonCommandDesc[] | undefined;
  private descriptions = '';
  /** get_command_descriptions while an active mgr serves the mgr commands. */
  private descriptionsViaMgr = '';
  /** Is a mgr active that serves this prefix (set by the monitor from the MgrMap)? */
  viaMgr: (prefix: string) => boolean = () => false;
  /** Does any mgr serve commands right now? */
  mgrActive: () => boolean = () => false;

  constructor(private readonly auditSink: AuditSink) {}

  register(handlers: Record<string, CommandHandler>): void {
    for (const [prefix, h] of Object.entries(handlers)) this.handlers.set(prefix, h);
    this.served = undefined;
    this.descriptions = '';
    this.descriptionsViaMgr = '';
  }

  private servedList(): MonCommandDesc[] {
    return (this.served ??= servedCommands((p) => this.handlers.has(p)));
  }

  /** The table the CLI validates against: mgr commands flagged FLAG_MGR while a mgr serves them. */
  private commandDescriptions(): string {
    if (!this.mgrActive()) return (this.descriptions ||= formatCommandDescriptions(this.servedList()));
    this.descriptionsViaMgr ||= formatCommandDescriptions(servedCommands((p) => this.handlers.has(p), (p) => this.viaMgr(p)));
    return this.descriptionsViaMgr;
  }

  has(prefix: string): boolean {
    return this.handlers.has(prefix);
  }

  get servedCommands(): readonly MonCommandDesc[] {
    return this.servedList();
  }

  /** Handle one MMonCommand. `fsidOk` is false when the message names another cluster. */
  dispatch(session: MonSession, cmd: string[], inbuf: Buffer, now: number, fsidOk = true): { outcome: CommandOutcome; desc?: MonCommandDesc; audit?: () => void } {
    if (!fsidOk) return { outcome: reply(-Errno.EPERM, 'wrong fsid') };
    if (cmd.length === 0) return { outcome: reply(-Errno.EINVAL, 'no command specified') };
    let cmdmap: CmdMap;
    try {
      cmdmap = cmdmapFromJson(cmd);
    } catch (e) {
      return { outcome: reply(-Errno.EINVAL, (e as Error).message) };
    }
    const prefix = cmdmap.get('prefix');
    if (typeof prefix !== 'string') return { outcome: reply(-Errno.EINVAL, 'command prefix not found') };
    if (prefix === '') return { outcome: reply(-Errno.EINVAL, 'command prefix must not be empty') };
    if (prefix === 'get_command_descriptions') return { outcome: { reply: { r: 0, rs: '', outbl: Buffer.from(this.commandDescriptions()) }, version: 0 } };
    const desc = findCommand(this.servedList(), prefix);
    const handler = this.handlers.get(prefix);
    if (!desc || !handler) return { outcome: reply(-Errno.EINVAL, 'command not known') };
    const rw = requiresPerm(desc, 'w') || requiresPerm(desc, 'x');
    const quiet = prefix === 'config set' || prefix === 'config-key set';
    const from = `from='${session.describe()}' entity='${session.name}' `;
    const allowed = session.isCapable(desc.module, requiresPerm(desc, 'r'), requiresPerm(desc, 'w'), requiresPerm(desc, 'x'), prefix, commandArgStrings(cmdmap));
    if (!allowed) {
      log.dout(1, `handle_command access denied for ${session.name}: ${cmdText(cmd)}`);
      if (!quiet) this.auditSink.audit(rw ? 'info' : 'debug', `${from}cmd=${cmdText(cmd)}:  access denied`, now);
      return { outcome: reply(-Errno.EACCES, 'access denied') };
    }
    // Ceph 16.2.15 logs only who for config set / config-key set, keeping the value (often a
    // secret) out of the log; ts-mon also says what, without the value.
    const text = quiet ? redactedCmdText(cmdmap) : cmdText(cmd);
    this.auditSink.audit(rw ? 'info' : 'debug', `${from}cmd=${text}: dispatch`, now);
    const req: CommandRequest = {
      prefix,
      cmdmap,
      cmd,
      inbuf,
      format: typeof cmdmap.get('format') === 'string' ? (cmdmap.get('format') as string) : 'plain',
      entity: session.name,
      source: session.inst,
      sourceAddrs: session.addrs,
      now,
    };
    let outcome: CommandOutcome;
    try {
      outcome = withTrailingNewline(prefix, req.format, handler(req));
    } catch (e) {
      if (e instanceof AssertionError) throw e;
      if (e instanceof CephError) outcome = reply(-e.errno, e.message);
      else throw e;
    }
    // C_Command: writes that committed log "finished" with the command quoted.
    const audit = rw ? () => this.auditSink.audit('info', `${from}cmd='${text}': finished`, now) : undefined;
    return { outcome, desc, audit };
  }
}
