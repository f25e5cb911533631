/**
 * MOSDFull against Ceph's layout (src/messages/MOSDFull.h): no capture holds one (the boot trace
 * notes its absence), so the expected bytes are built here by hand from the header, field by field.
 */
import t from 'tap';
import { CephMessage, MessageCodec } from '@ts-ceph/messenger';
import { MOSDFull, MOSDFullCodec, MSG_OSD_FULL } from '../src';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function msg(front: Buffer, version = 1): CephMessage {
  return { type: MSG_OSD_FULL, version, compatVersion: 1, priority: 127, tid: 0n, dataOff: 0, seq: 1, front, middle: Buffer.alloc(0), data: Buffer.alloc(0) };
}

// PaxosServiceMessage head: le64 version 0x2a, le16 deprecated_session_mon -1, le64 tid 0;
// then le32 map_epoch 0x2a and le32 state CEPH_OSD_FULL (1 << 4).
const front = hex('2a00000000000000 ffff 0000000000000000  2a000000  10000000');

t.test('osd_full: hand-built front decodes, re-encodes byte-identically, prints as Ceph', async (t) => {
  t.equal(MOSDFullCodec.type, 75, 'MSG_OSD_FULL');
  t.equal(front.length, 26);
  const m = MOSDFullCodec.decode(msg(front), 0n) as MOSDFull;
  t.equal(m.paxos.version, 42);
  t.equal(m.mapEpoch, 42);
  t.equal(m.state, 0x10);
  t.ok(MOSDFullCodec.encode(m, 0n).front.equals(front));
  t.equal(MOSDFullCodec.describe!(m), 'osd_full(e42 full v42)');
  t.equal(MOSDFullCodec.describe!({ ...m, state: 0 }), 'osd_full(e42  v42)', 'an empty std::set prints nothing');
  t.equal(MOSDFullCodec.describe!({ ...m, state: 0x20 | 0x40 }), 'osd_full(e42 backfillfull,nearfull v42)', 'names sorted as a std::set');
});

t.test('osd_full: every truncation is refused with a typed error', async (t) => {
  for (let cut = 0; cut < front.length; cut++) {
    t.throws(() => (MOSDFullCodec as MessageCodec<unknown>).decode(msg(front.subarray(0, cut)), 0n), { name: /DencError|CephError/ }, `cut at ${cut}`);
  }
});
