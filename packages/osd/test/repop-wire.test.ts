import t from 'tap';
import { Packr } from 'msgpackr';
import { PeerMessage, decodePeerWire, encodePeerWire } from '../src/core/peering/messages';
import { repopWireMarker } from '../src/core/peering/repop-wire';

// The binary repop and repop_reply bodies (docs/formats/osd-messages.md, "Binary repop and
// repop_reply"): expected bytes are written out here field by field, not by the encoder.
const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const le64 = (v: number): number[] => [...le32(v % 2 ** 32), ...le32(Math.floor(v / 2 ** 32))];
const head = (kind: number): number[] => [0xc1, kind, 1, ...le64(2 ** 40 + 5), ...le32(17), ...le32(41), ...le64(2 ** 33 + 9)];

const repop: PeerMessage = {
  type: 'repop',
  pgid: [2 ** 40 + 5, 17],
  interval: 41,
  tid: 2 ** 33 + 9,
  prev: [45, 2 ** 32 + 3],
  entries: [Buffer.from('ab'), Buffer.from('c')],
  txn: Buffer.from('txn'),
  data: [Buffer.from('data!')],
};
const repopBytes = Buffer.from([
  ...head(1),
  ...le32(45), ...le64(2 ** 32 + 3), // prev
  ...le32(2), ...le32(2), 0x61, 0x62, ...le32(1), 0x63, // two entries
  ...le32(3), 0x74, 0x78, 0x6e, // txn
]);
const reply: PeerMessage = { type: 'repop_reply', pgid: [2 ** 40 + 5, 17], interval: 41, tid: 2 ** 33 + 9, version: [46, 7] };
const replyBytes = Buffer.from([...head(2), ...le32(46), ...le64(7)]);

t.test('binary repop: the body is the hand-built bytes, the write data is the data segment', async (t) => {
  const w = encodePeerWire(repop);
  t.same([...w.body], [...repopBytes]);
  t.equal(w.data, (repop as { data: Buffer[] }).data[0], 'the data buffer itself, not a copy');
  t.same(decodePeerWire(repopBytes, w.data), repop);
  const back = decodePeerWire(repopBytes, w.data) as { entries: Buffer[]; txn: Buffer };
  t.equal(back.txn.buffer, repopBytes.buffer, 'txn is a view of the received body');
  t.same((decodePeerWire(repopBytes, Buffer.alloc(0)) as { data: Buffer[] }).data, [], 'no data segment: no write data');
});

t.test('binary repop_reply: hand-built bytes both ways', async (t) => {
  const w = encodePeerWire(reply);
  t.same([...w.body], [...replyBytes]);
  t.equal(w.data.length, 0);
  t.same(decodePeerWire(replyBytes, w.data), reply);
  t.throws(() => decodePeerWire(replyBytes, Buffer.from('x')), /repop_reply: 1 bytes of data segment/);
});

t.test('binary bodies cut at every boundary, or with a byte too many, are EINVAL', async (t) => {
  for (const whole of [repopBytes, replyBytes]) {
    for (let i = 1; i < whole.length; i++) {
      t.throws(() => decodePeerWire(whole.subarray(0, i), Buffer.alloc(0)), { name: 'CephError', code: 'EINVAL' }, `prefix of ${i} bytes`);
    }
    t.throws(() => decodePeerWire(Buffer.concat([whole, Buffer.from([0])]), Buffer.alloc(0)), /1 stray bytes after repop body/, 'a trailing byte');
  }
});

t.test('binary bodies: an unknown kind or version, a count over the bytes, a u64 over 2^53', async (t) => {
  const edit = (b: Buffer, at: number, v: number[]): Buffer => {
    const c = Buffer.from(b);
    Buffer.from(v).copy(c, at);
    return c;
  };
  t.throws(() => decodePeerWire(edit(replyBytes, 1, [3]), Buffer.alloc(0)), /kind 3 unknown/);
  t.throws(() => decodePeerWire(edit(replyBytes, 2, [2]), Buffer.alloc(0)), /version 2, we read 1/);
  t.throws(() => decodePeerWire(edit(repopBytes, 39, le32(1000)), Buffer.alloc(0)), /entries/, 'entry count beyond the body');
  t.throws(() => decodePeerWire(edit(replyBytes, 3, [0, 0, 0, 0, 0, 0, 0x20, 0]), Buffer.alloc(0)), /pool.*2\^53/, 'pool over 2^53');
});

t.test('a msgpack repop or repop_reply (an OSD built before the binary bodies) still decodes', async (t) => {
  const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
  const { data, ...rest } = repop as Extract<PeerMessage, { type: 'repop' }>;
  t.not(packr.pack(rest)[0], repopWireMarker, 'a msgpack map never starts with the marker');
  t.same(decodePeerWire(packr.pack(rest), data[0]!), repop);
  t.same(decodePeerWire(packr.pack(reply), Buffer.alloc(0)), reply);
});
