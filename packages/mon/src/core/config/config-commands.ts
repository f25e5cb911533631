/**
 * `ceph config ...` (ConfigMonitor::preprocess_command / prepare_command), with Ceph's outputs:
 * TextTable columns WHO MASK LEVEL OPTION VALUE RO, JSON sections as the real mon dumps them.
 */
import { parseEntityName } from '@ts-ceph/denc';
import { CephConf } from '@ts-ceph/common/core';
import { JsonFormatter, formatG, TextTable } from '@ts-ceph/maps';
import { CommandHandler, CommandRequest, fail, formatterFor, ok, proposeThen, reply } from '../commands/types';
import { getBool, getInt, getStr, reqStr } from '../commands/cmdmap';
import { ConfigMonitor, printChangeset } from './config-monitor';
import { EntityContext, indentWho, maskToStr, parseMask, MaskedOption, OptionMask } from './config-map';
import { OptionSchema, defaultText, hasFlag, parseOptionValue } from './options';

export interface ConfigHooks {
  fsid(): string;
  /** CRUSH location, device class and type table for an entity (OSDs); empty for others. */
  entityContext(name: string): EntityContext;
  /** mon_host / fsid lines for generate-minimal-conf. */
  monHost(): string;
  /** The mgr modules' options ("mgr/prometheus/server_port"), which `config set` also accepts. */
  moduleOption?(name: string): OptionSchema | undefined;
}

function dumpMask(f: JsonFormatter, m: OptionMask): void {
  if (m.locationType) {
    f.dumpString('location_type', m.locationType);
    f.dumpString('location_value', m.locationValue);
  }
  if (m.deviceClass) f.dumpString('device_class', m.deviceClass);
}

