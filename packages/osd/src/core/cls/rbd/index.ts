import { ClsMethod } from '../registry';
import { childrenMethods } from './children';
import { directoryMethods } from './directory';
import { groupMethods } from './group';
import { headerMethods } from './header';
import { migrationMethods } from './migration';
import { mirrorMethods } from './mirror';
import { mirrorPeerMethods } from './mirror-peers';
import { mirrorSnapshotMethods } from './mirror-snapshot';
import { mirrorStatusMethods } from './mirror-status';
import { miscMethods } from './misc';
import { objectMapMethods } from './object-map';
import { oldFormatMethods } from './old-format';
import { snapshotMethods } from './snapshots';
import { sparsifyMethods } from './sparsify';

/** The `rbd` object class (src/cls/rbd/cls_rbd.cc), by area. */
export const rbdMethods: Readonly<Record<string, ClsMethod>> = {
  ...headerMethods,
  ...snapshotMethods,
  ...childrenMethods,
  ...directoryMethods,
  ...objectMapMethods,
  ...miscMethods,
  ...migrationMethods,
  ...groupMethods,
  ...mirrorMethods,
  ...mirrorPeerMethods,
  ...mirrorStatusMethods,
  ...mirrorSnapshotMethods,
  ...sparsifyMethods,
  ...oldFormatMethods,
};

export * from './types';
export * from './bit-vector';
export * from './spec-types';
