/**
 * The osdmap epochs this OSD can hand to a client whose map is older than ours
 * (OSDService::maybe_share_map / send_incremental_map): the raw incrementals received from the
 * monitor, bounded, and the decision what to send a peer that has `since`. Pure.
 */

export const mapHistoryLimits = {
  /** osd_map_share_max_epochs: at most this many incrementals in one share. */
  shareEpochsMax: 40,
  /** Incrementals kept for sharing (older ones are dropped; a peer that far behind gets a full map). */
  incrementalsKeptMax: 100,
};

export type MapSharePlan = { kind: 'none' } | { kind: 'incrementals'; epochs: number[] } | { kind: 'full'; epoch: number };

export class MapHistory {
  private readonly incs = new Map<number, Buffer>();

  /** An incremental the OSD applied (its raw encoding, as the monitor sent it). */
  addIncremental(epoch: number, raw: Buffer): void {
    this.incs.set(epoch, raw);
    while (this.incs.size > mapHistoryLimits.incrementalsKeptMax) this.incs.delete(Math.min(...this.incs.keys()));
  }

  incremental(epoch: number): Buffer | undefined {
    return this.incs.get(epoch);
  }

  /** The oldest epoch a peer may have and still be brought up with incrementals only. */
  get oldestShareable(): number {
    return this.incs.size ? Math.min(...this.incs.keys()) - 1 : Infinity;
  }

  /**
   * What to send a peer whose newest map is `since` when ours is `current`: nothing when it is not
   * behind; incrementals since+1..current (at most shareEpochsMax, the newest ones, as Ceph skips
   * ahead) when we have them all; otherwise our full map.
   */
  plan(since: number, current: number): MapSharePlan {
    if (current <= since) return { kind: 'none' };
    const from = Math.max(since, current - mapHistoryLimits.shareEpochsMax) + 1;
    const epochs: number[] = [];
    for (let e = from; e <= current; e++) {
      if (!this.incs.has(e)) return { kind: 'full', epoch: current };
      epochs.push(e);
    }
    return { kind: 'incrementals', epochs };
  }
}