export function configCommands(cm: ConfigMonitor, hooks: ConfigHooks): Record<string, CommandHandler> {
  const opt = (name: string) => cm.options.find(name) ?? hooks.moduleOption?.(name);
  const roMark = (o: OptionSchema | undefined) => (o && o.can_update_at_runtime ? '' : '*');

  const help: CommandHandler = (req) => {
    const o = opt(reqStr(req.cmdmap, 'key'));
    if (!o) return reply(-2, '');
    const f = formatterFor(req);
    if (f) {
      f.dump('option', o);
      return ok(f.toString());
    }
    return ok(printOption(o));
  };

  const ls: CommandHandler = (req) => {
    const f = formatterFor(req);
    if (f) {
      f.openArray('options');
      for (const o of cm.options.listed) f.dumpString('option', o.name);
      f.close();
      return ok(f.toString());
    }
    return ok(cm.options.listed.map((o) => o.name + '\n').join(''));
  };

  const dump: CommandHandler = (req) => {
    const f = formatterFor(req);
    const tbl = new TextTable();
    if (f) f.openArray('config');
    else for (const h of ['WHO', 'MASK', 'LEVEL', 'OPTION', 'VALUE', 'RO']) tbl.defineColumn(h, 'left');
    for (const [sname, s] of cm.configMap.dumpSections()) {
      for (const o of s.options) {
        const schema = opt(o.name);
        if (!f) {
          tbl.row(indentWho(sname), maskToStr(o.mask), schema?.level ?? 'unknown', o.name, o.rawValue, roMark(schema));
        } else {
          f.openObject('option');
          f.dumpString('section', sname);
          dumpMaskedOption(f, o, schema);
          f.close();
        }
      }
    }
    if (f) {
      f.close();
      return ok(f.toString());
    }
    return ok(tbl.toString());
  };

  const get: CommandHandler = (req) => {
    const who = reqStr(req.cmdmap, 'who');
    const entity = parseEntityName(who) ?? parseEntityName(who + '.');
    if (!entity) return fail('EINVAL', `unrecognized entity '${who}'`);
    const ctx = hooks.entityContext(who);
    const map = cm.configMap.generateEntityMap(ctx);
    const name = getStr(req.cmdmap, 'key');
    if (name !== undefined) {
      const o = opt(name);
      if (!o) return reply(-2, '');
      if (hasFlag(o, 'no_mon_update')) {
        if (name === 'fsid') return ok(hooks.fsid() + '\n');
        return fail('EINVAL', `${name} is special and cannot be stored by the mon`);
      }
      const v = map.get(name);
      if (v) return ok(v.value + '\n');
      return ok(defaultText(o, entity.type === 0x08) + '\n');
    }
    const f = formatterFor(req);
    const tbl = new TextTable();
    if (f) f.openObject('config');
    else for (const h of ['WHO', 'MASK', 'LEVEL', 'OPTION', 'VALUE', 'RO']) tbl.defineColumn(h, 'left');
    for (const [k, v] of map) {
      const schema = opt(k);
      if (!f) tbl.row(v.section, maskToStr(v.opt.mask), schema?.level ?? 'unknown', k, v.value, roMark(schema));
      else {
        f.openObject(k);
        f.dumpString('value', v.value);
        f.dumpString('section', v.section);
        f.openObject('mask');
        dumpMask(f, v.opt.mask);
        f.close();
        f.dumpBool('can_update_at_runtime', schema?.can_update_at_runtime ?? false);
        f.close();
      }
    }
    if (f) {
      f.close();
      return ok(f.toString());
    }
    return ok(tbl.toString());
  };

  const log: CommandHandler = (req) => {
    const num = getInt(req.cmdmap, 'num', 10);
    const f = formatterFor(req);
    let text = '';
    if (f) f.openArray('changesets');
    for (let v = cm.version; v > cm.version - Math.min(cm.version, Math.max(0, num)); v--) {
      const ch = cm.loadChangeset(v);
      if (f) {
        f.openObject('changeset');
        f.dumpInt('version', ch.version);
        f.dumpStream('timestamp', formatUtime(ch.stamp));
        f.dumpString('name', ch.name);
        f.openArray('changes');
        for (const [k, [prev, next]] of ch.diff) {
          f.openObject('change');
          f.dumpString('name', k);
          if (prev !== undefined) f.dumpString('previous_value', prev);
          if (next !== undefined) f.dumpString('new_value', next);
          f.close();
        }
        f.close();
        f.close();
      } else text += printChangeset(ch);
    }
    if (f) {
      f.close();
      return ok(f.toString());
    }
    return ok(text);
  };

  const setOrRm: CommandHandler = (req) => {
    const who = reqStr(req.cmdmap, 'who');
    const name = reqStr(req.cmdmap, 'name');
    let value = getStr(req.cmdmap, 'value', '');
    const force = getBool(req.cmdmap, 'force');
    if (req.prefix === 'config set' && !force) {
      const o = opt(name);
      if (!o) return fail('EINVAL', `unrecognized config option '${name}'`);
      value = parseOptionValue(o, value);
      if (hasFlag(o, 'no_mon_update')) return fail('EINVAL', `${name} is special and cannot be stored by the mon`);
    }
    const pm = parseMask(who);
    if (!pm) return fail('EINVAL', `unrecognized config target '${who}'`);
    let key = pm.section ? `${pm.section}/` : 'global/';
    const ms = maskToStr(pm.mask);
    if (ms) key += `${ms}/`;
    key += name;
    cm.pending.set(key, req.prefix === 'config set' ? value : null);
    return stage(req, '');
  };

  /** Queue the pending config change on kv and propose both services in one transaction. */
  const stage = (req: CommandRequest, out: string) => {
    cm.encodePendingToKV(req.now);
    return proposeThen([cm, cm.kv], 0, '', out);
  };

  const reset: CommandHandler = (req) => {
    const to = getInt(req.cmdmap, 'num', -1);
    if (to < 0 || to > cm.version) {
      return fail(
        'EINVAL',
        "must specify a valid historical version to revert to; see 'ceph config log' for a list of avialable configuration historical versions",
      );
    }
    if (to === cm.version) return ok();
    for (let v = cm.version; v > to; v--) {
      for (const [k, [prev, next]] of cm.loadChangeset(v).diff) {
        if (prev !== undefined) cm.pending.set(k, prev);
        else if (next !== undefined) cm.pending.set(k, null);
      }
    }
    cm.pendingDescription = `reset to ${to}`;
    return stage(req, '');
  };

  const assimilate: CommandHandler = (req) => {
    const conf = CephConf.parse(req.inbuf.toString('utf8'), 'input');
    let updated = false;
    let newconf = '';
    for (const [section, kv] of conf.sections) {
      let didSection = false;
      for (const [key, val] of kv) {
        if (!key) continue;
        const o = opt(key);
        let value: string | undefined;
        if (o && !hasFlag(o, 'no_mon_update') && !hasFlag(o, 'cluster_create')) {
          try {
            value = parseOptionValue(o, val);
          } catch {
            value = undefined;
          }
        }
        if (value !== undefined) {
          const existing = cm.configMap.findSection(section)?.options.find((x) => x.name === key);
          if (existing && existing.rawValue === value) continue;
          if (!existing) {
            cm.pending.set(`${section}/${key}`, value);
            updated = true;
            continue;
          }
        }
        if (!didSection) {
          newconf += `\n[${section}]\n`;
          didSection = true;
        }
        newconf += `\t${key} = ${val}\n`;
      }
    }
    return updated ? stage(req, newconf) : ok(newconf);
  };

  const minimal: CommandHandler = () => {
    let conf = `# minimal ceph.conf for ${hooks.fsid()}\n[global]\n\tfsid = ${hooks.fsid()}\n\tmon_host = ${hooks.monHost()}\n`;
    for (const [sname, s] of cm.configMap.dumpSections()) {
      let body = '';
      for (const o of s.options) {
        const schema = opt(o.name);
        if (!schema || !(hasFlag(schema, 'no_mon_update') || hasFlag(schema, 'minimal_conf'))) continue;
        body += maskToStr(o.mask) ? `\t# masked option excluded: ${o.name} = ${o.rawValue}\n` : `\t${o.name} = ${o.rawValue}\n`;
      }
      if (body) conf += `\n[${sname}]\n${body}`;
    }
    return ok(conf);
  };

  return {
    'config help': help,
    'config ls': ls,
    'config dump': dump,
    'config get': get,
    'config log': log,
    'config set': setOrRm,
    'config rm': setOrRm,
    'config reset': reset,
    'config assimilate-conf': assimilate,
    'config generate-minimal-conf': minimal,
  };
}

