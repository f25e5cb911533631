import { registerType, EntityType, makeAddr, AddrType } from '@ts-ceph/denc';
import { HobjectT, CEPH_NOSNAP } from '../types/hobject';
import * as oi from './object-info';

/** The OSD's PG and object types (src/osd/osd_types.h), registered under their corpus names. */
const owner = 'maps';

const hobj = (over: Partial<HobjectT> = {}): HobjectT => ({ oid: 'obj', key: '', snap: CEPH_NOSNAP, hash: 0x9e2b5c3d, max: false, nspace: '', pool: 2, ...over });
const watchAddr = makeAddr(AddrType.ANY, '10.0.0.2', 0, 4242);

registerType({
  name: 'watch_info_t',
  owner,
  decode: (r) => oi.decodeWatchInfoT(r),
  encode: oi.encodeWatchInfoT,
  samples: () => [
    { cookie: 0n, timeoutSeconds: 0, addr: makeAddr(AddrType.NONE, '0.0.0.0', 0) },
    { cookie: 123n, timeoutSeconds: 30, addr: watchAddr },
  ],
});

registerType({
  name: 'chunk_info_t',
  owner,
  decode: (r) => oi.decodeChunkInfoT(r),
  encode: oi.encodeChunkInfoT,
  samples: () => [{ offset: 0, length: 0, oid: hobj(), flags: 0 }, { offset: 4096, length: 8192, oid: hobj({ oid: 'chunk', pool: 5 }), flags: oi.CHUNK_FLAG_HAS_REFERENCE }],
});

function chunkedManifest(): oi.ObjectManifestT {
  return { type: oi.MANIFEST_TYPE_CHUNKED, redirectTarget: undefined, chunkMap: [[0n, { offset: 0, length: 4096, oid: hobj({ oid: 'c0' }), flags: oi.CHUNK_FLAG_DIRTY }]] };
}

registerType({
  name: 'object_manifest_t',
  owner,
  decode: (r) => oi.decodeObjectManifestT(r),
  encode: oi.encodeObjectManifestT,
  samples: () => [oi.newObjectManifest(), { type: oi.MANIFEST_TYPE_REDIRECT, redirectTarget: hobj({ pool: 9 }), chunkMap: [] }, chunkedManifest()],
});

function sampleObjectInfo(): oi.ObjectInfoT {
  const o = oi.newObjectInfo(hobj({ nspace: 'ns', key: 'k' }));
  o.version = { epoch: 12, version: 34n };
  o.priorVersion = { epoch: 11, version: 30n };
  o.userVersion = 34n;
  o.lastReqid = { name: { type: EntityType.CLIENT, num: 4123 }, tid: 17n, inc: 0 };
  o.size = 4 << 20;
  o.mtime = { sec: 1_700_000_000, nsec: 5 };
  o.localMtime = { sec: 1_700_000_001, nsec: 6 };
  o.flags = oi.FLAG_DATA_DIGEST | oi.FLAG_OMAP_DIGEST | oi.FLAG_OMAP;
  o.dataDigest = 0x12345678;
  o.omapDigest = 0;
  o.watchers = [{ cookie: 99n, entity: { type: EntityType.CLIENT, num: 4123 }, info: { cookie: 99n, timeoutSeconds: 30, addr: watchAddr } }];
  o.expectedObjectSize = 4194304n;
  o.expectedWriteSize = 4096n;
  return o;
}

registerType({
  name: 'object_info_t',
  owner,
  decode: (r) => oi.decodeObjectInfoT(r),
  encode: oi.encodeObjectInfoT,
  samples: () => {
    const clone = oi.newObjectInfo(hobj({ snap: 4n }));
    const tiered = sampleObjectInfo();
    tiered.flags |= oi.FLAG_MANIFEST | oi.FLAG_DIRTY;
    tiered.manifest = chunkedManifest();
    return [oi.newObjectInfo(hobj()), sampleObjectInfo(), clone, tiered];
  },
});
