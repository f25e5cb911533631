/**
 * The MOSDBoot an OSD sends when its map shows it down (OSD::_send_boot): its superblock head, the
 * public, cluster and heartbeat addrs, and the metadata `ceph osd metadata` shows.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CEPH_FEATURES_ALL, EntityAddrvec, Reader, Uuid, formatAddr } from '@ts-ceph/denc';
import { CephMessage, messageTypes } from '@ts-ceph/messenger';
import { MOSDBootCodec, PAXOS_HEAD_DEFAULT, decodeOSDSuperblockHead } from '@ts-ceph/messages';
import { OSDMap } from '@ts-ceph/maps';
import { encodeOSDSuperblock } from './core/superblock';
import type { OsdNets } from './osd-nets';

export interface BootFacts {
  map: OSDMap;
  whoami: number;
  osdUuid: Uuid;
  publicAddrs: EntityAddrvec;
  /** osd_data: the store's block device is `block` in it. */
  osdData: string;
  nets: Pick<OsdNets, 'clusterAddrs' | 'heartbeat'>;
}

export function buildBootMessage(f: BootFacts): CephMessage {
  const { map, nets } = f;
  const raw = encodeOSDSuperblock({
    clusterFsid: map.fsid,
    whoami: f.whoami,
    currentEpoch: map.epoch,
    oldestMap: map.epoch,
    newestMap: map.epoch,
    mounted: 0,
    cleanThru: 0,
    osdFsid: f.osdUuid,
  });
  const sb = decodeOSDSuperblockHead(new Reader(raw));
  const metadata = new Map<string, string>([
    ['hostname', hostname()],
    ['ceph_version', 'ceph version 16.2.15 (ts-osd) pacific (stable)'],
    ['osd_objectstore', 'tsstore'],
    // The store's block device, as BlueStore reports bluestore_bdev_dev_node (the mgr's
    // ceph_disk_occupation joins on it).
    ['tsstore_bdev_dev_node', join(f.osdData, 'block')],
    ['front_addr', f.publicAddrs.map(formatAddr).join(',')],
    ['back_addr', nets.clusterAddrs.map(formatAddr).join(',')],
    ['hb_back_addr', nets.heartbeat.backAddrs.map(formatAddr).join(',')],
    ['hb_front_addr', nets.heartbeat.frontAddrs.map(formatAddr).join(',')],
  ]);
  return messageTypes.build(MOSDBootCodec, {
    paxos: { ...PAXOS_HEAD_DEFAULT, version: map.epoch },
    sb,
    hbBackAddrs: nets.heartbeat.backAddrs,
    clusterAddrs: nets.clusterAddrs,
    bootEpoch: 0,
    hbFrontAddrs: nets.heartbeat.frontAddrs,
    metadata,
    osdFeatures: CEPH_FEATURES_ALL,
  });
}
