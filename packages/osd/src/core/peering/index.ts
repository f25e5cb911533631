/** The replicated PG core: peering, replication and recovery without I/O (README: core/peering). */
export * from './messages';
export * from './txn-codec';
export * from './pg-state';
export * from './calc-stats';
export * from './past-intervals';
export * from './log-merge';
export * from './types';
export * from './peering-pg';
export * from './replicated-pg';
export * from './big-info';
export * from './missing-store';
export { repOpLimits } from './rep-ops';
export { PG, pgLogLimits } from '../pg';
export * from './scrub-map';
export { ScrubState, newScrubState, scrubLimits, scrubStateBits } from './scrub';
export * from './scrub-log';
export * from './scrub-ls';
