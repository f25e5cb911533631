import { IntervalSet } from '@ts-ceph/maps';
import { Transaction } from '@ts-ceph/objectstore/interface';
import { decodeInfo, encodeInfo } from '../pg';
import { addPurged } from '../snap-trim';
import { PeerInfoAck, PeerInfoShare } from './messages';
import { PeeringPG } from './peering-pg';

/**
 * purged_snaps on every copy of a replicated PG. The primary's snap trimmer trims the clones with
 * internal writes (RepOps, so every copy trims them); once a snap's clones are gone everywhere, the
 * primary records it in its pg_info_t and shares the info (PeeringState::share_pg_info, MOSDPGInfo2);
 * a replica takes the primary's purged_snaps (proc_primary_info) and persists it. A replica that
 * joins later gets them with the activation's info (peering-pg.ts activateReplica).
 */

/**
 * The trimmer of interval `interval` finished `snaps` (every clone holding them is trimmed on
 * every copy): record them and share the info. False when the interval changed or the PG is no
 * longer an active primary (the trimmer starts over at the next kick).
 */
export function notePurged(p: PeeringPG, interval: number, snaps: IntervalSet): boolean {
  if (interval !== p.intervalStart || !p.isPrimary || p.phase !== 'active') return false;
  const t = new Transaction();
  p.pg.setPurgedSnaps(addPurged(p.pg.info.purgedSnaps, snaps), t);
  p.queue(t, () => undefined);
  const s = p.rep.infoShare;
  s.seq++;
  s.waiting = new Set(p.replicas);
  sendShare(p);
  return true;
}

/** The tick: the share again to the replicas that have not acknowledged it (a lossy link lost it). */
export function resendInfoShare(p: PeeringPG): void {
  if (p.isPrimary && p.rep.infoShare.waiting.size) sendShare(p);
}

function sendShare(p: PeeringPG): void {
  const s = p.rep.infoShare;
  const info = encodeInfo(p.pg.info);
  for (const o of s.waiting) p.send(o, { type: 'info', seq: s.seq, info });
}

/** A replica: the primary's info; take its purged_snaps, acknowledge once durable. */
export function handleInfoShare(p: PeeringPG, from: number, msg: PeerInfoShare): void {
  if (p.phase !== 'replica_active' || from !== p.mapping!.primary) return;
  const info = decodeInfo(p.pg.pgid, msg.info);
  const t = new Transaction();
  p.pg.setPurgedSnaps(info.purgedSnaps ?? [], t);
  const interval = p.intervalStart;
  p.queue(t, () => {
    if (interval === p.intervalStart) p.send(from, { type: 'info_ack', seq: msg.seq });
  });
}

/** The primary: a replica persisted share `seq` (an ack of an older share says nothing of the newest). */
export function handleInfoAck(p: PeeringPG, from: number, msg: PeerInfoAck): void {
  if (p.isPrimary && msg.seq === p.rep.infoShare.seq) p.rep.infoShare.waiting.delete(from);
}
