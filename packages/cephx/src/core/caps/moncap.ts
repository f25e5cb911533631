import { EntityAddr, EntityName, formatEntityName } from '@ts-ceph/denc';
import { Cursor, CapParseError, checkCapLength, isNetworkChar, maybeQuote, str } from './peg';
import { MatchType, StringConstraint, argumentsMatch } from './constraint';
import { CapNetwork, networkContains, parseCapNetwork } from './network';
import { expandMonProfile } from './moncap-profiles';

/**
 * MonCap (src/mon/MonCap.{h,cc}): what an entity may do on the monitors. A cap is a list of grants:
 *  - "allow rwx" / "allow *": blanket permissions (w/o '*', never for config-key);
 *  - "allow service <svc> <rwx>": permissions on one mon service (osd, mon, auth, ...);
 *  - "allow command <cmd> [with <arg>=<v> | <arg> prefix <v> | <arg> regex <v> ...]";
 *  - "[allow] profile <name>": a named set of grants (osd, mgr, bootstrap-osd, rbd ...);
 * each optionally restricted to "network <cidr>". The wire encoding is ENCODE_START(4,4) + the text.
 */
export const MON_CAP_R = 1 << 1;
export const MON_CAP_W = 1 << 2;
export const MON_CAP_X = 1 << 3;
export const MON_CAP_ALL = MON_CAP_R | MON_CAP_W | MON_CAP_X;
export const MON_CAP_ANY = 0xff;

export interface MonCapGrant {
  service: string;
  profile: string;
  command: string;
  commandArgs: Map<string, StringConstraint>;
  fsName: string;
  network?: CapNetwork;
  allow: number;
}

export function monGrant(g: Partial<MonCapGrant>): MonCapGrant {
  return { service: '', profile: '', command: '', commandArgs: new Map(), fsName: '', allow: 0, ...g };
}

export function monGrantIsAllowAll(g: MonCapGrant): boolean {
  return g.allow === MON_CAP_ANY && !g.service && !g.profile && !g.command && !g.fsName;
}

export function formatRwx(allow: number): string {
  if (allow === MON_CAP_ANY) return '*';
  return (allow & MON_CAP_R ? 'r' : '') + (allow & MON_CAP_W ? 'w' : '') + (allow & MON_CAP_X ? 'x' : '');
}

/** operator<<(MonCapGrant): Ceph's canonical text of one grant. */
export function formatMonGrant(g: MonCapGrant): string {
  let out = 'allow';
  if (g.service) out += ` service ${maybeQuote(g.service)}`;
  if (g.command) {
    out += ` command ${maybeQuote(g.command)}`;
    if (g.commandArgs.size) {
      out += ' with';
      for (const k of [...g.commandArgs.keys()].sort()) {
        const c = g.commandArgs.get(k)!;
        if (c.matchType === MatchType.EQUAL) out += ` ${maybeQuote(k)}=${maybeQuote(c.value)}`;
        else if (c.matchType === MatchType.PREFIX) out += ` ${maybeQuote(k)} prefix ${maybeQuote(c.value)}`;
        else if (c.matchType === MatchType.REGEX) out += ` ${maybeQuote(k)} regex ${maybeQuote(c.value)}`;
      }
    }
  }
  if (g.profile) out += ` profile ${maybeQuote(g.profile)}`;
  if (g.allow) out += ` ${formatRwx(g.allow)}`;
  if (g.network) out += ` network ${g.network.text}`;
  return out;
}

const sp = (c: string) => c === ' ' || c === '\n' || c === '\t';

/** The mon/mgr "spaces" rule. */
export function spaces(p: Cursor): true | undefined {
  return p.plus(sp) !== undefined ? true : undefined;
}

/** rwxa := '*' | 'all' | [r][w][x] (at least one, in that order). */
export function monRwxa(p: Cursor): number | undefined {
  if (p.lit('*') || p.lit('all')) return MON_CAP_ANY;
  let v = 0;
  if (p.lit('r')) v |= MON_CAP_R;
  if (p.lit('w')) v |= MON_CAP_W;
  if (p.lit('x')) v |= MON_CAP_X;
  return v ? v : undefined;
}

