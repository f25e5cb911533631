/**
 * The monitor's admin socket commands (`ceph daemon mon.X <cmd>`, and `ceph tell mon.X <cmd>`, which
 * a 16.2.15 mon runs from the same table once core/mon/tell.ts let it through): the hooks a real
 * ceph-mon registers that ts-mon can answer (AdminSocket's version/help/get_command_descriptions,
 * CephContextHook's config, injectargs and perf commands, Monitor's mon_status/sessions/ops), with
 * the descriptors its get_command_descriptions publishes, since the CLI validates the user's words
 * against them. Monitor::do_admin_command's commands write audit lines as a real mon's do. Pure:
 * the request comes in as its JSON text and everything reported comes from the AsokHost; the daemon
 * owns the socket (@ts-ceph/common AdminSocket).
 */
import { CephError, Errno, cephError } from '@ts-ceph/common/core';
import { EntityAddrvec, formatEntityName, EntityName, EntityNameT } from '@ts-ceph/denc';
import { JsonFormatter, dumpAddrvecObject, formatG } from '@ts-ceph/maps';
import { ClusterView, CEPH_VERSION_STRING } from './cluster-view';
import { SessionFeatures, dumpMonStatus } from './mon-status';
import { MonPerfValues, dumpMonPerf, dumpMonPerfSchema } from './mon-perf';
import { descArgs, descPrefix, parseArgDesc } from '../commands/table';
import { OptionSchema, OptionTable, parseOptionValue, tryParseOptionValue } from '../config/options';
import { injectArgs } from '../config/injectargs';
import { EffectiveConfig } from '../config/effective';

/** [cmdstring, help] as a real 16.2.15 mon's admin socket describes them (prefix order). */
export const monAsokTable: readonly (readonly [string, string])[] = [
  ['config get name=var,type=CephString', 'config get <field>: get the config value'],
  ['config set name=var,type=CephString name=val,n=N,type=CephString', 'config set <field> <val> [<val> ...]: set a config variable'],
  ['config show', 'dump current config settings'],
  ['config unset name=var,type=CephString', 'config unset <field>: unset a config variable'],
  ['dump_historic_ops', 'show recent ops'],
  ['get_command_descriptions', 'list available commands'],
  ['git_version', 'get git sha1'],
  ['help', 'list available commands'],
  ['injectargs name=injected_args,type=CephString,n=N', 'inject configuration arguments into running daemon'],
  ['mon_status', 'report status of monitors'],
  ['ops', 'show the ops currently in flight'],
  ['perf dump name=logger,req=false,type=CephString name=counter,req=false,type=CephString', 'dump perfcounters value'],
  ['perf schema', 'dump perfcounters schema'],
  ['sessions', 'list existing sessions'],
  ['version', 'get ceph version'],
];

/** One session as `sessions` lists it (MonSession::dump). */
export interface AsokSession extends SessionFeatures {
  inst: EntityNameT;
  entityName: EntityName;
  addrs: EntityAddrvec;
  caps: string;
  globalId: bigint;
}

export interface AsokHost {
  view: ClusterView;
  conf: EffectiveConfig;
  options: OptionTable;
  sessions(): AsokSession[];
  perf(): MonPerfValues;
  /** Options set through the socket, with the ceph.conf value each replaced (undefined: none). */
  overrides: Map<string, string | undefined>;
  now(): number;
  /** A value with its metavariables ($name, $cluster, $run_dir ...) expanded, as md_config_t shows it. */
  expand(v: string): string;
  /** A debug level changed at runtime (the driver applies it to its loggers). */
  onConfigSet?(name: string, value: string): void;
  /** An audit channel entry (the mon's cluster log): info, or debug for the read-only commands. */
  audit?(level: 'info' | 'debug', text: string): void;
}

export interface AsokReply {
  r: number;
  rs: string;
  outbl: Buffer;
}

type CmdMap = Record<string, unknown>;

const fail = (errno: number, rs: string): AsokReply => ({ r: -errno, rs, outbl: Buffer.alloc(0) });

/** The git sha1 of 16.2.15, as `ceph daemon ... git_version` and `ceph versions` print it. */
const GIT_SHA1 = /\(([0-9a-f]{40})\)/.exec(CEPH_VERSION_STRING)![1]!;

/** validate_cmd: required arguments present, strings where strings are described. */
function valid(cmdstring: string, m: CmdMap): boolean {
  for (const a of descArgs(cmdstring)) {
    const v = m[a.name];
    if (v === undefined) {
      if (a.kv.get('req') !== 'false') return false;
      continue;
    }
    const many = a.kv.get('n') === 'N';
    if (many ? !(Array.isArray(v) && v.every((x) => typeof x === 'string')) : typeof v !== 'string') return false;
  }
  return true;
}

/**
 * The commands Monitor::do_admin_command runs (those of them ts-mon serves): each writes a
 * "dispatch" and a "finished" audit line, at debug level for the read-only ones and info for the
 * rest. AdminSocket's and CephContextHook's commands (version, config, injectargs, perf) write none.
 */
