/**
 * @ts-ceph/maps: the cluster maps (MonMap, OSDMap and its incrementals, MgrMap) encoded exactly as
 * Ceph 16.2 does, and OSDMap placement (object -> PG -> up/acting OSDs). No I/O.
 */
export * from './limits';
export * from './format/formatter';
export * from './format/text-table';
export * from './format/number';
export * from './format/text';
export * from './format/addr';
export * from './format/release';
export * from './types/pg';
export * from './types/pg-map';
export * from './types/hobject';
export * from './types/interval-set';
export * from './types/pool-parts';
export * from './types/pool';
export * from './types/pool-dump';
export * from './types/stats';
export * from './monmap/monmap';
export * from './monmap/dump';
export * from './monmap/initial';
export * from './mgrmap/mgrmap';
export * from './mgrmap/dump';
export * from './osdmap/types';
export * from './osdmap/parts';
export * from './osdmap/codec';
export * from './osdmap/crush-encoding';
export * from './osdmap/incremental-types';
export * from './osdmap/incremental';
export * from './osdmap/creating-pgs';
export * from './osdmap/crush';
export * from './osdmap/features';
export * from './osdmap/names';
export * from './osdmap/dump';
export * from './osdmap/print';
export * from './osdmap/clone';
export * from './osdmap/apply';
export * from './osdmap/build';
export * from './osdmap/placement';
export { strHashRjenkins, strHashLinux, cephStrHash, cephStableMod } from './placement/hash';
export * from './osdmap/pending';
export * from './osdmap/tree';
export * from './osdmap/blocklist';
export * from './osdmap/clean';
export * from './osd-types/object-info';
export * from './osd-types/pg-log';
import './wire-types';
