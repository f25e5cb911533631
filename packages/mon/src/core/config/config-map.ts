/**
 * The config database's in-memory form (src/mon/ConfigMap.{h,cc}): sections `global`, by entity type
 * (`osd`), by entity name prefix (`osd.0`, `client.rgw.a`), each holding options with an optional
 * mask (`host:h1`, `rack:r1`, `class:ssd`). generate_entity_map resolves what one daemon or client
 * sees: later (more specific) sections win, and among masked values of one option the most precise
 * CRUSH level wins.
 */
import { entityTypeFromName, EntityType } from '@ts-ceph/denc';

export interface OptionMask {
  locationType: string;
  locationValue: string;
  deviceClass: string;
}

export function maskToStr(m: OptionMask): string {
  const parts: string[] = [];
  if (m.locationType) parts.push(`${m.locationType}:${m.locationValue}`);
  if (m.deviceClass) parts.push(`class:${m.deviceClass}`);
  return parts.join('/');
}

export function emptyMask(): OptionMask {
  return { locationType: '', locationValue: '', deviceClass: '' };
}

export interface MaskedOption {
  name: string;
  rawValue: string;
  mask: OptionMask;
}

export class Section {
  /** A multimap by option name, kept sorted by name like std::multimap. */
  readonly options: MaskedOption[] = [];

  add(o: MaskedOption): void {
    let i = this.options.length;
    while (i > 0 && this.options[i - 1]!.name > o.name) i--;
    this.options.splice(i, 0, o);
  }
}

/**
 * ConfigMap::parse_mask: "osd", "osd.3", "global", "osd/host:h1", "osd/class:ssd", "client.rgw/rack:r1".
 * Returns undefined for an unknown entity type ("unrecognized config target").
 */
export function parseMask(who: string): { section: string; mask: OptionMask } | undefined {
  let section = '';
  const mask = emptyMask();
  for (const part of who.split('/')) {
    if (part === 'global') {
      section = 'global';
      continue;
    }
    const colon = part.indexOf(':');
    if (colon >= 0) {
      const k = part.slice(0, colon);
      if (k === 'class') mask.deviceClass = part.slice(colon + 1);
      else {
        mask.locationType = k;
        mask.locationValue = part.slice(colon + 1);
      }
      continue;
    }
    const dot = part.indexOf('.');
    const type = dot >= 0 ? part.slice(0, dot) : part;
    const t = entityTypeFromName(type);
    if (t === undefined || t === EntityType.ANY) return undefined;
    section = part;
  }
  return { section, mask };
}

/** ConfigMap::parse_key: "osd/host:h1/osd_max_backfills" -> who "osd/host:h1", name "osd_max_backfills". */
export function parseKey(key: string): { who: string; name: string } {
  const mgr = key.indexOf('/mgr/');
  if (mgr >= 0) return { who: key.slice(0, mgr), name: key.slice(mgr + 1) };
  const last = key.lastIndexOf('/');
  if (last < 0) return { who: '', name: key };
  return { who: key.slice(0, last), name: key.slice(last + 1) };
}

export interface EntityContext {
  /** "osd.3", "client.admin" */
  name: string;
  /** The entity's CRUSH location (type -> bucket name), for host:/rack: masks. */
  crushLocation: Map<string, string>;
  deviceClass: string;
  /** CRUSH type id of a location type, and the number of types (MaskedOption::get_precision). */
  crushTypeId(type: string): number | undefined;
  crushTypeCount: number;
}

export class ConfigMap {
  global = new Section();
  readonly byType = new Map<string, Section>();
  readonly byId = new Map<string, Section>();

  clear(): void {
    this.global = new Section();
    this.byType.clear();
    this.byId.clear();
  }

  /** Add a stored key ("osd/osd_max_backfills") with its value. Unknown targets are ignored. */
  addKey(key: string, value: string): boolean {
    const { who, name } = parseKey(key);
    const pm = parseMask(who);
    if (!pm) return false;
    const o: MaskedOption = { name, rawValue: value, mask: pm.mask };
    const sec = pm.section;
    if (sec === '' || sec === 'global') this.global.add(o);
    else if (!sec.includes('.')) this.sectionFor(this.byType, sec).add(o);
    else this.sectionFor(this.byId, sec).add(o);
    return true;
  }

  private sectionFor(m: Map<string, Section>, k: string): Section {
    let s = m.get(k);
    if (!s) m.set(k, (s = new Section()));
    return s;
  }

  findSection(name: string): Section | undefined {
    if (name === 'global') return this.global;
    return this.byType.get(name) ?? this.byId.get(name);
  }

  /** The sections in `config dump` order: global, then per type (mon mgr osd mds client) its type and ids. */
  dumpSections(): [string, Section][] {
    const out: [string, Section][] = [['global', this.global]];
    const ids = [...this.byId.keys()].sort();
    for (const type of ['mon', 'mgr', 'osd', 'mds', 'client']) {
      const t = this.byType.get(type);
      if (t) out.push([type, t]);
      for (const id of ids) if (id.startsWith(type)) out.push([id, this.byId.get(id)!]);
    }
    return out;
  }

  /**
   * generate_entity_map: option -> value for one entity, plus where each value came from.
   */
  generateEntityMap(ctx: EntityContext): Map<string, { value: string; section: string; opt: MaskedOption }> {
    const type = ctx.name.split('.')[0]!;
    const sections: [string, Section][] = [['global', this.global]];
    const t = this.byType.get(type);
    if (t) sections.push([type, t]);
    const bits = ctx.name.split('.');
    let tname = '';
    bits.forEach((b, i) => {
      tname += (i ? '.' : '') + b;
      const s = this.byId.get(tname);
      if (s) sections.push([tname, s]);
    });
    const precision = (o: MaskedOption): number => {
      if (o.mask.locationType) {
        const id = ctx.crushTypeId(o.mask.locationType);
        if (id !== undefined && id >= 0) return id;
      }
      if (o.mask.deviceClass) return ctx.crushTypeCount;
      return ctx.crushTypeCount + 1;
    };
    const out = new Map<string, { value: string; section: string; opt: MaskedOption }>();
    let prev: MaskedOption | undefined;
    for (const [sname, s] of sections) {
      for (const o of s.options) {
        if (o.mask.deviceClass && o.mask.deviceClass !== ctx.deviceClass) continue;
        if (o.mask.locationType && ctx.crushLocation.get(o.mask.locationType) !== o.mask.locationValue) continue;
        if (prev && prev.name !== o.name) prev = undefined;
        if (prev && precision(prev) < precision(o)) continue;
        out.set(o.name, { value: o.rawValue, section: sname, opt: o });
        prev = o;
      }
    }
    return new Map([...out.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  }
}

/** indent_who in ConfigMonitor.cc: global flush left, types by two spaces, names by four. */
export function indentWho(who: string): string {
  if (who === 'global') return who;
  return who.includes('.') ? `    ${who}` : `  ${who}`;
}
