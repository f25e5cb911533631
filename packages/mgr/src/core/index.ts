/**
 * The mgr's sans-I/O core, for callers that must not pull in the driver (the mon's own core):
 * the PG map and its commands, the service map, the DaemonServer state machine.
 */
export * from './pg-state';
export * from './pg-map';
export * from './pg-delta';
export * from './pg-dump';
export * from './service-map';
export * from './active-mgr';
export * from './command';
export * from './daemon-server';
export * from './pg-commands';
export * from './osd-df';
export * from './scrub-commands';
