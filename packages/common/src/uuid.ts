import { randomUUID } from 'node:crypto';

/**
 * A fresh random (version 4) uuid in the canonical lowercase "8-4-4-4-12" form, for mkfs and cluster
 * set-up. It lives here, not in the pure @ts-ceph/denc next to the uuid_d codec, because reading
 * entropy is the caller's business, never a protocol core's.
 */
export function newUuid(): string {
  return randomUUID();
}
