import { stringToBytes } from '@ts-ceph/denc';

/**
 * ceph_str_hash_rjenkins (src/common/ceph_hash.cc): Bob Jenkins' lookup2 over the object name,
 * the placement hash of hobject_t for pools with the default hash function.
 */
export function cephStrHashRjenkins(s: string | Uint8Array): number {
  const k = typeof s === 'string' ? stringToBytes(s) : s;
  let a = 0x9e3779b9 | 0;
  let b = a;
  let c = 0;
  const mix = (): void => {
    a = (a - b - c) ^ (c >>> 13);
    b = (b - c - a) ^ (a << 8);
    c = (c - a - b) ^ (b >>> 13);
    a = (a - b - c) ^ (c >>> 12);
    b = (b - c - a) ^ (a << 16);
    c = (c - a - b) ^ (b >>> 5);
    a = (a - b - c) ^ (c >>> 3);
    b = (b - c - a) ^ (a << 10);
    c = (c - a - b) ^ (b >>> 15);
  };
  const u32 = (i: number): number => k[i]! | (k[i + 1]! << 8) | (k[i + 2]! << 16) | (k[i + 3]! << 24);
  let i = 0;
  let len = k.length;
  while (len >= 12) {
    a = (a + u32(i)) | 0;
    b = (b + u32(i + 4)) | 0;
    c = (c + u32(i + 8)) | 0;
    mix();
    i += 12;
    len -= 12;
  }
  c = (c + k.length) | 0;
  // The tail: bytes 8..10 go to c above its low byte (which holds the length), 4..7 to b, 0..3 to a.
  if (len >= 11) c = (c + (k[i + 10]! << 24)) | 0;
  if (len >= 10) c = (c + (k[i + 9]! << 16)) | 0;
  if (len >= 9) c = (c + (k[i + 8]! << 8)) | 0;
  if (len >= 8) b = (b + (k[i + 7]! << 24)) | 0;
  if (len >= 7) b = (b + (k[i + 6]! << 16)) | 0;
  if (len >= 6) b = (b + (k[i + 5]! << 8)) | 0;
  if (len >= 5) b = (b + k[i + 4]!) | 0;
  if (len >= 4) a = (a + (k[i + 3]! << 24)) | 0;
  if (len >= 3) a = (a + (k[i + 2]! << 16)) | 0;
  if (len >= 2) a = (a + (k[i + 1]! << 8)) | 0;
  if (len >= 1) a = (a + k[i]!) | 0;
  mix();
  return c >>> 0;
}
