import { EntityAddr, EntityAddrvec, UTime, Uuid, UTIME_ZERO, UUID_NIL } from '@ts-ceph/denc';
import { IntervalSet } from '../types/interval-set';
import { PgT } from '../types/pg';
import { PgMap } from '../types/pg-map';
import { PgPoolT } from '../types/pool';
import { RELEASE_UNSET } from '../format/release';
import { OsdXinfoT } from './types';

/**
 * OSDMap::Incremental (src/osd/OSDMap.h): the change from epoch-1 to epoch. Fields left at their
 * defaults (-1, empty, RELEASE_UNSET) mean "no change".
 */
export interface Incremental {
  /** Feature bits the incremental was encoded with (the full map that follows must match). */
  encodeFeatures: bigint;
  fsid: Uuid;
  epoch: number;
  modified: UTime;
  /** s64, -1 = unchanged. */
  newPoolMax: number;
  /** s32, -1 = unchanged. */
  newFlags: number;
  /** A whole new map instead of the fields below (rare). */
  fullmap: Buffer;
  /** A new CRUSH map (encoded CrushWrapper). */
  crush: Buffer;
  /** s32, -1 = unchanged. */
  newMaxOsd: number;
  newPools: Map<number, PgPoolT>;
  newPoolNames: Map<number, string>;
  oldPools: number[];
  newUpClient: Map<number, EntityAddrvec>;
  newUpCluster: Map<number, EntityAddrvec>;
  /** Bits XORed onto the previous state (0 means CEPH_OSD_UP, i.e. "mark down"). */
  newState: Map<number, number>;
  newWeight: Map<number, number>;
  /** An empty vector removes the entry. */
  newPgTemp: PgMap<number[]>;
  /** -1 removes the entry. */
  newPrimaryTemp: PgMap<number>;
  newPrimaryAffinity: Map<number, number>;
  newUpThru: Map<number, number>;
  newLastCleanInterval: Map<number, [number, number]>;
  newLost: Map<number, number>;
  newUuid: Map<number, Uuid>;
  newXinfo: Map<number, OsdXinfoT>;
  newBlocklist: [EntityAddr, UTime][];
  oldBlocklist: EntityAddr[];
  newRangeBlocklist: [EntityAddr, UTime][];
  oldRangeBlocklist: EntityAddr[];
  newHbBackUp: Map<number, EntityAddrvec>;
  newHbFrontUp: Map<number, EntityAddrvec>;
  newPgUpmap: PgMap<number[]>;
  newPgUpmapItems: PgMap<[number, number][]>;
  oldPgUpmap: PgT[];
  oldPgUpmapItems: PgT[];
  newRemovedSnaps: Map<number, IntervalSet>;
  newPurgedSnaps: Map<number, IntervalSet>;
  newCrushNodeFlags: Map<number, number>;
  newDeviceClassFlags: Map<number, number>;
  newErasureCodeProfiles: Map<string, Map<string, string>>;
  oldErasureCodeProfiles: string[];
  clusterSnapshot: string;
  /** Floats; -1 = unchanged. */
  newNearfullRatio: number;
  newBackfillfullRatio: number;
  newFullRatio: number;
  newRequireMinCompatClient: number;
  newRequireOsdRelease: number;
  newLastUpChange: UTime;
  newLastInChange: UTime;
  changeStretchMode: boolean;
  newStretchBucketCount: number;
  newDegradedStretchMode: number;
  newRecoveringStretchMode: number;
  newStretchModeBucket: number;
  stretchModeEnabled: boolean;
  /** Whether the crcs below are meaningful (encodings since firefly carry them). */
  haveCrc: boolean;
  /** crc of the full map this incremental produces. */
  fullCrc: number;
  /** crc of this incremental's own encoding. */
  incCrc: number;
}

export function newIncremental(epoch = 0): Incremental {
  return {
    encodeFeatures: 0n,
    fsid: UUID_NIL,
    epoch,
    modified: { ...UTIME_ZERO },
    newPoolMax: -1,
    newFlags: -1,
    fullmap: Buffer.alloc(0),
    crush: Buffer.alloc(0),
    newMaxOsd: -1,
    newPools: new Map(),
    newPoolNames: new Map(),
    oldPools: [],
    newUpClient: new Map(),
    newUpCluster: new Map(),
    newState: new Map(),
    newWeight: new Map(),
    newPgTemp: new PgMap(),
    newPrimaryTemp: new PgMap(),
    newPrimaryAffinity: new Map(),
    newUpThru: new Map(),
    newLastCleanInterval: new Map(),
    newLost: new Map(),
    newUuid: new Map(),
    newXinfo: new Map(),
    newBlocklist: [],
    oldBlocklist: [],
    newRangeBlocklist: [],
    oldRangeBlocklist: [],
    newHbBackUp: new Map(),
    newHbFrontUp: new Map(),
    newPgUpmap: new PgMap(),
    newPgUpmapItems: new PgMap(),
    oldPgUpmap: [],
    oldPgUpmapItems: [],
    newRemovedSnaps: new Map(),
    newPurgedSnaps: new Map(),
    newCrushNodeFlags: new Map(),
    newDeviceClassFlags: new Map(),
    newErasureCodeProfiles: new Map(),
    oldErasureCodeProfiles: [],
    clusterSnapshot: '',
    newNearfullRatio: -1,
    newBackfillfullRatio: -1,
    newFullRatio: -1,
    newRequireMinCompatClient: RELEASE_UNSET,
    newRequireOsdRelease: RELEASE_UNSET,
    newLastUpChange: { ...UTIME_ZERO },
    newLastInChange: { ...UTIME_ZERO },
    changeStretchMode: false,
    newStretchBucketCount: 0,
    newDegradedStretchMode: 0,
    newRecoveringStretchMode: 0,
    newStretchModeBucket: 0,
    stretchModeEnabled: false,
    haveCrc: false,
    fullCrc: 0,
    incCrc: 0,
  };
}
