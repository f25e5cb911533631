import { EntityAddr } from '@ts-ceph/denc';
import { Cursor, CapParseError, checkCapLength, isNetworkChar, isUnquotedWordChar, quotedString, str } from './peg';
import { CapNetwork, networkContains, parseCapNetwork } from './network';

/**
 * OSDCap (src/osd/OSDCap.{h,cc}): what an entity may do on the OSDs.
 *   grant   := allow <capspec> <match> [network <cidr>] | allow <match> <capspec> [network ..]
 *            | profile <name> [pool[=]<p> [namespace[=]<ns>]] [network ..]
 *   capspec := * | all | [r][w][x] [class-read] [class-write] | class <name> [<method>]
 *   match   := tag <app> <key>=<value> | namespace[=]<ns> tag .. |
 *              [pool[=]<p>] [namespace[=]<ns>[*]] [object_prefix <prefix>]
 * Grants are separated by ',' or ';'. Evaluation: a request is allowed if one grant covers all of it;
 * class methods are allowed by an explicit "class" grant, or by x / class-read / class-write for
 * methods the class itself marks as allowed (the OSD's allow-list of class flags).
 */
export const OSD_CAP_R = 1 << 1;
export const OSD_CAP_W = 1 << 2;
export const OSD_CAP_CLS_R = 1 << 3;
export const OSD_CAP_CLS_W = 1 << 4;
export const OSD_CAP_X = OSD_CAP_CLS_R | OSD_CAP_CLS_W;
export const OSD_CAP_ANY = 0xff;

export interface OSDCapSpec {
  allow: number;
  className: string;
  methodName: string;
}

export interface OSDCapMatch {
  poolName: string;
  /** undefined matches every namespace; "" the default namespace; "ns*" a namespace prefix. */
  nspace?: string;
  /** pool application tag (an empty application matches every pool) */
  tag: { application: string; key: string; value: string };
  objectPrefix: string;
}

export interface OSDCapProfile {
  name: string;
  poolName: string;
  nspace?: string;
}

export interface OSDCapGrant {
  match: OSDCapMatch;
  spec: OSDCapSpec;
  profile?: OSDCapProfile;
  network?: CapNetwork;
  profileGrants: OSDCapGrant[];
}

/** One class method call of an op (OpInfo::ClassInfo): does it read/write, is it on the allow-list. */
export interface OSDClassInfo {
  className: string;
  methodName: string;
  read: boolean;
  write: boolean;
  allowed: boolean;
}

/** Pool application metadata: application -> key -> value. */
export type AppMetadata = ReadonlyMap<string, ReadonlyMap<string, string>> | Record<string, Record<string, string>>;

function emptyMatch(m: Partial<OSDCapMatch> = {}): OSDCapMatch {
  return { poolName: '', tag: { application: '', key: '', value: '' }, objectPrefix: '', ...m };
}

function spec(allow: number, className = '', methodName = ''): OSDCapSpec {
  return { allow, className, methodName };
}

function plainGrant(match: OSDCapMatch, s: OSDCapSpec, network?: CapNetwork): OSDCapGrant {
  return { match, spec: s, network, profileGrants: [] };
}

/** OSDCapGrant::expand_profile. */
function expandOsdProfile(p: OSDCapProfile): OSDCapGrant[] {
  const pns = { poolName: p.poolName, nspace: p.nspace };
  switch (p.name) {
    case 'read-only':
      return [plainGrant(emptyMatch(pns), spec(OSD_CAP_R))];
    case 'read-write':
      return [plainGrant(emptyMatch(pns), spec(OSD_CAP_R | OSD_CAP_W))];
    case 'rbd':
      return [
        plainGrant(emptyMatch({ objectPrefix: 'rbd_info' }), spec(OSD_CAP_R)),
        plainGrant(emptyMatch({ objectPrefix: 'rbd_children' }), spec(OSD_CAP_CLS_R)),
        plainGrant(emptyMatch({ objectPrefix: 'rbd_mirroring' }), spec(OSD_CAP_CLS_R)),
        plainGrant(emptyMatch({ poolName: p.poolName }), spec(0, 'rbd', 'metadata_list')),
        plainGrant(emptyMatch(pns), spec(OSD_CAP_R | OSD_CAP_W | OSD_CAP_X)),
      ];
    case 'rbd-read-only':
      return [
        plainGrant(emptyMatch(pns), spec(OSD_CAP_R | OSD_CAP_CLS_R)),
        plainGrant(emptyMatch({ ...pns, objectPrefix: 'rbd_header.' }), spec(0, 'rbd', 'child_attach')),
        plainGrant(emptyMatch({ ...pns, objectPrefix: 'rbd_header.' }), spec(0, 'rbd', 'child_detach')),
      ];
    default:
      return [];
  }
}

