/**
 * The OSD's fullness as a driver: measures the store (statfs) after writes commit and on every
 * tick, keeps the state of core/full-state.ts, reports it to the monitor with MOSDFull whenever
 * the osdmap's bits for this OSD differ (OSD::send_full_update), and tells the op path when the
 * failsafe ratio is passed.
 */
import { CephError, Clock, Errno, logger, TimerHandle } from '@ts-ceph/common';
import { messageTypes } from '@ts-ceph/messenger';
import { MOSDFullCodec, PAXOS_HEAD_DEFAULT } from '@ts-ceph/messages';
import { OSDMap, osdStateSet } from '@ts-ceph/maps';
import { ObjectStore } from '@ts-ceph/objectstore';
import { MonClient } from '@ts-ceph/rados';
import { FullState, fullStateBits, fullStateName, needFullnessUpdate, recalcFullState, usedRatio } from './core/full-state';

const log = logger('osd');

/** Named limits of the fullness driver (docs/LIMITS.md). */
export const fullDriverLimits = {
  /** How long to wait for the monitor to apply a MOSDFull before sending it again (ms). */
  fullResendMs: 2_000,
};

export interface FullDriverDeps {
  id: number;
  store: ObjectStore;
  monc: MonClient;
  clock: Clock;
  osdmap: () => OSDMap | undefined;
  /** osd_failsafe_full_ratio. */
  failsafeRatio: number;
}

export class FullDriver {
  state: FullState = FullState.NONE;
  ratio = 0;
  private checking: TimerHandle | undefined;
  private lastSent: { bits: number; ms: number } | undefined;

  constructor(private readonly deps: FullDriverDeps) {}

  /** do_op's check_failsafe_full. */
  get failsafe(): boolean {
    return this.state === FullState.FAILSAFE;
  }

  /** A write committed (or a delete freed space): measure again soon, once per burst. */
  noteCommit(): void {
    if (this.checking) return;
    this.checking = this.deps.clock.setTimeout(() => {
      this.checking = undefined;
      void this.check();
    }, 0);
  }

  /** OSD::heartbeat's compute_adjusted_ratio + check_full_status, then the report if needed. */
  async check(): Promise<void> {
    let ratio: number;
    try {
      ratio = usedRatio(await this.deps.store.statfs());
    } catch (e) {
      log.dout(0, `statfs failed: ${(e as Error).message}`);
      return;
    }
    const next = recalcFullState(this.deps.osdmap(), this.deps.failsafeRatio, ratio);
    this.ratio = ratio;
    if (next !== this.state) {
      const pct = Math.round(ratio * 100);
      log.dout(10, `check_full_status ${fullStateName(this.state)} -> ${fullStateName(next)}`);
      if (next === FullState.FAILSAFE) log.error(`full status failsafe engaged, dropping updates, now ${pct}% full`);
      else if (this.state === FullState.FAILSAFE) log.error(`full status failsafe disengaged, no longer dropping updates, now ${pct}% full`);
      this.state = next;
    }
    this.maybeReport();
  }

  /** send_full_update: MOSDFull when the map disagrees (again after fullResendMs if still so). */
  maybeReport(): void {
    const map = this.deps.osdmap();
    if (!map || !this.deps.monc.isConnected || !needFullnessUpdate(map, this.deps.id, this.state)) return;
    const bits = fullStateBits(this.state);
    const now = this.deps.clock.now();
    if (this.lastSent && this.lastSent.bits === bits && now - this.lastSent.ms < fullDriverLimits.fullResendMs) return;
    this.lastSent = { bits, ms: now };
    log.dout(10, `send_full_update want state ${osdStateSet(bits).join(',')}`);
    this.deps.monc.send(messageTypes.build(MOSDFullCodec, { paxos: { ...PAXOS_HEAD_DEFAULT, version: map.epoch }, mapEpoch: map.epoch, state: bits }));
  }

  stop(): void {
    this.checking?.cancel();
  }
}

/** The errno a client gets for a transaction the store refused: ENOSPC as such, anything else EIO. */
export function storeErrno(e: unknown): number {
  return e instanceof CephError && Math.abs(e.errno) === Errno.ENOSPC ? -Errno.ENOSPC : -Errno.EIO;
}
