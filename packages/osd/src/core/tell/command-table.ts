/**
 * The `ceph tell osd.N` commands ts-osd serves, with the descriptors and help texts a real 16.2.15
 * ceph-osd publishes in its get_command_descriptions reply (AdminSocket's hooks, src/osd/OSD.cc
 * final_init and src/common/ceph_context.cc). The stock `ceph` CLI fetches this table first and
 * validates the user's words against it, so each served entry is copied exactly. The reply is
 * AdminSocket's GetdescsHook: {"cmd000": {"sig": [...], "help": ...}, ...} in prefix order.
 */
import { JsonFormatter } from '@ts-ceph/maps';

export interface TellCommandDesc {
  cmdstring: string;
  help: string;
}

export const tellCommandTable: readonly TellCommandDesc[] = [
  ['bench name=count,req=false,type=CephInt name=size,req=false,type=CephInt name=object_size,req=false,type=CephInt name=object_num,req=false,type=CephInt', 'OSD benchmark: write <count> <size>-byte objects(with <obj_size> <obj_num>), (default count=1G default size=4MB). Results in log.'],
  ['config get name=var,type=CephString', 'config get <field>: get the config value'],
  ['config set name=var,type=CephString name=val,n=N,type=CephString', 'config set <field> <val> [<val> ...]: set a config variable'],
  ['config show', 'dump current config settings'],
  ['config unset name=var,type=CephString', 'config unset <field>: unset a config variable'],
  ['dump_blocked_ops name=filterstr,n=N,req=false,type=CephString', 'show the blocked ops currently in flight'],
  ['dump_mempools', 'get mempool stats'],
  ['dump_ops_in_flight name=filterstr,n=N,req=false,type=CephString', 'show the ops currently in flight'],
  ['dump_osd_network name=value,type=CephInt,req=false', 'Dump osd heartbeat network ping times'],
  ['flush_pg_stats', 'flush pg stats'],
  ['get_command_descriptions', 'list available commands'],
  ['get_mapped_pools', 'dump pools whose PG(s) are mapped to this OSD.'],
  ['git_version', 'get git sha1'],
  ['heap name=heapcmd,type=CephChoices,strings=dump|start_profiler|stop_profiler|release|get_release_rate|set_release_rate|stats name=value,type=CephString,req=false', 'show heap usage info (available only if compiled with tcmalloc)'],
  ['help', 'list available commands'],
  ['list_unfound name=pgid,type=CephPgid,req=false name=offset,type=CephString,req=false', 'list unfound objects on this pg, perhaps starting at an offset given in JSON'],
  ['mark_unfound_lost name=pgid,type=CephPgid,req=false name=mulcmd,type=CephChoices,strings=revert|delete', 'mark all unfound objects in this pg as lost, either removing or reverting to a prior version if one is available'],
  ['ops name=filterstr,n=N,req=false,type=CephString', 'show the ops currently in flight'],
  ['perf dump name=logger,req=false,type=CephString name=counter,req=false,type=CephString', 'dump perfcounters value'],
  ['perf schema', 'dump perfcounters schema'],
  // The old form `ceph pg PGID cmd`: the CLI sends it to the PG's primary (find_cmd_target).
  ['pg name=pgid,type=CephPgid name=cmd,type=CephChoices,strings=list_unfound name=offset,type=CephString,req=false', ''],
  ['pg name=pgid,type=CephPgid name=cmd,type=CephChoices,strings=mark_unfound_lost name=mulcmd,type=CephChoices,strings=revert|delete', ''],
  ['pg name=pgid,type=CephPgid name=cmd,type=CephChoices,strings=query', ''],
  ['query', 'show details of a specific pg'],
  ['status', 'high-level status of OSD'],
  ['version', 'get ceph version'],
].map(([cmdstring, help]) => ({ cmdstring: cmdstring!, help: help! }));

export interface TellArgDesc {
  name: string;
  type: string;
  /** req=false: the argument may be left out. */
  required: boolean;
  /** n=N: a list of values. */
  many: boolean;
  /** Every key=value of the descriptor word, sorted by key as cmddesc_get_args returns them. */
  kv: [string, string][];
}

function parseArg(word: string): TellArgDesc {
  const kv = word.split(',').map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] as [string, string]);
  kv.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const get = (k: string): string | undefined => kv.find((x) => x[0] === k)?.[1];
  return { name: get('name') ?? '', type: get('type') ?? '', required: get('req') !== 'false', many: get('n') === 'N', kv };
}

/** The literal words of a descriptor ("config get"). */
export function tellPrefix(d: TellCommandDesc): string {
  return d.cmdstring
    .split(' ')
    .filter((w) => !w.includes('='))
    .join(' ');
}

export function tellArgs(d: TellCommandDesc): TellArgDesc[] {
  return d.cmdstring
    .split(' ')
    .filter((w) => w.includes('='))
    .map(parseArg);
}

export function findTellCommand(prefix: string): TellCommandDesc | undefined {
  return tellCommandTable.find((d) => tellPrefix(d) === prefix);
}

/** Every descriptor with this prefix (`pg` has one per sub-command, told apart by their choices). */
export function findTellCommands(prefix: string): TellCommandDesc[] {
  return tellCommandTable.filter((d) => tellPrefix(d) === prefix);
}

/** GetdescsHook: the table as the CLI reads it. */
export function formatTellDescriptions(f: JsonFormatter): void {
  f.openObject('command_descriptions');
  tellCommandTable.forEach((d, i) => {
    f.openObject(`cmd${String(i).padStart(3, '0')}`);
    f.openArray('sig');
    for (const word of d.cmdstring.split(' ')) {
      if (!word.includes('=')) {
        f.dumpString('arg', word);
        continue;
      }
      f.openObject('arg');
      for (const [k, v] of parseArg(word).kv) f.dumpString(k, v);
      f.close();
    }
    f.close();
    f.dumpString('help', d.help);
    f.close();
  });
  f.close();
}

/** HelpHook: {prefix: help} for every command with a help text. */
export function formatTellHelp(f: JsonFormatter): void {
  f.openObject('help');
  for (const d of tellCommandTable) if (d.help) f.dumpString(tellPrefix(d), d.help);
  f.close();
}
