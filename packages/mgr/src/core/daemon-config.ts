/**
 * `config show <who> [<key>]` and `config show-with-defaults <who>` (DaemonServer::_handle_command):
 * a daemon's running configuration as it last reported it in MMgrOpen / MMgrReport (config_bl,
 * config_defaults_bl), not the mon's database: what the daemon really runs with, by source.
 */
import { JsonFormatter, TextTable } from '@ts-ceph/maps';
import { DaemonConfigValues, byteOrder, confLevelName, ConfLevel, decodeConfigDefaultsBl } from '@ts-ceph/messages';
import { MgrCommandReply, MgrCommandRequest, fail, formatterFor, getStr, ok } from './command';

/** What the mgr keeps of a daemon's configuration (DaemonState's config, ignored_mon_config, config_defaults_bl). */
export interface DaemonConfigState {
  config: DaemonConfigValues | undefined;
  /** Kept encoded until a command needs it, as Ceph does (rarely used, ~60 KiB). */
  defaultsBl: Buffer | undefined;
  defaults: Map<string, string> | undefined;
}

export function defaultsOf(s: DaemonConfigState): Map<string, string> {
  if (!s.defaults) {
    try {
      s.defaults = s.defaultsBl?.length ? decodeConfigDefaultsBl(s.defaultsBl) : new Map();
    } catch {
      // _get_config_defaults: an undecodable blob is no defaults.
      s.defaults = new Map();
    }
  }
  return s.defaults;
}

/** One option's levels, lowest first; the last is the running value. */
type Levels = [number, string][];

const sortedLevels = (m: Map<number, string>): Levels => [...m].sort((a, b) => a[0] - b[0]);

function dumpJson(f: JsonFormatter, name: string, lv: Levels, ignored: boolean): void {
  f.openObject('value');
  f.dumpString('name', name);
  const [top, value] = lv[lv.length - 1]!;
  f.dumpString('value', value);
  f.dumpString('source', confLevelName(top));
  if (lv.length > 1) {
    f.openArray('overrides');
    for (const [l, v] of lv.slice(0, -1)) {
      f.openObject('value');
      f.dumpString('source', confLevelName(l));
      f.dumpString('value', v);
      f.close();
    }
    f.close();
  }
  if (ignored) f.dumpString('ignores', 'mon');
  f.close();
}

/** The OVERRIDES cell: the overridden levels, highest first; one equal to the running value in parentheses. */
function overridesCell(lv: Levels): string {
  const top = lv[lv.length - 1]![1];
  return lv
    .slice(0, -1)
    .reverse()
    .map(([l, v]) => (v === top ? `(${confLevelName(l)}[${v}])` : `${confLevelName(l)}[${v}]`))
    .join(',');
}

/** The handler; `fsid` answers the special key, `daemon(who)` finds the reported state. */
export function configShowCommand(fsid: () => string, daemon: (who: string) => DaemonConfigState | undefined) {
  return (req: MgrCommandRequest): MgrCommandReply => {
    const who = getStr(req.cmdmap, 'who');
    const dot = who.indexOf('.');
    if (dot <= 0 || dot === who.length - 1) return fail('EINVAL', 'invalid daemon name: use <type>.<id>');
    const d = daemon(who);
    if (!d) return fail('ENOENT', `no config state for daemon ${who}`);
    const values = d.config?.values ?? new Map<string, Map<number, string>>();
    const ignored = d.config?.ignoredMon ?? new Map<string, string>();
    const key = req.cmdmap.get('key');
    if (key !== undefined) {
      const name = String(key);
      if (name === 'fsid') return ok(`${fsid()}\n`);
      const lv = values.get(name);
      if (lv?.size) return ok(`${sortedLevels(lv).pop()![1]}\n`);
      const dflt = defaultsOf(d).get(name);
      return dflt !== undefined ? ok(`${dflt}\n`) : fail('ENOENT', '');
    }
    if (!d.defaultsBl?.length) return ok();
    const f = formatterFor(req);
    const t = new TextTable();
    if (f) f.openArray('config');
    else for (const h of ['NAME', 'VALUE', 'SOURCE', 'OVERRIDES', 'IGNORES']) t.defineColumn(h, 'left', 'left');
    const row = (name: string, lv: Levels): void => {
      if (f) return dumpJson(f, name, lv, ignored.has(name));
      t.row(name, lv[lv.length - 1]![1], confLevelName(lv[lv.length - 1]![0]), lv.length > 1 ? overridesCell(lv) : '', ignored.has(name) ? 'mon' : '');
    };
    if (req.prefix === 'config show') {
      for (const name of [...values.keys()].sort(byteOrder)) {
        const lv = values.get(name)!;
        if (lv.size) row(name, sortedLevels(lv));
      }
    } else {
      const defaults = defaultsOf(d);
      for (const name of [...defaults.keys()].sort(byteOrder)) {
        const lv = values.get(name);
        row(name, lv?.size ? sortedLevels(lv) : [[ConfLevel.DEFAULT, defaults.get(name)!]]);
      }
    }
    if (f) {
      f.close();
      return ok(f.toString());
    }
    return ok(t.toString());
  };
}