/** -(spaces >> "network" >> spaces >> network_str) */
export function optNetwork(p: Cursor): CapNetwork | undefined {
  return p.attempt(() => {
    if (!spaces(p) || !p.lit('network') || !spaces(p)) return undefined;
    const n = p.plus(isNetworkChar);
    return n === undefined ? undefined : parseCapNetwork(n);
  });
}

/** '=' | spaces */
export function eqOrSpaces(p: Cursor): boolean {
  return p.lit('=') || spaces(p) === true;
}

/**
 * kv_map := kv_pair *(spaces kv_pair); kv_pair := str ('=' str | spaces prefix spaces str |
 * spaces regex spaces str). `spacedEq` allows spaces around '=' (MgrCap's variant).
 */
export function kvMap(p: Cursor, spacedEq: boolean): Map<string, StringConstraint> | undefined {
  const pair = (): [string, StringConstraint] | undefined =>
    p.attempt(() => {
      const k = str(p);
      if (k === undefined) return undefined;
      const c = p.first<StringConstraint>(
        () => {
          if (spacedEq) p.star(sp);
          if (!p.lit('=')) return undefined;
          if (spacedEq) p.star(sp);
          const v = str(p);
          return v === undefined ? undefined : { matchType: MatchType.EQUAL, value: v };
        },
        () => {
          if (!spaces(p) || !p.lit('prefix') || !spaces(p)) return undefined;
          const v = str(p);
          return v === undefined ? undefined : { matchType: MatchType.PREFIX, value: v };
        },
        () => {
          if (!spaces(p) || !p.lit('regex') || !spaces(p)) return undefined;
          const v = str(p);
          return v === undefined ? undefined : { matchType: MatchType.REGEX, value: v };
        },
      );
      return c === undefined ? undefined : [k, c];
    });
  const first = pair();
  if (!first) return undefined;
  // std::map: a repeated key keeps its first value (insert does not overwrite)
  const m = new Map<string, StringConstraint>([first]);
  for (;;) {
    const next = p.attempt(() => (spaces(p) ? pair() : undefined));
    if (!next) break;
    if (!m.has(next[0])) m.set(next[0], next[1]);
  }
  return m;
}

function parseMonGrant(p: Cursor): MonCapGrant | undefined {
  p.star(sp);
  const g = p.first<MonCapGrant>(
    // rwxa_match
    () => {
      p.star(sp);
      if (!p.lit('allow') || !spaces(p)) return undefined;
      const allow = monRwxa(p);
      if (allow === undefined) return undefined;
      const network = optNetwork(p);
      const fsName = p.attempt(() => (spaces(p) && p.lit('fsname') && eqOrSpaces(p) ? p.plus((c) => /[a-zA-Z0-9_.-]/.test(c)) : undefined));
      return monGrant({ allow, network, fsName: fsName ?? '' });
    },
    // profile_match
    () => {
      p.star(sp);
      p.attempt(() => (p.lit('allow') && spaces(p) ? true : undefined));
      if (!p.lit('profile') || !eqOrSpaces(p)) return undefined;
      const profile = str(p);
      if (profile === undefined) return undefined;
      return monGrant({ profile, network: optNetwork(p) });
    },
    // service_match
    () => {
      p.star(sp);
      if (!p.lit('allow') || !spaces(p) || !p.lit('service') || !eqOrSpaces(p)) return undefined;
      const service = str(p);
      if (service === undefined || !spaces(p)) return undefined;
      const allow = monRwxa(p);
      if (allow === undefined) return undefined;
      return monGrant({ service, allow, network: optNetwork(p) });
    },
    // command_match
    () => {
      p.star(sp);
      if (!p.lit('allow') || !spaces(p) || !p.lit('command') || !eqOrSpaces(p)) return undefined;
      const command = str(p);
      if (command === undefined) return undefined;
      const args = p.attempt(() => (spaces(p) && p.lit('with') && spaces(p) ? kvMap(p, false) : undefined));
      return monGrant({ command, commandArgs: args ?? new Map(), network: optNetwork(p) });
    },
  );
  if (!g) return undefined;
  p.star(sp);
  return g;
}

