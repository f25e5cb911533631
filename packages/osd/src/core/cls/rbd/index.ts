import { ClsMethod } from '../registry';
import { childrenMethods } from './children';
import { directoryMethods } from './directory';
import { headerMethods } from './header';
import { miscMethods } from './misc';
import { objectMapMethods } from './object-map';
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
  ...sparsifyMethods,
};

export * from './types';
export * from './bit-vector';
