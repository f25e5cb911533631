import type { MonCapGrant } from './moncap';
import { MatchType, StringConstraint } from './constraint';

/**
 * MonCapGrant::expand_profile (src/mon/MonCap.cc): the grants each mon profile stands for, as
 * data. `name` is the entity's "type.id" (for the daemon-private config-key space).
 */
const R = 1 << 1;
const W = 1 << 2;
const X = 1 << 3;
const ALL = R | W | X;

const svc = (service: string, allow: number): MonCapGrant => g({ service, allow });
const cmd = (command: string, args: [string, MatchType, string][] = []): MonCapGrant =>
  g({ command, commandArgs: new Map(args.map(([k, t, v]) => [k, { matchType: t, value: v } as StringConstraint])) });

function g(x: Partial<MonCapGrant>): MonCapGrant {
  return { service: '', profile: '', command: '', commandArgs: new Map(), fsName: '', allow: 0, ...x };
}

const EQ = MatchType.EQUAL;
const PREFIX = MatchType.PREFIX;
const REGEX = MatchType.REGEX;

/** Blocklisting dead clients by address+nonce (exclusive lock recovery). */
const BLOCKLIST_ADD: MonCapGrant[] = [
  cmd('osd blocklist', [
    ['blocklistop', EQ, 'add'],
    ['addr', REGEX, '^[^/]+/[0-9]+$'],
  ]),
];

const RBD_OSD_CAPS_REGEX = `^([ ,]*profile(=|[ ]+)['"]?rbd[^ ,'"]*['"]?([ ]+pool(=|[ ]+)['"]?[^,'"]+['"]?)?)+$`;

export function expandMonProfile(profile: string, name: string): MonCapGrant[] {
  const out: MonCapGrant[] = [];
  if (profile === 'read-only') return [g({ allow: R })];
  if (profile === 'read-write') return [g({ allow: R | W })];
  if (profile === 'mon') out.push(svc('mon', ALL), svc('log', ALL));
  if (profile === 'osd') out.push(svc('osd', ALL), svc('mon', R), svc('pg', R | W), svc('log', W));
  if (profile === 'mds') {
    out.push(svc('mds', ALL), svc('mon', R), svc('osd', R));
    out.push(cmd('osd pool rmsnap'), cmd('osd blocklist'), cmd('osd blacklist'), svc('log', W));
  }
  if (profile === 'mgr') {
    out.push(svc('mgr', ALL), svc('log', R | W), svc('mon', R | W), svc('mds', R | W), svc('fs', R | W), svc('osd', R | W));
    out.push(svc('auth', R | W | X), svc('config-key', R | W), svc('config', R | W));
    out.push(cmd('auth get-or-create'), cmd('auth caps'), cmd('auth rm'), cmd('smart'));
  }
  if (profile === 'osd' || profile === 'mds' || profile === 'mon' || profile === 'mgr') {
    const prefix = `daemon-private/${name}/`;
    for (const c of ['get', 'put', 'set', 'exists', 'delete']) out.push(cmd(`config-key ${c}`, [['key', PREFIX, prefix]]));
  }
  if (profile === 'bootstrap-osd') {
    out.push(svc('mon', R), svc('osd', R), cmd('mon getmap'), cmd('osd new'), cmd('osd purge-new'));
  }
  if (profile === 'bootstrap-mds') {
    out.push(svc('mon', R), svc('osd', R), cmd('mon getmap'));
    out.push(
      cmd('auth get-or-create', [
        ['entity', PREFIX, 'mds.'],
        ['caps_mon', EQ, 'allow profile mds'],
        ['caps_osd', EQ, 'allow rwx'],
        ['caps_mds', EQ, 'allow'],
      ]),
    );
  }
  if (profile === 'bootstrap-mgr') {
    out.push(svc('mon', R), svc('osd', R), cmd('mon getmap'));
    out.push(
      cmd('auth get-or-create', [
        ['entity', PREFIX, 'mgr.'],
        ['caps_mon', EQ, 'allow profile mgr'],
      ]),
    );
  }
  if (profile === 'bootstrap-rgw') {
    out.push(svc('mon', R), svc('osd', R), cmd('mon getmap'));
    out.push(
      cmd('auth get-or-create', [
        ['entity', PREFIX, 'client.rgw.'],
        ['caps_mon', EQ, 'allow rw'],
        ['caps_osd', EQ, 'allow rwx'],
      ]),
    );
  }
  if (profile === 'bootstrap-rbd' || profile === 'bootstrap-rbd-mirror') {
    out.push(svc('mon', R));
    out.push(
      cmd('auth get-or-create', [
        ['entity', PREFIX, 'client.'],
        ['caps_mon', EQ, profile === 'bootstrap-rbd-mirror' ? 'profile rbd-mirror' : 'profile rbd'],
        ['caps_osd', REGEX, RBD_OSD_CAPS_REGEX],
      ]),
    );
  }
  if (profile === 'fs-client') out.push(svc('mon', R), svc('mds', R), svc('osd', R), svc('pg', R));
  if (profile === 'simple-rados-client') out.push(svc('mon', R), svc('osd', R), svc('pg', R));
  if (profile === 'simple-rados-client-with-blocklist') out.push(svc('mon', R), svc('osd', R), svc('pg', R), ...BLOCKLIST_ADD);
  if (profile.startsWith('rbd')) {
    out.push(svc('mon', R), svc('osd', R), svc('pg', R), ...BLOCKLIST_ADD);
    out.push(
      cmd('osd blacklist', [
        ['blacklistop', EQ, 'add'],
        ['addr', REGEX, '^[^/]+/[0-9]+$'],
      ]),
    );
  }
  if (profile === 'rbd-mirror') {
    out.push(cmd('config-key get', [['key', PREFIX, 'rbd/mirror/']]));
  } else if (profile === 'rbd-mirror-peer') {
    out.push(cmd('config-key get', [['key', REGEX, 'rbd/mirror/[^/]+']]), cmd('config-key set', [['key', PREFIX, 'rbd/mirror/peer/']]));
  } else if (profile === 'crash') {
    out.push(svc('mon', R));
  }
  if (profile === 'cephfs-mirror') {
    out.push(svc('mon', R), svc('mds', R), svc('osd', R), svc('pg', R), cmd('config-key get', [['key', PREFIX, 'cephfs/mirror/peer/']]));
  }
  if (profile === 'role-definer') out.push(svc('mon', R), svc('auth', ALL));
  return out;
}
