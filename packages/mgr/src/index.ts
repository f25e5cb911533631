/**
 * @ts-ceph/mgr: the manager role (src/mgr in Ceph): the DaemonServer that OSDs and clients report
 * to (MMgrOpen, MMgrReport, MPGStats), the PG map built from those reports and its digest for the
 * monitor, the service map, and the modules (prometheus, crash). See README.md.
 */
import './wire-types';

export * from './core/pg-state';
export * from './core/pg-map';
export * from './core/pg-dump';
export * from './core/service-map';
export * from './core/active-mgr';
export * from './core/command';
export * from './available-modules';
export * from './core/daemon-server';
export * from './core/pg-commands';
export * from './core/osd-df';
export * from './mgr-server';
