import { cephError } from '@ts-ceph/common/core';
import { CEPH_BANNER_V1, CEPH_BANNER_V2_PREFIX, CEPH_MSGR2_REQUIRED_FEATURES, CEPH_MSGR2_SUPPORTED_FEATURES } from './tags';
import { msgrLimits } from './limits';

/**
 * The msgr2 banner (ProtocolV2::_banner_exchange): "ceph v2\n", le16 payload length, then the payload
 * { le64 supported, le64 required } of msgr2 feature bits. Ceph 16.2 sends supported=1 (REVISION_1),
 * required=0, 26 bytes in all.
 */
export const BANNER_PREFIX_BYTES = CEPH_BANNER_V2_PREFIX.length + 2;

export interface Banner {
  supported: bigint;
  required: bigint;
}

export function encodeBanner(b: Banner = { supported: CEPH_MSGR2_SUPPORTED_FEATURES, required: CEPH_MSGR2_REQUIRED_FEATURES }): Buffer {
  const out = Buffer.alloc(BANNER_PREFIX_BYTES + 16);
  CEPH_BANNER_V2_PREFIX.copy(out, 0);
  out.writeUInt16LE(16, CEPH_BANNER_V2_PREFIX.length);
  out.writeBigUInt64LE(b.supported, BANNER_PREFIX_BYTES);
  out.writeBigUInt64LE(b.required, BANNER_PREFIX_BYTES + 8);
  return out;
}

/** Check the 10-byte banner prefix and return the payload length that follows. */
export function parseBannerPrefix(prefix: Buffer): number {
  if (!prefix.subarray(0, CEPH_BANNER_V2_PREFIX.length).equals(CEPH_BANNER_V2_PREFIX)) {
    if (prefix.subarray(0, Math.min(prefix.length, CEPH_BANNER_V1.length)).equals(CEPH_BANNER_V1.subarray(0, Math.min(prefix.length, CEPH_BANNER_V1.length)))) {
      throw cephError('EPROTO', 'peer is using the msgr1 protocol (banner "ceph v027"); we speak msgr2 only');
    }
    throw cephError('EPROTO', `bad banner ${JSON.stringify(prefix.toString('latin1'))}`);
  }
  const len = prefix.readUInt16LE(CEPH_BANNER_V2_PREFIX.length);
  if (len < 16) throw cephError('EPROTO', `banner payload of ${len} bytes is shorter than the 16-byte feature masks`);
  if (len > msgrLimits.bannerPayloadBytesMax) throw cephError('EPROTO', `banner payload of ${len} bytes over bannerPayloadBytesMax ${msgrLimits.bannerPayloadBytesMax}`);
  return len;
}

/** Decode the banner payload (a longer payload from a future peer keeps its first 16 bytes' meaning). */
export function parseBannerPayload(payload: Buffer): Banner {
  return { supported: payload.readBigUInt64LE(0), required: payload.readBigUInt64LE(8) };
}
