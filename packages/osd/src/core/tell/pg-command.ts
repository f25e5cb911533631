/**
 * `ceph pg PGID query|list_unfound|mark_unfound_lost` and `ceph tell PGID query|...` as a 16.2.15
 * OSD answers them (OSD::asok_command routes them to PrimaryLogPG::do_command, which dumps
 * PeeringState::dump_peering_state and the state machine's QueryState). Pure: the driver looks the
 * PG up, runs this in the PG's queue and hands over a view of the PG's core.
 */
import { Errno } from '@ts-ceph/common/core';
import { UTime } from '@ts-ceph/denc';
import { Formatter, PgInfoT, PgT, dumpPgInfoT, utimeLocal } from '@ts-ceph/maps';

/** The pg commands of the tell table (both the old `pg PGID cmd` and the new `tell PGID cmd` forms). */
export const pgCommandPrefixes: readonly string[] = ['pg', 'query', 'list_unfound', 'mark_unfound_lost'];

export interface PgCommandReq {
  pgid: PgT;
  command: string;
  mulcmd?: string;
  /** The formatter's style: "json" is compact, anything else json-pretty (do_command's default). */
  pretty: boolean;
}

/** OSD::asok_command's pgid checks; an error reply when they fail. */
export function parsePgCommand(prefix: string, m: Record<string, unknown>): PgCommandReq | { r: number; rs: string } {
  const pgidstr = m.pgid;
  if (typeof pgidstr !== 'string') return { r: -Errno.EINVAL, rs: 'no pgid specified' };
  const match = /^(\d+)\.([0-9a-f]+)$/.exec(pgidstr);
  if (!match) return { r: -Errno.EINVAL, rs: `couldn't parse pgid '${pgidstr}'` };
  const command = typeof m.cmd === 'string' && m.cmd ? m.cmd : prefix;
  const out: PgCommandReq = { pgid: { pool: Number(match[1]), seed: parseInt(match[2]!, 16) }, command, pretty: m.format !== 'json' };
  if (typeof m.mulcmd === 'string') out.mulcmd = m.mulcmd;
  return out;
}

/** One entry of recovery_state: a state of the peering machine, innermost first. */
export interface QueryStateEntry {
  name: string;
  enterTime: UTime;
  /** Peering: the OSDs probed for their info. */
  probing?: number[];
  /** Active: objects being recovered, and the backfill targets. */
  recovering?: string[];
  backfillTargets?: number[];
}

/** What `query` reads of a primary's PG core. */
export interface PgQueryView {
  state: string;
  /** The OSD's current map epoch. */
  epoch: number;
  up: number[];
  acting: number[];
  /** acting_recovery_backfill: the acting set with the backfill targets. */
  actingRecoveryBackfill: number[];
  info: PgInfoT;
  peers: { osd: number; info: PgInfoT }[];
  recoveryState: QueryStateEntry[];
  /** Set when the PG is active (PrimaryLogPG dumps its scrubber then). */
  scrubber?: { epochStart: number; active: boolean };
  snapTrimq: string;
  snapTrimqLen: number;
}

const osds = (f: Formatter, name: string, v: readonly number[]): void => {
  f.openArray(name);
  for (const o of v) f.dumpUnsigned('osd', o);
  f.close();
};

/** PrimaryLogPG::do_command "query". */
export function dumpPgQuery(f: Formatter, v: PgQueryView): void {
  f.openObject('pg');
  f.dumpStream('snap_trimq', v.snapTrimq);
  f.dumpUnsigned('snap_trimq_len', v.snapTrimqLen);
  f.dumpString('state', v.state);
  f.dumpUnsigned('epoch', v.epoch);
  osds(f, 'up', v.up);
  osds(f, 'acting', v.acting);
  f.openArray('acting_recovery_backfill');
  for (const o of [...v.actingRecoveryBackfill].sort((a, b) => a - b)) f.dumpStream('shard', String(o));
  f.close();
  f.openObject('info');
  dumpPgInfoT(f, v.info, v.state);
  f.close();
  f.openArray('peer_info');
  for (const p of v.peers) {
    f.openObject('info');
    f.dumpStream('peer', String(p.osd));
    dumpPgInfoT(f, p.info, 'unknown');
    f.close();
  }
  f.close();
  f.openArray('recovery_state');
  for (const s of v.recoveryState) dumpQueryState(f, s);
  f.close();
  if (v.scrubber) {
    f.openObject('scrubber');
    f.dumpStream('epoch_start', String(v.scrubber.epochStart));
    f.dumpBool('active', v.scrubber.active);
    f.close();
  }
  f.openObject('agent_state');
  f.close();
  f.close();
}

function dumpQueryState(f: Formatter, s: QueryStateEntry): void {
  f.openObject();
  f.dumpString('name', s.name);
  f.dumpStream('enter_time', utimeLocal(s.enterTime));
  if (s.probing) {
    f.openArray('probing_osds');
    for (const o of s.probing) f.dumpStream('osd', String(o));
    f.close();
    f.openArray('down_osds_we_would_probe');
    f.close();
    f.openArray('peering_blocked_by');
    f.close();
  }
  if (s.recovering) {
    f.openArray('might_have_unfound');
    f.close();
    f.openObject('recovery_progress');
    f.openArray('backfill_targets');
    for (const o of s.backfillTargets ?? []) f.dumpStream('shard', String(o));
    f.close();
    f.openArray('waiting_on_backfill');
    f.close();
    f.dumpStream('last_backfill_started', 'MIN');
    f.openObject('backfill_info');
    f.dumpStream('begin', 'MIN');
    f.dumpStream('end', 'MIN');
    f.openArray('objects');
    f.close();
    f.close();
    f.openArray('peer_backfill_info');
    f.close();
    f.openArray('backfills_in_flight');
    f.close();
    f.openArray('recovering');
    for (const o of s.recovering) f.dumpStream('object', o);
    f.close();
    f.openObject('pg_backend');
    f.openArray('pull_from_peer');
    f.close();
    f.openArray('pushing');
    f.close();
    f.close();
    f.close();
  }
  f.close();
}

/** What list_unfound and mark_unfound_lost read: the objects no reachable copy has. */
export interface UnfoundView {
  numMissing: number;
  /** The unfound objects' names with the version needed. */
  unfound: { oid: string; need: string; have: string }[];
  /** The peering machine's innermost state name for QueryUnfound ("Active"). */
  stateName: string;
}

/** PrimaryLogPG::do_command "list_unfound" (without an offset: every object up to the record cap). */
export function dumpListUnfound(f: Formatter, v: UnfoundView, recordsMax: number): void {
  f.openObject('missing');
  f.dumpInt('num_missing', v.numMissing);
  f.dumpInt('num_unfound', v.unfound.length);
  f.openArray('objects');
  for (const o of v.unfound.slice(0, recordsMax)) {
    f.openObject('object');
    f.openObject('oid');
    f.dumpString('oid', o.oid);
    f.close();
    f.dumpStream('need', o.need);
    f.dumpStream('have', o.have);
    f.openArray('locations');
    f.close();
    f.close();
  }
  f.close();
  f.dumpString('state', v.stateName);
  f.dumpBool('available_might_have_unfound', true);
  f.openArray('might_have_unfound');
  f.close();
  f.dumpBool('more', v.unfound.length > recordsMax);
  f.close();
}
