/**
 * @ts-ceph/mon: ts-mon, the monitor. The store and proposal pipeline, the sans-I/O services under
 * core/, the command layer, and (in monitor.ts / bin/ts-mon.ts) the daemon around them.
 */
export * from './core/store-txn';
export * from './core/store-view';
export * from './core/paxos';
export * from './core/paxos-service';
export * from './core/map-service';
export * from './core/timespan';
export * from './core/session';
export * from './core/commands/cmdmap';
export * from './core/commands/types';
export * from './core/commands/table';
export * from './core/commands/dispatch';
export * from './core/kv-monitor';
export * from './core/config/options';
export * from './core/config/config-map';
export * from './core/config/config-monitor';
export * from './core/config/config-commands';
export * from './core/config/effective';
export * from './core/log/log-entry';
export * from './core/log/log-monitor';
export * from './core/health/health-check';
export * from './core/health/health-monitor';
export * from './core/auth/auth-inc';
export * from './core/auth/auth-monitor';
export * from './core/auth/auth-commands';
export * from './store/kv';
export * from './store/level-kv';
export * from './store/mon-store';
export * from './pipeline';
export * from './command-runner';
export * from './config-schema';
import './wire-types';
export * from './monitor';
export * from './mkfs';
export * from './daemon';
export * from './mon-paths';
export * from './net/mon-server';
export * from './net/subscriptions';
export { osdMessageHandlers, type OsdMessageContext } from './net/osd-messages';
export * from './messages/log';
export * from './cluster/local-cluster';
