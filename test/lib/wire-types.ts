/**
 * Load every package that registers wire types, so the registry is complete: a package registers
 * its types when its index is loaded. Every package is listed; a missing one is a build failure.
 */
import '@ts-ceph/denc';
import '@ts-ceph/crush';
import '@ts-ceph/maps';
import '@ts-ceph/cephx';
import '@ts-ceph/messenger';
import '@ts-ceph/messages';
import '@ts-ceph/rados';
import '@ts-ceph/objectstore';
import '@ts-ceph/mgr';
import '@ts-ceph/mon';
import '@ts-ceph/osd';

export function loadAllWireTypes(): void {
  // The imports above do the work; this function makes the dependency explicit at call sites.
}
