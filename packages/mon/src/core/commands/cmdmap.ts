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

/**
 * cmdmap_from_json: the strings are concatenated and must form one JSON object of simple values and
 * arrays of strings or numbers. The errors are Ceph's texts (src/common/cmdparse.cc), which the mon
 * returns as the command's status with EINVAL.
 */
export function cmdmapFromJson(cmd: readonly string[]): CmdMap {
  const text = cmd.join('');
  if (Buffer.byteLength(text) > cmdmapLimits.cmdJsonBytesMax) throw cephError('EINVAL', `command over cmdJsonBytesMax (${cmdmapLimits.cmdJsonBytesMax} bytes)`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw cephError('EINVAL', `unparseable JSON ${text}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw cephError('EINVAL', `not JSON object ${text}`);
  const m: CmdMap = new Map();
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') m.set(k, x);
    else if (Array.isArray(x)) m.set(k, cmdArray(x));
    else throw cephError('EINVAL', `JSON array/object not allowed ${text}`);
  }
  return m;
}

/** json_spirit's Value_type numbering, which its "value type is X not Y" errors print. */
function jsonSpiritType(x: unknown): number {
  if (x === null) return 6;
  if (Array.isArray(x)) return 1;
  if (typeof x === 'string') return 2;
  if (typeof x === 'boolean') return 3;
  if (typeof x === 'number') return Number.isInteger(x) ? 4 : 5;
  return 0;
}

/**
 * An array value: its first element decides the type (string, int or double) and every element must
 * be of it, with Ceph's errors (an int array checks each element with get_int64, a double array
 * takes ints too).
 */
function cmdArray(a: unknown[]): string[] | number[] {
  if (a.length === 0) return [];
  const first = jsonSpiritType(a[0]);
  if (first === 2) {
    if (!a.every((e) => typeof e === 'string')) throw cephError('EINVAL', "Can't handle arrays of multiple types");
    return a as string[];
  }
  if (first !== 4 && first !== 5) throw cephError('EINVAL', "Can't handle arrays of types other than int, string, or double");
  for (const e of a) {
    const t = jsonSpiritType(e);
    if (t !== 4 && (first === 4 || t !== 5)) throw cephError('EINVAL', `value type is ${t} not ${first}`);
  }
  return a as number[];
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
