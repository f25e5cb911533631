/**
 * `@ts-ceph/objectstore/interface`: the ObjectStore interface without a backend that touches a
 * disk: object and collection names, the Transaction builder, the ObjectStore interface and MemStore
 * (in memory, so a simulation or a protocol core can run against it). The package root adds the
 * native block store, its io_uring binding and LUKS.
 */
export * from './types';
export * from './transaction';
export * from './objectstore';
export * from './memstore';
export * from './hash';
