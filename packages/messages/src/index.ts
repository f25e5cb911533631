/**
 * Ceph message payload codecs, one file per message (or small family). Importing this package
 * registers every codec with the messenger's message-type registry (`messageTypes`). To add a
 * message: write `src/<name>.ts` with `defineMessage({...})` and add one export line below.
 */
export * from './types';
export * from './limits';
export * from './codec';
export * from './paxos';
export * from './mon-map';
export * from './mon-subscribe';
export * from './config';
export * from './mon-command';
export * from './command';
export * from './mon-get-version';
export * from './auth';
export * from './mgr-map';
export * from './mgr';
export * from './osd-map';
export * from './ping';
export * from './pool-op';
export * from './pool-stats';
export * from './statfs';
export * from './osd-boot';
export * from './osd-mon';
export * from './osd-ping';
export * from './osd-full';
export * from './osd-pg-create';
export * from './osd-scrub';
export * from './osd-op-codes';
export * from './osd-op-struct';
export * from './osd-op';
export * from './osd-op-wire-types';
export * from './osd-op-data';
export * from './osd-op-listing';
export * from './watch-notify';
export * from './osd-backoff';
export * from './osd-op-copy';
export * from './log';
