/**
 * The read-only view of the whole monitor the cross-service commands need (status, health, df,
 * quorum_status ...): the services, our identity, and when the quorum formed.
 */
import type { MonmapMonitor } from './monmap-monitor';
import type { OSDMonitor } from '../osd/osd-monitor';
import type { MgrMonitor } from '../mgr/mgr-monitor';
import type { HealthMonitor } from '../health/health-monitor';
import type { PGMap, ServiceMapState } from '@ts-ceph/mgr/core';
import type { EffectiveConfig } from '../config/effective';

/** The version string we report (`ceph versions`); the stock tools parse it. */
/** The feature bits a 16.2.15 mon's quorum reports (`ceph features`: 0x3f01cfbdfffdffff). */
export const MON_QUORUM_FEATURES = 0x3f01cfbdfffdffffn;

export const CEPH_VERSION_STRING = 'ceph version 16.2.15 (618f440892089921c3e944a991122ddc44e60516) pacific (stable)';

export interface ClusterView {
  monName: string;
  rank: number;
  electionEpoch: number;
  /** Wall-clock ms when the quorum (of one) formed: monitor start. */
  quorumSince: number;
  monmap: MonmapMonitor;
  osd: OSDMonitor;
  mgr: MgrMonitor;
  health: HealthMonitor;
  pgstats: PGMap;
  /** The mgr's service map (services: in `ceph -s`). */
  services: ServiceMapState;
  conf: EffectiveConfig;
  /** When the service map was created (mkfs), for `status -f json`. */
  serviceMapModified: string;
  /** Feature bits of the quorum (our own). */
  quorumFeatures: bigint;
}
