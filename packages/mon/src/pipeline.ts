/**
 * The proposal pipeline's driver: one critical section at a time (a command, a tick, a message that
 * changes state), and within it propose -> commit (sync write) -> refresh -> publish. A Paxos quorum
 * would replace only the commit step (Paxos.propose/committed); services and callers stay the same.
 */
import { Clock, logger } from '@ts-ceph/common';
import { Paxos } from './core/paxos';
import { PaxosService } from './core/paxos-service';
import { StoreTransaction } from './core/store-txn';
import { MonitorDBStore } from './store/mon-store';

const log = logger('mon');

export class ProposalPipeline {
  readonly paxos: Paxos;
  private tail: Promise<unknown> = Promise.resolve();
  /** Called after each commit with the services that changed (publish to subscribers here). */
  onCommitted: (services: PaxosService[], version: number) => void = () => {};

  constructor(
    readonly store: MonitorDBStore,
    readonly clock: Clock,
  ) {
    this.paxos = new Paxos(store);
  }

  /** Run `fn` after everything queued before it; one critical section at a time. */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const p = this.tail.then(fn);
    this.tail = p.catch(() => undefined);
    return p;
  }

  /**
   * Commit the pending changes of `services` as one paxos value. Call from inside run(). On failure
   * the pending changes are discarded (createPending) and the error is rethrown.
   */
  async propose(services: PaxosService[]): Promise<number> {
    const now = this.clock.wallNow();
    const svcs = services.filter((s, i) => services.indexOf(s) === i && s.havePending());
    if (svcs.length === 0) return this.paxos.lastCommitted;
    const t = new StoreTransaction();
    for (const s of svcs) {
      s.encodePending(t, now);
      s.encodeTrim(t);
    }
    const p = this.paxos.propose(t);
    try {
      await this.store.apply(p.commitTxn);
    } catch (e) {
      this.paxos.aborted(p.version);
      for (const s of svcs) s.createPending();
      log.error(`proposal ${p.version} failed: ${(e as Error).message}`);
      throw e;
    }
    this.paxos.committed(p.version);
    for (const s of svcs) {
      s.updateFromPaxos();
      s.createPending();
    }
    this.onCommitted(svcs, p.version);
    return p.version;
  }
}
