/**
 * The driver of the pg commands (`ceph pg PGID query|list_unfound|mark_unfound_lost`, and the
 * `ceph tell PGID ...` form): OSD::asok_command finds the PG, only its primary answers, and the
 * answer is built in the PG's queue so it sees one consistent state (core/tell/pg-command.ts).
 */
import { Errno } from '@ts-ceph/common';
import { UTime, utimeFromMs } from '@ts-ceph/denc';
import { JsonFormatter, OSDMap, PgStatT, formatEversion, formatPg, pgKey } from '@ts-ceph/maps';
import { ghobjectToString } from '@ts-ceph/objectstore/interface';
import { PG, infoT } from './core/pg';
import { Phase, ReplicatedPG, pgStateString } from './core/peering';
import { PgCommandReq, PgQueryView, QueryStateEntry, UnfoundView, dumpListUnfound, dumpPgQuery } from './core/tell/pg-command';
import type { TellReply } from './core/tell/tell';

/** Named limits of the pg commands (docs/LIMITS.md). */
export const pgCommandLimits = {
  /** osd_command_max_records: objects list_unfound prints at most. */
  commandRecordsMax: 256,
};

/** When each PG's core entered its phase and its interval (wall clock ms): the query's enter_time. */
export class PhaseClock {
  private readonly at = new Map<string, { phase: Phase; interval: number; phaseMs: number; intervalMs: number }>();

  note(key: string, core: ReplicatedPG, nowMs: number): void {
    const was = this.at.get(key);
    if (was && was.phase === core.phase && was.interval === core.intervalStart) return;
    const intervalMs = was && was.interval === core.intervalStart ? was.intervalMs : nowMs;
    this.at.set(key, { phase: core.phase, interval: core.intervalStart, phaseMs: nowMs, intervalMs });
  }

  get(key: string): { phaseMs: number; intervalMs: number } | undefined {
    return this.at.get(key);
  }
}

export interface PgCommandHost {
  cores: ReadonlyMap<string, ReplicatedPG>;
  phases: PhaseClock;
  osdmap(): OSDMap | undefined;
  nowMs(): number;
  /** Run `f` in the PG's queue. */
  enqueue(key: string, f: () => Promise<void>): void;
  /** The pg_stat_t the MgrClient would report for this PG now. */
  pgStat(pg: PG): Promise<PgStatT | undefined>;
}

const reply = (r: number, rs: string, out = ''): TellReply => ({ r, rs, outbl: Buffer.from(out) });

/** OSD::asok_command's pg branch and PrimaryLogPG::do_command. */
export function runPgCommand(req: PgCommandReq, host: PgCommandHost): Promise<TellReply> {
  const key = pgKey(req.pgid);
  const core = host.cores.get(key);
  if (!core || !core.mapping) return Promise.resolve(reply(-Errno.ENOENT, `i don't have pgid ${formatPg(req.pgid)}`));
  if (!core.isPrimary) return Promise.resolve(reply(-Errno.EAGAIN, `not primary for pgid ${formatPg(req.pgid)}`));
  return new Promise((resolve) => {
    host.enqueue(key, async () => {
      try {
        resolve(await answer(req, core, key, host));
      } catch (e) {
        resolve(reply(-Errno.EIO, (e as Error).message));
      }
    });
  });
}

async function answer(req: PgCommandReq, core: ReplicatedPG, key: string, host: PgCommandHost): Promise<TellReply> {
  const f = new JsonFormatter(req.pretty);
  switch (req.command) {
    case 'query':
      dumpPgQuery(f, await queryView(core, key, host));
      return reply(0, '', f.toString());
    case 'list_unfound':
      dumpListUnfound(f, unfoundView(core), pgCommandLimits.commandRecordsMax);
      return reply(0, '', f.toString());
    case 'mark_unfound_lost':
      // Idempotent when nothing is unfound, as Ceph; reverting or deleting lost objects is not done yet.
      if (!core.rep.unfound.size) return reply(0, 'pg has no unfound objects');
      return reply(-Errno.EOPNOTSUPP, `pg has ${core.rep.unfound.size} unfound objects; ts-osd cannot mark them lost yet`);
    default:
      return reply(-Errno.ENOSYS, `prefix '${req.command}' not implemented`);
  }
}

async function queryView(core: ReplicatedPG, key: string, host: PgCommandHost): Promise<PgQueryView> {
  const m = core.mapping!;
  const state = pgStateString(core.state());
  const info = infoT(core.pg.info);
  const stat = await host.pgStat(core.pg);
  if (stat) info.stats = stat;
  const at = host.phases.get(key);
  const now = host.nowMs();
  const peers = [...core.infos].filter(([o]) => o !== core.whoami).sort((a, b) => a[0] - b[0]);
  const active = core.phase === 'active' || core.phase === 'activating';
  return {
    state,
    epoch: host.osdmap()?.epoch ?? m.epoch,
    up: m.up,
    acting: m.acting,
    actingRecoveryBackfill: [...new Set([...m.acting, ...core.rep.backfillTargets])],
    info,
    peers: peers.map(([osd, i]) => ({ osd, info: infoT(i) })),
    recoveryState: queryStates(core, utimeFromMs(at?.phaseMs ?? now), utimeFromMs(at?.intervalMs ?? now)),
    ...(active ? { scrubber: { epochStart: core.scrub.active ? core.intervalStart : 0, active: core.scrub.active !== undefined } } : {}),
    snapTrimq: '[]',
    snapTrimqLen: 0,
  };
}

/** The peering machine's states a primary is in, innermost first, as QueryState walks them. */
function queryStates(core: ReplicatedPG, phaseAt: UTime, startedAt: UTime): QueryStateEntry[] {
  const started: QueryStateEntry = { name: 'Started', enterTime: startedAt };
  const peering = (sub: string): QueryStateEntry[] => [
    { name: `Started/Primary/Peering/${sub}`, enterTime: phaseAt },
    { name: 'Started/Primary/Peering', enterTime: startedAt, probing: [...core.prior.probe].sort((a, b) => a - b) },
    started,
  ];
  switch (core.phase) {
    case 'get_info':
      return peering('GetInfo');
    case 'get_log':
      return peering('GetLog');
    case 'wait_up_thru':
      return peering('WaitUpThru');
    case 'down':
      return peering('Down');
    case 'incomplete':
      return peering('Incomplete');
    case 'activating':
    case 'active': {
      const recovering = [...core.rep.recovering.values()].map((r) => ghobjectToString(r.item.oid));
      return [{ name: 'Started/Primary/Active', enterTime: phaseAt, recovering, backfillTargets: [...core.rep.backfillTargets].sort((a, b) => a - b) }, started];
    }
    default:
      return [{ name: 'Started/Primary', enterTime: phaseAt }, started];
  }
}

function unfoundView(core: ReplicatedPG): UnfoundView {
  const missing = [...core.ownMissing.values(), ...[...core.peerMissing.values()].flatMap((s) => [...s.values()])];
  const unfound = missing.filter((i) => core.rep.unfound.has(ghobjectToString(i.oid)));
  return {
    numMissing: new Set(missing.map((i) => ghobjectToString(i.oid))).size,
    unfound: unfound.map((i) => ({ oid: i.oid.name, need: formatEversion(i.need), have: "0'0" })),
    stateName: core.phase === 'active' ? 'Active' : 'NotActive',
  };
}