function formatUtime(t: { sec: number; nsec: number }): string {
  const d = new Date(t.sec * 1000).toISOString().slice(0, 19);
  return `${d}.${String(Math.floor(t.nsec / 1000)).padStart(6, '0')}+0000`;
}

function dumpMaskedOption(f: JsonFormatter, o: MaskedOption, schema: OptionSchema | undefined): void {
  f.dumpString('name', o.name);
  f.dumpString('value', o.rawValue);
  f.dumpString('level', schema?.level ?? 'unknown');
  f.dumpBool('can_update_at_runtime', schema?.can_update_at_runtime ?? false);
  f.dumpString('mask', maskToStr(o.mask));
  dumpMask(f, o.mask);
}

/** Option::print: the plain `config help` text. */
export function printOption(o: OptionSchema): string {
  const s = (v: string | number | boolean) => (typeof v === 'number' && o.type === 'float' ? formatG(v) : String(v));
  let out = `${o.name} - ${o.desc}\n  (${o.type}, ${o.level})\n`;
  if (o.daemon_default !== '') out += `  Default (non-daemon): ${s(o.default)}\n  Default (daemon): ${s(o.daemon_default)}\n`;
  else out += `  Default: ${s(o.default)}\n`;
  if (o.enum_values && o.enum_values.length) out += `  Possible values: ${o.enum_values.map((v) => ' ' + v).join('')}\n`;
  if (o.min !== '') out += `  Minimum: ${s(o.min)}\n  Maximum: ${s(o.max)}\n`;
  out += `  Can update at runtime: ${o.can_update_at_runtime ? 'true' : 'false'}\n`;
  if (o.services.length) out += `  Services: [${o.services.join(',')}]\n`;
  if (o.tags.length) out += `  Tags: [${o.tags.join(',')}]\n`;
  if (o.see_also.length) out += `  See also: [${o.see_also.join(',')}]\n`;
  if (o.long_desc) out += `\n${o.long_desc}\n`;
  return out;
}
