export * from './core/store-txn';
export * from './core/store-view';
export * from './core/paxos';
export * from './core/paxos-service';
export * from './core/formatter';
export * from './store/kv';
export * from './store/level-kv';
export * from './store/mon-store';
import './wire-types';
