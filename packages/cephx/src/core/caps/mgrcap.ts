import { EntityAddr } from '@ts-ceph/denc';
import { Cursor, CapParseError, checkCapLength, maybeQuote, str } from './peg';
import { MatchType, StringConstraint, argumentsMatch } from './constraint';
import { CapNetwork, networkContains } from './network';
import { eqOrSpaces, formatRwx, kvMap, monRwxa, optNetwork, parseGrantList, spaces } from './moncap';

/**
 * MgrCap (src/mgr/MgrCap.{h,cc}): what an entity may do on the manager. Same shape as MonCap plus
 * "allow module <name> [with k=v ...] <rwx>" (python modules, e.g. rbd_support), and profiles
 * read-only, read-write, crash, osd, mds, rbd and rbd-read-only (the rbd ones take pool= and
 * namespace= arguments). An unknown profile or a profile argument it does not know is a parse error.
 */
export const MGR_CAP_R = 1 << 1;
export const MGR_CAP_W = 1 << 2;
export const MGR_CAP_X = 1 << 3;
export const MGR_CAP_ANY = 0xff;

export interface MgrCapGrant {
  service: string;
  module: string;
  profile: string;
  command: string;
  arguments: Map<string, StringConstraint>;
  network?: CapNetwork;
  allow: number;
}

function mgrGrant(g: Partial<MgrCapGrant>): MgrCapGrant {
  return { service: '', module: '', profile: '', command: '', arguments: new Map(), allow: 0, ...g };
}

function isAllowAll(g: MgrCapGrant): boolean {
  return g.allow === MGR_CAP_ANY && !g.service && !g.module && !g.profile && !g.command;
}

/** MgrCapGrant::expand_profile: the grants, or an error text for an unknown profile / argument. */
export function expandMgrProfile(g: MgrCapGrant): MgrCapGrant[] | string {
  switch (g.profile) {
    case 'read-only':
      return [mgrGrant({ allow: MGR_CAP_R })];
    case 'read-write':
      return [mgrGrant({ allow: MGR_CAP_R | MGR_CAP_W })];
    case 'crash':
      return [mgrGrant({ command: 'crash post' })];
    case 'osd':
    case 'mds':
      // documented profiles that grant nothing (yet)
      return [];
    case 'rbd':
    case 'rbd-read-only': {
      for (const k of g.arguments.keys()) {
        if (k !== 'pool' && k !== 'namespace') return `profile '${g.profile}' does not recognize key '${k}'`;
      }
      const perms = g.profile === 'rbd' ? MGR_CAP_R | MGR_CAP_W : MGR_CAP_R;
      return [mgrGrant({ module: 'rbd_support', arguments: new Map(g.arguments), allow: perms })];
    }
    default:
      return `unrecognized profile '${g.profile}'`;
  }
}

function formatConstraint(c: StringConstraint): string {
  const op = c.matchType === MatchType.EQUAL ? '=' : c.matchType === MatchType.PREFIX ? ' prefix ' : c.matchType === MatchType.REGEX ? ' regex ' : '';
  return op + maybeQuote(c.value);
}

export function formatMgrGrant(g: MgrCapGrant): string {
  let out: string;
  if (g.profile) {
    out = `profile ${maybeQuote(g.profile)}`;
  } else {
    out = 'allow';
    if (g.service) out += ` service ${maybeQuote(g.service)}`;
    else if (g.module) out += ` module ${maybeQuote(g.module)}`;
    else if (g.command) out += ` command ${maybeQuote(g.command)}`;
  }
  if (g.arguments.size) {
    out += g.profile ? '' : ' with';
    for (const k of [...g.arguments.keys()].sort()) out += ` ${maybeQuote(k)}${formatConstraint(g.arguments.get(k)!)}`;
  }
  if (g.allow) out += ` ${formatRwx(g.allow)}`;
  if (g.network) out += ` network ${g.network.text}`;
  return out;
}

const sp = (c: string) => c === ' ' || c === '\n' || c === '\t';

function withArgs(p: Cursor): Map<string, StringConstraint> | undefined {
  return p.attempt(() => (spaces(p) && p.lit('with') && spaces(p) ? kvMap(p, true) : undefined));
}

