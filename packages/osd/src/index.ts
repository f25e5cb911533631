/**
 * @ts-ceph/osd: ts-osd. The sans-I/O cores under core/ (op engine, object classes) and the daemon.
 */
import './wire-types';
export * from './core/cls/index';
export * as peering from './core/peering/index';