// ---- grammar ----

const space = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';
const blank = (c: string) => c === ' ' || c === '\t';
const spaces = (p: Cursor) => p.plus(space) !== undefined;
const eqOrSpaces = (p: Cursor) => p.lit('=') || spaces(p);

function wildcard(p: Cursor): string | undefined {
  return p.lit('*') || p.lit('all') ? '*' : undefined;
}

/** -(spaces pool (=|spaces) str): '' when absent. */
function poolName(p: Cursor): string {
  return p.attempt(() => (spaces(p) && p.lit('pool') && eqOrSpaces(p) ? str(p) : undefined)) ?? '';
}

/** spaces namespace (=|spaces) estr ['*'] */
function nspace(p: Cursor): string | undefined {
  return p.attempt(() => {
    if (!spaces(p) || !p.lit('namespace') || !eqOrSpaces(p)) return undefined;
    const v = p.first(
      () => quotedString(p, true),
      () => p.plus(isUnquotedWordChar),
    );
    if (v === undefined) return undefined;
    return p.lit('*') ? `${v}*` : v;
  });
}

function objectPrefix(p: Cursor): string {
  return p.attempt(() => (spaces(p) && p.lit('object_prefix') && spaces(p) ? str(p) : undefined)) ?? '';
}

function pooltag(p: Cursor): OSDCapMatch['tag'] | undefined {
  return p.attempt(() => {
    if (!spaces(p) || !p.lit('tag') || !spaces(p)) return undefined;
    const application = str(p);
    if (application === undefined || !spaces(p)) return undefined;
    const key = p.first(
      () => wildcard(p),
      () => str(p),
    );
    if (key === undefined) return undefined;
    p.star(space);
    if (!p.lit('=')) return undefined;
    p.star(space);
    const value = p.first(
      () => wildcard(p),
      () => str(p),
    );
    return value === undefined ? undefined : { application, key, value };
  });
}

function match(p: Cursor): OSDCapMatch {
  return p.first<OSDCapMatch>(
    () => {
      const tag = pooltag(p);
      return tag && emptyMatch({ tag });
    },
    () => {
      const ns = nspace(p);
      if (ns === undefined) return undefined;
      const tag = pooltag(p);
      return tag && emptyMatch({ nspace: ns, tag });
    },
    () => {
      const pool = poolName(p);
      const ns = nspace(p);
      if (ns === undefined) return undefined;
      return emptyMatch({ poolName: pool, nspace: ns, objectPrefix: objectPrefix(p) });
    },
    () => emptyMatch({ poolName: poolName(p), objectPrefix: objectPrefix(p) }),
  )!;
}

function osdRwxa(p: Cursor): number | undefined {
  return p.first<number>(
    () => (spaces(p) && wildcard(p) !== undefined ? OSD_CAP_ANY : undefined),
    () => {
      let v = 0;
      let any = false;
      const letters = p.attempt(() => {
        if (!spaces(p)) return undefined;
        let x = 0;
        if (p.lit('r')) x |= OSD_CAP_R;
        if (p.lit('w')) x |= OSD_CAP_W;
        if (p.lit('x')) x |= OSD_CAP_X;
        return x || undefined;
      });
      if (letters !== undefined) {
        v |= letters;
        any = true;
      }
      if (p.attempt(() => (spaces(p) && p.lit('class-read') ? true : undefined))) {
        v |= OSD_CAP_CLS_R;
        any = true;
      }
      if (p.attempt(() => (spaces(p) && p.lit('class-write') ? true : undefined))) {
        v |= OSD_CAP_CLS_W;
        any = true;
      }
      return any ? v : undefined;
    },
  );
}

function capspec(p: Cursor): OSDCapSpec | undefined {
  return p.first<OSDCapSpec>(
    () => {
      const a = osdRwxa(p);
      return a === undefined ? undefined : spec(a);
    },
    () => {
      if (!spaces(p) || !p.lit('class') || !spaces(p)) return undefined;
      const cls = str(p);
      if (cls === undefined) return undefined;
      const method = p.attempt(() => (spaces(p) ? str(p) : undefined)) ?? '';
      return spec(0, cls, method);
    },
  );
}

