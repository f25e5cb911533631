/**
 * cmdmap_t (src/common/cmdparse.{h,cc}): the JSON object a client sends in MMonCommand.cmd, and the
 * typed getters commands use. A missing or mistyped field is EINVAL "bad or missing field '<name>'",
 * as Ceph's bad_cmd_get.
 */
import { cephError } from '@ts-ceph/common/core';

export type CmdValue = string | number | boolean | string[] | number[];
export type CmdMap = Map<string, CmdValue>;

export const cmdmapLimits = {
  /** Largest command JSON we parse (all MMonCommand.cmd strings together). */
  cmdJsonBytesMax: 1 << 20,
};

/** cmdmap_from_json: the strings are concatenated and must form one JSON object. */
export function cmdmapFromJson(cmd: string[]): CmdMap {
  const text = cmd.join('');
  if (Buffer.byteLength(text) > cmdmapLimits.cmdJsonBytesMax) throw cephError('EINVAL', `command over cmdJsonBytesMax (${cmdmapLimits.cmdJsonBytesMax} bytes)`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw cephError('EINVAL', `cmdmap_from_json: error parsing ${text}: ${(e as Error).message}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw cephError('EINVAL', `cmdmap_from_json: JSON not an object: ${text}`);
  const m: CmdMap = new Map();
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') m.set(k, x);
    else if (Array.isArray(x) && x.every((e) => typeof e === 'string')) m.set(k, x as string[]);
    else if (Array.isArray(x) && x.every((e) => typeof e === 'number')) m.set(k, x as number[]);
    else if (Array.isArray(x) && x.length === 0) m.set(k, []);
    else throw cephError('EINVAL', `cmdmap_from_json: unsupported value for '${k}' in ${text}`);
  }
  return m;
}

function bad(name: string): never {
  throw cephError('EINVAL', `bad or missing field '${name}'`);
}

export function getStr(m: CmdMap, name: string): string | undefined;
export function getStr(m: CmdMap, name: string, dflt: string): string;
export function getStr(m: CmdMap, name: string, dflt?: string): string | undefined {
  const v = m.get(name);
  if (v === undefined) return dflt;
  if (typeof v !== 'string') bad(name);
  return v;
}

export function reqStr(m: CmdMap, name: string): string {
  const v = getStr(m, name);
  if (v === undefined) bad(name);
  return v;
}

export function getInt(m: CmdMap, name: string): number | undefined;
export function getInt(m: CmdMap, name: string, dflt: number): number;
export function getInt(m: CmdMap, name: string, dflt?: number): number | undefined {
  const v = m.get(name);
  if (v === undefined) return dflt;
  // The CLI sends integers as JSON numbers; a string of digits is accepted as Ceph's json_spirit does not.
  if (typeof v !== 'number' || !Number.isInteger(v)) bad(name);
  return v;
}

export function reqInt(m: CmdMap, name: string): number {
  const v = getInt(m, name);
  if (v === undefined) bad(name);
  return v;
}

export function getFloat(m: CmdMap, name: string): number | undefined {
  const v = m.get(name);
  if (v === undefined) return undefined;
  if (typeof v !== 'number') bad(name);
  return v;
}

export function getBool(m: CmdMap, name: string, dflt = false): boolean {
  const v = m.get(name);
  if (v === undefined) return dflt;
  if (typeof v === 'boolean') return v;
  // Pre-nautilus clients send "--flag" strings in place of CephBool.
  if (typeof v === 'string') return v === 'true' || v.startsWith('--');
  bad(name);
}

export function getStrVec(m: CmdMap, name: string): string[] | undefined {
  const v = m.get(name);
  if (v === undefined) return undefined;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  bad(name);
}

export function getFloatVec(m: CmdMap, name: string): number[] | undefined {
  const v = m.get(name);
  if (v === undefined) return undefined;
  if (typeof v === 'number') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return v as number[];
  bad(name);
}

/** _generate_command_map: every argument as text, for MonCap's command argument matching. */
export function commandArgStrings(m: CmdMap): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of m) {
    if (k === 'prefix' || k === 'format') continue;
    out.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  return out;
}

/** The JSON text of a cmdmap as Ceph prints it in audit lines (cmd=[{...}]). */
export function cmdText(cmd: string[]): string {
  return `[${cmd.join(',')}]`;
}
