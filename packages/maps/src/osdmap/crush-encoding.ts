import { cephError } from '@ts-ceph/common/core';
import { featureBit, hasFeature } from '@ts-ceph/denc';

/**
 * The CRUSH map inside an OSDMap is kept as the bytes CrushWrapper::encode wrote with full features.
 * CrushWrapper::encode varies only with CRUSH_CHOOSE_ARGS, CRUSH_TUNABLES5 and SERVER_LUMINOUS; a peer
 * with all three gets those bytes unchanged. Older peers need the map re-encoded by the CRUSH package,
 * which registers itself here.
 */
export type CrushReencoder = (crush: Buffer, features: bigint) => Buffer;

let reencoder: CrushReencoder | undefined;

export function setCrushReencoder(fn: CrushReencoder): void {
  reencoder = fn;
}

export function crushNeedsReencode(features: bigint): boolean {
  return !(hasFeature(features, 'CRUSH_CHOOSE_ARGS') && (features & featureBit('CRUSH_TUNABLES5')) !== 0n && hasFeature(features, 'SERVER_LUMINOUS'));
}

export function crushForFeatures(crush: Buffer, features: bigint): Buffer {
  if (crush.length === 0 || !crushNeedsReencode(features)) return crush;
  if (!reencoder) throw cephError('EOPNOTSUPP', 'this peer needs the CRUSH map in a pre-luminous encoding, which is not available');
  return reencoder(crush, features);
}