function optNetwork(p: Cursor): CapNetwork | undefined {
  return p.attempt(() => {
    if (!spaces(p) || !p.lit('network') || !spaces(p)) return undefined;
    const n = p.plus(isNetworkChar);
    return n === undefined ? undefined : parseCapNetwork(n);
  });
}

function profile(p: Cursor): OSDCapProfile | undefined {
  return p.attempt(() => {
    if (!p.lit('profile') || !eqOrSpaces(p)) return undefined;
    const name = str(p);
    if (name === undefined) return undefined;
    const pool = poolName(p);
    const ns = nspace(p);
    return { name, poolName: pool, nspace: ns };
  });
}

function grant(p: Cursor): OSDCapGrant | undefined {
  p.star(blank);
  const g = p.first<OSDCapGrant>(
    () => {
      if (!p.lit('allow')) return undefined;
      const s = capspec(p);
      if (!s) return undefined;
      const m = match(p);
      return plainGrant(m, s, optNetwork(p));
    },
    () => {
      if (!p.lit('allow')) return undefined;
      const m = match(p);
      const s = capspec(p);
      if (!s) return undefined;
      return plainGrant(m, s, optNetwork(p));
    },
    () => {
      const prof = profile(p);
      if (!prof) return undefined;
      return { match: emptyMatch(), spec: spec(0), profile: prof, network: optNetwork(p), profileGrants: expandOsdProfile(prof) };
    },
  );
  if (!g) return undefined;
  p.star(blank);
  return g;
}

// ---- text form (operator<< in OSDCap.cc) ----

function formatOsdRwxa(a: number): string {
  if (a === OSD_CAP_ANY) return '*';
  let out = (a & OSD_CAP_R ? 'r' : '') + (a & OSD_CAP_W ? 'w' : '');
  if ((a & OSD_CAP_X) === OSD_CAP_X) return out + 'x';
  if (a & OSD_CAP_CLS_R) out += ' class-read';
  if (a & OSD_CAP_CLS_W) out += ' class-write';
  return out;
}

function formatPoolNamespace(poolName: string, ns: string | undefined): string {
  let out = poolName ? `pool ${poolName} ` : '';
  if (ns !== undefined) out += `namespace ${ns === '' ? '""' : ns} `;
  return out;
}

function formatMatch(m: OSDCapMatch): string {
  let out = '';
  if (m.poolName || m.nspace !== undefined) out += formatPoolNamespace(m.poolName, m.nspace);
  if (m.tag.application) out += `app ${m.tag.application} key ${m.tag.key} val ${m.tag.value} `;
  if (m.objectPrefix) out += `object_prefix ${m.objectPrefix} `;
  return out;
}

function formatSpec(s: OSDCapSpec): string {
  if (s.allow) return formatOsdRwxa(s.allow);
  if (!s.className) return '';
  return `class '${s.className}'` + (s.methodName ? ` '${s.methodName}'` : '');
}

export function formatOsdGrant(g: OSDCapGrant): string {
  let out = 'grant(';
  if (g.profile) {
    out += `profile ${g.profile.name}${formatPoolNamespace(g.profile.poolName, g.profile.nspace)} [${g.profileGrants.map(formatOsdGrant).join(',')}]`;
  } else {
    out += formatMatch(g.match) + formatSpec(g.spec);
  }
  if (g.network) out += ` network ${g.network.text}`;
  return out + ')';
}

// ---- evaluation ----

function nsMatches(want: string | undefined, ns: string): boolean {
  if (want === undefined) return true;
  if (want.endsWith('*') && ns.startsWith(want.slice(0, -1))) return true;
  return want === ns;
}

function appLookup(app: AppMetadata, application: string): ReadonlyMap<string, string> | undefined {
  if (app instanceof Map) return app.get(application);
  const rec = (app as Record<string, Record<string, string>>)[application];
  return rec ? new Map(Object.entries(rec)) : undefined;
}

/** OSDCapPoolTag::is_match. */
function tagMatches(tag: OSDCapMatch['tag'], app: AppMetadata): boolean {
  if (!tag.application) return true;
  const kv = appLookup(app, tag.application);
  if (!kv) return false;
  if (tag.key === '*' && tag.value === '*') return true;
  if (tag.key === '*') return [...kv.values()].some((v) => v === tag.value);
  const v = kv.get(tag.key);
  if (v === undefined) return false;
  return tag.value === '*' || v === tag.value;
}

