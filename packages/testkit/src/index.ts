export * from './proc';
export * from './grep';
export * from './realmon';
export * from './fuzz';
export { sharedDir, repoRoot } from '@ts-ceph/common';
export * from './ceph-ref';
export * from './radosgw';
export { spawnLineServer } from './ceph-fork';
