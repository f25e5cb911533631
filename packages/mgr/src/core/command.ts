/**
 * What a mgr command handler sees and returns (DaemonServer::_handle_command's CommandContext):
 * the parsed cmdmap, the output format, and the state it answers from. Handlers are synchronous
 * and do no I/O.
 */
import { cephError, Errno, ErrnoName } from '@ts-ceph/common/core';
import { JsonFormatter, OSDMap } from '@ts-ceph/maps';
import type { PGMap } from './pg-map';
import type { ServiceMapState } from './service-map';

export type CmdValue = string | number | boolean | string[] | number[];

export interface MgrCommandRequest {
  prefix: string;
  cmdmap: Map<string, CmdValue>;
  /** "plain" unless the client asked for json / json-pretty. */
  format: string;
  /** Wall-clock milliseconds. */
  now: number;
}

export interface MgrCommandReply {
  r: number;
  rs: string;
  outbl: Buffer;
}

/** The state commands answer from: the mon's maps and the mgr's own. */
export interface MgrView {
  osdmap(): OSDMap;
  readonly pgmap: PGMap;
  readonly services: ServiceMapState;
  /** Whether the PG map is complete enough to trust (DaemonServer::pgmap_ready). */
  pgReady(nowMs: number): boolean;
}

export type MgrCommandHandler = (req: MgrCommandRequest) => MgrCommandReply;

export const mgrCommandLimits = {
  /** Largest command JSON a client may send (all MMgrCommand.cmd strings together). */
  cmdJsonBytesMax: 1 << 20,
};

export function reply(r: number, rs = '', out: string | Buffer = ''): MgrCommandReply {
  return { r, rs, outbl: typeof out === 'string' ? Buffer.from(out) : out };
}

export const ok = (out: string | Buffer = '', rs = ''): MgrCommandReply => reply(0, rs, out);

export const fail = (name: ErrnoName, rs: string): MgrCommandReply => reply(-Errno[name], rs);

/** The formatter for json / json-pretty, undefined for plain text. */
export function formatterFor(req: MgrCommandRequest): JsonFormatter | undefined {
  if (req.format === 'json') return new JsonFormatter(false);
  if (req.format === 'json-pretty') return new JsonFormatter(true);
  return undefined;
}

export function getStr(m: Map<string, CmdValue>, k: string, dflt = ''): string {
  const v = m.get(k);
  return typeof v === 'string' ? v : dflt;
}

export function getStrs(m: Map<string, CmdValue>, k: string): string[] {
  const v = m.get(k);
  if (Array.isArray(v)) return v.map(String);
  return typeof v === 'string' ? [v] : [];
}

export function getInt(m: Map<string, CmdValue>, k: string): number | undefined {
  const v = m.get(k);
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return undefined;
}

/** cmdmap_from_json: the strings concatenated form one JSON object. */
export function parseCmd(cmd: readonly string[]): { prefix: string; format: string; cmdmap: Map<string, CmdValue> } {
  const text = cmd.join('');
  if (Buffer.byteLength(text) > mgrCommandLimits.cmdJsonBytesMax) throw cephError('EINVAL', `command over cmdJsonBytesMax (${mgrCommandLimits.cmdJsonBytesMax} bytes)`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw cephError('EINVAL', `failed to parse command: ${(e as Error).message}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw cephError('EINVAL', 'command is not a JSON object');
  const cmdmap = new Map<string, CmdValue>();
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean' || Array.isArray(x)) cmdmap.set(k, x as CmdValue);
  }
  return { prefix: getStr(cmdmap, 'prefix'), format: getStr(cmdmap, 'format', 'plain'), cmdmap };
}
