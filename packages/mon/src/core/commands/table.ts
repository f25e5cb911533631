/**
 * Command descriptors (src/mon/MonCommand.h) and the get_command_descriptions reply
 * (src/common/cmdparse.cc dump_cmd_to_json / dump_cmddesc_to_json). The stock `ceph` CLI validates
 * its argv against the table we publish, so each served entry must be identical to the real mon's.
 */
import { monCommandTable } from './table-data';
import { moduleCommandTable } from './table-modules';
import { JsonFormatter } from '@ts-ceph/maps';

/** MonCommand::FLAG_* */
export const CmdFlag = { NONE: 0, NOFORWARD: 1, OBSOLETE: 2, DEPRECATED: 4, MGR: 8, POLL: 16, HIDDEN: 32, TELL: 64 } as const;

export interface MonCommandDesc {
  cmdstring: string;
  helpstring: string;
  module: string;
  perm: string;
  flags: number;
}

export interface ArgDesc {
  name: string;
  type: string;
  kv: Map<string, string>;
}

/** descPrefix's answers: the table is fixed, and every command lookup asks again. */
const prefixCache = new Map<string, string>();

/** The literal words of a descriptor ("osd pool create"). */
export function descPrefix(cmdstring: string): string {
  let p = prefixCache.get(cmdstring);
  if (p === undefined) {
    p = cmdstring
      .split(' ')
      .filter((w) => !/[,=]/.test(w))
      .join(' ');
    prefixCache.set(cmdstring, p);
  }
  return p;
}

/** cmddesc_get_args: "name=pool,type=CephPoolname,req=false" -> sorted key/value map. */
export function parseArgDesc(word: string): ArgDesc {
  const kv = new Map<string, string>();
  for (const part of word.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    kv.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const sorted = new Map([...kv.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  return { name: kv.get('name') ?? '', type: kv.get('type') ?? '', kv: sorted };
}

export function descArgs(cmdstring: string): ArgDesc[] {
  return cmdstring
    .split(' ')
    .filter((w) => /[,=]/.test(w))
    .map(parseArgDesc);
}

export const allMonCommands: MonCommandDesc[] = [...monCommandTable, ...moduleCommandTable].map(([cmdstring, helpstring, module, perm, flags]) => ({
  cmdstring,
  helpstring,
  module,
  perm,
  flags,
}));

/**
 * The commands we serve: those we have a handler for. A mgr command keeps FLAG_MGR only when
 * `viaMgr` says an active mgr serves it (the CLI then sends it there); otherwise it loses the flag
 * so the CLI sends it to us.
 */
export function servedCommands(handled: (prefix: string) => boolean, viaMgr: (prefix: string) => boolean = () => false): MonCommandDesc[] {
  return allMonCommands
    .filter((c) => handled(descPrefix(c.cmdstring)))
    .map((c) => ({ ...c, flags: viaMgr(descPrefix(c.cmdstring)) ? c.flags : c.flags & ~CmdFlag.MGR }));
}

/** get_command_descriptions: {"cmd000":{"sig":[...],"help":..,"module":..,"perm":..,"flags":N},...} */
export function formatCommandDescriptions(cmds: MonCommandDesc[]): string {
  const f = new JsonFormatter(false);
  f.openObject('command_descriptions');
  cmds.forEach((c, i) => {
    f.openObject(`cmd${String(i).padStart(3, '0')}`);
    f.openArray('sig');
    for (const word of c.cmdstring.split(' ')) {
      if (!/[,=]/.test(word)) {
        f.dumpString('arg', word);
        continue;
      }
      const a = parseArgDesc(word);
      f.openObject(a.name);
      for (const [k, v] of a.kv) f.dumpString(k, v);
      f.close();
    }
    f.close();
    f.dumpString('help', c.helpstring);
    f.dumpString('module', c.module);
    f.dumpString('perm', c.perm);
    f.dumpInt('flags', c.flags);
    f.close();
  });
  f.close();
  return f.toString();
}

/** _get_moncommand: the descriptor whose literal words equal `prefix`. */
export function findCommand(cmds: readonly MonCommandDesc[], prefix: string): MonCommandDesc | undefined {
  return cmds.find((c) => descPrefix(c.cmdstring) === prefix);
}

export function requiresPerm(c: MonCommandDesc, p: 'r' | 'w' | 'x'): boolean {
  return c.perm.includes(p);
}