function parseMgrGrant(p: Cursor): MgrCapGrant | undefined {
  p.star(sp);
  const g = p.first<MgrCapGrant>(
    // rwxa_match
    () => {
      p.star(sp);
      if (!p.lit('allow') || !spaces(p)) return undefined;
      const allow = monRwxa(p);
      return allow === undefined ? undefined : mgrGrant({ allow, network: optNetwork(p) });
    },
    // profile_match
    () => {
      p.star(sp);
      p.attempt(() => (p.lit('allow') && spaces(p) ? true : undefined));
      if (!p.lit('profile') || !eqOrSpaces(p)) return undefined;
      const profile = str(p);
      if (profile === undefined) return undefined;
      const args = p.attempt(() => (spaces(p) ? kvMap(p, true) : undefined));
      return mgrGrant({ profile, arguments: args ?? new Map(), network: optNetwork(p) });
    },
    // service_match
    () => {
      p.star(sp);
      if (!p.lit('allow') || !spaces(p) || !p.lit('service') || !eqOrSpaces(p)) return undefined;
      const service = str(p);
      if (service === undefined || !spaces(p)) return undefined;
      const allow = monRwxa(p);
      return allow === undefined ? undefined : mgrGrant({ service, allow, network: optNetwork(p) });
    },
    // module_match
    () => {
      p.star(sp);
      if (!p.lit('allow') || !spaces(p) || !p.lit('module') || !eqOrSpaces(p)) return undefined;
      const module = str(p);
      if (module === undefined) return undefined;
      const args = withArgs(p);
      if (!spaces(p)) return undefined;
      const allow = monRwxa(p);
      return allow === undefined ? undefined : mgrGrant({ module, arguments: args ?? new Map(), allow, network: optNetwork(p) });
    },
    // command_match
    () => {
      p.star(sp);
      if (!p.lit('allow') || !spaces(p) || !p.lit('command') || !eqOrSpaces(p)) return undefined;
      const command = str(p);
      if (command === undefined) return undefined;
      return mgrGrant({ command, arguments: withArgs(p) ?? new Map(), network: optNetwork(p) });
    },
  );
  if (!g) return undefined;
  p.star(sp);
  return g;
}

export interface MgrCapRequest {
  service?: string;
  module?: string;
  command?: string;
  args?: ReadonlyMap<string, string> | Record<string, string>;
  read?: boolean;
  write?: boolean;
  exec?: boolean;
  addr?: EntityAddr;
}

/** MgrCapGrant::get_allowed. */
function grantAllowed(g: MgrCapGrant, q: Required<Omit<MgrCapRequest, 'addr' | 'read' | 'write' | 'exec'>>): number {
  if (g.profile) {
    const pgs = expandMgrProfile(g);
    if (typeof pgs === 'string') return 0;
    return pgs.reduce((a, pg) => a | grantAllowed(pg, q), 0);
  }
  if (g.service) return g.service === q.service ? g.allow : 0;
  if (g.module) {
    if (g.module !== q.module) return 0;
    // module arguments are not checked when a specific command is being validated
    if (!q.command && !argumentsMatch(g.arguments, q.args)) return 0;
    return g.allow;
  }
  if (g.command) {
    if (g.command !== q.command) return 0;
    return argumentsMatch(g.arguments, q.args) ? MGR_CAP_ANY : 0;
  }
  return g.allow;
}

export class MgrCap {
  constructor(
    readonly text: string,
    readonly grants: readonly MgrCapGrant[],
  ) {}

  /** MgrCap::parse, including the profile check. Throws CapParseError (EINVAL). */
  static parse(text: string): MgrCap {
    checkCapLength('mgr', text);
    const p = new Cursor(text);
    const grants = parseGrantList(p, parseMgrGrant);
    if (!grants.length || !p.atEnd()) throw new CapParseError('mgr', text, p.pos);
    for (const g of grants) {
      if (!g.profile) continue;
      const e = expandMgrProfile(g);
      if (typeof e === 'string') throw new CapParseError('mgr', text, text.length, `mgr capability parse failed during profile evaluation: ${e}`);
    }
    return new MgrCap(text, grants);
  }

  static allowAll(): MgrCap {
    return new MgrCap('allow *', [mgrGrant({ allow: MGR_CAP_ANY })]);
  }

  /**
   * Does some grant allow everything? A grant restricted to a network counts only for an `addr`
   * inside it (Ceph's is_allow_all ignores the restriction, so "allow * network 10.0.0.0/8" would
   * pass such a shortcut from anywhere).
   */
  isAllowAll(addr?: EntityAddr): boolean {
    return this.grants.some((g) => isAllowAll(g) && (!g.network || networkContains(g.network, addr)));
  }

  toString(): string {
    return this.grants.map(formatMgrGrant).join(', ');
  }

  /** MgrCap::is_capable: the union of matching grants must cover r/w/x. */
  isCapable(req: MgrCapRequest): boolean {
    const q = { service: req.service ?? '', module: req.module ?? '', command: req.command ?? '', args: req.args ?? new Map<string, string>() };
    let allow = 0;
    for (const g of this.grants) {
      if (g.network && !networkContains(g.network, req.addr)) continue;
      if (isAllowAll(g)) return true;
      allow |= grantAllowed(g, q);
      if ((!req.read || allow & MGR_CAP_R) && (!req.write || allow & MGR_CAP_W) && (!req.exec || allow & MGR_CAP_X)) return true;
    }
    return false;
  }
}
