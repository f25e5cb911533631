/**
 * The OSD's runtime configuration as `ceph tell osd.N config get/set/unset/show` sees it
 * (md_config_t through ceph_context.cc's CephContextHook): a value set at runtime wins over
 * ceph.conf, which wins over the option's (daemon) default. Pure: the option schema (the rows of
 * `config help -f json` a real 16.2.15 mon reports) and the conf values come in.
 */
import { cephError } from '@ts-ceph/common/core';

/** The fields of one option's schema this file reads. */
export interface OptionRow {
  name: string;
  type: string;
  default: string | number | boolean;
  daemon_default: string | number | boolean;
}

export interface SetOutcome {
  /** The "success" text: `name = 'value' ` for a changed option, empty for a debug level. */
  success: string;
}

function text(v: string | number | boolean): string {
  return typeof v === 'boolean' ? (v ? 'true' : 'false') : String(v);
}

/** The schema's default for a daemon (_get_val_default: the daemon default where there is one). */
function schemaDefault(o: OptionRow): string {
  return text(o.daemon_default !== '' ? o.daemon_default : o.default);
}

const sizeMult: Record<string, bigint> = { '': 1n, k: 1n << 10n, m: 1n << 20n, g: 1n << 30n, t: 1n << 40n, p: 1n << 50n, e: 1n << 60n };

/**
 * Option::parse_value for the types an OSD option has: the normalised text, or undefined when
 * Ceph refuses the value (EINVAL). Debug levels "N" become "N/N" as md_config_t stores them.
 */
export function parseOptionValue(o: OptionRow, raw: string): string | undefined {
  const s = raw.trim();
  switch (o.type) {
    case 'int':
    case 'secs':
    case 'millisecs':
      return /^[+-]?\d+$/.test(s) ? String(BigInt(s)) : undefined;
    case 'uint':
      return /^\+?\d+$/.test(s) ? String(BigInt(s)) : undefined;
    case 'size': {
      // strict_iecstrtoll: digits and an optional K/M/G/T/P/E suffix (optionally "i" and "B").
      const m = /^(\d+)\s*([kKmMgGtTpPeE]?)(i?B)?$/.exec(s);
      return m ? String(BigInt(m[1]!) * sizeMult[m[2]!.toLowerCase()]!) : undefined;
    }
    case 'float':
      return s !== '' && Number.isFinite(Number(s)) ? String(Number(s)) : undefined;
    case 'bool': {
      const l = s.toLowerCase();
      if (['true', 'yes', 'on', '1'].includes(l)) return 'true';
      if (['false', 'no', 'off', '0'].includes(l)) return 'false';
      return undefined;
    }
    case 'uuid':
      return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s) ? s.toLowerCase() : undefined;
    default:
      if (o.name.startsWith('debug_')) {
        const m = /^(\d+)(?:\/(\d+))?$/.exec(s);
        return m ? `${m[1]}/${m[2] ?? m[1]}` : undefined;
      }
      return raw;
  }
}

/**
 * Option::to_str of a normalised value: a float as C++ streams it with std::fixed (six decimals),
 * everything else as parseOptionValue left it.
 */
export function optionText(o: OptionRow, v: string): string {
  return o.type === 'float' && v !== '' && Number.isFinite(Number(v)) ? Number(v).toFixed(6) : v;
}

/**
 * Where each level's values come from, by name (md_config_t's levels that ts-osd has): its own
 * defaults (CONF_DEFAULT), the mon's config (CONF_MON) and ceph.conf (CONF_FILE); runtime sets
 * are CONF_OVERRIDE.
 */
export interface ConfigSources {
  daemonDefaults(): Iterable<readonly [string, string]>;
  mon(): Iterable<readonly [string, string]>;
  file(): Iterable<readonly [string, string]>;
}

/** md_config_t's levels (src/common/config.h) that ts-osd sets. */
const level = { default: 0, mon: 1, file: 2, override: 5 } as const;

export class OsdConfig {
  private readonly schema = new Map<string, OptionRow>();
  private readonly runtime = new Map<string, string>();

  /** `conf(name)`: the value ceph.conf gives this daemon, if any. */
  constructor(
    options: readonly OptionRow[],
    private readonly conf: (name: string) => string | undefined,
    private readonly sources?: ConfigSources,
  ) {
    for (const o of options) this.schema.set(o.name, o);
  }

  /**
   * Every option set at some level, with its value at each (the values md_config_t::get_config_bl
   * sends the mgr for `config show`); fsid and host are left out, as Ceph does. Values are
   * normalised as the option's parser leaves them; one Ceph would refuse stays as written.
   */
  levels(): Map<string, Map<number, string>> {
    const out = new Map<string, Map<number, string>>();
    const put = (l: number, name: string, raw: string): void => {
      const o = this.schema.get(name);
      if (!o || name === 'fsid' || name === 'host') return;
      let m = out.get(name);
      if (!m) out.set(name, (m = new Map()));
      m.set(l, optionText(o, parseOptionValue(o, raw) ?? raw));
    };
    if (this.sources) {
      for (const [n, v] of this.sources.daemonDefaults()) put(level.default, n, v);
      for (const [n, v] of this.sources.mon()) put(level.mon, n, v);
      for (const [n, v] of this.sources.file()) put(level.file, n, v);
    }
    for (const [n, v] of this.runtime) put(level.override, n, v);
    return out;
  }

  /** Every option's default as this daemon has it (md_config_t::get_defaults_bl). */
  defaults(): [string, string][] {
    const own = new Map(this.sources?.daemonDefaults() ?? []);
    return [...this.schema.values()].map((o) => {
      const d = own.get(o.name);
      return [o.name, optionText(o, d !== undefined ? (parseOptionValue(o, d) ?? d) : schemaDefault(o))];
    });
  }

  has(name: string): boolean {
    return this.schema.has(name);
  }

  /** The current value's text, or ENOENT for an option Ceph does not have. */
  get(name: string): string {
    const o = this.schema.get(name);
    if (!o) throw cephError('ENOENT', `error getting '${name}': (2) No such file or directory`);
    const set = this.runtime.get(name);
    if (set !== undefined) return set;
    const c = this.conf(name);
    if (c !== undefined) return parseOptionValue(o, c) ?? c;
    return schemaDefault(o);
  }

  /** A numeric option's current value (the named limits the OSD reads at the time of use). */
  num(name: string): number {
    return Number(this.get(name));
  }

  set(name: string, raw: string): SetOutcome {
    const o = this.schema.get(name);
    if (!o) throw cephError('ENOENT', `error setting '${name}' to '${raw}': (2) No such file or directory`);
    const v = parseOptionValue(o, raw);
    if (v === undefined) throw cephError('EINVAL', `error setting '${name}' to '${raw}': (22) Invalid argument`);
    const changed = this.get(name) !== v;
    this.runtime.set(name, v);
    // md_config_t::_apply_changes reports each changed option; debug levels go to the log
    // subsystems directly and are not reported.
    return { success: changed && !name.startsWith('debug_') ? `${name} = '${v}' ` : '' };
  }

  unset(name: string): void {
    if (!this.schema.has(name)) throw cephError('EINVAL', `error unsetting '${name}': (22) Invalid argument`);
    this.runtime.delete(name);
  }

  /** config show: every option with its current value, in schema order. */
  show(): [string, string][] {
    return [...this.schema.keys()].map((n) => [n, this.get(n)]);
  }
}
