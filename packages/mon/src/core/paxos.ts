/**
 * The commit step of the proposal pipeline, shaped like Ceph's Paxos (src/mon/Paxos.cc) so a quorum
 * can replace it later: a proposal is one MonitorDBStore transaction; it gets the next paxos version,
 * its encoded bytes are kept under `paxos/<v>` (the value a quorum would replicate), and
 * `paxos/last_committed` moves in the same atomic batch. On a single monitor "accepted by a majority"
 * is "durable in our own store", which the driver does by applying `commitTxn` with sync writes.
 */
import { assert } from '@ts-ceph/common/core';
import { StoreTransaction, storeTxnToBuffer } from './store-txn';
import { StoreView } from './store-view';

export const PAXOS_PREFIX = 'paxos';

export const paxosLimits = {
  /** Committed paxos values kept in the store for a peer that would need to catch up (Ceph: paxos_min 500). */
  paxosVersionsKeptMax: 500,
};

export interface PaxosProposal {
  version: number;
  /** The whole batch to make durable: the service's ops plus the paxos bookkeeping. */
  commitTxn: StoreTransaction;
}

export class Paxos {
  firstCommitted = 0;
  lastCommitted = 0;
  private inFlight: number | undefined;

  constructor(private readonly store: StoreView) {
    this.refresh();
  }

  refresh(): void {
    this.firstCommitted = this.store.getVersion(PAXOS_PREFIX, 'first_committed');
    this.lastCommitted = this.store.getVersion(PAXOS_PREFIX, 'last_committed');
  }

  isWriteable(): boolean {
    return this.inFlight === undefined;
  }

  /** Wrap a service transaction as the next paxos value. One proposal at a time. */
  propose(value: StoreTransaction): PaxosProposal {
    assert(this.inFlight === undefined, `paxos: proposal ${this.inFlight} still in flight`);
    const v = this.lastCommitted + 1;
    const t = new StoreTransaction();
    t.append(value);
    t.put(PAXOS_PREFIX, v, storeTxnToBuffer(value));
    t.putVersion(PAXOS_PREFIX, 'last_committed', v);
    if (this.firstCommitted === 0) t.putVersion(PAXOS_PREFIX, 'first_committed', v);
    // Trim the oldest values in the same batch once more than the limit are kept.
    const first = this.firstCommitted === 0 ? v : this.firstCommitted;
    if (v - first + 1 > paxosLimits.paxosVersionsKeptMax) {
      const newFirst = v - paxosLimits.paxosVersionsKeptMax + 1;
      for (let x = first; x < newFirst; x++) t.erase(PAXOS_PREFIX, x);
      t.putVersion(PAXOS_PREFIX, 'first_committed', newFirst);
    }
    this.inFlight = v;
    return { version: v, commitTxn: t };
  }

  /** The driver made the proposal durable. */
  committed(v: number): void {
    assert(this.inFlight === v, `paxos: committed ${v} but ${this.inFlight} was in flight`);
    this.inFlight = undefined;
    this.refresh();
  }

  /** The commit failed (I/O error): nothing was applied, the next proposal reuses the version. */
  aborted(v: number): void {
    assert(this.inFlight === v, `paxos: aborted ${v} but ${this.inFlight} was in flight`);
    this.inFlight = undefined;
  }
}
