/**
 * @ts-ceph/mgr: the manager role (src/mgr in Ceph): the DaemonServer that OSDs and clients report
 * to (MMgrOpen, MMgrReport, MPGStats), the PG map built from those reports and its digest for the
 * monitor, the service map, and the modules (prometheus, crash). See README.md.
 */
import './wire-types';

export * from './core/index';
export * from './available-modules';
export * from './mgr-server';
