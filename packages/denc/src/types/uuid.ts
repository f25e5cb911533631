import { Reader } from '../reader';
import { Writer } from '../writer';

/**
 * uuid_d (src/include/uuid.h): the 16 raw bytes of a boost::uuids::uuid, no length prefix.
 * We keep the canonical lowercase text form ("8-4-4-4-12"). A fresh random uuid is `newUuid()` from
 * @ts-ceph/common: this package is pure and reads no entropy.
 */
export type Uuid = string;

export const UUID_NIL: Uuid = '00000000-0000-0000-0000-000000000000';

export function uuidToBytes(u: Uuid): Buffer {
  const hex = u.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new TypeError(`not a uuid: ${u}`);
  return Buffer.from(hex, 'hex');
}

export function uuidFromBytes(b: Uint8Array): Uuid {
  const h = Buffer.from(b).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function isUuid(s: string): boolean {
  return /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(s);
}

export function decodeUuid(r: Reader, field = 'uuid'): Uuid {
  return uuidFromBytes(r.bytes(16, field));
}

export function encodeUuid(w: Writer, u: Uuid): void {
  w.bytes(uuidToBytes(u));
}