function matchIsAll(m: OSDCapMatch): boolean {
  return !m.poolName && m.nspace === undefined && !m.tag.application && !m.objectPrefix;
}

function grantAllowAll(g: OSDCapGrant, addr: EntityAddr | undefined): boolean {
  // A network-restricted grant allows everything only from inside its network (Ceph ignores it here).
  if (g.network && !networkContains(g.network, addr)) return false;
  if (g.profile) return g.profileGrants.some((pg) => grantAllowAll(pg, addr));
  return matchIsAll(g.match) && g.spec.allow === OSD_CAP_ANY;
}

export interface OSDCapRequest {
  pool: string;
  nspace?: string;
  app?: AppMetadata;
  object?: string;
  read?: boolean;
  write?: boolean;
  classes?: readonly OSDClassInfo[];
  addr?: EntityAddr;
}

/** OSDCapGrant::is_capable; `classAllowed` accumulates across grants, as in Ceph. */
function grantCapable(g: OSDCapGrant, q: Required<Omit<OSDCapRequest, 'addr'>> & { addr?: EntityAddr }, classAllowed: boolean[]): boolean {
  if (g.network && !networkContains(g.network, q.addr)) return false;
  if (g.profile) return g.profileGrants.some((pg) => grantCapable(pg, q, classAllowed));
  const m = g.match;
  if (m.poolName && m.poolName !== q.pool) return false;
  if (!nsMatches(m.nspace, q.nspace)) return false;
  if (!tagMatches(m.tag, q.app)) return false;
  if (m.objectPrefix && !q.object.startsWith(m.objectPrefix)) return false;
  const allow = g.spec.allow;
  if ((q.read && !(allow & OSD_CAP_R)) || (q.write && !(allow & OSD_CAP_W))) return false;
  if (q.classes.length) {
    if (allow === OSD_CAP_ANY) return true;
    q.classes.forEach((c, i) => {
      if (g.spec.className && c.className === g.spec.className && (!g.spec.methodName || c.methodName === g.spec.methodName)) {
        classAllowed[i] = true;
        return;
      }
      if (!c.allowed) return;
      if ((c.read && !(allow & OSD_CAP_CLS_R)) || (c.write && !(allow & OSD_CAP_CLS_W))) return;
      classAllowed[i] = true;
    });
    if (!classAllowed.every(Boolean)) return false;
  }
  return true;
}

export class OSDCap {
  constructor(
    readonly text: string,
    readonly grants: readonly OSDCapGrant[],
  ) {}

  /** OSDCap::parse. Throws CapParseError (EINVAL) saying where parsing stopped. */
  static parse(text: string): OSDCap {
    checkCapLength('osd', text);
    const p = new Cursor(text);
    p.star(space); // phrase_parse pre-skip
    const grants: OSDCapGrant[] = [];
    const g0 = p.attempt(() => grant(p));
    if (g0) {
      grants.push(g0);
      for (;;) {
        const g = p.attempt(() => (p.lit(';') || p.lit(',') ? grant(p) : undefined));
        if (!g) break;
        grants.push(g);
      }
      p.star(space); // phrase_parse post-skip
    }
    if (!grants.length || !p.atEnd()) throw new CapParseError('osd', text, p.pos);
    return new OSDCap(text, grants);
  }

  static allowAll(): OSDCap {
    return new OSDCap('allow *', [plainGrant(emptyMatch(), spec(OSD_CAP_ANY))]);
  }

  /** Does some grant allow everything (from `addr`, for grants restricted to a network)? */
  allowAll(addr?: EntityAddr): boolean {
    return this.grants.some((g) => grantAllowAll(g, addr));
  }

  /** operator<<(OSDCap): "osdcap[grant(...),grant(...)]". */
  toString(): string {
    return `osdcap[${this.grants.map(formatOsdGrant).join(',')}]`;
  }

  /** OSDCap::is_capable: one grant must allow the whole op, class calls included. */
  isCapable(req: OSDCapRequest): boolean {
    const q = { pool: req.pool, nspace: req.nspace ?? '', app: req.app ?? new Map(), object: req.object ?? '', read: !!req.read, write: !!req.write, classes: req.classes ?? [], addr: req.addr };
    const classAllowed = q.classes.map(() => false);
    return this.grants.some((g) => grantCapable(g, q, classAllowed));
  }
}