/** grants := grant % (*' ' (';' | ',') *' ') — returns the grants and where parsing stopped. */
export function parseGrantList<G>(p: Cursor, grant: (p: Cursor) => G | undefined): G[] {
  const out: G[] = [];
  const g0 = p.attempt(() => grant(p));
  if (g0 === undefined) return out;
  out.push(g0);
  for (;;) {
    const g = p.attempt(() => {
      p.star((c) => c === ' ');
      if (!p.lit(';') && !p.lit(',')) return undefined;
      p.star((c) => c === ' ');
      return grant(p);
    });
    if (g === undefined) break;
    out.push(g);
  }
  return out;
}

export class MonCap {
  constructor(
    readonly text: string,
    readonly grants: readonly MonCapGrant[],
  ) {}

  /** MonCap::parse. Throws CapParseError (EINVAL) saying where parsing stopped. */
  static parse(text: string): MonCap {
    checkCapLength('mon', text);
    const p = new Cursor(text);
    const grants = parseGrantList(p, parseMonGrant);
    if (!grants.length || !p.atEnd()) throw new CapParseError('mon', text, p.pos);
    return new MonCap(text, grants);
  }

  static allowAll(): MonCap {
    return new MonCap('allow *', [monGrant({ allow: MON_CAP_ANY })]);
  }

  static empty(): MonCap {
    return new MonCap('', []);
  }

  /**
   * Does some grant allow everything? A grant restricted to a network counts only for an `addr`
   * inside it (Ceph's is_allow_all ignores the restriction, so "allow * network 10.0.0.0/8" would
   * pass such a shortcut from anywhere).
   */
  isAllowAll(addr?: EntityAddr): boolean {
    return this.grants.some((g) => monGrantIsAllowAll(g) && (!g.network || networkContains(g.network, addr)));
  }

  /** operator<<(MonCap): the grants in canonical form, joined with ", ". */
  toString(): string {
    return this.grants.map(formatMonGrant).join(', ');
  }

  /**
   * MonCap::is_capable: may `name` (at `addr`) run `command` with `args` on `service` needing the
   * given r/w/x? Grants accumulate: the union of what the matching grants allow must cover the request.
   */
  isCapable(req: {
    name?: EntityName;
    service?: string;
    command?: string;
    args?: ReadonlyMap<string, string> | Record<string, string>;
    read?: boolean;
    write?: boolean;
    exec?: boolean;
    addr?: EntityAddr;
  }): boolean {
    const name = req.name ?? { type: 0, id: '' };
    const service = req.service ?? '';
    const command = req.command ?? '';
    const args = req.args ?? new Map<string, string>();
    let allow = 0;
    for (const g of this.grants) {
      if (g.network && !networkContains(g.network, req.addr)) continue;
      if (monGrantIsAllowAll(g)) return true;
      allow |= grantAllowed(g, name, service, command, args);
      if ((!req.read || allow & MON_CAP_R) && (!req.write || allow & MON_CAP_W) && (!req.exec || allow & MON_CAP_X)) return true;
    }
    return false;
  }

  /** The fs names this cap restricts MDS map access to (empty: no restriction). */
  allowedFsNames(): string[] {
    const out: string[] = [];
    for (const g of this.grants) {
      if (!g.fsName) return [];
      out.push(g.fsName);
    }
    return out;
  }
}

/** MonCapGrant::get_allowed. */
function grantAllowed(g: MonCapGrant, name: EntityName, service: string, command: string, args: ReadonlyMap<string, string> | Record<string, string>): number {
  if (g.profile) {
    let a = 0;
    for (const pg of expandMonProfile(g.profile, name.type ? formatEntityName(name) : '')) a |= grantAllowed(pg, name, service, command, args);
    return a;
  }
  if (g.service) return g.service === service ? g.allow : 0;
  if (g.command) {
    if (g.command !== command) return 0;
    return argumentsMatch(g.commandArgs, args) ? MON_CAP_ALL : 0;
  }
  // config-key is only reachable with "allow *" (checked by the caller via isAllowAll)
  if (service === 'config-key') return 0;
  return g.allow;
}
