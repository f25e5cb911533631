/**
 * @ts-ceph/osd: ts-osd. The sans-I/O cores under core/ (op engine, object classes) and the daemon.
 */
export * from './core/cls/index';
