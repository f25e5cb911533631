/** Ceph's human-readable numbers now live in @ts-ceph/maps (the mgr prints them too). */
export { byteU, siU, percentify } from '@ts-ceph/maps';