const monHookCommands = new Map<string, 'info' | 'debug'>([
  ['mon_status', 'debug'],
  ['sessions', 'debug'],
  ['ops', 'debug'],
  ['dump_historic_ops', 'info'],
]);

/** cmd_vartype_stringify: a value as an ostream prints it (bools as 1/0, vectors as [a,b]). */
function stringifyCmdValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stringifyCmdValue).join(',')}]`;
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : formatG(v);
  return String(v);
}

/** The audit line's args: every value but the prefix, in key order as std::map keeps them. */
function auditArgs(m: CmdMap): string {
  const keys = Object.keys(m)
    .filter((k) => k !== 'prefix')
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `[${keys.map((k) => stringifyCmdValue(m[k])).join(', ')}]`;
}

/** AdminSocket::execute_command for the mon: parse, find the hook, validate, run. */
export function runMonAsok(request: string, host: AsokHost): AsokReply {
  let m: CmdMap;
  try {
    const v: unknown = JSON.parse(request);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return fail(Errno.EINVAL, 'invalid json');
    m = v as CmdMap;
  } catch {
    return fail(Errno.EINVAL, 'invalid json');
  }
  if (typeof m.prefix !== 'string' || (m.format !== undefined && typeof m.format !== 'string')) return fail(Errno.EINVAL, 'invalid json, missing format and/or prefix');
  const prefix = m.prefix;
  const entry = monAsokTable.find(([c]) => descPrefix(c) === prefix);
  if (!entry) return fail(Errno.EINVAL, `unknown command prefix ${prefix}`);
  if (!valid(entry[0], m)) return fail(Errno.EINVAL, 'invalid command json');
  // Formatter::create(format, "json-pretty", "json-pretty"): only "json" is compact.
  const f = new JsonFormatter(m.format !== 'json');
  const auditLevel = monHookCommands.get(prefix);
  const from = "from='admin socket' entity='admin socket'";
  if (auditLevel) host.audit?.(auditLevel, `${from} cmd='${prefix}' args=${auditArgs(m)}: dispatch`);
  try {
    const out = command(prefix, m, f, host);
    const rs = typeof out === 'string' ? out : '';
    if (auditLevel) host.audit?.(auditLevel, `${from} cmd=${prefix} args=${auditArgs(m)}: finished`);
    return { r: 0, rs, outbl: Buffer.from(f.toString()) };
  } catch (e) {
    if (!(e instanceof CephError)) throw e;
    if (auditLevel) host.audit?.(auditLevel, `${from} cmd=${prefix} args=${auditArgs(m)}: aborted`);
    return fail(e.errno > 0 ? e.errno : -e.errno, e.message);
  }
}

/** One command's output into `f`; returns the status text, if it has one. */
function command(prefix: string, m: CmdMap, f: JsonFormatter, host: AsokHost): string | void {
  switch (prefix) {
    case 'version':
      f.openObject('version');
      f.dumpString('version', '16.2.15');
      f.dumpString('release', 'pacific');
      f.dumpString('release_type', 'stable');
      return f.close();
    case 'git_version':
      f.openObject('version');
      f.dumpString('git_version', GIT_SHA1);
      return f.close();
    case 'help':
      f.openObject('help');
      for (const [c, help] of monAsokTable) f.dumpString(descPrefix(c), help);
      return f.close();
    case 'get_command_descriptions':
      return describe(f);
    case 'mon_status':
      return dumpMonStatus(f, host.view, host.sessions(), host.now());
    case 'sessions':
      return dumpSessions(f, host.sessions());
    case 'ops':
      // Ceph's op tracker for the mon; ts-mon answers each request as it arrives and tracks none.
      f.openObject('ops_in_flight');
      f.openArray('ops');
      f.close();
      f.dumpUnsigned('num_ops', 0);
      return f.close();
    case 'dump_historic_ops':
      f.openObject('historic_ops');
      f.dumpUnsigned('size', host.conf.int('mon_op_history_size'));
      f.dumpUnsigned('duration', host.conf.int('mon_op_history_duration'));
      f.openArray('ops');
      f.close();
      return f.close();
    case 'perf dump':
      return dumpMonPerf(f, host.perf(), m.logger as string | undefined, m.counter as string | undefined);
    case 'perf schema':
      return dumpMonPerfSchema(f);
    default:
      return configCommand(prefix, m, f, host);
  }
}

function describe(f: JsonFormatter): void {
  f.openObject('command_descriptions');
  monAsokTable.forEach(([c, help], i) => {
    f.openObject(`cmd${String(i).padStart(3, '0')}`);
    f.openArray('sig');
    for (const word of c.split(' ')) {
      if (!word.includes('=')) {
        f.dumpString('arg', word);
        continue;
      }
      f.openObject('arg');
      for (const [k, v] of parseArgDesc(word).kv) f.dumpString(k, v);
      f.close();
    }
    f.close();
    f.dumpString('help', help);
    f.close();
  });
  f.close();
}

function dumpSessions(f: JsonFormatter, sessions: AsokSession[]): void {
  f.openArray('sessions');
  for (const s of sessions) {
    f.openObject('session');
    const type = formatEntityName({ type: s.inst.type, id: '' }).replace(/\.$/, '');
    f.dumpString('name', `${type}.${s.inst.num < 0 ? s.globalId : s.inst.num}`);
    f.dumpString('entity_name', formatEntityName(s.entityName));
    dumpAddrvecObject(f, 'addrs', s.addrs);
    f.dumpString('con_type', type);
    f.dumpUnsigned('con_features', s.features);
    f.dumpString('con_features_hex', s.features.toString(16));
    f.dumpString('con_features_release', 'luminous');
    f.dumpBool('open', true);
    f.openObject('caps');
    f.dumpString('text', s.caps);
    f.close();
    f.dumpBool('authenticated', true);
    f.dumpUnsigned('global_id', s.globalId);
    f.close();
  }
  f.close();
}

/**
 * A value set at runtime (CONF_OVERRIDE), by config set or injectargs; `host.overrides` remembers
 * what ceph.conf said so that config unset restores it. Returns whether md_config_t counts it as a
 * change: a first override does even when ceph.conf said the same (ConfigValues::set_value), a
 * second one only with another value.
 */
function override(host: AsokHost, name: string, value: string): boolean {
  // md_config_t keeps a debug level "N" as "N/N" (log level / gather level).
  const v = name.startsWith('debug_') && /^\d+$/.test(value) ? `${value}/${value}` : value;
  const changed = !host.overrides.has(name) || host.conf.text(name) !== v;
  if (!host.overrides.has(name)) host.overrides.set(name, host.conf.fileValues.get(name));
  host.conf.set(name, v);
  host.onConfigSet?.(name, v);
  return changed;
}

/**
 * md_config_t's report of a changed option; debug levels go to the log subsystems unreported. A
 * real mon adds "(not observed, change may require restart)" for the options no part of it watches;
 * ts-mon reads every option when it uses it, so each change takes effect.
 */
function changeText(host: AsokHost, name: string): string {
  return name.startsWith('debug_') ? '' : `${name} = '${host.conf.text(name)}' `;
}

/** injectargs: "{}" out, and the errors then the options changed, in Ceph's words, as the status. */
function injectargs(m: CmdMap, f: JsonFormatter, host: AsokHost): string {
  const changed = new Set<string>();
  const set = (o: OptionSchema, raw: string): string | undefined => {
    const r = tryParseOptionValue(o, raw);
    if ('error' in r) return r.error;
    if (override(host, o.name, r.value)) changed.add(o.name);
    return undefined;
  };
  const res = injectArgs((m.injected_args as string[] | undefined) ?? [], { find: (n) => host.options.find(n), set });
  const rs = res.errors + [...changed].sort().map((n) => changeText(host, n)).join('');
  if (!res.ok) throw cephError('EINVAL', rs);
  f.openObject('injectargs');
  f.close();
  return rs;
}

/** CephContextHook's config get/set/unset/show and injectargs over the mon's own values. */
function configCommand(prefix: string, m: CmdMap, f: JsonFormatter, host: AsokHost): string | void {
  const name = m.var as string;
  const o = name === undefined ? undefined : host.options.find(name);
  switch (prefix) {
    case 'config get':
      if (!o) throw cephError('ENOENT', `error getting '${name}': (2) No such file or directory`);
      f.openObject('config_get');
      f.dumpString(name, host.expand(host.conf.text(name)));
      return f.close();
    case 'config set': {
      const raw = (m.val as string[]).join(' ');
      if (!o) throw cephError('ENOENT', `error setting '${name}' to '${raw}': (2) No such file or directory`);
      let v: string;
      try {
        v = parseOptionValue(o, raw);
      } catch {
        throw cephError('EINVAL', `error setting '${name}' to '${raw}': (22) Invalid argument`);
      }
      const changed = override(host, name, v);
      f.openObject('config_set');
      f.dumpString('success', changed ? changeText(host, name) : '');
      return f.close();
    }
    case 'config unset': {
      if (!o) throw cephError('EINVAL', `error unsetting '${name}': (22) Invalid argument`);
      let rs = '';
      if (host.overrides.has(name)) {
        const before = host.overrides.get(name);
        if (before === undefined) host.conf.fileValues.delete(name);
        else host.conf.fileValues.set(name, before);
        host.overrides.delete(name);
        host.onConfigSet?.(name, host.conf.text(name));
        // Removing the override is a change (ConfigValues::rm_val); unlike config set's, the report
        // is the status text, which `ceph tell` prints on stderr.
        rs = changeText(host, name);
      }
      f.openObject('config_unset');
      f.close();
      return rs;
    }
    case 'config show':
      f.openObject('config');
      for (const opt of host.options.options) f.dumpString(opt.name, host.expand(host.conf.text(opt.name)));
      return f.close();
    case 'injectargs':
      return injectargs(m, f, host);
    default:
      throw cephError('EINVAL', `unknown command prefix ${prefix}`);
  }
}
