/**
 * `ceph osd ...` commands on OSDs and the map itself (OSDMonitor::preprocess_command /
 * prepare_command_impl), as a table from prefix to handler. The handlers live by concept:
 * osd-query-commands.ts (dump, ls, stat, tree, getmap, getcrushmap, getmaxosd, find, metadata,
 * versions), osd-state-commands.ts (set/unset, down/out/in/rm, reweight, setmaxosd, setcrushmap)
 * and osd-create-commands.ts (new, create, purge).
 */
import { CommandHandler, CommandOutcome, CommandRequest } from '../commands/types';
import { OSDMonitor } from './osd-monitor';
import type { AuthMonitor } from '../auth/auth-monitor';
import * as Q from './osd-query-commands';
import * as S from './osd-state-commands';
import { osdCreate, osdNew, osdPurge } from './osd-create-commands';

/** What an osd command handler may touch: the OSDMonitor, and the AuthMonitor for OSD keys. */
export interface OsdCommandContext {
  osd: OSDMonitor;
  auth: AuthMonitor;
}

export type OsdCommand = (c: OsdCommandContext, req: CommandRequest) => CommandOutcome;

export const osdCommandTable: Record<string, OsdCommand> = {
  'osd stat': (c, req) => Q.osdStat(c.osd, req),
  'osd dump': (c, req) => Q.osdDump(c.osd, req),
  'osd ls': (c, req) => Q.osdLs(c.osd, req),
  'osd tree': (c, req) => Q.osdTree(c.osd, req),
  'osd getmap': (c, req) => Q.osdGetmap(c.osd, req),
  'osd getcrushmap': (c, req) => Q.osdGetcrushmap(c.osd, req),
  'osd setcrushmap': (c, req) => S.osdSetcrushmap(c.osd, req),
  'osd getmaxosd': (c, req) => Q.osdGetmaxosd(c.osd, req),
  'osd setmaxosd': (c, req) => S.osdSetmaxosd(c.osd, req),
  'osd set': (c, req) => S.osdFlag(c.osd, req, true),
  'osd unset': (c, req) => S.osdFlag(c.osd, req, false),
  'osd down': (c, req) => S.osdStateChange(c.osd, req, 'down'),
  'osd out': (c, req) => S.osdStateChange(c.osd, req, 'out'),
  'osd in': (c, req) => S.osdStateChange(c.osd, req, 'in'),
  'osd rm': (c, req) => S.osdStateChange(c.osd, req, 'rm'),
  'osd reweight': (c, req) => S.osdReweight(c.osd, req),
  'osd new': (c, req) => osdNew(c.osd, c.auth, req),
  'osd create': (c, req) => osdCreate(c.osd, req),
  'osd purge': (c, req) => osdPurge(c.osd, c.auth, req),
  'osd purge-actual': (c, req) => osdPurge(c.osd, c.auth, req),
  'osd find': (c, req) => Q.osdFind(c.osd, req),
  'osd metadata': (c, req) => Q.osdMetadata(c.osd, req),
  'osd versions': (c, req) => Q.osdVersions(c.osd, req),
  'osd get-require-min-compat-client': (c) => Q.osdGetRequireMinCompatClient(c.osd),
};

/** The table bound to one mon's services, as the command dispatcher registers it. */
export function osdCommands(osd: OSDMonitor, auth: AuthMonitor): Record<string, CommandHandler> {
  const c: OsdCommandContext = { osd, auth };
  const out: Record<string, CommandHandler> = {};
  for (const [prefix, h] of Object.entries(osdCommandTable)) out[prefix] = (req) => h(c, req);
  return out;
}
