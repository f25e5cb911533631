export * from './proc';
export * from './realmon';
export { sharedDir, repoRoot } from '@ts-ceph/common';
