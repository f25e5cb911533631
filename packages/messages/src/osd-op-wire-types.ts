import { registerType } from '@ts-ceph/denc';
import { objectLocator } from '@ts-ceph/maps';
import { decodeRequestRedirectT, encodeRequestRedirectT } from './osd-op';

/**
 * The small OSD data-path types the MOSDOp/MOSDOpReply codecs embed that no other package
 * registers, under their corpus names (ceph-object-corpus/<version>/objects/<name>/).
 * pg_t, spg_t, eversion_t, osd_reqid_t, object_locator_t and hobject_t are registered by maps.
 */
const owner = 'messages';

registerType({
  name: 'request_redirect_t',
  owner,
  decode: (r) => decodeRequestRedirectT(r),
  encode: encodeRequestRedirectT,
  samples: () => [
    { locator: objectLocator(-1), object: '', legacyInstructions: Buffer.alloc(0) },
    { locator: objectLocator(3, 'ns', 'k'), object: 'redir_obj', legacyInstructions: Buffer.alloc(0) },
    { locator: objectLocator(3, '', '', 0x1234), object: 'x', legacyInstructions: Buffer.from([1, 2, 3]) },
  ],
});

/** object_t (src/include/object.h): the object name, a string. */
registerType<string>({
  name: 'object_t',
  owner,
  // Any bytes: denc's strings escape what is not UTF-8 and give the same bytes back.
  decode: (r) => r.string('object_t'),
  encode: (w, v) => {
    w.string(v);
  },
  samples: () => ['', 'rbd_header.1234', 'a:b/c%d', '\udc80\udcff-not-utf8'],
});

/**
 * SnapContext (src/common/snap_types.h): le64 seq, vector<le64> snaps (newest first). MOSDOp carries
 * the same two fields inline (snap_seq, snaps).
 */
export interface SnapContext {
  seq: bigint;
  snaps: bigint[];
}

registerType<SnapContext>({
  name: 'SnapContext',
  owner,
  decode: (r) => ({ seq: r.u64('seq'), snaps: r.list('snaps', (rr) => rr.u64('snap'), 8) }),
  encode: (w, v) => {
    w.u64(v.seq).list(v.snaps, (ww, s) => ww.u64(s));
  },
  samples: () => [
    { seq: 0n, snaps: [] },
    { seq: 20n, snaps: [18n, 3n, 1n] },
  ],
});
