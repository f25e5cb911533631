/**
 * Monitor::handle_tell_command (src/mon/Monitor.cc): `ceph tell mon.X ...` and librados'
 * mon_command with a target (a name or a rank) open their own connection to that monitor, with the
 * client's own cephx identity, and send an MCommand. The monitor checks it (fsid, JSON, prefix,
 * obsolete commands, then the session's mon caps, which must allow read, write and exec on "mon"
 * for the prefix) and runs what passes from its admin socket table (core/mon/asok.ts), as a real
 * one queues it to its AdminSocket. Pure: the caller supplies the caps check and the asok host.
 */
import { Errno } from '@ts-ceph/common/core';
import { cmdmapFromJson, commandArgStrings, CmdMap } from '../commands/cmdmap';
import { monCommandTable } from '../commands/table-data';
import { CmdFlag } from '../commands/table';
import { AsokHost, AsokReply, runMonAsok } from './asok';

export interface TellRequest {
  /** The MCommand's fsid is this cluster's. */
  fsidOk: boolean;
  /** MCommand.cmd: strings that join into one JSON object. */
  cmd: readonly string[];
  /** MonCap::is_capable for service "mon", this prefix and arguments, needing r, w and x. */
  capable(prefix: string, args: ReadonlyMap<string, string>): boolean;
  /** mon_debug_deprecated_as_obsolete: deprecated commands are refused as obsolete ones are. */
  deprecatedAsObsolete: boolean;
}

const refuse = (errno: number, rs: string): AsokReply => ({ r: -errno, rs, outbl: Buffer.alloc(0) });

/**
 * _get_moncommand over the mon's own command table: the first command whose descriptor *starts
 * with* the prefix (a plain string comparison, as Ceph's), whatever words follow.
 */
function monCommandFlags(prefix: string): number | undefined {
  return monCommandTable.find(([cmdstring]) => cmdstring.startsWith(prefix))?.[4];
}

/** The checks before the admin socket table: a refusal, or undefined when the command may run. */
export function tellGate(req: TellRequest): AsokReply | undefined {
  if (!req.fsidOk) return refuse(Errno.EACCES, 'wrong fsid');
  let cmdmap: CmdMap;
  try {
    cmdmap = cmdmapFromJson(req.cmd);
  } catch (e) {
    return refuse(Errno.EINVAL, (e as Error).message);
  }
  const prefix = cmdmap.get('prefix');
  // A real 16.2.15 mon aborts on a prefix that is not a string (cmd_getval throws bad_cmd_get,
  // uncaught); ts-mon answers it as a missing one.
  if (typeof prefix !== 'string') return refuse(Errno.EINVAL, 'no prefix');
  const flags = monCommandFlags(prefix);
  if (flags !== undefined && ((flags & CmdFlag.OBSOLETE) !== 0 || (req.deprecatedAsObsolete && (flags & CmdFlag.DEPRECATED) !== 0))) {
    return refuse(Errno.EOPNOTSUPP, 'command is obsolete; please check usage and/or man page');
  }
  if (!req.capable(prefix, commandArgStrings(cmdmap))) return refuse(Errno.EACCES, 'insufficient caps');
  return undefined;
}

/** One MCommand to the monitor: the gate, then the admin socket table; the MCommandReply's fields. */
export function runMonTell(req: TellRequest, host: AsokHost): AsokReply {
  return tellGate(req) ?? runMonAsok(req.cmd.join(''), host);
}
