import { Reader, Writer, UTime } from '@ts-ceph/denc';

/**
 * What ts-osd keeps about each object in its `_` xattr (Ceph keeps object_info_t there; ours is a
 * small format of our own, docs/formats/osd-object.md): the eversion of the last write, the
 * object's user_version and its mtime. The object's size is the store's.
 */
export interface ObjectInfo {
  /** eversion_t of the last modification: map epoch (u32) and PG log version (u64). */
  epoch: number;
  version: bigint;
  /** u64, what clients see as the object's version (MOSDOpReply user_version). */
  userVersion: bigint;
  mtime: UTime;
}

/** The xattr name: Ceph's OI_ATTR. */
export const OI_ATTR = '_';
const objectInfoStructV = 1;

/** u8 struct_v (1), u32 epoch, u64 version, u64 user_version, u32 mtime sec, u32 mtime nsec: 29 bytes. */
export function encodeObjectInfo(oi: ObjectInfo): Buffer {
  const w = new Writer();
  w.u8(objectInfoStructV).u32(oi.epoch).u64(oi.version).u64(oi.userVersion).u32(oi.mtime.sec).u32(oi.mtime.nsec);
  return w.finish();
}

export function decodeObjectInfo(b: Uint8Array): ObjectInfo {
  const r = new Reader(b);
  const v = r.u8('struct_v');
  if (v !== objectInfoStructV) r.fail('DENC_INCOMPAT', `object info v${v}, only v${objectInfoStructV}`, 'object_info');
  const epoch = r.u32('epoch');
  const version = r.u64('version');
  const userVersion = r.u64('user_version');
  const mtime = { sec: r.u32('mtime.sec'), nsec: r.u32('mtime.nsec') };
  return { epoch, version, userVersion, mtime };
}
