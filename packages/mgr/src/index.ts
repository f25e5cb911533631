/**
 * @ts-ceph/mgr: the manager role (src/mgr in Ceph): the DaemonServer that OSDs and clients report
 * to (MMgrOpen, MMgrReport, MPGStats), the PG map built from those reports and its digest for the
 * monitor, the service map, and the modules (prometheus, crash). See README.md.
 */
import './wire-types';

export * from './core/index';
export * from './available-modules';
export * from './mgr-server';
export * from './modules/cluster-view';
export * from './modules/py-format';
export * from './modules/prometheus/metric';
export * from './modules/prometheus/names';
export * from './modules/prometheus/collect';
export * from './modules/prometheus/module';
export * from './modules/crash/crash-module';
export * from './modules/crash/crash-report';
export * from './process-metrics';
