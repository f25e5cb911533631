/**
 * The mgr's scrub commands (DaemonServer::_handle_command in 16.2): `pg scrub|deep-scrub|repair
 * PGID` and `osd scrub|deep-scrub|repair WHO` answer at once and send MOSDScrub2 to the OSDs over
 * their mgr sessions; the OSDs scrub when they can. Pure: the driver sends what `sends` lists.
 */
import { formatPg, isUp, parsePg, pgToUpActingOsds, OSDMap, PgT, SpgT } from '@ts-ceph/maps';
import type { MOSDScrub2 } from '@ts-ceph/messages';
import { MgrCommandReply, MgrCommandRequest, fail, getStr, reply } from './command';

/** The commands this file serves; they need the "w" cap as well as "r" (MgrCommands.h: "rw"). */
export const MGR_SCRUB_COMMANDS = ['pg scrub', 'pg deep-scrub', 'pg repair', 'osd scrub', 'osd deep-scrub', 'osd repair'] as const;

export interface ScrubCommandOutcome {
  reply: MgrCommandReply;
  /** One MOSDScrub2 per OSD to send it to, over that OSD's mgr session. */
  sends: { osd: number; msg: MOSDScrub2 }[];
}

/** NO_SHARD: a replicated pool's spg_t (OSDMap::get_primary_shard). */
const NO_SHARD = -1;

/** parse_osd_id: "N" or "osd.N". */
function parseOsdId(s: string): number {
  const m = /^(?:osd\.)?(\d+)$/.exec(s);
  return m ? Number(m[1]) : -1;
}

function scrub2(m: OSDMap, pgs: PgT[], op: string): MOSDScrub2 {
  const scrubPgs: SpgT[] = pgs.map((pgid) => ({ pgid, shard: NO_SHARD }));
  return { fsid: m.fsid, epoch: m.epoch, scrubPgs, repair: op === 'repair', deep: op === 'deep-scrub' };
}

/** `pg scrub|deep-scrub|repair PGID`: the PG's acting primary gets the request. */
function pgScrub(m: OSDMap, req: MgrCommandRequest, connected: (osd: number) => boolean): ScrubCommandOutcome {
  const op = req.prefix.slice(3);
  const s = getStr(req.cmdmap, 'pgid');
  const pgid = parsePg(s);
  if (!pgid) return { reply: fail('EINVAL', `invalid pgid '${s}'`), sends: [] };
  const pool = m.pools.get(pgid.pool);
  if (!pool || pgid.seed >= pool.pgNum) return { reply: fail('ENOENT', `pg ${formatPg(pgid)} does not exist`), sends: [] };
  const primary = pgToUpActingOsds(m, pgid).actingPrimary;
  if (primary < 0) return { reply: fail('EAGAIN', `pg ${formatPg(pgid)} has no primary osd`), sends: [] };
  if (!connected(primary)) return { reply: fail('EAGAIN', `pg ${formatPg(pgid)} primary osd.${primary} is not currently connected`), sends: [] };
  return { reply: reply(0, `instructing pg ${formatPg(pgid)} on osd.${primary} to ${op}`), sends: [{ osd: primary, msg: scrub2(m, [pgid], op) }] };
}

/** The PGs `osd` is the acting primary of (Ceph takes them from the PG map's pg_by_osd). */
function primaryPgs(m: OSDMap, osd: number): PgT[] {
  const out: PgT[] = [];
  for (const [id, pool] of [...m.pools].sort((a, b) => a[0] - b[0])) {
    for (let seed = 0; seed < pool.pgNum; seed++) if (pgToUpActingOsds(m, { pool: id, seed }).actingPrimary === osd) out.push({ pool: id, seed });
  }
  return out;
}

/** `osd scrub|deep-scrub|repair WHO` (an id, or all / any / *): each up OSD, for its primary PGs. */
function osdScrub(m: OSDMap, req: MgrCommandRequest, connected: (osd: number) => boolean): ScrubCommandOutcome {
  const op = req.prefix.slice(4);
  const who = getStr(req.cmdmap, 'who');
  const osds: number[] = [];
  if (who === '*' || who === 'all' || who === 'any') {
    for (let i = 0; i < m.maxOsd; i++) if (isUp(m, i)) osds.push(i);
  } else {
    const id = parseOsdId(who);
    if (id < 0) return { reply: fail('EINVAL', `invalid osd '${who}'`), sends: [] };
    if (id >= m.maxOsd || !isUp(m, id)) return { reply: fail('EAGAIN', `osd.${id} is not up`), sends: [] };
    osds.push(id);
  }
  const sent = osds.filter(connected);
  const failed = osds.filter((o) => !connected(o));
  // Ceph answers 0 even when no OSD could be told (it sets r but replies 0): kept.
  if (failed.length === osds.length) return { reply: reply(0, `failed to instruct osd(s) ${osds.join(',')} to ${op} (not connected)`), sends: [] };
  const note = failed.length ? `; osd(s) ${failed.join(',')} were not connected` : '';
  return { reply: reply(0, `instructed osd(s) ${sent.join(',')} to ${op}${note}`), sends: sent.map((osd) => ({ osd, msg: scrub2(m, primaryPgs(m, osd), op) })) };
}

export function scrubCommand(m: OSDMap, req: MgrCommandRequest, connected: (osd: number) => boolean): ScrubCommandOutcome {
  return req.prefix.startsWith('pg ') ? pgScrub(m, req, connected) : osdScrub(m, req, connected);
}
